"""Tokens, highlighted snippets and top words (index/text.py)."""

from __future__ import annotations

from index.text import highlight, index_text, query_tokens, top_words


def test_cjk_characters_are_tokens_and_latin_words_stay_whole() -> None:
    assert index_text("iPhone 15的屏幕，漏油了!") == "iPhone 15 的 屏 幕 漏 油 了"
    assert query_tokens("发动机 Pro") == ["发", "动", "机", "pro"]
    assert query_tokens("，。!") == []


def test_highlight_wraps_matches_and_escapes_the_rest() -> None:
    text = '<a href="x">链接</a> 发动机漏油 & 漏，油'
    out = highlight(text, ["漏油"])
    assert out.count("<mark>") == 2  # "漏油" and "漏，油" (the tokenizer skips punctuation)
    assert "&lt;a href=&quot;x&quot;&gt;" in out and "&amp;" in out


def test_highlight_latin_matches_whole_words_only() -> None:
    assert highlight("Pro and ProMax", ["pro"]) == "<mark>Pro</mark> and ProMax"


def test_long_text_is_cut_around_the_first_match() -> None:
    text = "无关内容" * 100 + "漏油" + "其他内容" * 100
    out = highlight(text, ["漏油"], max_chars=60)
    assert out.startswith("…") and out.endswith("…")
    assert "<mark>漏油</mark>" in out
    assert len(out.replace("<mark>", "").replace("</mark>", "")) <= 62


def test_top_words_count_texts_and_skip_stop_words_and_brand() -> None:
    texts = ["极光汽车发动机漏油漏油", "我们的发动机漏油了", "售后拒绝退款"]
    words = dict(top_words(texts, exclude=["极光汽车"]))
    assert words["漏油"] == 2 and words["发动机"] == 2 and words["退款"] == 1
    assert "我们" not in words and "极光" not in words and "汽车" not in words


def test_top_words_segment_only_the_start_of_each_text(monkeypatch) -> None:
    """Issue 16 probe 15: /api/terms over 2,000 posts of 1-3 MB took 5.8 s."""
    from index import text

    seen: list[int] = []
    cut = text._cut
    monkeypatch.setattr(text, "_cut", lambda t: seen.append(len(t)) or cut(t))
    huge = "刹车失灵 " * 500_000  # 2.5 M characters
    words = dict(text.top_words([huge, "刹车失灵 异响"]))
    assert words and max(words.values()) == 2  # both texts still count
    assert max(seen) <= text.TERMS_TEXT_CHARS
    seen.clear()
    text.top_words([huge] * 1000)
    assert sum(seen) <= text.TERMS_BUDGET
