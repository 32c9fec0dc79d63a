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
