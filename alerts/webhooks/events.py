"""Which webhook events a case event or a digest makes, their JSON, and their queueing:
one outbox entry per subscriber that wants the event, keyed
``<case>:event:<seq>@webhook:<id>`` (``digest:<date>@webhook:<id>``) — the outbox's
exactly-once key, sent as the ``Idempotency-Key`` header.

The body is fixed when the event happens (a retry sends the same JSON; only the
timestamp and signature are made at each send). The case page link is added at send
time (alerts/notifiers/webhook.py), from the config of the process that delivers.

Every time in a body is UTC written with ``Z`` (``2026-11-23T02:00:00Z``), as in the
API's answers: a receiver that also reads ``GET /api/v1/cases/{id}`` compares the same
strings (the bodies had ``+00:00``, the API ``Z``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from alerts import outbox
from alerts.webhooks import registry
from index.base import Store
from index.models import Case, CaseEvent, z_time

RESOLVED = {"resolved"}


def digest_body(digest: dict[str, Any]) -> dict[str, Any]:
    """The digest as the engine made it, its times written as the API's are."""
    body = {k: v for k, v in digest.items() if k not in ("queued", "key")}
    for key in ("since", "until"):
        if body.get(key):
            body[key] = z_time(body[key])
    incomplete = body.get("incomplete")
    if isinstance(incomplete, dict):
        body["incomplete"] = {k: [z_time(h) for h in v] for k, v in incomplete.items()}
    return body


def event_kind(case: Case, event: CaseEvent) -> str:
    if case.brand.startswith("source:"):
        return "source.health"
    if event.kind == "alerted":
        return "case.opened"
    if event.kind == "escalated":
        return "case.escalated"
    if event.kind in RESOLVED:
        return "case.resolved"
    return "case.updated"


def case_body(case: Case, event: CaseEvent, kind: str) -> dict[str, Any]:
    return {
        "type": kind,
        "created_at": z_time(event.at),
        "case": {
            "id": case.id,
            "brand": case.brand,
            "severity": case.severity.value,
            "status": case.status.value,
            "rule": case.rule,
            "title": case.title,
            "opened_at": z_time(case.opened_at),
            "evidence": list(case.evidence),
        },
        "event": {
            "seq": event.seq,
            "kind": event.kind,
            "actor": event.actor,
            "text": event.text,
            "at": z_time(event.at),
        },
    }


def publish_case_event(store: Store, event: CaseEvent, now: datetime) -> int:
    """Queue the event for every subscriber that wants it; returns how many."""
    subs = registry.load(store)
    if not subs:
        return 0
    case = store.get_case(event.case_id)
    if case is None:
        return 0
    kind = event_kind(case, event)
    brand = None if kind == "source.health" else case.brand
    queued = 0
    for sub in subs:
        if not sub.wants(kind, brand, case.severity.value):
            continue
        key = outbox.target_key(outbox.event_key(case.id, event.seq), f"webhook:{sub.id}")
        body = {"id": key, **case_body(case, event, kind)}
        queued += outbox.enqueue(
            store,
            key,
            f"webhook:{sub.id}",
            {"kind": "webhook", "webhook": body},
            now,
            case_id=case.id,
        )
    return queued


def publish_digest(
    store: Store, day: str, digest: dict[str, Any], now: datetime, made_at: datetime | None = None
) -> int:
    """Queue ``digest.ready`` for every subscriber that wants it; ``created_at`` is
    ``made_at`` (when the digest was made; ``now`` is the end of its day)."""
    queued = 0
    for sub in registry.load(store):
        if not sub.wants("digest.ready", None, None):
            continue
        key = outbox.target_key(outbox.digest_key(day), f"webhook:{sub.id}")
        body = {
            "id": key,
            "type": "digest.ready",
            "created_at": z_time(made_at or now),
            "digest": digest_body(digest),
        }
        queued += outbox.enqueue(
            store, key, f"webhook:{sub.id}", {"kind": "webhook", "webhook": body}, now
        )
    return queued
