"""Killing a crawl (SIGKILL) mid-way and running it again ends with exactly the mentions
a clean run stores: no gaps, no duplicates. Uses ``scrapy crawl`` from the repo root."""

from __future__ import annotations

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


def _scrapy_crawl(scenario: Scenario) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "scrapy",
            "crawl",
            "weibo",
            "-a",
            f"source={scenario.source}",
            "-a",
            f"config={scenario.config}",
            "-s",
            "RADAR_STORE_BATCH=5",
            "-s",
            "RADAR_STORE_FLUSH_SECONDS=0.1",
            "-s",
            "LOG_LEVEL=WARNING",
        ],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


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
    proc = _scrapy_crawl(killed)
    deadline = time.monotonic() + 60
    while _stored(killed.db) < 15 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, "the crawl ended before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.stderr is not None
    proc.stderr.close()
    partial = _stored(killed.db)
    assert 15 <= partial < 120  # stopped part-way through the 12 pages

    with killed.store() as store:
        cursor = store.get_cursor("t-slow-clean") or {}
        # progress was recorded, but the watermark did not move past unstored posts
        assert cursor.get("run", {}).get("stored", 0) >= 15
        assert cursor.get("watermark") is None

    again = _scrapy_crawl(killed)
    _, err = again.communicate(timeout=90)
    assert again.returncode == 0, err.decode()[-3000:]
    assert b"previous run was interrupted" in err

    want, got = mentions(clean), mentions(killed)
    assert len(want) == 120
    assert sorted(got) == sorted(want)  # no gaps, and ids are unique in a dict
    assert _stored(killed.db) == 120  # no duplicate rows either
    for mid, m in want.items():
        assert (got[mid].text, got[mid].brand_names) == (m.text, m.brand_names)
    with killed.store() as store:
        cursor = store.get_cursor("t-slow-clean") or {}
        assert cursor["run"] is None and cursor["watermark"]
