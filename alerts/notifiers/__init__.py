"""Notifiers: Slack (slack-sdk) when a bot token is configured, else the console."""

from __future__ import annotations

from alerts.notifiers.base import Notifier, RetryLater
from alerts.notifiers.console import ConsoleNotifier
from alerts.notifiers.slack import SlackNotifier
from config.schema import RadarConfig


def notifier_from_config(config: RadarConfig) -> Notifier:
    token = config.slack.token.get() if config.slack.token else None
    if token:
        return SlackNotifier(token, config.slack)
    return ConsoleNotifier()


__all__ = ["ConsoleNotifier", "Notifier", "RetryLater", "SlackNotifier", "notifier_from_config"]
