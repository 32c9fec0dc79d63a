""" "Empty brand means all brands" is one rule (radar.web.filters.brand_filter) for the
overview page, GET /overview, /terms and /cases: a brand of only spaces is all brands
(the overview page and /cases took it so, /overview and /terms answered 404), an alias
is its brand, and a brand that names nothing is a 404 naming it."""

from __future__ import annotations

import httpx
import pytest

from tests.web.conftest import CASE_ID, api_token

pytestmark = pytest.mark.anyio

AUTH = {"Authorization": f"Bearer {api_token('admin')}"}
TERMS = {"since": "2026-11-22T00:00:00+08:00", "until": "2026-11-23T10:00:00+08:00"}
CALLS = [
    ("/api/v1/overview", {"terms": "false"}),
    ("/api/v1/terms", TERMS),
    ("/api/v1/cases", {}),
]


def brand_of(path: str, body: dict) -> object:
    """The brand the answer is about (None: all brands); the board: its cases' brands."""
    if path.endswith("/overview"):
        return body["figures"]["brand"]
    if path.endswith("/terms"):
        return body["brand"]
    return sorted({item["case"]["brand"] for item in body["open"] + body["recent"]})


@pytest.mark.parametrize(("path", "params"), CALLS)
async def test_blank_brand_is_all_brands_everywhere(
    anon: httpx.AsyncClient, path: str, params: dict[str, str]
) -> None:
    empty = await anon.get(path, params={**params, "brand": ""}, headers=AUTH)
    assert empty.status_code == 200, empty.text
    for blank in (" ", "  \t"):
        r = await anon.get(path, params={**params, "brand": blank}, headers=AUTH)
        assert r.status_code == 200, (blank, r.text)
        assert brand_of(path, r.json()) == brand_of(path, empty.json())
    if not path.endswith("/cases"):
        assert brand_of(path, empty.json()) is None


@pytest.mark.parametrize(("path", "params"), CALLS)
async def test_unknown_brand_is_a_404_and_a_brand_is_its_own(
    anon: httpx.AsyncClient, path: str, params: dict[str, str]
) -> None:
    r = await anon.get(path, params={**params, "brand": " 没有这个 "}, headers=AUTH)
    assert r.status_code == 404 and "没有这个" in r.json()["detail"], r.text
    r = await anon.get(path, params={**params, "brand": " 极光汽车 "}, headers=AUTH)
    assert r.status_code == 200, r.text
    expected = ["极光汽车"] if path.endswith("/cases") else "极光汽车"
    assert brand_of(path, r.json()) == expected


async def test_the_overview_page_takes_a_blank_brand_as_all_brands(login) -> None:  # type: ignore[no-untyped-def]
    async with login("exec") as client:
        blank = await client.get("/overview", params={"brand": "  "})
        assert blank.status_code == 200 and "All brands" in blank.text
        missing = await client.get("/overview", params={"brand": "没有这个"})
        assert missing.status_code == 404
        board = await client.get("/api/v1/cases", params={"brand": " "})
        assert [i["case"]["id"] for i in board.json()["open"]] == [CASE_ID]
