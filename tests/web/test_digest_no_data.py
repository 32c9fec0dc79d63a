"""/digest for a day before the store's first mention (2020-01-01 in the demo) showed a
table of zeros under 采集不完整 banners, as if that day had been badly collected; it says
there is no data for that day, and which day is the first that has some (linked)."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from unittest.mock import patch
from zoneinfo import ZoneInfo

import pytest

from config.schema import RadarConfig
from index import open_store
from radar.web.app import create_app
from radar.web.digest import first_day
from tests.web.conftest import NOW, SEED, log_in, make_config, mention

pytestmark = pytest.mark.anyio
ZONE = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def config() -> RadarConfig:
    return make_config(locale="zh_CN")


def text(page: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", page)).split())


async def test_a_day_before_the_first_mention_says_there_is_no_data(login) -> None:  # type: ignore[no-untyped-def]
    first = min(m.published_at for m in SEED).astimezone(ZONE).date()
    async with login("exec") as c:
        page = (await c.get("/digest", params={"date": "2020-01-01"})).text
        shown = text(page)
        assert "2020年1月1日 没有数据：库中没有当天及之前发布的任何内容。" in shown, shown
        assert "collection-gaps" not in page and '<table class="digest">' not in page
        link = re.search(r'<a href="(/digest\?date=[^"]+)">([^<]+)</a>', page)
        assert link and link.group(1) == f"/digest?date={first.isoformat()}", page
        assert link.group(2) == f"最早有数据的一天是 {first.year}年{first.month}月{first.day}日。"
        # that day, and the day before it (before the first mention too), as they are
        that_day = (await c.get(link.group(1))).text
        before = (await c.get("/digest", params={"date": str(first - timedelta(days=1))})).text
    assert '<table class="digest">' in that_day and "没有数据" not in that_day
    assert "没有数据" in before and first.isoformat() in before


def test_the_first_day_with_data_is_the_oldest_mentions_day(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """In one search (oldest first), not a count per halving of the days."""
    end = NOW - timedelta(days=400)
    for days_ago in (0, 1, 37, 399):
        store = open_store(f"sqlite:///{tmp_path}/radar-{days_ago}.db")
        store.upsert_mentions([mention(1, "极光汽车 漏油", minutes_ago=days_ago * 24 * 60 + 30)])
        expected = (NOW - timedelta(days=days_ago, minutes=30)).astimezone(ZONE).date()
        with patch.object(store, "search", wraps=store.search) as search:
            assert first_day(store, "Asia/Shanghai", end, NOW) == expected
        assert [c.args[0].sort for c in search.call_args_list] == ["oldest"]
        store.close()
    # a mention before ``since`` or after today is none of its days
    store = open_store(f"sqlite:///{tmp_path}/radar-out.db")
    store.upsert_mentions([mention(1, "极光汽车 漏油", minutes_ago=401 * 24 * 60)])
    assert first_day(store, "Asia/Shanghai", end, NOW) is None
    store.close()


@pytest.mark.parametrize("when", ["none", "today"])
async def test_an_empty_store_and_a_store_collecting_since_today(config, tmp_path, when) -> None:  # type: ignore[no-untyped-def]
    import httpx

    store = open_store(f"sqlite:///{tmp_path}/radar.db")
    if when == "today":
        store.upsert_mentions([mention(1, "极光汽车 漏油", minutes_ago=30)])
    app = create_app(config, store, clock=lambda: NOW)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        await log_in(c, "exec")
        shown = text((await c.get("/digest", params={"date": "2020-01-01"})).text)
    store.close()
    assert "2020年1月1日 没有数据" in shown, shown
    if when == "none":
        assert "目前还没有采集到任何数据。" in shown, shown
    else:
        assert "最早的数据来自今天（2026年11月23日），当天的每日简报在午夜后生成。" in shown, shown


async def test_the_api_digest_of_a_day_without_data_says_so(config, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """GET /api/v1/digest for a day before the store's first mention answered a normal
    day of zeros — and, with a source crawled since, every hour of it 'incomplete' —
    where the page says there is no data. The answer has a normal day's shape, zero
    counts, no hour judged incomplete, and the page's words (the API's stay English)."""
    import httpx

    from config.sources import SourceConfig
    from tests.web.conftest import api_token

    weibo = SourceConfig(name="demo-weibo", kind="weibo", base_url="http://127.0.0.1:8765",
                         interval=600, query=["极光汽车"])  # fmt: skip
    store = open_store(f"sqlite:///{tmp_path}/radar.db")
    store.upsert_mentions(SEED)
    store.record_crawl_run("demo-weibo", {"finished_at": NOW.isoformat(), "completed": True})
    app = create_app(config.model_copy(update={"sources": [weibo]}), store, clock=lambda: NOW)
    first = min(m.published_at for m in SEED).astimezone(ZONE).date()
    auth = {"Authorization": f"Bearer {api_token('exec')}"}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        empty = await c.get("/api/v1/digest", params={"date": "2020-01-01"}, headers=auth)
        normal = await c.get("/api/v1/digest", params={"date": str(first)}, headers=auth)
        doc = (await c.get("/openapi.json", headers=auth)).json()
    store.close()
    assert empty.status_code == normal.status_code == 200
    d, n = empty.json(), normal.json()
    assert set(d) == set(n) == set(doc["components"]["schemas"]["Digest"]["properties"])
    assert set(d["brands"]) == set(n["brands"]) == {"极光汽车", "清泉乳业"}
    for brand in d["brands"].values():
        assert (brand["mentions"], brand["negative"], brand["stories"]) == (0, 0, 0)
        assert brand["negative_change"] is None
    assert d["incomplete"] == {"day": [], "previous": []}
    assert d["no_data"] is True and d["first_day"] == first.isoformat()
    assert d["note"] == (
        "There is no data for Jan 1, 2020: nothing stored was published on or before that "
        f"day. The earliest day with data is {first.strftime('%b')} {first.day}, {first.year}."
    )
    # a day with data says nothing of the kind
    assert (n["no_data"], n["first_day"], n["note"]) == (False, None, "")


async def test_the_api_digest_of_an_empty_store(config, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import httpx

    from tests.web.conftest import api_token

    store = open_store(f"sqlite:///{tmp_path}/radar.db")
    app = create_app(config, store, clock=lambda: NOW)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        r = await c.get("/api/v1/digest", headers={"Authorization": f"Bearer {api_token('exec')}"})
    store.close()
    d = r.json()
    assert r.status_code == 200 and d["no_data"] is True and d["first_day"] is None
    assert d["note"].endswith("Nothing has been stored yet."), d["note"]
