"""Slack delivery through slack-sdk's WebClient (base_url configurable for tests)."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from alerts.messages import escape
from alerts.notifiers.base import Notifier, RetryLater, Unreachable
from config.alerting import SlackConfig
from index.base import Notification

DEFAULT_RETRY_AFTER = 30.0
# errors that say this channel will not take the bot's posts until someone changes Slack
CHANNEL_ERRORS = {"channel_not_found", "not_in_channel", "is_archived"}


class SlackNotifier(Notifier):
    name = "slack"

    def __init__(self, token: str, config: SlackConfig):
        kwargs: dict[str, Any] = {"token": token, "timeout": int(max(1, config.timeout))}
        if config.base_url:
            kwargs["base_url"] = config.base_url.rstrip("/") + "/"
        # no rate-limit retry handler: a 429 goes back to the durable outbox, which
        # waits Retry-After without blocking the scheduler thread
        self.client = WebClient(**kwargs)
        self.default_channel = config.default_channel

    def send(
        self, notification: Notification, channel: str, thread_ts: str | None = None
    ) -> dict[str, Any]:
        """Post; a top-level message the channel refuses for good (the bot was not
        invited, the channel was renamed or archived) goes to ``default_channel`` with
        a warning, instead of waiting in the outbox while nobody hears of the case."""
        try:
            return self._post(notification.payload, channel, thread_ts)
        except SlackApiError as exc:
            error = exc.response.get("error") if exc.response is not None else None
            fallback = self.default_channel
            if thread_ts or error not in CHANNEL_ERRORS or channel == fallback:
                raise
        warning = (
            f"⚠️ Could not post in {escape(channel)} ({error}): invite the bot there "
            "or fix `slack.routes` / `slack.escalation`."
        )
        payload = dict(notification.payload)
        payload["text"] = f"{warning} {payload.get('text', '')}"
        payload["blocks"] = [
            {"type": "context", "elements": [{"type": "mrkdwn", "text": warning}]},
            *(payload.get("blocks") or []),
        ]
        return self._post(payload, fallback, None)

    def _post(self, payload: dict[str, Any], channel: str, thread_ts: str | None) -> dict[str, Any]:
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
            if status is not None and status >= 500:
                raise Unreachable(f"Slack: HTTP {status}") from exc
            raise
        except OSError as exc:  # a timeout, a refused or dropped connection
            raise Unreachable(f"Slack unreachable: {exc}") from exc
        return {"channel": response.get("channel", channel), "ts": response.get("ts")}
