"""The bundled demo sources serve the real sites' structure, everyday traffic and the
scripted crisis, deterministically."""

from __future__ import annotations

import json
import re
import urllib.request
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from config.loader import validate_data
from crawlers.dates import parse_site_time
from radar.demo.server import DemoSources, load_world
from radar.demo.world import DemoWorld

from .conftest import BRANDS, Clock, demo_config, free_port

RISK_WORDS = [
    "曝光",
    "媒体",
    "记者",
    "12315",
    "消协",
    "市场监管",
    "起诉",
    "律师",
    "维权",
    "集体投诉",
    "大家一起",
    "人身安全",
    "受伤",
    "起火",
    "自燃",
]


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode("utf-8")


def search(base: str, kw: str, page: int = 1) -> dict:
    cid = quote(f"100103type=1&q={kw}", safe="")
    return json.loads(
        get(
            f"{base}/weibo/api/container/getIndex?containerid={cid}&page_type=searchall&page={page}"
        )
    )


def test_weibo_search_has_the_m_weibo_cn_structure(clocked_demo):
    sources, clock = clocked_demo
    body = search(sources.url, "极光汽车")
    assert body["ok"] == 1
    info = body["data"]["cardlistInfo"]
    assert info["page"] == 2 and info["total"] > 10
    cards = body["data"]["cards"]
    assert len(cards) == 10 and all(c["card_type"] == 9 for c in cards)
    times = []
    for card in cards:
        mblog = card["mblog"]
        assert {
            "id",
            "mid",
            "bid",
            "text",
            "user",
            "reposts_count",
            "comments_count",
            "attitudes_count",
            "isLongText",
            "created_at",
        } <= set(mblog)
        assert {"id", "screen_name", "followers_count", "verified"} <= set(mblog["user"])
        times.append(parse_site_time(mblog["created_at"], clock.now))
    assert times == sorted(times, reverse=True)  # newest first, like the real search
    assert all(t <= clock.now for t in times)
    # past the last page: the real API's empty answer
    last = info["total"] // 10 + 2
    assert search(sources.url, "极光汽车", last) == {
        "ok": 0,
        "msg": "这里还没有内容",
        "data": {"cards": []},
    }


def test_search_pages_cover_every_published_post_once(clocked_demo):
    sources, clock = clocked_demo
    seen: list[str] = []
    page = 1
    while True:
        body = search(sources.url, "星辰手机", page)
        if body["ok"] != 1:
            break
        seen += [c["mblog"]["id"] for c in body["data"]["cards"]]
        page += 1
    expected = [p.id for p in sources.world.published(clock.now, "weibo") if p.brand == "星辰手机"]
    assert len(seen) == len(set(seen)) == len(expected)
    assert set(seen) == set(expected)


def test_long_posts_show_quanwen_and_extend_gives_full_text(clocked_demo):
    sources, clock = clocked_demo
    post = next(p for p in sources.world.published(clock.now, "weibo") if len(p.text) > 140)
    body = json.loads(get(f"{sources.url}/weibo/statuses/extend?id={post.id}"))
    assert body["ok"] == 1
    full = re.sub(r"<[^>]+>", "", body["data"]["longTextContent"])
    assert re.sub(r"\[[^\]]+\]", "", full) == re.sub(r"\[[^\]]+\]", "", post.text)


def test_crisis_unfolds_after_crisis_after(clocked_demo):
    sources, clock = clocked_demo
    world = sources.world
    assert not [p for p in world.published(clock.now) if p.crisis]
    clock.now = world.crisis_start + timedelta(minutes=10)
    crisis = [p for p in world.published(clock.now) if p.crisis]
    assert {p.platform for p in crisis} == {"weibo", "tieba", "news"}
    weibo = [p for p in crisis if p.platform == "weibo"]
    reposts = [p for p in weibo if p.repost_of]
    assert len(reposts) > 50  # snowballing
    kol = next(p for p in weibo if p.author.followers >= 1_000_000)
    assert kol.author.verified and kol.repost_of == world.crisis_origin_id
    text = " ".join(p.text for p in crisis)
    for word in ("刹车失灵", "自燃", "12315", "曝光", "维权"):
        assert word in text
    # the 大V's repost carries the original as retweeted_status, with growing engagement
    found = None
    page = 1
    while found is None:
        body = search(sources.url, "极光汽车", page)
        assert body["ok"] == 1
        found = next(
            (c["mblog"] for c in body["data"]["cards"] if c["mblog"]["id"] == kol.id), None
        )
        page += 1
    assert found["user"]["followers_count"] == kol.author.followers
    assert found["retweeted_status"]["id"] == world.crisis_origin_id
    assert found["reposts_count"] > 500
    clock.now += timedelta(minutes=10)
    later = sources.site._mblog(kol, clock.now, "")
    assert later["reposts_count"] > found["reposts_count"]


def test_everyday_traffic_is_varied_and_free_of_risk_words(clocked_demo):
    sources, clock = clocked_demo
    posts = [p for p in sources.world.published(clock.now) if not p.crisis]
    assert len(posts) > 1000  # two hours at 20 a minute
    intents = {p.intent for p in posts}
    assert intents == {"praise", "neutral", "complaint"}
    texts = [p.text for p in posts if p.platform == "weibo"]
    assert len(set(texts)) / len(texts) > 0.9
    for p in posts:
        assert not any(w in p.text for w in RISK_WORDS), p.text
        assert p.author.followers < 1_000_000


def test_hotflow_pages_comments_with_max_id(clocked_demo):
    sources, clock = clocked_demo
    clock.now = sources.world.crisis_start + timedelta(minutes=20)
    origin = sources.world.crisis_origin_id
    url = f"{sources.url}/weibo/comments/hotflow?id={origin}&mid={origin}&max_id_type=0"
    first = json.loads(get(url))
    assert first["ok"] == 1 and len(first["data"]["data"]) == 20
    assert first["data"]["max_id"] > 0
    second = json.loads(get(f"{url}&max_id={first['data']['max_id']}"))
    ids = [c["id"] for c in first["data"]["data"] + second["data"]["data"]]
    assert len(ids) == len(set(ids))
    for c in first["data"]["data"]:
        assert parse_site_time(c["created_at"], clock.now) <= clock.now


def test_tieba_list_and_thread_pages(clocked_demo):
    sources, clock = clocked_demo
    clock.now = sources.world.crisis_start + timedelta(minutes=8)
    page = get(f"{sources.url}/tieba/f?kw={quote('极光汽车')}&ie=utf-8&pn=0")
    # like the real page, the thread list sits in a commented-out Bigpipe pagelet
    assert '<code class="pagelet_html" id="pagelet_html_frs-list/pagelet/thread_list"' in page
    tids = re.findall(r"data-tid='(\d+)'", page)
    assert 0 < len(tids) <= 50
    crisis_tid = next(p.thread_id for p in sources.world.crisis_posts() if p.platform == "tieba")
    assert crisis_tid in tids  # recently replied to: on the first page
    thread = get(f"{sources.url}/tieba/p/{crisis_tid}?pn=1")
    floors = re.findall(
        r'class="tail-info">(\d+)楼</span><span class="tail-info">([\d: -]+)<', thread
    )
    assert [int(f) for f, _ in floors] == list(range(1, len(floors) + 1))
    assert "刹车失灵" in thread
    for _, when in floors:
        assert parse_site_time(when, clock.now) <= clock.now


def test_rss_feed_and_article_pages(clocked_demo):
    sources, clock = clocked_demo
    clock.now = sources.world.crisis_start + timedelta(minutes=8)
    root = ET.fromstring(get(f"{sources.url}/news/rss.xml"))
    items = root.findall("./channel/item")
    assert items
    titles = [i.findtext("title") for i in items]
    assert any("极光X7" in t for t in titles)
    link = items[0].findtext("link")
    assert link.startswith(f"{sources.url}/news/article/")
    article = get(link)
    assert items[0].findtext("title") in article and "<time" in article


def test_untrusted_text_is_escaped_in_pages(tmp_path: Path):
    port = free_port()
    config = validate_data(demo_config(tmp_path, port), "test")
    now = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)
    world = DemoWorld(["<b>极光</b>"], now, history=timedelta(hours=1), posts_per_minute=30)
    sources = DemoSources(config, clock=Clock(now), world=world)
    sources.start()
    try:
        page = get(f"{sources.url}/tieba/f?kw={quote('<b>极光</b>')}&ie=utf-8&pn=0")
    finally:
        sources.stop()
    assert "<b>极光</b>" not in page and "&lt;b&gt;极光&lt;/b&gt;" in page


def test_world_is_deterministic_and_restart_keeps_the_timeline(tmp_path: Path):
    data = demo_config(tmp_path, free_port())
    data["demo"]["posts_per_minute"] = 1  # the real 26 hours of history, kept small
    config = validate_data(data, "test")
    state = tmp_path / "demo-state.json"
    t0 = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)
    first = load_world(config, state, clock=lambda: t0)
    again = load_world(config, state, clock=lambda: t0 + timedelta(minutes=30))
    assert again.start == first.start  # a restart continues the same world
    at = t0 + timedelta(minutes=20)
    assert [(p.id, p.text) for p in first.published(at)] == [
        (p.id, p.text) for p in again.published(at)
    ]
    fresh = load_world(config, state, clock=lambda: t0 + timedelta(hours=13))
    assert fresh.start == t0 + timedelta(hours=13)  # an old world is replaced
    assert [b["name"] for b in BRANDS] == fresh.brands
