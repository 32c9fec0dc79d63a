"""The admin's page of the sources (/admin/sources): each source's last crawl, whether it
completed, what it brought, its health in words and the posts stored from it. Nothing in
the web showed an admin that the sources crawl (only `radar status` on the command line),
and the banner says only that one is in trouble."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest

from index import Store
from index.base import SourceHealth
from radar.web.app import create_app
from tests.web.conftest import NOW, log_in
from tests.web.test_source_titles import titled_config

pytestmark = pytest.mark.anyio


def rows(page: str) -> dict[str, str]:
    """Each source's row as text, by the source's name."""
    body = page.split('<table class="board sources">')[1].split("</table>")[0]
    out = {}
    for row in re.findall(r"<tr class=\"source-[^\"]+\">(.*?)</tr>", body, re.S):
        text = " ".join(re.sub(r"<[^>]+>", " ", row).split())
        name = re.search(r"<code>([^<]+)</code>", row)
        out[name.group(1) if name else text.split()[0]] = text
    return out


async def test_the_admin_sees_each_sources_crawls_and_health(store: Store) -> None:
    store.record_crawl_run("demo-weibo", {
        "started_at": (NOW - timedelta(minutes=3)).isoformat(),
        "finished_at": (NOW - timedelta(minutes=2)).isoformat(), "completed": True,
        "items": {"new": 12, "updated": 30}, "errors": {"total": 0},
    })  # fmt: skip
    store.record_crawl_run("demo-tieba", {
        "started_at": (NOW - timedelta(minutes=6)).isoformat(),
        "finished_at": (NOW - timedelta(minutes=5)).isoformat(), "completed": False,
        "items": {"new": 0, "updated": 0}, "errors": {"total": 3},
    })  # fmt: skip
    store.set_source_health(
        SourceHealth("demo-tieba", "paused", "captcha", paused_until=NOW + timedelta(minutes=25))
    )
    app = create_app(titled_config(), store, clock=lambda: NOW)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        await log_in(c, "admin")
        page = (await c.get("/admin/sources")).text
        assert '<a href="/admin/sources">数据源</a>' in page  # in the admin's header
        for role in ("care", "pr", "exec"):
            await c.post("/logout", data={"csrftoken": re.findall(
                r'name="csrftoken" value="([^"]+)"', page)[0]})  # fmt: skip
            await log_in(c, role)
            assert (await c.get("/admin/sources")).status_code == 403, role
            assert 'href="/admin/sources"' not in (await c.get("/cases")).text
    got = rows(page)
    assert set(got) == {"demo-weibo", "demo-tieba"}, got
    weibo, tieba = got["demo-weibo"], got["demo-tieba"]
    assert weibo.startswith("微博（演示）") and "2026年11月23日 09:58" in weibo
    assert "完整 · 新增 12，更新 30" in weibo and "正常" in weibo
    assert "未完成 · 新增 0，更新 0 · 3 个错误" in tieba
    assert "已暂停（网站要求输入验证码），至 2026年11月23日 10:25 恢复。" in tieba
    assert "captcha" not in tieba
    # its next crawl is when the pause ends, not the skipped run of the schedule
    assert tieba.endswith("2026年11月23日 10:25"), tieba


async def test_the_admin_sees_where_alerts_go_and_whether_they_get_there(store: Store) -> None:
    """The demo's alerts reach only the service log (no Slack token) and nothing in the web
    said so; a robot refusing every message showed only in `radar status`."""
    from alerts import outbox

    outbox.enqueue(store, "c1:alert", "#radar-alerts", {"text": "P1"}, NOW)
    outbox.enqueue(store, "c1:alert@webhook:wh1", "webhook:wh1", {"text": "P1"}, NOW)
    [n] = [n for n in store.due_notifications(NOW) if n.channel == "webhook:wh1"]
    store.mark_notification_failed(n.key, "[failure 3] RuntimeError: webhook:wh1: HTTP 404",
                                   NOW + timedelta(minutes=1))  # fmt: skip
    app = create_app(titled_config(), store, clock=lambda: NOW)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        await log_in(c, "admin")
        page = (await c.get("/admin/sources")).text
    table = page.split('<table class="board channels">')[1].split("</table>")[0]
    found = re.findall(r'<tr class="channel-[^"]+">(.*?)</tr>', table, re.S)
    rows = [" ".join(re.sub(r"<[^>]+>", " ", r).split()) for r in found]
    assert rows[0].startswith("#radar-alerts 未接入 Slack：预警只记入服务日志 1"), rows
    assert rows[1].startswith("webhook:wh1 投递失败 1 已失败 3 次"), rows
    assert "HTTP 404" in rows[1]


@pytest.mark.parametrize(
    ("run", "shown"),
    [
        ({"finish_reason": "blocked_captcha", "blocked": "captcha"}, "未完成（网站要求输入验证码"),
        ({"finish_reason": "blocked_http_429"}, "未完成（网站返回 429，提示访问过于频繁）"),
        ({"finish_reason": "crashed"}, "未完成（抓取程序崩溃）"),
        ({"finish_reason": "timeout"}, "未完成（抓取超时，已被中止）"),
        ({"finish_reason": "unreachable"}, "未完成（网站无法访问）"),
        ({"finish_reason": "store_failed"}, "未完成（帖子未能写入存储）"),
        ({"finish_reason": "shutdown"}, "未完成（抓取被中止）"),
        ({"finish_reason": "finished"}, "未完成 · 新增"),  # no reason given: none made up
    ],
)
async def test_an_incomplete_crawl_says_why_in_words(
    store: Store, run: dict[str, str], shown: str
) -> None:
    """The page read a bare 未完成 (the run's finish_reason, 'blocked_captcha' or 'timeout',
    nowhere): the reason reads as the source-health banner words it (alerts.labels)."""
    store.record_crawl_run("demo-tieba", {
        "started_at": (NOW - timedelta(minutes=6)).isoformat(),
        "finished_at": (NOW - timedelta(minutes=5)).isoformat(), "completed": False,
        "items": {"new": 0, "updated": 0}, "errors": {"total": 0}, **run,
    })  # fmt: skip
    app = create_app(titled_config(), store, clock=lambda: NOW)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        await log_in(c, "admin")
        tieba = rows((await c.get("/admin/sources")).text)["demo-tieba"]
    assert shown in tieba, tieba
    assert run["finish_reason"] not in tieba and "blocked" not in tieba
