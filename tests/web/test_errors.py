"""Browsers get HTML error pages in their language; the JSON API keeps JSON."""

from __future__ import annotations

import httpx
import pytest

from radar.web.app import create_app
from tests.web.conftest import NOW, log_in, make_config

pytestmark = pytest.mark.anyio


async def test_an_unknown_page_is_an_html_404(anon: httpx.AsyncClient, login) -> None:  # type: ignore[no-untyped-def]
    r = await anon.get("/no/such/page")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "There is no page at /no/such/page." in r.text and 'href="/login"' in r.text
    async with login("care") as c:
        r = await c.get("/nowhere")
        assert r.status_code == 404 and "Page not found" in r.text and 'href="/search"' in r.text


async def test_api_errors_stay_json(anon: httpx.AsyncClient) -> None:
    r = await anon.get("/api/no-such-thing")
    assert r.status_code == 404 and r.json()["detail"] == "Not Found"


async def test_a_missing_case_is_a_page_too(login) -> None:  # type: ignore[no-untyped-def]
    async with login("pr") as c:
        r = await c.get("/cases/nope")
        assert r.status_code == 404 and "<h1>" in r.text and "nope" in r.text


async def test_the_404_page_is_chinese_by_default(store) -> None:  # type: ignore[no-untyped-def]
    app = create_app(make_config(locale="zh_CN"), store, clock=lambda: NOW)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as c:
        await log_in(c, "care")
        r = await c.get("/nowhere")
        assert r.status_code == 404 and "页面不存在" in r.text and "/nowhere" in r.text


async def test_a_role_without_the_permission_gets_a_page(login) -> None:  # type: ignore[no-untyped-def]
    async with login("care") as c:
        r = await c.get("/overview")
        assert r.status_code == 403 and "Not allowed" in r.text and "summary" in r.text
