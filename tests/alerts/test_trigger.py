"""Case.trigger read and written through the typed alerts.trigger.CaseTrigger: the stored
shape is unchanged and keys it does not know are kept."""

from __future__ import annotations

from datetime import timedelta

from alerts.trigger import CaseTrigger, Notified
from index.models import Case
from tests.alerts.conftest import T0

STORED = {
    "rules": {"negative_surge": {"summary": "15 new negative stories", "stories": 15}},
    "peak": {"ratio": 4.0, "stories:sharp": 15},
    "peak_at": T0.isoformat(),
    "first_fired_at": T0.isoformat(),
    "last_fired_at": (T0 + timedelta(minutes=5)).isoformat(),
    "notified": {
        "ratio": 4.0,
        "stories:sharp": 15,
        "at": T0.isoformat(),
        "severity": "P1",
        "keys": ["negative_surge"],
    },
    "update_every": 86400.0,
    "routed": ["#crisis-p1"],
    "reopens": 2,
    "evidence_weight": {"weibo:1": 3.2},
    "from_a_newer_program": {"x": 1},
}


def case(trigger: dict) -> Case:
    return Case(
        id="c1",
        brand="极光汽车",
        rule="negative_surge",
        opened_at=T0,
        updated_at=T0,
        trigger=trigger,
    )


def test_a_stored_trigger_reads_as_typed_fields_and_writes_back_the_same() -> None:
    trig = CaseTrigger.of(case(STORED))
    assert trig.last_fired_at == T0 + timedelta(minutes=5) and trig.reopens == 2
    assert trig.notified == Notified(
        T0, "P1", ["negative_surge"], {"ratio": 4.0, "stories:sharp": 15}
    )
    assert trig.resolution_proposed_at is None and trig.routed == ["#crisis-p1"]
    assert trig.as_dict() == STORED


def test_an_empty_trigger_reads_as_defaults() -> None:
    trig = CaseTrigger.of(case({}))
    assert (trig.reopens, trig.routed, trig.peak_at, trig.notified.keys) == (0, None, None, [])
    trig.resolution_proposed_at = T0
    written = case({})
    trig.save_to(written)
    assert written.trigger["resolution_proposed_at"] == T0.isoformat()
    assert "routed" not in written.trigger and "peak_at" not in written.trigger
