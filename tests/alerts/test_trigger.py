"""Case.trigger read and written through the typed alerts.trigger.CaseTrigger: the stored
shape is unchanged and keys it does not know are kept; a new peak of the title's rule is
stored at once."""

from __future__ import annotations

from datetime import timedelta

from alerts.cases import SAVE_EVERY, CaseManager
from alerts.trigger import CaseTrigger, Notified
from index.base import Store
from index.models import Case
from tests.alerts.conftest import T0, make_config, sharp_surge_finding

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


def test_a_new_peak_of_the_titles_rule_is_stored_at_once(store: Store) -> None:
    """A case firing on without news is saved at most every SAVE_EVERY; a firing that
    raises the peak of the rule its title names is news for the title (case list, case
    page, brief, escalations): stored at once. A lower or equal firing inside the five
    minutes is not saved again, and the title keeps the peak."""
    assert SAVE_EVERY == 300.0
    manager = CaseManager(make_config(), store)
    [opened] = manager.apply("极光汽车", [sharp_surge_finding(40, 13.3)], T0, None)
    case = store.get_case(opened.case_id)
    assert case is not None and "40 new negative stories" in case.title
    peak_at = T0 + timedelta(minutes=1)
    # a higher peak, not grown enough for a thread update: no event, saved all the same
    assert manager.apply("极光汽车", [sharp_surge_finding(50, 14.0)], peak_at, case) == []
    case = store.get_case(case.id)
    assert case is not None and case.updated_at == peak_at
    assert "50 new negative stories" in case.title and "(14.0×)" in case.title
    assert CaseTrigger.of(case).peak_rules["negative_surge"]["stories"] == 50
    stored = case.model_dump()
    # lower, then equal, inside the five minutes: the stored case is not written again
    for minutes, finding in (
        (2, sharp_surge_finding(45, 13.5)),
        (3, sharp_surge_finding(50, 14.0)),
    ):
        assert manager.apply("极光汽车", [finding], T0 + timedelta(minutes=minutes), case) == []
        again = store.get_case(case.id)
        assert again is not None and again.model_dump() == stored
    # five minutes after the last save a lower firing is stored; the title keeps the peak
    later = peak_at + timedelta(seconds=SAVE_EVERY)
    manager.apply("极光汽车", [sharp_surge_finding(45, 13.5)], later, case)
    case = store.get_case(case.id)
    assert case is not None and case.updated_at == later
    assert CaseTrigger.of(case).rules["negative_surge"]["stories"] == 45
    assert "50 new negative stories" in case.title
