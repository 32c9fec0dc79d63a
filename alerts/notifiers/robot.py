"""What the WeCom, DingTalk and Feishu robots share: one JSON POST through httpx whose
answer the outbox sees (success, a rate limit to wait out, a refusal for good, or an
error to retry), and the per-robot pace the platforms document.

Each platform module says how to build its body, how to sign, and which of its error
codes mean "wait" and which mean "never"; anything else is retried with back-off."""

from __future__ import annotations

import abc
import hashlib
from collections import deque
from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar

import httpx

from alerts.notifiers import markup
from alerts.notifiers.base import Notifier, Refused, RetryLater, retry_after
from config.i18n import gettext_for, use_locale
from config.notify import Robot
from index.base import Notification

DEFAULT_RETRY_AFTER = 60.0
_RECENT: dict[str, deque[datetime]] = {}  # webhook URL digest -> times of recent sends


class RobotNotifier(Notifier):
    """One group robot. ``send`` posts ``payload["notice"]`` rendered for the platform."""

    kind = "robot"
    rate_codes: ClassVar[dict[int, float]] = {}  # error code -> seconds to wait
    refused_codes: ClassVar[frozenset[int]] = frozenset()

    def __init__(
        self, robot: Robot, tz: str, locale: str = "zh_CN", client: httpx.Client | None = None
    ):
        self.robot = robot
        self.name = f"{self.kind}:{robot.name}"
        self.tz = tz
        self.locale = locale
        self.gettext = gettext_for(locale)  # the deployment's language
        self.client = client or httpx.Client(timeout=robot.timeout, follow_redirects=False)
        # the sends of the last minute, kept per webhook URL for the process's life (an
        # engine made again by a job shares them); a restart forgets them, and then the
        # platform's own rate-limit answer is waited out
        url_key = hashlib.sha256((robot.webhook.get() or robot.name).encode()).hexdigest()
        self._sent = _RECENT.setdefault(url_key, deque())
        self.case_url: Callable[[str], str] | None = None  # set by Targets

    # -- pace ------------------------------------------------------------------------
    def wait_before(self, now: datetime) -> float:
        """Seconds to wait before the next send keeps within ``per_minute`` and
        ``per_second`` (0: go). ``now`` is the outbox run's clock, the same for the whole
        run: a robot with a per-second limit gets that many per run, the rest wait for the
        next run."""
        while self._sent and (now - self._sent[0]).total_seconds() >= 60:
            self._sent.popleft()
        if len(self._sent) >= self.robot.per_minute:
            return max(1.0, 60 - (now - self._sent[0]).total_seconds())
        per_second = self.robot.per_second
        if per_second and len(self._sent) >= per_second:
            nth = self._sent[-per_second]  # the per_second-th latest send
            if (now - nth).total_seconds() < 1:
                return 1.0
        return 0.0

    def sent_at(self, now: datetime) -> None:
        self._sent.append(now)

    # -- one send --------------------------------------------------------------------
    @abc.abstractmethod
    def render(self, notice: dict[str, Any]) -> dict[str, Any]:
        """The platform's JSON body for a notice."""

    def url_and_body(self, body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """Sign (DingTalk: in the URL, Feishu: in the body); WeCom has nothing to sign."""
        return self.robot.webhook.get() or "", body

    @staticmethod
    def error_code(answer: dict[str, Any]) -> tuple[int, str]:
        return int(answer.get("errcode", 0) or 0), str(answer.get("errmsg", ""))

    def send(
        self, notification: Notification, channel: str, thread_ts: str | None = None
    ) -> dict[str, Any]:
        notice = markup.notice_of(notification.payload, self.case_url)
        with use_locale(self.locale):  # its dates and zone name too (markup.local_time)
            rendered = self.render(notice)
        url, body = self.url_and_body(rendered)
        if not url:
            raise Refused(f"{self.name}: webhook URL not set ({self.robot.webhook.env})")
        response = self.client.post(url, json=body)
        if response.status_code == 429:
            raise RetryLater(_retry_after(response), f"{self.name}: HTTP 429")
        if response.status_code >= 500:
            raise RuntimeError(f"{self.name}: HTTP {response.status_code}")
        if response.status_code in (401, 403, 404):
            raise Refused(f"{self.name}: HTTP {response.status_code}")
        try:
            answer = response.json()
        except ValueError:
            raise RuntimeError(f"{self.name}: HTTP {response.status_code}, not JSON") from None
        code, message = self.error_code(answer)
        if code == 0 and response.status_code < 400:
            return {"channel": self.name, "ts": None, "code": 0}
        where = f"{self.name}: error {code} {message}".strip()
        if code in self.rate_codes:
            raise RetryLater(self.rate_codes[code], where)
        if code in self.refused_codes:
            raise Refused(where)
        raise RuntimeError(where)


def _retry_after(response: httpx.Response) -> float:
    return retry_after(response.headers.get("Retry-After"), DEFAULT_RETRY_AFTER)
