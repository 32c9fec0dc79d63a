"""Slack delivery through slack-sdk's WebClient (base_url configurable for tests)."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from alerts.notifiers.base import Notifier, RetryLater
from config.alerting import SlackConfig
from index.base import Notification

DEFAULT_RETRY_AFTER = 30.0


class SlackNotifier(Notifier):
    name = "slack"

    def __init__(self, token: str, config: SlackConfig):
        kwargs: dict[str, Any] = {"token": token, "timeout": int(max(1, config.timeout))}
        if config.base_url:
            kwargs["base_url"] = config.base_url.rstrip("/") + "/"
        # no rate-limit retry handler: a 429 goes back to the durable outbox, which
        # waits Retry-After without blocking the scheduler thread
        self.client = WebClient(**kwargs)

    def send(
        self, notification: Notification, channel: str, thread_ts: str | None = None
    ) -> dict[str, Any]:
        payload = notification.payload
        args: dict[str, Any] = {
            "channel": channel,
            "text": payload.get("text", ""),
            "blocks": payload.get("blocks") or None,
            "unfurl_links": False,
        }
        if thread_ts:
            args["thread_ts"] = thread_ts
            if payload.get("broadcast"):
                args["reply_broadcast"] = True
        try:
            response = self.client.chat_postMessage(**args)
        except SlackApiError as exc:
            status = getattr(exc.response, "status_code", None)
            if status == 429:
                headers = {k.lower(): v for k, v in (exc.response.headers or {}).items()}
                raw = headers.get("retry-after")
                if isinstance(raw, list):
                    raw = raw[0] if raw else None
                try:
                    wait = float(raw) if raw is not None else DEFAULT_RETRY_AFTER
                except ValueError:
                    wait = DEFAULT_RETRY_AFTER
                raise RetryLater(wait, "Slack rate limit (429)") from exc
            raise
        return {"channel": response.get("channel", channel), "ts": response.get("ts")}
