"""Tables for the pure parts: site dates, brand matching, text cleaning, block detection,
display counts, Bilibili's WBI signature; and dedupe (same id, repost storm, near-copy)
against a real SQLite store."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from config.schema import BrandConfig
from crawlers.brands import BrandMatcher
from crawlers.cursor import MAX_HELD_RUNS, Cursor
from crawlers.dates import parse_site_time
from crawlers.health import detect_block, pause_source
from crawlers.spiders.weibo import parse_count
from crawlers.text import html_to_text
from crawlers.wbi import WbiKeys, signed_query, w_rid
from index import open_store
from index.base import Store
from index.dedupe import RecentStories, assign_stories, assign_story, simhash64, simhash64_many
from index.models import Mention
from tests.crawlers.mockserver.bilibili import nav_answer
from tests.crawlers.mockserver.blockpages import (
    sina_sso_login,
    weibo_account_abnormal,
    weibo_busy,
    weibo_error_page,
)

# 2026-06-15 10:30 in Shanghai
NOW = datetime(2026, 6, 15, 2, 30, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Fri Jun 14 20:39:20 +0800 2019", utc(2019, 6, 14, 12, 39, 20)),
        ("06-14", utc(2026, 6, 13, 16, 0)),  # local midnight
        ("12-31", utc(2025, 12, 30, 16, 0)),  # not in the future: last year
        ("2019-06-14", utc(2019, 6, 13, 16, 0)),
        ("15小时前", NOW - timedelta(hours=15)),
        ("5分钟前", NOW - timedelta(minutes=5)),
        ("30秒前", NOW - timedelta(seconds=30)),
        ("刚刚", NOW),
        ("半小时前", NOW - timedelta(minutes=30)),
        ("昨天 12:30", utc(2026, 6, 14, 4, 30)),
        ("前天 08:15", utc(2026, 6, 13, 0, 15)),
        ("今天 09:00", utc(2026, 6, 15, 1, 0)),
        ("3 天前", NOW - timedelta(days=3)),
        ("2024-08-05 16:56", utc(2024, 8, 5, 8, 56)),
        ("发表于 2026-1-5 12:00", utc(2026, 1, 5, 4, 0)),
        ("8-7", utc(2025, 8, 6, 16, 0)),
        ("06-14 20:00", utc(2026, 6, 14, 12, 0)),
        ("09:54", utc(2026, 6, 15, 1, 54)),
        ("23:50", utc(2026, 6, 14, 15, 50)),  # a clock time ahead of now is yesterday's
        ("Mon, 05 Jan 2026 08:00:00 +0000", utc(2026, 1, 5, 8, 0)),
        ("2026-01-05T08:00:00+08:00", utc(2026, 1, 5, 0, 0)),
    ],
)
def test_site_times(text: str, expected: datetime) -> None:
    assert parse_site_time(text, NOW) == expected


@pytest.mark.parametrize("text", ["", "很久以前", "13-45", "yesterday-ish"])
def test_unknown_times_are_errors_naming_the_text(text: str) -> None:
    with pytest.raises(ValueError, match="time"):
        parse_site_time(text, NOW)


BRANDS = [
    BrandConfig(
        name="极光汽车",
        aliases=["极光", "极光SUV"],
        keywords=["极光X7"],
        exclude=["北极光", "极光现象", "看极光"],
    ),
    BrandConfig(name="星辰手机", aliases=["星辰Pro"], keywords=["星辰手机"], exclude=["星辰大海"]),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("极光X7刹车异响", {"极光汽车": ["极光", "极光X7"]}),
        ("去冰岛看北极光", {}),
        ("看极光的时候想到极光SUV", {"极光汽车": ["极光", "极光SUV"]}),  # one real mention
        ("今晚看极光，极光现象真美", {}),
        ("星辰ＰＲＯ续航不错", {"星辰手机": ["星辰Pro"]}),  # full-width, case folded
        ("我们的征途是星辰大海", {}),
        ("星辰大海是口号，星辰手机是产品", {"星辰手机": ["星辰手机"]}),
        ("极光和星辰pro都买了", {"极光汽车": ["极光"], "星辰手机": ["星辰Pro"]}),
        (
            "極光汽車刹車失靈，星辰手機也壞了",
            {"极光汽车": ["极光汽车", "极光"], "星辰手机": ["星辰手机"]},
        ),
        ("去冰島看北極光", {}),  # traditional text: exclusions fold the same way
        ("", {}),
    ],
)
def test_brand_matching(text: str, expected: dict[str, list[str]]) -> None:
    got = {m.brand: m.keywords for m in BrandMatcher(BRANDS).match(text)}
    assert got == expected


@pytest.mark.parametrize(
    ("fragment", "text"),
    [
        ('太差了<span class="url-icon"><img alt=[怒] src="//h5/x.png" /></span>', "太差了[怒]"),
        ("第一行<br />第二行", "第一行\n第二行"),
        ('转发<a href="/n/小王">@小王</a>:好', "转发@小王:好"),
        ('很长的文字...<a href="/status/1">全文</a>', "很长的文字..."),
        ('看图<img src="//wx1/large.jpg">', "看图"),
        ("&lt;script&gt;不是标签", "<script>不是标签"),
        ('<span class="surl-text">#话题#</span>  内容', "#话题# 内容"),
        # Weibo embed cards (structure of m.weibo.cn mblog text): the label is dropped
        (
            '<a href="https://m.weibo.cn/search?containerid=231522" data-hide="">'
            '<span class="surl-text">#不潮不出街#</span></a>悠闲下午 <a data-url="http://t.cn/x" '
            "href=\"https://m.weibo.cn/p/index?object_type=video\"><span class='url-icon'>"
            "<img src='https://h5.sinaimg.cn/upload/2015/09/25/3/timeline_card_small_video_default"
            '.png\'></span><span class="surl-text">Dear-迪丽热巴的秒拍视频</span></a> ',
            "#不潮不出街#悠闲下午",
        ),
        ('看这个<a data-url="http://t.cn/y" href="#">星辰手机官方的微博视频</a>', "看这个"),
        (
            '打卡<a data-url="http://t.cn/z" href="#"><span class="url-icon"><img src="'
            'https://h5.sinaimg.cn/upload/2015/09/25/3/timeline_card_small_location_default.png">'
            '</span><span class="surl-text">北京·三里屯</span></a>',
            "打卡北京·三里屯",
        ),
    ],
)
def test_html_to_text(fragment: str, text: str) -> None:
    assert html_to_text(fragment) == text


@pytest.mark.parametrize(
    ("value", "count"),
    [
        (1234, 1234),
        ("5678", 5678),
        ("1.2万", 12000),
        ("100万+", 1_000_000),
        ("3亿", 300_000_000),
        (None, 0),
        ("", 0),
        (True, 0),
    ],
)
def test_display_counts(value: object, count: int) -> None:
    assert parse_count(value) == count


@pytest.mark.parametrize(
    ("status", "location", "body", "reason"),
    [
        (418, "", b"", "http_418"),
        (403, "", b"forbidden", "http_403"),
        (429, "", b"", "http_429"),
        (302, "https://passport.weibo.cn/signin/login?r=x", b"", "login"),
        (302, "https://wappass.baidu.com/static/captcha/tuxing.html", b"", "captcha"),
        (200, "", b'{"ok":-100,"url":"https://passport.weibo.cn/signin/welcome"}', "login"),
        (200, "", '{"ok":0,"errno":"100005","msg":"请求过于频繁"}'.encode(), "rate_limited"),
        (200, "", "<html><head><title>百度安全验证</title>".encode(), "captcha"),
        (200, "", b"<html><head><title>Sina Visitor System</title>", "captcha"),
        (
            200,
            "",
            '<div id="messagetext" class="alert_info"><p>您需要先登录才能继续本操作</p>'.encode(),
            "login",
        ),
        # m.weibo.cn's H5 error page in place of JSON (tests/crawlers/mockserver/blockpages)
        (200, "", weibo_account_abnormal(), "ban"),
        (200, "", weibo_busy(), "rate_limited"),
        (200, "", '{"ok":0,"msg":"网络繁忙，请稍后再试"}'.encode(), "rate_limited"),
        (200, "", sina_sso_login("http://weibo.example/ajaxlogin.php"), "login"),
        (302, "https://weibo.com/ajaxlogin.php?framelogin=1&retcode=101", b"", "login"),
        (  # a meta refresh / location.replace to a login page, whatever the title says
            200,
            "",
            b'<html><head><meta http-equiv="refresh" content="0; url=&#39;'
            b'http://weibo.example/ajaxlogin.php?framelogin=1&amp;retcode=101&#39;"/></head>',
            "login",
        ),
        (
            200,
            "",
            b"<html><body><script>location.replace('https://passport.weibo.example/signin"
            b"/login?entry=mweibo');</script></body></html>",
            "login",
        ),
    ],
)
def test_block_pages(status: int, location: str, body: bytes, reason: str) -> None:
    block = detect_block(status, "http://x/y", location, body)
    assert block is not None and block.reason == reason


@pytest.mark.parametrize(
    "body",
    [
        b'{"ok":1,"data":{"cards":[]}}',
        b'{"ok":0,"msg":"\xe8\xbf\x99\xe9\x87\x8c\xe8\xbf\x98\xe6\xb2\xa1\xe6\x9c\x89\xe5\x86\x85\xe5\xae\xb9"}',
        "<html><head><title>App登录不了怎么办【星辰手机吧】_百度贴吧</title>".encode(),
        b"<html><body>plain page</body></html>",
        # a refresh to an ordinary page, an H5 error page about something else
        b'<html><head><meta http-equiv="refresh" content="5;url=/f?kw=x"></head></html>',
        weibo_error_page("404错误", "出错了，未知错误"),
    ],
)
def test_normal_pages_are_not_blocks(body: bytes) -> None:
    assert detect_block(200, "http://x/y", "", body) is None


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = open_store(f"sqlite:///{tmp_path}/radar.db")
    yield s  # type: ignore[misc]
    s.close()


def test_pause_backs_off_on_consecutive_blocks(store: Store) -> None:
    block = detect_block(418, "http://x", "", b"")
    assert block is not None
    first = pause_source(store, "s", block, NOW, base=600, maximum=3000)
    second = pause_source(store, "s", block, NOW, base=600, maximum=3000)
    third = pause_source(store, "s", block, NOW, base=600, maximum=3000)
    fourth = pause_source(store, "s", block, NOW, base=600, maximum=3000)
    pauses = [h.paused_until - NOW for h in (first, second, third, fourth)]  # type: ignore[operator]
    assert pauses == [timedelta(seconds=s) for s in (600, 1200, 2400, 3000)]


def mention(mid: str, text: str, minutes: int = 0, repost_of: str | None = None) -> Mention:
    return Mention(
        id=f"s:{mid}",
        source="s",
        text=text,
        repost_of=repost_of,
        published_at=NOW + timedelta(minutes=minutes),
    )


COMPLAINT = "极光X7雨天刹车异响问题到底什么时候解决？车主们联合起来维权吧，已经三十多人了"


def test_simhash_is_stable_and_64_bit() -> None:
    value = simhash64(COMPLAINT)
    assert 0 <= value < 2**64
    assert value == simhash64(COMPLAINT)
    assert bin(value ^ simhash64(COMPLAINT + "！！")).count("1") <= 3


def test_same_id_twice_is_one_mention(store: Store) -> None:
    first = assign_story(mention("1", COMPLAINT), store)
    store.upsert_mentions([first])
    again = assign_story(mention("1", COMPLAINT + "（已编辑）"), store)
    assert again.cluster_id == "s:1" and again.repost_of is None
    result = store.upsert_mentions([again])
    assert result.new == 0 and store.count_mentions() == 1


def test_repost_storm_is_one_story(store: Store) -> None:
    original = assign_story(mention("orig", COMPLAINT), store)
    store.upsert_mentions([original])
    recent = RecentStories()
    storm = []
    for i in range(200):
        m = assign_story(
            mention(f"r{i}", "转发微博", i + 1, repost_of="s:orig"), store, recent=recent
        )
        recent.add(m)
        storm.append(m)
    store.upsert_mentions(storm)
    assert {m.cluster_id for m in storm} == {"s:orig"}
    # a repost of a repost joins the same story
    deeper = assign_story(mention("rr", "//@b:转发", 300, repost_of="s:r5"), store)
    assert deeper.cluster_id == "s:orig"


def test_near_copy_links_to_the_earlier_mention(store: Store) -> None:
    first = assign_story(mention("a", COMPLAINT), store)
    store.upsert_mentions([first])
    copy = assign_story(mention("b", COMPLAINT + "！！[怒]", 30), store)
    assert copy.repost_of == "s:a" and copy.cluster_id == "s:a"
    other = assign_story(
        mention("c", "星辰手机S3的拍照效果在夜景模式下非常惊艳，推荐入手", 40), store
    )
    assert other.repost_of is None and other.cluster_id == "s:c"
    short = assign_story(mention("d", "支持！", 50), store)
    store.upsert_mentions([short])
    assert assign_story(mention("e", "支持！", 51), store).repost_of is None


def test_near_copy_found_in_the_current_batch_before_it_is_stored(store: Store) -> None:
    recent = RecentStories()
    first = assign_story(mention("a", COMPLAINT), store, recent=recent)
    recent.add(first)
    copy = assign_story(mention("b", "【转】" + COMPLAINT, 5), store, recent=recent)
    assert copy.repost_of == "s:a"


def test_a_batch_listed_newest_first_makes_the_earliest_copy_the_original(
    store: Store,
) -> None:
    """A search page lists the newest post first: its earlier near-copy, crawled after it
    in the same batch, was linked as the later one's repost (a 14:42 post "reposted from"
    one of 22:58). Linked in order of publication, the earliest is the original."""
    newest_first = [
        mention("late", COMPLAINT + "！！", 500),
        mention("mid", "【转】" + COMPLAINT, 200),
        mention("early", COMPLAINT, 0),
    ]
    linked = {m.id: m for m in assign_stories(newest_first, store)}
    assert linked["s:early"].repost_of is None and linked["s:early"].cluster_id == "s:early"
    assert linked["s:mid"].repost_of == "s:early" and linked["s:late"].repost_of == "s:early"
    assert {m.cluster_id for m in linked.values()} == {"s:early"}
    assert [m.id for m in newest_first] == ["s:late", "s:mid", "s:early"]  # order kept


def test_batched_simhash_is_the_same_as_one_by_one() -> None:
    texts = [COMPLAINT, COMPLAINT + "！！", "", "支持！", "星辰手机" * 300, "🙂"]
    assert simhash64_many(texts) == [simhash64(t) for t in texts]
    assert simhash64("") == simhash64_many([""])[0]


def test_batched_near_duplicate_lookup_answers_like_single_lookups(store: Store) -> None:
    stored = [
        assign_story(mention(str(i), f"{COMPLAINT}{'！' * (i % 3)}第{i}位", i * 10), store)
        for i in range(12)
    ]
    store.upsert_mentions(stored)
    probes = [(m.simhash or 0, NOW + timedelta(minutes=i * 7)) for i, m in enumerate(stored)]
    probes.append((simhash64("完全不同的一段话，和上面的投诉没有关系，只是凑够长度而已"), NOW))
    many = store.find_near_duplicates_many(probes, limit=3)
    single = [store.find_near_duplicates(h, since, limit=3) for h, since in probes]
    assert [[m.id for m in found] for found in many] == [[m.id for m in found] for found in single]
    assert many[0] and not many[-1]


def test_a_batch_links_stories_like_one_by_one(store: Store) -> None:
    older = assign_story(mention("old", COMPLAINT), store)
    store.upsert_mentions([older])

    def batch() -> list[Mention]:
        return [
            mention("old", COMPLAINT, 1),  # re-crawled: keeps its story
            mention("copy", COMPLAINT + "！！[怒]", 2),  # near-copy of a stored mention
            mention("new", "星辰手机S3的拍照效果在夜景模式下非常惊艳，推荐入手", 3),
            mention("new-copy", "星辰手机S3的拍照效果在夜景模式下非常惊艳，推荐入手！！", 4),
            mention("rt", "转发微博", 5, repost_of="s:new-copy"),  # repost inside the batch
            mention("rt-old", "转发", 6, repost_of="s:copy"),
            mention("short", "支持！", 7),
        ]

    recent = RecentStories()
    one_by_one = [assign_story(m, store, recent=recent) for m in batch()]
    together = assign_stories(batch(), store, recent=RecentStories())
    want = [(m.id, m.simhash, m.cluster_id, m.repost_of) for m in one_by_one]
    assert [(m.id, m.simhash, m.cluster_id, m.repost_of) for m in together] == want
    assert [m.cluster_id for m in together] == [
        "s:old",
        "s:old",
        "s:new",
        "s:new",
        "s:new",
        "s:old",
        "s:short",
    ]


@pytest.mark.parametrize(("level", "logged"), [("DEBUG", True), ("INFO", False), (20, False)])
def test_per_item_debug_lines_only_built_at_debug_level(level: str | int, logged: bool) -> None:
    from scrapy import Request, Spider
    from scrapy.http import TextResponse
    from scrapy.utils.test import get_crawler

    from crawlers.logformatter import RadarLogFormatter

    formatter = RadarLogFormatter.from_crawler(get_crawler(settings_dict={"LOG_LEVEL": level}))
    spider = Spider("s")
    response = TextResponse("http://x/", body=b"", request=Request("http://x/"))
    assert (formatter.scraped({"a": 1}, response, spider) is not None) is logged
    assert (formatter.crawled(response.request, response, spider) is not None) is logged


def test_close_pairs_finds_exactly_the_pairs_within_three_bits() -> None:
    import random

    from index.dedupe import close_pairs

    rng = random.Random(7)
    base = [rng.getrandbits(64) for _ in range(60)]
    flips = [b ^ sum(1 << rng.randrange(64) for _ in range(rng.randrange(6))) for b in base]
    queries, candidates = [*base, 0, 2**64 - 1], [*flips, *base[:5], 7]
    want = [
        (i, j)
        for i, q in enumerate(queries)
        for j, c in enumerate(candidates)
        if (q ^ c).bit_count() <= 3
    ]
    assert close_pairs(queries, candidates) == want
    near = [(i, j) for i, j in want if queries[i] != candidates[j]]
    assert len(near) > 20  # pairs 1–3 bits apart are found, not only exact copies
    assert close_pairs([], candidates) == [] and close_pairs(queries, []) == []


def test_runs_that_lose_pages_keep_the_watermark_a_bounded_number_of_times(
    store: Store,
) -> None:
    first, later = datetime(2026, 9, 1, tzinfo=UTC), datetime(2026, 9, 2, tzinfo=UTC)
    cursor = Cursor.load(store, "s")
    cursor.run_newest = first
    cursor.complete(store)
    for held in range(1, MAX_HELD_RUNS + 1):
        cursor = Cursor.load(store, "s")
        cursor.run_newest = later
        cursor.mark("thread:1", 5)
        assert cursor.hold(store)  # pages lost: the next run crawls down to `first` again
        again = Cursor.load(store, "s")
        assert again.watermark == first and again.held_runs == held
        assert again.seen == {} and again.previous_run is None
    cursor = Cursor.load(store, "s")
    cursor.run_newest = later
    assert not cursor.hold(store)  # a page that never comes back must not hold it forever
    cursor.complete(store)
    again = Cursor.load(store, "s")
    assert again.watermark == later and again.held_runs == 0


def test_comment_cursors_move_with_the_run_hottest_first(store: Store) -> None:
    """A post's comment cursor is committed when the run ends (completed or held: the
    pages it passed were stored), not by a run that was killed; a finished post's cursor
    is dropped; pending posts come back hottest first."""
    cursor = Cursor.load(store, "s")
    cursor.comments_progress("cool", {"max_id": 7003, "pages": 3, "heat": 20})
    cursor.comments_progress("hot", {"max_id": 7003, "pages": 3, "heat": 80})
    cursor.stored_batch(store, None, 6)  # progress of the run in flight: no cursor yet
    assert Cursor.load(store, "s").comments == {}
    cursor.hold(store)
    cursor = Cursor.load(store, "s")
    assert [post for post, _ in cursor.pending_comments()] == ["hot", "cool"]
    cursor.comments_progress("hot", {"max_id": 7006, "pages": 6, "heat": 80})
    cursor.comments_progress("cool", None)  # its last page was read
    cursor.complete(store)
    assert Cursor.load(store, "s").comments == {"hot": {"max_id": 7006, "pages": 6, "heat": 80}}


def test_lxml_html_clean_is_a_declared_dependency() -> None:
    """trafilatura imports ``lxml.html.clean``, a package of its own since lxml 5.2; with
    an older pip the resolver left it out and every crawl failed at import."""
    import tomllib

    from tests.crawlers.mockserver import REPO

    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = [re.split(r"[\s<>=!~;]", d, maxsplit=1)[0].lower() for d in project["dependencies"]]
    assert "trafilatura" in declared
    assert "lxml_html_clean" in declared or "lxml[html_clean]" in declared


# -- WBI signing: the reference example of bilibili-API-collect docs/misc/sign/wbi.md ----
DOC_NAV = nav_answer(
    WbiKeys("7cd084941338484aae1ad9425b84077c", "4932caff0ff746eab6f01bf08b70ac45")
)


def test_wbi_signature_equals_the_documents_example() -> None:
    keys = WbiKeys.from_nav(DOC_NAV)
    assert (keys.img_key, keys.sub_key) == (
        "7cd084941338484aae1ad9425b84077c",
        "4932caff0ff746eab6f01bf08b70ac45",
    )
    assert keys.mixin_key == "ea1db124af3c7062474693fa704f4ff8"
    params = {"foo": "114", "bar": "514", "zab": 1919810}
    assert signed_query(params, keys, 1702204169) == (
        "bar=514&foo=114&wts=1702204169&zab=1919810&w_rid=8f6f2b5b3d485fe1886cec6a0be8c5d4"
    )


def test_wbi_query_is_encoded_as_the_site_encodes_it() -> None:
    """Upper-case UTF-8 escapes, a space as %20 (not +), and !'()* left out of values."""
    mixin = WbiKeys.from_nav(DOC_NAV).mixin_key
    plain = {"foo": "one one four", "bar": "五一四", "baz": 1919810, "wts": 1}
    marked = {"foo": "one (one) four!*'", "bar": "五一四", "baz": 1919810, "wts": 1}
    expected = "bar=%E4%BA%94%E4%B8%80%E5%9B%9B&baz=1919810&foo=one%20one%20four&wts=1"
    assert w_rid(plain, mixin) == hashlib.md5((expected + mixin).encode()).hexdigest()
    assert w_rid(marked, mixin) == w_rid(plain, mixin)


@pytest.mark.parametrize(
    ("answer", "named"),
    [
        ({"code": -412, "data": None}, "data.wbi_img"),
        ({"code": 0, "data": {"wbi_img": {"img_url": "x.png", "sub_url": None}}}, "img_url"),
        ({"code": 0, "data": {"wbi_img": {"img_url": "/a/b.png", "sub_url": "/c/d.png"}}}, "short"),
    ],
)
def test_a_nav_answer_without_usable_keys_is_named(answer: dict, named: str) -> None:
    with pytest.raises(ValueError, match=named):
        WbiKeys.from_nav(answer)


def test_crawl_stats_count_like_scrapys_without_warnings() -> None:
    """crawlers/stats.py: the crawl's stats collector (STATS_CLASS) keeps Scrapy's
    semantics; only the per-read deprecation check is gone."""
    import warnings

    from scrapy.utils.misc import load_object
    from scrapy.utils.test import get_crawler

    from crawlers.runner import crawl_settings
    from crawlers.stats import RadarStatsCollector

    settings = crawl_settings()
    assert load_object(settings["STATS_CLASS"]) is RadarStatsCollector
    stats = RadarStatsCollector(get_crawler(settings_dict={"STATS_DUMP": False}))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        stats.inc_value("radar/pages")
        stats.inc_value("radar/pages", 2)
        stats.max_value("depth", 3)
        stats.max_value("depth", 1)
        stats.min_value("radar/read_from", 5)
        stats.min_value("radar/read_from", 7)
        stats.set_value("radar/completed", True)
    assert stats.get_stats() == {
        "radar/pages": 3,
        "depth": 3,
        "radar/read_from": 5,
        "radar/completed": True,
    }
    assert stats.get_value("missing", 0) == 0


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("news@example.invalid (科技消费日报)", "科技消费日报"),  # RSS 2.0 <author>, the demo's
        ("<news@example.invalid> (科技消费日报)", "科技消费日报"),
        ("王五 (w@x.cn)", "王五"),  # Atom <name> + <email> as feedparser writes them
        ("张三 <z@x.cn>", "张三"),
        ("张三 <mailto:z@x.cn>", "张三"),
        ("科技消费日报", "科技消费日报"),
        ("李四 (北京)", "李四 (北京)"),  # brackets without an address are the name
        ("news@example.invalid", "news@example.invalid"),  # the only name there is
        ("", ""),
    ],
)
def test_a_feed_author_is_its_name_not_its_email(raw: str, name: str) -> None:
    """The cards, the spreaders table and the crisis brief named the demo's news site
    'news@example.invalid (科技消费日报)'."""
    from crawlers.spiders.feed import feed_author

    assert feed_author(raw) == name


def test_a_feed_author_through_feedparser() -> None:
    """What the spider reads: feedparser's ``author`` of an RSS item and an Atom entry."""
    import feedparser

    from crawlers.spiders.feed import feed_author

    rss = feedparser.parse(
        "<rss version='2.0'><channel><title>t</title><item><title>x</title>"
        "<author>news@example.invalid (科技消费日报)</author></item></channel></rss>"
    )
    atom = feedparser.parse(
        "<feed xmlns='http://www.w3.org/2005/Atom'><entry><title>x</title>"
        "<author><name>王五</name><email>w@x.cn</email></author></entry></feed>"
    )
    assert feed_author(rss.entries[0].author) == "科技消费日报"
    assert feed_author(atom.entries[0].author) == "王五"
