"""People's actions on a case: valid transitions recorded, invalid ones explained."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from alerts import actions
from alerts.cases import CaseManager
from index import Store, open_store
from index.models import BrandMatch, Mention
from tests.alerts.conftest import T0, make_config, surge_finding


@pytest.fixture
def case(store):
    [event] = CaseManager(make_config(), store).apply("极光汽车", [surge_finding()], T0, None)
    return store.get_case(event.case_id)


def test_lifecycle_open_ack_assign_note_resolve_close(store, case) -> None:
    at = T0 + timedelta(minutes=5)
    actions.acknowledge(store, case.id, "alice", now=at)
    actions.assign(store, case.id, "alice", "bob", now=at)
    actions.add_note(store, case.id, "bob", "已联系车主，今晚发声明", now=at)
    actions.resolve(store, case.id, "bob", now=at + timedelta(hours=3))
    actions.close(store, case.id, "alice", now=at + timedelta(days=1))
    saved = store.get_case(case.id)
    assert saved.status == "closed" and saved.assignee == "bob"
    assert saved.acknowledged_by == "alice" and saved.ack_due_at is None
    events = store.case_events(case.id)
    assert [e.kind for e in events] == [
        "alerted",
        "acknowledged",
        "assigned",
        "note",
        "resolved",
        "closed",
    ]
    assert [e.seq for e in events] == [1, 2, 3, 4, 5, 6]
    # each action queued its thread update, once
    for e in events[1:]:
        assert store.get_notification(f"{case.id}:event:{e.seq}") is not None


@pytest.mark.parametrize(
    ("steps", "action", "message"),
    [
        ([], lambda s, c: actions.close(s, c, "x"), "resolve it before closing"),
        (["ack"], lambda s, c: actions.acknowledge(s, c, "x"), "already acknowledged by alice"),
        (["resolve"], lambda s, c: actions.acknowledge(s, c, "x"), "is resolved"),
        (["resolve"], lambda s, c: actions.resolve(s, c, "x"), "only an open or acknowledged"),
        ([], lambda s, c: actions.add_note(s, c, "x", "  "), "a note cannot be empty"),
        ([], lambda s, c: actions.acknowledge(s, c, ""), "who is acting"),
        ([], lambda s, c: actions.acknowledge(s, "nope", "x"), "no case 'nope'"),
        ([], lambda s, c: actions.attach_mention(s, c, "x", "weibo:404"), "no mention"),
        ([], lambda s, c: actions.assign(s, c, "x", ""), "assignee"),
        (["resolve", "close"], lambda s, c: actions.add_note(s, c, "x", "hi"), "is closed"),
        (["resolve", "close"], lambda s, c: actions.close(s, c, "x"), "is already closed"),
    ],
)
def test_invalid_actions_are_refused_with_a_reason(store, case, steps, action, message) -> None:
    for step in steps:
        {
            "ack": lambda: actions.acknowledge(store, case.id, "alice"),
            "resolve": lambda: actions.resolve(store, case.id, "alice"),
            "close": lambda: actions.close(store, case.id, "alice"),
        }[step]()
    before = len(store.case_events(case.id))
    with pytest.raises(actions.ActionError, match=message):
        action(store, case.id)
    assert len(store.case_events(case.id)) == before  # nothing recorded


def test_attach_mention_puts_it_first_in_evidence(store, case) -> None:
    m = Mention(
        id="weibo:77",
        source="weibo",
        text="车主维权现场",
        published_at=T0,
        url="https://weibo.example/77",
    )
    store.upsert_mentions([m])
    actions.attach_mention(store, case.id, "alice", "weibo:77", now=T0)
    assert store.get_case(case.id).evidence[0] == "weibo:77"
    with pytest.raises(actions.ActionError, match="already evidence"):
        actions.attach_mention(store, case.id, "alice", "weibo:77")


def test_resolve_keeps_the_rule_the_title_named_and_a_reopen_forgets_it(store) -> None:
    from dataclasses import replace

    from alerts.trigger import CaseTrigger
    from tests.alerts.conftest import big_v_finding

    manager = CaseManager(make_config(), store)
    [event] = manager.apply("极光汽车", [big_v_finding(3_280_000)], T0, None)
    later = T0 + timedelta(minutes=5)
    manager.apply("极光汽车", [surge_finding()], later, store.get_case(event.case_id))
    actions.resolve(store, event.case_id, "bob", now=T0 + timedelta(hours=2))
    resolved = store.get_case(event.case_id)
    assert CaseTrigger.of(resolved).title_rule == "negative_surge"  # what the title named
    # a new wave (another 大V post) within reopen_within reopens it: about what fires now
    another = replace(big_v_finding(5_000_000), key="high_reach:weibo:9")
    manager.apply("极光汽车", [another], T0 + timedelta(hours=3), None)
    reopened = store.get_case(event.case_id)
    assert reopened.status == "open" and CaseTrigger.of(reopened).title_rule is None


def test_a_case_id_is_stamped_in_the_configured_zone(store) -> None:
    """A case opened 12月5日 00:40 Beijing time read c20261204-1640-… (UTC) in messages and
    in the brief PDF's file name; the engine's and a hand-opened case's id now carry the
    configured zone's date and time. Same minute, another brand: another id."""
    at = datetime(2026, 12, 4, 16, 40, 12, tzinfo=UTC)  # 2026-12-05 00:40 in Shanghai
    [event] = CaseManager(make_config(), store).apply("极光汽车", [surge_finding()], at, None)
    assert event.case_id.startswith("c20261205-0040-"), event.case_id
    utc = make_config(timezone="UTC")
    [other] = CaseManager(utc, store).apply("清泉乳业", [surge_finding("清泉乳业")], at, None)
    assert other.case_id.startswith("c20261204-1640-") and other.case_id != event.case_id
    m = Mention(id="weibo:78", source="weibo", text="清泉乳业 酸奶变质", published_at=at,
                url="https://weibo.example/78", brands=[BrandMatch(brand="清泉乳业")])  # fmt: skip
    store.upsert_mentions([m])
    actions.resolve(store, other.case_id, "alice", now=at)
    opened = actions.open_case(store, "清泉乳业", "alice", "weibo:78", now=at, tz="Asia/Shanghai")
    assert opened.id.startswith("c20261205-0040-")
    assert opened.id not in (event.case_id, other.case_id)


@pytest.fixture(params=["sqlite", "elasticsearch"])
def backend(request: pytest.FixtureRequest, tmp_path) -> Iterator[Store]:  # type: ignore[no-untyped-def]
    """Each store backend (Elasticsearch when RADAR_ES_URL names one, as tests/index)."""
    if request.param == "sqlite":
        st = open_store(f"sqlite:///{tmp_path / 'radar.db'}")
    else:
        url = os.environ.get("RADAR_ES_URL")
        if not url:
            pytest.skip("RADAR_ES_URL not set: the Elasticsearch backend needs a cluster")
        st = open_store(url, index_prefix=f"radar-test-{uuid.uuid4().hex[:12]}")
    try:
        yield st
    finally:
        drop_all = getattr(st, "drop_all", None)
        if callable(drop_all):
            drop_all()
        st.close()


def test_assigning_the_current_assignee_again_records_nothing(backend: Store) -> None:
    """The same assignment sent twice (a double click, a retried API call) made two
    "assigned" entries in the timeline and two thread posts; the second is now a no-op."""
    [event] = CaseManager(make_config(), backend).apply("极光汽车", [surge_finding()], T0, None)
    at = T0 + timedelta(minutes=5)
    assert actions.assign(backend, event.case_id, "alice", "bob", now=at) is not None
    before = backend.get_case(event.case_id)
    later = at + timedelta(minutes=1)
    assert actions.assign(backend, event.case_id, "carol", " bob ", now=later) is None
    after = backend.get_case(event.case_id)
    assert after.assignee == "bob" and after.updated_at == before.updated_at
    kinds = [e.kind for e in backend.case_events(event.case_id)]
    assert kinds == ["alerted", "assigned"]
    # another person is a new assignment, and back again too
    actions.assign(backend, event.case_id, "alice", "carol", now=later)
    actions.assign(backend, event.case_id, "alice", "bob", now=later)
    assigned = [e.data["assignee"] for e in backend.case_events(event.case_id)[1:]]
    assert assigned == ["bob", "carol", "bob"]
