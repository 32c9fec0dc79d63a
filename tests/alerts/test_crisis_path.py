"""The crisis path as a PR team meets it: reopened cases, escalation, digests."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from alerts import actions
from alerts.cases import CaseManager
from alerts.engine import AlertEngine
from alerts.messages import plain
from alerts.rules.base import Finding
from config.i18n import use_locale
from config.loader import ConfigError
from tests.alerts.conftest import T0, make_config, slack_config, surge_finding


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
    reply = store.get_notification(f"{case.id}:event:{reopened.seq}").payload
    assert reply["text"].startswith("<@U0DUTY> Reopened (P3)")  # the duty officer is told
    assert reply["broadcast"]
    case = store.get_case(case.id)
    [escalated] = cases.escalate(case, case.ack_due_at)  # nobody acknowledges it again
    assert escalated.data["step"] == "PR manager"
    due = [n for n in store.due_notifications(case.ack_due_at, limit=100) if ":escalate:" in n.key]
    assert [n.key for n in due] == [first.key, f"{case.id}:escalate:1:r1"]
    assert due[1].channel == "#pr-managers" and due[1].created_at == escalated.at


def source_finding(source: str) -> Finding:
    return Finding(
        rule="source_health",
        brand=f"source:{source}",
        key="source_health:paused",
        summary=f"source {source} paused: captcha",
    )


def test_a_crawler_health_case_does_not_climb_to_executives(store) -> None:
    cases = CaseManager(make_config(), store)
    [opened] = cases.apply("source:weibo", [source_finding("weibo")], T0, None)
    case = store.get_case(opened.case_id)
    assert cases.escalate(case, case.ack_due_at) == []  # stays with the duty officer
    assert store.get_case(case.id).ack_due_at is None
    due = store.due_notifications(T0 + timedelta(days=1), limit=100)
    assert not [n for n in due if ":escalate:" in n.key]
    # one step up (and no further) when the config asks for it
    cases = CaseManager(make_config(alerts={"source_health": {"escalate_to": 1}}), store)
    [opened] = cases.apply("source:tieba", [source_finding("tieba")], T0, None)
    case = store.get_case(opened.case_id)
    [escalated] = cases.escalate(case, case.ack_due_at)
    assert escalated.data["step"] == "PR manager"
    case = store.get_case(case.id)
    assert cases.escalate(case, case.ack_due_at) == []


def test_digest_is_one_per_local_day_and_shows_local_time(store) -> None:
    engine = AlertEngine(make_config(), store, pull=False)  # timezone Asia/Shanghai
    early = datetime(2026, 9, 15, 23, 30, tzinfo=UTC)  # 16 Sep 07:30 in Shanghai
    digest = engine.daily_digest(early)
    assert digest["queued"] and digest["key"] == "digest:2026-09-16"
    text = store.get_notification(digest["key"]).payload["text"]
    assert "24 h to Sep 16, 2026 07:00 Asia/Shanghai" in text and "+00:00" not in text
    # someone runs `radar alerts digest` by hand at 09:00 the same local morning
    assert not engine.daily_digest(early + timedelta(minutes=90))["queued"]
    assert engine.daily_digest(early + timedelta(days=1))["queued"]


def test_a_case_raised_to_p1_reaches_the_p1_channel(slack, store) -> None:
    url, state = slack
    config = slack_config(url)  # routes: P1 -> #crisis-p1, else #crisis
    engine = AlertEngine(config, store)
    cases = CaseManager(config, store)
    [opened] = cases.apply("极光汽车", [surge_finding(ratio=4.0)], T0, None)
    engine.deliver_outbox(T0)
    assert [r["channel"] for r in state.requests] == ["#crisis"]
    case = store.get_case(opened.case_id)
    later = T0 + timedelta(minutes=5)
    [raised] = cases.apply("极光汽车", [surge_finding(ratio=15.0, stories=40)], later, case)
    assert "P3 → P1" in raised.text
    engine.deliver_outbox(later)
    posts = {r["channel"]: r for r in state.requests[1:]}
    assert posts["#crisis"]["thread_ts"] == state.requests[0]["ts"]  # the thread hears it
    p1 = posts["#crisis-p1"]  # and the P1 channel gets the case message
    assert "thread_ts" not in p1 and "P1 · 极光汽车" in json.dumps(p1["blocks"], ensure_ascii=False)
    assert store.get_case(case.id).slack["ts"] == state.requests[0]["ts"]  # thread kept
    # raised again within P1: nothing new for the P1 channel
    cases.apply("极光汽车", [surge_finding(ratio=30.0, stories=90)], later, store.get_case(case.id))
    engine.deliver_outbox(later + timedelta(hours=1))
    assert [r["channel"] for r in state.requests].count("#crisis-p1") == 1


def test_thread_updates_stay_in_order_after_an_outage(slack, store) -> None:
    url, state = slack
    config = slack_config(url)  # retry_base 10 s, doubling
    engine = AlertEngine(config, store)
    [opened] = CaseManager(config, store).apply("极光汽车", [surge_finding()], T0, None)
    case_id = opened.case_id
    engine.deliver_outbox(T0)
    state.down = True
    t = T0 + timedelta(minutes=1)
    actions.acknowledge(store, case_id, "alice", now=t)
    for s in (0, 10, 30):  # the acknowledgement fails three times: next try at t + 70 s
        engine.deliver_outbox(t + timedelta(seconds=s))
    actions.add_note(store, case_id, "alice", "已联系车主", now=t + timedelta(seconds=35))
    engine.deliver_outbox(t + timedelta(seconds=35))  # the note fails once: due at t + 45 s
    state.down = False
    for s in range(45, 200, 5):
        engine.deliver_outbox(t + timedelta(seconds=s))
    replies = [r["text"] for r in state.requests[1:]]
    assert len(replies) == 2
    assert "Acknowledged by alice" in replies[0] and "已联系车主" in replies[1]


def test_an_escalation_acknowledged_during_an_outage_is_not_posted(slack, store) -> None:
    url, state = slack
    config = slack_config(url)
    engine = AlertEngine(config, store)
    [opened] = CaseManager(config, store).apply("极光汽车", [surge_finding()], T0, None)
    state.down = True
    engine.deliver_outbox(T0)
    due = store.get_case(opened.case_id).ack_due_at
    [escalated] = engine.check_escalations(due)  # Slack still down: nobody is told
    assert escalated.kind == "escalated"
    engine.deliver_outbox(due)
    actions.acknowledge(store, opened.case_id, "alice", now=due + timedelta(minutes=1))
    state.down = False
    for minutes in range(2, 60, 5):
        engine.deliver_outbox(due + timedelta(minutes=minutes))
    channels = [r["channel"] for r in state.requests]
    assert "#pr-managers" not in channels  # nobody is paged for an acknowledged case
    # the case message, then its thread as the timeline has it
    assert channels == ["#crisis", "#crisis", "#crisis"]
    assert "Acknowledged by alice" in state.requests[2]["text"]
    held = store.get_notification(f"{opened.case_id}:escalate:1")
    assert held.delivered_at is not None and "acknowledged" in held.result["skipped"]


def test_case_message_times_show_in_the_readers_time_zone(store) -> None:
    [opened] = CaseManager(make_config(), store).apply("极光汽车", [surge_finding()], T0, None)
    payload = store.get_notification(f"{opened.case_id}:alert").payload
    fields = json.dumps(payload["blocks"], ensure_ascii=False)
    due = int((T0 + timedelta(hours=2)).timestamp())  # P3: 2 h to acknowledge
    # the fallback (clients that cannot show dates, plain text) in the configured zone,
    # named as the web pages name it (was 2026-09-15 08:00 UTC)
    fallback = "Sep 15, 2026 16:00 Asia/Shanghai"
    assert f"<!date^{due}^{{date_num}} {{time}}|{fallback}>" in fields
    text = plain(payload)  # console notifier and the case timeline: the plain fallback
    assert f"*Acknowledge by*: {fallback}" in text and "<!date" not in text and "UTC" not in text


def test_case_message_times_read_beijing_time_in_chinese(store) -> None:
    config = make_config()
    with use_locale("zh_CN"):  # the engine writes in the deployment's language
        [opened] = CaseManager(config, store).apply("极光汽车", [surge_finding()], T0, None)
    text = plain(store.get_notification(f"{opened.case_id}:alert").payload)
    assert "2026年9月15日 14:00 北京时间" in text  # opened, as the web's when + footer
    assert "2026年9月15日 16:00 北京时间" in text and "UTC" not in text


def test_a_reply_slack_refuses_for_good_does_not_hold_the_thread(slack, store) -> None:
    url, state = slack
    config = slack_config(url)
    engine = AlertEngine(config, store)
    [opened] = CaseManager(config, store).apply("极光汽车", [surge_finding()], T0, None)
    engine.deliver_outbox(T0)
    ack = actions.acknowledge(store, opened.case_id, "alice", now=T0)
    stuck = f"{opened.case_id}:event:{ack.seq}"
    store.mark_notification_failed(stuck, "SlackApiError: invalid_blocks", T0 + timedelta(days=1))
    actions.add_note(store, opened.case_id, "alice", "已联系车主", now=T0 + timedelta(minutes=1))
    engine.deliver_outbox(T0 + timedelta(minutes=1))
    assert len(state.requests) == 1  # the note waits for the acknowledgement …
    engine.deliver_outbox(T0 + timedelta(minutes=61))
    assert "已联系车主" in state.requests[-1]["text"]  # … for an hour at most
    assert store.get_notification(stuck).delivered_at is None


def test_a_case_from_before_slack_was_configured_gets_its_thread(slack, store) -> None:
    url, state = slack
    console = AlertEngine(make_config(), store)  # no Slack token yet: console notifier
    [opened] = CaseManager(make_config(), store).apply("极光汽车", [surge_finding()], T0, None)
    assert console.deliver_outbox(T0) == 1
    assert store.get_case(opened.case_id).slack["ts"].startswith("console:")
    engine = AlertEngine(slack_config(url), store)  # the token is set, the service restarts
    actions.acknowledge(store, opened.case_id, "alice", now=T0 + timedelta(hours=1))
    assert engine.deliver_outbox(T0 + timedelta(hours=1)) == 1
    root, reply = state.requests
    assert "thread_ts" not in root and "Negative surge" in json.dumps(root["blocks"])
    assert reply["thread_ts"] == root["ts"] and "Acknowledged by alice" in reply["text"]
    assert store.get_case(opened.case_id).slack == {"channel": "#crisis", "ts": root["ts"]}


def test_a_public_url_without_scheme_does_not_break_the_case_message(store) -> None:
    with pytest.raises(ConfigError, match=r"web\.public_url.*http\(s\) URL"):
        make_config(web={"public_url": "radar.example.com"})  # config check refuses it
    config = make_config()  # and should one reach the engine, the link is left out
    config = config.model_copy(
        update={"web": config.web.model_copy(update={"public_url": "radar.example.com"})}
    )
    [opened] = CaseManager(config, store).apply("极光汽车", [surge_finding()], T0, None)
    blocks = store.get_notification(f"{opened.case_id}:alert").payload["blocks"]
    urls = [e["url"] for b in blocks for e in b.get("elements", []) if "url" in e]
    assert urls == []  # no button Slack would refuse; Acknowledge / Resolve still there
    buttons = [e["action_id"] for b in blocks for e in b.get("elements", []) if "action_id" in e]
    assert buttons == ["case_acknowledge", "case_resolve"]


def test_a_channel_the_bot_cannot_post_in_falls_back_to_the_default(slack, store) -> None:
    url, state = slack
    state.refuse = {"#crisis-p1": "not_in_channel"}  # the bot was never invited there
    config = slack_config(url)
    engine = AlertEngine(config, store)
    [opened] = CaseManager(config, store).apply(
        "极光汽车", [surge_finding(ratio=15.0)], T0, None
    )  # P1: routed to #crisis-p1
    assert engine.deliver_outbox(T0) == 1
    [msg] = state.requests
    assert msg["channel"] == "#crisis"  # default_channel
    assert "#crisis-p1" in msg["text"] and "not_in_channel" in msg["text"]
    actions.acknowledge(store, opened.case_id, "alice", now=T0 + timedelta(minutes=1))
    engine.deliver_outbox(T0 + timedelta(minutes=1))
    assert state.requests[1]["thread_ts"] == msg["ts"]
    assert state.requests[1]["channel"] == "#crisis"


def test_an_acknowledgement_made_while_the_engine_runs_is_kept(live_engine) -> None:
    engine, store = live_engine
    [opened] = engine.cases.apply("极光汽车", [surge_finding()], T0, None)
    listed = store.get_case(opened.case_id)  # the engine listed the active cases …
    at = T0 + timedelta(hours=3)  # … past the acknowledge deadline
    actions.acknowledge(store, opened.case_id, "alice", now=at)  # … then alice clicked
    engine.cases.apply("极光汽车", [surge_finding(ratio=15.0, stories=40)], at, listed)
    engine._maybe_calm(listed, None, at + timedelta(hours=2))
    saved = store.get_case(opened.case_id)
    assert saved.status == "acknowledged" and saved.acknowledged_by == "alice"
    assert saved.ack_due_at is None and engine.check_escalations(at) == []


@pytest.fixture
def live_engine(store):
    return AlertEngine(make_config(), store, pull=False), store
