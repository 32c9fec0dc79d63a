"""Outbound webhooks through the durable outbox, against a loopback receiver
(tests/alerts/webhook_receiver.py): signatures, filters, a receiver down for ten
minutes, a receiver answering 500 for ever, a secret rotated without loss."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest

from alerts import actions, outbox
from alerts.cases import CaseManager
from alerts.engine import AlertEngine
from alerts.notifiers import ConsoleNotifier
from alerts.webhooks import registry
from index.base import Store
from radar.status import outbox_report
from tests.alerts.conftest import T0, make_config, surge_finding
from tests.alerts.smtp_server import free_port
from tests.alerts.webhook_receiver import ReceiverState, webhook_receiver


@pytest.fixture
def receiver() -> Iterator[tuple[str, ReceiverState]]:
    with webhook_receiver() as r:
        yield r


def subscribe(store: Store, url: str, state: ReceiverState, **filters: Any) -> registry.Subscriber:
    sub = registry.add(store, url, **filters)
    state.secrets = [sub.secret]
    return sub


def open_case(config: Any, store: Any, brand: str = "极光汽车") -> Any:
    events = CaseManager(config, store).apply(brand, [surge_finding(brand=brand)], T0, None)
    return store.get_case(events[0].case_id)


def run(config: Any, store: Any, start: datetime, end: datetime, step: float = 15) -> int:
    """The outbox job every ``step`` seconds of simulated time, a new engine each run."""
    sent, at = 0, start
    while at <= end:
        sent += AlertEngine(config, store, ConsoleNotifier()).deliver_outbox(at)
        at += timedelta(seconds=step)
    return sent


def test_signed_event_with_filters(receiver, store) -> None:
    url, state = receiver
    config = make_config()
    sub = subscribe(store, url, state, brands=["极光汽车"], events=["case.opened"])
    registry.add(store, url, severities=["P1"])  # a P3 case is not for this one
    case = open_case(config, store)
    open_case(config, store, "清泉乳业")  # another brand
    actions.acknowledge(store, case.id, "alice", now=T0)  # case.updated: not subscribed
    run(config, store, T0, T0)
    [event] = state.events
    assert state.rejected == 0 and state.duplicates == 0
    assert event["type"] == "case.opened" and event["case"]["brand"] == "极光汽车"
    assert event["case"]["url"] == f"https://radar.example/cases/{case.id}"
    assert event["id"] == f"{case.id}:event:1@webhook:{sub.id}"
    headers = state.headers[0]
    assert headers["Idempotency-Key"] == event["id"] and headers["X-Radar-Event"] == "case.opened"
    assert headers["X-Radar-Signature"].startswith("v1=")


@pytest.mark.parametrize("down", ["answers 503", "nobody listening"])
def test_receiver_down_ten_minutes_gets_everything_once_in_order(down, store) -> None:
    with ExitStack() as stack:
        port = free_port()
        state = ReceiverState(status=503)
        if down == "answers 503":
            stack.enter_context(webhook_receiver(port, state))
        url = f"http://127.0.0.1:{port}/radar-events"
        config = make_config()
        subscribe(store, url, state)
        case = open_case(config, store)
        other = open_case(config, store, "清泉乳业")
        for minute, (cid, act) in enumerate(
            [(case.id, "ack"), (other.id, "note"), (case.id, "note"), (case.id, "resolve")], 1
        ):
            at = T0 + timedelta(minutes=minute)
            if act == "ack":
                actions.acknowledge(store, cid, "alice", now=at)
            elif act == "note":
                actions.add_note(store, cid, "bob", f"回复用户 {minute}", now=at)
            else:
                actions.resolve(store, cid, "alice", now=at)
        run(config, store, T0, T0 + timedelta(minutes=10))
        assert state.events == []
        first = store.get_notification(f"{case.id}:event:1@webhook:{registry.load(store)[0].id}")
        assert ("HTTP 503" if down == "answers 503" else "ConnectError") in first.last_error
        state.status = 200  # back
        if down == "nobody listening":
            stack.enter_context(webhook_receiver(port, state))
        run(config, store, T0 + timedelta(minutes=10, seconds=15), T0 + timedelta(hours=1))
    assert state.duplicates == 0 and state.rejected == 0
    per_case: dict[str, list[int]] = {}
    for e in state.events:
        per_case.setdefault(e["case"]["id"], []).append(e["event"]["seq"])
    kinds = [e["type"] for e in state.events if e["case"]["id"] == case.id]
    assert kinds == ["case.opened", "case.updated", "case.updated", "case.resolved"]
    assert all(seqs == sorted(seqs) for seqs in per_case.values())
    assert len(per_case[other.id]) == 2
    assert outbox_report(store)["dead_letters"] == []


def test_receiver_failing_for_ever_is_dead_lettered_and_visible(receiver, store) -> None:
    url, state = receiver
    config = make_config(webhooks={"max_attempts": 4})
    subscribe(store, url, state, events=["case.opened"])
    state.status = 500
    case = open_case(config, store)
    run(config, store, T0, T0 + timedelta(hours=2), step=60)
    assert state.attempts == 4
    [dead] = outbox.dead_letters(store)
    assert dead.key.startswith(f"{case.id}:event:1@webhook:")
    assert "dead letter after 4 failures" in dead.last_error and "HTTP 500" in dead.last_error
    report = outbox_report(store)
    assert [d["key"] for d in report["dead_letters"]] == [dead.key]
    assert report["webhooks"][0]["secret_hint"].endswith("…")
    assert "secret" not in report["webhooks"][0]
    run(config, store, T0 + timedelta(hours=3), T0 + timedelta(hours=4), step=600)
    assert state.attempts == 4  # given up: not retried


def test_secret_rotated_without_loss(receiver, store) -> None:
    url, state = receiver
    config = make_config()
    sub = subscribe(store, url, state)
    case = open_case(config, store)
    run(config, store, T0, T0)
    # rotated with a grace period: the receiver still knows only the old secret
    rotated = registry.rotate(store, sub.id, grace=3600)
    actions.add_note(store, case.id, "bob", "已联系车主", now=T0 + timedelta(minutes=1))
    run(config, store, T0 + timedelta(minutes=1), T0 + timedelta(minutes=1))
    assert state.headers[-1]["X-Radar-Signature"].count("v1=") == 2
    state.secrets = [rotated.secret]  # the receiver switched
    actions.add_note(store, case.id, "bob", "已道歉", now=T0 + timedelta(minutes=2))
    run(config, store, T0 + timedelta(minutes=2), T0 + timedelta(minutes=2))
    # rotated with no grace while the receiver lags: refused (401), kept, then taken
    newest = registry.rotate(store, sub.id, grace=0)
    actions.resolve(store, case.id, "alice", now=T0 + timedelta(minutes=3))
    run(config, store, T0 + timedelta(minutes=3), T0 + timedelta(minutes=4))
    assert state.rejected >= 1
    state.secrets = [newest.secret]
    run(config, store, T0 + timedelta(minutes=5), T0 + timedelta(minutes=30))
    kinds = [e["type"] for e in state.events]
    assert kinds == ["case.opened", "case.updated", "case.updated", "case.resolved"]
    assert state.duplicates == 0


def test_digest_ready_event(receiver, store) -> None:
    url, state = receiver
    config = make_config()
    subscribe(store, url, state, events=["digest.ready"])
    engine = AlertEngine(config, store, ConsoleNotifier())
    engine.daily_digest(T0)
    engine.daily_digest(T0 + timedelta(minutes=5))  # the same day: once
    run(config, store, T0 + timedelta(minutes=5), T0 + timedelta(minutes=5))
    [event] = state.events
    assert event["type"] == "digest.ready" and "极光汽车" in event["digest"]["brands"]


def test_times_in_a_body_are_utc_with_z_as_in_the_api(receiver, store) -> None:
    """A receiver that also reads the API compares the same strings: the bodies wrote
    ``+00:00`` (isoformat) where the API's answers write ``Z``."""
    url, state = receiver
    config = make_config()
    subscribe(store, url, state)
    case = open_case(config, store)
    engine = AlertEngine(config, store, ConsoleNotifier())
    engine.daily_digest(T0)
    run(config, store, T0, T0)
    opened = next(e for e in state.events if e["type"] == "case.opened")
    api_case = case.model_dump(mode="json")  # what GET /api/v1/cases/{id} answers
    assert opened["case"]["opened_at"] == api_case["opened_at"]
    assert opened["case"]["opened_at"].endswith("Z")
    assert opened["created_at"].endswith("Z") and opened["event"]["at"].endswith("Z")
    digest = next(e for e in state.events if e["type"] == "digest.ready")
    times = [digest["created_at"], digest["digest"]["since"], digest["digest"]["until"]]
    times += digest["digest"]["incomplete"]["day"] + digest["digest"]["incomplete"]["previous"]
    assert all(t.endswith("Z") and "+00:00" not in t for t in times), times


def test_digest_ready_is_created_when_made_not_at_the_days_end(receiver, store) -> None:
    """The service and ``radar alerts digest`` pass the digest's day end as ``now``: the
    demo's digest.ready made at 08:43 in Shanghai read created_at '2026-12-04T16:00:00Z'
    (that midnight), hours before the event was made."""
    url, state = receiver
    config = make_config()
    subscribe(store, url, state, events=["digest.ready"])
    day_end = datetime(2026, 9, 14, 16, 0, tzinfo=UTC)  # midnight in Shanghai
    made = day_end + timedelta(hours=8, minutes=3)  # the scheduled digest's hour
    AlertEngine(config, store, ConsoleNotifier()).daily_digest(day_end, made_at=made)
    run(config, store, made, made)
    [event] = state.events
    assert event["created_at"] == "2026-09-15T00:03:00Z"
    assert event["digest"]["until"] == "2026-09-14T16:00:00Z"  # the day it reports


def test_the_scheduled_digest_is_made_now(monkeypatch, store) -> None:
    """radar.jobs.daily_digest passes the clock beside the day's end."""
    from radar import jobs

    seen: dict[str, Any] = {}

    class Engine:
        def daily_digest(self, now: datetime, made_at: datetime | None = None) -> dict:
            seen.update(now=now, made_at=made_at)
            return {}

    clock = datetime(2026, 9, 15, 0, 3, tzinfo=UTC)
    ctx = type("Ctx", (), {"engine": Engine(), "config": make_config()})()
    monkeypatch.setattr(jobs, "context", lambda path: ctx)
    monkeypatch.setattr(jobs, "now_utc", lambda: clock)
    jobs.daily_digest("radar.yaml")
    assert seen["made_at"] == clock and seen["now"] < clock


def _in_an_hour() -> str:
    return format_datetime(datetime.now(UTC) + timedelta(hours=1), usegmt=True)


@pytest.mark.parametrize(
    ("retry_after", "wait"),
    [
        ("1e12", 24 * 3600),  # 31,700 years: the retry time overflowed
        ("inf", 24 * 3600),
        ("0", 1),
        ("30", 30),
        (None, 60),  # none: a minute
        ("soon", 60),
        (_in_an_hour, 3600),  # an HTTP date (RFC 9110) was read as no number: 60 s
    ],
)
def test_a_429_waits_what_it_asks_within_a_day_and_stops_nothing_else(
    store, retry_after: Any, wait: float
) -> None:
    """A receiver answering 429 with 'Retry-After: 1e12' (or inf) made the outbox's retry
    time overflow ('OverflowError: date value out of range'): every delivery run died on
    that event, and the other subscribers' events and the other targets' messages with it
    (seen on the demo with a local receiver)."""
    config = make_config()
    with webhook_receiver() as (slow_url, slow), webhook_receiver() as (url, state):
        slow.status, slow.retry_after = 429, retry_after() if callable(retry_after) else retry_after
        slow_sub = subscribe(store, slow_url, slow)
        subscribe(store, url, state)
        case = open_case(config, store)
        run(config, store, T0, T0)  # raised OverflowError
        assert [e["type"] for e in state.events] == ["case.opened"]  # the other one has it
        key = outbox.target_key(outbox.event_key(case.id, 1), f"webhook:{slow_sub.id}")
        waiting = store.get_notification(key)
        assert waiting is not None and waiting.delivered_at is None
        assert waiting.next_attempt_at is not None
        assert abs((waiting.next_attempt_at - T0).total_seconds() - wait) < 5
