"""Durable notification outbox: every message goes through the Store and is delivered
once per key (idempotent per case and step), retried with back-off, never dropped.

Keys (built and read by ``OutboxKey`` only): ``<case>:alert`` (the case message),
``<case>:alert:<channel>`` (it again in the channel a raised severity routes to),
``<case>:event:<seq>`` (a thread update for a timeline event),
``<case>:escalate:<level>`` (``…:<level>:r<n>`` after the n-th reopening: a reopened
case climbs the ladder again), ``digest:<date>``. A thread update waits until its case
message has been delivered (it needs the message ts)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from alerts.messages import plain
from alerts.notifiers.base import Notifier, RetryLater
from config.alerting import SlackConfig
from index.base import Notification, Store
from index.models import CaseEvent, CaseStatus

log = logging.getLogger(__name__)
ORDER_HOLD = timedelta(hours=1)  # a thread reply waits this long at most for an earlier one


KINDS = ("alert", "event", "escalate", "digest")


@dataclass(frozen=True)
class OutboxKey:
    """The one builder and parser of outbox keys (see the module docstring). ``owner``
    is the case id (the date for a digest); ``part`` the channel of a re-routed case
    message, an event's seq or an escalation level."""

    owner: str
    kind: str
    part: str = ""
    reopens: int = 0

    def __str__(self) -> str:
        if self.kind == "digest":
            return f"digest:{self.owner}"
        key = f"{self.owner}:{self.kind}"
        if self.part:
            key += f":{self.part}"
        return f"{key}:r{self.reopens}" if self.reopens else key

    @classmethod
    def parse(cls, key: str) -> OutboxKey:
        """ValueError naming the key when it is none of the kinds above."""
        head, _, rest = key.partition(":")
        if head == "digest" and rest:
            return cls(rest, "digest")
        kind, _, part = rest.partition(":")
        if not head or kind not in KINDS or kind == "digest":
            raise ValueError(f"not an outbox key: {key!r} (see alerts/outbox.py)")
        reopens = 0
        if kind == "escalate" and ":r" in part:
            part, _, n = part.partition(":r")
            reopens = int(n)
        if kind in ("event", "escalate") and not part.isdigit():
            raise ValueError(f"not an outbox key: {key!r} ({kind} needs a number)")
        return cls(head, kind, part, reopens)


def alert_key(case_id: str, channel: str = "") -> str:
    """The case message; with ``channel``: it again where a raised severity routes."""
    return str(OutboxKey(case_id, "alert", channel))


def event_key(case_id: str, seq: int) -> str:
    return str(OutboxKey(case_id, "event", str(seq)))


def escalation_key(case_id: str, level: int, reopens: int = 0) -> str:
    return str(OutboxKey(case_id, "escalate", str(level), reopens))


def digest_key(day: str) -> str:
    return str(OutboxKey(day, "digest"))


def enqueue(
    store: Store,
    key: str,
    channel: str,
    payload: dict[str, Any],
    now: datetime,
    case_id: str | None = None,
) -> bool:
    """Queue a message; False if this key was queued before (nothing changes)."""
    return store.enqueue_notification(
        Notification(
            key=key,
            channel=channel,
            payload=payload,
            case_id=case_id,
            created_at=now,
            next_attempt_at=now,
        )
    )


def backoff(attempts: int, config: SlackConfig) -> float:
    """Seconds to wait after the ``attempts``-th failure: base·2^(n-1), capped."""
    return min(config.retry_max, config.retry_base * 2 ** max(0, attempts - 1))


def deliver(
    store: Store, notifier: Notifier, now: datetime, config: SlackConfig, limit: int = 50
) -> int:
    """Send what is due; returns how many were delivered. A rate limit stops the run
    (every later call would be refused too) and defers the rest by Retry-After."""
    delivered = 0
    for n in store.due_notifications(now, limit=limit):
        channel, thread_ts = n.channel, None
        repost: Notification | None = None
        if n.payload.get("kind") == "escalation" and n.case_id:
            case = store.get_case(n.case_id)
            if case is not None and case.status != CaseStatus.open:
                # acknowledged (or resolved) while Slack was unreachable: paging the next
                # step now would say "not acknowledged" about a case someone has taken
                skipped = f"case {case.status.value} before the escalation could be sent"
                store.mark_notification_delivered(n.key, now, {"skipped": skipped})
                log.info("outbox: %s not sent: %s", n.key, skipped)
                continue
        if n.payload.get("kind") == "thread":
            case = store.get_case(n.case_id) if n.case_id else None
            thread_ts = case.slack.get("ts") if case else None
            if case is None or not thread_ts:
                root = store.get_notification(alert_key(n.case_id or ""))
                root_due = root.next_attempt_at if root and root.next_attempt_at else now
                retry = max(root_due, now + timedelta(seconds=config.retry_base))
                store.mark_notification_failed(n.key, "waiting for the case message", retry)
                continue
            earlier = _earlier_pending(store, n.key, now)
            if earlier is not None:  # replies keep the timeline's order in the thread
                held_until = (earlier.created_at or now) + ORDER_HOLD
                retry = max(
                    min(earlier.next_attempt_at or now, held_until), now + timedelta(seconds=1)
                )
                store.mark_notification_failed(n.key, f"waiting for {earlier.key}", retry)
                continue
            channel = case.slack.get("channel") or channel
            if str(thread_ts).startswith("console:") and notifier.name != "console":
                # the case message was only logged (no Slack token then): post it now so
                # the reply has a thread (Slack refuses thread_ts "console:…" for good)
                repost = store.get_notification(alert_key(case.id))
                thread_ts = None
        try:
            if repost is not None:
                posted = notifier.send(repost, repost.channel, None)
                _record(store, notifier, repost, posted, now, thread=True)
                channel, thread_ts = posted.get("channel") or repost.channel, posted.get("ts")
            result = notifier.send(n, channel, thread_ts)
        except RetryLater as exc:
            retry_at = now + timedelta(seconds=exc.retry_after)
            store.mark_notification_failed(n.key, str(exc), retry_at)
            log.warning("outbox: %s deferred %gs: %s", n.key, exc.retry_after, exc)
            break
        except Exception as exc:  # network, timeout, Slack error: retry, never drop
            wait = backoff(n.attempts + 1, config)
            store.mark_notification_failed(
                n.key, f"{type(exc).__name__}: {exc}"[:500], now + timedelta(seconds=wait)
            )
            log.warning(
                "outbox: %s failed (attempt %d), retry in %gs: %s", n.key, n.attempts + 1, wait, exc
            )
            continue
        store.mark_notification_delivered(n.key, now, result)
        delivered += 1
        _record(store, notifier, n, result, now)
    return delivered


def _earlier_pending(store: Store, key: str, now: datetime) -> Notification | None:
    """The closest earlier thread update of the same case if it is still undelivered and
    younger than ``ORDER_HOLD`` (one Slack refuses for good must not hold the thread).
    (Events without a message — ``alerted``, ``notified`` — leave gaps in the seqs.)"""
    try:
        parsed = OutboxKey.parse(key)
    except ValueError:
        return None
    if parsed.kind != "event":
        return None
    for earlier in range(int(parsed.part) - 1, 0, -1):
        n = store.get_notification(event_key(parsed.owner, earlier))
        if n is not None:
            if n.delivered_at or (n.created_at and now - n.created_at >= ORDER_HOLD):
                return None
            return n
    return None


def _record(
    store: Store,
    notifier: Notifier,
    n: Notification,
    result: dict[str, Any],
    now: datetime,
    thread: bool = False,
) -> None:
    """Note the delivery in the case timeline; the first case message (or, with
    ``thread``, this one) becomes the case's Slack thread."""
    if not n.case_id:
        return
    case = store.get_case(n.case_id)
    if case is None:
        return
    if n.payload.get("kind") == "case" and (thread or not case.slack.get("ts")):
        case.slack = {"channel": result.get("channel"), "ts": result.get("ts")}
        store.save_case(case)
    store.append_case_event(
        CaseEvent(
            case_id=n.case_id,
            at=now,
            kind="notified",
            actor=notifier.name,
            text=f"{n.payload.get('kind', 'message')} sent to {result.get('channel')}",
            data={
                "key": n.key,
                "via": notifier.name,
                "channel": result.get("channel"),
                "ts": result.get("ts"),
                "content": plain(n.payload)[:4000],
            },
        )
    )
