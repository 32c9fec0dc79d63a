"""Append a case event and queue its Slack thread update: the one way both the engine
and people's actions (Slack buttons, web UI) write to a case's timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from alerts import lines, messages, outbox
from alerts.notice import thread_notice
from alerts.routing import update_targets
from alerts.trigger import CaseTrigger
from alerts.webhooks.events import publish_case_event
from config.i18n import channel_locale, use_locale
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
    line: dict[str, Any] | None = None,
) -> CaseEvent:
    """Append the event; if ``notify``, queue a thread reply (key ``<case>:event:<seq>``).

    ``text`` is plain (may hold crawled text); the thread reply escapes it unless the
    caller gives ready mrkdwn as ``thread_text``. ``line`` (alerts/lines.py): what the
    event says, kept so that pages render it in their reader's language; ``text`` is then
    that line in the language of the moment unless given."""
    if line is not None:
        if not text:
            with use_locale(channel_locale()):  # a reader's action: the team's language
                text = lines.render(line, lines.team_names())
        data = {**(data or {}), "line": line}
    event = store.append_case_event(
        CaseEvent(case_id=case_id, at=now, kind=kind, actor=actor, text=text, data=data or {})
    )
    if notify:
        body = thread_text if thread_text is not None else messages.escape(text)
        key = outbox.event_key(case_id, event.seq)
        with use_locale(channel_locale()):
            payload = messages.thread_message(case_id, body, broadcast=broadcast)
            outbox.enqueue(store, key, "", payload, now, case_id=case_id)
            _to_robots(store, case_id, key, payload, text, now)
    publish_case_event(store, event, now)
    return event


def _to_robots(
    store: Store, case_id: str, key: str, payload: dict[str, Any], text: str, now: datetime
) -> None:
    """The update as a message of its own in the group robots the case message went to
    (robots have no threads; the notifier adds the case link)."""
    case = store.get_case(case_id)
    if case is None:
        return
    targets = update_targets(CaseTrigger.of(case).targets)
    if targets:
        payload = {**payload, "notice": thread_notice(case, text, "")}
        outbox.fan_out(store, key, targets, payload, now, case_id=case_id)
