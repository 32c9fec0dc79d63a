"""A source whose crawl crashes (or is paused) shows on /healthz and as a banner on every
page, so nobody mistakes an empty result for a quiet day."""

from __future__ import annotations

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
    assert "lxml_html_clean" in page.text
