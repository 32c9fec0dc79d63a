"""The alerting config: defaults valid, mistakes named with file, key and reason."""

from __future__ import annotations

import pytest

from config import ConfigError
from config.loader import validate_data


def test_defaults_and_durations() -> None:
    cfg = validate_data(
        {"alerts": {"surge": {"window": "15m"}, "resolve_after_calm": "2h"}}, "r.yaml"
    )
    assert cfg.alerts.surge.window == 900 and cfg.alerts.resolve_after_calm == 7200
    assert cfg.alerts.ack_deadline.P1 == 900 and cfg.alerts.severity.P1.ratio == 10


@pytest.mark.parametrize(
    ("data", "key", "message"),
    [
        ({"alerts": {"surge": {"window": "30s"}}}, "alerts.surge", "at least 1m"),
        ({"alerts": {"surge": {"min_ratio": 0.5}}}, "alerts.surge.min_ratio", "greater than 1"),
        ({"alerts": {"surge": {"slow_climb_window": "12h"}}}, "alerts.surge", "slow_climb_window"),
        ({"alerts": {"surge": {"treshold": 3}}}, "alerts.surge.treshold", "unknown key"),
        ({"alerts": {"surge": {"spread_minutes": 6}}}, "alerts.surge", "spread_min_stories"),
        (
            {"alerts": {"risk_signal": {"signals": ["gossip"]}}},
            "alerts.risk_signal.signals[0]",
            "media",
        ),
        (
            {"alerts": {"ack_deadline": {"P1": "2h", "P2": "30m"}}},
            "alerts.ack_deadline",
            "P1 <= P2 <= P3",
        ),
        (
            {"alerts": {"severity": {"P1": {"ratio": 2, "reach": 10}}}},
            "alerts.severity",
            "P1.ratio",
        ),
        ({"slack": {"base_url": "slack.local"}}, "slack", "base_url"),
        (
            {"slack": {"routes": [{"channel": "#x", "severities": ["P0"]}]}},
            "slack.routes[0].severities[0]",
            "P1",
        ),
        (
            {
                "slack": {
                    "escalation": [{"name": "a", "channel": "#a"}, {"name": "a", "channel": "#b"}]
                }
            },
            "slack",
            "unique",
        ),
        (
            {"slack": {"token": {"$env": "RADAR_TEST_UNSET_TOKEN"}}},
            "slack.token",
            "RADAR_TEST_UNSET_TOKEN is not set",
        ),
    ],
)
def test_mistakes_are_named(data, key, message) -> None:
    with pytest.raises(ConfigError) as err:
        validate_data(data, "radar.yaml")
    issues = [str(i) for i in err.value.issues]
    # a check across keys names the key it is about: "alerts.surge.window: must be …"
    assert any(i.startswith(f"radar.yaml: {key}") and message in i for i in issues), issues
