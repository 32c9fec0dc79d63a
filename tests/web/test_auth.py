"""Login, roles, CSRF, cookies: every page and API needs a user; roles limit actions."""

from __future__ import annotations

import re

import httpx
import pytest

from radar.web import cases, executive, login, search
from radar.web.api import LEGACY_PREFIX, PREFIX
from radar.web.app import API_ROUTERS, service
from tests.web.conftest import CASE_ID, PASSWORD, api_token, csrf_of, log_in, make_config

pytestmark = pytest.mark.anyio

# /logout only clears a session; /slack/actions is authenticated by the Slack signature
PUBLIC = {
    ("GET", "/healthz"), ("GET", "/login"), ("POST", "/login"), ("POST", "/logout"),
    ("POST", "/slack/actions"),
}  # fmt: skip
SAMPLE = {"mention_id": "demo-weibo:1", "case_id": CASE_ID, "action": "acknowledge"}


def every_route() -> list[tuple[str, str]]:
    """(method, concrete path) of every route the app serves, path parameters filled in."""
    out = []
    mounted = [("", r) for r in (service, login.pages, search.pages, cases.pages, executive.pages)]
    # the JSON API is served at /api/v1 and, for old scripts, at /api
    mounted += [(prefix, r) for r in API_ROUTERS for prefix in (PREFIX, LEGACY_PREFIX)]
    for prefix, router in mounted:
        for route in router.routes:
            path = re.sub(r"\{(\w+)(:\w+)?\}", lambda m: SAMPLE[m.group(1)], route.path)
            out += [(method, prefix + path) for method in sorted(route.methods - {"HEAD"})]
    return out


def test_route_listing_sees_the_app() -> None:
    routes = every_route()
    assert ("GET", "/search") in routes and ("POST", "/api/cases/case-aurora-1/resolve") in routes
    assert len(routes) > 30


async def test_health_check_needs_no_login(anon: httpx.AsyncClient) -> None:
    r = await anon.get("/healthz")
    assert r.status_code == 200 and r.json()["ok"] is True


@pytest.mark.parametrize(("method", "path"), [r for r in every_route() if r not in PUBLIC])
async def test_everything_else_needs_login(anon: httpx.AsyncClient, method: str, path: str) -> None:
    r = await anon.request(method, path)
    page = path == "/api/docs" or not (path.startswith("/api/") or path == "/openapi.json")
    if method == "GET" and page:  # /api/docs, the API browser, is a page
        assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")
    else:
        assert r.status_code == 401, (method, path, r.status_code)


async def test_wrong_password_and_unknown_user_are_refused(anon: httpx.AsyncClient) -> None:
    for name, password in (("pr", "wrong"), ("nobody", PASSWORD)):
        r = await log_in(anon, name, password)
        assert r.status_code == 401 and "Wrong user name or password" in r.text
    assert (await anon.get("/api/me")).status_code == 401


async def test_login_sets_a_safe_session_cookie(anon: httpx.AsyncClient) -> None:
    r = await log_in(anon, "care")
    assert r.status_code == 303
    cookie = next(v for v in r.headers.get_list("set-cookie") if v.startswith("radar_session="))
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    assert "secure" not in cookie.lower()  # plain http unless web.secure_cookies
    me = (await anon.get("/api/me")).json()
    assert me["role"] == "care" and "case_action" not in me["permissions"]


async def test_secure_cookies_when_configured(store) -> None:  # type: ignore[no-untyped-def]
    from radar.web.app import create_app

    cfg = make_config()
    cfg.web.secure_cookies = True
    app = create_app(cfg, store)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://t") as c:
        r = await log_in(c, "pr")
        cookies = " ".join(r.headers.get_list("set-cookie")).lower()
        assert "radar_session=" in cookies and "secure" in cookies


async def test_login_redirect_stays_on_site(anon: httpx.AsyncClient) -> None:
    page = await anon.get("/login?next=//evil.example/x")
    assert "evil.example" not in page.text
    r = await anon.post(
        "/login",
        data={"name": "pr", "password": PASSWORD, "next": "https://evil.example/",
              "csrftoken": csrf_of(page.text)},
    )  # fmt: skip
    assert r.status_code == 303 and r.headers["location"] == "/"


async def test_logout_ends_the_session(login) -> None:  # type: ignore[no-untyped-def]
    async with login("pr") as c:
        page = await c.get("/cases")
        r = await c.post("/logout", data={"csrftoken": csrf_of(page.text)})
        assert r.status_code == 303
        assert (await c.get("/api/me")).status_code == 401


async def test_api_token_authenticates(anon: httpx.AsyncClient) -> None:
    r = await anon.get("/api/me", headers={"Authorization": f"Bearer {api_token('exec')}"})
    assert r.status_code == 200 and r.json()["role"] == "exec"
    bad = await anon.get("/api/me", headers={"Authorization": "Bearer not-a-token"})
    assert bad.status_code == 401


@pytest.mark.parametrize(
    ("role", "method", "path", "allowed"),
    [
        ("care", "GET", "/api/search", True),
        ("exec", "GET", "/api/search", True),
        ("care", "GET", f"/api/cases/{CASE_ID}", True),
        ("care", "POST", f"/api/cases/{CASE_ID}/acknowledge", False),
        ("exec", "POST", f"/api/cases/{CASE_ID}/acknowledge", False),
        ("pr", "POST", f"/api/cases/{CASE_ID}/acknowledge", True),
        ("admin", "POST", f"/api/cases/{CASE_ID}/acknowledge", True),
        ("exec", "POST", "/api/mentions/demo-weibo:1/handled", False),
        ("care", "POST", "/api/mentions/demo-weibo:1/handled", True),
        ("care", "GET", "/api/overview", False),
        ("care", "GET", f"/api/cases/{CASE_ID}/summary", False),
        ("exec", "GET", f"/api/cases/{CASE_ID}/summary", True),
        ("exec", "GET", "/api/overview", True),
        ("pr", "GET", "/api/digest", True),
        ("care", "GET", "/api/digest", False),
    ],
)
async def test_role_checks(
    anon: httpx.AsyncClient, role: str, method: str, path: str, allowed: bool
) -> None:
    headers = {"Authorization": f"Bearer {api_token(role)}"}
    body = {} if method == "POST" else None
    r = await anon.request(method, path, headers=headers, json=body)
    if allowed:
        assert r.status_code == 200, r.text
    else:
        assert r.status_code == 403 and "permission" in r.json()["detail"]


async def test_care_pages_forbid_executive_views(login) -> None:  # type: ignore[no-untyped-def]
    async with login("care") as c:
        r = await c.get("/overview")
        assert r.status_code == 403 and "Not allowed" in r.text


async def test_form_post_without_csrf_token_is_rejected(login, store) -> None:  # type: ignore[no-untyped-def]
    async with login("pr") as c:
        r = await c.post(f"/cases/{CASE_ID}/acknowledge", data={})
        assert r.status_code == 403 and "CSRF" in r.text
        r = await c.post(f"/cases/{CASE_ID}/acknowledge", data={"csrftoken": "forged"})
        assert r.status_code == 403
        # a JSON call riding on the browser session needs the token header too
        r = await c.post(f"/api/cases/{CASE_ID}/acknowledge", json={})
        assert r.status_code == 403
    assert store.get_case(CASE_ID).status == "open"


async def test_an_api_call_refused_for_csrf_is_a_problem_document(login, store) -> None:  # type: ignore[no-untyped-def]
    """The API's errors are all problem+json (docs/web.md): a JSON call on the browser
    session without its CSRF header was answered text/plain."""
    async with login("pr") as c:
        for path in (f"/api/v1/cases/{CASE_ID}/acknowledge", f"/api/cases/{CASE_ID}/acknowledge"):
            r = await c.post(path, json={})
            assert r.status_code == 403
            assert r.headers["content-type"] == "application/problem+json"
            body = r.json()
            assert body["status"] == 403 and body["code"] == "forbidden"
            assert "x-csrftoken" in body["detail"] and body["errors"] == []
            assert r.headers["x-frame-options"] == "DENY"
        # a page's form keeps its plain answer
        r = await c.post(f"/cases/{CASE_ID}/acknowledge", data={})
        assert r.status_code == 403 and r.headers["content-type"].startswith("text/plain")
    assert store.get_case(CASE_ID).status == "open"


async def test_login_form_itself_is_csrf_protected(anon: httpx.AsyncClient) -> None:
    r = await anon.post("/login", data={"name": "pr", "password": PASSWORD})
    assert r.status_code == 403


async def test_security_headers(login) -> None:  # type: ignore[no-untyped-def]
    async with login("care") as c:
        r = await c.get("/search")
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("style-src")[0]
        assert r.headers["x-frame-options"] == "DENY"


async def test_a_token_that_is_no_longer_valid_is_named_in_the_401(anon, store) -> None:  # type: ignore[no-untyped-def]
    """A revoked, unknown or malformed token read 'login required: send Authorization:
    Bearer <token> or log in', as if none had been sent."""
    from radar.web import tokens

    record, token = tokens.create(store, "bi-dashboard", "read", "admin")
    assert (await anon.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})).is_success
    tokens.revoke(store, record.id, "admin")
    for header in (f"Bearer {token}", "Bearer wrong", "Bearer ", "Basic YWRtaW46eA=="):
        r = await anon.get("/api/v1/me", headers={"Authorization": header})
        assert r.status_code == 401 and r.json()["code"] == "unauthenticated"
        assert r.json()["detail"].startswith("Authorization: not a valid bearer token"), header
        assert r.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    r = await anon.get("/api/v1/me")
    assert (
        r.json()["detail"].startswith("login required")
        and r.headers["www-authenticate"] == "Bearer"
    )


async def test_a_tokens_403_names_its_scope_not_a_role(anon, store) -> None:  # type: ignore[no-untyped-def]
    """A read token acting on a mention read 'your role may not do this', though a token
    has a scope, not a role (its role reads 'integration')."""
    from radar.web import tokens

    _, token = tokens.create(store, "bi-dashboard", "read", "admin")
    r = await anon.post(
        "/api/v1/mentions/demo-weibo:1/handled", headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    assert r.json()["detail"] == (
        "this token's scope (read) may not do this (needs the 'handle' permission, "
        "which a token of scope cases has)"
    )
    exec_token = {"Authorization": f"Bearer {api_token('exec')}"}
    r = await anon.post("/api/v1/mentions/demo-weibo:1/handled", headers=exec_token)
    assert r.json()["detail"] == "your role may not do this (needs the 'handle' permission)"
