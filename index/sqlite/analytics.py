"""Counts over a time window on SQLite (MentionSearch: count_buckets, top_authors,
top_terms, find_near_duplicates): the charts, the brief and the alert engine count by
brand, sentiment and time; the crawl's dedupe looks for near copies by simhash. They
read mention_brands (keyed by brand and time) or a rowid range of the mentions table
(in time order), never the full-text index.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import numpy as np

from index.base import MOST_NEGATIVE_FIRST, Bucket
from index.dedupe import close_pairs
from index.models import Mention
from index.sqlite.base import SQLiteBase, _read_in
from index.sqlite.rows import from_us, time_key, to_us
from index.text import top_words

TOP_TERMS_SAMPLE = 2_000  # newest mentions read (and segmented) per top_terms call
# count_buckets' stories: the distinct stories of the bucket's posts, reposts and copies;
# a comment is part of its post's story and adds none (Store.count_buckets)
_STORIES = "count(DISTINCT CASE WHEN comment = 0 THEN cluster END)"
# the distinct brand names of mention_brands, one key seek each (a recursive skip-scan)
_BRAND_NAMES = "brand_names WHERE name IS NOT NULL"
_WITH_BRAND_NAMES = (
    "WITH RECURSIVE brand_names(name) AS (SELECT min(brand) FROM mention_brands UNION ALL "
    "SELECT (SELECT min(brand) FROM mention_brands WHERE brand > name) FROM brand_names "
    "WHERE name IS NOT NULL) "
)


class SQLiteAnalytics(SQLiteBase):
    """MentionSearch's counts on SQLite."""

    def count_buckets(
        self,
        since: datetime,
        until: datetime,
        interval_seconds: int,
        brand: str | None = None,
        each_brand: bool = True,
    ) -> list[Bucket]:
        if interval_seconds <= 0:
            raise ValueError("interval_seconds must be positive")
        if brand is None and not each_brand:
            return self._mention_buckets(since, until, interval_seconds)
        step = interval_seconds * 1_000_000
        # mention_brands is keyed (brand, published_at, …): for every brand, the time range
        # is read brand by brand (the brand names by a skip-scan of the key), not by a
        # scan of the whole table
        brands = "= ?" if brand is not None else f"IN (SELECT name FROM {_BRAND_NAMES})"
        sql = (
            f"{_WITH_BRAND_NAMES if brand is None else ''}"
            "SELECT published_at - (published_at % ?) AS b, brand, sentiment, count(*), "
            f"{_STORIES}, sum(reach) FROM mention_brands "
            f"WHERE brand {brands} AND published_at >= ? AND published_at < ?"
        )
        params: list[Any] = [step, *([brand] if brand is not None else []), to_us(since)]
        params.append(to_us(until))
        sql += " GROUP BY b, brand, sentiment ORDER BY b, brand, sentiment"
        return [
            Bucket(
                start=from_us(start) or since,
                brand=b,
                sentiment=sent,
                count=n,
                stories=stories,
                reach=reach or 0,
            )
            for start, b, sent, n, stories, reach in self._read(sql, params)
        ]

    def _mention_buckets(self, since: datetime, until: datetime, interval: int) -> list[Bucket]:
        """count_buckets of every brand, each mention once: its rows of mention_brands
        (one per brand it names) folded into one, under its most negative label."""
        rank = " ".join(f"WHEN '{label}' THEN {i}" for i, label in enumerate(MOST_NEGATIVE_FIRST))
        sql = (
            f"{_WITH_BRAND_NAMES}, one AS (SELECT min(published_at) AS at, "
            f"min(CASE sentiment {rank} ELSE {len(MOST_NEGATIVE_FIRST)} END) AS label, "
            "min(cluster) AS cluster, max(comment) AS comment, max(reach) AS reach "
            f"FROM mention_brands WHERE brand IN (SELECT name FROM {_BRAND_NAMES}) "
            "AND published_at >= ? AND published_at < ? GROUP BY mention) "
            f"SELECT at - (at % ?) AS b, label, count(*), {_STORIES}, sum(reach) "
            "FROM one GROUP BY b, label ORDER BY b, label"
        )
        params = [to_us(since), to_us(until), interval * 1_000_000]
        return [
            Bucket(
                start=from_us(start) or since,
                brand="",
                sentiment=MOST_NEGATIVE_FIRST[label] if label < len(MOST_NEGATIVE_FIRST) else "",
                count=n,
                stories=stories,
                reach=reach or 0,
            )
            for start, label, n, stories, reach in self._read(sql, params)
        ]

    def _window(self, brand: str | None, since: datetime, until: datetime) -> tuple[str, list[Any]]:
        """FROM/WHERE for the mentions of one brand (or all) in [since, until)."""
        lo, hi = to_us(since), to_us(until)
        if brand is None:
            return (
                "mentions m WHERE m.rowid >= ? AND m.rowid < ? "
                "AND m.published_at >= ? AND m.published_at < ?",
                [time_key(lo), time_key(hi) + 2000, lo, hi],
            )
        return (
            "mention_brands mb CROSS JOIN mentions m ON m.rowid = mb.mention "
            "WHERE mb.brand = ? AND mb.published_at >= ? AND mb.published_at < ?",
            [brand, lo, hi],
        )

    def top_authors(
        self, brand: str | None, since: datetime, until: datetime, limit: int = 10
    ) -> list[dict[str, Any]]:
        source, params = self._window(brand, since, until)
        # negative toward the brand; for every brand: toward any brand it names
        negative = "mb.sentiment = 'negative'"
        if brand is None:
            negative = "instr(m.sentiment, 'negative')"
        rows = self._read(
            "SELECT m.author_key, max(m.author_name), max(m.followers), max(m.verified), "
            f"count(*), sum(({negative}) > 0), sum(m.engagement) "
            f"FROM {source} AND m.author_key != '' GROUP BY m.author_key "
            "ORDER BY max(m.followers) + sum(m.engagement) DESC, count(*) DESC LIMIT ?",
            [*params, limit],
        )
        return [
            {
                "id": key,
                "name": name,
                "followers": followers,
                "verified": bool(verified),
                "mentions": n,
                "negative": negative,
                "engagement": engagement,
            }
            for key, name, followers, verified, n, negative, engagement in rows
        ]

    def top_terms(
        self, brand: str | None, since: datetime, until: datetime, limit: int = 20
    ) -> list[tuple[str, int]]:
        """Counted over the newest ``TOP_TERMS_SAMPLE`` mentions of the window (words are
        segmented at query time; a bounded sample keeps the cost fixed), once per story."""
        source, params = self._window(brand, since, until)
        rows = self._read(
            f"SELECT m.doc_id FROM {source} ORDER BY m.rowid DESC LIMIT ?",
            [*params, TOP_TERMS_SAMPLE],
        )
        texts: list[str] = []
        stories: list[str] = []
        exclude: set[str] = set()
        for m in self._docs([d for (d,) in rows]):
            texts.append(f"{m.title}\n{m.text}" if m.title else m.text)
            stories.append(m.cluster_id or m.id)
            for b in m.brands:
                if brand is None or b.brand == brand:
                    exclude.add(b.brand)
                    exclude.update(b.keywords)
        return top_words(texts, exclude=exclude, limit=limit, stories=stories)

    def _window_hashes(self, start: int) -> list[tuple[int, int]]:
        """(simhash, rowid) of the mentions from time key ``start`` (µs) on that have a
        simhash. The mentions table is in time order, so this reads just the window: at
        1,000,000 mentions over 90 days, a 72-hour window is ~35,000 rows, and one read
        serves a whole crawl batch (find_near_duplicates_many). An index of the hashes
        would cost every ingested mention more than this costs a batch (see the docstring
        of schema.py)."""
        return self._read(
            "SELECT simhash, rowid FROM mentions WHERE rowid >= ? AND simhash IS NOT NULL",
            [time_key(start)],
        )

    def _mention_keys(self, rowids: Iterable[int]) -> dict[int, tuple[int, int, str]]:
        """rowid -> (published_at, doc_id, id)."""
        query = "SELECT rowid, published_at, doc_id, id FROM mentions WHERE rowid IN ({})"
        rows = _read_in(self._read, query, sorted(set(rowids)))
        return {rowid: (published, doc_id, mid) for rowid, published, doc_id, mid in rows}

    def find_near_duplicates(
        self, simhash: int, since: datetime, max_distance: int = 3, limit: int = 5
    ) -> list[Mention]:
        mask = (1 << 64) - 1
        target = simhash & mask
        start = to_us(since)
        rowids = [
            rowid
            for value, rowid in self._window_hashes(start)
            if ((value & mask) ^ target).bit_count() <= max_distance
        ]
        keys = self._mention_keys(rowids)
        close = sorted(
            (published, rowid, doc_id)
            for rowid, (published, doc_id, _) in keys.items()
            if published >= start
        )
        return self._docs([doc_id for _, _, doc_id in close[:limit]])

    def find_near_duplicates_many(
        self, queries: Sequence[tuple[int, datetime]], max_distance: int = 3, limit: int = 5
    ) -> list[list[Mention]]:
        """The hashes of the widest window read once for all queries (a crawl batch),
        then the documents picked; answers oldest first, ties by id."""
        if max_distance > 3 or not queries:
            return super().find_near_duplicates_many(queries, max_distance, limit)
        mask = (1 << 64) - 1
        targets = [(h & mask, to_us(since)) for h, since in queries]
        rows = self._window_hashes(min(since for _, since in targets))
        # (simhash, rowid) pairs as one int64 array: the stored (signed) hashes read as
        # unsigned without a Python loop over the window
        window = np.array(rows, dtype=np.int64).reshape(-1, 2)
        rowids = window[:, 1].tolist()
        pairs = close_pairs([h for h, _ in targets], window[:, 0].view(np.uint64), max_distance)
        keys = self._mention_keys(rowids[c] for _, c in pairs)
        found_for: list[list[tuple[int, str, int]]] = [[] for _ in targets]
        for q, c in pairs:
            published, doc_id, mid = keys[rowids[c]]
            if published >= targets[q][1]:
                found_for[q].append((published, mid, doc_id))
        picked = [[doc_id for _, _, doc_id in sorted(found)[:limit]] for found in found_for]
        docs = self._doc_map(sorted({d for ids in picked for d in ids}))
        return [[docs[d] for d in ids if d in docs] for ids in picked]
