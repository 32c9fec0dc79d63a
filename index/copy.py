"""Copy everything a store holds into another one: moving from the embedded SQLite file
to Elasticsearch when one machine is outgrown, or re-indexing into a fresh store (new
index template, new prefix) and switching the config over.

What is copied: every mention, whole (care-staff handling and notes included), through
the target's idempotent upsert; every case with its timeline (a case whose timeline the
target already holds keeps it, so a second run adds nothing twice); the crawl cursors of
the named sources (so crawling resumes where it stopped); the outbox notifications not
yet delivered (the target delivers them, once per key). Run it again after a crash:
upserts by id make that safe."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from index.base import Store

MAX_CASES = 10_000  # the most one list_cases call returns on every backend


@dataclass
class CopyStats:
    mentions: int = 0
    mentions_new: int = 0
    mentions_updated: int = 0
    mentions_unchanged: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)  # (mention id, reason)
    cases: int = 0
    case_events: int = 0
    cases_with_timeline_kept: int = 0
    cursors: int = 0
    notifications: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "mentions": self.mentions,
            "new": self.mentions_new,
            "updated": self.mentions_updated,
            "unchanged": self.mentions_unchanged,
            "errors": len(self.errors),
            "cases": self.cases,
            "case_events": self.case_events,
            "cases_with_timeline_kept": self.cases_with_timeline_kept,
            "cursors": self.cursors,
            "pending_notifications": self.notifications,
        }


def copy_store(
    source: Store,
    target: Store,
    sources: Iterable[str] = (),
    batch_size: int = 1000,
    progress: Callable[[int], None] | None = None,
) -> CopyStats:
    """Copy ``source`` into ``target``; ``progress`` gets the number of mentions of each
    batch written. ``sources`` are the source names whose crawl cursors move along."""
    stats = CopyStats()
    for batch in source.iter_mentions(batch_size):
        result = target.upsert_mentions(batch)
        stats.mentions += len(batch)
        stats.mentions_new += result.new
        stats.mentions_updated += result.updated
        stats.mentions_unchanged += result.unchanged
        stats.errors.extend(result.errors)
        if progress is not None:
            progress(len(batch))
    for case in reversed(source.list_cases(limit=MAX_CASES)):  # oldest first
        target.save_case(case)
        stats.cases += 1
        if target.case_events(case.id):
            stats.cases_with_timeline_kept += 1
            continue
        for event in source.case_events(case.id):  # in seq order: the target renumbers 1…n
            target.append_case_event(event)
            stats.case_events += 1
    for name in sources:
        cursor = source.get_cursor(name)
        if cursor is not None:
            target.set_cursor(name, cursor)
            stats.cursors += 1
    far = datetime.now(UTC) + timedelta(days=3650)
    for note in source.due_notifications(far, limit=MAX_CASES):
        if target.enqueue_notification(note):
            stats.notifications += 1
    return stats
