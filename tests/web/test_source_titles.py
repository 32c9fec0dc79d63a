"""A source is read by its title (``sources[].title``, e.g. 微博（演示）) wherever people
read it — cards, the post page, search facets, the sources chart, the page's CSV — and
stays its name in the JSON API, the API's CSV and ``source:`` (which takes the title too)."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from config import i18n
from config.schema import RadarConfig
from index import Store
from index.base import SourceHealth
from radar.web.app import create_app
from radar.web.digest import gap_ranges
from radar.web.render import Formatter
from radar.web.search import EXPORT_COLUMNS
from tests.web.conftest import NOW, api_token, log_in, make_config

pytestmark = pytest.mark.anyio
AUTH = {"Authorization": f"Bearer {api_token('care')}"}
SOURCE = {"kind": "weibo", "base_url": "http://127.0.0.1:8765/weibo", "query": ["极光汽车"]}


def titled_config(locale: str = "zh_CN") -> RadarConfig:
    data = make_config(locale).model_dump(by_alias=True)
    data["sources"] = [
        {"name": "demo-weibo", "title": "微博（演示）", **SOURCE},
        {"name": "demo-tieba", **SOURCE},  # no title: read by its name
    ]
    return RadarConfig.model_validate(data)


@pytest.fixture
async def care(store: Store) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(titled_config(), store, clock=lambda: NOW)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        await log_in(c, "care")
        yield c


def _text(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


async def test_cards_and_facets_read_the_title(care: httpx.AsyncClient) -> None:
    page = (await care.get("/search", params={"q": "", "range": "7d"})).text
    byline = re.search(r'<div class="byline">(.*?)</div>', page, re.S)
    assert byline and "· 微博（演示）" in byline.group(1) and "demo-weibo" not in byline.group(1)
    facets = _text(page.split('<aside class="facets">')[1].split("</aside>")[0])
    assert "微博（演示）" in facets and "demo-tieba" in facets and "demo-weibo" not in facets
    # the facet's link writes the filter as the cards show the source
    assert "q=source%3A%E5%BE%AE%E5%8D%9A%EF%BC%88%E6%BC%94%E7%A4%BA%EF%BC%89" in page
    post = (await care.get("/mentions/demo-weibo:1")).text
    assert "<small>微博（演示） ·" in post


async def test_source_filter_takes_the_name_or_the_title(care: httpx.AsyncClient) -> None:
    by_name = await care.get("/api/v1/search", params={"q": "source:demo-weibo"}, headers=AUTH)
    by_title = await care.get("/api/v1/search", params={"q": "source:微博（演示）"}, headers=AUTH)
    ids = [h["mention"]["id"] for h in by_name.json()["hits"]]
    assert ids and ids == [h["mention"]["id"] for h in by_title.json()["hits"]]
    assert not by_title.json().get("notes")  # a title is a configured source
    # the API keeps the id
    assert {h["mention"]["source"] for h in by_title.json()["hits"]} == {"demo-weibo"}
    page = (await care.get("/search", params={"q": "source:微博（演示）", "range": "7d"})).text
    assert "demo-tieba:4" not in page and "m-demo-weibo:1" in page
    assert 'class="flash notice"' not in page


async def test_a_source_that_names_none_says_which_there_are(care: httpx.AsyncClient) -> None:
    """source:微博 found nothing without a word (the cards read 微博（演示）): the page names
    the sources as the cards do, as it does for brand:; the API's notes already did."""
    page = (await care.get("/search", params={"q": "source:微博", "range": "7d"})).text
    notice = re.search(r'<p class="flash notice">(.*?)</p>', page, re.S)
    assert notice and _text(notice.group(1)) == (
        "来源:微博 不是已配置的来源。已配置的来源：微博（演示）、demo-tieba。"
    )
    api = await care.get("/api/v1/search", params={"q": "source:微博"}, headers=AUTH)
    assert api.json()["notes"] == [
        "source:微博 is not a configured source (the sources: demo-weibo, demo-tieba)"
    ]


async def test_the_pages_csv_reads_the_title_the_apis_keeps_the_name(
    care: httpx.AsyncClient,
) -> None:
    page = await care.get("/search/export.csv", params={"q": "", "range": "7d"})
    _, *rows = list(csv.reader(io.StringIO(page.content.decode("utf-8-sig"))))
    source = {row[0]: row[EXPORT_COLUMNS.index("source")] for row in rows}
    assert source["demo-weibo:1"] == "微博（演示）" and source["demo-tieba:4"] == "demo-tieba"
    api = await care.get("/api/v1/search/export.csv", params={"q": ""}, headers=AUTH)
    api_rows = list(csv.DictReader(io.StringIO(api.content.decode("utf-8-sig"))))
    assert {row["source"] for row in api_rows} == {"demo-weibo", "demo-tieba"}


async def test_the_sources_chart_reads_the_title(care: httpx.AsyncClient) -> None:
    await log_in(care, "exec")
    page = (await care.get("/overview", params={"days": 7})).text
    m = re.search(r'<script type="application/json" id="chart-data">(.*?)</script>', page, re.S)
    assert m
    assert set(json.loads(m.group(1))["sources"]) == {"微博（演示）", "demo-tieba"}


async def test_the_health_banner_reads_the_title(care: httpx.AsyncClient, store: Store) -> None:
    later = NOW + timedelta(hours=1)
    store.set_source_health(SourceHealth("demo-weibo", "paused", "ban", paused_until=later))
    page = (await care.get("/search")).text
    assert "数据源 微博（演示）：" in page and "数据源 demo-weibo" not in page
    health = (await care.get("/healthz")).json()
    assert health["sources"] == {"demo-weibo": "paused (ban)"}  # the id, for machines


def test_a_collection_gap_names_the_sources_by_title() -> None:
    start = datetime(2026, 12, 2, 18, tzinfo=UTC)  # 12-03 02:00 in Shanghai
    gaps = {start + timedelta(hours=h): ["demo-weibo", "demo-tieba"] for h in range(2)}
    titles = titled_config().source_titles()
    with i18n.use_locale("zh_CN"):
        assert gap_ranges(gaps, Formatter("Asia/Shanghai"), titles) == [
            "2026年12月3日 02:00–04:00（demo-tieba、微博（演示））"
        ]
    # Chinese brackets and 、 in Chinese only: the page read '(新闻（演示）, 微博（演示）)'
    with i18n.use_locale("en"):
        assert gap_ranges(gaps, Formatter("Asia/Shanghai"), titles) == [
            "Dec 3, 2026 02:00–04:00 (demo-tieba, 微博（演示）)"
        ]
