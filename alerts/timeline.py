"""Append a case event and queue its Slack thread update: the one way both the engine
and people's actions (Slack buttons, web UI) write to a case's timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from alerts import messages, outbox
from index.base import Store
from index.models import CaseEvent


def record(
    store: Store,
    case_id: str,
    kind: str,
    now: datetime,
    *,
    actor: str = "system",
    text: str = "",
    data: dict[str, Any] | None = None,
    notify: bool = True,
    broadcast: bool = False,
    thread_text: str | None = None,
) -> CaseEvent:
    """Append the event; if ``notify``, queue a thread reply (key ``<case>:event:<seq>``).

    ``text`` is plain (may hold crawled text); the thread reply escapes it unless the
    caller gives ready mrkdwn as ``thread_text``."""
    event = store.append_case_event(
        CaseEvent(case_id=case_id, at=now, kind=kind, actor=actor, text=text, data=data or {})
    )
    if notify:
        body = thread_text if thread_text is not None else messages.escape(text)
        outbox.enqueue(
            store,
            outbox.event_key(case_id, event.seq),
            "",
            messages.thread_message(case_id, body, broadcast=broadcast),
            now,
            case_id=case_id,
        )
    return event
