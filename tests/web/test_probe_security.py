"""Issue 16 part 2: the findings of an outside security probe, one test each (login
throttling, revocable sessions, CSRF bound to the session, token-or-session, multipart
without login, health of a damaged or read-only store, no server paths in errors)."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest

from index.base import SearchRequest
from radar.web import auth
from radar.web.app import create_app
from tests.web.conftest import CASE_ID, NOW, PASSWORD, csrf_of, log_in, make_config

pytestmark = pytest.mark.anyio


def client(app, address: str = "10.0.0.1") -> httpx.AsyncClient:  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# -- probe 2: login throttling -------------------------------------------------------------


async def test_login_flood_is_throttled_per_address_and_logged(app, caplog, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """100 concurrent wrong passwords: at most a few are checked (argon2 is 64 MiB
    each), the rest are refused with 429 before any hash; each failure is logged; the
    right user logs in at once from another address, and from the flooding address
    once the throttle window has passed."""
    clock = Clock()
    app.state.login_throttle.clock = clock
    checks = 0
    verify = auth.Users.authenticate

    def counting(self, name, password):  # type: ignore[no-untyped-def]
        nonlocal checks
        checks += 1
        return verify(self, name, password)

    monkeypatch.setattr(auth.Users, "authenticate", counting)
    caplog.set_level(logging.WARNING, logger="radar.web.login")
    async with client(app, "10.0.0.1") as attacker:
        page = await attacker.get("/login")
        token = csrf_of(page.text)
        form = {"name": "pr", "password": "hunter2-guess", "next": "/", "csrftoken": token}
        answers = await asyncio.gather(*(attacker.post("/login", data=form) for _ in range(100)))
        codes = [r.status_code for r in answers]
        assert codes.count(401) == checks <= 5 and codes.count(429) == 100 - checks
        assert "Too many wrong passwords" in answers[codes.index(429)].text
        failed = [r for r in caplog.records if "login failed" in r.getMessage()]
        assert len(failed) == checks and "10.0.0.1" in failed[0].getMessage()
        assert "hunter2" not in failed[0].getMessage()  # never the password

        async with client(app, "10.0.0.2") as user:  # the real user, elsewhere: at once
            assert (await log_in(user, "pr")).status_code == 303
        right = {**form, "password": PASSWORD}
        assert (await attacker.post("/login", data=right)).status_code == 429
        clock.now += 15 * 60 + 1  # the throttle window has passed
        assert (await attacker.post("/login", data=right)).status_code == 303


async def test_password_checks_are_bounded(app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Concurrent logins from many addresses: never more than CONCURRENT_PASSWORD_CHECKS
    argon2 checks at once (16 at once took the server from 84 MiB to 1 GiB)."""
    import threading
    import time

    running = peak = 0
    lock = threading.Lock()
    hasher = auth._hasher

    class SlowHasher:
        def verify(self, stored, password):  # type: ignore[no-untyped-def]
            nonlocal running, peak
            with lock:
                running += 1
                peak = max(peak, running)
            try:
                time.sleep(0.02)
                return hasher.verify(stored, password)
            finally:
                with lock:
                    running -= 1

    monkeypatch.setattr(auth, "_hasher", SlowHasher())

    async def attempt(n: int) -> int:
        async with client(app, f"10.1.0.{n}") as c:
            return (await log_in(c, "care", "wrong")).status_code

    codes = await asyncio.gather(*(attempt(n) for n in range(16)))
    assert codes == [401] * 16
    assert peak <= auth.CONCURRENT_PASSWORD_CHECKS


# -- probe 4: logout ends the session on the server ----------------------------------------


async def test_a_copied_session_cookie_is_dead_after_logout(app) -> None:  # type: ignore[no-untyped-def]
    async with client(app) as c:
        assert (await log_in(c, "pr")).status_code == 303
        stolen = dict(c.cookies)
        page = await c.get("/cases")
        assert (await c.post("/logout", data={"csrftoken": csrf_of(page.text)})).status_code == 303
    async with client(app, "10.9.9.9") as thief:
        thief.cookies.update(stolen)
        assert (await thief.get("/api/me")).status_code == 401
        assert (await thief.get("/cases")).status_code == 303  # to the login page


# -- probe 7: a request authenticates by token or by session, never both --------------------


@pytest.mark.parametrize("header", ["Bearer \xa0", "Bearer ", "Basic abc", "Bearer nope"])
async def test_a_bad_authorization_header_never_falls_back_to_the_session(
    app, store, header: str
) -> None:  # type: ignore[no-untyped-def]
    bad = {"Authorization": header.encode("latin-1")}
    async with client(app) as c:
        assert (await log_in(c, "pr")).status_code == 303
        token = csrf_of((await c.get(f"/cases/{CASE_ID}")).text)
        action = f"/cases/{CASE_ID}/acknowledge"
        r = await c.post(action, data={"csrftoken": token}, headers=bad)  # type: ignore[arg-type]
        assert r.status_code == 401  # by its token alone, and it has none
        r = await c.post(action, data={}, headers=bad)  # type: ignore[arg-type]
        assert r.status_code == 401
        assert (await c.get("/api/me", headers=bad)).status_code == 401  # type: ignore[arg-type]
        assert (await c.get("/api/me")).status_code == 200  # the session itself still works
    assert store.get_case(CASE_ID).status == "open"


# -- probe 8: the CSRF token belongs to the session -----------------------------------------


async def test_a_planted_csrf_cookie_and_field_are_refused(app, store) -> None:  # type: ignore[no-untyped-def]
    async with client(app, "10.6.6.6") as attacker:  # the attacker's own token
        attacker_token = csrf_of((await attacker.get("/login")).text)
    async with client(app) as victim:
        assert (await log_in(victim, "pr")).status_code == 303
        victim.cookies.set("csrftoken", attacker_token)
        r = await victim.post(f"/cases/{CASE_ID}/acknowledge", data={"csrftoken": attacker_token})
        assert r.status_code == 403 and "CSRF" in r.text
        own = csrf_of((await victim.get(f"/cases/{CASE_ID}")).text)
        assert own != attacker_token
        r = await victim.post(f"/cases/{CASE_ID}/acknowledge", data={"csrftoken": own})
        assert r.status_code == 303
    assert store.get_case(CASE_ID).status == "acknowledged"


async def test_the_login_rotates_the_csrf_token(app) -> None:  # type: ignore[no-untyped-def]
    async with client(app) as c:
        before = csrf_of((await c.get("/login")).text)
        assert (await log_in(c, "care")).status_code == 303
        after = csrf_of((await c.get("/search")).text)
        assert before != after
        assert c.cookies["csrftoken"] == after  # readable copy for the API docs page


# -- probe 9: multipart without login ------------------------------------------------------


async def test_multipart_posts_are_answered_not_500(app) -> None:  # type: ignore[no-untyped-def]
    async with client(app) as c:
        files = {"name": (None, "a"), "password": (None, "b")}
        r = await c.post("/login", files=files)
        assert r.status_code == 403  # no session token: the CSRF check, not a crash
        token = csrf_of((await c.get("/login")).text)
        files = {"csrftoken": (None, token), "name": (None, "pr"), "password": (None, "x")}
        assert (await c.post("/login", files=files)).status_code == 401
        files["password"] = (None, PASSWORD)
        assert (await c.post("/login", files=files)).status_code == 303
        upload = {"f": ("x.txt", b"data", "text/plain")}
        assert (await c.post("/logout", files=upload)).status_code == 403


# -- probe 6: health of a read-only or damaged store ---------------------------------------


async def test_health_reports_a_store_that_refuses_writes(app, store, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A read-only store answered reads, /healthz said ok, and every write was a 503.
    (The store's own check of a read-only file: tests/index/test_sqlite.py.)"""
    async with client(app) as c:
        r = await c.get("/healthz")
        assert r.status_code == 200 and r.json()["writable"] is True
        why = "SQLite store /srv/radar/radar.db: attempt to write a readonly database"
        monkeypatch.setattr(store, "check_writable", lambda: why)
        r = await c.get("/healthz")
        body = r.json()
        assert r.status_code == 503 and body["ok"] is False and body["writable"] is False
        assert "readonly" in body["store"] and "/srv/radar" not in body["store"]


async def test_health_reports_a_damaged_full_text_index(config, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import sqlite3

    from index import open_store
    from tests.web.conftest import SEED

    url = f"sqlite:///{tmp_path}/damaged.db"
    with open_store(url) as s:
        s.upsert_mentions(
            [m.model_copy(update={"id": f"{m.id}-{i}"}) for m in SEED for i in range(8)]
        )
    conn = sqlite3.connect(tmp_path / "damaged.db")
    conn.execute("UPDATE mention_fts_data SET block = zeroblob(length(block)) WHERE id > 10")
    conn.commit()
    conn.close()
    with open_store(url) as damaged:
        app = create_app(config, damaged, clock=lambda: NOW)
        async with client(app) as c:
            await c.get("/healthz")  # starts the background check
            app.state.store_health.wait()
            r = await c.get("/healthz")
            assert r.status_code == 503 and r.json()["integrity"][0].startswith("full-text")


# -- probe 12: no server paths in web errors, a query too large is a 400 --------------------


async def test_a_thousand_negated_words_are_a_clear_400(app, tmp_path) -> None:  # type: ignore[no-untyped-def]
    query = " ".join(f"-词{i}" for i in range(1000))
    async with client(app) as c:
        assert (await log_in(c, "care")).status_code == 303
        for path in ("/search",):  # the API maps the same QuerySyntaxError to 400
            r = await c.get(path, params={"q": query})
            assert r.status_code == 400, (path, r.status_code)
            assert str(tmp_path) not in r.text and "radar.db" not in r.text


async def test_store_errors_on_the_web_carry_no_server_path(app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from index.base import StoreError

    def broken(request: SearchRequest):  # type: ignore[no-untyped-def]
        raise StoreError("SQLite store /var/lib/radar/secret/radar.db: disk I/O error")

    monkeypatch.setattr(app.state.store, "search", broken)
    async with client(app) as c:
        assert (await log_in(c, "care")).status_code == 303
        r = await c.get("/search", params={"q": "漏油"})
        assert r.status_code == 503 and "disk I/O error" in r.text
        assert "/var/lib" not in r.text


# -- probe 5: the session key ---------------------------------------------------------------


def test_secret_key_is_the_configured_one(store) -> None:  # type: ignore[no-untyped-def]
    from radar.web.app import secret_key

    assert secret_key(make_config()) == "test-secret-key-not-for-production"


# -- probe 15: list responses stay small ----------------------------------------------------


async def test_a_huge_stored_post_is_cut_in_search_results(app, store) -> None:  # type: ignore[no-untyped-def]
    from radar.web.search import LIST_TEXT_CHARS
    from tests.web.conftest import mention

    huge = mention(90, "极光汽车 漏油 " + "长" * 3_000_000, minutes_ago=1)
    store.upsert_mentions([huge])
    async with client(app) as c:
        assert (await log_in(c, "care")).status_code == 303
        r = await c.get("/api/search", params={"q": "漏油", "range": "all"})
        assert r.status_code == 200 and len(r.content) < 200_000
        hit = next(h for h in r.json()["hits"] if h["mention"]["id"] == huge.id)
        assert len(hit["mention"]["text"]) == LIST_TEXT_CHARS + 1  # the cut is marked: …
        whole = await c.get(f"/api/mentions/{huge.id}")
        assert len(whole.json()["text"]) == len(huge.text)


# -- probe 11: absurd paging ----------------------------------------------------------------


@pytest.mark.parametrize("page", ["1e20", "100000000000000000000", "0", "-3"])
async def test_an_absurd_page_number_is_a_client_error(app, page: str) -> None:  # type: ignore[no-untyped-def]
    async with client(app) as c:
        assert (await log_in(c, "care")).status_code == 303
        r = await c.get("/search", params={"q": "漏油", "page": page})
        assert r.status_code == 422 and "page=" in r.text  # a page: HTML naming the value
