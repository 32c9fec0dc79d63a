"""The crisis path as a PR team meets it: reopened cases, escalation, digests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alerts import actions
from alerts.cases import CaseManager
from alerts.engine import AlertEngine
from tests.alerts.conftest import T0, make_config, surge_finding


def test_a_reopened_case_escalates_again_in_slack(store) -> None:
    cases = CaseManager(make_config(), store)
    [opened] = cases.apply("极光汽车", [surge_finding()], T0, None)
    case = store.get_case(opened.case_id)
    cases.escalate(case, case.ack_due_at)  # first life: nobody acknowledged in 2 h
    first = store.get_notification(f"{case.id}:escalate:1")
    at = case.ack_due_at + timedelta(minutes=5)
    actions.acknowledge(store, case.id, "alice", now=at)
    actions.resolve(store, case.id, "alice", now=at)
    [reopened] = cases.apply("极光汽车", [surge_finding()], at + timedelta(hours=1), None)
    assert reopened.kind == "reopened"
    case = store.get_case(case.id)
    [escalated] = cases.escalate(case, case.ack_due_at)  # nobody acknowledges it again
    assert escalated.data["step"] == "PR manager"
    due = [n for n in store.due_notifications(case.ack_due_at, limit=100) if ":escalate:" in n.key]
    assert [n.key for n in due] == [first.key, f"{case.id}:escalate:1:r1"]
    assert due[1].channel == "#pr-managers" and due[1].created_at == escalated.at


def test_digest_is_one_per_local_day_and_shows_local_time(store) -> None:
    engine = AlertEngine(make_config(), store, pull=False)  # timezone Asia/Shanghai
    early = datetime(2026, 9, 15, 23, 30, tzinfo=UTC)  # 16 Sep 07:30 in Shanghai
    digest = engine.daily_digest(early)
    assert digest["queued"] and digest["key"] == "digest:2026-09-16"
    text = store.get_notification(digest["key"]).payload["text"]
    assert "24 h to 2026-09-16 07:00 Asia/Shanghai" in text and "+00:00" not in text
    # someone runs `radar alerts digest` by hand at 09:00 the same local morning
    assert not engine.daily_digest(early + timedelta(minutes=90))["queued"]
    assert engine.daily_digest(early + timedelta(days=1))["queued"]
