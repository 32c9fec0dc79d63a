"""The engine over a real SQLite store, live mode (mentions pulled from the store):
one case per surge, escalation ladder, calm → resolution proposed → resolved, reopen,
daily reminders, digest, source health."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from alerts import actions, messages, summaries
from alerts.engine import AlertEngine
from alerts.trigger import CaseTrigger
from config.i18n import use_locale
from index import open_store
from index.base import SourceHealth
from index.models import Mention
from tests.alerts.conftest import T0, make_config

SEQ = iter(range(1, 10**9))


def mention(
    at: datetime,
    negative: bool,
    brand: str = "极光汽车",
    followers: int = 100,
    text: str | None = None,
) -> Mention:
    n = next(SEQ)
    label = "negative" if negative else "neutral"
    return Mention(
        id=f"weibo:{n}",
        source="weibo",
        text=text or f"{brand} 第{n}条 {'太差了' if negative else '还行'}",
        url=f"https://weibo.example/{n}",
        published_at=at,
        crawled_at=at,
        author={"id": f"u{n}", "name": f"用户{n}", "followers": followers},
        brands=[{"brand": brand}],
        sentiment={"score": 0.1 if negative else 0.5, "label": label},
        cluster_id=f"weibo:{n}",
    )


def background(start: datetime, end: datetime) -> list[Mention]:
    """Three neutral stories and one negative story an hour."""
    out, at = [], start
    while at < end:
        out.append(mention(at, negative=at.minute == 0))
        at += timedelta(minutes=20)
    return out


def surge(at: datetime, n: int) -> list[Mention]:
    return [mention(at + timedelta(seconds=20 * i), negative=True) for i in range(n)]


# the ladder tests' surges are 15 stories: P1 by ratio from 10 of them (20 by default)
P1_FROM_10 = {
    "severity": {
        "P1": {
            "ratio": 10.0,
            "ratio_min_stories": 10,
            "reach": 5_000_000,
            "signals": ["safety", "regulator", "media"],
            "signal_stories": 3,
        }
    }
}


@pytest.fixture
def live(store):
    config = make_config(alerts=P1_FROM_10)
    store.upsert_mentions(background(T0 - timedelta(days=3), T0))
    engine = AlertEngine(config, store)
    assert engine.evaluate(T0) == []
    return engine


def run(engine: AlertEngine, start: datetime, minutes: int) -> list:
    events = []
    for m in range(minutes):
        now = start + timedelta(minutes=m)
        events += engine.evaluate(now) + engine.check_escalations(now)
    return events


def test_one_case_per_surge_then_escalation_calm_and_resolution(live, store) -> None:
    store.upsert_mentions(surge(T0 + timedelta(minutes=1), 15))
    [opened] = live.evaluate(T0 + timedelta(minutes=7))
    assert opened.kind == "alerted"
    case = store.get_case(opened.case_id)
    assert case.brand == "极光汽车" and case.rule == "negative_surge"
    assert case.severity == "P1" and case.status == "open"  # 15 vs ~0.2 expected
    assert case.trigger["rules"]["negative_surge"]["stories"] >= 8
    assert case.trigger["peak"]["stories:sharp"] == 15
    assert len(case.evidence) == 10

    store.upsert_mentions(surge(T0 + timedelta(minutes=8), 15))  # the surge goes on
    events = run(live, T0 + timedelta(minutes=8), 10)
    assert [e.kind for e in events] == []  # same case, nothing new worth a message
    assert len(store.list_cases()) == 1

    # not acknowledged within P1's 15 minutes: up the ladder, one step per deadline
    due = case.ack_due_at
    [esc] = live.check_escalations(due)
    assert esc.kind == "escalated" and esc.data["step"] == "PR manager"
    note = store.get_notification(f"{case.id}:escalate:1")
    assert note.channel == "#pr-managers" and "<@U0PRMGR>" in note.payload["text"]
    assert live.check_escalations(due + timedelta(minutes=1)) == []
    [esc2] = live.check_escalations(due + timedelta(minutes=15))
    assert esc2.data["step"] == "executive"
    assert live.check_escalations(due + timedelta(hours=5)) == []  # top of the ladder

    actions.acknowledge(store, case.id, "alice", now=due + timedelta(minutes=20))
    # calm: nothing fires for an hour and volume is back to baseline → proposal, once
    events = run(live, T0 + timedelta(minutes=18), 200)
    proposals = [e for e in events if e.kind == "resolution_proposed"]
    # the second wave doubled the surge: one "growing" thread update, after the
    # update interval; then calm → one proposal
    assert [e.kind for e in events] == ["updated", "resolution_proposed"]
    assert "growing" in events[0].text
    assert events[0].at == case.opened_at + timedelta(minutes=30)
    at = proposals[0].at
    assert T0 + timedelta(hours=1) < at < T0 + timedelta(hours=3)
    assert store.get_case(case.id).status == "acknowledged"  # a person confirms

    actions.resolve(store, case.id, "alice", now=at)
    assert store.get_case(case.id).status == "resolved"

    # a new surge within reopen_within reopens the same case
    store.upsert_mentions(surge(at + timedelta(minutes=30), 15))
    events = run(live, at + timedelta(minutes=31), 8)
    assert [e.kind for e in events][:1] == ["reopened"]
    assert len(store.list_cases()) == 1 and store.get_case(case.id).status == "open"
    kinds = [e.kind for e in store.case_events(case.id)]
    assert kinds[:4] == ["alerted", "escalated", "escalated", "acknowledged"]
    assert {"resolution_proposed", "resolved", "reopened"} <= set(kinds)


def test_growing_surge_updates_the_case_thread(live, store) -> None:
    store.upsert_mentions(surge(T0 + timedelta(minutes=1), 12))
    [opened] = live.evaluate(T0 + timedelta(minutes=6))
    # 40 minutes later it is three times bigger and a 大V joins
    store.upsert_mentions(surge(T0 + timedelta(minutes=40), 40))
    store.upsert_mentions([mention(T0 + timedelta(minutes=44), True, followers=2_000_000)])
    events = live.evaluate(T0 + timedelta(minutes=46))
    assert [e.kind for e in events] == ["updated"]
    assert "growing" in events[0].text and "2,000,000 followers" in events[0].text
    assert store.get_notification(f"{opened.case_id}:event:{events[0].seq}") is not None
    assert len(store.list_cases()) == 1


def test_too_little_data_opens_nothing(live, store) -> None:
    store.upsert_mentions(surge(T0 + timedelta(minutes=1), 5))
    assert run(live, T0 + timedelta(minutes=2), 20) == []


def test_late_arriving_mentions_still_count(live, store) -> None:
    live.evaluate(T0 + timedelta(minutes=30))
    # crawled now, published 20 minutes ago (forums are indexed late)
    store.upsert_mentions(surge(T0 + timedelta(minutes=12), 15))
    events = live.evaluate(T0 + timedelta(minutes=31))
    assert events == [] or events[0].kind == "alerted"
    cases = store.list_cases()
    assert len(cases) == 1 and cases[0].rule in ("negative_surge",)


def test_daily_update_reminder_and_note_resets_it(live, store) -> None:
    store.upsert_mentions(surge(T0 + timedelta(minutes=1), 15))
    [opened] = live.evaluate(T0 + timedelta(minutes=7))
    actions.acknowledge(store, opened.case_id, "alice", now=T0 + timedelta(minutes=8))
    day = T0 + timedelta(minutes=7, days=1)
    [reminder] = live.check_escalations(day)
    assert reminder.kind == "reminder" and "alice" in reminder.text
    assert live.check_escalations(day + timedelta(hours=1)) == []
    actions.add_note(store, opened.case_id, "alice", "已回应", now=day + timedelta(hours=2))
    assert live.check_escalations(day + timedelta(days=1)) == []
    assert [e.kind for e in live.check_escalations(day + timedelta(days=1, hours=2))] == [
        "reminder"
    ]


def test_daily_digest_compares_with_the_previous_day(live, store) -> None:
    store.upsert_mentions(surge(T0 - timedelta(hours=3), 6))
    digest = live.daily_digest(T0, queue=False)  # a page view queues nothing
    row = digest["brands"]["极光汽车"]
    assert row["mentions"] == 72 + 6 and row["negative"] == 24 + 6
    assert row["previous"]["negative"] == 24 and row["negative_change"] == pytest.approx(0.25)
    assert digest["brands"]["清泉乳业"]["mentions"] == 0
    assert not digest["queued"] and store.get_notification(digest["key"]) is None
    digest = live.daily_digest(T0)
    assert digest["queued"] and not live.daily_digest(T0)["queued"]  # once a day
    assert "极光汽车" in store.get_notification(digest["key"]).payload["text"]


def test_source_health_case(store) -> None:
    config = make_config(
        sources=[
            {
                "name": "demo-weibo",
                "title": "微博（演示）",
                "kind": "weibo",
                "query": ["极光"],
                "base_url": "http://127.0.0.1:8765/weibo",
            }
        ]
    )
    engine = AlertEngine(config, store)
    store.set_source_health(
        SourceHealth(
            "demo-weibo", "paused", "captcha", since=T0, paused_until=T0 + timedelta(hours=1)
        )
    )
    [ev] = engine.evaluate(T0)
    case = store.get_case(ev.case_id)
    assert case.brand == "source:demo-weibo" and case.rule == "source_health"
    assert "captcha" in case.title
    # people read the source's title, not its id (the brand keeps the id)
    with use_locale("zh_CN"):
        title = messages.headline(case)
    assert title.startswith("来源 微博（演示）：") and "demo-weibo" not in title, title
    # the pause's end is named in the configured zone (Asia/Shanghai), not in UTC
    figures = CaseTrigger.of(case).rules["source_health"]
    with use_locale("zh_CN"):
        line = summaries.line("source_health", figures)
    end = (T0 + timedelta(hours=9)).strftime("%-m月%-d日 %H:%M")
    assert line is not None and f"，至 {end} 北京时间" in line and "UTC" not in line
    with use_locale("en"):
        assert "Asia/Shanghai" in (summaries.line("source_health", figures) or "")
    old = {k: v for k, v in figures.items() if k not in ("paused_until_at", "tz")}
    assert (summaries.line("source_health", old) or "").endswith(" UTC")  # stored before
    assert engine.evaluate(T0 + timedelta(minutes=1)) == []  # same case
    actions.acknowledge(store, case.id, "ops", now=T0 + timedelta(minutes=5))
    store.set_source_health(SourceHealth("demo-weibo", "ok", since=T0 + timedelta(hours=1)))
    events = run(engine, T0 + timedelta(hours=1), 62)
    assert [e.kind for e in events] == ["resolution_proposed"]


def test_silent_source(store) -> None:
    config = make_config(
        sources=[
            {
                "name": "demo-news",
                "kind": "feed",
                "feeds": ["/rss"],
                "base_url": "http://127.0.0.1:8765/news",
            }
        ]
    )
    engine = AlertEngine(config, store)
    for hours_ago, new in [(3, 5), (2, 0), (1, 0)]:
        at = (T0 - timedelta(hours=hours_ago)).isoformat()
        store.record_crawl_run(
            "demo-news", {"started_at": at, "finished_at": at, "items": {"new": new}}
        )
    [ev] = engine.evaluate(T0)
    assert "nothing new for 3.0 h" in ev.text


def test_a_surge_counts_for_the_brand_it_is_bad_for_not_its_rival(live, store) -> None:
    """Posts naming two brands, bad for one and good for the other (document-level
    neutral, as a comparison reads): the negative counts use each brand's own polarity,
    so the surge opens a case for 清泉乳业 and none for 极光汽车."""
    posts = []
    for i in range(15):
        doc = mention(T0 + timedelta(minutes=1, seconds=20 * i), negative=False).model_dump()
        doc["text"] = f"清泉乳业的奶喝出异味，客服不理人；还是极光汽车的售后靠谱 {i}"
        doc["brands"] = [
            {"brand": "清泉乳业", "sentiment": {"score": 0.1, "label": "negative"}},
            {"brand": "极光汽车", "sentiment": {"score": 0.9, "label": "positive"}},
        ]
        posts.append(Mention.model_validate(doc))
    store.upsert_mentions(posts)
    opened = live.evaluate(T0 + timedelta(minutes=7))
    cases = [store.get_case(e.case_id) for e in opened if e.kind == "alerted"]
    assert [c.brand for c in cases] == ["清泉乳业"]
    assert cases[0].rule == "negative_surge"


def threads(start: datetime, end: datetime, comments: int) -> list[Mention]:
    """Two neutral posts an hour and a negative one every other hour, each with
    ``comments`` comments under it four minutes apart (into the next hour, which holds
    only comments of the negative thread), published before ``end``; negative under a
    negative post."""
    out, at = [], start
    while at < end:
        hour = int(at.timestamp() // 3600)
        if at.minute or hour % 2 == 0:
            post = mention(at, negative=at.minute == 0)
            out.append(post)
            for i in range(1, comments + 1):
                when = at + timedelta(minutes=4 * i)
                if when < end:
                    doc = mention(when, at.minute == 0).model_dump()
                    out.append(
                        Mention.model_validate({**doc, "kind": "comment", "parent_id": post.id})
                    )
        at += timedelta(minutes=20)
    return out


def test_comments_under_the_history_posts_add_no_stories_to_the_baseline(store, tmp_path) -> None:
    """The baseline counts stories as the rules do: a brand whose crawl collects 30
    comments under each post expects the posts' stories an hour, not the comments'
    (Store.count_buckets; an hour of comments only is no new story, not their count),
    so a surge of new complaint posts is found as it is without comments: at the same
    minute, against the same expected count."""
    config = make_config()
    with_comments = threads(T0 - timedelta(days=3), T0, 30)
    posts = [m for m in with_comments if m.parent_id is None]
    store.upsert_mentions(with_comments)
    plain = open_store(f"sqlite:///{tmp_path / 'plain.db'}")
    plain.upsert_mentions(posts)
    engines = [AlertEngine(config, st) for st in (store, plain)]
    for engine in engines:
        assert engine.evaluate(T0) == []
    first, second = (e.histories["极光汽车"] for e in engines)
    assert (first.negative, first.total) == (second.negative, second.total)
    assert set(first.negative.values()) == {1}  # every other hour: none, not 15 comments
    hour = int(T0.timestamp() // 60)
    expected = [e.profile("极光汽车").expected(hour, hour + 60) for e in engines]
    assert expected[0] == pytest.approx(expected[1]) and expected[1] < 1
    found = []
    for engine, st in zip(engines, (store, plain), strict=True):
        st.upsert_mentions([mention(T0 + timedelta(minutes=1 + i), True) for i in range(10)])
        events = run(engine, T0 + timedelta(minutes=1), 12)
        [alerted] = [e for e in events if e.kind == "alerted"]
        rule = st.get_case(alerted.case_id).trigger["rules"]["negative_surge"]
        found.append((alerted.at, rule["stories"], rule["expected"]))
    assert found[0] == found[1]
    plain.close()


def comment_on(parent: Mention, at: datetime) -> Mention:
    doc = mention(at, negative=True).model_dump()
    return Mention.model_validate({**doc, "kind": "comment", "parent_id": parent.id})


def test_comments_under_a_repost_count_in_the_story_of_the_repost(live, store) -> None:
    """A comment counts in the story its post belongs to, and a repost's story is its
    original's: angry comments under a post and under its repost are one story, whether
    the posts were taken in a minute before or days ago (read from the Store), as the
    Store counts them (count_buckets: a comment adds no story)."""
    start = T0 + timedelta(minutes=1)
    post = mention(start, negative=True)
    repost = mention(start, negative=True).model_copy(
        update={"repost_of": post.id, "cluster_id": post.id}
    )
    store.upsert_mentions([post, repost])
    assert live.evaluate(start + timedelta(minutes=1)) == []
    answers = [comment_on(p, start + timedelta(minutes=2)) for p in (post, repost, repost)]
    old = mention(T0 - timedelta(days=2), negative=True)
    old_repost = mention(T0 - timedelta(days=2), negative=True).model_copy(
        update={"repost_of": old.id, "cluster_id": old.id}
    )
    store.upsert_mentions([old, old_repost])
    late = [comment_on(p, start + timedelta(minutes=2)) for p in (old_repost, old, old_repost)]
    store.upsert_mentions(answers + late)
    live.evaluate(start + timedelta(minutes=3))
    activity = live.activity.brands["极光汽车"]
    first = int(start.timestamp() // 60)
    assert activity.count(first, first + 3) == 2  # the new post's story, the old one's
    assert {s.cluster for s in activity.touched_stories(first, first + 3)} == {post.id, old.id}
    assert activity.stories[post.id].mentions == 5  # the post, its repost, 3 comments
    [bucket] = [
        b
        for b in store.count_buckets(start, start + timedelta(minutes=3), 3600)
        if b.brand == "极光汽车" and b.sentiment == "negative"
    ]
    assert (bucket.count, bucket.stories) == (8, 1)  # the old posts' story is days ago
