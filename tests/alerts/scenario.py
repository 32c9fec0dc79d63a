"""Build rule scenarios without a store: 14 days of seasonal hourly history, then
"today" minute by minute, and run the brand rules at each minute (pure functions)."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime

from alerts import baseline
from alerts.activity import BrandActivity, Fact
from alerts.rules import BRAND_RULES, BrandContext, Finding
from config.alerting import AlertsConfig

TZ = "Asia/Shanghai"
# local hour -> relative activity: night lull 1–6 h, morning ramp, evening peak
SHAPE = (
    0.6,
    0.35,
    0.2,
    0.12,
    0.1,
    0.15,
    0.35,
    0.8,
    1.3,
    1.5,
    1.5,
    1.4,
    1.5,
    1.3,
    1.2,
    1.25,
    1.3,
    1.3,
    1.25,
    1.4,
    1.7,
    1.8,
    1.5,
    1.0,
)
SHAPE_SUM = sum(SHAPE)
# today = Tuesday 2026-09-15, 00:00 local
TODAY = datetime(2026, 9, 14, 16, 0, tzinfo=UTC)
TODAY_MINUTE = int(TODAY.timestamp() // 60)


def local_minute(hh: int, mm: int = 0) -> int:
    """Epoch minute of today's local time hh:mm."""
    return TODAY_MINUTE + hh * 60 + mm


def poisson(rng: random.Random, lam: float) -> int:
    threshold, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= threshold:
            return k
        k += 1


@dataclass
class Scenario:
    per_day: float = 400.0  # stories a day, every sentiment
    negative_share: float = 0.2
    history_days: int = 14
    seed: int = 1
    config: AlertsConfig = field(default_factory=AlertsConfig)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.activity = BrandActivity("极光汽车", retention_minutes=24 * 60)
        self.history = baseline.HourlyHistory()
        self.seq = 0
        first_hour = TODAY_MINUTE // 60 - self.history_days * 24
        for hour in range(first_hour, TODAY_MINUTE // 60):
            local = (hour + 8) % 24
            total = poisson(self.rng, self.per_day * SHAPE[local] / SHAPE_SUM)
            neg = sum(1 for _ in range(total) if self.rng.random() < self.negative_share)
            self.history.add(hour, neg, max(total, 1 if neg else 0))
        self._profile_hour = -1

    def rate(self, minute: int) -> float:
        """Usual stories per minute at this minute of today."""
        local = ((minute - TODAY_MINUTE) // 60) % 24
        return self.per_day * SHAPE[local] / SHAPE_SUM / 60

    # -- feeding today ------------------------------------------------------------------
    def post(
        self,
        minute: int,
        negative: bool = True,
        *,
        followers: int = 200,
        cluster: str | None = None,
        repost: bool = False,
        reposts: int = 0,
        signals: tuple[str, ...] = (),
        label: str | None = None,
        author: str | None = None,
    ) -> Fact:
        self.seq += 1
        mid = f"demo:{self.seq}"
        fact = Fact(
            id=mid,
            minute=minute,
            cluster=cluster or mid,
            repost=repost,
            scored=True,
            negative=negative,
            negativity=0.9 if negative else 0.2,
            followers=followers,
            reposts=reposts,
            reach=followers + reposts,
            age_hours=0.0,
            signals=signals,
            author=author or f"user{self.seq}",
            url=f"https://weibo.example/{self.seq}",
            text=label or ("质量太差了" if negative else "还不错"),
        )
        self.activity.add(fact)
        return fact

    def background(
        self, start: int, end: int, factor: float = 1.0, negative_factor: float | None = None
    ) -> None:
        """Usual traffic in the minutes [start, end), optionally scaled."""
        nf = factor if negative_factor is None else negative_factor
        for m in range(start, end):
            lam = self.rate(m)
            for _ in range(poisson(self.rng, lam * (1 - self.negative_share) * factor)):
                self.post(m, negative=False)
            for _ in range(poisson(self.rng, lam * self.negative_share * nf)):
                self.post(m, negative=True)

    # -- evaluating -----------------------------------------------------------------------
    def profile(self, minute: int) -> baseline.Profile:
        hour = minute // 60
        if hour != self._profile_hour:
            self._profile = baseline.fit(
                self.history,
                min(hour, TODAY_MINUTE // 60),
                self.config.surge.baseline_days,
                self.config.surge.prior_days,
                TZ,
            )
            self._profile_hour = hour
        return self._profile

    def findings(self, end_minute: int) -> list[Finding]:
        ctx = BrandContext(
            "极光汽车", self.activity, self.profile(end_minute), end_minute, self.config
        )
        return [f for rule in BRAND_RULES if (f := rule(ctx)) is not None]

    def fired(self, start: int, end: int) -> list[tuple[int, Finding]]:
        """(minute, finding) for every evaluation minute in [start, end) that fired."""
        out = []
        for m in range(start, end):
            out.extend((m, f) for f in self.findings(m))
        return out
