"""Complaint categories and risk signals, on tables of real-looking posts."""

from __future__ import annotations

from pathlib import Path

import pytest

import sentiment
from sentiment.complaints import CATEGORIES, SIGNALS, Lexicon, LexiconError, load_lexicon


@pytest.fixture(scope="module")
def lex() -> Lexicon:
    return load_lexicon()


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("充电宝充着充着就起火了，差点烧到孩子，吓死人", "safety"),
        ("吃了他家的炸鸡全家拉肚子，晚上进医院挂急诊", "safety"),
        ("外卖里吃出一根头发丝，恶心", "safety"),
        ("旗舰店买到假货，专柜验过了，根本不是正品", "fraud"),
        ("宣传说续航三天，实际半天就没电，虚假宣传", "fraud"),
        ("新买的洗衣机用了一周就坏了，还漏水", "quality"),
        ("鞋子穿两次就开胶了，做工粗糙", "quality"),
        ("客服态度恶劣，问三遍都爱答不理", "service"),
        ("打电话过去直接挂电话，投诉无门", "service"),
        ("快递一个星期还没到，物流信息也不更新", "delivery"),
        ("等了两个小时外卖才送到，骑手还送错了地址", "delivery"),
        ("莫名其妙多扣了两百块，申请退款一直不退钱", "billing"),
        ("自动续费也不提醒，会员费说扣就扣", "billing"),
        # a car's brakes are a safety matter, not a late delivery (延迟)
        ("极光X7刹车有点延迟，踩下去半秒才有反应", "safety"),
        ("唉，心情很差，不想说话", "other"),
        ("", "other"),
    ],
)
def test_category(lex: Lexicon, text: str, category: str) -> None:
    assert lex.category(text) == category


@pytest.mark.parametrize(
    ("text", "signals"),
    [
        ("再不处理我就找媒体曝光你们", ["media"]),
        ("已经打了12315，也向市场监管局举报了", ["regulator"]),
        ("我已经请了律师，准备起诉", ["legal"]),
        ("消费者维权太难了", ["rights"]),
        ("受害者群已经两百多人了，大家一起集体投诉", ["collective"]),
        ("孩子被烫伤送医，人身安全谁来保障", ["safety"]),
        ("记者已经联系我了，12315也受理了，下一步起诉", ["media", "regulator", "legal"]),
        ("這家店太坑了，我要向消協投訴並找記者曝光", ["media", "regulator"]),
        ("今天吃得很开心", []),
    ],
)
def test_signals(lex: Lexicon, text: str, signals: list[str]) -> None:
    assert lex.signals_in(text) == signals


@pytest.mark.parametrize(
    ("text", "category", "signals"),
    [
        ("不是假货，质量差倒是真的", "quality", []),
        ("还好没有起火，但是充电器烫得不行，质量太差", "quality", []),
        ("孩子并未受伤，可是客服态度恶劣", "service", []),
        ("从未出现安全隐患的说法是骗人的，吃出虫子了", "safety", []),
        ("我不会去曝光的，只想退款", "billing", []),
    ],
)
def test_negated_terms_do_not_count(
    lex: Lexicon, text: str, category: str, signals: list[str]
) -> None:
    assert lex.category(text) == category
    assert lex.signals_in(text) == signals


@pytest.mark.parametrize(
    "text",
    [
        "限时秒杀！央视媒体报道过的爆款，全场包邮，点击链接下单",
        "官方旗舰店新品上市，品质保证，假一赔十，维权无忧，立减50",
    ],
)
def test_brand_promotion_raises_no_signals(lex: Lexicon, text: str) -> None:
    assert lex.is_promotion(text)
    assert lex.signals_in(text)  # the words are there ...
    assert sentiment.analyze(text).signals == []  # ... but marketing is not a risk


@pytest.mark.parametrize(
    "text",
    [
        "说好的限时优惠，下单后不给优惠，还说是活动规则，我要找12315",
        "限时抢购买到的是假货，包邮也没用，已经找记者了",
    ],
)
def test_complaints_about_promotions_keep_their_signals(lex: Lexicon, text: str) -> None:
    assert not lex.is_promotion(text)
    assert sentiment.analyze(text).signals


def test_negative_complaint_end_to_end() -> None:
    a = sentiment.analyze("垃圾商家卖假货，骗子！已经向12315投诉，还要找记者曝光[怒]")
    assert a.label == "negative"
    assert a.category == "fraud"
    assert a.signals == ["media", "regulator"]


def test_category_only_for_negative_texts() -> None:
    a = sentiment.analyze("快递小哥特别好，下雨天还准时送到，点赞[赞]")
    assert a.label == "positive"
    assert a.category is None


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("极光汽车刹车失灵", True),
        ("客服态度差，打了三次电话都不处理", True),
        ("极光汽车的售后电话是多少？", False),  # 售后: a subject, no problem
        ("极光X7的刹车软不软？", False),  # 刹车: a subject (safety), no problem
        ("纠结极光X7和别家的同级车，做工差不多，大家会怎么选？", False),  # 差不多: about the same
        ("两款车质量差别不大，服务差距也小", False),
        ("做工差，质量差得离谱", True),
        ("京东白条提前还款方法介绍：进入账单页面，手续费按期计算", False),
        ("交通运输部：6岁以下儿童免费乘车", False),  # 运输 inside a ministry's name
        ("贵州茅台发布年报", False),
        ("没有质量问题，物流也快", False),  # negated
    ],
)
def test_a_subject_alone_names_no_problem(lex: Lexicon, text: str, problem: bool) -> None:
    """Category terms like 客服, 账单, 价格 choose a complaint's category but are not the
    evidence that a text is one (the brand reading's complaint rule needs a problem)."""
    assert lex.names_a_problem(text) is problem


def test_a_question_about_a_brands_service_is_no_complaint_about_it() -> None:
    """The complaint rule read a question naming 售后 and a how-to about bills negative
    for the brand (per-company test split, production path: F1 0.915 -> 0.930)."""
    for text, brand in (
        ("极光汽车的售后电话是多少？", "极光汽车"),
        ("京东白条好用吗？京东白条提前还款方法介绍：进入全部账单页面，点击提前还款", "京东白条"),
    ):
        got = sentiment.analyze_batch([text], targets=[[sentiment.Target(brand, (brand,))]])
        assert got[0].brands[brand].label != "negative", text
    got = sentiment.analyze_batch(
        ["极光汽车刹车失灵"], targets=[[sentiment.Target("极光汽车", ("极光汽车",))]]
    )
    assert got[0].brands["极光汽车"].label == "negative"


def test_shipped_lexicon_names_every_category_and_signal(lex: Lexicon) -> None:
    assert set(lex.categories) == set(CATEGORIES) - {"other"}
    assert set(lex.signals) == set(SIGNALS)


def test_lexicon_can_be_replaced(tmp_path: Path) -> None:
    path = tmp_path / "lexicon.yaml"
    path.write_text(
        "categories:\n  quality: [电池鼓包]\nsignals:\n  media: [小红书]\n"
        "negations: [没有]\npromotion: []\n",
        encoding="utf-8",
    )
    text = "垃圾手机，电池鼓包了，我要发小红书让大家看看，太差了"
    try:
        sentiment.configure(lexicon_path=path)
        a = sentiment.analyze(text)
        assert (a.category, a.signals) == ("quality", ["media"])
    finally:
        sentiment.configure()
    assert sentiment.analyze(text).signals == []


def test_lexicon_from_config(tmp_path: Path) -> None:
    from config.schema import RadarConfig

    path = tmp_path / "lex.yaml"
    path.write_text("signals:\n  legal: [法务部]\n", encoding="utf-8")
    cfg = RadarConfig.model_validate({"sentiment": {"lexicon_path": str(path)}})
    try:
        sentiment.configure_from(cfg)
        assert sentiment.analyze("已经转给我们法务部了").signals == ["legal"]
    finally:
        sentiment.configure()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("categories:\n  taste: [难吃]\n", "categories.taste: unknown name"),
        ("signals:\n  media: 曝光\n", "signals.media: expected a list of terms"),
        ("- just a list\n", "expected a mapping"),
        ("colours: [red]\n", "unknown section(s) ['colours']"),
        ("subjects: 客服\n", "subjects: expected a list of terms"),
    ],
)
def test_bad_lexicon_is_named(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(LexiconError) as err:
        Lexicon.from_file(path)
    assert str(path) in str(err.value)
    assert message in str(err.value)
    with pytest.raises(LexiconError):
        sentiment.configure(lexicon_path=path)


def test_config_rejects_a_missing_lexicon_file() -> None:
    from pydantic import ValidationError

    from config.schema import RadarConfig

    with pytest.raises(ValidationError, match="does not exist"):
        RadarConfig.model_validate({"sentiment": {"lexicon_path": "/nonexistent/lex.yaml"}})
