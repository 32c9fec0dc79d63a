"""Browsers get HTML error pages in their language; the JSON API keeps JSON."""

from __future__ import annotations

import html

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
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["detail"].startswith("no API call at /api/no-such-thing")


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


@pytest.mark.parametrize("config", [make_config(locale="zh_CN")])
async def test_a_bad_value_in_a_page_address_is_a_chinese_page(login) -> None:  # type: ignore[no-untyped-def]
    """An address edited by hand (?days=abc, ?page=abc, a report without its brand) was
    answered with the API's JSON problem in the browser."""
    async with login("admin") as c:
        for path, named in (("/overview?days=abc", "days='abc'"),
                            ("/search?page=abc", "page='abc'"),
                            ("/reports/brand.docx", "brand")):  # fmt: skip
            r = await c.get(path)
            assert r.status_code == 422 and r.headers["content-type"].startswith("text/html")
            assert "请求无法执行" in r.text and named in html.unescape(r.text), path
        api = await c.get("/api/v1/overview?days=abc")
        assert api.status_code == 422 and api.json()["detail"].startswith("query.days:")


@pytest.mark.parametrize("config", [make_config(locale="zh_CN")])
async def test_search_and_digest_inputs_are_refused_in_chinese(login) -> None:  # type: ignore[no-untyped-def]
    """A time window that ends before it starts, and the other refused inputs, were told in
    English on the Chinese search and digest pages; the API keeps its messages."""
    async with login("exec") as c:
        cases = (
            ("/search?since=2026-12-05T00:00&until=2026-12-01T00:00", "结束时间须晚于开始时间"),
            ("/search?since=yesterday", "yesterday"),
            ("/search?range=bogus", "1h, 24h"),
            ("/digest?date=2026-13-01", "2026-13-01"),
        )
        for path, named in cases:
            page = (await c.get(path)).text
            assert named in page, path
            flash = page.split('<p class="flash error">', 1)[-1].split("</p>", 1)[0]
            message = flash if "/search" in path else page.split("</h1>", 1)[1][:400]
            assert not any(w in message for w in ("must", "expected", "not a date")), message
        api = await c.get("/api/v1/search?since=2026-12-05T00:00&until=2026-12-01T00:00")
        assert api.json()["detail"] == "until: must be after since"


@pytest.mark.parametrize("config", [make_config(locale="zh_CN")])
async def test_a_bug_is_an_error_page_in_the_readers_language(app) -> None:  # type: ignore[no-untyped-def]
    """A page that fails (the demo's case page once raised KeyError) was a bare 'Internal
    Server Error' in English; the API answers a problem document."""

    def broken() -> None:
        raise KeyError("actor")

    app.add_api_route("/broken", broken)
    app.add_api_route("/api/broken", broken)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        await log_in(c, "care")
        r = await c.get("/broken")
        assert r.status_code == 500 and r.headers["content-type"].startswith("text/html")
        assert "服务器出错" in r.text and "退出登录" in r.text and "KeyError" not in r.text
        api = await c.get("/api/broken")
        assert api.status_code == 500 and api.json()["status"] == 500


@pytest.mark.parametrize("config", [make_config(locale="zh_CN")])
async def test_a_browser_form_post_lacking_a_field_is_a_chinese_page(login) -> None:  # type: ignore[no-untyped-def]
    """A form posted without its field (the webhook form's address, the language switch's
    choice) was answered with the API's JSON 422 in the browser; the API keeps JSON, and
    so does a post that does not ask for HTML."""
    from tests.web.conftest import api_token, csrf_of

    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    async with login("admin") as c:
        token = csrf_of((await c.get("/admin/webhooks")).text)
        for action, named in (("/admin/webhooks", "url"), ("/locale", "locale")):
            r = await c.post(action, data={"csrftoken": token}, headers=browser)
            assert r.status_code == 422 and r.headers["content-type"].startswith("text/html")
            assert f"表单缺少 {named}：请返回填写后再提交。" in r.text, r.text
        r = await c.post("/admin/webhooks", data={"csrftoken": token, "url": "x" * 2001},
                         headers=browser)  # fmt: skip
        assert r.status_code == 422 and "表单中有本页无法使用的值：url" in r.text
        r = await c.post("/admin/webhooks", data={"csrftoken": token})
        assert r.status_code == 422 and r.json()["detail"].startswith("url:")
        token_auth = {**browser, "Authorization": f"Bearer {api_token('pr')}"}
        api = await c.post("/api/v1/mentions/demo-weibo:1/notes", json={}, headers=token_auth)
        assert api.status_code == 422 and api.json()["detail"] == "text: Field required"
