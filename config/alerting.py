"""Config of alert rules, Slack delivery and the escalation ladder. Owned with alerts/."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from config.types import Duration, EnvRef, Strict


class SurgeRule(Strict):
    """Negative-mention surge for a brand against its own seasonal baseline."""

    enabled: bool = True
    window: Duration = 900.0  # recent window compared with the baseline
    baseline_days: int = Field(default=14, ge=1)
    min_stories: int = Field(default=8, ge=1)  # a handful of posts cannot fire it
    min_ratio: float = Field(default=3.0, gt=1.0)  # recent rate vs baseline rate
    min_negative_share: float = Field(default=0.4, ge=0.0, le=1.0)
    slow_climb_hours: float = Field(default=6.0, gt=0)  # sustained growth detection span
    slow_climb_ratio: float = Field(default=2.0, gt=1.0)


class HighReachRule(Strict):
    enabled: bool = True
    min_followers: int = Field(default=1_000_000, ge=0)  # 大V
    min_reposts_per_hour: int = Field(default=500, ge=0)


class RiskSignalRule(Strict):
    enabled: bool = True
    signals: list[str] = Field(
        default_factory=lambda: ["media", "regulator", "legal", "rights", "safety", "collective"]
    )
    min_mentions: int = Field(default=2, ge=1)
    window: Duration = 3600.0


class SourceHealthRule(Strict):
    enabled: bool = True
    silent_after: Duration = 3600.0  # a source that yields nothing for this long


class Severities(Strict):
    """Acknowledge deadline per severity before escalating one level."""

    P1: Duration = 900.0
    P2: Duration = 1800.0
    P3: Duration = 7200.0


class AlertsConfig(Strict):
    surge: SurgeRule = Field(default_factory=SurgeRule)
    high_reach: HighReachRule = Field(default_factory=HighReachRule)
    risk_signal: RiskSignalRule = Field(default_factory=RiskSignalRule)
    source_health: SourceHealthRule = Field(default_factory=SourceHealthRule)
    ack_deadline: Severities = Field(default_factory=Severities)
    update_every: Duration = 86400.0  # open cases need an update at least daily
    resolve_after_calm: Duration = 3600.0  # propose resolution after this long at baseline
    evidence_size: int = Field(default=10, ge=1)


class ChannelRoute(Strict):
    channel: str
    brands: list[str] = Field(default_factory=list)  # empty = every brand
    severities: list[Literal["P1", "P2", "P3"]] = Field(default_factory=list)  # empty = all


class EscalationStep(Strict):
    name: str  # duty officer, PR manager, executive …
    channel: str
    mention: list[str] = Field(default_factory=list)  # Slack user/group ids to @mention


class SlackConfig(Strict):
    token: EnvRef | None = None  # bot token (xoxb-…); without it the console notifier is used
    signing_secret: EnvRef | None = None  # verifies the interactive endpoint's requests
    base_url: str = ""  # Slack Web API base; tests point it at a local stand-in
    default_channel: str = "#radar-alerts"
    routes: list[ChannelRoute] = Field(default_factory=list)
    escalation: list[EscalationStep] = Field(default_factory=list)
    digest_channel: str = ""
