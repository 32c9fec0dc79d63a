"""The Zhihu spider against the fixture API (tests/crawlers/mockserver/zhihu.py): search
results that are answers (fetched whole) or questions (stored, their answers read),
answers beyond max_comment_pages read by later runs, unchanged answers not fetched again,
the 40352 wall and need_login, and a SIGKILL mid-crawl with no gap and no duplicate."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.crawlers.conftest import Scenario, make_scenario, mentions, run_batch
from tests.crawlers.mockserver import MockServer
from tests.crawlers.test_resume import _runs, _stored, kill_mid_crawl_then_rerun

SOURCES: list[dict[str, Any]] = [
    {"name": "t-zhihu", "site": "zhihu", "kind": "zhihu", "query": ["极光汽车", "清泉乳业"]},
    {"name": "t-zhihu-captcha", "site": "zhihu-captcha", "kind": "zhihu", "query": ["极光汽车"]},
    {"name": "t-zhihu-login", "site": "zhihu-login", "kind": "zhihu", "query": ["极光汽车"]},
    {"name": "t-zhihu-slow", "site": "zhihu-slow", "kind": "zhihu", "query": ["极光汽车"]},
]


@pytest.fixture(scope="module")
def zhihu(
    mockserver: MockServer, tmp_path_factory: pytest.TempPathFactory
) -> tuple[dict[str, Scenario], dict[str, dict[str, Any]]]:
    root = tmp_path_factory.mktemp("zhihu")
    scenarios = {s["name"]: make_scenario(root, mockserver, dict(s)) for s in SOURCES}
    return scenarios, run_batch(list(scenarios.values()))


def test_answers_and_questions_from_the_search(zhihu: Any) -> None:
    scenarios, runs = zhihu
    run = runs["t-zhihu"]
    assert run["completed"] and run["errors"]["total"] == 0, run["_log"][-3000:]
    # 2 + 1 search pages, 3 answers fetched whole, 2 pages of the question's answers
    assert run["pages"] == 8
    found = mentions(scenarios["t-zhihu"])
    assert len(found) == 3 + 1 + 25  # the 北极光 question names no brand; no article
    assert run["items"]["dropped_no_brand"] == 1
    long = found["t-zhihu:2300000001"]
    assert (long.kind, long.source_kind, long.title) == (
        "answer",
        "zhihu",
        "二十万左右的SUV怎么选？",
    )
    assert len(long.text) > 1000 and "刹车异响修了三次" in long.text  # the whole answer
    assert long.brand_names == ["极光汽车"] and long.parent_id is None
    # 1,000 characters of neutral advice around one bad experience with the brand: the
    # polarity toward the brand is that sentence's
    toward = long.sentiment_toward("极光汽车")
    assert toward is not None and toward.label == "negative"
    assert (long.author.name, long.engagement.likes) == ("用车十年", 321)
    assert long.url == "https://www.zhihu.com/question/3300000001/answer/2300000001"
    question = found["t-zhihu:q3300000002"]
    assert (question.kind, question.title) == ("question", "极光汽车X7的刹车异响普遍吗？")
    answers = [m for m in found.values() if m.parent_id == question.id]
    assert len(answers) == 25 and {m.brand_names[0] for m in answers} == {"极光汽车"}
    assert "t-zhihu:2300000002" in found  # page 2 of the search
    assert found["t-zhihu:2300000101"].brand_names == ["清泉乳业"]


@pytest.mark.parametrize(
    ("source", "reason"), [("t-zhihu-captcha", "http_403"), ("t-zhihu-login", "login")]
)
def test_block_answers_pause_the_source(zhihu: Any, source: str, reason: str) -> None:
    scenarios, runs = zhihu
    run = runs[source]
    assert not run["completed"] and run["blocked"] == reason
    with scenarios[source].store() as store:
        (health,) = store.get_source_health(source)
        assert health.state == "paused" and health.reason == reason
        assert (store.get_cursor(source) or {}).get("watermark") is None


def test_answers_beyond_the_page_cap_come_with_later_runs(
    mockserver: MockServer, tmp_path: Path
) -> None:
    """A question with 2 pages of answers crawled with max_comment_pages: 1 has both after
    two runs; the third run fetches no answer again (unchanged answers and counts)."""
    scenario = make_scenario(
        tmp_path,
        mockserver,
        {
            "name": "t-zhihu-cap",
            "site": "zhihu",
            "kind": "zhihu",
            "query": ["极光汽车"],
            "max_comment_pages": 1,
        },
    )
    runs = _runs(scenario, 3)
    assert all(r["completed"] and r["errors"]["total"] == 0 for r in runs)
    assert [r["items"]["new"] for r in runs] == [2 + 1 + 20, 5, 0]
    assert [bool(r["truncated"]) for r in runs] == [True, False, False]
    assert runs[2]["requests"] == 2  # the search down to the watermark, nothing else
    assert _stored(scenario.db) == 2 + 1 + 25  # no duplicate rows
    with scenario.store() as store:
        cursor = store.get_cursor("t-zhihu-cap") or {}
    assert cursor["comments"] == {} and cursor["seen"]["question:q3300000002"] == 25


def test_sigkill_mid_crawl_then_rerun_matches_a_clean_run(
    mockserver: MockServer, zhihu: Any, tmp_path: Path
) -> None:
    scenarios, runs = zhihu
    clean = scenarios["t-zhihu-slow"]
    assert runs["t-zhihu-slow"]["completed"]
    killed = make_scenario(tmp_path, mockserver, dict(SOURCES[3]))

    want, got = kill_mid_crawl_then_rerun("zhihu", clean, killed)
    for mid, m in want.items():
        assert (got[mid].title, got[mid].text, got[mid].published_at) == (
            m.title,
            m.text,
            m.published_at,
        )


def test_no_request_leaves_the_sources_hosts(zhihu: Any, mockserver: MockServer) -> None:
    """The API's own URLs name www.zhihu.com and api.zhihu.com; only the source's host was
    asked."""
    with urllib.request.urlopen(mockserver.url("_seen"), timeout=10) as answer:
        seen = json.load(answer)
    ours = [(host, path) for host, path in seen if path.startswith("/zhihu")]
    assert ours and all(host.startswith("127.0.0.1:") for host, _ in ours)
