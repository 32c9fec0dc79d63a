"""Seasonal baseline: how many new (negative) stories a brand usually gets per hour.

Fitted from the brand's own hourly history (``Store.count_buckets``) by local hour of
day, weekdays and weekends apart, robust to past incidents. A brand with little history
borrows a typical Chinese social-media daily shape (night lull, morning ramp, evening
peak), so the morning ramp after a quiet night is expected rather than alarming.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from alerts.stats import negbin_sf, poisson_sf, robust_mean

# relative activity by local hour (mean 1): a typical day on Chinese social media
_SHAPE = (
    0.9,
    0.6,
    0.4,
    0.25,
    0.2,
    0.25,
    0.45,
    0.8,
    1.1,
    1.3,
    1.35,
    1.3,
    1.3,
    1.2,
    1.25,
    1.3,
    1.3,
    1.25,
    1.2,
    1.3,
    1.45,
    1.5,
    1.4,
    1.2,
)
PRIOR_SHAPE = tuple(v * 24 / sum(_SHAPE) for v in _SHAPE)
WEEKDAY, WEEKEND = 0, 1


@lru_cache(maxsize=4096)
def _local_slot_cached(hour: int, tz_name: str) -> tuple[int, int]:
    local = datetime.fromtimestamp(hour * 3600, UTC).astimezone(ZoneInfo(tz_name))
    return (WEEKEND if local.weekday() >= 5 else WEEKDAY, local.hour)


def local_slot(hour: int, tz_name: str) -> tuple[int, int]:
    """(day type, local hour of day) of an epoch hour index."""
    return _local_slot_cached(hour, tz_name)


@dataclass
class HourlyHistory:
    """Hourly counts of new stories for one brand: negative ones and all scored ones."""

    negative: dict[int, int] = field(default_factory=dict)  # epoch hour -> stories
    total: dict[int, int] = field(default_factory=dict)
    first_hour: int | None = None  # first hour with any data: days before it are unknown

    def add(self, hour: int, negative: int, total: int) -> None:
        if negative:
            self.negative[hour] = negative
        elif hour in self.negative:
            del self.negative[hour]
        if total:
            self.total[hour] = total
        elif hour in self.total:
            del self.total[hour]
        if total and (self.first_hour is None or hour < self.first_hour):
            self.first_hour = hour

    def prune(self, before_hour: int) -> None:
        for series in (self.negative, self.total):
            for h in [h for h in series if h < before_hour]:
                del series[h]


@dataclass
class Profile:
    """Expected new stories per hour by (day type, local hour); see ``fit``."""

    tz: str
    negative: dict[tuple[int, int], float]
    total: dict[tuple[int, int], float]
    days: float  # days of history the fit saw
    hour: int = 0  # the epoch hour it was fitted at

    def expected(self, start_minute: int, end_minute: int, negative: bool = True) -> float:
        """Expected count over the minutes [start_minute, end_minute)."""
        return sum(self._by_hour(start_minute, end_minute, negative))

    def _by_hour(self, start_minute: int, end_minute: int, negative: bool = True) -> list[float]:
        """The expected count of [start, end), one part per clock hour it touches."""
        table = self.negative if negative else self.total
        parts = []
        m = start_minute
        while m < end_minute:
            hour = m // 60
            stop = min(end_minute, (hour + 1) * 60)
            parts.append(table.get(local_slot(hour, self.tz), 0.0) * (stop - m) / 60)
            m = stop
        return parts

    def tail(
        self, count: int, start_minute: int, end_minute: int, dispersion: float, floor: float
    ) -> float:
        """How improbable ``count`` new negative stories in [start, end) are: the tail of a
        count whose every clock hour has its own level, varying around the profile with
        ``dispersion`` (variance ``μ + dispersion · Σ μ_h²``, μ_h the hours' expected
        parts; a window inside one hour shares that hour's level, a window over hours
        averages theirs). ``floor``: the least expected count (ratios stay finite)."""
        parts = self._by_hour(start_minute, end_minute)
        mean = sum(parts)
        if mean < floor:
            return poisson_sf(count, floor)
        return negbin_sf(count, mean, dispersion * sum(p * p for p in parts) / (mean * mean))

    def negative_share(self, minute: int) -> float:
        slot = local_slot(minute // 60, self.tz)
        total = self.total.get(slot, 0.0)
        return self.negative.get(slot, 0.0) / total if total > 0 else 0.0


def fit(history: HourlyHistory, now_hour: int, days: int, prior_days: float, tz: str) -> Profile:
    """Fit the profile from the ``days`` before ``now_hour`` (that hour excluded).

    Per slot: a robust mean over the days seen, shrunk toward the brand's all-days
    profile (for a day type) or toward the typical daily shape scaled to the brand's
    mean (for the all-days profile), with ``prior_days`` pseudo-days of weight."""
    if history.first_hour is None:
        start = now_hour
    else:
        start = min(now_hour, max(now_hour - days * 24, history.first_hour))
    span = max(0, now_hour - start)
    negative = _fit_one(history.negative, start, now_hour, prior_days, tz)
    total = _fit_one(history.total, start, now_hour, prior_days, tz)
    return Profile(tz=tz, negative=negative, total=total, days=span / 24, hour=now_hour)


def _fit_one(
    series: dict[int, int], start: int, end: int, prior_days: float, tz: str
) -> dict[tuple[int, int], float]:
    by_slot: dict[tuple[int, int], list[int]] = {}
    by_hour: dict[int, list[int]] = {h: [] for h in range(24)}
    for hour in range(start, end):
        value = series.get(hour, 0)
        slot = local_slot(hour, tz)
        by_slot.setdefault(slot, []).append(value)
        by_hour[slot[1]].append(value)
    n_hours = end - start
    mean = sum(series.get(h, 0) for h in range(start, end)) / n_hours if n_hours else 0.0
    all_days = {}
    for h, values in by_hour.items():
        prior = PRIOR_SHAPE[h] * mean
        all_days[h] = (
            (len(values) * robust_mean(values) + prior_days * prior) / (len(values) + prior_days)
            if values or prior_days
            else 0.0
        )
    # level of each day type relative to all days (weekends are often quieter)
    level = {}
    for day_type in (WEEKDAY, WEEKEND):
        values = [v for (t, _), vs in by_slot.items() if t == day_type for v in vs]
        type_mean = sum(values) / len(values) if values else mean
        level[day_type] = min(3.0, max(0.3, type_mean / mean)) if mean > 0 else 1.0
    profile: dict[tuple[int, int], float] = {}
    for day_type in (WEEKDAY, WEEKEND):
        for h in range(24):
            values = by_slot.get((day_type, h), [])
            prior = all_days[h] * level[day_type]
            weight = max(prior_days, 1.0)
            profile[(day_type, h)] = (len(values) * robust_mean(values) + weight * prior) / (
                len(values) + weight
            )
    return profile
