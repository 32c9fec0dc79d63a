"""Incremental crawling state of one source, kept in the Store (``get/set_cursor``).

The cursor never runs ahead of what is stored, so a crash never skips posts:

* ``watermark`` — newest ``published_at`` of the last run that **completed** (every
  item stored, spider finished normally). Listings are paged newest first and paging stops
  at a page whose posts are all older than ``watermark - overlap``.
* ``run`` — progress of the run in flight, written after every stored batch. A run killed
  mid-way leaves it behind; the next run logs it, crawls down to the old watermark again
  (everything already stored is upserted unchanged, so nothing is duplicated) and only
  then moves the watermark.
* ``seen`` — per-thing change markers committed with the watermark: a forum thread's
  reply count and pages read, a Weibo post's comment count. Unchanged things are skipped.
* ``comments`` — per-post comment cursors: a post with more comment pages than
  ``max_comment_pages`` is continued on the next runs, ``max_comment_pages`` more pages
  per run, hottest post first, from the hotflow ``max_id`` where the last run stopped,
  until its last page (then it is a ``seen`` marker like any other post). A cursor moves
  only past pages whose comments were read; it is committed with the run (complete or
  held: the pages it passed were stored either way), so a killed run starts again from
  the last committed one (the pages in between are upserted unchanged).
* ``held_runs`` — a run that finished but lost pages (a download that failed after its
  retries, a page whose parser failed) does not move the watermark or commit markers, so
  the next run crawls down to the old watermark and fetches those pages again; after
  MAX_HELD_RUNS such runs in a row the watermark moves anyway (a page that is always
  broken must not make every run crawl further back).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from index.base import CrawlState

SEEN_CAPACITY = 5000  # markers kept per source (most recent)
COMMENT_CURSORS = 200  # posts whose comments are being continued (the hottest kept)
MAX_HELD_RUNS = 3


@dataclass
class Cursor:
    source: str
    watermark: datetime | None = None
    previous_run: dict[str, Any] | None = None  # an interrupted run found at start
    seen: dict[str, Any] = field(default_factory=dict)
    run_newest: datetime | None = None
    run_seen: dict[str, Any] = field(default_factory=dict)
    stored: int = 0
    held_runs: int = 0  # finished runs in a row that lost pages and kept the watermark
    comments: dict[str, dict[str, Any]] = field(default_factory=dict)  # committed
    run_comments: dict[str, dict[str, Any] | None] = field(default_factory=dict)

    @classmethod
    def load(cls, store: CrawlState, source: str) -> Cursor:
        data = store.get_cursor(source) or {}
        wm = data.get("watermark")
        return cls(
            source=source,
            watermark=datetime.fromisoformat(wm) if wm else None,
            previous_run=data.get("run"),
            seen=dict(data.get("seen") or {}),
            held_runs=int(data.get("held_runs") or 0),
            comments=dict(data.get("comments") or {}),
        )

    def is_old(self, published_at: datetime, overlap_seconds: float) -> bool:
        """True when a post is older than what the last complete run covered."""
        if self.watermark is None:
            return False
        return published_at < self.watermark - timedelta(seconds=overlap_seconds)

    def mark(self, key: str, value: Any) -> None:
        """Record a change marker, committed with the watermark when the run completes."""
        self.run_seen[key] = value

    def pending_comments(self) -> list[tuple[str, dict[str, Any]]]:
        """The posts whose comments the last runs left unfinished, hottest first."""
        return sorted(self.comments.items(), key=lambda kv: -float(kv[1].get("heat") or 0))

    def comments_progress(self, post: str, state: dict[str, Any] | None) -> None:
        """Where a post's comments go on (``state``: its ``max_id``, pages read, …) or
        None when its last page was read; committed with the run."""
        self.run_comments[post] = state

    def _commit_comments(self) -> None:
        merged = dict(self.comments)
        for post, state in self.run_comments.items():
            if state is None:
                merged.pop(post, None)
            else:
                merged[post] = state
        if len(merged) > COMMENT_CURSORS:
            hottest = sorted(merged.items(), key=lambda kv: -float(kv[1].get("heat") or 0))
            merged = dict(hottest[:COMMENT_CURSORS])
        self.comments, self.run_comments = merged, {}

    def stored_batch(self, store: CrawlState, newest: datetime | None, count: int) -> None:
        """After a batch is written: note the run's progress (not the watermark)."""
        if newest is not None and (self.run_newest is None or newest > self.run_newest):
            self.run_newest = newest
        self.stored += count
        store.set_cursor(self.source, self._data(run=self._run_state()))

    def complete(self, store: CrawlState) -> None:
        """The run finished and everything is stored: move the watermark, commit markers."""
        if self.run_newest is not None and (
            self.watermark is None or self.run_newest > self.watermark
        ):
            self.watermark = self.run_newest
        merged = {**self.seen, **self.run_seen}
        if len(merged) > SEEN_CAPACITY:
            merged = dict(list(merged.items())[-SEEN_CAPACITY:])
        self.seen, self.run_seen = merged, {}
        self.held_runs = 0
        self._commit_comments()
        store.set_cursor(self.source, self._data(run=None))

    def hold(self, store: CrawlState) -> bool:
        """The run finished but lost pages: keep the watermark (and the markers) where they
        were, so the next run fetches those pages again. False, and nothing changed, once
        MAX_HELD_RUNS runs in a row have held it: the caller completes instead."""
        if self.held_runs >= MAX_HELD_RUNS:
            return False
        self.held_runs += 1
        self.run_seen = {}
        self._commit_comments()  # the comment pages it moves past were read and stored
        store.set_cursor(self.source, self._data(run=None))
        return True

    def _run_state(self) -> dict[str, Any]:
        return {
            "newest": self.run_newest.isoformat() if self.run_newest else None,
            "stored": self.stored,
        }

    def _data(self, run: dict[str, Any] | None) -> dict[str, Any]:
        return {
            "watermark": self.watermark.isoformat() if self.watermark else None,
            "seen": self.seen,
            "run": run,
            "held_runs": self.held_runs,
            "comments": self.comments,
        }
