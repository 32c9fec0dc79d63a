"""The mentions of the SQLite store (MentionStore): bulk upserts, one transaction per
batch with the rows of every table built in one flat pass, and the change feed's
"what changed" with them (feed.py reads it); reads by id and in rowid order; and what
care staff do to a mention (handled, notes, sentiment corrections), which rewrites its
document.
"""

from __future__ import annotations

import contextlib
import gc
import json
import sqlite3
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from index.base import StoreError, UpsertResult
from index.changes import CORRECTION, changed_fields, what_bits
from index.models import Mention, SentimentLabel, as_utc, utcnow
from index.sqlite.base import SQLiteBase, _read_in
from index.sqlite.rows import _SEP, _to_json, extract, fts_row, legacy_fts_row, time_key

# page cache of a connection once it has written mentions (readers keep 128 MiB): a
# batch's dirty pages (~120 MiB for 5,000 mentions on a large store) and the B-tree
# pages they sit in stay cached instead of spilling mid-transaction (-15% CPU at 1M)
WRITER_CACHE_KIB = 524_288
_REQUIRED = [name for name, info in Mention.model_fields.items() if info.is_required()]


def validation_reason(exc: ValidationError) -> str:
    """``published_at: Field required; author.followers: ...``"""
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "mention"
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)


_HANDLING = ("handled", "handled_by", "handled_at", "notes")  # never overwritten by a re-crawl


def _changes(m: Mention, stored: str) -> frozenset[str]:
    """What ``m`` changes over the stored JSON (index/changes.py); empty: nothing new."""
    return changed_fields(json.loads(_to_json(m)), json.loads(stored))


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while a batch is turned into rows: the rows are
    tens of thousands of fresh tuples that all live until the commit, and every 700
    allocations made the collector walk them (and the caller's heap) again: 15-30% of
    the CPU time of a bulk upsert (bench/ingest.py). Nothing made here forms a cycle;
    the collector runs again afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class SQLiteMentions(SQLiteBase):
    """MentionStore on SQLite."""

    def upsert_mentions(self, mentions: Iterable[Mention | Mapping[str, Any]]) -> UpsertResult:
        result = UpsertResult()
        latest: dict[str, Mention] = {}  # the same id twice in one batch: the last wins
        for item in mentions:
            mention = self._validated(item, result)
            if mention is not None:
                latest.pop(mention.id, None)
                latest[mention.id] = mention
        if not latest:
            return result
        batch = list(latest.values())
        if not getattr(self._local, "writer", False):
            self._conn().execute(f"PRAGMA cache_size = -{WRITER_CACHE_KIB}")
            self._local.writer = True
        with _gc_paused():
            counts = self._write(lambda conn: self._upsert(conn, batch))  # retried as a whole
        result.new, result.updated, result.unchanged = counts.new, counts.updated, counts.unchanged
        result.errors += counts.errors
        return result

    @staticmethod
    def _validated(item: Mention | Mapping[str, Any], result: UpsertResult) -> Mention | None:
        if isinstance(item, Mention):
            # Mention.model_construct() skips validation and may lack required fields
            missing = [f for f in _REQUIRED if f not in item.__dict__]
            if not missing:
                return item
            mid = str(item.__dict__.get("id", "")) or "<no id>"
            result.errors.append((mid, "; ".join(f"{f}: Field required" for f in missing)))
            return None
        mid = str(item.get("id", "")) if isinstance(item, Mapping) else ""
        try:
            return Mention.model_validate(item)
        except ValidationError as exc:
            result.errors.append((mid or "<no id>", validation_reason(exc)))
            return None

    def _upsert(
        self, conn: sqlite3.Connection, batch: list[Mention], crawled: bool = True
    ) -> UpsertResult:
        """Write one batch inside the caller's transaction. A mention that cannot be
        turned into rows is reported and skipped before anything is written. An update
        replaces every row of the old version (its text, time or brands may differ).
        ``crawled``: the batch comes from a crawl, so the stored care-staff handling and
        sentiment corrections are kept (False: the batch is that state's own change)."""
        counts = UpsertResult()
        # read before the stale documents are deleted: a new document never takes the
        # rowid of a deleted one, so rowids (the change feed's seq) only ever grow
        next_doc = (conn.execute("SELECT max(rowid) FROM mention_docs").fetchone()[0] or 0) + 1
        existing: dict[str, tuple[Any, ...]] = {
            row[0]: row[1:]
            for row in _read_in(
                conn.execute,
                "SELECT m.id, m.rowid, m.doc_id, m.published_at, m.brands, d.doc "
                "FROM mentions m JOIN mention_docs d ON d.rowid = m.doc_id WHERE m.id IN ({})",
                [m.id for m in batch],
            )
        }

        todo: list[tuple[str, tuple[Any, ...], int, int]] = []  # (id, extracted, time key, what)
        stale_rows: list[int] = []
        stale_docs: list[int] = []
        stale_fts: list[tuple[Any, ...]] = []
        stale_brands: list[tuple[str, int, int]] = []
        for m in batch:
            what = 0  # new: no mention_changes row
            try:
                old = existing.get(m.id)
                if old is not None:
                    rowid, doc_id, published, brand_list, doc = old
                    found = _changes(m, doc) if crawled else frozenset({CORRECTION})
                    if not found:
                        counts.unchanged += 1
                        continue
                    what = what_bits(found)
                    previous = Mention.model_validate_json(doc)
                    if crawled:  # care-staff handling and corrections survive a re-crawl
                        m = m.model_copy(
                            update={key: getattr(previous, key) for key in _HANDLING}
                        ).keeping_corrections(previous.corrections)
                facts = extract(m)
            except (AttributeError, TypeError, ValueError) as exc:
                counts.errors.append((getattr(m, "id", "<no id>"), f"invalid mention: {exc}"))
                continue
            if old is None:
                counts.new += 1
            else:
                counts.updated += 1
                stale_rows.append(rowid)
                stale_docs.append(doc_id)
                # exactly what was indexed, so the FTS index stays consistent
                if doc_id >= self._schema4_from:
                    stale_fts.append((rowid, *fts_row(previous)))
                else:
                    bands = doc_id >= self._bands_from
                    stale_fts.append((rowid, *legacy_fts_row(previous, bands)))
                stale_brands += [(b, published, rowid) for b in brand_list.split(_SEP) if b]
            todo.append((m.id, facts, time_key(facts[0][1]), what))

        if stale_rows:
            conn.executemany(
                "INSERT INTO mention_fts (mention_fts, rowid, title, text, tags) "
                "VALUES ('delete', ?, ?, ?, ?)",
                stale_fts,
            )
            conn.executemany("DELETE FROM mentions WHERE rowid = ?", [(r,) for r in stale_rows])
            conn.executemany("DELETE FROM mention_docs WHERE rowid = ?", [(d,) for d in stale_docs])
            conn.executemany(
                "DELETE FROM mention_changes WHERE doc_id = ?", [(d,) for d in stale_docs]
            )
            conn.executemany(
                "DELETE FROM mention_brands WHERE brand = ? AND published_at = ? AND mention = ?",
                stale_brands,
            )
        if not todo:
            return counts

        rowids = self._free_rowids(conn, [(mid, key) for mid, _, key, _ in todo])
        # ascending rowids: FTS5 flushes its pending segment whenever a rowid goes down
        ordered = sorted(zip(rowids, range(len(todo)), strict=True))
        rows, docs, fts, brands, whats = [], [], [], [], []
        authors = set()
        for rowid, i in ordered:
            mid, (columns, doc, fts_values, labels, cluster, reach, comment), _, what = todo[i]
            published = columns[1]
            rows.append((rowid, next_doc, *columns, mid))
            docs.append((next_doc, doc))
            if what:
                whats.append((next_doc, what))
            fts.append((rowid, *fts_values))
            brands += [
                (b, published, rowid, label, cluster, reach, comment) for b, label in labels.items()
            ]
            authors.add((columns[5], columns[4]))  # (name, key)
            next_doc += 1
        conn.executemany(
            "INSERT INTO mentions (rowid, doc_id, source, published_at, sentiment, brands, "
            "author_key, author_name, followers, verified, engagement, handled, is_repost, "
            "simhash, id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            rows,
        )
        conn.executemany("INSERT INTO mention_docs (rowid, doc) VALUES (?,?)", docs)
        conn.executemany("INSERT INTO mention_fts (rowid, title, text, tags) VALUES (?,?,?,?)", fts)
        conn.executemany("INSERT INTO mention_brands VALUES (?,?,?,?,?,?,?)", brands)
        conn.executemany("INSERT OR IGNORE INTO authors VALUES (?,?)", [a for a in authors if a[0]])
        if whats:
            conn.executemany("INSERT INTO mention_changes VALUES (?,?)", whats)
        return counts

    @staticmethod
    def _free_rowids(conn: sqlite3.Connection, wanted: list[tuple[str, int]]) -> list[int]:
        """A free rowid at or after each time key (the slot within the millisecond comes
        from the id's hash, so collisions are rare and resolved by probing upwards)."""
        candidates = [key + zlib.crc32(mid.encode()) % 1000 for mid, key in wanted]
        query = "SELECT rowid FROM mentions WHERE rowid IN ({})"
        taken = {r for (r,) in _read_in(conn.execute, query, candidates)}
        out = []
        for rowid in candidates:
            probed = False  # the first candidate was checked against the table above
            while rowid in taken or (
                probed
                and conn.execute("SELECT 1 FROM mentions WHERE rowid = ?", (rowid,)).fetchone()
            ):
                rowid += 1
                probed = True
            taken.add(rowid)
            out.append(rowid)
        return out

    def get_mention(self, mention_id: str) -> Mention | None:
        rows = self._read(
            "SELECT d.doc FROM mentions m JOIN mention_docs d ON d.rowid = m.doc_id WHERE m.id = ?",
            (mention_id,),
        )
        return Mention.model_validate_json(rows[0][0]) if rows else None

    def get_mentions(self, ids: Sequence[str]) -> list[Mention]:
        found = {
            mid: Mention.model_validate_json(doc)
            for mid, doc in _read_in(
                self._read,
                "SELECT m.id, d.doc FROM mentions m JOIN mention_docs d ON d.rowid = m.doc_id "
                "WHERE m.id IN ({})",
                list(dict.fromkeys(ids)),
            )
        }
        return [found[i] for i in ids if i in found]

    def iter_mentions(self, batch_size: int = 1000) -> Iterator[list[Mention]]:
        after = -1
        while True:
            rows = self._read(
                "SELECT rowid, doc_id FROM mentions WHERE rowid > ? ORDER BY rowid LIMIT ?",
                (after, batch_size),
            )
            if not rows:
                return
            after = rows[-1][0]
            yield self._docs([doc_id for _, doc_id in rows])

    def _update_doc(self, mention_id: str, change: Callable[[Mention], Mention]) -> Mention:
        def work(conn: sqlite3.Connection) -> Mention:
            row = conn.execute(
                "SELECT m.doc_id, d.doc FROM mentions m JOIN mention_docs d "
                "ON d.rowid = m.doc_id WHERE m.id = ?",
                (mention_id,),
            ).fetchone()
            if row is None:
                raise KeyError(mention_id)
            m = change(Mention.model_validate_json(row[1]))
            conn.execute(
                "UPDATE mention_docs SET doc = ? WHERE rowid = ?", (m.model_dump_json(), row[0])
            )
            conn.execute(
                "UPDATE mentions SET handled = ? WHERE id = ?", (int(m.handled), mention_id)
            )
            return m

        return self._write(work)

    def mark_handled(
        self, mention_id: str, by: str, note: str = "", at: datetime | None = None
    ) -> Mention:
        at = as_utc(at) if at else utcnow()

        def change(m: Mention) -> Mention:
            notes = list(m.notes)
            if note:
                notes.append({"by": by, "at": at.isoformat(), "text": note})
            return m.model_copy(
                update={"handled": True, "handled_by": by, "handled_at": at, "notes": notes}
            )

        return self._update_doc(mention_id, change)

    def mark_unhandled(self, mention_id: str) -> Mention:
        cleared = {"handled": False, "handled_by": None, "handled_at": None}
        return self._update_doc(mention_id, lambda m: m.model_copy(update=cleared))

    def add_mention_note(
        self, mention_id: str, by: str, text: str, at: datetime | None = None
    ) -> Mention:
        at = as_utc(at) if at else utcnow()

        def change(m: Mention) -> Mention:
            note = {"by": by, "at": at.isoformat(), "text": text}
            return m.model_copy(update={"notes": [*m.notes, note]})

        return self._update_doc(mention_id, change)

    def correct_sentiment(
        self,
        mention_id: str,
        brand: str,
        label: SentimentLabel | str | None,
        actor: str,
        at: datetime | None = None,
    ) -> Mention:
        def work(conn: sqlite3.Connection) -> Mention:
            row = conn.execute(
                "SELECT d.doc FROM mentions m JOIN mention_docs d ON d.rowid = m.doc_id "
                "WHERE m.id = ?",
                (mention_id,),
            ).fetchone()
            if row is None:
                raise KeyError(f"no mention with id {mention_id!r}")
            m = Mention.model_validate_json(row[0]).corrected(brand, label, actor, at)
            # rewritten like an updated crawl: every row and index entry follows the label
            counts = self._upsert(conn, [m], crawled=False)
            if counts.errors:
                raise StoreError(f"cannot store the correction of {mention_id}: {counts.errors}")
            return m

        return self._write(work)

    def count_mentions(self) -> int:
        return self._read("SELECT count(*) FROM mentions")[0][0]
