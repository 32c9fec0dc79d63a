"""The change feed (``changes_since``): each material write of a mention (index/changes.py)
stores a sequence number in its indexed ``change_seq`` field, and readers page through
``change_seq`` in order. The numbers come from one counter document (``<prefix>-feed``,
id ``mentions``): a writer reserves a block for a bulk request with an update
conditional on the counter's ``_seq_no`` (optimistic concurrency: a writer that loses
the race reads the counter again), and the block stays listed there as *open* until its
documents are readable, when the writer removes it. A reader never passes the first
open block, so a slow writer's numbers are not skipped because a faster writer's larger
ones became searchable first; nothing depends on when a refresh happens. A block is
leased for ``FEED_LEASE``: a writer that dies mid-write holds readers back that long at
most (its documents, if any were written, are readable by then). Time-based numbers
would need no counter but would let a reader pass a write still in flight, or hold
every reader back by a guessed margin. The counter costs two small requests per bulk
request (a get is real-time, so neither needs a refresh).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from elasticsearch import ConflictError, NotFoundError

from index.base import StoreUnavailable
from index.changes import NEW, Change
from index.elastic.base import ElasticBase
from index.elastic.client import MAX_RESULT_WINDOW, _guarded
from index.elastic.documents import _mention_from_source, _parse_dt
from index.es_query import es_date as _iso
from index.models import utcnow

FEED_LEASE = timedelta(minutes=5)  # a reserved block of change numbers holds readers back
FEED_COUNTER = "mentions"  # id of the counter document in the feed index


class ElasticChangeFeed(ElasticBase):
    """The change feed (ChangeFeed) and its counter document."""

    def _feed_state(self) -> tuple[dict[str, Any], tuple[int, int] | None]:
        """The counter document (real-time get) and its version; None when absent."""
        try:
            doc = self.es.get(index=self._small("feed"), id=FEED_COUNTER)
        except NotFoundError:
            return {"next": 1, "open": {}}, None
        return dict(doc["_source"]), (doc["_seq_no"], doc["_primary_term"])

    def _change_counter(self, change: Callable[[dict[str, Any], datetime], Any]) -> Any:
        """Apply ``change`` to the counter document (it edits the state in place and
        returns a value) with an update conditional on the version read; read again
        and retried when another writer got there first."""
        index = self._small("feed")
        for _ in range(100):
            state, version = self._feed_state()
            now = utcnow()
            state["open"] = {  # a lease past its expiry holds nobody back any more
                first: until
                for first, until in (state.get("open") or {}).items()
                if (_parse_dt(until) or now) > now
            }
            value = change(state, now)
            state["updated_at"] = _iso(now)
            try:
                if version is None:
                    self.es.create(index=index, id=FEED_COUNTER, document=state)
                else:
                    seq_no, term = version
                    self.es.index(
                        index=index,
                        id=FEED_COUNTER,
                        document=state,
                        if_seq_no=seq_no,
                        if_primary_term=term,
                    )
            except ConflictError:
                continue
            return value
        raise StoreUnavailable(
            f"the change-feed counter of {self.url} ({index}) kept changing under this "
            "writer; too many writers at once, try again"
        )

    def _reserve(self, n: int) -> int:
        """Reserve ``n`` consecutive change numbers, open until released; the first."""

        def take(state: dict[str, Any], now: datetime) -> int:
            first = int(state["next"])
            state["next"] = first + n
            state["open"][str(first)] = _iso(now + FEED_LEASE)
            return first

        return int(self._change_counter(take))

    def _release(self, firsts: Sequence[int]) -> None:
        """The writes of these blocks are readable: readers may pass them."""
        if not firsts:
            return

        def close(state: dict[str, Any], _now: datetime) -> None:
            for first in firsts:
                state["open"].pop(str(first), None)

        self._change_counter(close)

    @_guarded
    def changes_since(self, cursor: int = 0, limit: int = 500) -> tuple[list[Change], int]:
        """Mentions by ``change_seq`` after ``cursor`` up to the first open block (see
        the module docstring), so no write still in flight is passed."""
        state, _ = self._feed_state()
        now = utcnow()
        open_firsts = [
            int(first)
            for first, until in (state.get("open") or {}).items()
            if (_parse_dt(until) or now) > now
        ]
        horizon = min(open_firsts, default=int(state["next"])) - 1
        if horizon <= cursor or limit <= 0:
            return [], cursor
        response = self.es.search(
            index=self.alias,
            query={"range": {"change_seq": {"gt": cursor, "lte": horizon}}},
            sort=[{"change_seq": "asc"}],
            search_after=[cursor],
            size=min(limit, MAX_RESULT_WINDOW),
            track_total_hits=False,
            ignore_unavailable=True,
            allow_no_indices=True,
        )
        changes = [
            Change(
                int(hit["_source"]["change_seq"]),
                _mention_from_source(hit["_source"]),
                frozenset(hit["_source"].get("change_what") or (NEW,)),
            )
            for hit in response["hits"]["hits"]
        ]
        return changes, (changes[-1].seq if changes else cursor)
