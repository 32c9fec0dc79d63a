"""The notifier interface: send one outbox entry, say when to retry."""

from __future__ import annotations

import abc
from typing import Any

from index.base import Notification


class RetryLater(Exception):
    """The service asked us to wait (HTTP 429 with Retry-After)."""

    def __init__(self, retry_after: float, message: str = "rate limited"):
        super().__init__(f"{message}; retry after {retry_after:g}s")
        self.retry_after = retry_after


class Notifier(abc.ABC):
    name: str = "notifier"

    @abc.abstractmethod
    def send(
        self, notification: Notification, channel: str, thread_ts: str | None = None
    ) -> dict[str, Any]:
        """Deliver; return at least {"channel", "ts"}. Raise RetryLater or any error."""
