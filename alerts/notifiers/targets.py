"""The notifier for each outbox target (``wecom:<robot>``, ``dingtalk:<robot>``,
``feishu:<robot>``, ``email:<list>``, ``webhook:<id>``), built from the config (robots and
mail lists, kept for the process's life so each robot's pace is remembered) and the store
(webhook subscribers, read at each send so a rotated secret or a removal applies at
once)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

from alerts.notifiers.base import Notifier
from alerts.notifiers.dingtalk import DingTalkNotifier
from alerts.notifiers.email import EmailNotifier
from alerts.notifiers.feishu import FeishuNotifier
from alerts.notifiers.robot import RobotNotifier
from alerts.notifiers.webhook import WebhookNotifier
from alerts.notifiers.wecom import WeComNotifier
from alerts.routing import case_url
from alerts.webhooks import registry
from config.i18n import gettext_for
from index.base import Store

if TYPE_CHECKING:
    from config.schema import RadarConfig

ROBOTS: dict[str, type[RobotNotifier]] = {
    "wecom": WeComNotifier,
    "dingtalk": DingTalkNotifier,
    "feishu": FeishuNotifier,
}


class Targets:
    def __init__(self, config: RadarConfig, store: Store):
        self.config = config
        self.store = store
        self._built: dict[str, Notifier] = {}
        self._http: httpx.Client | None = None  # one connection pool for every webhook

    @property
    def max_attempts(self) -> int:
        return self.config.webhooks.max_attempts

    def get(self, target: str) -> Notifier | None:
        """The target's notifier; None when it is not configured (any more)."""
        kind, _, name = target.partition(":")
        if kind == "webhook":
            sub = registry.get(self.store, name)
            if sub is None:
                return None
            if self._http is None:
                self._http = httpx.Client(
                    timeout=self.config.webhooks.timeout, follow_redirects=False
                )
            return WebhookNotifier(
                sub,
                lambda cid: case_url(self.config, cid),
                self.config.webhooks.timeout,
                self._http,
            )
        if target in self._built:
            return self._built[target]
        notifier: Notifier | None = None
        notify = self.config.notify
        robot = notify.robot(target)
        if robot is not None:
            notifier = ROBOTS[kind](robot, self.config.timezone, self.config.locale)
        elif kind == "email" and notify.email is not None:
            mlist = next((m for m in notify.email.lists if m.name == name), None)
            if mlist is not None:
                notifier = EmailNotifier(
                    notify.email, mlist, self.config.timezone, self.config.locale
                )
        if isinstance(notifier, RobotNotifier | EmailNotifier):
            notifier.case_url = lambda cid: case_url(self.config, cid)
            self._built[target] = notifier
        return notifier

    def gettext(self, message: str) -> str:
        """``message`` in the deployment's language."""
        return gettext_for(self.config.locale)(message)

    def fallback(self, target: str) -> str:
        robot = self.config.notify.robot(target)
        return robot.fallback if robot is not None else ""
