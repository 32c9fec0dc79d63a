"""The admin page of outbound webhooks: add (secret shown once), rotate, remove, dead
letters listed; other roles are refused; crawled text in a dead letter is escaped."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from alerts import outbox
from alerts.webhooks import registry
from tests.web.conftest import form_post, make_config

pytestmark = pytest.mark.anyio
PAGE = "/admin/webhooks"


async def test_admin_adds_rotates_and_removes_a_subscriber(login, store) -> None:  # type: ignore[no-untyped-def]
    async with login("admin") as c:
        r = await form_post(
            c, PAGE, PAGE,
            {"url": "https://hooks.example/radar", "severities": "P1", "events": "case.opened"},
        )  # fmt: skip
        assert r.status_code == 303
        [sub] = registry.load(store)
        assert sub.severities == ["P1"] and sub.events == ["case.opened"]
        page = await c.get(PAGE)
        assert sub.secret in page.text  # shown once …
        assert sub.secret not in (await c.get(PAGE)).text  # … and not again
        r = await form_post(c, PAGE, f"{PAGE}/{sub.id}/rotate", {})
        rotated = registry.get(store, sub.id)
        assert rotated.secret != sub.secret and rotated.previous_secret == sub.secret
        assert rotated.secret in (await c.get(PAGE)).text
        bad = await form_post(c, PAGE, PAGE, {"url": "ftp://nope"})
        assert bad.status_code == 303 and "is not a web address" in (await c.get(PAGE)).text
        # removing asks once more: its button sits inside a closed <details>
        listed = (await c.get(PAGE)).text
        remove = listed.split(f'action="/admin/webhooks/{sub.id}/remove"')[0]
        assert remove.rstrip().endswith(
            '<details class="more confirm"><summary>Remove</summary><form method="post"'
        )
        await form_post(c, PAGE, f"{PAGE}/{sub.id}/remove", {})
        assert registry.load(store) == []


async def test_dead_letters_are_listed_escaped(login, store) -> None:  # type: ignore[no-untyped-def]
    key = "c1:event:1@webhook:wh1"
    now = datetime(2026, 9, 15, tzinfo=UTC)
    outbox.enqueue(store, key, "webhook:wh1", {"kind": "webhook"}, now, case_id="c1")
    store.mark_notification_failed(
        key, "[failure 12] dead letter after 12 failures: <script>x</script>", outbox.DEAD_LETTER_AT
    )
    async with login("admin") as c:
        page = (await c.get(PAGE)).text
    assert key in page and "&lt;script&gt;" in page and "<script>x" not in page


async def test_a_failing_target_shows_its_last_error(login, store) -> None:  # type: ignore[no-untyped-def]
    """The page counted what waited per target; a robot refusing every message for good
    read like one keeping its pace."""
    now = datetime(2026, 9, 15, tzinfo=UTC)
    outbox.enqueue(store, "c1:alert@dingtalk:care", "dingtalk:care", {"kind": "case"}, now)
    store.mark_notification_failed(
        "c1:alert@dingtalk:care", "[failure 3] refused: error 310000 <b>sign</b>", now
    )
    async with login("admin") as c:
        page = (await c.get(PAGE)).text
    assert "dingtalk:care: 1 — ⚠️ 3× refused: error 310000 &lt;b&gt;sign&lt;/b&gt;" in page


async def test_admins_find_the_page_in_the_menu(login) -> None:  # type: ignore[no-untyped-def]
    async with login("admin") as c:
        assert f'href="{PAGE}"' in (await c.get("/cases")).text


@pytest.mark.parametrize("role", ["care", "pr", "exec"])
async def test_only_admin(login, role) -> None:  # type: ignore[no-untyped-def]
    async with login(role) as c:
        assert f'href="{PAGE}"' not in (await c.get("/cases")).text
        assert (await c.get(PAGE)).status_code == 403
        assert (await c.post(f"{PAGE}/x/remove")).status_code in (403, 400)


@pytest.mark.parametrize("config", [make_config(locale="zh_CN")])
async def test_a_refused_address_is_named_in_chinese_and_the_form_kept(login, store) -> None:  # type: ignore[no-untyped-def]
    """A Chinese admin reads why the address was refused, and finds what they typed and
    ticked still in the form."""
    async with login("admin") as c:
        sent = {"url": "ftp://hooks.example/radar", "description": "值班<b>群</b>",
                "brands": "极光汽车", "severities": "P1", "events": "case.opened"}  # fmt: skip
        r = await form_post(c, PAGE, PAGE, sent)
        assert r.status_code == 303 and registry.load(store) == []
        page = (await c.get(PAGE)).text
        assert "不是有效的网址" in page and "not an http(s) URL" not in page
        assert 'value="ftp://hooks.example/radar"' in page
        assert 'value="值班&lt;b&gt;群&lt;/b&gt;"' in page
        ticked = (("brands", "极光汽车"), ("severities", "P1"), ("events", "case.opened"))
        for name, value in ticked:
            assert f'name="{name}" value="{value}" checked' in page
        # the events a subscriber may pick, in words beside their protocol names
        assert "新建危机事件 <code>case.opened</code>" in page
        assert "每日简报 <code>digest.ready</code>" in page
        again = (await c.get(PAGE)).text  # kept once, like the secret
        assert 'value="ftp://hooks.example/radar"' not in again


@pytest.mark.parametrize(
    "url", ["https://a b.com/hook", "https://hooks.example/a\tb", "http://hooks.example:abc/"]
)
async def test_an_address_with_a_space_or_a_bad_port_is_refused(login, store, url) -> None:  # type: ignore[no-untyped-def]
    """'https://a b.com' was added as a subscriber, and every delivery to it failed."""
    with pytest.raises(ValueError):
        registry.check_url(url)
    async with login("admin") as c:
        r = await form_post(c, PAGE, PAGE, {"url": url})
        assert r.status_code == 303 and "is not a web address" in (await c.get(PAGE)).text
    assert registry.load(store) == []
