"""The API cannot drift from its documents: every /api/v1 route is in the OpenAPI document
(served behind login) and in the API table of docs/web.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from radar.web.api import PREFIX
from radar.web.app import API_ROUTERS

pytestmark = pytest.mark.anyio
API_DOC = Path(__file__).resolve().parents[2] / "docs" / "web.md"


def api_routes() -> list[tuple[str, str]]:
    return sorted(
        (method, PREFIX + route.path.replace(":path}", "}"))
        for router in API_ROUTERS
        for route in router.routes
        for method in route.methods - {"HEAD"}
    )


async def test_every_api_route_is_in_the_openapi_document(login) -> None:  # type: ignore[no-untyped-def]
    async with login("exec") as c:
        doc = (await c.get("/openapi.json")).json()
    assert doc["info"]["title"] == "Opinion Radar API"
    missing = [f"{m} {p}" for m, p in api_routes() if m.lower() not in doc["paths"].get(p, {})]
    assert not missing, f"missing from the OpenAPI document: {missing}"
    assert "HTTPBearer" in doc["components"]["securitySchemes"]
    for m, p in api_routes():
        assert doc["paths"][p][m.lower()].get("summary"), f"{m} {p} has no summary"


def test_every_api_route_is_in_the_api_document() -> None:
    text = API_DOC.read_text(encoding="utf-8")
    missing = [f"{m} {p}" for m, p in api_routes() if f"`{m} {p}`" not in text]
    assert not missing, f"docs/web.md's API table lacks: {missing}"


async def test_docs_page_is_offline_swagger(login) -> None:  # type: ignore[no-untyped-def]
    async with login("care") as c:
        page = (await c.get("/api/docs")).text
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in page and "/openapi.json" in page
