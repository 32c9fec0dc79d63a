"""Slack delivery through slack-sdk against a local stand-in for the Web API."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest

from alerts import actions
from alerts.cases import CaseManager
from alerts.engine import AlertEngine
from alerts.notifiers import ConsoleNotifier, SlackNotifier
from index import open_store
from tests.alerts.conftest import T0, fact, make_config, slack_config, surge_finding

pytestmark = pytest.mark.slack

NASTY = "<!channel> 假货 & 骗子 <http://evil.example|点这里领奖> 极光汽车"


def open_case(config, store, finding=None):
    events = CaseManager(config, store).apply("极光汽车", [finding or surge_finding()], T0, None)
    return store.get_case(events[0].case_id)


def test_case_message_then_thread_update(slack, store) -> None:
    url, state = slack
    config = slack_config(url)
    engine = AlertEngine(config, store)
    assert isinstance(engine.notifier, SlackNotifier)
    case = open_case(config, store, surge_finding(evidence=[fact(1, NASTY), fact(2)]))

    assert engine.deliver_outbox(T0) == 1
    [msg] = state.requests
    assert msg["method"] == "chat.postMessage" and msg["channel"] == "#crisis"
    blocks = json.dumps(msg["blocks"], ensure_ascii=False)
    assert "P3 · 极光汽车: Negative surge" in blocks
    assert "12 new negative stories in 10 min" in blocks
    # crawled text is escaped: no injected @channel or link
    assert "<!channel>" not in blocks and "&lt;!channel&gt;" in blocks
    assert "&amp; 骗子" in blocks and "<http://evil.example" not in blocks
    assert "<https://weibo.example/1|" in blocks  # evidence links to the post
    assert "https://radar.example/cases/" + case.id in blocks
    buttons = {
        e["action_id"]: e for b in msg["blocks"] if b["type"] == "actions" for e in b["elements"]
    }
    assert buttons["case_acknowledge"]["value"] == case.id
    assert buttons["case_resolve"]["value"] == case.id
    assert "<@U0DUTY>" in blocks  # the ladder's first step is told with the alert
    assert store.get_case(case.id).slack == {"channel": "#crisis", "ts": msg["ts"]}

    actions.acknowledge(store, case.id, "alice", now=T0 + timedelta(minutes=3))
    assert engine.deliver_outbox(T0 + timedelta(minutes=3)) == 1
    reply = state.requests[1]
    assert reply["thread_ts"] == msg["ts"] and reply["channel"] == "#crisis"
    assert "Acknowledged by alice" in reply["text"]
    kinds = [e.kind for e in store.case_events(case.id)]
    assert kinds == ["alerted", "notified", "acknowledged", "notified"]


def test_p1_goes_to_its_route(slack, store) -> None:
    url, state = slack
    config = slack_config(url)
    open_case(config, store, surge_finding(ratio=15.0))
    AlertEngine(config, store).deliver_outbox(T0)
    assert state.requests[0]["channel"] == "#crisis-p1"


def test_rate_limit_retry_after_is_honoured(slack, store) -> None:
    url, state = slack
    config = slack_config(url)
    engine = AlertEngine(config, store)
    case = open_case(config, store)
    state.rate_limit = [7]
    assert engine.deliver_outbox(T0) == 0
    pending = store.get_notification(f"{case.id}:alert")
    assert pending.delivered_at is None and "429" in pending.last_error
    assert pending.next_attempt_at == T0 + timedelta(seconds=7)
    assert engine.deliver_outbox(T0 + timedelta(seconds=5)) == 0
    assert state.attempts == 1  # not retried before Retry-After
    assert engine.deliver_outbox(T0 + timedelta(seconds=7)) == 1
    assert len(state.requests) == 1


@pytest.mark.parametrize("failure", ["down", "drop"])
def test_outage_is_retried_with_backoff_and_delivered_after_restart(
    slack, tmp_path, failure
) -> None:
    url, state = slack
    config = slack_config(url)
    db = f"sqlite:///{tmp_path / 'outage.db'}"
    store = open_store(db)
    case = open_case(config, store)
    actions.add_note(store, case.id, "bob", "已联系车主", now=T0 + timedelta(seconds=1))
    setattr(state, failure, True)
    engine = AlertEngine(config, store)
    assert engine.deliver_outbox(T0) == 0
    first = store.get_notification(f"{case.id}:alert")
    assert first.attempts == 1 and first.next_attempt_at == T0 + timedelta(seconds=10)
    assert engine.deliver_outbox(first.next_attempt_at) == 0
    second = store.get_notification(f"{case.id}:alert")
    assert second.next_attempt_at == first.next_attempt_at + timedelta(seconds=20)  # doubled
    store.close()

    setattr(state, failure, False)  # Slack is back; the service restarts
    store = open_store(db)
    engine = AlertEngine(config, store)
    later = T0 + timedelta(minutes=5)
    assert engine.deliver_outbox(later) == 2  # the case message, then its thread reply
    assert engine.deliver_outbox(later + timedelta(hours=1)) == 0
    assert [r.get("thread_ts") is not None for r in state.requests] == [False, True]
    assert "已联系车主" in state.requests[1]["text"]
    store.close()


@pytest.mark.parametrize("failure", ["down", "drop"])
def test_slack_down_is_tried_once_a_run(slack, store, failure) -> None:
    """Each due Slack message was tried in turn while Slack was down, one timeout after
    another (10 s each when it hangs), before the robots' and mail's turn."""
    url, state = slack
    config = slack_config(url)
    first = open_case(config, store)
    events = CaseManager(config, store).apply("清泉乳业", [surge_finding("清泉乳业")], T0, None)
    second = store.get_case(events[0].case_id)
    setattr(state, failure, True)
    engine = AlertEngine(config, store)
    assert engine.deliver_outbox(T0) == 0
    tried = [store.get_notification(f"{c.id}:alert") for c in (first, second)]
    assert sorted(n.attempts for n in tried) == [0, 1]  # the other one is still due (was 1)
    assert "Unreachable: Slack" in "".join(n.last_error for n in tried)
    setattr(state, failure, False)
    assert engine.deliver_outbox(T0 + timedelta(seconds=5)) == 1  # the one not tried
    assert engine.deliver_outbox(T0 + timedelta(minutes=1)) == 1
    assert len(state.requests) == 2


def test_each_notification_is_delivered_once(slack, store) -> None:
    url, state = slack
    config = slack_config(url)
    engine = AlertEngine(config, store)
    case = open_case(config, store)
    # the same surge firing again updates the case instead of a second case/message
    CaseManager(config, store).apply(
        "极光汽车", [surge_finding()], T0 + timedelta(minutes=1), store.get_case(case.id)
    )
    for minute in range(3):
        engine.deliver_outbox(T0 + timedelta(minutes=minute))
    assert len(state.requests) == 1
    assert len(store.list_cases()) == 1
    from alerts import outbox

    assert not outbox.enqueue(store, f"{case.id}:alert", "#x", {"kind": "case"}, T0)


def test_thread_update_waits_for_its_case_message(slack, store) -> None:
    url, state = slack
    config = slack_config(url)
    engine = AlertEngine(config, store)
    case = open_case(config, store)
    actions.acknowledge(store, case.id, "alice", now=T0)
    state.rate_limit = [30]
    engine.deliver_outbox(T0)
    assert state.requests == []
    engine.deliver_outbox(T0 + timedelta(seconds=30))
    engine.deliver_outbox(T0 + timedelta(seconds=60))
    assert [("thread_ts" in r) for r in state.requests] == [False, True]


def test_console_notifier_logs_and_records_the_same_content(store, caplog) -> None:
    config = make_config()
    engine = AlertEngine(config, store)
    assert isinstance(engine.notifier, ConsoleNotifier)
    case = open_case(config, store, surge_finding(evidence=[fact(1, NASTY)]))
    with caplog.at_level(logging.WARNING, logger="alerts.console"):
        assert engine.deliver_outbox(T0) == 1
    assert "极光汽车" in caplog.text and "&lt;!channel&gt;" in caplog.text
    notified = [e for e in store.case_events(case.id) if e.kind == "notified"]
    assert notified[0].data["via"] == "console"
    assert "12 new negative stories" in notified[0].data["content"]
