"""Severity P1–P3 of a case from what fired: surge ratio, reach, risk signals."""

from __future__ import annotations

from collections.abc import Iterable

from alerts.rules.base import Finding
from config.alerting import SeverityConfig, SeverityLevel
from index.models import Severity

RANK = {Severity.P1: 1, Severity.P2: 2, Severity.P3: 3}


def _meets(
    level: SeverityLevel, ratio: float, stories: int, reach: int, signals: dict[str, int]
) -> bool:
    signal_stories = max((signals.get(s, 0) for s in level.signals), default=0)
    return (
        (ratio >= level.ratio and stories >= level.ratio_min_stories)
        or reach >= level.reach
        or (bool(level.signals) and signal_stories >= level.signal_stories)
    )


def severity_of(findings: Iterable[Finding], config: SeverityConfig) -> Severity:
    """The most severe level any criterion of which is met (P3 otherwise)."""
    ratio, stories, reach = 0.0, 0, 0
    signals: dict[str, int] = {}
    for f in findings:
        if f.rule == "source_health":
            continue
        if f.ratio > ratio:  # the surge's own count goes with its ratio
            ratio, stories = f.ratio, int(f.figures.get("stories", 0))
        reach = max(reach, f.reach)
        for s, n in f.signals.items():
            signals[s] = max(signals.get(s, 0), n)
    if _meets(config.P1, ratio, stories, reach, signals):
        return Severity.P1
    if _meets(config.P2, ratio, stories, reach, signals):
        return Severity.P2
    return Severity.P3


def more_severe(a: Severity, b: Severity) -> Severity:
    return a if RANK[a] <= RANK[b] else b
