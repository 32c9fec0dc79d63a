"""The notifier interface: send one outbox entry, say when to retry or that it never will
go through there."""

from __future__ import annotations

import abc
from typing import Any

from index.base import Notification


class RetryLater(Exception):
    """The service asked us to wait (HTTP 429 with Retry-After, a platform's rate-limit
    error code)."""

    def __init__(self, retry_after: float, message: str = "rate limited"):
        super().__init__(f"{message}; retry after {retry_after:g}s")
        self.retry_after = retry_after


class Refused(Exception):
    """The service refused this message for good — a revoked token, a robot removed from
    its group, a signature it does not accept, content it rejects. Sending it again
    unchanged will not help: the outbox sends it to the target's fallback if there is
    one, else keeps it and retries at the longest back-off (someone may fix the
    token) — it is never dropped."""


class Unreachable(Exception):
    """No answer, or a server error (a timeout, a refused or dropped connection, HTTP
    5xx): the service is down, so every later message of this run there would wait out
    the same failure. Retried with back-off like any error; the outbox stops sending
    there for the rest of the run."""


class Notifier(abc.ABC):
    name: str = "notifier"

    @abc.abstractmethod
    def send(
        self, notification: Notification, channel: str, thread_ts: str | None = None
    ) -> dict[str, Any]:
        """Deliver; return at least {"channel", "ts"}. Raise RetryLater, Refused or any
        other error (retried with back-off)."""
