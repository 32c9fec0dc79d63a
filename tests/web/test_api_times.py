"""Every time in a JSON API answer is UTC written with ``Z`` (pydantic's form): a care
note's ``at`` read ``2026-12-04T19:01:23.851837+00:00`` beside ``published_at``
``2026-11-23T01:30:00Z`` and the case timeline's ``at`` ``…Z``, because the stores wrote
notes as plain dicts with ``isoformat()``. Notes stored that way before read alike too."""

from __future__ import annotations

import re

import httpx
import pytest

from index import Store
from tests.web.conftest import CASE_ID, api_token

pytestmark = pytest.mark.anyio

AUTH = {"Authorization": f"Bearer {api_token('pr')}"}
UTC_Z = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z")


def times(value: object, key: str = "") -> list[tuple[str, str]]:
    """(key, value) of every field named like a time (``at``, ``…_at``) in an answer."""
    if isinstance(value, dict):
        return [t for k, v in value.items() for t in times(v, k)]
    if isinstance(value, list):
        return [t for v in value for t in times(v, key)]
    if isinstance(value, str) and (key == "at" or key.endswith("_at")):
        return [(key, value)]
    return []


async def test_note_times_read_like_every_other_time(anon: httpx.AsyncClient) -> None:
    url = "/api/v1/mentions/demo-weibo:1"
    r = await anon.post(f"{url}/notes", json={"text": "已回复车主"}, headers=AUTH)
    assert r.status_code == 200, r.text
    r = await anon.post(f"{url}/handled", json={"note": "已处理"}, headers=AUTH)
    assert r.status_code == 200, r.text
    await anon.post(f"/api/v1/cases/{CASE_ID}/notes", json={"text": "已发声明"}, headers=AUTH)
    answers = [
        r.json(),
        (await anon.get(url, headers=AUTH)).json(),
        (await anon.get(f"/api/v1/cases/{CASE_ID}", headers=AUTH)).json(),
        (await anon.get("/api/v1/search", params={"q": "发动机"}, headers=AUTH)).json(),
    ]
    found = [t for answer in answers for t in times(answer)]
    assert len([k for k, _ in found if k == "at"]) >= 5  # the notes and the case's events
    assert [t for t in found if not UTC_Z.fullmatch(t[1])] == []


async def test_a_note_stored_with_an_offset_is_answered_in_utc(
    anon: httpx.AsyncClient, store: Store
) -> None:
    m = store.get_mention("demo-weibo:3")
    assert m is not None
    old = [
        {"by": "care", "at": "2026-11-23T09:30:00+08:00", "text": "旧备注"},
        {"by": "care", "at": "2026-11-23T01:40:00.250000+00:00", "text": "旧备注二"},
    ]
    # as the stores wrote them until now (a re-crawl keeps notes: written in place)
    store._update_doc("demo-weibo:3", lambda m: m.model_copy(update={"notes": old}))  # type: ignore[attr-defined]
    r = await anon.get("/api/v1/mentions/demo-weibo:3", headers=AUTH)
    assert [n["at"] for n in r.json()["notes"]] == [
        "2026-11-23T01:30:00Z",
        "2026-11-23T01:40:00.250000Z",
    ]
