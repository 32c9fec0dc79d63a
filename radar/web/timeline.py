"""A case's timeline as people read it: each delivery of a message ("update sent to
#radar-alerts", one per channel, robot and mail list) is told on the line of the event it
delivered (``→ sent to #radar-alerts, wecom:pr-group``) instead of as a line of its own,
which after every update repeated the same words; lines that are still the same as the
one before (a note saved twice, a delivery no event of the page owns) are one line with
×N, which also carries the deliveries of each event it stands for.

Which event a delivery belongs to comes from its outbox key (``alerts.outbox.OutboxKey``:
an event's seq, an escalation's level, the case message)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from alerts.outbox import OutboxKey
from index.models import CaseEvent

# the events a case message goes out with: opened, reopened, re-routed on a raised severity
_CASE_MESSAGE_EVENTS = ("alerted", "reopened", "updated")


@dataclass
class Row:
    event: CaseEvent
    sent_to: list[str] = field(default_factory=list)  # channels its message reached
    # channels its message was only written to the service's log for (the console notifier
    # stands in when no Slack token is set): not "sent to #radar-alerts", which nobody saw
    logged: list[str] = field(default_factory=list)
    times: int = 1  # the same line this many times in a row
    seqs: set[int] = field(default_factory=set)  # the events the line stands for (×N: N)


def _owner(delivery: CaseEvent, rows: list[Row]) -> Row | None:
    try:
        key = OutboxKey.parse(str(delivery.data.get("key", "")))
    except ValueError:
        return None
    for row in reversed(rows):
        e = row.event
        if e.case_id != delivery.case_id:  # the overview's timeline holds several cases
            continue
        if key.kind == "event" and int(key.part) in row.seqs:
            return row
        level = str(e.data.get("level"))
        if key.kind == "escalate" and e.kind == "escalated" and level == key.part:
            return row
        if key.kind == "alert" and e.kind in _CASE_MESSAGE_EVENTS:
            return row
    return None


def rows(events: Iterable[CaseEvent]) -> list[Row]:
    out: list[Row] = []
    for e in events:
        if e.kind == "notified":
            owner = _owner(e, out)
            channel = str(e.data.get("channel") or e.data.get("via") or "")
            if owner is not None and channel:
                into = owner.logged if e.data.get("via") == "console" else owner.sent_to
                if channel not in into:
                    into.append(channel)
                continue
        last = out[-1].event if out else None
        same = (e.case_id, e.kind, e.actor, e.text)
        if last is not None and (last.case_id, last.kind, last.actor, last.text) == same:
            out[-1].times += 1
            out[-1].seqs.add(e.seq)
            continue
        out.append(Row(e, seqs={e.seq}))
    return out
