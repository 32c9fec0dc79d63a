"""Durable notification outbox: every message goes through the Store and is delivered
once per key (idempotent per case and step), retried with back-off, never dropped.

Keys (built and read by ``OutboxKey`` only): ``<case>:alert`` (the case message),
``<case>:alert:<channel>`` (it again in the channel a raised severity routes to),
``<case>:event:<seq>`` (a thread update for a timeline event),
``<case>:escalate:<level>`` (``…:<level>:r<n>`` after the n-th reopening: a reopened
case climbs the ladder again), ``digest:<date>``. A thread update waits until its case
message has been delivered (it needs the message ts).

The same message for another target — a WeCom/DingTalk/Feishu robot, a mail list, a
webhook subscriber — is the key with ``@<target>`` appended (``<case>:alert@wecom:pr``,
``<case>:event:7@webhook:wh1a2b3c4d``): one entry per target, each delivered once, with
its own retries, so a robot that is down never holds Slack back nor sends twice what it
took (one that fails is tried once a run: its other messages wait for the next run instead
of each waiting out the timeout). Targets are delivered by ``_deliver_target``: each robot
keeps its documented pace,
a rate limit defers only that target, a refusal for good goes to the target's fallback,
and a webhook event waits for the earlier events of its case (in order per case) and is
dead-lettered after ``webhooks.max_attempts`` failures (``dead_letters`` lists them)."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from alerts import lines
from alerts.messages import plain
from alerts.notifiers.base import Notifier, Refused, RetryLater, Unreachable
from config.alerting import SlackConfig
from config.i18n import N_
from index.base import Notification, Store
from index.models import CaseEvent, CaseStatus

if TYPE_CHECKING:
    from alerts.notifiers.targets import Targets

log = logging.getLogger(__name__)
ORDER_HOLD = timedelta(hours=1)  # a thread reply waits this long at most for an earlier one


KINDS = ("alert", "event", "escalate", "digest")
TARGET_KINDS = ("wecom", "dingtalk", "feishu", "email", "webhook")
DEAD_LETTER_AT = datetime(9000, 1, 1, tzinfo=UTC)  # never due again
DEAD_LETTER = "dead letter"
KIND_TITLE = {  # a payload's kind as the case timeline names it: "case sent to #radar"
    "case": N_("case"),
    "thread": N_("update"),
    "escalation": N_("escalation"),
    "digest": N_("digest"),
}
FALLBACK_WARNING = N_(
    "Could not send to %(target)s (%(why)s), so it is sent here: check that robot's settings."
)
_FAILURES = re.compile(r"^\[failure (\d+)\]")


@dataclass(frozen=True)
class OutboxKey:
    """The one builder and parser of outbox keys (see the module docstring). ``owner``
    is the case id (the date for a digest); ``part`` the channel of a re-routed case
    message, an event's seq or an escalation level."""

    owner: str
    kind: str
    part: str = ""
    reopens: int = 0
    target: str = ""  # "" for Slack (or the console), else e.g. "wecom:pr"

    def __str__(self) -> str:
        at = f"@{self.target}" if self.target else ""
        if self.kind == "digest":
            return f"digest:{self.owner}{at}"
        key = f"{self.owner}:{self.kind}"
        if self.part:
            key += f":{self.part}"
        return (f"{key}:r{self.reopens}" if self.reopens else key) + at

    @classmethod
    def parse(cls, key: str) -> OutboxKey:
        """ValueError naming the key when it is none of the kinds above."""
        base, at, tail = key.rpartition("@")
        if at and is_target(tail):
            return replace(cls.parse(base), target=tail)
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


def is_target(channel: str) -> bool:
    """``wecom:pr``, ``webhook:wh…`` …: an outbox channel that is not Slack's."""
    kind, _, name = channel.partition(":")
    return kind in TARGET_KINDS and bool(name)


def target_key(key: str, target: str) -> str:
    """The key of the same message for another target."""
    return str(replace(OutboxKey.parse(key), target=target))


def fan_out(
    store: Store,
    key: str,
    targets: list[str],
    payload: dict[str, Any],
    now: datetime,
    case_id: str | None = None,
) -> int:
    """Queue one entry per target; returns how many were new."""
    return sum(
        enqueue(store, target_key(key, t), t, payload, now, case_id=case_id) for t in targets
    )


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
    store: Store,
    notifier: Notifier,
    now: datetime,
    config: SlackConfig,
    limit: int = 50,
    targets: Targets | None = None,
) -> int:
    """Send what is due; returns how many were delivered. A Slack rate limit stops
    Slack for the run (every later call would be refused too) and defers the rest by
    Retry-After; so does Slack down or hanging (no answer, HTTP 5xx: one timeout a run,
    not one per message); other targets go on. ``targets``: the notifiers of the other targets
    (alerts/notifiers/targets.py); without it their entries wait."""
    delivered = 0
    deferred: dict[str, tuple[datetime, str]] = {}  # target -> (until when it waits, why)
    slack_limited = False
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
        if is_target(n.channel):
            delivered += _deliver_target(store, n, notifier, targets, now, config, deferred)
            continue
        if slack_limited:  # rate limited or down: every later Slack call would fail too
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
            slack_limited = True
            continue
        except Exception as exc:  # network, timeout, Slack error: retry, never drop
            wait = backoff(n.attempts + 1, config)
            store.mark_notification_failed(
                n.key, f"{type(exc).__name__}: {exc}"[:500], now + timedelta(seconds=wait)
            )
            log.warning(
                "outbox: %s failed (attempt %d), retry in %gs: %s", n.key, n.attempts + 1, wait, exc
            )
            # Slack down or hanging: the rest waits for the next run, not a timeout each
            slack_limited = slack_limited or isinstance(exc, Unreachable)
            continue
        store.mark_notification_delivered(n.key, now, result)
        delivered += 1
        _record(store, notifier, n, result, now)
    return delivered


def failures(n: Notification) -> int:
    """Real failed sends of a target's entry (its ``attempts`` also count waits: for a
    rate limit, for the pace, for an earlier event), kept as ``[failure N]`` in front
    of its last error."""
    m = _FAILURES.match(n.last_error or "")
    return int(m.group(1)) if m else 0


def _wait(store: Store, n: Notification, why: str, until: datetime) -> None:
    """Defer without counting a failure."""
    store.mark_notification_failed(n.key, f"[failure {failures(n)}] {why}"[:500], until)


def _deliver_target(
    store: Store,
    n: Notification,
    primary: Notifier,
    targets: Targets | None,
    now: datetime,
    config: SlackConfig,
    deferred: dict[str, tuple[datetime, str]],
) -> int:
    """One entry for a robot, a mail list or a webhook (see the module docstring);
    1 when it was delivered."""
    target = n.channel
    if target in deferred:
        until, why = deferred[target]
        _wait(store, n, why, until)
        return 0
    if targets is None:
        _wait(
            store,
            n,
            "no notifiers for other targets in this process",
            now + timedelta(seconds=config.retry_max),
        )
        return 0
    notifier = targets.get(target)
    if notifier is None:  # removed from the config / unsubscribed: nobody to tell
        store.mark_notification_delivered(n.key, now, {"skipped": f"{target} not configured"})
        log.warning("outbox: %s not sent: %s is not configured any more", n.key, target)
        return 0
    webhook = target.startswith("webhook:")
    if (earlier := _held_by(store, n.key)) is not None:
        retry = max(earlier.next_attempt_at or now, now + timedelta(seconds=1))
        _wait(store, n, f"waiting for {earlier.key}", retry)
        return 0
    pace = getattr(notifier, "wait_before", None)
    if pace is not None and (wait := pace(now)) > 0:
        until, why = now + timedelta(seconds=wait), f"{target} keeps its documented pace"
        deferred[target] = (until, why)
        _wait(store, n, why, until)
        return 0
    try:
        if pace is not None:
            notifier.sent_at(now)  # type: ignore[attr-defined]
        result = notifier.send(n, target, None)
    except RetryLater as exc:
        deferred[target] = (now + timedelta(seconds=exc.retry_after), str(exc))
        _wait(store, n, str(exc), deferred[target][0])
        log.warning("outbox: %s deferred %gs: %s", n.key, exc.retry_after, exc)
        return 0
    except Refused as exc:
        fallback = targets.fallback(target)
        if not fallback:
            _failed(store, n, f"refused: {exc}", now + timedelta(seconds=config.retry_max))
            log.error("outbox: %s refused by %s (no fallback set): %s", n.key, target, exc)
            return 0
        # a fallback robot keeps its own pace, its own messages included
        spare = targets.get(fallback)  # None for slack:#channel
        spare_pace = getattr(spare, "wait_before", None)
        wait = spare_pace(now) if spare_pace is not None else 0.0
        if fallback in deferred or wait > 0:
            until = deferred[fallback][0] if fallback in deferred else now + timedelta(seconds=wait)
            _failed(store, n, f"refused: {exc}; {fallback} is waiting too", until)
            return 0
        try:
            if spare_pace is not None:
                spare.sent_at(now)  # type: ignore[union-attr]
            result = _send_fallback(n, target, fallback, str(exc), primary, targets)
        except Exception as fb_exc:
            wait = backoff(failures(n) + 1, config)
            _failed(
                store,
                n,
                f"refused: {exc}; fallback {fallback}: {fb_exc}",
                now + timedelta(seconds=wait),
            )
            return 0
        log.warning(
            "outbox: %s refused by %s, sent to %s instead: %s", n.key, target, fallback, exc
        )
    except Exception as exc:  # network, timeout, 5xx, an unknown error code: retry
        count = failures(n) + 1
        error = f"{type(exc).__name__}: {exc}"
        # a target that is down or hangs is tried once a run: its other messages wait for
        # the next run rather than each waiting out the timeout before Slack's turn
        deferred[target] = (now + timedelta(seconds=1), f"{target} failed this run: {error}")
        if webhook and count >= targets.max_attempts:
            _failed(store, n, f"{DEAD_LETTER} after {count} failures: {error}", DEAD_LETTER_AT)
            log.error("outbox: %s dead-lettered after %d failures: %s", n.key, count, error)
            return 0
        wait = backoff(count, config)
        _failed(store, n, error, now + timedelta(seconds=wait))
        log.warning("outbox: %s failed (%d), retry in %gs: %s", n.key, count, wait, exc)
        return 0
    store.mark_notification_delivered(n.key, now, result)
    if not webhook:
        _record(store, notifier, n, result, now, slack_thread=False)
    return 1


def _failed(store: Store, n: Notification, error: str, retry_at: datetime) -> None:
    store.mark_notification_failed(n.key, f"[failure {failures(n) + 1}] {error}"[:500], retry_at)


def _send_fallback(
    n: Notification, target: str, fallback: str, why: str, primary: Notifier, targets: Targets
) -> dict[str, Any]:
    """The entry sent to ``fallback`` with a warning that ``target`` refused it."""
    warning = "⚠️ " + targets.gettext(FALLBACK_WARNING) % {"target": target, "why": why[:200]}
    payload = dict(n.payload)
    notice = dict(payload.get("notice") or {"kind": "thread", "lines": []})
    notice["lines"] = [warning, *notice.get("lines", [])]
    payload["notice"] = notice
    payload["text"] = f"{warning} {payload.get('text', '')}"
    payload["blocks"] = [
        {"type": "context", "elements": [{"type": "mrkdwn", "text": warning}]},
        *(payload.get("blocks") or []),
    ]
    copy = replace(n, payload=payload)
    if fallback.startswith("slack:"):
        result = primary.send(copy, fallback.removeprefix("slack:"), None)
    else:
        notifier = targets.get(fallback)
        if notifier is None:
            raise Refused(f"fallback {fallback} is not configured")
        result = notifier.send(copy, fallback, None)
    return {**result, "fallback_for": target}


def _held_by(store: Store, key: str) -> Notification | None:
    """What an event for a target waits for: the closest earlier event of the same case
    for the same target, or (a robot) the case message there, while it is undelivered
    and not dead-lettered — a subscriber or a group gets a case's messages in order."""
    parsed = _event_key(key)
    if parsed is None:
        return None
    n = _earlier_entry(store, parsed)
    if n is None and not parsed.target.startswith("webhook:"):
        n = store.get_notification(target_key(alert_key(parsed.owner), parsed.target))
    if n is None or n.delivered_at or (n.next_attempt_at or DEAD_LETTER_AT) >= DEAD_LETTER_AT:
        return None
    return n


def _event_key(key: str) -> OutboxKey | None:
    """The parsed key if it is an event's (a thread update, a webhook case event)."""
    try:
        parsed = OutboxKey.parse(key)
    except ValueError:
        return None
    return parsed if parsed.kind == "event" else None


def _earlier_entry(store: Store, parsed: OutboxKey) -> Notification | None:
    """The closest earlier event entry of the same case (and target) that exists; events
    without a message — ``alerted``, ``notified``, a kind a subscriber filters out —
    leave gaps in the seqs."""
    for earlier in range(int(parsed.part) - 1, 0, -1):
        n = store.get_notification(str(replace(parsed, part=str(earlier))))
        if n is not None:
            return n
    return None


def dead_letters(store: Store, limit: int = 1000) -> list[Notification]:
    """Webhook events given up after ``webhooks.max_attempts`` failures, oldest first."""
    return [
        n
        for n in store.due_notifications(DEAD_LETTER_AT, limit=limit)
        if n.next_attempt_at is not None and n.next_attempt_at >= DEAD_LETTER_AT
    ]


def pending_by_target(store: Store, limit: int = 1000) -> dict[str, int]:
    """Undelivered entries per channel (dead letters apart), for ``radar status``."""
    out: dict[str, int] = {}
    for n in store.due_notifications(DEAD_LETTER_AT - timedelta(days=1), limit=limit):
        out[n.channel or "slack"] = out.get(n.channel or "slack", 0) + 1
    return out


def failing_by_target(store: Store, limit: int = 1000) -> dict[str, dict[str, Any]]:
    """Per channel with undelivered entries that failed: the last error of the entry that
    failed most (a robot's refusal, an HTTP 500, a timeout — not a wait for the pace or
    for an earlier message), for ``radar status``: an admin sees *why* a target waits."""
    out: dict[str, dict[str, Any]] = {}
    for n in store.due_notifications(DEAD_LETTER_AT - timedelta(days=1), limit=limit):
        if is_target(n.channel):
            count = failures(n)
            error = _FAILURES.sub("", n.last_error or "").strip()
        else:  # Slack (or the console): attempts counts failures, waits say "waiting for"
            waiting = (n.last_error or "").startswith("waiting for")
            count, error = (0 if waiting else n.attempts), n.last_error or ""
        channel = n.channel or "slack"
        if count > 0 and count > out.get(channel, {}).get("failures", 0):
            out[channel] = {"key": n.key, "failures": count, "error": error[:300]}
    return out


def _earlier_pending(store: Store, key: str, now: datetime) -> Notification | None:
    """The closest earlier thread update of the same case if it is still undelivered and
    younger than ``ORDER_HOLD`` (one Slack refuses for good must not hold the thread)."""
    parsed = _event_key(key)
    n = _earlier_entry(store, parsed) if parsed is not None else None
    if n is None or n.delivered_at or (n.created_at and now - n.created_at >= ORDER_HOLD):
        return None
    return n


def _record(
    store: Store,
    notifier: Notifier,
    n: Notification,
    result: dict[str, Any],
    now: datetime,
    thread: bool = False,
    slack_thread: bool = True,
) -> None:
    """Note the delivery in the case timeline; the first case message (or, with
    ``thread``, this one) becomes the case's Slack thread (unless not ``slack_thread``:
    a robot's or a mail list's message)."""
    if not n.case_id:
        return
    kind = str(n.payload.get("kind", "message"))
    case = store.get_case(n.case_id)
    if case is None:
        return
    if slack_thread and n.payload.get("kind") == "case" and (thread or not case.slack.get("ts")):
        case.slack = {"channel": result.get("channel"), "ts": result.get("ts")}
        store.save_case(case)
    said = lines.line(
        N_("%(kind)s sent to %(channel)s"),
        kind=lines.line(KIND_TITLE.get(kind, kind)),
        channel=result.get("channel"),
    )
    store.append_case_event(
        CaseEvent(
            case_id=n.case_id,
            at=now,
            kind="notified",
            actor=notifier.name,
            text=lines.render(said),
            data={
                "line": said,
                "key": n.key,
                "via": notifier.name,
                "channel": result.get("channel"),
                "ts": result.get("ts"),
                "content": plain(n.payload)[:4000],
            },
        )
    )
