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
    assert set(params) == {"status", "brand", "limit"}
    assert params["limit"]["schema"]["maximum"] == 500
    assert params["limit"]["schema"]["minimum"] == 1
    assert {"400", "404", "422"} <= set(operation["responses"])
