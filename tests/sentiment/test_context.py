"""A repost or comment is read with what it passes on (sentiment/context.py)."""

from __future__ import annotations

import pytest

from sentiment.complaints import load_lexicon
from sentiment.context import is_echo, reading, split_repost

LEX = load_lexicon()
COMPLAINT = "极光X7高速上刹车失灵，4S店一句'正常现象'就打发了？"


def test_split_repost_separates_own_words_from_the_chain() -> None:
    assert split_repost("已转，支持维权//@车主小王:刹车失灵") == (
        "已转，支持维权",
        "//@车主小王:刹车失灵",
    )
    assert split_repost("原创内容") == ("原创内容", "")


@pytest.mark.parametrize(
    "own",
    [
        "已转，支持维权",
        "同款，也遇到了",
        "求扩散！！",
        "转发微博",
        "",
        "[怒][怒] 顶",
        "+1",
        "蹲后续",
    ],
)
def test_echoes(own: str) -> None:
    assert is_echo(own, LEX)


@pytest.mark.parametrize(
    "own",
    ["哈哈哈哈哈", "这车我开了三年，一点问题都没有，别听他们瞎说", "价格还行", "好吃"],
)
def test_not_echoes(own: str) -> None:
    assert not is_echo(own, LEX)


def test_a_repost_that_echoes_is_read_on_its_chain() -> None:
    read = reading(f"已转，支持维权//@车主小王:{COMPLAINT}", None, LEX)
    assert read.from_context and read.text == COMPLAINT


def test_a_comment_that_echoes_is_read_on_its_post() -> None:
    read = reading("同款，也遇到了", COMPLAINT, LEX)
    assert read.from_context and read.text == COMPLAINT


def test_own_views_and_posts_without_context_are_read_on_their_own() -> None:
    assert reading("哈哈哈哈哈", "一个笑话", LEX).from_context is False
    assert reading("同款", None, LEX).text == "同款"
    text = "这车我开了三年，一点问题都没有，别听他们瞎说"
    assert reading(text, COMPLAINT, LEX).text == text


def test_a_custom_lexicon_can_add_echoes() -> None:
    from sentiment.complaints import Lexicon

    lex = Lexicon.from_dict({"echoes": ["俺也一样"]})
    assert is_echo("俺也一样", lex)
    assert not is_echo("同款", lex)
