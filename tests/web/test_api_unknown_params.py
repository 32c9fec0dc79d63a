"""A query parameter an API call does not take is a 400 naming it and listing those the
call takes (radar.web.api.known_query): they were ignored, so ``/api/v1/mentions?
sentimnet=negative`` answered as if the typo were not there. Pages are not concerned."""

from __future__ import annotations

import httpx
import pytest

from tests.web.conftest import CASE_ID, api_token

pytestmark = pytest.mark.anyio

AUTH = {"Authorization": f"Bearer {api_token('admin')}"}


async def test_a_typo_is_a_400_naming_it_and_the_parameters_taken(
    anon: httpx.AsyncClient,
) -> None:
    for prefix in ("/api/v1", "/api"):
        r = await anon.get(
            f"{prefix}/mentions",
            params={"since": "2026-11-23T00:00:00+08:00", "sentimnet": "negative"},
            headers=AUTH,
        )
        assert r.status_code == 400, r.text
        assert r.headers["content-type"] == "application/problem+json"
        assert r.headers["ratelimit-limit"]
        body = r.json()
        assert body["code"] == "bad_request" and body["errors"] == []
        assert body["detail"] == (
            f"'sentimnet': unknown query parameter "
            f"(GET {prefix}/mentions takes since, until, cursor, limit)"
        )


async def test_every_unknown_one_is_named_once(anon: httpx.AsyncClient) -> None:
    params = [
        ("q", "漏油"),
        ("sentimnet", "negative"),
        ("foo", "1"),
        ("foo", "2"),
        ("sort", "time"),
    ]
    r = await anon.get("/api/v1/search", params=params, headers=AUTH)
    assert r.status_code == 400
    detail = r.json()["detail"]
    assert detail.startswith("'sentimnet', 'foo': unknown query parameters (GET /api/v1/search ")
    assert detail.endswith("takes q, range, since, until, sort, handled, limit, cursor, offset)")


async def test_the_parameters_a_call_takes_are_still_taken(anon: httpx.AsyncClient) -> None:
    search = {"q": "漏油", "range": "7d", "sort": "time", "handled": "false", "limit": "5"}
    r = await anon.get("/api/v1/search", params={**search, "offset": "0"}, headers=AUTH)
    assert r.status_code == 200, r.text
    r = await anon.get("/api/v1/cases", params=[("status", "open"), ("status", "closed")],
                       headers=AUTH)  # fmt: skip
    assert r.status_code == 200, r.text


async def test_a_call_without_parameters_says_so(anon: httpx.AsyncClient) -> None:
    r = await anon.get("/api/v1/me", params={"verbose": "1"}, headers=AUTH)
    assert r.json()["detail"] == (
        "'verbose': unknown query parameter (GET /api/v1/me takes no query parameters)"
    )
    r = await anon.post(f"/api/v1/cases/{CASE_ID}/acknowledge?dry_run=1", headers=AUTH)
    assert r.status_code == 400 and "'dry_run'" in r.json()["detail"]
    assert r.json()["detail"].endswith("takes no query parameters)")


async def test_without_a_login_it_is_a_401_first(anon: httpx.AsyncClient) -> None:
    r = await anon.get("/api/v1/mentions", params={"sentimnet": "negative"})
    assert r.status_code == 401 and "sentimnet" not in r.text


async def test_every_call_documents_and_answers_the_400(anon: httpx.AsyncClient) -> None:
    doc = (await anon.get("/openapi.json", headers=AUTH)).json()
    ids = {"case_id": CASE_ID, "mention_id": "demo-weibo:1"}
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            assert "400" in operation["responses"], (method, path)
            url = path.format(**ids)
            r = await anon.request(method, url, params={"bogus": "1"}, headers=AUTH)
            assert r.status_code == 400, (method, path, r.text)
            assert r.json()["detail"].startswith("'bogus': unknown query parameter"), r.text
            taken = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
            assert all(name in r.json()["detail"] for name in taken), (path, taken)


async def test_pages_are_not_concerned(login) -> None:  # type: ignore[no-untyped-def]
    async with login("admin") as client:
        for page in ("/search?utm_source=mail", "/cases?x=1", "/overview?ref=digest"):
            r = await client.get(page)
            assert r.status_code == 200, page
            assert r.headers["content-type"].startswith("text/html")


async def test_the_address_is_resolved_before_what_is_sent_is_judged(
    anon: httpx.AsyncClient,
) -> None:
    """401, then 403, then 404 for a case or mention that does not exist, then 400 for an
    unknown parameter, then 422 for the body: a call to a case that does not exist was a
    400 (unknown parameter) or a 422 (no body) where a 404 is the answer that counts."""
    doc = (await anon.get("/openapi.json", headers=AUTH)).json()
    care = {"Authorization": f"Bearer {api_token('care')}"}
    checked = 0
    for path, operations in doc["paths"].items():
        if "{" not in path:
            continue
        url = path.format(case_id="case-nope", mention_id="demo-weibo:nope")
        for method in operations:
            for params, body in (({"bogus": "1"}, None), ({}, None), ({"bogus": "1"}, {"x": 1})):
                r = await anon.request(method, url, params=params, json=body, headers=AUTH)
                assert r.status_code == 404, (method, path, params, body, r.text)
                assert r.json()["detail"].startswith("no "), r.text
                r = await anon.request(method, url, params=params, json=body, headers=care)
                assert r.status_code in (403, 404), (method, path, r.text)  # not 400/422
                r = await anon.request(method, url, params=params, json=body)
                assert r.status_code == 401, (method, path)
            checked += 1
    assert checked == 14  # the mention and case calls with an id in their path
    # the permission first: care may not acknowledge, whatever the case and parameters
    r = await anon.post("/api/v1/cases/case-nope/acknowledge?bogus=1", headers=care)
    assert r.status_code == 403, r.text
    # an existing case: the unknown parameter, then the body
    r = await anon.post(f"/api/v1/cases/{CASE_ID}/assign?bogus=1", headers=AUTH)
    assert r.status_code == 400, r.text
    r = await anon.post(f"/api/v1/cases/{CASE_ID}/assign", headers=AUTH)
    assert r.status_code == 422, r.text


async def test_a_body_that_is_not_json_is_judged_after_the_address(
    anon: httpx.AsyncClient,
) -> None:
    """FastAPI decodes a body before any dependency runs, so a body that is not JSON at all
    answered 422 before the login, the permission, the case and the query were checked."""
    care = {"Authorization": f"Bearer {api_token('care')}"}
    garbage = {"content": b"{not json", "headers": {"content-type": "application/json"}}
    url = f"/api/v1/cases/{CASE_ID}/assign"
    r = await anon.post(url, **garbage)  # type: ignore[arg-type]
    assert r.status_code == 401, r.text
    assert r.headers["www-authenticate"] == "Bearer"
    r = await anon.post(url, content=b"{", headers={**garbage["headers"], **care})  # type: ignore[dict-item]
    assert r.status_code == 403, r.text
    r = await anon.post(
        "/api/v1/cases/case-nope/assign",
        content=b"{",
        headers={**garbage["headers"], **AUTH},  # type: ignore[dict-item]
    )
    assert r.status_code == 404, r.text
    r = await anon.post(url + "?bogus=1", content=b"{", headers={**garbage["headers"], **AUTH})  # type: ignore[dict-item]
    assert r.status_code == 400, r.text
    r = await anon.post(url, content=b"{", headers={**garbage["headers"], **AUTH})  # type: ignore[dict-item]
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["type"] == "json_invalid"
