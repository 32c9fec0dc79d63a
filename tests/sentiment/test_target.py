"""Target-level (per-brand) polarity: the pure text functions of sentiment.target and
SentimentModel.target_scores with the shipped model (no data from ../shared needed)."""

from __future__ import annotations

import numpy as np
import pytest

from sentiment.model import SentimentModel
from sentiment.target import (
    OTHER_MARK,
    SUBSUMED_MARK,
    TARGET_MARK,
    find_mentions,
    focus,
    focus_texts,
    strip_like_news,
    target_text,
)


@pytest.fixture(scope="module")
def model() -> SentimentModel:
    return SentimentModel.load()


def test_strip_like_news_keeps_chinese_characters_only() -> None:
    assert strip_like_news("2019年3月，A股公司「极光」被罚100万元！") == "股公司极光被罚元"


def test_mentions_prefer_the_longer_name() -> None:
    text = "京东白条逾期，京东回应"
    mentions = find_mentions(text, ["京东"], ["京东白条"])
    assert [(text[m.start : m.end], m.is_target) for m in mentions] == [
        ("京东白条", False),
        ("京东", True),
    ]


def test_marked_focus_replaces_target_and_others() -> None:
    f = focus("极光汽车很好，星辰汽车很差。", ["极光汽车"], ["星辰汽车"])
    assert f.found
    assert f.marked == f"{TARGET_MARK}很好，{OTHER_MARK}很差。"
    assert f.plain == "极光汽车很好，星辰汽车很差。"


def test_target_only_inside_a_longer_name_is_marked_subsumed() -> None:
    f = focus("京东白条逾期严重", ["京东"], ["京东白条"])
    assert f.found and f.marked.startswith(SUBSUMED_MARK)


def test_terms_are_normalised_like_the_text() -> None:
    f = focus_texts(["ＡＢＣ銀行被罰款"], [["ABC銀行"]])[0]
    assert f.found and TARGET_MARK in f.marked


def test_missing_target_is_not_found() -> None:
    f = focus("今天天气很好", ["极光"], [])
    assert not f.found


def test_long_article_focus_keeps_the_sentences_naming_the_target() -> None:
    filler = "本市今日召开工作会议，会议部署了下一阶段的重点任务。" * 200
    article = filler + "极光汽车因刹车缺陷召回两万辆车，多名车主维权。" + filler
    normalised = target_text(article)
    assert len(normalised) > 10_000 - 1  # not cut at 2,000 characters
    f = focus(normalised, ["极光汽车"])
    assert "召回" in f.plain and len(f.plain) <= 600
    assert f.marked.count(TARGET_MARK) == 1


def test_lengths_must_agree() -> None:
    with pytest.raises(ValueError):
        focus_texts(["a", "b"], [["a"]])


def test_fraud_news_is_negative_for_the_company(model: SentimentModel) -> None:
    text = "据新华社报道，星辰集团涉嫌非法集资诈骗，警方已立案调查，实际控制人已被刑事拘留。"
    score = model.target_scores([text], [["星辰集团"]])[0]
    assert model.target_label(score) == "negative"


def test_a_text_that_never_names_its_target_is_read_as_about_it(model: SentimentModel) -> None:
    """A comment matched to the brand through its post, or an alias: read as about the
    target; with no term at all, the document score; empty text stays 0.5."""
    from sentiment.normalize import model_text

    text = "刹车失灵，4S店说是正常现象，我要投诉到12315"
    got = model.target_scores([text, "", text], [["极光汽车"], ["极光汽车"], []], [[], [], []])
    about = model.target_scores([f"极光汽车：{text}"], [["极光汽车"]], [[]])
    np.testing.assert_allclose(got[0], about[0])
    assert model.target_label(got[0]) == "negative"
    assert got[1] == 0.5
    np.testing.assert_allclose(got[2], model.scores([model_text(text)])[0])


def test_long_article_is_scored_on_the_part_about_the_target(model: SentimentModel) -> None:
    praise = "这家餐厅的菜品非常美味，服务热情周到，环境优雅，强烈推荐大家来尝尝。" * 60
    news = "下面是其他新闻。另据报道，极光汽车因质量缺陷被监管部门罚款，车主投诉不断。详情见后文。"
    article = praise + news + praise
    doc = model.target_scores([article], [["不存在的品牌"]])[0]
    target = model.target_scores([article], [["极光汽车"]])[0]
    assert doc > 0.5 > target


def test_batch_matches_single_texts(model: SentimentModel) -> None:
    texts = ["极光汽车质量很好", "星辰集团被罚款", "无关的文本", ""]
    targets = [["极光汽车"], ["星辰集团"], ["极光"], ["极光"]]
    batch = model.target_scores(texts, targets, None)
    single = [model.target_scores([t], [g])[0] for t, g in zip(texts, targets, strict=True)]
    np.testing.assert_allclose(batch, single)
    assert np.all((batch >= 0) & (batch <= 1))
    assert model.target_scores([], []).shape == (0,)


def test_target_label_bands(model: SentimentModel) -> None:
    assert model.target_label(0.0) == "negative"
    assert model.target_label(1.0) == "positive"


def test_praise_for_one_brand_and_criticism_of_another(model: SentimentModel) -> None:
    texts = ["极光汽车的服务很好，非常满意。星辰汽车质量太差了，刹车失灵，投诉无门。"] * 2
    targets = [["极光汽车"], ["星辰汽车"]]
    others = [["星辰汽车"], ["极光汽车"]]
    a, b = model.target_scores(texts, targets, others)
    assert a > b
    assert model.target_label(b) == "negative"


def test_neighbouring_sentence_about_another_company_is_left_out() -> None:
    f = focus("极光汽车刹车失灵；云朵外卖送餐很快", ["极光汽车"], ["云朵外卖"])
    assert "送餐" not in f.plain


def test_numpy_hasher_counts_the_same_ngrams_as_scikit_learn() -> None:
    from sentiment.model import NgramHasher, make_vectorizer

    texts = ["abc", "", "a", "\x02很好。\x03", "哈哈哈哈", "极光汽车 刹车失灵"]
    ours = NgramHasher((1, 3), 2**16).transform(texts)
    theirs = make_vectorizer({"ngram_range": [1, 3], "n_features": 2**16}).transform(texts)
    np.testing.assert_array_equal(ours.toarray().sum(axis=1), theirs.toarray().sum(axis=1))
    np.testing.assert_array_equal(np.diff(ours.indptr), np.diff(theirs.indptr))
    again = NgramHasher((1, 3), 2**16).transform(texts[::-1])
    np.testing.assert_array_equal(again.toarray()[::-1], ours.toarray())  # row-independent
    assert NgramHasher((2, 3), 2**10).transform(["a"]).nnz == 0


def test_a_target_named_only_inside_another_name_is_not_read_as_about_it(
    model: SentimentModel,
) -> None:
    """京东 only inside 京东白条 (another company matched in the text): the complaint is
    not about 京东 — and reading a text as about its target ends (it scored once)."""
    text = "京东白条提现被骗了，客服不理人"
    [about_other] = model.target_scores([text], [["京东"]], [["京东白条"]])
    assert 0.0 <= about_other <= 1.0
    assert model.target_label(about_other) != "negative"
