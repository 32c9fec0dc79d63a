"""Config of the notifiers beyond Slack — WeCom, DingTalk and Feishu group robots and
email — and of where case messages, escalations and the digest go on them.

A *target* names one place: ``wecom:<robot>``, ``dingtalk:<robot>``, ``feishu:<robot>``,
``email:<list>`` (and, as a fallback only, ``slack:<#channel>``). Slack keeps its own
routing (``slack.routes`` / ``slack.escalation``); the targets here are *added* to it:
every route that matches a case adds its targets (not the first match only), so a P1
can reach a WeCom group, a DingTalk group and the executives' mailbox at once.

Robot webhook URLs carry their token (``key=…`` / ``access_token=…``) and the signing
secrets are secrets: both are ``{"$env": NAME}`` references, never literals.
"""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlparse

from pydantic import Field, field_validator, model_validator

from config.alerting import SeverityName
from config.types import Duration, EnvRef, Strict

TARGET_KINDS = ("wecom", "dingtalk", "feishu", "email")
_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"


class Robot(Strict):
    """One group robot (its webhook URL, with the token in it, from the environment)."""

    name: str = Field(pattern=_NAME)
    webhook: EnvRef  # the full webhook URL the platform gave, token included
    # the documented limit per robot (WeCom and DingTalk: 20 a minute; Feishu: 100 a
    # minute, 5 a second); the outbox waits instead of being refused
    per_minute: int = Field(default=20, ge=1, le=100)
    per_second: int = Field(default=0, ge=0, le=100)  # 0: no limit per second
    # where a message goes when this robot refuses it for good (token revoked, robot
    # removed from the group): another target, e.g. "email:duty" or "slack:#radar-alerts"
    fallback: str = ""
    # people @mentioned on case messages and escalations: WeCom user ids, DingTalk
    # mobile numbers or user ids, Feishu open_ids (ou_…)
    mention: list[str] = Field(default_factory=list)
    timeout: Duration = 10.0

    @field_validator("webhook")
    @classmethod
    def _webhook_url(cls, v: EnvRef) -> EnvRef:
        """The variable holds an http(s) URL (checked at start-up, not at the first
        crisis); the value is not repeated in the message: its token is a secret."""
        url = v.get()
        if url is not None:
            u = urlparse(url.strip())
            if u.scheme not in ("http", "https") or not u.hostname:
                raise ValueError(
                    f"environment variable {v.env} must hold the robot's https:// webhook "
                    f"URL (it holds {'a ' + u.scheme + ': URL' if u.scheme else 'no URL'})"
                )
        return v


class WeComRobot(Robot):
    """企业微信 group robot: ``https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…``."""


class DingTalkRobot(Robot):
    """钉钉 custom robot: ``https://oapi.dingtalk.com/robot/send?access_token=…``, with the
    加签 secret (``SEC…``) when the robot's security setting is signing."""

    secret: EnvRef | None = None


class FeishuRobot(Robot):
    """飞书 custom bot: ``https://open.feishu.cn/open-apis/bot/v2/hook/…``, with the
    签名校验 secret when enabled."""

    secret: EnvRef | None = None
    per_minute: int = Field(default=100, ge=1, le=100)
    per_second: int = Field(default=5, ge=0, le=100)


class MailingList(Strict):
    name: str = Field(pattern=_NAME)
    to: list[str] = Field(min_length=1)

    @field_validator("to")
    @classmethod
    def _addresses(cls, v: list[str]) -> list[str]:
        for address in v:
            local, at, domain = address.partition("@")
            if not (local and at and "." in domain) or any(c in address for c in " ,;<>\n"):
                raise ValueError(f"not an email address: {address!r}")
        return v


class EmailConfig(Strict):
    """SMTP delivery. ``security``: ``tls`` (implicit TLS, port 465), ``starttls``
    (port 587) or ``none`` (a relay on this host only)."""

    host: str = Field(min_length=1)
    port: int = Field(default=587, ge=1, le=65535)
    security: Literal["tls", "starttls", "none"] = "starttls"
    username: EnvRef | None = None
    password: EnvRef | None = None
    sender: str = Field(min_length=3)  # the From address, e.g. 舆情雷达 <radar@example.com>
    lists: list[MailingList] = Field(default_factory=list)
    timeout: Duration = 30.0

    @model_validator(mode="after")
    def _checks(self) -> EmailConfig:
        if (self.username is None) != (self.password is None):
            raise ValueError("username and password: give both or neither")
        if self.security == "none" and self.host not in ("localhost", "127.0.0.1", "::1"):
            raise ValueError("security: none is only allowed for a relay on localhost")
        names = [m.name for m in self.lists]
        if len(set(names)) != len(names):
            raise ValueError("lists: names must be unique")
        return self


class TargetRoute(Strict):
    targets: list[str] = Field(min_length=1)
    brands: list[str] = Field(default_factory=list)  # empty = every brand
    severities: list[SeverityName] = Field(default_factory=list)  # empty = all


class EscalationTargets(Strict):
    step: str = Field(min_length=1)  # a step name of slack.escalation
    targets: list[str] = Field(min_length=1)


class NotifyConfig(Strict):
    wecom: list[WeComRobot] = Field(default_factory=list)
    dingtalk: list[DingTalkRobot] = Field(default_factory=list)
    feishu: list[FeishuRobot] = Field(default_factory=list)
    email: EmailConfig | None = None
    routes: list[TargetRoute] = Field(default_factory=list)  # every match adds its targets
    escalation: list[EscalationTargets] = Field(default_factory=list)
    digest: list[str] = Field(default_factory=list)  # targets of the daily digest

    def known_targets(self) -> set[str]:
        known = {
            f"{kind}:{r.name}"
            for kind in ("wecom", "dingtalk", "feishu")
            for r in getattr(self, kind)
        }
        if self.email is not None:
            known |= {f"email:{m.name}" for m in self.email.lists}
        return known

    def robot(self, target: str) -> Robot | None:
        kind, _, name = target.partition(":")
        if kind not in ("wecom", "dingtalk", "feishu"):
            return None
        robots: list[Robot] = getattr(self, kind)
        return next((r for r in robots if r.name == name), None)

    @model_validator(mode="after")
    def _targets(self) -> NotifyConfig:
        """Every target named in routes, escalation, digest and fallbacks exists."""
        known = self.known_targets()
        for kind in ("wecom", "dingtalk", "feishu"):
            names = [r.name for r in getattr(self, kind)]
            if len(set(names)) != len(names):
                raise ValueError(f"{kind}: robot names must be unique")

        def check(where: str, target: str) -> None:
            if target not in known:
                hint = ", ".join(sorted(known)) or "none configured"
                raise ValueError(f"{where}: unknown target {target!r} (known: {hint})")

        for i, route in enumerate(self.routes):
            for t in route.targets:
                check(f"routes[{i}].targets", t)
        for i, step in enumerate(self.escalation):
            for t in step.targets:
                check(f"escalation[{i}].targets", t)
        for t in self.digest:
            check("digest", t)
        for kind in ("wecom", "dingtalk", "feishu"):
            for i, robot in enumerate(getattr(self, kind)):
                fb = robot.fallback
                if not fb:
                    continue
                if fb == f"{kind}:{robot.name}":
                    raise ValueError(f"{kind}[{i}].fallback: a robot cannot be its own fallback")
                if fb.startswith("slack:") and len(fb) > len("slack:"):
                    continue
                check(f"{kind}[{i}].fallback", fb)
        return self

    def check_steps(self, ladder: list[str]) -> None:
        """``escalation[N].step`` names a step of ``slack.escalation`` (cross-section)."""
        for i, step in enumerate(self.escalation):
            if step.step not in ladder:
                raise ValueError(
                    f"notify.escalation[{i}].step: {step.step!r} is not a step of "
                    f"slack.escalation ({', '.join(ladder) or 'no ladder configured'})"
                )


class WebhooksConfig(Strict):
    """Outbound webhooks (subscribers are managed with ``radar webhooks`` and the admin
    page, kept in the store); how they are delivered."""

    max_attempts: int = Field(default=12, ge=1, le=100)  # then dead-lettered
    timeout: Duration = 10.0
    # after ``radar webhooks rotate-secret`` both secrets sign for this long
    rotation_grace: Duration = 86400.0
