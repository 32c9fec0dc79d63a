"""HEAD is answered as GET without a body (radar.web.app.HeadAsGet): it was a 405 on every
page and API call, as FastAPI's routes take only the methods they name."""

from __future__ import annotations

import httpx
import pytest

from tests.web.conftest import CASE_ID, api_token

pytestmark = pytest.mark.anyio

AUTH = {"Authorization": f"Bearer {api_token('pr')}"}
SAME = ("content-type", "content-length", "ratelimit-limit", "content-security-policy")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/cases",
        f"/api/v1/cases/{CASE_ID}",
        "/api/v1/search?q=漏油",
        "/api/search?q=漏油",  # the old paths too
        "/api/v1/search/export.csv?q=漏油",  # a streamed answer
        "/api/v1/mentions/demo-weibo:1",
        "/api/v1/me",
        "/openapi.json",
    ],
)
async def test_head_answers_like_get_without_a_body(anon: httpx.AsyncClient, path: str) -> None:
    get = await anon.get(path, headers=AUTH)
    head = await anon.head(path, headers=AUTH)
    assert get.status_code == 200 and get.content, get.text
    assert head.status_code == 200, head.text
    assert head.content == b""
    for name in SAME:
        assert head.headers.get(name) == get.headers.get(name), name


async def test_head_errors_are_the_gets_without_a_body(anon: httpx.AsyncClient) -> None:
    for path, status in (("/api/v1/cases/nope", 404), ("/api/v1/overview?days=0", 422)):
        head = await anon.head(path, headers={"Authorization": f"Bearer {api_token('exec')}"})
        assert head.status_code == status and head.content == b""
        assert head.headers["content-type"] == "application/problem+json"
    head = await anon.head("/api/v1/cases")  # no token
    assert head.status_code == 401 and head.content == b""
    assert head.headers["www-authenticate"] == "Bearer"


async def test_head_on_a_post_call_is_a_405(anon: httpx.AsyncClient) -> None:
    head = await anon.head(f"/api/v1/cases/{CASE_ID}/acknowledge", headers=AUTH)
    assert head.status_code == 405 and head.headers["allow"] == "POST"
    assert head.content == b"" and head.headers["content-type"] == "application/problem+json"


async def test_head_on_pages_and_healthz(anon: httpx.AsyncClient, login) -> None:  # type: ignore[no-untyped-def]
    r = await anon.head("/healthz")
    assert r.status_code == 200 and r.content == b""
    r = await anon.head("/cases")  # no session: to the login page, as a GET
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    async with login("pr") as client:
        get, head = await client.get("/cases"), await client.head("/cases")
        assert head.status_code == 200 and head.content == b""
        assert head.headers["content-type"] == get.headers["content-type"]
        r = await client.head("/static/app.css")
        assert r.status_code == 200 and r.content == b"" and int(r.headers["content-length"])


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/api/v1/cases"), ("DELETE", "/api/v1/mentions/demo-weibo:1"), ("PUT", "/cases")],
)
async def test_a_405_where_get_is_served_allows_head(
    anon: httpx.AsyncClient, method: str, path: str
) -> None:
    """HEAD is served wherever GET is: Allow names it (it said only GET)."""
    r = await anon.request(method, path, headers=AUTH)
    assert r.status_code == 405 and r.headers["allow"] == "GET, HEAD"
    if path.startswith("/api/"):
        assert r.json()["detail"].endswith("(allowed: GET, HEAD)")


def _reads(monkeypatch: pytest.MonkeyPatch, store) -> list[int]:  # type: ignore[no-untyped-def]
    """The sizes of the store reads the exports make (search and the mentions export)."""
    import radar.web.feed

    sizes: list[int] = []
    search, page = store.search, radar.web.feed.mentions_page

    def counted_search(request):  # type: ignore[no-untyped-def]
        sizes.append(request.limit)
        return search(request)

    def counted_page(store, since, until, after, limit):  # type: ignore[no-untyped-def]
        sizes.append(limit)
        return page(store, since, until, after, limit)

    monkeypatch.setattr(store, "search", counted_search)
    monkeypatch.setattr(radar.web.feed, "mentions_page", counted_page)
    return sizes


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/search/export.csv?q=漏油",
        "/api/search/export.csv?q=漏油",
        "/api/v1/mentions?since=2026-11-20T00:00:00Z&until=2026-11-24T00:00:00Z",
    ],
)
async def test_head_on_an_export_runs_only_its_check(
    anon: httpx.AsyncClient, store, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:  # type: ignore[no-untyped-def]
    """HEAD answers the export's headers after the one-row read that checks the query
    (so its status is the GET's), not the export itself, whose body it would drop."""
    sizes = _reads(monkeypatch, store)
    get = await anon.get(path, headers=AUTH)
    assert get.status_code == 200 and get.content and len(sizes) > 1
    sizes.clear()
    head = await anon.head(path, headers=AUTH)
    assert head.status_code == 200 and head.content == b""
    assert sizes == [1]
    for name in ("content-type", "content-disposition"):
        assert head.headers.get(name) == get.headers.get(name), name


async def test_head_on_the_search_page_export(
    login, store, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    sizes = _reads(monkeypatch, store)
    async with login("pr") as client:
        head = await client.head("/search/export.csv", params={"q": "漏油"})
        assert head.status_code == 200 and head.content == b"" and sizes == [1]
        assert head.headers["content-type"] == "text/csv; charset=utf-8"
        assert head.headers["content-disposition"].startswith('attachment; filename="radar-search-')
        head = await client.head("/search/export.csv", params={"q": "¨"})  # as its GET: refused
        assert head.status_code == 400 and head.content == b""
