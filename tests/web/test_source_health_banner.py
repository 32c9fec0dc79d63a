"""A source whose crawl crashes (or is paused) shows on /healthz and as a banner on every
page, so nobody mistakes an empty result for a quiet day."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from index import Store
from index.base import SourceHealth

pytestmark = pytest.mark.anyio


async def test_healthz_names_no_source_when_all_crawl(anon: httpx.AsyncClient) -> None:
    r = await anon.get("/healthz")
    assert r.status_code == 200 and r.json()["crawling_ok"] is True
    assert r.json()["sources"] == {}


async def test_a_crashing_crawl_shows_on_healthz_and_every_page(
    anon: httpx.AsyncClient, store: Store, login: Callable[[str], Any]
) -> None:
    store.set_source_health(
        SourceHealth(
            "demo-weibo",
            "crashing",
            "crashed",
            since=datetime(2026, 11, 23, 1, 0, tzinfo=UTC),
            detail={
                "detail": "ModuleNotFoundError: No module named 'lxml_html_clean'",
                "streak": 4,
            },
        )
    )
    r = await anon.get("/healthz")
    assert r.status_code == 200  # the web service itself is fine
    assert r.json()["ok"] is True and r.json()["crawling_ok"] is False
    assert r.json()["sources"] == {"demo-weibo": "crashing (crashed)"}
    async with login("care") as c:
        page = await c.get("/search")
    assert page.status_code == 200
    assert "Source demo-weibo:" in page.text and "its crawl crashes (4 in a row" in page.text
    # the crash's own words are the admin's (care read "NameError: name 'SORTS' is not
    # de…" on every page of the demo), beside a link to the sources page
    assert "lxml_html_clean" not in page.text and "/admin/sources" not in page.text
    async with login("admin") as c:
        page = await c.get("/search")
    assert "lxml_html_clean" in page.text and 'href="/admin/sources"' in page.text


async def test_why_a_source_stopped_reads_in_words(store: Store) -> None:
    """The banner on every page read '数据源 百度贴吧（演示）：已暂停（captcha）' (and a
    state the page has no sentence for, 'failing (http_429).'), the source-health case
    'is paused (captcha)': the crawler's keys, not what happened."""
    from datetime import timedelta

    from alerts import summaries
    from config.i18n import use_locale
    from radar.web.app import create_app
    from tests.web.conftest import NOW, log_in, make_config

    later = NOW + timedelta(minutes=25)
    store.set_source_health(SourceHealth("demo-weibo", "paused", "captcha", paused_until=later))
    store.set_source_health(SourceHealth("demo-tieba", "failing", "http_429"))
    app = create_app(make_config(locale="zh_CN"), store, clock=lambda: NOW)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        await log_in(c, "care")
        page = (await c.get("/search")).text
    banners = " ".join(re.findall(r'<p class="flash error source-health">(.*?)</p>', page, re.S))
    assert "已暂停（网站要求输入验证码），至 2026年11月23日 10:25 恢复。" in banners, banners
    assert "持续出错（网站返回 429，提示访问过于频繁）。" in banners, banners
    assert "captcha" not in banners and "failing" not in banners
    figures = {"source": "demo-weibo", "state": "paused", "reason": "captcha", "paused_until": ""}
    with use_locale("zh_CN"):
        said = summaries.source_health(figures)
    assert "网站要求输入验证码" in said and "captcha" not in said, said


async def test_a_crash_case_is_titled_without_the_traceback(login, store: Store) -> None:  # type: ignore[no-untyped-def]
    """The board, the overview and the brief titled the demo's crashing source
    '来源 黑猫投诉（演示）：采集连续崩溃 1 次，目前没有采集： type=click.Choice(SORTS), # the
    public sorts … NameError': the title says what happened; the crash's own words stay in
    the case's figures and the alert's lines."""
    from datetime import timedelta

    from alerts import messages, summaries
    from alerts.trigger import CaseTrigger
    from config.i18n import use_locale
    from index.models import Case, Severity
    from tests.web.conftest import NOW

    detail = "NameError: name 'SORTS' is not defined"
    case = Case(id="case-crash", brand="source:demo-tousu", rule="source_health",
                severity=Severity.P3, opened_at=NOW - timedelta(minutes=5))  # fmt: skip
    trig = CaseTrigger.of(case)
    figures = {"source": "demo-tousu", "source_title": "黑猫投诉（演示）", "state": "crashing",
               "reason": "crashed", "crashes": 1, "detail": detail, "paused_until": ""}  # fmt: skip
    trig.rules["source_health"] = figures
    trig.save_to(case)
    store.save_case(case)
    with use_locale("zh_CN"):
        title = messages.headline(case)
        said = summaries.line("source_health", figures) or ""
    source = "来源 黑猫投诉（演示）"
    # …and names the source once (it read '{source}：数据源异常 — {source}：采集连续崩溃…')
    assert title == f"{source}：数据源异常 — 采集连续崩溃 1 次，目前没有采集", title
    paused = case.model_copy(deep=True)
    trig = CaseTrigger.of(paused)
    trig.rules["source_health"] = {**figures, "state": "paused", "reason": "captcha"}
    trig.save_to(paused)
    with use_locale("zh_CN"):
        title = messages.headline(paused)
    assert title == f"{source}：数据源异常 — 已暂停（网站要求输入验证码）", title
    assert detail in said  # the alert's line keeps it
    async with login("pr") as c:
        board = (await c.get("/cases")).text
        page = (await c.get("/cases/case-crash")).text
    row = board.split('href="/cases/case-crash"')[1].split("</tr>")[0]
    assert "NameError" not in row, row
    assert "NameError" in page.split('<table class="kv">')[1].split("</table>")[0]
