"""The embedded default notifier: logs the message content (no Slack token set).

The outbox records every delivery in the case timeline, so a console-only install
keeps the same record of what would have been sent, and when."""

from __future__ import annotations

import logging
from typing import Any

from alerts.messages import plain
from alerts.notifiers.base import Notifier
from index.base import Notification

log = logging.getLogger("alerts.console")


class ConsoleNotifier(Notifier):
    name = "console"

    def __init__(self, logger: logging.Logger | None = None):
        self.log = logger or log

    def send(
        self, notification: Notification, channel: str, thread_ts: str | None = None
    ) -> dict[str, Any]:
        where = f"{channel} (thread {thread_ts})" if thread_ts else channel
        self.log.warning("[%s] %s\n%s", where, notification.key, plain(notification.payload))
        return {"channel": channel, "ts": thread_ts or f"console:{notification.key}"}
