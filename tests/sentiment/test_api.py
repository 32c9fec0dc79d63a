"""The public API other areas integrate against (see INTERFACES.md), with the shipped model."""

from __future__ import annotations

import dataclasses

import pytest

import sentiment
from sentiment import Analysis, analyze, analyze_batch, score

EDGE_INPUTS = [
    "",
    "   \n\t ",
    "😀😀😀🔥",
    "[怒][怒][怒]",
    "差" * 10_000,
    "这家店" * 3_400,
    "The delivery was late and the food was cold.",
    "Très bien, merci !",
    "こんにちは、ありがとう",
    "12345 678",
    "//@小王:",
    "\x00\ufeff\u200b",
    "http://t.cn/A6abcd",
]


def _valid(a: Analysis) -> None:
    assert isinstance(a, Analysis)
    assert 0.0 <= a.score <= 1.0
    assert a.label in ("negative", "neutral", "positive")
    assert a.category is None or a.category in (
        "quality",
        "service",
        "delivery",
        "billing",
        "safety",
        "fraud",
        "other",
    )
    assert a.category is None or a.label == "negative"
    assert isinstance(a.signals, list)


@pytest.mark.parametrize("text", EDGE_INPUTS)
def test_edge_inputs_give_a_valid_analysis(text: str) -> None:
    _valid(analyze(text))


def test_empty_text_is_neutral() -> None:
    assert analyze("") == Analysis(score=0.5, label="neutral", category=None, signals=[])
    assert score("  ") == (0.5, "neutral")


def test_non_string_items_in_a_batch_do_not_raise() -> None:
    out = analyze_batch(["很好", None, 42])  # type: ignore[list-item]
    assert len(out) == 3
    for a in out:
        _valid(a)


def test_batch_equals_one_by_one() -> None:
    texts = ["物流太慢了，差评", "味道很好，下次还来", "今天下雨了", *EDGE_INPUTS]
    batch = analyze_batch(texts)
    assert batch == [analyze(t) for t in texts]
    assert analyze_batch([]) == []


def test_analysis_is_frozen() -> None:
    a = analyze("很好")
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.score = 0.1  # type: ignore[misc]


@pytest.mark.parametrize(
    "text",
    [
        "外卖送了两个小时，饭菜全凉了，再也不点了",
        "客服态度恶劣，退款拖了一个月还没到账[怒]",
        "垃圾产品，用了三天就坏了，大家千万别买",
        "心塞，排队三小时结果告诉我卖完了[泪]",
    ],
)
def test_clear_complaints_are_negative(text: str) -> None:
    a = analyze(text)
    assert a.label == "negative"
    assert a.score < 0.3


@pytest.mark.parametrize(
    "text",
    [
        "酒店位置很好，房间干净，服务热情，下次还住",
        "味道超赞，送餐也快，五星好评[赞]",
        "今天收到了礼物，太开心了[哈哈][爱你]",
    ],
)
def test_clear_praise_is_positive(text: str) -> None:
    a = analyze(text)
    assert a.label == "positive"
    assert a.score > 0.7


def test_score_matches_analyze() -> None:
    text = "快递小哥很负责，点赞"
    a = analyze(text)
    assert score(text) == (a.score, a.label)


def test_emoticons_carry_sentiment() -> None:
    assert analyze("今天又加班[怒][怒]").score < analyze("今天又加班[哈哈][哈哈]").score


def test_repost_scores_the_authors_own_words() -> None:
    praise = "这家店服务真好，点赞！"
    complaint = "太坑了，再也不来了"
    assert analyze(f"{complaint}//@小王:{praise}").label == "negative"
    assert analyze(f"转发微博//@小王:{complaint}").label == "negative"
    assert analyze(f"转发微博//@小王:{complaint}").score == analyze(complaint).score


def test_traditional_characters_score_like_simplified() -> None:
    assert analyze("這家餐廳服務態度太差了").score == pytest.approx(
        analyze("这家餐厅服务态度太差了").score, abs=1e-6
    )


def test_neutral_band_is_calibrated() -> None:
    model = sentiment.get_model()
    assert 0.0 < model.neutral_low < 0.5 < model.neutral_high < 1.0
    assert model.meta.get("figures"), "the shipped model records its held-out figures"


# -- polarity toward each brand (sentiment.Target) ------------------------------------------
def test_each_target_gets_its_own_polarity() -> None:
    from sentiment import BrandPolarity, Target

    [a] = analyze_batch(
        ["极光汽车刹车失灵，车主维权无门；云朵外卖今天送餐很快"],
        targets=[[Target("极光汽车", ("极光汽车",)), Target("云朵外卖", ("云朵外卖",))]],
    )
    assert set(a.brands) == {"极光汽车", "云朵外卖"}
    for polarity in a.brands.values():
        assert isinstance(polarity, BrandPolarity)
        assert 0.0 <= polarity.score <= 1.0
        assert polarity.label in ("negative", "neutral", "positive")
    assert a.brands["极光汽车"].score < a.brands["云朵外卖"].score
    assert a.brands["极光汽车"].label == "negative"


def test_a_news_report_of_a_scandal_is_negative_for_the_company_named() -> None:
    from sentiment import Target

    text = "据新华社报道，极光汽车因涉嫌虚假宣传被市场监管部门罚款200万元，并被责令召回问题车辆。"
    [a] = analyze_batch([text], targets=[[Target("极光汽车", ("极光汽车",))]])
    assert a.brands["极光汽车"].label == "negative"
    assert a.category is not None  # a negative mention for the brand gets a category


def test_an_echoing_repost_is_read_on_what_it_reposts() -> None:
    from sentiment import Target

    complaint = "极光X7高速上刹车失灵，4S店一句'正常现象'就打发了？我要投诉到12315！"
    [repost, comment] = analyze_batch(
        [f"已转，支持维权//@车主小王:{complaint}", "同款，也遇到了"],
        targets=[[Target("极光汽车", ("极光X7",))]] * 2,
        contexts=[None, complaint],
    )
    for a in (repost, comment):
        assert a.brands["极光汽车"].from_context
        assert a.brands["极光汽车"].label == "negative"


def test_a_text_without_targets_has_no_brand_polarity() -> None:
    from sentiment import Target

    out = analyze_batch(["很好", ""], targets=[[], [Target("某品牌", ("某品牌",))]])
    assert out[0].brands == {}
    assert out[1].brands["某品牌"].label == "neutral"  # empty text: neutral, like the document


def test_targets_must_match_the_texts() -> None:
    from sentiment import Target

    with pytest.raises(ValueError, match="one entry per text"):
        analyze_batch(["a", "b"], targets=[[Target("x", ("x",))]])


def test_model_path_from_config(tmp_path) -> None:
    """`sentiment.model_path` (a model retrained with the deployment's corrections) is the
    one scored with; a file that is no model stops the config check, naming the key."""
    import pydantic
    import pytest

    import sentiment
    from config.schema import RadarConfig
    from sentiment.model import DEFAULT_MODEL_PATH

    bad = tmp_path / "model.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(pydantic.ValidationError, match="model_path"):
        RadarConfig.model_validate({"sentiment": {"model_path": str(bad)}})
    own = tmp_path / "own.npz"
    own.write_bytes(DEFAULT_MODEL_PATH.read_bytes())
    cfg = RadarConfig.model_validate({"sentiment": {"model_path": str(own)}})
    try:
        sentiment.configure_from(cfg)
        assert sentiment._model_path == own
        assert sentiment.analyze("太差了，我要投诉").label == "negative"
    finally:
        sentiment.configure()
