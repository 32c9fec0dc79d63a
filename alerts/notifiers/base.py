"""The notifier interface: send one outbox entry, say when to retry or that it never will
go through there."""

from __future__ import annotations

import abc
import math
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from index.base import Notification

# the longest wait a target can ask for: a receiver answering 429 with 'Retry-After:
# 1e12' (or 'inf') made the outbox's retry time overflow, and every delivery run died on
# it, every other target's messages and subscriber's events with it
MAX_RETRY_AFTER = 24 * 3600.0


class RetryLater(Exception):
    """The service asked us to wait (HTTP 429 with Retry-After, a platform's rate-limit
    error code): at least a second, at most :data:`MAX_RETRY_AFTER`."""

    def __init__(self, retry_after: float, message: str = "rate limited"):
        if not math.isfinite(retry_after) or retry_after > MAX_RETRY_AFTER:
            retry_after = MAX_RETRY_AFTER
        retry_after = max(1.0, retry_after)
        super().__init__(f"{message}; retry after {retry_after:g}s")
        self.retry_after = retry_after


def retry_after(header: str | None, default: float, now: datetime | None = None) -> float:
    """Seconds an HTTP ``Retry-After`` asks to wait: a number of seconds or an HTTP date
    (RFC 9110: 'Fri, 05 Dec 2026 02:00:00 GMT' read as 60 s before); ``default`` when it is
    missing or neither. :class:`RetryLater` keeps it within 1 s and a day."""
    text = (header or "").strip()
    try:
        return float(text)
    except ValueError:
        pass
    try:
        at = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return default
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return (at - (now or datetime.now(UTC))).total_seconds()


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
