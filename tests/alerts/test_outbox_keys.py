"""Outbox keys have one builder and one parser (alerts/outbox.py OutboxKey)."""

from __future__ import annotations

import pytest

from alerts.outbox import OutboxKey, alert_key, digest_key, escalation_key, event_key

CASE = "c20260915-1400-a1b2c3"


@pytest.mark.parametrize(
    ("built", "text", "parsed"),
    [
        (alert_key(CASE), f"{CASE}:alert", OutboxKey(CASE, "alert")),
        (
            alert_key(CASE, "#crisis-p1"),
            f"{CASE}:alert:#crisis-p1",
            OutboxKey(CASE, "alert", "#crisis-p1"),
        ),
        (event_key(CASE, 7), f"{CASE}:event:7", OutboxKey(CASE, "event", "7")),
        (escalation_key(CASE, 2), f"{CASE}:escalate:2", OutboxKey(CASE, "escalate", "2")),
        (escalation_key(CASE, 1, 3), f"{CASE}:escalate:1:r3", OutboxKey(CASE, "escalate", "1", 3)),
        (digest_key("2026-09-16"), "digest:2026-09-16", OutboxKey("2026-09-16", "digest")),
    ],
)
def test_each_key_is_built_and_parsed_back(built: str, text: str, parsed: OutboxKey) -> None:
    assert built == text
    assert OutboxKey.parse(text) == parsed
    assert str(OutboxKey.parse(text)) == text


@pytest.mark.parametrize("bad", ["", "c1", "c1:ping", "c1:event:x", ":alert", "c1:escalate:r1"])
def test_anything_else_is_refused_naming_the_key(bad: str) -> None:
    with pytest.raises(ValueError, match="not an outbox key"):
        OutboxKey.parse(bad)
