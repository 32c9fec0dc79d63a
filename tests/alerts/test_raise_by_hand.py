"""The PR lead raises a case's severity by hand (P3 → P2 → P1) with a reason: the rules only
ever raised it. alerts.actions.raise_severity records who, when and why, and the case
reaches the channel routed for the new severity as an automatic raise does."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from alerts import actions
from alerts.cases import CaseManager
from alerts.engine import AlertEngine
from tests.alerts.conftest import T0, make_config, slack_config, surge_finding


def test_a_case_raised_by_hand_reaches_the_p1_channel(slack, store) -> None:  # type: ignore[no-untyped-def]
    url, state = slack
    config = slack_config(url)  # routes: P1 -> #crisis-p1, else #crisis
    engine = AlertEngine(config, store)
    [opened] = CaseManager(config, store).apply("极光汽车", [surge_finding()], T0, None)
    engine.deliver_outbox(T0)
    assert [r["channel"] for r in state.requests] == ["#crisis"]
    case = store.get_case(opened.case_id)
    assert case.severity == "P3" and case.status == "open"
    first_due = case.ack_due_at

    at = T0 + timedelta(minutes=5)
    event = actions.raise_severity(store, config, case.id, "pr", "P1", "央视记者来电核实", now=at)
    assert event.kind == "raised" and event.actor == "pr" and event.at == at
    assert event.text == "⏫ pr raised the severity P3 → P1: 央视记者来电核实"
    assert event.data["severity"] == "P1" and event.data["from"] == "P3"
    assert event.data["reason"] == "央视记者来电核实"
    saved = store.get_case(case.id)
    assert saved.severity == "P1"
    # the P1 acknowledgement deadline, counted from the raise, when it is sooner
    p1_due = at + timedelta(seconds=config.alerts.ack_deadline.P1)
    assert saved.ack_due_at == min(first_due, p1_due)

    engine.deliver_outbox(at)
    posts = {r["channel"]: r for r in state.requests[1:]}
    thread = posts["#crisis"]
    assert thread["thread_ts"] == state.requests[0]["ts"] and thread.get("reply_broadcast")
    assert "央视记者来电核实" in json.dumps(thread, ensure_ascii=False)
    p1 = posts["#crisis-p1"]  # the channel routed for P1 gets the case message
    assert "thread_ts" not in p1 and "P1 · 极光汽车" in json.dumps(p1["blocks"], ensure_ascii=False)
    assert store.get_case(case.id).slack["ts"] == state.requests[0]["ts"]  # thread kept


def test_p3_to_p2_to_p1_step_by_step(store) -> None:  # type: ignore[no-untyped-def]
    config = make_config()
    [opened] = CaseManager(config, store).apply("极光汽车", [surge_finding()], T0, None)
    actions.acknowledge(store, opened.case_id, "pr", now=T0)
    actions.raise_severity(store, config, opened.case_id, "pr", "p2", "媒体开始转发", now=T0)
    actions.raise_severity(store, config, opened.case_id, "admin", "P1", "上了热搜", now=T0)
    case = store.get_case(opened.case_id)
    assert case.severity == "P1" and case.status == "acknowledged"
    assert case.ack_due_at is None  # acknowledged: nothing to acknowledge by
    raised = [e for e in store.case_events(case.id) if e.kind == "raised"]
    assert [(e.actor, e.data["from"], e.data["severity"]) for e in raised] == [
        ("pr", "P3", "P2"),
        ("admin", "P2", "P1"),
    ]


@pytest.mark.parametrize(
    ("steps", "severity", "reason", "message"),
    [
        ([], "P1", "  ", "say why the case is raised"),
        ([], "P0", "why", "'P0' is not a severity"),
        ([], "P3", "why", "is P3: it can only be raised"),
        (["P1"], "P2", "why", "is P1: it can only be raised"),
        (["resolve"], "P1", "why", "is resolved: only an open or acknowledged case"),
    ],
)
def test_a_raise_that_is_not_one_is_refused(store, steps, severity, reason, message) -> None:  # type: ignore[no-untyped-def]
    config = make_config()
    [opened] = CaseManager(config, store).apply("极光汽车", [surge_finding()], T0, None)
    for step in steps:
        if step == "resolve":
            actions.resolve(store, opened.case_id, "pr", now=T0)
        else:
            actions.raise_severity(store, config, opened.case_id, "pr", step, "先前", now=T0)
    before = store.get_case(opened.case_id)
    events = len(store.case_events(opened.case_id))
    with pytest.raises(actions.ActionError, match=message):
        actions.raise_severity(store, config, opened.case_id, "pr", severity, reason, now=T0)
    assert store.get_case(opened.case_id).severity == before.severity
    assert len(store.case_events(opened.case_id)) == events  # nothing recorded
