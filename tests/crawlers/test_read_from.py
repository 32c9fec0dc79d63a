"""A crawl run says how far back it read its listings (``read_from``): the coverage of
the digest counts a first crawl's backfill as collected hours (alerts/coverage.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tests.crawlers.conftest import Scenario, mentions


def test_a_first_run_reports_the_oldest_listed_post_it_read(
    first_runs: dict[str, dict[str, Any]], scenarios: dict[str, Scenario]
) -> None:
    run = first_runs["t-weibo"]
    assert run["completed"]
    listed = [m.published_at for m in mentions(scenarios["t-weibo"]).values() if not m.parent_id]
    assert datetime.fromisoformat(run["read_from"]) == min(listed)
