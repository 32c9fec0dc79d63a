"""Executives: crisis summary, brand overview, daily digest; charts from vendored ECharts."""

from __future__ import annotations

import contextlib
import html
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta

import httpx
import pytest

from config.schema import RadarConfig
from index.base import SearchRequest, Store
from index.models import Complaint
from radar.web.app import create_app
from radar.web.schemas import Figures
from tests.web.conftest import CASE_ID, NOW, SEED, api_token, log_in, make_config, mention

pytestmark = pytest.mark.anyio
ASSETS = (
    "/static/vendor/echarts/echarts.min.js",
    "/static/charts.js",
    "/static/markers.js",
    "/static/vendor/swagger-ui/swagger-ui-bundle.js",
    "/static/app.css",
)
EXEC = {"Authorization": f"Bearer {api_token('exec')}"}
MIDNIGHT = datetime(2026, 11, 23, 16, 0, tzinfo=NOW.tzinfo)  # 11-24 00:00 in Shanghai
DIGEST_DAY = {"date": "2026-11-23"}


@pytest.fixture
def client_at(
    store: Store,
) -> Callable[..., contextlib.AbstractAsyncContextManager[httpx.AsyncClient]]:
    """``async with client_at(now, config) as c``: a client (not logged in) of an app on
    the test store whose clock reads ``now``, with ``config`` (default the test one)."""

    @contextlib.asynccontextmanager
    async def _client(
        now: datetime, config: RadarConfig | None = None
    ) -> AsyncIterator[httpx.AsyncClient]:
        app = create_app(config or make_config(), store, clock=lambda: now)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c

    return _client


@pytest.fixture
def alias_config() -> RadarConfig:
    """The test deployment with 极光SUV an alias of 极光汽车."""
    config = make_config()
    aurora = config.brands[0].model_copy(update={"aliases": ["极光SUV"]})
    return config.model_copy(update={"brands": [aurora, *config.brands[1:]]})


@pytest.fixture
def file_complaints(store: Store) -> Callable[..., None]:
    """``file_complaints((n, status, minutes_ago), …)``: 黑猫投诉 complaints about 极光汽车,
    filed that long before NOW, stored."""

    def _file(*rows: tuple[int, str, int]) -> None:
        complaints = []
        for n, status, minutes in rows:
            m = mention(n, f"极光汽车 投诉{n}", source="demo-tousu", minutes_ago=minutes)
            m.kind = "complaint"
            m.complaint = Complaint(status=status, company="极光汽车")
            complaints.append(m)
        store.upsert_mentions(complaints)

    return _file


@pytest.fixture
def digest_day(client_at) -> Callable[[], Awaitable[tuple[dict, str]]]:  # type: ignore[no-untyped-def]
    """``await digest_day()``: the API's digest and the digest page (zh_CN) of DIGEST_DAY,
    asked at 10:00 the day after."""

    async def _digest() -> tuple[dict, str]:
        async with client_at(MIDNIGHT + timedelta(hours=10), make_config("zh_CN")) as c:
            digest = (await c.get("/api/v1/digest", params=DIGEST_DAY, headers=EXEC)).json()
            await log_in(c, "exec")
            page = (await c.get("/digest", params=DIGEST_DAY)).text
        return digest, page

    return _digest


def chart_json(page: str) -> dict:
    m = re.search(r'<script type="application/json" id="chart-data">(.*?)</script>', page, re.S)
    assert m, "no chart data on the page"
    return json.loads(m.group(1))


async def test_case_summary_api_figures(anon: httpx.AsyncClient) -> None:
    s = (await anon.get(f"/api/cases/{CASE_ID}/summary", headers=EXEC)).json()
    f = s["figures"]
    assert f["brand"] == "极光汽车" and f["mentions"] == 5 and f["negative"] == 4
    assert f["sentiment"] == {"negative": 4, "positive": 1}
    assert f["sources"] == {"demo-weibo": 5}
    assert f["spreaders"][0]["name"] == "汽车大V"
    assert [m["kind"] for m in f["alert_moments"]] == ["alerted"]
    assert [e["kind"] for e in s["events"]] == ["alerted"]
    assert f["terms"] and all(t not in ("极光汽车",) for t, _ in f["terms"])


async def test_overview_all_brands_and_one(login, anon: httpx.AsyncClient) -> None:  # type: ignore[no-untyped-def]
    o = (await anon.get("/api/overview", params={"days": 7}, headers=EXEC)).json()
    assert o["figures"]["brands"]["极光汽车"]["mentions"] == 6
    assert o["figures"]["brands"]["清泉乳业"]["mentions"] == 1
    assert [c["id"] for c in o["cases"]] == [CASE_ID]
    one = (await anon.get("/api/overview", params={"brand": "清泉乳业"}, headers=EXEC)).json()
    assert one["figures"]["mentions"] == 1 and one["cases"] == []
    r = await anon.get("/api/overview", params={"brand": "无此品牌"}, headers=EXEC)
    assert r.status_code == 404 and "无此品牌" in r.json()["detail"]
    async with login("exec") as c:
        page = (await c.get("/overview")).text
        assert "All brands" in page and "清泉乳业" in page
        assert chart_json(page)["labels"]


async def test_digest_page_and_api(login, anon: httpx.AsyncClient) -> None:  # type: ignore[no-untyped-def]
    d = (await anon.get("/api/digest", headers=EXEC)).json()
    assert d
    async with login("exec") as c:
        r = await c.get("/digest")
        assert r.status_code == 200 and "极光汽车" in r.text
        r = await c.get("/digest", params={"date": "not-a-date"})
        assert r.status_code == 400
    for date in ("0001-01-01", "9999-12-31"):  # were 500s (time-zone arithmetic overflow)
        r = await anon.get("/api/digest", params={"date": date}, headers=EXEC)
        assert r.status_code == 400 and date in r.json()["detail"]


async def test_pages_load_nothing_from_other_hosts(login) -> None:  # type: ignore[no-untyped-def]
    async with login("admin") as c:
        for url in ("/search", "/cases", f"/cases/{CASE_ID}", f"/cases/{CASE_ID}/summary",
                    "/overview", "/digest", "/api/docs"):  # fmt: skip
            page = (await c.get(url)).text
            assert not re.search(r'src="(https?:)?//', page), url
            assert not re.search(r'<link[^>]+href="(https?:)?//', page), url
        for asset in ASSETS:
            assert (await c.get(asset)).status_code == 200


async def test_top_terms_api_is_cached(anon: httpx.AsyncClient, app, store) -> None:  # type: ignore[no-untyped-def]
    params = {"brand": "极光汽车", "since": "2026-11-22T10:00", "until": "2026-11-23T10:00"}
    r = await anon.get("/api/terms", params=params, headers=EXEC)
    assert r.status_code == 200
    body = r.json()
    words = dict(body["terms"])
    assert words["漏油"] == 4 and "极光汽车" not in words  # the brand's own name is no news
    assert body["since"] == "2026-11-22T02:00:00Z"
    # a new post within the cache's lifetime does not change the answer; a new window does
    store.upsert_mentions([mention(50, "极光汽车 漏油 漏油", minutes_ago=5)])
    assert (
        dict((await anon.get("/api/terms", params=params, headers=EXEC)).json()["terms"])["漏油"]
        == 4
    )
    later = {**params, "until": "2026-11-23T10:10"}
    fresh = (await anon.get("/api/terms", params=later, headers=EXEC)).json()
    assert dict(fresh["terms"])["漏油"] == 5
    r = await anon.get("/api/terms", params={**params, "until": "2026-11-21T00:00"}, headers=EXEC)
    assert r.status_code == 400


async def test_overview_counts_complaints_by_their_platform_status(  # type: ignore[no-untyped-def]
    login, anon: httpx.AsyncClient, file_complaints
) -> None:
    """黑猫投诉 complaints filed in the window, by the status the platform shows now."""
    file_complaints((901, "处理中", 60), (902, "处理中", 60), (903, "已完成", 60),
                    (904, "<b>已回复</b>", 60))  # fmt: skip
    o = (await anon.get("/api/overview", params={"brand": "极光汽车"}, headers=EXEC)).json()
    assert o["complaints"] == {"处理中": 2, "已完成": 1, "<b>已回复</b>": 1}
    other = (await anon.get("/api/overview", params={"brand": "清泉乳业"}, headers=EXEC)).json()
    assert other["complaints"] == {}
    async with login("exec") as c:
        page = (await c.get("/overview", params={"brand": "极光汽车"})).text
    assert "Complaint platforms" in page and "处理中 2" in page
    assert "&lt;b&gt;已回复&lt;/b&gt;" in page  # crawled text stays text


async def test_the_overviews_complaints_link_searches_its_own_window(  # type: ignore[no-untyped-def]
    login, file_complaints
) -> None:
    """The last day's complaints linked to the last 7 days' (range=7d): 4 complaints on
    the overview opened a search of 5 (real-browser walk of an executive)."""
    file_complaints(
        *((n, "处理中", minutes) for n, minutes in ((911, 60), (912, 120), (913, 600),
                                                  (914, 1200), (915, 3 * 1440)))
    )  # fmt: skip
    async with login("exec") as c:
        page = (await c.get("/overview", params={"brand": "极光汽车", "days": 1})).text
        assert "处理中 4" in page and "all 4 complaints →" in page
        links = re.findall(r'href="(/search\?q=kind%3Acomplaint[^"]*)"', page)
        assert len(links) == 1 and "range=" not in links[0]
        found = (await c.get(html.unescape(links[0]))).text
        assert re.search(r"\b4 mentions\b", found), found[:3000]
        assert 'data-id="demo-tousu:915"' not in found


def test_overview_chart_markers_close_together_go_on_different_rows() -> None:
    """The demo's overview printed 'P1 已预警' and 'P1 已升级' of one case over each other:
    moments of one point are one marker, close markers alternate rows (as on the brief)."""
    from radar.web.figures import chart_data
    from radar.web.schemas import AlertMoment

    def moment(minutes: int, kind: str) -> AlertMoment:
        at = NOW - timedelta(minutes=minutes)
        return AlertMoment(at=at, label=at.strftime("%H:%M"), case_id="c1", kind=kind,
                           severity="P1", title="t")  # fmt: skip

    # 15-minute points: 50 and 46 minutes ago share a point, 20 is two points later
    moments = [moment(50, "alerted"), moment(46, "escalated"), moment(20, "resolved")]
    figures = Figures(brand=None, since=NOW - timedelta(days=1), until=NOW, interval_seconds=900,
                      mentions=0, stories=0, reach=0, negative=0, negative_share=0.0,
                      sentiment={}, sources={}, series=[], alert_moments=moments,
                      spreaders=[], terms=[])  # fmt: skip
    drawn = chart_data(figures)["moments"]
    assert [m["text"] for m in drawn] == ["P1 alerted · P1 escalated", "P1 resolved"]
    assert drawn[0]["row"] != drawn[1]["row"]


async def test_overview_counts_what_a_search_of_its_window_counts(store, client_at) -> None:  # type: ignore[no-untyped-def]
    """The overview's mentions and stories over the window it shows are the search's over
    that window: a story whose copies span several chart points was counted once per point
    (the demo's day: 8,277 stories on the overview, 7,796 on the search page), and the
    window counted was widened to whole minutes while the one shown was not."""
    first = mention(700, "极光汽车 异响 同一件事", minutes_ago=5)
    copies = [
        mention(701 + i, "转发 极光汽车 异响 同一件事", minutes_ago=45 + 40 * i).model_copy(
            update={"repost_of": first.id, "cluster_id": first.id}
        )
        for i in range(3)
    ]
    store.upsert_mentions([first, *copies])
    async with client_at(NOW + timedelta(seconds=30)) as c:
        r = await c.get("/api/v1/overview", params={"days": 1}, headers=EXEC)
    f = r.json()["figures"]
    since, until = (datetime.fromisoformat(f[k]) for k in ("since", "until"))
    found = store.search(SearchRequest(since=since, until=until, limit=1, group_stories=True))
    assert (f["mentions"], f["stories"]) == (found.total, found.stories)
    assert since.second == 0 and until.second == 0  # the minutes the figures were counted over


async def test_every_brands_overview_counts_a_post_naming_two_brands_once(  # type: ignore[no-untyped-def]
    store, anon: httpx.AsyncClient
) -> None:
    """The totals, the sentiment breakdown and the series of all brands count each mention
    once (as the search of the window does); each brand's row counts it for that brand."""
    from index.models import BrandMatch

    both = mention(800, "极光汽车 和 清泉酸奶 都出问题了", minutes_ago=10)
    both.brands.append(BrandMatch(brand="清泉乳业", keywords=["清泉酸奶"]))
    store.upsert_mentions([both])
    o = (await anon.get("/api/overview", params={"days": 1}, headers=EXEC)).json()
    f = o["figures"]
    since, until = (datetime.fromisoformat(f[k]) for k in ("since", "until"))
    found = store.search(SearchRequest(since=since, until=until, limit=1))
    assert f["mentions"] == found.total == 7  # six seeded in the day, and this one
    assert sum(f["sentiment"].values()) == 7
    assert sum(p["total"] for p in f["series"]) == 7
    assert f["brands"]["极光汽车"]["mentions"] == 6 and f["brands"]["清泉乳业"]["mentions"] == 2


async def test_the_overview_terms_and_report_take_a_brands_alias(client_at, alias_config) -> None:  # type: ignore[no-untyped-def]
    """A brand's alias names the brand on the overview, its terms and its report, as it
    does in search and corrections (it answered 404 "not configured"); a name that is
    neither is still named in the 404."""
    async with client_at(NOW + timedelta(seconds=30), alias_config) as c:
        by_alias = await c.get("/api/v1/overview", params={"brand": "极光SUV"}, headers=EXEC)
        by_name = await c.get("/api/v1/overview", params={"brand": "极光汽车"}, headers=EXEC)
        terms = await c.get(
            "/api/v1/terms",
            params={"brand": "极光suv", "since": "2026-11-22T00:00:00+08:00",
                    "until": "2026-11-23T12:00:00+08:00"},
            headers=EXEC,
        )  # fmt: skip
        unknown = await c.get("/api/v1/overview", params={"brand": "极光摩托"}, headers=EXEC)
    assert by_alias.status_code == 200, by_alias.text
    assert by_alias.json()["figures"] == by_name.json()["figures"]
    assert terms.status_code == 200, terms.text
    assert unknown.status_code == 404 and "极光摩托" in unknown.text


async def test_the_overview_page_of_an_alias_is_headed_by_its_brand(
    client_at, alias_config
) -> None:  # type: ignore[no-untyped-def]
    """/overview?brand=极光SUV showed 极光汽车's figures headed '极光SUV', the brand picker on
    全部品牌 and the report links for the alias."""
    async with client_at(NOW + timedelta(seconds=30), alias_config) as c:
        await log_in(c, "exec")
        page = (await c.get("/overview", params={"brand": "极光SUV"})).text
    assert "<h1>极光汽车</h1>" in page, page
    assert '<option value="极光汽车" selected>' in page
    assert "brand=%E6%9E%81%E5%85%89%E6%B1%BD%E8%BD%A6" in page  # the report links


async def test_the_digest_date_picker_shows_the_day_and_offers_only_full_days(login) -> None:  # type: ignore[no-untyped-def]
    """The picker stood empty (mm/dd/yyyy) over the digest it showed, and offered today,
    which is an error page ('date: … is not over yet')."""
    async with login("exec") as c:
        page = (await c.get("/digest")).text
        earlier = (await c.get("/digest", params={"date": "2026-11-20"})).text
    picker = re.search(r'<input type="date" name="date" value="([^"]*)" max="([^"]*)"', page)
    assert picker and picker.groups() == ("2026-11-22", "2026-11-22"), page  # NOW: 11-23 10:00
    assert 'value="2026-11-20" max="2026-11-22"' in earlier


async def test_the_overviews_timeline_names_its_cases_not_their_ids(login) -> None:  # type: ignore[no-untyped-def]
    """Each line of the handling timeline linked its case by id ('c20261204-1712-58a604',
    the demo): an executive reads the case by severity, brand and what it is about."""
    async with login("exec") as c:
        page = (await c.get("/overview", params={"days": 7})).text
    timeline = page.split('class="timeline"')[1].split("</ol>")[0]
    links = re.findall(rf'<a href="/cases/{CASE_ID}" title="{CASE_ID}">([^<]*)</a>', timeline)
    assert links and set(links) == {"P1 极光汽车 · Negative surge"}, timeline


async def test_the_overviews_timeline_names_a_source_case_by_its_title(login, store) -> None:  # type: ignore[no-untyped-def]
    """A source-health case read 'P3 source:demo-tieba · 数据源异常' in the overview's
    handling timeline (the case's brand key): it is the source as the rest of the page
    names it."""
    from alerts.trigger import CaseTrigger
    from index.models import Case, CaseEvent, Severity

    case = Case(id="case-src", brand="source:demo-tieba", rule="source_health",
                severity=Severity.P3, opened_at=NOW - timedelta(minutes=20))  # fmt: skip
    trig = CaseTrigger.of(case)
    trig.rules["source_health"] = {
        "source": "demo-tieba", "source_title": "百度贴吧（演示）", "state": "paused",
        "reason": "captcha", "paused_until": "",
    }  # fmt: skip
    trig.save_to(case)
    store.save_case(case)
    store.append_case_event(CaseEvent(case_id=case.id, at=NOW - timedelta(minutes=20),
                                      kind="alerted", text="P3 paused"))  # fmt: skip
    async with login("exec") as c:
        page = (await c.get("/overview", params={"days": 1})).text
        board = (await c.get("/cases")).text
        case_page = (await c.get("/cases/case-src")).text
        brief = (await c.get("/cases/case-src/summary")).text
    timeline = page.split('class="timeline"')[1].split("</ol>")[0]
    links = re.findall(r'<a href="/cases/case-src" title="case-src">([^<]*)</a>', timeline)
    assert links and "source:" not in links[0] and "百度贴吧（演示）" in links[0], timeline
    # the board's brand column, the case page and the brief too (no 'source:demo-tieba',
    # and no link to 'every negative mention of source:demo-tieba')
    row = board.split('href="/cases/case-src"')[1].split("</tr>")[0]
    assert "百度贴吧（演示）" in row and "source:" not in row, row
    info = case_page.split('<p class="caseinfo">')[1].split("</p>")[0]
    assert info.startswith("source 百度贴吧（演示） ·"), info
    assert "Every negative mention of" not in case_page
    assert "source:demo-tieba" not in brief.split("<main>")[1], brief


async def test_the_overviews_stories_and_the_digests_count_a_comment_in_its_posts_story(
    store, client_at, digest_day
) -> None:  # type: ignore[no-untyped-def]
    """The overview's 话题数 counted each comment as a story of its own, the digest (the
    alert engine's count_buckets) in its post's story: a post, its repost and 5 comments
    under it read 6 话题 on the overview, 1 in the digest. Over the digest's day both say
    the same, on the page and in the API."""
    post = mention(900, "极光汽车 车机 黑屏 三次了", minutes_ago=30)
    repost = mention(901, "转发 极光汽车 车机 黑屏 三次了", minutes_ago=25).model_copy(
        update={"repost_of": post.id, "cluster_id": post.id}
    )
    comments = [
        mention(910 + i, f"我的 极光汽车 也黑屏 {i}", minutes_ago=20 - i).model_copy(
            update={"kind": "comment", "parent_id": post.id}
        )
        for i in range(5)
    ]
    store.upsert_mentions([post, repost, *comments])
    digest, digest_page = await digest_day()
    async with client_at(MIDNIGHT, make_config("zh_CN")) as c:
        params = {"brand": "极光汽车", "days": 1}
        overview = (await c.get("/api/v1/overview", params=params, headers=EXEC)).json()
        await log_in(c, "exec")
        page = (await c.get("/overview", params=params)).text
    f = overview["figures"]
    window = [datetime.fromisoformat(w) for w in (f["since"], f["until"])]
    assert window == [datetime.fromisoformat(digest[k]) for k in ("since", "until")]
    seeded = len([m for m in SEED if m.brand_names == ["极光汽车"] and m.published_at > NOW
                  - timedelta(days=1)])  # fmt: skip
    stories = seeded + 1  # the post and its repost: one story; the comments: none
    assert digest["brands"]["极光汽车"]["stories"] == f["stories"] == stories
    assert f["mentions"] == seeded + 7 == digest["brands"]["极光汽车"]["mentions"]
    assert f"<div><b>{stories}</b><span>话题数</span></div>" in page
    row = digest_page.split("极光汽车</a>")[1].split("</tr>")[0]
    assert re.findall(r"<td[^>]*>([^<]*)</td>", row)[-2] == str(stories), row


async def test_the_digest_counts_the_days_stories_as_the_overview(  # type: ignore[no-untyped-def]
    store, client_at, digest_day
) -> None:
    """The digest summed the alert engine's hourly new stories: a post and its repost
    three hours later read 2 stories, and angry comments under a post of two days ago
    read 0 (an hour of comments only has no new story) where the overview read 1. The
    digest now counts the day's distinct stories as the overview (and the brief and the
    search page) do, on the page and in the API."""
    post = mention(930, "极光汽车 座椅 异味 很大", minutes_ago=300)
    repost = mention(931, "转发 极光汽车 座椅 异味 很大", minutes_ago=60).model_copy(
        update={"repost_of": post.id, "cluster_id": post.id}
    )
    old = mention(940, "清泉酸奶 新包装", brand="清泉乳业", label="neutral",
                  minutes_ago=2 * 24 * 60)  # fmt: skip
    comments = [
        mention(941 + i, f"清泉酸奶 喝完拉肚子 {i}", brand="清泉乳业", minutes_ago=20 + 90 * i)
        .model_copy(update={"kind": "comment", "parent_id": old.id})
        for i in range(3)
    ]  # fmt: skip
    store.upsert_mentions([post, repost, old, *comments])
    digest, digest_page = await digest_day()
    async with client_at(MIDNIGHT, make_config("zh_CN")) as c:
        for brand in ("极光汽车", "清泉乳业"):
            params = {"brand": brand, "days": 1}
            f = (await c.get("/api/v1/overview", params=params, headers=EXEC)).json()["figures"]
            assert (f["since"], f["until"]) == (digest["since"], digest["until"])
            since = datetime.fromisoformat(f["since"])
            seeded = [m for m in SEED if m.brand_names == [brand] and since <= m.published_at]
            # the seeded posts, and the post with its repost or the old post's comments
            assert digest["brands"][brand]["stories"] == f["stories"] == len(seeded) + 1, brand
            row = digest_page.split(f"{brand}</a>")[1].split("</tr>")[0]
            assert re.findall(r"<td[^>]*>([^<]*)</td>", row)[-2] == str(f["stories"]), row
