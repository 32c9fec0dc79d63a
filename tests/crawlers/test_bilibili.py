"""The Bilibili spider against the fixture API (tests/crawlers/mockserver/bilibili.py):
WBI-signed requests (the fixture answers a wrong signature -352) with the keys read from
nav once a run, refreshed once when they went stale; video search and its paging,
replies and replies to replies, a closed comment area, comments beyond
max_comment_pages stored by later runs, the -412 / -352 blocks, and a SIGKILL
mid-crawl with no gap and no duplicate."""

from __future__ import annotations

import json
import re
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.crawlers.conftest import Scenario, make_scenario, mentions, run_batch
from tests.crawlers.mockserver import MockServer
from tests.crawlers.test_resume import _runs, _stored, kill_mid_crawl_then_rerun

SOURCES: list[dict[str, Any]] = [
    {"name": "t-bili", "site": "bilibili", "kind": "bilibili", "query": ["极光汽车", "清泉乳业"]},
    {"name": "t-bili-412", "site": "bilibili-412", "kind": "bilibili", "query": ["极光汽车"]},
    {"name": "t-bili-352", "site": "bilibili-352", "kind": "bilibili", "query": ["极光汽车"]},
    {"name": "t-bili-rotate", "site": "bilibili-rotate", "kind": "bilibili", "query": ["极光汽车"]},
    {
        "name": "t-bili-slow",
        "site": "bilibili-slow",
        "kind": "bilibili",
        "query": ["极光汽车"],
        "fetch_comments": False,
    },
]


@pytest.fixture(scope="module")
def bili(
    mockserver: MockServer, tmp_path_factory: pytest.TempPathFactory
) -> tuple[dict[str, Scenario], dict[str, dict[str, Any]]]:
    root = tmp_path_factory.mktemp("bilibili")
    scenarios = {s["name"]: make_scenario(root, mockserver, dict(s)) for s in SOURCES}
    return scenarios, run_batch(list(scenarios.values()))


def test_video_search_and_replies(bili: Any) -> None:
    scenarios, runs = bili
    run = runs["t-bili"]
    assert run["completed"] and run["errors"]["total"] == 0, run["_log"][-3000:]
    # nav (the signing keys); 2 + 1 search pages; 3 reply pages of the first video, 1 of
    # the 清泉 video, and the closed comment area (12002) of another: no comments, no error
    assert run["pages"] == 9
    found = mentions(scenarios["t-bili"])
    videos = {k: m for k, m in found.items() if m.kind == "video"}
    assert len(videos) == 6  # the 北极光 video names no brand
    assert run["items"]["dropped_no_brand"] == 1
    assert "t-bili:BV1Jg4y1a7k6" in videos  # page 2
    v = videos["t-bili:BV1Jg4y1a7k2"]
    assert (v.source_kind, v.title) == ("bilibili", "极光汽车新车试驾体验")  # <em> removed
    assert (
        v.text.startswith("周末去试驾") and v.url == "https://www.bilibili.com/video/BV1Jg4y1a7k2"
    )
    assert (v.author.id, v.author.name) == ("300002", "汽车小白")
    t0 = datetime.fromisoformat(run["started_at"])
    assert abs(v.published_at - (t0 - timedelta(hours=3))) < timedelta(minutes=3)
    hot = videos["t-bili:BV1Jg4y1a7k1"]
    assert hot.engagement.comments == 45 and hot.engagement.likes == 30 + 1150000001 % 7
    comments = [m for m in found.values() if m.parent_id == "t-bili:BV1Jg4y1a7k1"]
    assert len(comments) == 45 + 2  # 3 pages of 20, 20, 5 and two replies to the first
    first = found["t-bili:1150000001000"]
    assert (first.kind, first.text, first.author.name) == (
        "comment",
        "极光汽车的刹车确实有问题",
        "车主甲0",
    )
    assert first.engagement.likes == 45 and first.engagement.comments == 2
    assert found["t-bili:1150000001001"].text == "我的也响[doge]"
    nested = found["t-bili:1150000001901"]
    assert nested.kind == "reply" and nested.brand_names == ["极光汽车"]  # the video's brand
    assert not [m for m in found.values() if m.parent_id == "t-bili:BV1Jg4y1a7k4"]
    with scenarios["t-bili"].store() as store:
        seen = (store.get_cursor("t-bili") or {})["seen"]
    assert seen["replies:1150000001"]["count"] == 45
    assert seen["replies:1150000004"]["count"] == 5  # closed: not asked again until it changes


@pytest.mark.parametrize(("source", "reason"), [("t-bili-412", "ban"), ("t-bili-352", "captcha")])
def test_block_answers_pause_the_source(bili: Any, source: str, reason: str) -> None:
    scenarios, runs = bili
    run = runs[source]
    assert not run["completed"] and run["blocked"] == reason
    assert run["errors"]["unparsable"] == 0
    with scenarios[source].store() as store:
        (health,) = store.get_source_health(source)
        assert health.state == "paused" and health.reason == reason
        assert (store.get_cursor(source) or {}).get("watermark") is None
    if source == "t-bili-412":
        assert run["items"]["new"] > 0  # page 1 came before the ban


def test_replies_beyond_the_page_cap_are_stored_by_later_runs(
    mockserver: MockServer, tmp_path: Path
) -> None:
    """A video with 7 reply pages crawled with max_comment_pages: 3 has all of them after
    three runs (3, 3, 1 pages), no duplicates; a fourth run asks only the search."""
    scenario = make_scenario(
        tmp_path,
        mockserver,
        {
            "name": "t-bili-hot",
            "site": "bilibili",
            "kind": "bilibili",
            "query": ["极光热议"],
            "max_comment_pages": 3,
        },
    )
    runs = _runs(scenario, 4)
    assert all(r["completed"] and r["errors"]["total"] == 0 for r in runs)
    assert [r["items"]["new"] for r in runs] == [1 + 60 + 2, 60, 20, 0]
    assert [bool(r["truncated"]) for r in runs] == [True, True, False, False]
    assert runs[-1]["requests"] == 2  # nav and the search
    comments = [m for m in mentions(scenario).values() if m.kind != "video"]
    assert len(comments) == 142 and _stored(scenario.db) == 143
    with scenario.store() as store:
        cursor = store.get_cursor("t-bili-hot") or {}
    assert cursor["comments"] == {} and cursor["seen"]["replies:1150000201"]["count"] == 140


def test_sigkill_mid_crawl_then_rerun_matches_a_clean_run(
    mockserver: MockServer, bili: Any, tmp_path: Path
) -> None:
    scenarios, runs = bili
    clean = scenarios["t-bili-slow"]
    assert runs["t-bili-slow"]["completed"]
    source = {**SOURCES[4], "name": "t-bili-slow"}
    killed = make_scenario(tmp_path, mockserver, dict(source))

    want, got = kill_mid_crawl_then_rerun("bilibili", clean, killed)
    for mid, m in want.items():
        assert (got[mid].title, got[mid].text, got[mid].published_at) == (
            m.title,
            m.text,
            m.published_at,
        )


def _asked(mockserver: MockServer, site: str) -> list[str]:
    """The paths (with queries) the fixture server was asked on ``site``, in order."""
    with urllib.request.urlopen(mockserver.url("_seen"), timeout=10) as answer:
        seen = json.load(answer)
    return [path.removeprefix(f"/{site}") for _, path in seen if path.startswith(f"/{site}/")]


def test_requests_are_signed_with_the_keys_read_once_a_run(
    bili: Any, mockserver: MockServer
) -> None:
    asked = _asked(mockserver, "bilibili")
    signed = [p for p in asked if "/wbi/" in p]
    assert signed and all(re.search(r"[?&]wts=\d+&w_rid=[0-9a-f]{32}$", p) for p in signed)
    assert any(p.startswith("/x/v2/reply/wbi/main?") and "mode=2" in p for p in signed)
    # once a run: the 412 site's one run read the keys first, once, and signed the rest
    first, *rest = _asked(mockserver, "bilibili-412")
    assert first == "/x/web-interface/nav" and rest and all("&w_rid=" in p for p in rest)


def test_stale_keys_are_read_again_once_and_the_requests_asked_again(
    bili: Any, mockserver: MockServer
) -> None:
    """The keys nav gives first are stale: the search gets -352, the keys are read again
    and the search asked again; the run is as complete as with fresh keys."""
    scenarios, runs = bili
    run = runs["t-bili-rotate"]
    assert run["completed"] and run["errors"]["total"] == 0 and run["blocked"] is None
    assert _asked(mockserver, "bilibili-rotate").count("/x/web-interface/nav") == 2
    fresh = {k.split(":", 1)[1] for k in mentions(scenarios["t-bili"]) if ":BV1Jg" in k}
    rotated = {k.split(":", 1)[1] for k in mentions(scenarios["t-bili-rotate"])}
    assert fresh and fresh <= rotated


def test_a_risk_check_after_new_keys_is_the_block(bili: Any, mockserver: MockServer) -> None:
    """-352 with stale keys refreshes them once; -352 again is the site's risk check."""
    _, runs = bili
    assert runs["t-bili-352"]["blocked"] == "captcha"
    assert _asked(mockserver, "bilibili-352").count("/x/web-interface/nav") == 2


def test_no_request_leaves_the_sources_hosts(bili: Any, mockserver: MockServer) -> None:
    """Video and reply URLs name www.bilibili.com; only the source's host was asked."""
    with urllib.request.urlopen(mockserver.url("_seen"), timeout=10) as answer:
        seen = json.load(answer)
    ours = [(host, path) for host, path in seen if path.startswith("/bilibili")]
    assert ours and all(host.startswith("127.0.0.1:") for host, _ in ours)
