"""The 黑猫投诉 spider against the fixture site (tests/crawlers/mockserver/tousu.py): the
signed search and its paging, complaint pages, brands from 投诉对象, a status change as an
update (also of a complaint no later listing shows), blocks, a broken complaint page, and
a SIGKILL mid-crawl with no gap and no duplicate."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.crawlers.conftest import Scenario, make_scenario, mentions, run_batch
from tests.crawlers.mockserver import REPO, MockServer
from tests.crawlers.test_resume import _runs, kill_mid_crawl_then_rerun

SOURCES: list[dict[str, Any]] = [
    {"name": "t-tousu", "site": "tousu", "kind": "tousu", "query": ["极光汽车", "清泉乳业"]},
    {
        "name": "t-tousu-cap",
        "site": "tousu",
        "kind": "tousu",
        "query": ["极光汽车"],
        "max_pages": 1,
    },
    {"name": "t-tousu-bad", "site": "tousu-bad", "kind": "tousu", "query": ["极光汽车"]},
    {"name": "t-tousu-visitor", "site": "tousu-visitor", "kind": "tousu", "query": ["极光汽车"]},
    {"name": "t-tousu-login", "site": "tousu-login", "kind": "tousu", "query": ["极光汽车"]},
    {"name": "t-tousu-slow", "site": "tousu-slow", "kind": "tousu", "query": ["极光汽车"]},
    {"name": "t-tousu-salt", "site": "tousu-salt", "kind": "tousu", "query": ["极光汽车"]},
    {
        "name": "t-tousu-company",
        "site": "tousu",
        "kind": "tousu",
        "mode": "company",
        "user_ids": ["1040000000"],
    },
    {
        "name": "t-tousu-needlogin",
        "site": "tousu-needlogin",
        "kind": "tousu",
        "query": ["极光汽车"],
    },
]


@pytest.fixture(scope="module")
def tousu(
    mockserver: MockServer, tmp_path_factory: pytest.TempPathFactory
) -> tuple[dict[str, Scenario], dict[str, dict[str, Any]]]:
    root = tmp_path_factory.mktemp("tousu")
    scenarios = {s["name"]: make_scenario(root, mockserver, dict(s)) for s in SOURCES}
    return scenarios, run_batch(list(scenarios.values()))


def test_search_pages_and_complaint_pages(tousu: Any) -> None:
    scenarios, runs = tousu
    run = runs["t-tousu"]
    assert run["completed"] and run["errors"]["total"] == 0, run["_log"][-3000:]
    assert run["pages"] == 3 + 12  # 2 + 1 signed search pages, 12 complaint pages
    found = mentions(scenarios["t-tousu"])
    assert len(found) == 11  # the 北极光户外 complaint names no brand (an exclusion)
    assert run["items"]["dropped_no_brand"] == 1
    assert "t-tousu:17390000110" in found  # page 2 of 极光汽车
    m = found["t-tousu:17390000103"]
    assert (m.kind, m.source_kind, m.title) == ("complaint", "tousu", "定金不退")
    assert m.text.startswith("交了5000元定金") and m.author.name == "黑猫用户0927"
    assert m.url.endswith("/tousu/complaint/view/17390000103/")
    assert m.complaint is not None
    assert (m.complaint.status, m.complaint.company) == ("处理中", "极光汽车")
    assert (m.complaint.issue, m.complaint.demands) == ("退款问题", "退款")
    assert m.complaint.amount == 5000.0
    t0 = datetime.fromisoformat(run["started_at"])
    assert abs(m.published_at - (t0 - timedelta(hours=3))) < timedelta(minutes=3)
    settled = found["t-tousu:17390000104"].complaint
    assert settled is not None and (settled.status, settled.amount) == ("已完成", 1999.0)
    assert found["t-tousu:17390000105"].complaint.amount is None  # type: ignore[union-attr]
    # the text does not name the brand: the complaint is against it (投诉对象)
    brakes = found["t-tousu:17390000101"]
    assert "极光" not in brakes.title + brakes.text and brakes.brand_names == ["极光汽车"]
    assert found["t-tousu:17390000201"].brand_names == ["清泉乳业"]


def test_complaints_a_company_received(tousu: Any) -> None:
    """mode: company reads the company's received complaints (signed with its couid),
    also those that never name it, page by page."""
    scenarios, runs = tousu
    run = runs["t-tousu-company"]
    assert run["completed"] and run["errors"]["total"] == 0, run["_log"][-3000:]
    found = mentions(scenarios["t-tousu-company"])
    assert len(found) == 9 and run["pages"] == 2 + 9  # 5 + 4 listed, each complaint page
    assert {m.complaint.company for m in found.values() if m.complaint} == {"极光汽车"}
    assert found["t-tousu-company:17390000101"].brand_names == ["极光汽车"]


def test_page_cap_is_truncation(tousu: Any) -> None:
    _, runs = tousu
    run = runs["t-tousu-cap"]
    assert run["completed"] and run["items"]["new"] == 6
    assert [t["reason"] for t in run["truncation"]] == ["page_cap"]


def test_broken_complaint_page_is_a_lost_page(tousu: Any) -> None:
    scenarios, runs = tousu
    run = runs["t-tousu-bad"]
    assert run["completed"] and run["errors"]["unparsable"] == 1
    assert run["pages_lost"] == 1 and run["watermark_held"]
    assert "no complaint" in run["_log"] and "17390000108" in run["_log"]
    assert "t-tousu-bad:17390000108" not in mentions(scenarios["t-tousu-bad"])


def test_a_refused_signature_is_a_failed_page_not_an_empty_result(tousu: Any) -> None:
    """The site changed the constant its search is signed with: every search page is
    refused; the run counts it unparsable and lost (the watermark holds), never "0 new"."""
    _, runs = tousu
    run = runs["t-tousu-salt"]
    assert run["errors"]["unparsable"] == 1 and run["pages_lost"] == 1
    assert run["watermark_held"] and "签名错误" in run["_log"]


@pytest.mark.parametrize(
    ("source", "reason"),
    [("t-tousu-visitor", "captcha"), ("t-tousu-login", "login"), ("t-tousu-needlogin", "login")],
)
def test_block_pages_pause_the_source(tousu: Any, source: str, reason: str) -> None:
    scenarios, runs = tousu
    run = runs[source]
    assert not run["completed"] and run["blocked"] == reason
    with scenarios[source].store() as store:
        (health,) = store.get_source_health(source)
        assert health.state == "paused" and health.reason == reason
        assert (store.get_cursor(source) or {}).get("watermark") is None


def _next_run(server: MockServer) -> None:
    with urllib.request.urlopen(server.url("tousu-moving/_next_run"), timeout=10) as answer:
        answer.read()


def test_status_change_is_an_update(mockserver: MockServer, tmp_path: Path) -> None:
    """A complaint's status moves 处理中 → 已回复 → 已完成 over three runs: each run that
    sees a new status updates the stored mention; a 20-day-old unsettled complaint, on no
    page a later run lists, is read again and its new status stored too. The first run
    is ``radar crawl``."""
    scenario = make_scenario(
        tmp_path,
        mockserver,
        {"name": "t-moving", "site": "tousu-moving", "kind": "tousu", "query": ["极光汽车"]},
    )
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "radar",
            "crawl",
            "t-moving",
            "--json",
            "--config",
            str(scenario.config),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    first = json.loads(proc.stdout)
    assert first["completed"] and first["items"]["new"] == 10

    def status(sn: int) -> str:
        found = mentions(scenario)[f"t-moving:{sn}"].complaint
        assert found is not None
        return found.status

    assert (status(17390000101), status(17390000199)) == ("处理中", "处理中")
    _next_run(mockserver)
    (second,) = _runs(scenario, 1)
    assert second["completed"] and second["items"]["new"] == 0
    assert second["items"]["updated"] == 2
    assert (status(17390000101), status(17390000199)) == ("已回复", "已回复")
    assert second["stopped_at_seen"] == 1  # page 3, where 17390000199 is, was not read
    _next_run(mockserver)
    (third,) = _runs(scenario, 1)
    assert third["items"]["updated"] == 1 and status(17390000101) == "已完成"
    with scenario.store() as store:
        seen = (store.get_cursor("t-moving") or {})["seen"]
    assert seen["open:17390000101"] is None  # settled: no longer read again
    assert isinstance(seen["open:17390000199"], dict)
    assert seen["complaint:17390000101"] == "已完成"


def test_sigkill_mid_crawl_then_rerun_matches_a_clean_run(
    mockserver: MockServer, tousu: Any, tmp_path: Path
) -> None:
    scenarios, runs = tousu
    clean = scenarios["t-tousu-slow"]
    assert runs["t-tousu-slow"]["completed"]
    killed = make_scenario(
        tmp_path,
        mockserver,
        {"name": "t-tousu-slow", "site": "tousu-slow", "kind": "tousu", "query": ["极光汽车"]},
    )

    want, got = kill_mid_crawl_then_rerun("tousu", clean, killed)
    for mid, m in want.items():
        assert (got[mid].text, got[mid].complaint, got[mid].published_at) == (
            m.text,
            m.complaint,
            m.published_at,
        )


def test_no_request_leaves_the_sources_hosts(tousu: Any, mockserver: MockServer) -> None:
    """The API's complaint URLs and the visitor page name other hosts; nothing but the
    source's own host (127.0.0.1) was requested."""
    with urllib.request.urlopen(mockserver.url("_seen"), timeout=10) as answer:
        seen = json.load(answer)
    tousu_seen = [(host, path) for host, path in seen if path.startswith("/tousu")]
    assert tousu_seen and all(host.startswith("127.0.0.1:") for host, _ in tousu_seen)
