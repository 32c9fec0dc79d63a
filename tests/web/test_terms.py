"""The crisis brief's distinctive terms (radar/web/terms.py) count what many different
people say: a post copied or reposted a hundred times is one story, and its words count
once, not a hundred times (a real brief was led by one repost's 一句/私信/打发)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from index import Store, open_store
from radar.web.terms import distinctive_terms
from tests.index.test_store_contract import BRAND, NOW, mention, s


@pytest.fixture
def store(tmp_path) -> Iterator[Store]:  # type: ignore[no-untyped-def]
    backend = open_store(f"sqlite:///{tmp_path}/radar.db")
    yield backend
    backend.close()


def test_copies_of_one_post_do_not_dominate(store: Store) -> None:
    copied = "客服一句私信就把我打发了，投诉无门"
    copies = [
        mention(
            f"copy{i}",
            f"{copied} //转发" if i % 2 else copied,
            author=f"网友{i}",
            repost_of=s("orig"),
            cluster_id=s("orig"),
            published=NOW - timedelta(hours=2, minutes=-i % 60),
        )
        for i in range(150)
    ]
    distinct = [
        mention(f"d{i}", f"{start}刹车失灵{end}", author=f"车主{i}")
        for i, (start, end) in enumerate(
            (start, end)
            for start in ("高速上", "今天", "我的也是", "又一个", "倒车时", "下雨天")
            for end in ("，差点追尾", "，4S店说正常", "还不召回？", "了", "，吓人", "！")
        )
    ]
    usual = [
        mention(
            f"b{i}",
            "试驾体验不错，车机流畅",
            author=f"老车主{i}",
            published=NOW - timedelta(days=3, minutes=i),
        )
        for i in range(100)
    ]
    store.upsert_mentions([mention("orig", copied, author="原帖"), *copies, *distinct, *usual])

    since = NOW - timedelta(hours=6)
    crisis = dict(store.top_terms(BRAND, since, NOW + timedelta(minutes=1), 50))
    assert crisis["刹车"] == crisis["失灵"] == 36  # 36 people
    assert crisis["私信"] == crisis["打发"] == 1  # one story, however many copies

    terms = [w for w, _, _ in distinctive_terms(store, BRAND, since, NOW + timedelta(minutes=1))]
    assert terms[:2] == ["失灵", "刹车"] or terms[:2] == ["刹车", "失灵"]
    assert not {"一句", "私信", "打发", "投诉"} & set(terms)
