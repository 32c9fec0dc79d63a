"""The alert engine: the same code runs live (every minute, from the scheduler) and in
replay (at each simulated minute).

Each ``evaluate(now)``: read what changed in the Store since the engine's cursor (the
change feed, ``Store.changes_since``: new mentions, however late they were published,
and re-crawled ones whose counts grew), refresh the brands' seasonal baselines at each
new hour (incrementally, from ``Store.count_buckets``), run the rules for brands that
received data or have an active case, open/update cases, and only then save the cursor.
Live and replay read the same feed (replay writes each simulated minute's mentions
through index/ingest.py first). Messages go through the durable outbox;
``deliver_outbox`` sends them.

The cursor is durable (``Store.set_cursor("alerts:engine", …)``), saved after the
evaluation that consumed the changes has recorded its cases and events. The counts the
rules read live in memory, so a restarted engine rebuilds them by reading the feed
again from a mark at least ``Activity.retention`` minutes old (the cursor keeps one mark
per hour: the feed position at that time) up to now, then carries on: every change is
taken in once per engine life (``Activity.observe`` is idempotent per mention and
state), none is missed (the saved cursor never passes an unevaluated change), and what
was evaluated before the restart opens nothing twice (its case is active and the
outbox is idempotent per key). A change published after the evaluation time (a test
or replay that stored ahead) waits until its minute.
"""

from __future__ import annotations

import bisect
import functools
import logging
import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, ParamSpec, TypeVar
from zoneinfo import ZoneInfo

from alerts import baseline, coverage, lines, messages, notice, outbox
from alerts.actions import ACTIVE
from alerts.activity import Activity, arrival_minute
from alerts.cases import CaseManager
from alerts.notifiers import Notifier, notifier_from_config
from alerts.notifiers.targets import Targets
from alerts.routing import digest_url
from alerts.rules import BRAND_RULES, BrandContext, Finding, source_health
from alerts.trigger import CaseTrigger
from alerts.webhooks.events import publish_digest
from config.i18n import N_, use_locale
from config.schema import RadarConfig
from index.base import SearchRequest, Store
from index.changes import Change
from index.models import Case, CaseEvent, CaseStatus, Mention, as_utc

log = logging.getLogger(__name__)
FEED_CURSOR = "alerts:engine"  # the engine's cursor among the crawl cursors
FEED_PAGE = 1000
REFIT_HOURS = 6
BACKLOG_SPAN = 60  # minutes of publication one read may span before it is a backlog


def epoch_minute(at: datetime) -> int:
    return int(as_utc(at).timestamp() // 60)


def minute_start(minute: int) -> datetime:
    return datetime.fromtimestamp(minute * 60, UTC)


P = ParamSpec("P")
R = TypeVar("R")


def _in_deployment_language(method: Callable[P, R]) -> Callable[P, R]:
    """Slack texts, timeline entries and the digest in the config's ``locale`` (whatever
    the locale of the caller, e.g. a web user who reads English)."""

    @functools.wraps(method)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        engine = args[0]
        with use_locale(engine.config.locale):  # type: ignore[attr-defined]
            return method(*args, **kwargs)

    return run


class AlertEngine:
    def __init__(
        self,
        config: RadarConfig,
        store: Store,
        notifier: Notifier | None = None,
        *,
        pull: bool = True,
    ):
        """``pull=False``: an engine that never reads the change feed nor moves its
        cursor (the digest page; tests that hand findings to the case manager)."""
        self.config = config
        self.store = store
        self.notifier = notifier or notifier_from_config(config)
        self.targets = Targets(config, store)  # robots, mail lists, webhook subscribers
        self.pull = pull
        a = config.alerts
        retention = (
            int(
                max(
                    a.surge.slow_climb_hours * 60,
                    a.surge.window / 60,
                    a.risk_signal.window / 60,
                    60,
                )
            )
            + 60
        )
        self.activity = Activity(retention)
        self.cases = CaseManager(config, store)
        self.histories: dict[str, baseline.HourlyHistory] = {}
        self.profiles: dict[str, baseline.Profile] = {}
        self._synced_hour: int | None = None
        self._cursor: int | None = None  # feed position taken in (None: not resumed yet)
        self._saved: dict[str, Any] = {}  # the cursor as last saved
        self._marks: list[list[int]] = []  # [feed position, epoch minute], one per hour
        # (published minute, seq, mention) of changes published after the clock
        self._held: list[tuple[int, int, Mention]] = []
        # per source, the newest publication minute taken in: what it has covered
        self._frontier: dict[str, int] = {}
        self._pruned_hour = -1
        self._last_fired: dict[str, datetime] = {}  # case brand -> last firing (live)
        self.tz = config.timezone

    # -- input: the change feed -------------------------------------------------------------
    def _resume(self, end: int) -> int:
        """Where to read the feed from on the first evaluation: the newest mark at
        least the activity's retention old (everything stored before it arrived before
        every window the rules read), else the start."""
        saved = self.store.get_cursor(FEED_CURSOR) or {}
        self._saved = saved
        self._marks = [list(m) for m in saved.get("marks", [])]
        start = 0
        for seq, minute in self._marks:
            if minute <= end - self.activity.retention:
                start = max(start, seq)
        return start

    def _read_feed(self, now: datetime) -> None:
        """Take in every change after the cursor (arrived at most at ``now``), and the
        held ones whose time has come."""
        end = epoch_minute(now)
        if self._cursor is None:
            self._cursor = self._resume(end)
        oldest = end - self.activity.retention
        read: list[Change] = []
        while True:
            changes, self._cursor = self.store.changes_since(self._cursor, FEED_PAGE)
            read += changes
            if len(changes) < FEED_PAGE:
                break
        paced = self._backlog_pace(read, now)
        taken: list[tuple[Mention, int]] = []
        for change in read:
            m = change.mention
            if m.published_at > now:  # stored ahead of the clock: wait for its time
                due = math.ceil(m.published_at.timestamp() / 60)
                bisect.insort(self._held, (due, change.seq, m), key=lambda h: h[:2])
            elif (minute := paced.get(change.seq, arrival_minute(m, end))) >= oldest:
                taken.append((m, minute))
        ready = bisect.bisect_right(self._held, end, key=lambda h: h[0])
        for _, _, m in self._held[:ready]:
            minute = epoch_minute(m.published_at)
            taken.append((m, minute))
            self._frontier[m.source] = max(self._frontier.get(m.source, minute), minute)
        del self._held[:ready]
        # a comment counts in its post's story: the posts not taken in (older than the
        # windows, or before a restart) are read from the Store, in one query
        parents = self.activity.unknown_parents(m for m, _ in taken)
        if parents:
            self.activity.learn(self.store.get_mentions(sorted(parents)))
        for m, minute in taken:
            self.activity.observe(m, minute)

    def _backlog_pace(self, read: list[Change], now: datetime) -> dict[int, int]:
        """Arrival minutes for the new mentions of a *backlog*: a source's first crawl
        (the demo's 26 hours of history, a new keyword) or its catch-up after an outage
        stores hours of posts at once. Counted at their arrival they were a surge on every
        brand at start-up; counted at publication, a storm that a search surfaces 6 h late
        would be missed. So when the new mentions one source brought in one read were
        published over more than ``BACKLOG_SPAN`` minutes, they keep their own pace,
        ending now: each counts at arrival minus (the newest publication − its own),
        never before its publication. A burst published within minutes still arrives as
        a burst, however late; a day of history is spread over its day.

        Only hours the source had not covered yet are a backlog (after the newest
        publication it brought before, ``_frontier``; all of a first read). Posts of hours
        it already covered are late arrivals — a search surfacing a storm's posts hours
        late, beside fresh ones — and count when they arrive; paced, they counted hours
        back and a late storm was found half as fast, or not at all."""
        published: dict[str, list[tuple[int, Change]]] = {}
        for c in read:
            if c.is_new and c.mention.published_at <= now:
                minute = epoch_minute(c.mention.published_at)
                published.setdefault(c.mention.source, []).append((minute, c))
        end = epoch_minute(now)
        paced: dict[int, int] = {}
        for source, entries in published.items():
            covered = self._frontier.get(source)
            newest = max(minute for minute, _ in entries)
            self._frontier[source] = max(newest, covered if covered is not None else newest)
            fresh = [(m, c) for m, c in entries if covered is None or m > covered]
            if not fresh or newest - min(m for m, _ in fresh) <= BACKLOG_SPAN:
                continue
            for minute, c in fresh:
                paced[c.seq] = max(minute, arrival_minute(c.mention, end) - (newest - minute))
        return paced

    def _save_cursor(self, end: int, recorded: bool) -> None:
        """Save the feed position once the evaluation that consumed it is recorded:
        when it recorded case events, else with the hourly mark (a restart rebuilds
        from a mark, so a position saved every minute would buy nothing but writes: a
        replay of a month is 43,000 minutes)."""
        if self._cursor is None:
            return
        # a held change is not consumed yet: a restart must read it again
        seq = min([self._cursor] + [held_seq - 1 for _, held_seq, _ in self._held])
        if not self._marks or end // 60 > self._marks[-1][1] // 60:
            self._marks.append([seq, end])
            keep = end - self.activity.retention - 120
            while len(self._marks) > 1 and self._marks[1][1] <= keep:
                self._marks.pop(0)
        state = {"seq": seq, "marks": [list(mark) for mark in self._marks]}
        if state["marks"] != self._saved.get("marks") or (recorded and state != self._saved):
            self.store.set_cursor(FEED_CURSOR, state)
            self._saved = state

    # -- baselines ------------------------------------------------------------------------
    def _sync_history(self, hour: int) -> None:
        """Hourly counts of new stories per brand, refreshed when an hour closes."""
        if self._synced_hour is not None and hour <= self._synced_hour:
            return
        days = self.config.alerts.surge.baseline_days
        if self._synced_hour is None:
            since_hour = hour - days * 24
        else:
            late = math.ceil(self.config.alerts.late_arrival / 3600) if self.pull else 0
            since_hour = max(hour - days * 24, self._synced_hour - late)
        buckets = self.store.count_buckets(
            minute_start(since_hour * 60), minute_start(hour * 60), 3600
        )
        fresh: dict[str, dict[int, list[int]]] = {}
        for b in buckets:
            h = int(b.start.timestamp() // 3600)
            row = fresh.setdefault(b.brand, {}).setdefault(h, [0, 0])
            # a comment is part of its post's story (Store.count_buckets), as in the
            # engine's counts: an hour of comments only is 0 new stories, not their count
            stories = b.stories
            if b.sentiment == "negative":
                row[0] += stories
            if b.sentiment:
                row[1] += stories
        for brand in set(fresh) | set(self.histories):
            hist = self.histories.setdefault(brand, baseline.HourlyHistory())
            rows = fresh.get(brand, {})
            for h in range(since_hour, hour):
                neg, total = rows.get(h, (0, 0))
                hist.add(h, neg, total)
            hist.prune(hour - days * 24)
        self._synced_hour = hour
        for brand, hist in self.histories.items():
            fitted = self.profiles.get(brand)
            # a profile moves slowly once a brand has days of history: refit every
            # REFIT_HOURS then; hourly while it is young (each hour changes it)
            if fitted is None or fitted.days < 3 or hour - fitted.hour >= REFIT_HOURS:
                self.profiles[brand] = baseline.fit(
                    hist, hour, days, self.config.alerts.surge.prior_days, self.tz
                )

    def profile(self, brand: str) -> baseline.Profile:
        prof = self.profiles.get(brand)
        if prof is None:
            prof = self.profiles[brand] = baseline.fit(
                baseline.HourlyHistory(), 0, 1, self.config.alerts.surge.prior_days, self.tz
            )
        return prof

    # -- evaluation -------------------------------------------------------------------------
    def findings(self, brand: str, end_minute: int) -> list[Finding]:
        ctx = BrandContext(
            brand, self.activity.brand(brand), self.profile(brand), end_minute, self.config.alerts
        )
        return [f for rule in BRAND_RULES if (f := rule(ctx)) is not None]

    @_in_deployment_language
    def evaluate(self, now: datetime) -> list[CaseEvent]:
        now = as_utc(now)
        end = epoch_minute(now)
        if self.pull:
            self._read_feed(now)
        self._sync_history(end // 60)
        changed = self.activity.take_changed(end)
        active = self.cases.active_cases()
        events: list[CaseEvent] = []
        for brand in sorted(changed | {b for b in active if not b.startswith("source:")}):
            found = self.findings(brand, end)
            case = active.get(brand)
            if found:
                self._last_fired[brand] = now
                events += self.cases.apply(brand, found, now, case)
            elif case is not None:
                events += self._maybe_calm(case, end, now)
        events += self._source_health(now, active)
        if self.pull:
            self._save_cursor(end, bool(events))  # the evaluation of what was read is recorded
        if end // 60 != self._pruned_hour:
            self._pruned_hour = end // 60
            self.activity.prune(end)
        return events

    def _source_health(self, now: datetime, active: dict[str, Case]) -> list[CaseEvent]:
        sources = [s.name for s in self.config.sources if s.enabled]
        if not sources and not any(b.startswith("source:") for b in active):
            return []  # nothing crawled by this deployment (e.g. a replay)
        found = source_health.evaluate(
            self.config.alerts, self.store, now, sources, self.tz, self.config.source_titles()
        )
        events: list[CaseEvent] = []
        firing = {f.brand for f in found}
        for f in found:
            events += self.cases.apply(f.brand, [f], now, active.get(f.brand))
        for brand, case in active.items():
            if brand.startswith("source:") and brand not in firing:
                events += self._maybe_calm(case, None, now)
        return events

    def _maybe_calm(self, case: Case, end: int | None, now: datetime) -> list[CaseEvent]:
        """Propose resolution once nothing has fired for ``resolve_after_calm`` and the
        brand's negative volume is back near its baseline."""
        fresh = self.store.get_case(case.id)  # people may have acted since it was listed
        if fresh is None or fresh.status not in ACTIVE:
            return []
        case = fresh
        trig = CaseTrigger.of(case)
        if trig.resolution_proposed_at is not None:
            return []
        last_at = trig.last_fired_at or case.opened_at
        last_at = max(last_at, self._last_fired.get(case.brand, last_at))
        calm_for = self.config.alerts.resolve_after_calm
        if (now - last_at).total_seconds() < calm_for:
            return []
        if end is None:
            why = lines.line(
                N_("source healthy again for %(minutes)s min"), minutes=f"{calm_for / 60:.0f}"
            )
        else:
            surge = self.config.alerts.surge
            act, prof = self.activity.brand(case.brand), self.profile(case.brand)
            count = act.count(end - 60, end)
            expected = prof.expected(end - 60, end)
            if count >= surge.min_stories and count > surge.calm_ratio * expected:
                return []
            why = lines.line(
                N_(
                    "no rule fired for %(minutes)s min; last hour %(count)s new negative "
                    "stories vs %(expected)s expected"
                ),
                minutes=f"{calm_for / 60:.0f}",
                count=count,
                expected=f"{expected:.1f}",
            )
        return [self.cases.propose_resolution(case, now, why)]

    @_in_deployment_language
    def check_escalations(self, now: datetime) -> list[CaseEvent]:
        """Escalate open cases past their acknowledge deadline; remind active cases whose
        daily update is due."""
        now = as_utc(now)
        events: list[CaseEvent] = []
        for listed in self.cases.active_cases().values():
            case = self.store.get_case(listed.id)  # as of now: people act meanwhile
            if case is None:
                continue
            if case.status == CaseStatus.open and case.ack_due_at and now >= case.ack_due_at:
                events += self.cases.escalate(case, now)
            if case.status in ACTIVE and case.update_due_at and now >= case.update_due_at:
                events.append(self.cases.remind(case, now))
        return events

    @_in_deployment_language
    def deliver_outbox(self, now: datetime) -> int:
        return outbox.deliver(
            self.store, self.notifier, as_utc(now), self.config.slack, targets=self.targets
        )

    def _stories(self, brand: str, since: datetime, until: datetime) -> int:
        """The distinct stories of ``brand``'s mentions in [since, until)
        (``SearchResult.stories``: a comment counts in its post's story)."""
        request = SearchRequest(
            brand=brand,
            since=since,
            until=until,
            limit=0,
            facets=False,
            highlight=False,
            group_stories=True,
        )
        return self.store.search(request).stories or 0

    @_in_deployment_language
    def daily_digest(
        self, now: datetime, queue: bool = True, made_at: datetime | None = None
    ) -> dict[str, Any]:
        """Figures per brand for the last 24 h vs the 24 h before; queued to Slack once
        per day (key ``digest:<date>``) unless ``queue`` is False (a page view).
        ``made_at``: when it is made (the callers pass the day's end as ``now``), the
        webhook event's ``created_at``; default ``now``."""
        now = as_utc(now)
        until = now.replace(minute=0, second=0, microsecond=0)
        start = until - timedelta(days=2)
        days: dict[str, list[dict[str, int]]] = {}
        for b in self.store.count_buckets(start, until, 3600):
            idx = 0 if b.start < until - timedelta(days=1) else 1
            row = days.setdefault(
                b.brand, [{"mentions": 0, "negative": 0, "stories": 0} for _ in range(2)]
            )[idx]
            row["mentions"] += b.count
            if b.sentiment == "negative":
                row["negative"] += b.count
        # the distinct stories of each day, as the overview, the brief and the search page
        # count them (a grouped search): not the sum of the hourly new stories of
        # count_buckets, where a story counts once per hour it is in and an hour of
        # comments only has none
        for brand, pair in days.items():
            for idx, row in enumerate(pair):
                if row["mentions"]:
                    day_start = until - timedelta(days=2 - idx)
                    row["stories"] = self._stories(brand, day_start, day_start + timedelta(days=1))
        # hours a source collected nothing: no growth is measured against such a day
        gaps = coverage.collection_gaps(
            self.store, coverage.enabled_sources(self.config), start, until
        )
        previous_gaps = [h for h in gaps if h < until - timedelta(days=1)]
        current_gaps = [h for h in gaps if h >= until - timedelta(days=1)]
        # the cases open at the end of the digest's day (not one opened after it)
        active = [
            c for c in self.store.list_cases(status=list(ACTIVE), limit=1000) if c.opened_at < until
        ]
        open_by_brand: dict[str, int] = {}
        for c in active:
            open_by_brand[c.brand] = open_by_brand.get(c.brand, 0) + 1
        brands = [b.name for b in self.config.brands] + sorted(
            set(days) - {b.name for b in self.config.brands}
        )
        out: dict[str, Any] = {
            "since": (until - timedelta(days=1)).isoformat(),
            "until": until.isoformat(),
            "brands": {},
            # hour starts (ISO) in which some source collected nothing, per day
            "incomplete": {
                "day": [h.isoformat() for h in current_gaps],
                "previous": [h.isoformat() for h in previous_gaps],
            },
        }
        for brand in brands:
            prev, cur = days.get(brand, [{"mentions": 0, "negative": 0, "stories": 0}] * 2)
            change = (
                (cur["negative"] - prev["negative"]) / prev["negative"]
                if prev["negative"] and not previous_gaps
                else None
            )
            out["brands"][brand] = {
                **cur,
                "negative_share": cur["negative"] / cur["mentions"] if cur["mentions"] else 0.0,
                "previous": prev,
                "negative_change": change,
                "open_cases": open_by_brand.get(brand, 0),
            }
        out["open_cases"] = [
            {
                "id": c.id,
                "brand": c.brand,
                "severity": c.severity.value,
                "status": c.status.value,
                "title": messages.headline(c),
            }
            for c in active
        ]
        channel = self.config.slack.digest_channel or self.config.slack.default_channel
        # one digest per local day: 07:30 in Shanghai is still the day before in UTC
        local_until = until.astimezone(ZoneInfo(self.tz))
        key = outbox.digest_key(f"{local_until:%Y-%m-%d}")
        payload = messages.digest_message(out, local_until)
        out["queued"] = queue and outbox.enqueue(self.store, key, channel, payload, now)
        out["key"] = key
        if queue:  # the same day's digest to the robots, mail lists and webhooks, once each
            payload["notice"] = notice.digest_notice(out, local_until, digest_url(self.config))
            outbox.fan_out(self.store, key, self.config.notify.digest, payload, now)
            made = as_utc(made_at) if made_at else now
            publish_digest(self.store, f"{local_until:%Y-%m-%d}", out, now, made)
        return out
