"""The crisis path as a PR team meets it: reopened cases, escalation, digests."""

from __future__ import annotations

from datetime import timedelta

from alerts import actions
from alerts.cases import CaseManager
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
