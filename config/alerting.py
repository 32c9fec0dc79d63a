"""Config of alert rules, severities, Slack delivery and the escalation ladder.

Owned with alerts/. Every rule is declarative: what is counted, over which window,
against which baseline, with which thresholds. Defaults are tuned on generated data by
``bench/alerts.py`` (see the README's alerts section).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from config.types import Duration, EnvRef, Strict

RiskSignal = Literal["media", "regulator", "legal", "rights", "collective", "safety"]
SeverityName = Literal["P1", "P2", "P3"]
_ALL_SIGNALS: tuple[RiskSignal, ...] = (
    "media",
    "regulator",
    "legal",
    "rights",
    "safety",
    "collective",
)
# health states that open a source-health case: a paused source (ban, captcha, login) and
# one whose crawl process crashes (radar/jobs.py); "failing" only when listed
_PAUSED: tuple[Literal["paused", "failing", "crashing"], ...] = ("paused", "crashing")


class SurgeRule(Strict):
    """Negative-story surge for a brand against its own seasonal baseline.

    Counts *new negative stories* (dedupe clusters, so a repost storm is one story) per
    minute. The expected count comes from the brand's own history of the last
    ``baseline_days`` by local hour of day, weekdays and weekends apart; a brand with
    little history borrows a typical daily shape (``prior_days`` pseudo-days of it).
    """

    enabled: bool = True
    window: Duration = 600.0  # recent window compared with the baseline (sharp surges)
    baseline_days: int = Field(default=14, ge=1, le=90)
    prior_days: float = Field(default=2.0, ge=0)  # weight of the typical daily shape
    min_stories: int = Field(default=8, ge=1)  # a handful of posts cannot fire it
    min_ratio: float = Field(default=3.0, gt=1.0)  # recent count vs expected count
    max_p_value: float = Field(default=1e-4, gt=0, lt=1)  # Poisson tail of the count
    # a surge that keeps coming fires on fewer stories, judged from its first story on:
    # ``spread_min_stories`` from as many authors, in at least ``spread_minutes``
    # different minutes, in a window [a new story's minute, now) of the last ``window``,
    # against that window's own expected count. Each of the (at most ``window``-minutes)
    # windows scanned must have a tail ≤ ``spread_p_value`` / their number (Bonferroni),
    # so the scan as a whole is held to ``spread_p_value`` — 1e-5 per window by default,
    # as strict as the old single 10-minute test. A quiet brand's crisis brings ~1 new
    # complaint a minute: 5 of them in 4 minutes against a few tenths expected is far
    # beyond chance, while the 10-minute window diluted it with 6 minutes not yet seen.
    # A burst written at once fills one or two minutes and still needs ``min_stories``.
    spread_min_stories: int = Field(default=5, ge=1)
    spread_minutes: int = Field(default=4, ge=1)  # (at most the window's minutes)
    spread_p_value: float = Field(default=1e-4, gt=0, lt=1)
    # a brand's volume is burstier than chance: each clock hour has its own level, and
    # the sharp test judges a window's count as a Poisson count whose rate varies that
    # much (negative binomial, variance μ + overdispersion·μ²; 0 = plain Poisson). 0.1 is
    # an hour ±30 % around its usual level: a busy hour of a busy brand is no crisis,
    # while a quiet brand (a fraction of a story expected) is judged as before
    overdispersion: float = Field(default=0.1, ge=0, le=10)
    # the negative share of new stories must be high, or clearly above its usual level:
    # a launch day that lifts every sentiment alike is not a crisis
    min_negative_share: float = Field(default=0.4, ge=0.0, le=1.0)
    min_share_lift: float = Field(default=1.5, ge=1.0)
    # slow climbs: sustained growth over hours, counted in clock hours
    slow_climb_hours: float = Field(default=6.0, gt=0, le=48)  # span looked at
    slow_climb_window: Duration = 7200.0  # recent part that must be elevated
    slow_climb_ratio: float = Field(default=2.0, gt=1.0)
    slow_climb_p_value: float = Field(default=1e-6, gt=0, lt=1)
    # calm = recent ratio at most this (used to propose resolution)
    calm_ratio: float = Field(default=1.5, gt=0)

    @model_validator(mode="after")
    def _windows(self) -> SurgeRule:
        if self.window < 60:
            raise ValueError("window: must be at least 1m (rules run every minute)")
        if self.window > 6 * 3600:
            raise ValueError("window: at most 6h (use slow_climb_* for longer spans)")
        if self.spread_minutes > self.spread_min_stories:
            raise ValueError("spread_minutes: at most spread_min_stories (one story a minute)")
        if self.slow_climb_window > self.slow_climb_hours * 3600:
            raise ValueError("slow_climb_window: must not be longer than slow_climb_hours")
        if self.slow_climb_window < 3600:
            raise ValueError("slow_climb_window: must be at least 1h")
        return self


class HighReachRule(Strict):
    """One negative mention from a 大V, or a negative story whose reposts grow fast."""

    enabled: bool = True
    min_followers: int = Field(default=500_000, ge=0)  # 大V
    min_reposts_per_hour: int = Field(default=300, ge=1)


class RiskSignalRule(Strict):
    """Negative stories carrying risk signals from sentiment/ (media, regulator, …)."""

    enabled: bool = True
    signals: list[RiskSignal] = Field(default_factory=lambda: list(_ALL_SIGNALS))
    min_mentions: int = Field(default=3, ge=1)  # distinct stories with a signal
    window: Duration = 3600.0
    # busy brands always have a few complaints naming 12315 or 维权: the count must
    # also be improbable given the brand's usual share of such stories (learnt over
    # the last week of data the engine has seen; absolute threshold until then)
    max_p_value: float = Field(default=1e-3, gt=0, lt=1)


class SourceHealthRule(Strict):
    enabled: bool = True
    states: list[Literal["paused", "failing", "crashing"]] = Field(
        default_factory=lambda: list(_PAUSED)
    )
    silent_after: Duration = 3600.0  # a source that yields nothing new for this long
    # the highest escalation step a crawler-health case climbs to: 0 = it stays with the
    # ladder's first step (a captcha is an operations matter, not one for executives)
    escalate_to: int = Field(default=0, ge=0)


class SeverityLevel(Strict):
    """A case gets this severity when ANY of the criteria is met."""

    ratio: float = Field(gt=1.0)  # surge count / expected
    # …with at least this many new negative stories: on a quiet brand 5 complaints against
    # 0.3 expected is a ratio of 16, worth a case but not paging executives as a P1
    ratio_min_stories: int = Field(default=0, ge=0)
    reach: int = Field(ge=0)  # followers + engagement of the negative evidence
    signals: list[RiskSignal] = Field(default_factory=list)  # any of these present
    signal_stories: int = Field(default=1, ge=1)  # …in at least this many stories


class SeverityConfig(Strict):
    P1: SeverityLevel = Field(
        default_factory=lambda: SeverityLevel(
            ratio=10.0,
            ratio_min_stories=20,
            reach=5_000_000,
            signals=["safety", "regulator", "media"],
            signal_stories=3,
        )
    )
    P2: SeverityLevel = Field(
        default_factory=lambda: SeverityLevel(
            ratio=5.0,
            reach=1_000_000,
            signals=["safety", "regulator", "media", "legal", "collective"],
            signal_stories=1,
        )
    )

    @model_validator(mode="after")
    def _ordered(self) -> SeverityConfig:
        if self.P1.ratio < self.P2.ratio:
            raise ValueError("P1.ratio: must be at least P2.ratio (P1 is the most severe)")
        if self.P1.reach < self.P2.reach:
            raise ValueError("P1.reach: must be at least P2.reach (P1 is the most severe)")
        return self


class Severities(Strict):
    """Acknowledge deadline per severity before escalating one level."""

    P1: Duration = 900.0
    P2: Duration = 1800.0
    P3: Duration = 7200.0

    @model_validator(mode="after")
    def _ordered(self) -> Severities:
        if not self.P1 <= self.P2 <= self.P3:
            raise ValueError("P1 <= P2 <= P3 expected (P1 is the most urgent)")
        return self


class AlertsConfig(Strict):
    surge: SurgeRule = Field(default_factory=SurgeRule)
    high_reach: HighReachRule = Field(default_factory=HighReachRule)
    risk_signal: RiskSignalRule = Field(default_factory=RiskSignalRule)
    source_health: SourceHealthRule = Field(default_factory=SourceHealthRule)
    severity: SeverityConfig = Field(default_factory=SeverityConfig)
    ack_deadline: Severities = Field(default_factory=Severities)
    update_every: Duration = 86400.0  # open cases need an update at least daily
    resolve_after_calm: Duration = 3600.0  # propose resolution after this long at baseline
    # a rule firing again within this long after resolution reopens the case
    reopen_within: Duration = 21600.0
    # thread updates for a growing case: at most this often (severity rises at once)
    update_min_interval: Duration = 1800.0
    update_growth: float = Field(default=1.5, gt=1.0)  # …and only when figures grew this much
    evidence_size: int = Field(default=10, ge=1, le=50)
    # live: the hourly baselines (by publication hour) are re-read this far back when an
    # hour closes, so posts that arrive late still land in the hour they were published.
    # The rules themselves see every arrival from the Store's change feed, however late.
    late_arrival: Duration = 7200.0

    @model_validator(mode="after")
    def _durations(self) -> AlertsConfig:
        if self.resolve_after_calm < 60:
            raise ValueError("resolve_after_calm: must be at least 1m")
        return self


class ChannelRoute(Strict):
    channel: str = Field(min_length=1)
    brands: list[str] = Field(default_factory=list)  # empty = every brand
    severities: list[SeverityName] = Field(default_factory=list)  # empty = all


class EscalationStep(Strict):
    name: str = Field(min_length=1)  # duty officer, PR manager, executive …
    channel: str = Field(min_length=1)
    mention: list[str] = Field(default_factory=list)  # Slack user/group ids to @mention


class SlackConfig(Strict):
    token: EnvRef | None = None  # bot token (xoxb-…); without it the console notifier is used
    signing_secret: EnvRef | None = None  # verifies the interactive endpoint's requests
    base_url: str = ""  # Slack Web API base; tests point it at a local stand-in
    default_channel: str = Field(default="#radar-alerts", min_length=1)
    routes: list[ChannelRoute] = Field(default_factory=list)  # first match wins
    # level 0 is told with the first alert; each missed ack deadline moves one step up
    escalation: list[EscalationStep] = Field(default_factory=list)
    digest_channel: str = ""  # default: default_channel
    timeout: Duration = 10.0  # per Web API call
    retry_base: Duration = 10.0  # back-off after a failed delivery, doubling each attempt
    retry_max: Duration = 900.0

    @model_validator(mode="after")
    def _checks(self) -> SlackConfig:
        if self.base_url and not self.base_url.startswith(("http://", "https://")):
            raise ValueError("base_url: must be an http(s) URL, e.g. https://slack.com/api/")
        names = [s.name for s in self.escalation]
        if len(set(names)) != len(names):
            raise ValueError("escalation: step names must be unique")
        if self.retry_max < self.retry_base:
            raise ValueError("retry_max: must be at least retry_base")
        return self
