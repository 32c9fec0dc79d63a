"""Data health in sight: a source with no complete crawl for a while is a banner on every
page; the digest and the overview mark hours whose collection was incomplete and show no
growth against them; the digest's day is midnight to midnight in the deployment's zone,
for the default and a picked date alike, and lists only cases opened by its end."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from alerts.coverage import collection_gaps, stale_sources
from config.sources import SourceConfig
from index.base import Store
from index.models import Case, Severity
from radar.web.app import create_app
from radar.web.digest import day_end
from tests.web.conftest import NOW, log_in, make_config

pytestmark = pytest.mark.anyio

WEIBO = SourceConfig(
    name="demo-weibo",
    kind="weibo",
    base_url="http://127.0.0.1:8765",
    interval=600,
    query=["极光汽车"],
)


def crawled(store: Store, *ends: datetime) -> None:
    for end in ends:
        store.record_crawl_run(
            "demo-weibo",
            {"finished_at": end.isoformat(), "completed": True, "finish_reason": "finished"},
        )


def every_ten_minutes(since: datetime, until: datetime) -> list[datetime]:
    out, at = [], since
    while at < until:
        out.append(at)
        at += timedelta(minutes=10)
    return out


def config_with_source():  # type: ignore[no-untyped-def]
    config = make_config()
    return config.model_copy(update={"sources": [WEIBO]})


def test_hours_before_the_first_crawl_are_gaps(store: Store) -> None:
    start = datetime(2026, 11, 22, 0, 0, tzinfo=UTC)
    crawled(store, *every_ten_minutes(start + timedelta(hours=20), start + timedelta(hours=24)))
    gaps = collection_gaps(store, [("demo-weibo", 600)], start, start + timedelta(hours=24))
    # a crawl collects the hour before it: the first one (20:00) covers 19:00-20:00
    assert sorted(gaps) == [start + timedelta(hours=h) for h in range(19)]
    assert gaps[start] == ["demo-weibo"]
    # a source that never ran is not judged
    assert collection_gaps(store, [("demo-tieba", 600)], start, start + timedelta(hours=24)) == {}


def test_a_first_crawl_that_read_back_a_day_collected_that_day(store: Store) -> None:
    start = datetime(2026, 11, 22, 0, 0, tzinfo=UTC)
    first = start + timedelta(hours=20, minutes=5)
    store.record_crawl_run(
        "demo-weibo",
        {
            "finished_at": first.isoformat(),
            "completed": True,
            "read_from": (first - timedelta(hours=26)).isoformat(),
        },
    )
    crawled(store, *every_ten_minutes(first + timedelta(minutes=10), start + timedelta(hours=24)))
    assert collection_gaps(store, [("demo-weibo", 600)], start, start + timedelta(hours=24)) == {}
    # the day before: read back from 18:05, so 18:00 and earlier were not read
    before = collection_gaps(store, [("demo-weibo", 600)], start - timedelta(days=1), start)
    assert sorted(before) == [start - timedelta(days=1) + timedelta(hours=h) for h in range(19)]


@pytest.mark.parametrize(
    "run",
    [
        {"completed": False},  # blocked or killed: what it read is not all there
        {"completed": True, "pages_lost": 2},  # some posts in the range were not read
        {"completed": True},  # a run that stored no listed post read nothing back
    ],
)
def test_a_read_back_counts_only_when_every_post_in_it_was_read(
    store: Store, run: dict[str, object]
) -> None:
    start = datetime(2026, 11, 22, 0, 0, tzinfo=UTC)
    end = start + timedelta(hours=20, minutes=5)
    read_from = {"read_from": start.isoformat()} if run != {"completed": True} else {}
    store.record_crawl_run("demo-weibo", {"finished_at": end.isoformat(), **read_from, **run})
    gaps = collection_gaps(store, [("demo-weibo", 600)], start, start + timedelta(hours=20))
    expected = 20 if not run["completed"] else 19  # a complete run collects the hour before
    assert len(gaps) == expected


def test_a_source_without_a_complete_crawl_is_stale(store: Store) -> None:
    config = config_with_source()
    crawled(store, NOW - timedelta(minutes=5))
    assert stale_sources(config, store, NOW) == []
    assert [h.source for h in stale_sources(config, store, NOW + timedelta(hours=1))] == [
        "demo-weibo"
    ]


async def test_stale_source_banner_on_every_page(store: Store) -> None:
    crawled(store, NOW - timedelta(hours=2))
    app = create_app(config_with_source(), store, clock=lambda: NOW)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        await log_in(c, "admin")
        for page in ("/search", "/cases", "/overview", "/digest"):
            r = await c.get(page)
            assert r.status_code == 200, page
            assert "demo-weibo" in r.text and "no complete crawl since" in r.text, page


async def test_digest_shows_no_growth_against_a_partly_collected_day(store: Store) -> None:
    # the service started crawling at 20:00 (Shanghai) on the day before the digest's day
    end = day_end(NOW, "Asia/Shanghai")  # NOW's local midnight
    crawled(store, *every_ten_minutes(end - timedelta(hours=28), NOW))
    app = create_app(config_with_source(), store, clock=lambda: NOW)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        await log_in(c, "exec")
        api = (await c.get("/api/digest")).json()
        page = (await c.get("/digest")).text
        overview = (await c.get("/overview", params={"days": 7})).text
    assert api["incomplete"]["day"] == []
    assert len(api["incomplete"]["previous"]) == 19
    assert all(b["negative_change"] is None for b in api["brands"].values())
    assert "not fully collected" in page and "not comparable" in page
    # no mention stored for the uncollected day: its columns read —, not 0
    rows = page.split("<tbody>")[1].split("</tbody>")[0]
    pairs = re.findall(r"<td[^>]*>0</td><td[^>]*>—</td>", rows)
    assert len(pairs) == 2 * rows.count("<tr>") > 0  # both columns
    assert "Collection was incomplete" in overview


async def test_digest_day_is_midnight_to_midnight_and_lists_cases_opened_by_then(
    store: Store,
) -> None:
    store.save_case(
        Case(
            id="later",
            brand="极光汽车",
            rule="negative_surge",
            severity=Severity.P2,
            title="opened after the day",
            opened_at=day_end(NOW, "Asia/Shanghai") + timedelta(hours=1),
        )
    )
    app = create_app(make_config(), store, clock=lambda: NOW)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        await log_in(c, "exec")
        default = (await c.get("/api/digest")).json()
        picked = (await c.get("/api/digest", params={"date": "2026-11-22"})).json()
        today = await c.get("/api/digest", params={"date": "2026-11-23"})
    # NOW is 2026-11-23 in Shanghai: the default is the last full day, 11-22, as picked
    assert default["since"] == picked["since"] == "2026-11-21T16:00:00Z"
    assert default["until"] == picked["until"] == "2026-11-22T16:00:00Z"
    assert today.status_code == 400 and "not over yet" in today.json()["detail"]
    assert "later" not in [c["id"] for c in default["open_cases"]]


def test_the_brand_report_shows_no_change_against_a_partly_collected_period(
    store: Store,
) -> None:
    """The demo's first daily report read '较上一周期 +2361%' against a day it had not
    crawled (the digest said 'not comparable'); now it says the period before was not
    fully collected, and which hours of its own were not."""
    from radar.web.render import Formatter
    from radar.web.report import brand_report
    from tests.web.conftest import mention

    store.upsert_mentions([mention(900, "极光X7 前一天的帖子", minutes_ago=26 * 60)])
    crawled(store, *every_ten_minutes(NOW - timedelta(hours=30), NOW))  # from 6 h before

    def volume(sources: list[tuple[str, float]]) -> str:
        report = brand_report(store, Formatter("Asia/Shanghai"), "极光汽车", 1, NOW, "", sources)
        return report.claims[0][1]

    assert "against the period before" in volume([])  # nothing known of the collection
    said = volume([("demo-weibo", 600)])
    assert "against the period before" not in said
    assert "The period before was not fully collected" in said
    assert "Collection was incomplete" not in said  # the day itself was collected
