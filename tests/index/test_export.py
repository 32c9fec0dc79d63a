"""Keyset pages of a time window (index/export.py, the API's mentions export), on both
backends: every mention of the window once, oldest first, resumable after any one."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from index.base import Store, StoreError
from index.export import mentions_page
from index.models import Mention
from tests.index.test_store_contract import NOW, mention

SINCE, UNTIL = NOW - timedelta(hours=10), NOW


def _window_store(store: Store) -> list[str]:
    inside = [
        mention(str(i), f"极光汽车 第{i}条", published=NOW - timedelta(minutes=7 * i + 1))
        for i in range(60)
    ]
    # two at the same microsecond: the order still tells them apart
    inside += [mention(f"tie{i}", "同一时刻", published=NOW - timedelta(hours=2)) for i in (1, 2)]
    outside = [
        mention("before", "窗口之前", published=SINCE - timedelta(seconds=1)),
        mention("edge", "窗口终点不算", published=UNTIL),
    ]
    store.upsert_mentions(inside + outside)
    return sorted(m.id for m in inside)


def test_pages_cover_the_window_once_oldest_first(store: Store) -> None:
    expected = _window_store(store)
    seen: list[Mention] = []
    after = None
    while True:
        page = mentions_page(store, SINCE, UNTIL, after, 25)
        seen += [Mention.model_validate_json(doc) for _, doc in page]
        if len(page) < 25:
            break
        after = page[-1][0]
    assert sorted(m.id for m in seen) == expected
    times = [m.published_at for m in seen]
    assert times == sorted(times)


def test_an_export_resumes_after_any_mention(store: Store) -> None:
    _window_store(store)
    whole = mentions_page(store, SINCE, UNTIL, None, 1000)
    position, _ = whole[30]
    rest = mentions_page(store, SINCE, UNTIL, position, 1000)
    assert [doc for _, doc in rest] == [doc for _, doc in whole[31:]]
    first = json.loads(whole[0][1])
    assert first == json.loads(store.get_mention(first["id"]).model_dump_json())


def test_a_position_the_backend_did_not_make_is_a_store_error(store: Store) -> None:
    _window_store(store)
    with pytest.raises(StoreError):
        mentions_page(store, SINCE, UNTIL, "{not a position", 10)
