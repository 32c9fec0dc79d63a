"""GET /api/v1/cases takes status, brand and limit: an integrator lists older closed cases,
one brand's cases (by name or alias), and a wrong status is a 400 naming it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest

from index import Store
from index.models import Case, CaseStatus, Severity
from radar.web.app import create_app
from tests.web.conftest import CASE_ID, NOW, api_token, make_config

pytestmark = pytest.mark.anyio

AUTH = {"Authorization": f"Bearer {api_token('pr')}"}


def closed_case(i: int, brand: str = "极光汽车") -> Case:
    opened = NOW - timedelta(days=1 + i)
    return Case(
        id=f"case-old-{i:03d}",
        brand=brand,
        rule="negative_surge",
        severity=Severity.P2,
        title=f"{brand}：旧案 {i}",
        opened_at=opened,
        updated_at=opened,
        status=CaseStatus.closed,
    )


@pytest.fixture
async def client(store: Store) -> AsyncIterator[httpx.AsyncClient]:
    """The seeded open case plus 40 closed 极光汽车 cases and 5 closed 清泉乳业 ones;
    清泉乳业 has the alias 清泉."""
    for i in range(40):
        store.save_case(closed_case(i))
    for i in range(40, 45):
        store.save_case(closed_case(i, "清泉乳业"))
    config = make_config()
    config.brands[1].aliases = ["清泉"]
    app = create_app(config, store, clock=lambda: NOW)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


def ids(items: list[dict]) -> list[str]:
    return [item["case"]["id"] for item in items]


async def test_without_parameters_the_board_is_unchanged(client: httpx.AsyncClient) -> None:
    board = (await client.get("/api/v1/cases", headers=AUTH)).json()
    assert set(board) == {"open", "recent"}
    assert ids(board["open"]) == [CASE_ID]
    assert ids(board["recent"]) == [f"case-old-{i:03d}" for i in range(20)]


async def test_closed_cases_older_than_the_board_are_listed(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/cases", params={"status": "closed", "limit": 50}, headers=AUTH)
    assert r.status_code == 200, r.text
    board = r.json()
    assert board["open"] == []  # no active status asked for
    assert ids(board["recent"]) == [f"case-old-{i:03d}" for i in range(45)]
    assert "case-old-039" in ids(board["recent"])  # the 40th newest: beyond the old 20


async def test_status_repeated_or_comma_separated(client: httpx.AsyncClient) -> None:
    for params in ({"status": "open,closed"}, [("status", "open"), ("status", "closed")]):
        board = (await client.get("/api/v1/cases", params=params, headers=AUTH)).json()
        assert ids(board["open"]) == [CASE_ID] and len(board["recent"]) == 20
    board = (await client.get("/api/v1/cases", params={"status": "open"}, headers=AUTH)).json()
    assert ids(board["open"]) == [CASE_ID] and board["recent"] == []
    board = (await client.get("/api/v1/cases", params={"status": "resolved"}, headers=AUTH)).json()
    assert board == {"open": [], "recent": []}


async def test_brand_by_name_or_alias(client: httpx.AsyncClient) -> None:
    for brand in ("清泉乳业", "清泉"):
        r = await client.get("/api/v1/cases", params={"brand": brand}, headers=AUTH)
        assert r.status_code == 200, r.text
        assert r.json()["open"] == []
        assert ids(r.json()["recent"]) == [f"case-old-{i:03d}" for i in range(40, 45)]
    r = await client.get("/api/v1/cases", params={"brand": "极光汽车"}, headers=AUTH)
    assert ids(r.json()["open"]) == [CASE_ID]
    assert all(item["case"]["brand"] == "极光汽车" for item in r.json()["recent"])
    r = await client.get("/api/v1/cases", params={"brand": "无名品牌"}, headers=AUTH)
    assert r.status_code == 404 and "无名品牌" in r.json()["detail"]


async def test_an_unknown_status_is_a_400_naming_it(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/cases", params={"status": "open,archived"}, headers=AUTH)
    assert r.status_code == 400
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["detail"].startswith("status: unknown case status 'archived'")
    assert r.json()["code"] == "bad_request"


async def test_limit_bounds(client: httpx.AsyncClient) -> None:
    for limit in (0, 501, -1):
        r = await client.get("/api/v1/cases", params={"limit": limit}, headers=AUTH)
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["loc"] == ["query", "limit"]
    r = await client.get("/api/v1/cases", params={"limit": 1}, headers=AUTH)
    assert ids(r.json()["recent"]) == ["case-old-000"]
    r = await client.get("/api/v1/cases", params={"limit": 500}, headers=AUTH)
    assert len(r.json()["recent"]) == 45


async def test_the_document_names_the_parameters(client: httpx.AsyncClient) -> None:
    doc = (await client.get("/openapi.json", headers=AUTH)).json()
    operation = doc["paths"]["/api/v1/cases"]["get"]
    params = {p["name"]: p for p in operation["parameters"]}
    assert set(params) == {"status", "brand", "limit", "sort"}
    ref = params["sort"]["schema"]["anyOf"][0]["$ref"].rpartition("/")[2]
    assert doc["components"]["schemas"][ref]["enum"] == [
        "severity",
        "opened",
        "-opened",
        "updated",
        "-updated",
    ]
    assert params["limit"]["schema"]["maximum"] == 500
    assert params["limit"]["schema"]["minimum"] == 1
    assert {"400", "404", "422"} <= set(operation["responses"])


def active_case(cid: str, severity: str, opened_minutes_ago: int, updated_minutes_ago: int) -> Case:
    return Case(
        id=cid,
        brand="极光汽车",
        rule="negative_surge",
        severity=Severity(severity),
        title=f"极光汽车：{cid}",
        opened_at=NOW - timedelta(minutes=opened_minutes_ago),
        updated_at=NOW - timedelta(minutes=updated_minutes_ago),
        ack_due_at=NOW + timedelta(minutes=60 - opened_minutes_ago),
    )


async def test_sort_orders_both_lists(client: httpx.AsyncClient, store: Store) -> None:
    """The seeded P1 case (opened 25 min ago, due in 5) and three more open ones."""
    store.save_case(active_case("case-p3-new", "P3", 5, 5))
    store.save_case(active_case("case-p2-old", "P2", 50, 1))
    store.save_case(active_case("case-p1-mid", "P1", 30, 20))

    async def board(**params: str) -> tuple[list[str], list[str]]:
        r = await client.get("/api/v1/cases", params={"limit": 3, **params}, headers=AUTH)
        assert r.status_code == 200, r.text
        return ids(r.json()["open"]), ids(r.json()["recent"])

    newest_three = ["case-old-000", "case-old-001", "case-old-002"]
    default = await board()
    # the board page's order: severity then time left (the P1 due first), recent newest
    assert default == ([CASE_ID, "case-p1-mid", "case-p2-old", "case-p3-new"], newest_three)
    assert await board(sort="severity") == default
    opened = ["case-p2-old", "case-p1-mid", CASE_ID, "case-p3-new"]
    assert await board(sort="opened") == (opened, newest_three[::-1])
    assert await board(sort="-opened") == (opened[::-1], newest_three)
    updated = [CASE_ID, "case-p1-mid", "case-p3-new", "case-p2-old"]
    assert await board(sort="updated") == (updated, newest_three[::-1])
    assert await board(sort="-updated") == (updated[::-1], newest_three)
    # the page offers the board's order
    html = await client.get("/cases", headers=AUTH)
    assert html.status_code == 200
    assert [html.text.index(c) for c in default[0]] == sorted(
        html.text.index(c) for c in default[0]
    )
    r = await client.get("/api/v1/cases", params={"sort": "age"}, headers=AUTH)
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["query", "sort"]
