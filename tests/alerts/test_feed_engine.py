"""The engine reads the Store's change feed: late arrivals count when they arrive, a
re-crawl's grown counts are measured as growth, and a restart (even a kill -9 between a
store write and the cursor save) misses nothing and counts nothing twice."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from alerts import actions
from alerts.engine import FEED_CURSOR, AlertEngine, epoch_minute
from index import open_store
from index.base import Store
from index.models import Mention
from tests.alerts.conftest import T0, make_config
from tests.alerts.test_engine import background, mention, surge


@pytest.fixture
def live(store: Store) -> AlertEngine:
    store.upsert_mentions(background(T0 - timedelta(days=3), T0))
    engine = AlertEngine(make_config(), store)
    assert engine.evaluate(T0) == []
    return engine


def arriving(mentions: list[Mention], at: datetime) -> list[Mention]:
    return [m.model_copy(update={"crawled_at": at}) for m in mentions]


def grown(m: Mention, at: datetime, reposts: int) -> Mention:
    counts = m.engagement.model_copy(update={"reposts": reposts})
    return m.model_copy(update={"crawled_at": at, "engagement": counts})


def test_a_storm_stored_six_hours_after_it_was_published_alerts_when_it_arrives(
    live: AlertEngine, store: Store
) -> None:
    late = arriving(surge(T0 - timedelta(hours=6), 15), T0 + timedelta(minutes=1))
    store.upsert_mentions(late)
    events = [e for m in range(2, 8) for e in live.evaluate(T0 + timedelta(minutes=m))]
    assert [e.kind for e in events] == ["alerted"]
    case = store.get_case(events[0].case_id)
    assert case is not None and case.rule == "negative_surge"
    assert case.trigger["peak"]["stories:sharp"] == 15


def test_a_backlog_of_history_stored_at_once_keeps_its_own_pace(store: Store) -> None:
    """A source's first crawl stores a day of ordinary history at once (the demo's 26
    hours, a new keyword): counted at its arrival it was a negative surge on every brand
    at start-up. Its posts keep their own pace, ending now: no case — while a storm
    published within minutes and surfaced hours late still arrives as a burst (above)."""

    def busy(start: datetime, end: datetime) -> list[Mention]:
        """Twenty stories an hour, every other one negative."""
        return [
            mention(start + timedelta(minutes=3 * i), negative=i % 2 == 0)
            for i in range(int((end - start).total_seconds() // 180))
        ]

    store.upsert_mentions(busy(T0 - timedelta(days=3), T0 - timedelta(days=1)))
    engine = AlertEngine(make_config(), store)
    assert engine.evaluate(T0 - timedelta(days=1)) == []
    history = arriving(busy(T0 - timedelta(days=1), T0), T0 + timedelta(minutes=1))
    store.upsert_mentions(history)
    events = [e for m in range(2, 30) for e in engine.evaluate(T0 + timedelta(minutes=m))]
    assert [e for e in events if e.kind == "alerted"] == []


def test_a_storm_surfaced_hours_late_beside_fresh_posts_alerts_when_it_arrives(
    live: AlertEngine, store: Store
) -> None:
    """A search surfaces a storm's posts, published over three hours some hours ago,
    together with fresh posts of the same source. Those hours the source had covered
    already, so this is no backlog: the storm counts when it arrives (paced like a first
    crawl, its posts counted hours back and it opened nothing)."""
    published = [T0 - timedelta(hours=6) + timedelta(minutes=12 * i) for i in range(15)]
    late = [mention(at, negative=True) for at in published]
    fresh = [mention(T0 + timedelta(seconds=20 * i), negative=False) for i in range(3)]
    store.upsert_mentions(arriving(late + fresh, T0 + timedelta(minutes=1)))
    events = [e for m in range(2, 8) for e in live.evaluate(T0 + timedelta(minutes=m))]
    assert [e.kind for e in events] == ["alerted"]
    case = store.get_case(events[0].case_id)
    assert case is not None and case.trigger["peak"]["stories:sharp"] == 15


def test_a_recrawl_that_finds_reposts_grown_from_40_to_4000_in_20_min_alerts(
    live: AlertEngine, store: Store
) -> None:
    post = mention(T0 - timedelta(minutes=10), negative=True)
    post = grown(post, T0 + timedelta(minutes=1), 40)
    store.upsert_mentions([post])
    assert live.evaluate(T0 + timedelta(minutes=1)) == []  # 40 reposts: nothing yet
    store.upsert_mentions([grown(post, T0 + timedelta(minutes=21), 4000)])
    [alert] = live.evaluate(T0 + timedelta(minutes=21))
    assert alert.kind == "alerted"
    case = store.get_case(alert.case_id)
    assert case is not None and case.rule == "high_reach"
    # 3,960 gained in 20 minutes: 2,970 in the last quarter hour, 11,880 an hour
    assert case.trigger["rules"]["high_reach"]["reposts_per_hour"] == 11_880.0
    assert "11,880 reposts/comments per hour" in case.title


def test_growth_nobody_observes_again_stops_counting(live: AlertEngine, store: Store) -> None:
    post = grown(mention(T0, negative=True), T0 + timedelta(minutes=1), 40)
    store.upsert_mentions([post])
    live.evaluate(T0 + timedelta(minutes=1))
    store.upsert_mentions([grown(post, T0 + timedelta(minutes=21), 4000)])
    live.evaluate(T0 + timedelta(minutes=21))
    story = live.activity.brand("极光汽车").stories[post.id]
    end = epoch_minute(T0) + 21
    assert story.reposts_per_hour(end) == 11_880.0
    # as the hour moves past the growth seen, the rate falls; it is never carried forward
    assert story.reposts_per_hour(end + 50) == pytest.approx(3_960 * 10 / 20)
    assert story.reposts_per_hour(end + 60) == 0.0


def test_the_same_state_read_again_counts_once(live: AlertEngine, store: Store) -> None:
    store.upsert_mentions(surge(T0 + timedelta(minutes=1), 15))
    live.evaluate(T0 + timedelta(minutes=7))
    act = live.activity.brand("极光汽车")
    start, end = epoch_minute(T0), epoch_minute(T0) + 10
    assert act.count(start, end) == 15
    changes, _ = store.changes_since(0)
    for c in changes:  # a restart reading the feed again takes in nothing twice
        live.activity.observe(c.mention, end)
    assert act.count(start, end) == 15


def _evaluate_then_die(url: str, at: datetime) -> None:
    """A service that stores, evaluates and is killed just before saving its cursor."""
    store = open_store(url)

    def killed(*_: Any) -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    store.set_cursor = killed  # type: ignore[method-assign]
    engine = AlertEngine(make_config(), store)
    engine.evaluate(at)


def test_kill_9_between_a_store_write_and_the_cursor_save_misses_and_doubles_nothing(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'radar.db'}"
    with open_store(url) as store:
        store.upsert_mentions(background(T0 - timedelta(days=3), T0))
        engine = AlertEngine(make_config(), store)
        assert engine.evaluate(T0) == []
        saved = store.get_cursor(FEED_CURSOR)
        assert saved is not None and saved["seq"] > 0
        store.upsert_mentions(surge(T0 + timedelta(minutes=1), 15))

    child = multiprocessing.get_context("fork").Process(
        target=_evaluate_then_die, args=(url, T0 + timedelta(minutes=7))
    )
    child.start()
    child.join(30)
    assert child.exitcode == -signal.SIGKILL
    with open_store(url) as store:
        [alerted] = [e for c in store.list_cases() for e in store.case_events(c.id)]
        assert alerted.kind == "alerted"  # recorded by the killed service
        assert store.get_cursor(FEED_CURSOR) == saved  # its cursor save never happened
        # written while the service was down
        store.upsert_mentions(surge(T0 + timedelta(minutes=8), 6))
        restarted = AlertEngine(make_config(), store)
        events = restarted.evaluate(T0 + timedelta(minutes=15))
        assert [e.kind for e in events if e.kind != "updated"] == []  # no second alert
        assert len(store.list_cases()) == 1
        act = restarted.activity.brand("极光汽车")
        start = epoch_minute(T0)
        assert act.count(start + 1, start + 8) == 15  # each once, none missed
        assert act.count(start + 8, start + 15) == 6
        restarted.evaluate(T0 + timedelta(minutes=61))  # saved with the next hourly mark
        assert store.get_cursor(FEED_CURSOR)["seq"] > saved["seq"]


def run(engine: AlertEngine, start: datetime, minutes: int, step: int = 1) -> list[Any]:
    events: list[Any] = []
    for m in range(0, minutes, step):
        now = start + timedelta(minutes=m)
        events += engine.evaluate(now) + engine.check_escalations(now)
    return events


def test_a_storm_that_settles_and_creeps_on_is_not_reopened(
    live: AlertEngine, store: Store
) -> None:
    post = grown(mention(T0, negative=True), T0 + timedelta(minutes=1), 40)
    store.upsert_mentions([post])
    live.evaluate(T0 + timedelta(minutes=1))
    store.upsert_mentions([grown(post, T0 + timedelta(minutes=21), 4000)])
    [alert] = live.evaluate(T0 + timedelta(minutes=21))
    actions.resolve(store, alert.case_id, "alice", now=T0 + timedelta(minutes=30))
    # re-crawled every 20 minutes for six hours: a few more reposts each time
    events, reposts, at = [], 4000, T0 + timedelta(minutes=41)
    while at < T0 + timedelta(hours=6):
        reposts += 4
        store.upsert_mentions([grown(post, at, reposts)])
        events += run(live, at, 20, step=5)
        at += timedelta(minutes=20)
    assert [e.kind for e in events if e.kind in ("reopened", "alerted")] == []
    assert len(store.list_cases()) == 1 and store.get_case(alert.case_id).status == "resolved"


def test_a_storm_dying_down_is_not_growing_until_its_rate_grows(
    live: AlertEngine, store: Store
) -> None:
    """Its reposts so far (its reach) grow while it dies down: no 持续扩大 for that, nor
    for a burst already over when the update interval ends; a thread update comes when
    it spreads 1.5× faster than at its last message, then."""
    post = grown(mention(T0, negative=True), T0 + timedelta(minutes=1), 40)
    store.upsert_mentions([post])
    live.evaluate(T0 + timedelta(minutes=1))
    store.upsert_mentions([grown(post, T0 + timedelta(minutes=21), 4000)])
    [alert] = live.evaluate(T0 + timedelta(minutes=21))
    rate = alert.data["rules"]["high_reach"]["reposts_per_hour"]  # 11,880 an hour
    # re-crawled every 10 minutes: a burst (24,000 an hour, within the 30 minutes after
    # the alert), then +1,500, +1,200, … fewer each time, still spreading
    events, reposts, at = [], 4000, T0 + timedelta(minutes=31)
    for gain in (6000, 1500, 1200, 900, 700, 500, 400):
        reposts += gain
        store.upsert_mentions([grown(post, at, reposts)])
        events += run(live, at, 10)
        at += timedelta(minutes=10)
    assert reposts >= 3 * 4000  # its reach tripled …
    assert [e.kind for e in events if e.kind != "escalated"] == []  # … and it was dying down
    # then it takes off again: 8,000 in 10 minutes, 32,000 an hour
    store.upsert_mentions([grown(post, at, reposts + 8000)])
    [update] = [e for e in run(live, at, 5) if e.kind == "updated"]
    assert "growing" in update.text
    assert update.data["rules"]["high_reach"]["reposts_per_hour"] >= 1.5 * rate
    assert len(store.list_cases()) == 1


def test_a_second_real_wave_the_next_day_reopens_the_case_once(store: Store) -> None:
    store.upsert_mentions(background(T0 - timedelta(days=3), T0 + timedelta(days=2)))
    engine = AlertEngine(make_config(alerts={"reopen_within": "2d"}), store)
    engine.evaluate(T0)
    store.upsert_mentions(surge(T0 + timedelta(minutes=1), 15))
    [alert] = engine.evaluate(T0 + timedelta(minutes=7))
    case_id = alert.case_id
    actions.resolve(store, case_id, "alice", now=T0 + timedelta(hours=2))
    # the first wave's tail: a story now and then, all night
    for h in range(3, 20, 3):
        store.upsert_mentions(surge(T0 + timedelta(hours=h), 1))
    events = run(engine, T0 + timedelta(hours=2), 22 * 60, step=10)
    assert [e.kind for e in events if e.kind in ("reopened", "alerted")] == []
    # the next day, a wave as big as the first
    next_day = T0 + timedelta(days=1)
    store.upsert_mentions(surge(next_day + timedelta(minutes=1), 15))
    events = run(engine, next_day, 120)
    assert [e.kind for e in events if e.kind in ("reopened", "alerted")] == ["reopened"]
    assert len(store.list_cases()) == 1
    case = store.get_case(case_id)
    assert case is not None and case.trigger["reopens"] == 1
    assert case.trigger["peak_at"] >= next_day.isoformat()


def test_live_and_replay_give_the_same_events(tmp_path: Path) -> None:
    """The same lines through replay and through the service's path (the crawl's
    ingest, the engine every minute) give the same case events at the same times."""
    import sentiment
    from alerts.replay import REPORTED, parse_line, replay
    from index.ingest import SENTIMENT, SIGNALS, ingest

    start = T0 - timedelta(days=2)
    lines: list[dict[str, Any]] = []
    at = start
    while at < T0 + timedelta(hours=1):
        lines.append(
            {
                "id": f"b{len(lines)}",
                "published_at": at.isoformat(),
                "text": f"极光汽车 第{len(lines)}条",
                "brand": "极光汽车",
                "sentiment": "negative" if at.minute == 0 else "neutral",
                "risk_signals": [],
            }
        )
        at += timedelta(minutes=20)
    for i in range(15):  # a sharp surge
        lines.append(
            {
                "id": f"s{i}",
                "published_at": (T0 + timedelta(seconds=20 * i)).isoformat(),
                "text": f"极光汽车刹车失灵第{i}例",
                "brand": "极光汽车",
                "sentiment": "negative",
                "risk_signals": [],
            }
        )
    config = make_config()
    replayed: list[dict[str, Any]] = []
    replay(config, [json.dumps(x) for x in lines], replayed.append, tail=timedelta(minutes=30))

    docs = sorted(
        (parse_line(x, n, lambda s: "neutral") for n, x in enumerate(lines, 1)),
        key=lambda d: (d["published_at"], d["id"]),
    )
    live: list[tuple[str, str]] = []
    with open_store(f"sqlite:///{tmp_path / 'live.db'}") as store:
        engine = AlertEngine(config, store)
        minute = epoch_minute(docs[0]["published_at"])
        end = epoch_minute(docs[-1]["published_at"]) + 31
        pending = list(docs)
        while minute <= end:
            now = datetime.fromtimestamp(minute * 60, UTC)
            due = [d for d in pending if d["published_at"] < now]
            pending = pending[len(due) :]
            if due:
                ingest(
                    store,
                    [Mention.model_validate(d) for d in due],
                    sentiment,
                    given=[frozenset({SENTIMENT, SIGNALS})] * len(due),
                )
            for e in engine.evaluate(now) + engine.check_escalations(now):
                if e.kind in REPORTED:
                    live.append((e.kind, e.at.isoformat()))
                if e.kind == "resolution_proposed":
                    actions.resolve(store, e.case_id, "replay", now)
            minute += 1
    assert [(e["event"], e["at"]) for e in replayed] == live
    assert live and live[0][0] == "alerted"


def test_replay_takes_a_recrawled_id_with_observed_at_as_growth() -> None:
    """The same id again with a later ``observed_at`` and grown counts is a re-crawl:
    the repost storm it shows is alerted with the rate measured between the crawls."""
    from alerts.replay import replay

    start = T0 - timedelta(days=1)
    lines: list[dict[str, Any]] = [
        {
            "id": f"b{i}",
            "published_at": (start + timedelta(minutes=30 * i)).isoformat(),
            "text": f"极光汽车 第{i}条",
            "brand": "极光汽车",
            "sentiment": "neutral",
            "risk_signals": [],
        }
        for i in range(48)
    ]
    post = {
        "id": "p1",
        "published_at": T0.isoformat(),
        "text": "极光汽车刹车失灵，4S店拒不承认",
        "brand": "极光汽车",
        "sentiment": "negative",
        "risk_signals": [],
    }
    lines += [
        {**post, "observed_at": (T0 + timedelta(minutes=5)).isoformat(), "reposts": 40},
        {**post, "observed_at": (T0 + timedelta(minutes=25)).isoformat(), "reposts": 4000},
    ]
    events: list[dict[str, Any]] = []
    replay(make_config(), [json.dumps(x) for x in lines], events.append)
    [alert] = [e for e in events if e["event"] == "alerted"]
    assert alert["rule"] == "high_reach" and alert["at"] == (T0 + timedelta(minutes=26)).isoformat()
    # at 00:26: 14 of the 20 minutes of growth (3,960) in the last quarter hour, × 4
    assert "11,088 reposts/comments per hour" in alert["text"]


def test_a_post_of_the_minute_being_evaluated_counts_the_next_minute(
    live: AlertEngine, store: Store
) -> None:
    """Windows end before the minute evaluated: a 大V post stored in that minute is
    looked at again the next minute, even when nothing else arrives."""
    at = T0 + timedelta(minutes=5)
    store.upsert_mentions([mention(at, negative=True, followers=2_000_000)])
    assert live.evaluate(at) == []
    [alert] = live.evaluate(at + timedelta(minutes=1))
    assert alert.kind == "alerted" and store.get_case(alert.case_id).rule == "high_reach"
