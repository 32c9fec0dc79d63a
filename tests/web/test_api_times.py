"""Every time in a JSON API answer is UTC written with ``Z`` (pydantic's form): a care
note's ``at`` read ``2026-12-04T19:01:23.851837+00:00`` beside ``published_at``
``2026-11-23T01:30:00Z`` and the case timeline's ``at`` ``…Z``, because the stores wrote
notes as plain dicts with ``isoformat()``. Notes stored that way before read alike too."""

from __future__ import annotations

import re

import httpx
import pytest

from index import Store
from index.models import CaseEvent
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


ENGINE_TIMES = re.compile(r"\d{4}-\d\d-\d\dT[\d:.]+([+-]\d\d:\d\d|Z)")


def record_times(value: object) -> list[str]:
    """Every string shaped like a time in an answer, under whatever key."""
    if isinstance(value, dict):
        return [t for v in value.values() for t in record_times(v)]
    if isinstance(value, list):
        return [t for v in value for t in record_times(v)]
    return [value] if isinstance(value, str) and ENGINE_TIMES.fullmatch(value) else []


async def test_times_in_the_engines_records_read_like_every_other_time(
    anon: httpx.AsyncClient, store: Store
) -> None:
    """A case's ``trigger`` and its events' ``data`` are the engine's records, written with
    ``isoformat()``: the demo's crisis case answered ``fired_at``, ``peak_at`` …
    ``2026-12-05T00:29:42.764830+00:00`` beside its ``opened_at`` ``…42.764830Z``, on the
    board, the case, its summary, the overview and every case action. The stored records
    stay as the engine wrote them (it compares some of their strings)."""
    case = store.get_case(CASE_ID)
    assert case is not None
    fired = {
        "fired_at": "2026-11-23T01:35:00.250000+00:00",
        "summary": "2026-11-23T01:35:00+00:00 起",
    }
    trigger = {
        "rules": {"negative_surge": {**fired, "severity_since": "2026-11-23T09:35:00+08:00"}},
        "peak_at": "2026-11-23T01:35:00+00:00",
        "notified": {"at": "2026-11-23T01:36:00+00:00", "keys": ["negative_surge:x"]},
    }
    store.save_case(case.model_copy(update={"trigger": trigger}))
    store.append_case_event(
        CaseEvent(case_id=CASE_ID, kind="updated", text="进展", data={"rules": trigger["rules"]})
    )
    url = f"/api/v1/cases/{CASE_ID}"
    answers = {
        "board": await anon.get("/api/v1/cases", headers=AUTH),
        "case": await anon.get(url, headers=AUTH),
        "summary": await anon.get(f"{url}/summary", params={"terms": "false"}, headers=AUTH),
        "overview": await anon.get("/api/v1/overview", params={"terms": "false"}, headers=AUTH),
        "note": await anon.post(f"{url}/notes", json={"text": "已发声明"}, headers=AUTH),
    }
    for name, r in answers.items():
        assert r.status_code == 200, (name, r.text)
        found = record_times(r.json())
        assert "2026-11-23T01:35:00.250000Z" in found, name  # fired_at, as UTC with Z
        assert [t for t in found if not UTC_Z.fullmatch(t)] == [], name
    rules = answers["case"].json()["case"]["trigger"]["rules"]["negative_surge"]
    assert rules["severity_since"] == "2026-11-23T01:35:00Z"  # +08:00 read in UTC
    assert rules["summary"] == "2026-11-23T01:35:00+00:00 起"  # a sentence is not a time
    stored = store.get_case(CASE_ID)
    assert stored is not None and stored.trigger["peak_at"] == "2026-11-23T01:35:00+00:00"
