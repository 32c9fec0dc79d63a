"""What every rule returns, and what a brand rule is given."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from alerts.activity import BrandActivity, Fact
from alerts.baseline import Profile
from config.alerting import AlertsConfig


@dataclass
class Finding:
    """One rule firing for one brand (or one source) at one evaluation."""

    rule: str  # negative_surge | high_reach | risk_signal | source_health
    brand: str
    key: str  # stable while the same thing keeps firing (e.g. the story's cluster id)
    summary: str  # one line for people, with the figures
    figures: dict[str, Any] = field(default_factory=dict)
    ratio: float = 0.0  # count / expected (surge only)
    reach: int = 0
    signals: dict[str, int] = field(default_factory=dict)  # signal -> stories carrying it
    evidence: list[Fact] = field(default_factory=list)  # most important first


@dataclass
class BrandContext:
    brand: str
    activity: BrandActivity
    profile: Profile
    end_minute: int  # evaluation time: minutes before this one are complete
    config: AlertsConfig
