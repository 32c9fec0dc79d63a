"""Every spider against the fixture server: paging, long text, reposts, relative dates,
comments, ban/captcha/login pages, a malformed page, an empty result, truncated search,
and an incremental second run."""

from __future__ import annotations

import json
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from click.testing import CliRunner

from radar.cli import cli
from tests.crawlers.conftest import Scenario, mentions
from tests.crawlers.mockserver import MockServer

Runs = dict[str, dict[str, Any]]
Scenarios = dict[str, Scenario]


def _started(run: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(run["started_at"])


# -- weibo ---------------------------------------------------------------------------------
def test_weibo_search_pages_through_results(first_runs: Runs, scenarios: Scenarios) -> None:
    run = first_runs["t-weibo"]
    assert run["completed"], run["_log"][-3000:]
    assert run["errors"]["total"] == 0
    assert not run["truncated"]
    found = mentions(scenarios["t-weibo"])
    # both pages of 极光汽车 and the page of 清泉乳业 were read
    assert "t-weibo:4910000000000116" in found  # last post of page 2
    assert "t-weibo:4920000000000202" in found
    # brand exclusions: 北极光 and 清泉石上流 posts are dropped and counted
    assert "t-weibo:4910000000000105" not in found
    assert "t-weibo:4920000000000203" not in found
    assert run["items"]["dropped_no_brand"] == 2
    post = found["t-weibo:4910000000000102"]
    assert post.brands[0].brand == "极光汽车" and post.brands[0].keywords == ["极光4S店"]
    assert post.author.name == "夜跑的猫" and post.author.followers == 45
    assert post.sentiment is not None
    assert post.url.endswith("/status/4910000000000102")


def test_weibo_text_keeps_emoticons_and_long_text(scenarios: Scenarios, first_runs: Runs) -> None:
    found = mentions(scenarios["t-weibo"])
    assert found["t-weibo:4910000000000101"].text == "极光汽车的新车机更新后流畅多了，点赞[赞]"
    long = found["t-weibo:4910000000000103"]
    assert long.text.endswith("希望极光汽车能重视老车主的反馈。")
    assert "全文" not in long.text and "<" not in long.text
    assert first_runs["t-weibo"]["items"]["long_texts"] == 1
    # display counts: "1.2万" reposts, "100万+" likes, "128万" followers
    assert long.engagement.reposts == 12_000 and long.engagement.likes == 1_000_000
    assert found["t-weibo:4900000000000001"].author.followers == 1_280_000


def test_weibo_long_text_that_fails_is_a_lost_page(first_runs: Runs, scenarios: Scenarios) -> None:
    """statuses/extend answering ``{"ok": 0}``: the short text is stored, and the page is
    lost, so the watermark holds for the next run to fetch the long text again."""
    run = first_runs["t-weibo-real"]
    assert run["completed"] and run["errors"]["unparsable"] == 1
    assert run["pages_lost"] == 1 and run["watermark_held"]
    post = mentions(scenarios["t-weibo-real"])["t-weibo-real:4980000000000001"]
    assert post.text.startswith("提车三个月") and "全文" not in post.text
    with scenarios["t-weibo-real"].store() as store:
        assert (store.get_cursor("t-weibo-real") or {}).get("watermark") is None


def test_weibo_video_card_labels_are_not_text(first_runs: Runs, scenarios: Scenarios) -> None:
    """The "<uploader>的秒拍视频" label of an embedded video card is not the poster's words:
    the uploader 极光汽车官方 does not make the post a 极光汽车 mention."""
    found = mentions(scenarios["t-weibo-real"])
    post = found["t-weibo-real:4980000000000002"]
    assert post.text == "星辰手机发布会现场太热闹了"
    assert post.brand_names == ["星辰手机"]
    assert "t-weibo-real:4980000000000003" not in found  # only the card named a brand
    assert first_runs["t-weibo-real"]["items"]["dropped_no_brand"] == 1


def test_weibo_relative_dates(scenarios: Scenarios, first_runs: Runs) -> None:
    found = mentions(scenarios["t-weibo"])
    t0 = _started(first_runs["t-weibo"])
    slack = timedelta(minutes=3)
    # the fixture's posts were written at the server's start minus their age; a loaded
    # machine can start this crawl minutes after the server, so times the site shows as
    # instants are checked against the server's clock (the full-form post, exact to the
    # second, 5 days before it) and "刚刚" / "N小时前" against the crawl's
    server_start = found["t-weibo:4910000000000115"].published_at + timedelta(days=5)
    assert timedelta(0) <= t0 - server_start < timedelta(hours=1)

    def near(mid: str, at: datetime) -> bool:
        return abs(found[f"t-weibo:{mid}"].published_at - at) <= slack

    assert near("4910000000000101", t0)  # 刚刚: when it was read
    assert near("4910000000000102", server_start - timedelta(minutes=5))  # 5分钟前
    assert near("4910000000000103", t0 - timedelta(hours=15))  # 15小时前 (hour precision)
    # 昨天 HH:MM
    assert near("4910000000000106", server_start - timedelta(days=1, hours=1))
    # "MM-DD" and "YYYY-MM-DD": the local date is right, time is midnight Asia/Shanghai
    cst = timedelta(hours=8)
    for mid, days in (("4910000000000111", 3), ("4910000000000114", 4)):
        local = found[f"t-weibo:{mid}"].published_at + cst
        assert local.date() == (t0 + cst - timedelta(days=days)).date()
        assert (local.hour, local.minute) == (0, 0)


def test_weibo_reposts_join_the_original_story(scenarios: Scenarios, first_runs: Runs) -> None:
    found = mentions(scenarios["t-weibo"])
    original = "t-weibo:4900000000000001"
    assert original in found  # the retweeted_status is stored as its own mention
    storm = [m for m in found.values() if m.repost_of == original]
    assert len(storm) == 6  # 104, 108, 109, 111, 112, 113
    assert {m.cluster_id for m in storm} == {original}
    assert found[original].cluster_id == original
    # "转发微博" names no brand itself: it belongs to the original's brand
    assert found["t-weibo:4910000000000104"].brand_names == ["极光汽车"]
    assert "//@维权群主" in found["t-weibo:4910000000000108"].text
    # the original appears under six reposts but is one mention
    assert first_runs["t-weibo"]["items"]["duplicate"] >= 5
    # copy-paste with an added "！！" is a near-duplicate: the one published first (110,
    # 38 minutes before, listed after it as a search page lists newest first) is the
    # original, whatever the order they were crawled in
    copy = found["t-weibo:4910000000000107"]
    assert copy.repost_of == "t-weibo:4910000000000110"
    assert copy.cluster_id == "t-weibo:4910000000000110"


def test_weibo_comments_follow_hotflow_paging(scenarios: Scenarios) -> None:
    found = mentions(scenarios["t-weibo"])
    post = "t-weibo:4910000000000102"
    comments = {m.id for m in found.values() if m.parent_id == post}
    # page 1 (two comments + one nested reply) and page 2 (max_id) of hotflow
    assert comments == {
        "t-weibo:4950000000000001",
        "t-weibo:4950000000000002",
        "t-weibo:4950000000000009",
        "t-weibo:4950000000000003",
    }
    reply = found["t-weibo:4950000000000009"]
    assert reply.kind == "reply" and reply.text == "回复@通勤族阿杰:一样"
    # comments that name no brand belong to the brand of their post
    assert found["t-weibo:4950000000000003"].brand_names == ["极光汽车"]
    assert found["t-weibo:4950000000000003"].text == "我上次也是等了好久[泪]"


def test_weibo_timeline_with_pinned_post(scenarios: Scenarios, first_runs: Runs) -> None:
    assert first_runs["t-timeline"]["completed"]
    found = mentions(scenarios["t-timeline"])
    assert {m.native_id for m in found.values() if m.kind == "post"} >= {
        "4940000000000001",
        "4940000000000002",
        "4940000000000003",
        "4940000000000004",
    }
    assert "t-timeline:4950000000000005" in found  # a comment of the timeline post


def test_cookies_and_headers_come_from_env_vars(first_runs: Runs, scenarios: Scenarios) -> None:
    run = first_runs["t-auth"]  # the site redirects to its login page without them
    assert run["completed"] and run["blocked"] is None, run["_log"][-2000:]
    assert "t-auth:4920000000000201" in mentions(scenarios["t-auth"])
    assert "test-cookie" not in scenarios["t-auth"].config.read_text(encoding="utf-8")


def test_truncated_search_is_reported(first_runs: Runs) -> None:
    run = first_runs["t-trunc"]
    reasons = {t["reason"] for t in run["truncation"]}
    assert run["truncated"] and reasons == {"results_omitted", "site_limit"}
    assert run["items"]["new"] == 20
    cap = first_runs["t-cap"]
    assert cap["truncated"] and [t["reason"] for t in cap["truncation"]] == ["page_cap"]
    assert cap["pages"] == 1


def test_empty_result_is_not_an_error(first_runs: Runs) -> None:
    run = first_runs["t-empty"]
    assert run["completed"] and run["pages"] == 1
    assert run["items"]["new"] == 0 and run["errors"]["total"] == 0 and not run["truncated"]


def test_malformed_page_is_counted_and_logged(first_runs: Runs, scenarios: Scenarios) -> None:
    run = first_runs["t-bad"]
    assert run["errors"]["unparsable"] == 1
    assert "unparsable page" in run["_log"] and "/weibo-bad/api/container/getIndex" in run["_log"]
    assert run["items"]["new"] > 0  # page 1 was kept
    assert run["completed"]


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("t-ban", "http_418"),
        ("t-login", "login"),
        ("t-captcha", "captcha"),
        ("t-abnormal", "ban"),  # m.weibo.cn "404错误" page: 帐号存在异常 (20003)
        ("t-busy", "rate_limited"),  # m.weibo.cn 网络繁忙 page
        ("t-sso", "login"),  # GBK login page refreshing to weibo.com/ajaxlogin.php
    ],
)
def test_block_pages_pause_the_source(
    first_runs: Runs, scenarios: Scenarios, source: str, reason: str
) -> None:
    run = first_runs[source]
    assert not run["completed"]
    assert run["blocked"] == reason and run["finish_reason"] == f"blocked_{reason}"
    with scenarios[source].store() as store:
        (health,) = store.get_source_health(source)
        assert health.state == "paused" and health.reason == reason
        assert health.paused_until is not None and health.paused_until > datetime.now(UTC)
        # the cursor did not move: the next run crawls everything again
        assert (store.get_cursor(source) or {}).get("watermark") is None
        assert store.crawl_runs(source)[0]["blocked"] == reason


@pytest.mark.parametrize("source", ["t-abnormal", "t-busy"])
def test_weibo_error_pages_are_blocks_not_unparsable(first_runs: Runs, source: str) -> None:
    """m.weibo.cn answers page 2 with an HTML error page (HTTP 200): the source is paused
    with the page's message, not "completed, 0 items" with an unparsable page."""
    run = first_runs[source]
    assert run["errors"]["unparsable"] == 0 and not run["completed"]
    assert run["items"]["new"] > 0  # page 1 came before it
    assert "存在异常" in run["blocked_detail"] or "网络繁忙" in run["blocked_detail"]


def test_no_request_leaves_the_sources_hosts(
    first_runs: Runs, scenarios: Scenarios, mockserver: MockServer
) -> None:
    """The sources' base_url host is 127.0.0.1; a login page refreshing to localhost, a
    redirect to localhost and a feed article on localhost are never requested there."""
    with urllib.request.urlopen(mockserver.url("_seen"), timeout=10) as answer:
        seen = json.load(answer)
    assert seen and all(host.startswith("127.0.0.1:") for host, _ in seen), [
        s for s in seen if not s[0].startswith("127.0.0.1:")
    ]
    sso = first_runs["t-sso"]
    assert sso["finish_reason"] == "blocked_login" and sso["pages"] == 0
    assert "retcode=101" in sso["_log"] or "新浪通行证" in sso["blocked_detail"]
    # the redirect off the source: not followed, and page 2 counts as lost
    offsite = first_runs["t-offsite"]
    assert offsite["offsite"] == 1 and offsite["pages_lost"] == 1
    assert offsite["watermark_held"] and offsite["items"]["new"] > 0
    assert "is not one of this source's" in offsite["_log"]
    # the feed entry whose article is elsewhere keeps its summary
    feed = first_runs["t-feed-offsite"]
    assert feed["completed"] and feed["errors"]["total"] == 0 and not feed["pages_lost"]
    (entry,) = mentions(scenarios["t-feed-offsite"]).values()
    assert entry.text == "极光汽车召回部分车型……"


def test_ban_keeps_what_was_stored_before_it(first_runs: Runs, scenarios: Scenarios) -> None:
    assert first_runs["t-ban"]["items"]["new"] > 0  # page 1 came before the 418
    with scenarios["t-ban"].store() as store:
        (health,) = store.get_source_health("t-ban")
        assert health.detail["pause_seconds"] == 600


def test_radar_crawl_skips_a_paused_source(first_runs: Runs, scenarios: Scenarios) -> None:
    result = CliRunner().invoke(cli, ["crawl", "t-ban", "--config", str(scenarios["t-ban"].config)])
    assert result.exit_code == 1
    assert "paused until" in result.output and "http_418" in result.output
    result = CliRunner().invoke(
        cli, ["crawl", "t-ban", "--config", str(scenarios["t-ban"].config), "--json"]
    )
    assert result.exit_code == 1 and '"skipped": "paused"' in result.output


def test_radar_crawl_config_errors_exit_2(scenarios: Scenarios) -> None:
    result = CliRunner().invoke(cli, ["crawl", "nope", "--config", str(scenarios["t-ban"].config)])
    assert result.exit_code == 2 and "no source named 'nope'" in result.output


# -- forums --------------------------------------------------------------------------------
def test_tieba_threads_floors_and_paging(first_runs: Runs, scenarios: Scenarios) -> None:
    run = first_runs["t-tieba"]
    assert run["completed"] and run["errors"]["total"] == 0, run["_log"][-3000:]
    found = mentions(scenarios["t-tieba"])
    first = found["t-tieba:150000000001"]
    assert first.kind == "post" and first.title == "极光X7提车一个月，说说优缺点"
    assert first.text == "提车一个月，极光X7空间很大，但是车机偶尔卡顿。\n总体满意。"
    assert first.author.name == "老司机小王" and first.author.id == "3100000001"
    assert first.published_at == datetime(2026, 1, 5, 8, 56, tzinfo=UTC)  # 16:56 +08:00
    # page 2 of the thread, and a floor that names no brand belongs to its thread
    reply = found["t-tieba:150000000005"]
    assert reply.kind == "reply" and reply.brand_names == ["极光汽车"]
    assert reply.parent_id == "t-tieba:150000000001"
    # the list's second page (pn=50) was read; the 北极光 thread was dropped
    assert "t-tieba:150000000031" in found
    assert "t-tieba:150000000021" not in found


def test_tieba_smileys_photos_and_shown_names(first_runs: Runs, scenarios: Scenarios) -> None:
    """Real Tieba floors: a client smiley (no alt) is kept as its name, so a smiley-only
    floor is not dropped; a photo is the mark "[图片]" (an image-only floor is stored as
    such, never as the page's "点击展开，查看完整图片" tip); the author is the name the
    page shows, not the hidden account name in data-field."""
    run = first_runs["t-tieba-real"]
    assert run["completed"] and run["errors"]["total"] == 0, run["_log"][-3000:]
    assert run["items"]["dropped_empty"] == 0
    found = mentions(scenarios["t-tieba-real"])
    first = found["t-tieba-real:160000000001"]
    assert first.text == "雨天刹车吱吱响，去了两次4S店都说正常[泪]"
    assert first.author.name == "章景轩" and first.author.id == "3424043879"
    smileys = found["t-tieba-real:160000000002"]
    assert smileys.text == "[怒][怒]" and smileys.author.name == "森歌の友"
    assert smileys.brand_names == ["极光汽车"]  # from its thread
    photo = found["t-tieba-real:160000000003"]
    assert photo.text == "[图片]" and photo.kind == "reply"
    assert found["t-tieba-real:160000000004"].text == "看图是刹车片磨损[图片]"
    assert all("点击展开" not in m.text for m in found.values())


def test_discuz_threads(first_runs: Runs, scenarios: Scenarios) -> None:
    run = first_runs["t-discuz"]
    assert run["completed"] and run["errors"]["total"] == 0, run["_log"][-3000:]
    found = mentions(scenarios["t-discuz"])
    assert found["t-discuz:9001"].title == "星辰手机S3续航实测"
    assert found["t-discuz:9001"].published_at == datetime(2026, 1, 5, 4, 0, tzinfo=UTC)
    # quote and edit note removed; relative time read from the span title
    assert found["t-discuz:9003"].text == "关掉后台刷新会好很多"
    assert found["t-discuz:9004"].text == "补充：系统更新后续航有提升"
    assert found["t-discuz:9004"].published_at == datetime(2026, 1, 5, 6, 0, tzinfo=UTC)
    assert "t-discuz:9011" not in found  # 星辰大海 is excluded


def test_generic_forum_from_config_selectors(first_runs: Runs, scenarios: Scenarios) -> None:
    run = first_runs["t-generic"]
    assert run["completed"] and run["errors"]["total"] == 0, run["_log"][-3000:]
    found = mentions(scenarios["t-generic"])
    assert set(found) == {"t-generic:g1", "t-generic:g2"}
    assert found["t-generic:g1"].title == "清泉乳业奶粉断货了吗"
    assert found["t-generic:g2"].brand_names == ["清泉乳业"]


# -- feeds ---------------------------------------------------------------------------------
def test_feed_rss_atom_and_article_pages(first_runs: Runs, scenarios: Scenarios) -> None:
    run = first_runs["t-feed"]
    found = {m.title: m for m in mentions(scenarios["t-feed"]).values()}
    # summary-only entries: the article page's main text replaced the summary
    recall = found["极光汽车召回部分X7车型"]
    assert "召回范围涉及约一万两千辆车" in recall.text and "热门推荐" not in recall.text
    assert "版权所有" not in recall.text
    assert found["清泉乳业发布年度质量报告"].kind == "article"
    assert "清泉奶粉用户投诉集中在物流" in found  # Atom summary → article 2
    assert found["极光汽车回应刹车异响"].text.startswith("极光汽车官方回应称")  # Atom content
    assert "星辰手机发布会定档" in found  # content:encoded, no fetch
    assert "本地天气预报" not in found  # no brand
    # the broken feed is counted and logged, the others are kept; a page was lost, so
    # the watermark stays for the next run to fetch it again
    assert run["errors"]["unparsable"] == 1 and "/news/broken.xml" in run["_log"]
    assert run["completed"] and run["pages_lost"] == 1 and run["watermark_held"]


def test_feed_entry_links_relative_or_not_http(first_runs: Runs, scenarios: Scenarios) -> None:
    """A javascript: link costs the entry its link, not the whole feed page; a relative
    link is resolved against the feed and its article fetched."""
    run = first_runs["t-feed-links"]
    assert run["completed"] and run["errors"]["total"] == 0, run["_log"][-2000:]
    found = {m.title: m for m in mentions(scenarios["t-feed-links"]).values()}
    assert set(found) == {"极光汽车车主联名维权", "相对链接：极光汽车召回"}
    assert found["极光汽车车主联名维权"].url == ""
    recall = found["相对链接：极光汽车召回"]
    assert recall.url.endswith("/news/article/1.html") and recall.url.startswith("http://")
    assert "召回范围涉及约一万两千辆车" in recall.text


def test_feed_times_without_a_zone_are_local_time(first_runs: Runs, scenarios: Scenarios) -> None:
    """A bare date (``<pubDate>2025-11-23</pubDate>``, Atom ``<updated>2025-11-24``) is
    local midnight in the source's time zone, a time without a zone local wall-clock time;
    a time that names its zone is taken as it is."""
    run = first_runs["t-feed-dates"]
    assert run["completed"] and run["errors"]["total"] == 0, run["_log"][-2000:]
    found = {m.title: m.published_at for m in mentions(scenarios["t-feed-dates"]).values()}
    assert found == {
        "极光汽车门店开业": datetime(2025, 11, 22, 16, 0, tzinfo=UTC),  # 00:00 +08:00
        "极光汽车售后升级": datetime(2025, 11, 23, 2, 30, tzinfo=UTC),  # 10:30 +08:00
        "极光汽车回应质疑": datetime(2025, 11, 23, 10, 30, tzinfo=UTC),  # its own +0000
        "清泉乳业新品上市": datetime(2025, 11, 23, 16, 0, tzinfo=UTC),
    }


def test_a_source_that_cannot_be_reached_is_not_a_completed_run(
    first_runs: Runs, scenarios: Scenarios
) -> None:
    """Every download refused: the run is not "completed" (radar crawl exits 1), the
    source is not marked healthy and its cursor does not move."""
    run = first_runs["t-unreachable"]
    assert not run["completed"] and run["finish_reason"] == "unreachable"
    assert run["pages"] == 0 and run["errors"]["download"] >= 1
    with scenarios["t-unreachable"].store() as store:
        assert store.get_source_health("t-unreachable") == []
        assert not (store.get_cursor("t-unreachable") or {}).get("watermark")
        assert store.crawl_runs("t-unreachable")[0]["finish_reason"] == "unreachable"


# -- incremental ---------------------------------------------------------------------------
def test_second_run_stores_nothing_new_and_stops_early(
    first_runs: Runs, second_runs: Runs, scenarios: Scenarios
) -> None:
    for name in ("t-weibo", "t-tieba", "t-discuz", "t-feed", "t-timeline"):
        again, first = second_runs[name], first_runs[name]
        assert again["completed"], (name, again["_log"][-2000:])
        assert again["items"]["new"] == 0, name
        if name != "t-feed":
            assert again["requests"] < first["requests"], name
    # the feed's first run lost its broken feed page: the second reads everything again
    assert second_runs["t-feed"]["requests"] == first_runs["t-feed"]["requests"]
    assert second_runs["t-feed"]["watermark_held"]
    with scenarios["t-feed"].store() as store:
        assert (store.get_cursor("t-feed") or {})["held_runs"] == 2
    # unchanged comment counts and thread reply counts are not fetched again
    assert second_runs["t-tieba"]["pages"] == 1 and second_runs["t-tieba"]["stopped_at_seen"]
    assert second_runs["t-timeline"]["stopped_at_seen"] == 1
    with scenarios["t-weibo"].store() as store:
        cursor = store.get_cursor("t-weibo") or {}
        assert cursor["run"] is None and cursor["watermark"]
        assert len(store.crawl_runs("t-weibo")) == 2
