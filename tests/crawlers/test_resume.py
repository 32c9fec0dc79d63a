"""Killing a crawl (SIGKILL) mid-way and running it again ends with exactly the mentions
a clean run stores: no gaps, no duplicates. Uses ``scrapy crawl`` from the repo root.
Comments beyond max_comment_pages are stored by later runs, again without duplicates."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.crawlers.conftest import Scenario, make_scenario, mentions
from tests.crawlers.mockserver import REPO, MockServer


def _scrapy_crawl(scenario: Scenario, spider: str = "weibo") -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            *(sys.executable, "-m", "scrapy", "crawl", spider, "-a", f"source={scenario.source}"),
            *("-a", f"config={scenario.config}", "-s", "RADAR_STORE_BATCH=5"),
            *("-s", "RADAR_STORE_FLUSH_SECONDS=0.1", "-s", "LOG_LEVEL=WARNING"),
        ],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def kill_mid_crawl_then_rerun(
    spider: str, clean: Scenario, killed: Scenario, total: int = 120
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``scrapy crawl SPIDER`` on ``killed`` is SIGKILLed once 15 mentions are stored and
    that progress is noted in its cursor (a separate write right after each batch's: a
    kill between the two is the next batch's case): the watermark has not moved past
    unstored posts; run again,
    it finishes with exactly the mentions of the ``clean`` run (no gap, no duplicate row)
    and closes its run. Returns (clean run's mentions, killed-and-rerun's) by id, for
    each kind's own field checks."""
    proc = _scrapy_crawl(killed, spider)
    deadline = time.monotonic() + 60
    while (
        min(_stored(killed.db), _noted(killed.db, killed.source)) < 15
        and time.monotonic() < deadline
        and proc.poll() is None
    ):
        time.sleep(0.05)
    assert proc.poll() is None, "the crawl ended before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.stderr is not None
    proc.stderr.close()
    assert 15 <= _stored(killed.db) < total  # stopped part-way through
    with killed.store() as store:
        cursor = store.get_cursor(killed.source) or {}
        assert cursor.get("run", {}).get("stored", 0) >= 15
        assert cursor.get("watermark") is None

    again = _scrapy_crawl(killed, spider)
    _, err = again.communicate(timeout=90)
    assert again.returncode == 0, err.decode()[-3000:]
    assert b"previous run was interrupted" in err
    want, got = mentions(clean), mentions(killed)
    assert len(want) == total
    assert sorted(got) == sorted(want)  # no gaps, and ids are unique in a dict
    assert _stored(killed.db) == total  # no duplicate rows either
    with killed.store() as store:
        cursor = store.get_cursor(killed.source) or {}
        assert cursor["run"] is None and cursor["watermark"]
    return want, got


def _noted(db: str, source: str) -> int:
    """Mentions the run's cursor says it has stored so far (0 before the first note)."""
    path = db.removeprefix("sqlite:///")
    if not Path(path).exists():
        return 0
    try:
        with sqlite3.connect(path, timeout=1) as conn:
            row = conn.execute("SELECT cursor FROM cursors WHERE source = ?", (source,)).fetchone()
    except sqlite3.OperationalError:
        return 0  # schema not created yet
    run = json.loads(row[0]).get("run") if row else None
    return int(run.get("stored", 0)) if isinstance(run, dict) else 0


def _stored(db: str) -> int:
    path = db.removeprefix("sqlite:///")
    if not Path(path).exists():
        return 0
    try:
        with sqlite3.connect(path, timeout=1) as conn:
            return int(conn.execute("SELECT count(*) FROM mentions").fetchone()[0])
    except sqlite3.OperationalError:
        return 0  # schema not created yet


def test_sigkill_mid_crawl_then_rerun_matches_a_clean_run(
    mockserver: MockServer,
    scenarios: dict[str, Scenario],
    first_runs: dict[str, dict[str, Any]],
    tmp_path: Path,
) -> None:
    clean = scenarios["t-slow-clean"]  # crawled to completion in the first batch
    assert first_runs["t-slow-clean"]["completed"]
    killed = make_scenario(
        tmp_path,
        mockserver,
        {
            "name": "t-slow-clean",
            "site": "slow",
            "kind": "weibo",
            "query": ["极光汽车"],
            "fetch_comments": False,
        },
    )
    want, got = kill_mid_crawl_then_rerun("weibo", clean, killed)
    for mid, m in want.items():
        assert (got[mid].text, got[mid].brand_names) == (m.text, m.brand_names)


def test_comments_beyond_the_page_cap_are_stored_by_later_runs(
    mockserver: MockServer, tmp_path: Path
) -> None:
    """A crisis post with 40 hotflow pages, crawled with max_comment_pages: 3, has all 40
    pages of comments stored after enough later runs (3 more pages per run, from where
    the last run stopped), hottest post first, with no duplicate rows."""
    scenario = make_scenario(
        tmp_path,
        mockserver,
        {
            "name": "t-hot",
            "site": "weibo",
            "kind": "weibo",
            "query": ["极光热帖"],
            "max_comment_pages": 3,
        },
    )
    hot, cool = "4990000000000001", "4990000000000002"

    def comments_of(post: str) -> int:
        return sum(1 for m in mentions(scenario).values() if m.parent_id == f"t-hot:{post}")

    (first,) = _runs(scenario, 1)
    assert first["completed"] and comments_of(hot) == 6 and comments_of(cool) == 6
    assert [t["reason"] for t in first["truncation"]] == ["comment_page_cap"] * 2
    with scenario.store() as store:
        pending = (store.get_cursor("t-hot") or {})["comments"]
        assert [pending[p]["pages"] for p in (hot, cool)] == [3, 3]
        assert pending[hot]["heat"] > pending[cool]["heat"]  # 80 comments vs 20

    later = _runs(scenario, 14)
    assert all(r["completed"] and r["errors"]["total"] == 0 for r in later)
    # 3 pages (6 comments) of each post a run: the cool post's 10 pages take 4 runs, the
    # hot post's 40 pages 14 in all (the first and 13 of these); then nothing is left
    new = [r["items"]["new"] for r in later]
    assert new == [12, 12, 8, 6, 6, 6, 6, 6, 6, 6, 6, 6, 2, 0], new
    assert comments_of(hot) == 80 and comments_of(cool) == 20
    assert _stored(scenario.db) == 2 + 80 + 20  # no duplicate rows
    assert later[-1]["requests"] == 1 and not later[-1]["truncated"]
    with scenario.store() as store:
        cursor = store.get_cursor("t-hot") or {}
        assert cursor["comments"] == {}  # nothing left to continue
        assert cursor["seen"][f"comments:{hot}"] == 80


def test_new_top_comments_are_read_while_a_comment_cursor_goes_deeper(
    mockserver: MockServer, tmp_path: Path
) -> None:
    """A post that keeps gaining comments while its comment cursor works through the older
    pages: each run reads its top pages again (the new hot comments are stored that run)
    without setting the cursor back (it still moves 3 pages a run)."""
    scenario = make_scenario(
        tmp_path,
        mockserver,
        {
            "name": "t-growing",
            "site": "weibo-growing",
            "kind": "weibo",
            "query": ["极光热帖"],
            "max_comment_pages": 3,
        },
    )
    runs = _runs(scenario, 3)
    assert all(r["completed"] for r in runs)
    found = mentions(scenario)
    assert {f"t-growing:{4990000000900000 + n}" for n in (1, 2, 3)} <= set(found)
    with scenario.store() as store:
        pending = (store.get_cursor("t-growing") or {})["comments"]
    assert pending["4990000000000001"]["pages"] == 9


def _runs(scenario: Scenario, runs: int) -> list[dict[str, Any]]:
    """``runs`` crawls of the scenario's source one after another (later scheduled runs)."""
    args = [scenario.source, str(scenario.config), str(runs)]
    proc = subprocess.run(
        [sys.executable, "-m", "tests.crawlers.sequential", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    summaries: list[dict[str, Any]] = json.loads(proc.stdout.strip().splitlines()[-1])
    assert len(summaries) == runs and all(summaries), proc.stderr[-4000:]
    return summaries
