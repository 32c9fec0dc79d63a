"""Delivery of one outbound webhook event to its subscriber (alerts/webhooks/).

The request: ``POST`` of the event's JSON (UTF-8) with

- ``X-Radar-Timestamp``: Unix seconds when it was signed;
- ``X-Radar-Signature``: ``v1=<hex HMAC-SHA256(secret, f"{timestamp}.{body}")>`` — during
  a secret rotation's grace period a second ``v1=…`` made with the previous secret
  follows, comma-separated; a receiver accepts the request when any of them matches;
- ``X-Radar-Event``: the event kind; ``Idempotency-Key``: the outbox key, the same on
  every retry of one event (a receiver that saw it already answers 2xx and ignores it).

Any 2xx is delivered. 429 waits ``Retry-After``; anything else (other statuses, no
answer) is retried with back-off and dead-lettered after ``webhooks.max_attempts``
failures (alerts/outbox.py)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import UTC, datetime
from typing import Any

import httpx

from alerts.notifiers.base import Notifier, RetryLater, retry_after
from alerts.webhooks.registry import Subscriber
from index.base import Notification

USER_AGENT = "opinion-radar-webhooks/1"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"v1={mac.hexdigest()}"


def verify(
    secrets: list[str],
    timestamp: str,
    body: bytes,
    header: str,
    tolerance: float = 300.0,
    now: float | None = None,
) -> bool:
    """A receiver's check (used by our tests; the README shows the same in a few lines)."""
    try:
        ts = int(timestamp)
    except ValueError:
        return False
    if abs((now if now is not None else time.time()) - ts) > tolerance:
        return False
    given = [part.strip() for part in header.split(",")]
    return any(hmac.compare_digest(signature(s, ts, body), g) for s in secrets for g in given)


class WebhookNotifier(Notifier):
    def __init__(
        self,
        subscriber: Subscriber,
        case_url: Any,
        timeout: float,
        client: httpx.Client | None = None,
    ):
        """``case_url``: case id -> the case page's URL (added to each case event)."""
        self.sub = subscriber
        self.name = f"webhook:{subscriber.id}"
        self.case_url = case_url
        self.client = client or httpx.Client(timeout=timeout, follow_redirects=False)

    def send(
        self, notification: Notification, channel: str, thread_ts: str | None = None
    ) -> dict[str, Any]:
        event = dict(notification.payload["webhook"])
        if "case" in event:
            event["case"] = {**event["case"], "url": self.case_url(event["case"]["id"])}
        body = json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode()
        ts = int(time.time())
        sigs = [signature(s, ts, body) for s in self.sub.signing_secrets(datetime.now(UTC))]
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            "X-Radar-Timestamp": str(ts),
            "X-Radar-Signature": ", ".join(sigs),
            "X-Radar-Event": str(event.get("type", "")),
            "Idempotency-Key": notification.key,
        }
        response = self.client.post(self.sub.url, content=body, headers=headers)
        if response.status_code == 429:
            wait = retry_after(response.headers.get("Retry-After"), 60.0)
            raise RetryLater(wait, f"{self.name}: HTTP 429")
        if not 200 <= response.status_code < 300:
            raise RuntimeError(f"{self.name}: HTTP {response.status_code}")
        return {"channel": self.name, "ts": None, "status": response.status_code}
