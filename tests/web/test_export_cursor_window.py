"""GET /api/v1/mentions: a ``since`` or ``until`` sent with a ``cursor`` was silently ignored
(the cursor carries its export's window). The first request's URL with the cursor added
still resumes; another window is a 400 that names the conflict."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest

from tests.web.conftest import NOW, api_token, mention

pytestmark = pytest.mark.anyio
AUTH = {"Authorization": f"Bearer {api_token('care')}"}
SINCE = NOW - timedelta(days=1)


@pytest.fixture(autouse=True)
def day(store) -> None:  # type: ignore[no-untyped-def]
    store.upsert_mentions(
        mention(1000 + i, f"极光汽车 第{i}条", minutes_ago=2 + 30 * i) for i in range(40)
    )


async def export(anon: httpx.AsyncClient, **params: str) -> httpx.Response:
    return await anon.get("/api/v1/mentions", params=params, headers=AUTH)


def ids(r: httpx.Response) -> list[str]:
    assert r.status_code == 200, r.text
    return [json.loads(line)["mention"]["id"] for line in r.text.splitlines()]


async def test_a_cursor_with_its_own_window_resumes(anon: httpx.AsyncClient) -> None:
    whole = ids(await export(anon, since=SINCE.isoformat()))
    first = await export(anon, since=SINCE.isoformat(), limit="10")
    cursor = json.loads(first.text.splitlines()[-1])["cursor"]
    alone = ids(await export(anon, cursor=cursor))
    assert ids(first) + alone == whole
    # the first request's URL with the cursor added: the same window, the same lines
    local = (SINCE + timedelta(hours=8)).replace(tzinfo=None).isoformat()  # Asia/Shanghai
    for params in (
        {"since": SINCE.isoformat()},
        {"since": local},
        {"since": SINCE.isoformat(), "until": NOW.isoformat()},
    ):
        assert ids(await export(anon, cursor=cursor, **params)) == alone


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"since": (SINCE - timedelta(days=3)).isoformat()}, "since"),
        ({"until": (NOW - timedelta(hours=1)).isoformat()}, "until"),
        ({"since": SINCE.isoformat(), "until": (NOW + timedelta(days=1)).isoformat()}, "until"),
    ],
)
async def test_another_window_with_a_cursor_is_a_400_naming_the_conflict(
    anon: httpx.AsyncClient, params: dict[str, str], named: str
) -> None:
    first = await export(anon, since=SINCE.isoformat(), limit="5")
    cursor = json.loads(first.text.splitlines()[-1])["cursor"]
    r = await export(anon, cursor=cursor, **params)
    assert r.status_code == 400, r.text
    detail = r.json()["detail"]
    assert detail.startswith(f"{named}: ") and f"is not the cursor's {named}" in detail
    assert "a cursor carries its export's window (since, until)" in detail
    assert "pass the cursor alone" in detail


async def test_the_document_says_the_cursor_carries_the_window(anon: httpx.AsyncClient) -> None:
    doc = (await anon.get("/openapi.json", headers=AUTH)).json()
    params = {p["name"]: p for p in doc["paths"]["/api/v1/mentions"]["get"]["parameters"]}
    assert "carries since and until" in params["cursor"]["description"]
    assert "cursor's own since, else 400" in params["since"]["description"]
    assert "cursor's own until, else 400" in params["until"]["description"]
