"""What the pages call 转发 and what the sentiment scorer reads as a repost chain
(我的话//@某人:转发的话) are one definition, sentiment.normalize.REPOST_SPLIT: the web
kept a copy of its pattern (render._REPOST_CHAIN) that could drift from it."""

from __future__ import annotations

import pytest

from radar.web import render
from sentiment.normalize import REPOST_SPLIT, own_words
from tests.web.conftest import mention


@pytest.mark.parametrize(
    ("text", "chain"),
    [
        ("太差了//@小王:这家店上热搜了", True),
        ("转发微博//@小王：全角冒号也是", True),
        ("说得对// @小王:中间有空格", True),
        ("@小王:没有双斜杠不是转发链", False),
        ("看这里 https://weibo.example/@x:y", False),  # a URL's // is no chain
        ("太长//@" + "名" * 31 + ":名字超过三十个字", False),
        ("极光汽车 漏油", False),
    ],
)
def test_the_pages_and_the_scorer_read_a_repost_chain_alike(text: str, chain: bool) -> None:
    m = mention(1, text).model_copy(update={"kind": "post", "repost_of": "demo-weibo:0"})
    assert render.is_repost(m) is chain
    assert bool(REPOST_SPLIT.search(text)) is chain
    # the scorer reads the words around the chain, not the text whole
    assert (own_words(text) != text) is chain


def test_the_web_keeps_no_copy_of_the_pattern() -> None:
    assert not [name for name in vars(render) if "REPOST" in name.upper() and name != "is_repost"]
