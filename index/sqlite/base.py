"""SQLiteBase: what every part of the SQLite store stands on. Connections and
transactions; the schema (schema.py) created on open, an older store upgraded and
repaired in the same transaction; the store's own health checks (writable, integrity).
The concerns of the Store are mixins over this class (mentions.py, search.py, …), put
together in store.py.

Concurrency: WAL lets readers run while one writer writes; writes are short
``BEGIN IMMEDIATE`` transactions (one per batch), waiting on ``busy_timeout`` and retried
when another process holds the lock, so crawler subprocesses and the service can write
at the same time. Each thread gets its own connection.
"""

from __future__ import annotations

import abc
import contextlib
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote, urlparse

from index.base import Store, StoreError, StoreUnavailable, UpsertResult
from index.dedupe import renamed_case_stories, renamed_stories, unlinked_comment_stories
from index.models import Case, Mention
from index.query import QuerySyntaxError
from index.sqlite.rows import fts_row, legacy_fts_row
from index.sqlite.schema import FTS_MERGE_SETTINGS, SCHEMA, SCHEMA_VERSION
from index.text import has_traditional

T = TypeVar("T")

BUSY_TIMEOUT_MS = 30_000
WRITE_ATTEMPTS = 5  # each waits up to busy_timeout first
PROBE_WAIT_MS = 2_000  # check_writable: how long it waits for another writer's lock
PAGE_SIZE = 8192
# the WAL is copied back into the database file (and synced) once it holds this many
# pages (default 1000): 4000 x 8 KiB = 32 MiB, so pages that consecutive batches touch
# again are copied once, not per batch. 40000 pages (320 MiB) cut ingest CPU by 10% at
# 1M mentions but doubled its wall time on this disk (big checkpoints, see README)
WAL_CHECKPOINT_PAGES = 4000


IN_CHUNK = 500  # values per "IN (...)", well below SQLite's bound-parameter limit


def _read_in(
    read: Callable[[str, Sequence[Any]], Iterable[tuple[Any, ...]]],
    sql: str,
    values: Sequence[Any],
) -> Iterator[tuple[Any, ...]]:
    """The rows of ``sql`` for all ``values``, whose ``IN ({})`` gets IN_CHUNK at a time;
    ``read`` runs one statement (a connection's execute, or SQLiteStore._read)."""
    for i in range(0, len(values), IN_CHUNK):
        chunk = list(values[i : i + IN_CHUNK])
        yield from read(sql.format(",".join("?" * len(chunk))), chunk)


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    msg = str(exc).lower()
    return "locked" in msg or "busy" in msg


def sqlite_path(url: str) -> str:
    """``sqlite:///relative/path.db`` or ``sqlite:////absolute/path.db`` (as SQLAlchemy)."""
    parsed = urlparse(url)
    if parsed.scheme != "sqlite":
        raise StoreError(f"not a sqlite URL: {url!r}")
    path = unquote(url[len("sqlite:///") :]) if url.startswith("sqlite:///") else ""
    if not path:
        raise StoreError(f"sqlite URL needs a file path, e.g. sqlite:///var/radar.db: {url!r}")
    return path


class SQLiteBase(Store):
    """One SQLite file: connections, transactions, the schema and its upgrades, the
    health checks, and the reads of stored documents the other parts share. Abstract:
    the Store's methods are the mixins' (SQLiteStore, store.py)."""

    def __init__(self, url: str, **_options: object) -> None:
        self.url = url
        self.path = sqlite_path(url)
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        # held by the integrity check (seconds on a large store, from the web's health
        # thread) and by close(): closing a connection while another thread runs a
        # statement on it crashed the interpreter once (segfault in a test teardown)
        self._checking = threading.Lock()
        try:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"cannot create the folder for SQLite store {self.path}: {exc}"
            ) from None
        self._bands_from = 0  # mention_docs rowids from here: indexed as schema 3 did...
        self._schema4_from = 0  # ...and from here: as schema 4 does (_create_schema)
        self._write(self._create_schema)

    # -- connections and transactions --------------------------------------------------

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            return conn
        try:
            conn = sqlite3.connect(
                self.path,
                timeout=BUSY_TIMEOUT_MS / 1000,
                isolation_level=None,
                check_same_thread=False,
            )
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            # 8 KiB pages for a new file (an existing one keeps its own): half the pages
            # to write, fewer B-tree splits; a 1 kB mention document fits 7 to a page
            conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode.lower() != "wal":
                raise sqlite3.DatabaseError(f"cannot switch to WAL journal mode (got {mode})")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = OFF")
            conn.execute("PRAGMA cache_size = -131072")  # up to 128 MiB page cache per connection
            conn.execute("PRAGMA temp_store = MEMORY")
            conn.execute(f"PRAGMA wal_autocheckpoint = {WAL_CHECKPOINT_PAGES}")
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open SQLite store {self.path}: {exc}") from None
        self._local.conn = conn
        with self._lock:
            self._connections.append(conn)
        return conn

    def _write(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``work`` in one IMMEDIATE transaction; retried while another process
        holds the write lock longer than busy_timeout."""
        conn = self._conn()
        for attempt in range(WRITE_ATTEMPTS):
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                if _is_busy(exc) and attempt < WRITE_ATTEMPTS - 1:
                    time.sleep(min(0.05 * 2**attempt, 2.0))
                    continue
                raise self._error(exc) from None
            except sqlite3.DatabaseError as exc:
                raise self._error(exc) from None
            try:
                result = work(conn)
                conn.execute("COMMIT")
                return result
            except BaseException as exc:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                busy = isinstance(exc, sqlite3.OperationalError) and _is_busy(exc)
                if busy and attempt < WRITE_ATTEMPTS - 1:
                    time.sleep(min(0.05 * 2**attempt, 2.0))
                    continue
                if isinstance(exc, sqlite3.Error):
                    raise self._error(exc) from None
                raise
        raise StoreUnavailable(f"SQLite store {self.path} stayed locked by another writer")

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        try:
            return self._conn().execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            if "fts5" in str(exc).lower() or "syntax" in str(exc).lower():
                raise QuerySyntaxError("cannot search for that: %(error)s", error=exc) from None
            if "too large" in str(exc) or "too many" in str(exc):  # a query of 1,000 words
                raise QuerySyntaxError("the search is too complex: %(error)s", error=exc) from None
            raise self._error(exc) from None
        except sqlite3.DatabaseError as exc:
            raise self._error(exc) from None

    def _error(self, exc: sqlite3.Error) -> StoreError:
        if isinstance(exc, sqlite3.OperationalError) and _is_busy(exc):
            return StoreUnavailable(f"SQLite store {self.path} is locked: {exc}")
        return StoreError(f"SQLite store {self.path}: {exc}")

    # -- schema: creation, upgrades and repairs -------------------------------------------

    def _create_schema(self, conn: sqlite3.Connection) -> None:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if 0 < version < 2:
            raise StoreError(
                f"SQLite store {self.path} was written by a pre-release layout (version "
                f"{version}); move it away and let the crawlers fill a new one"
            )
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"SQLite store {self.path} has schema version {version}, newer than this "
                f"program ({SCHEMA_VERSION})"
            )
        for statement in SCHEMA.split(";"):
            if statement.strip():
                conn.execute(statement)
        if version < 4:
            # What an older store's mentions have in the FTS index depends on the layout
            # they were written under; mention_docs rowids grow with every write, so two
            # rowids say which: below 'bands_in_fts_from_doc' as schema 2 indexed them
            # (author tokens), below 'schema4_from_doc' as schema 3 did (author and band
            # tokens), from there as now. An update deletes exactly what was indexed.
            first_new = 0
            if version:
                last = conn.execute("SELECT max(rowid) FROM mention_docs").fetchone()[0]
                first_new = (last or 0) + 1
                conn.execute(
                    "INSERT OR IGNORE INTO authors SELECT DISTINCT author_name, author_key "
                    "FROM mentions WHERE author_name != ''"
                )
                conn.execute("DROP TABLE IF EXISTS simhash_bands")  # schema 2: unused now
            conn.execute(  # a schema-3 store has it already
                "INSERT OR IGNORE INTO store_meta VALUES ('bands_in_fts_from_doc', ?)",
                (first_new,),
            )
            conn.execute(
                "INSERT OR REPLACE INTO store_meta VALUES ('schema4_from_doc', ?)", (first_new,)
            )
            for option, value in FTS_MERGE_SETTINGS:
                conn.execute(
                    "INSERT INTO mention_fts (mention_fts, rank) VALUES (?, ?)", (option, value)
                )
        meta = dict(conn.execute("SELECT key, value FROM store_meta"))
        self._bands_from = meta["bands_in_fts_from_doc"]
        self._schema4_from = meta["schema4_from_doc"]
        if 2 <= version < 7:
            self._fold_indexed(conn)
        if 2 <= version < 8:
            self._mark_comments(conn)
        if 2 <= version < 9:
            self._unlink_comment_stories(conn)
        if version < SCHEMA_VERSION:
            # 4 -> 5 rewrites nothing: a mention stored before per-brand sentiment has only
            # its document label, which is then its effective label toward every brand,
            # and that is what schema 4 put in mention_brands.sentiment, the sentiment and
            # brand+sentiment tags and mentions.sentiment. The version still changes: a
            # program of schema 4 cannot read a corrected mention (and would drop the
            # correction on the next crawl), so it must refuse the file.
            # 5 -> 6 adds mention_changes (created above) and rewrites nothing either:
            # the stored documents' rowids are their sequence numbers, in the order
            # they were written, so every stored mention is in the feed as "new" (an
            # update made before 6 has no "what" row). A program of schema 5 must refuse
            # the file: it may hand a deleted document's rowid to a new one (a change
            # the feed's readers would skip) and leaves stale mention_changes rows.
            # 6 -> 7 re-indexes the mentions with traditional characters (_fold_indexed).
            # 7 -> 8 adds mention_brands.comment and sets it for the stored comments
            # (_mark_comments); a program of schema 7 must refuse the file (its rows
            # would have no comment mark and its inserts one value too few).
            # 8 -> 9 repairs the story links of stored comments and of the posts linked
            # to them (_unlink_comment_stories) and changes no table; a program of
            # schema 8 must refuse the file all the same: its story linking would store
            # such links again.
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _fold_indexed(self, conn: sqlite3.Connection) -> None:
        """Schema 6 -> 7: the FTS entries of every mention whose title, text or brands
        hold a traditional character are replaced by folded ones (deleted with exactly
        the tokens they were indexed with, in the layout of their time). One pass over
        the stored documents; only those that need it are parsed."""
        rows = conn.execute(
            "SELECT m.rowid, m.doc_id, d.doc FROM mentions m JOIN mention_docs d "
            "ON d.rowid = m.doc_id"
        )
        stale, fresh = [], []
        for rowid, doc_id, doc in rows:
            text = doc.decode("utf-8") if isinstance(doc, bytes) else doc
            if not has_traditional(text):
                continue
            m = Mention.model_validate_json(text)
            if doc_id >= self._schema4_from:
                old, new = fts_row(m, fold=False), fts_row(m)
            else:
                bands = doc_id >= self._bands_from
                old, new = legacy_fts_row(m, bands, fold=False), legacy_fts_row(m, bands)
            if old != new:
                stale.append((rowid, *old))
                fresh.append((rowid, *new))
        conn.executemany(
            "INSERT INTO mention_fts (mention_fts, rowid, title, text, tags) "
            "VALUES ('delete', ?, ?, ?, ?)",
            stale,
        )
        conn.executemany(
            "INSERT INTO mention_fts (rowid, title, text, tags) VALUES (?,?,?,?)", fresh
        )

    @staticmethod
    def _mark_comments(conn: sqlite3.Connection) -> None:
        """Schema 7 -> 8: mention_brands gets its ``comment`` column, set on the rows
        of every stored comment (``parent_id`` in the document). One pass over the
        documents, at the upgrade only: count_buckets then reads the column."""
        columns = {row[1] for row in conn.execute("PRAGMA table_info(mention_brands)")}
        if "comment" not in columns:
            conn.execute("ALTER TABLE mention_brands ADD COLUMN comment INTEGER NOT NULL DEFAULT 0")
        conn.execute(
            "UPDATE mention_brands SET comment = 1 WHERE mention IN (SELECT m.rowid "
            "FROM mentions m JOIN mention_docs d ON d.rowid = m.doc_id "
            "WHERE json_extract(CAST(d.doc AS TEXT), '$.parent_id') IS NOT NULL)"
        )

    def _unlink_comment_stories(self, conn: sqlite3.Connection) -> int:
        """Schema 8 -> 9: text linking made stored comments copies of a post they quoted
        and posts copies of a comment they repeated (before 1fbc05f). The stored reposts
        and copies (``is_repost``) are read with their links from their documents, the
        mentions they name are asked whether they are comments, and those whose links
        ``dedupe.unlinked_comment_stories`` changes are written again as an ordinary
        update (``other`` in the change feed; handling and corrections kept). The stored
        cases that name a story the repair renames are rewritten with its new name
        (:meth:`_rename_case_stories`). Returns how many mentions were rewritten; a
        second run finds none."""
        doc = "json_extract(CAST(d.doc AS TEXT), '$.{}')".format
        linked = {
            mid: (bool(comment), repost_of, cluster)
            for mid, comment, repost_of, cluster in conn.execute(
                f"SELECT m.id, {doc('parent_id')} IS NOT NULL, {doc('repost_of')}, "
                f"{doc('cluster_id')} FROM mentions m JOIN mention_docs d "
                "ON d.rowid = m.doc_id WHERE m.is_repost = 1"
            )
            if repost_of is not None
        }
        named = {v for _, target, cluster in linked.values() for v in (target, cluster) if v}
        comments = dict(
            _read_in(
                conn.execute,
                f"SELECT m.id, {doc('parent_id')} IS NOT NULL FROM mentions m "
                "JOIN mention_docs d ON d.rowid = m.doc_id WHERE m.id IN ({})",
                sorted(named - set(linked)),
            )
        )
        is_comment = {k: bool(v) for k, v in comments.items()}
        links = unlinked_comment_stories(linked, is_comment)
        if not links:
            return 0
        self._rename_case_stories(conn, renamed_stories(linked, is_comment, links))
        batch = [
            Mention.model_validate_json(text).model_copy(
                update=dict(zip(("repost_of", "cluster_id"), links[mid], strict=True))
            )
            for mid, text in _read_in(
                conn.execute,
                "SELECT m.id, d.doc FROM mentions m JOIN mention_docs d "
                "ON d.rowid = m.doc_id WHERE m.id IN ({})",
                sorted(links),
            )
        ]
        return self._upsert(conn, batch).updated

    @staticmethod
    def _rename_case_stories(conn: sqlite3.Connection, renamed: dict[str, str]) -> int:
        """Schema 8 -> 9, with the mentions' repair: the cases whose trigger names a
        story named after a comment (``renamed``: old id -> new, dedupe.renamed_stories)
        name it as it is now (dedupe.renamed_case_stories), so the engine's findings
        after the repair are not news to them. Returns how many cases were rewritten."""
        if not renamed:
            return 0
        changed = []
        for case_id, text in conn.execute("SELECT id, doc FROM cases").fetchall():
            case = Case.model_validate_json(text)
            trigger = renamed_case_stories(case.trigger, renamed)
            if trigger != case.trigger:
                case.trigger = trigger
                changed.append((case.model_dump_json(), case_id))
        conn.executemany("UPDATE cases SET doc = ? WHERE id = ?", changed)
        return len(changed)

    def close(self) -> None:
        with self._checking, self._lock:
            connections, self._connections = self._connections, []
        for conn in connections:
            with contextlib.suppress(sqlite3.Error):
                conn.close()
        self._local = threading.local()

    # -- health checks -----------------------------------------------------------------

    def check_writable(self) -> str | None:
        """A write in a transaction that is rolled back: a read-only file or folder shows
        here, not at the next crawl. Another writer holding the lock means busy, not
        refused (None); the probe waits at most PROBE_WAIT_MS for it, so a health check
        never hangs behind a long batch."""
        conn = self._conn()
        try:
            conn.execute(f"PRAGMA busy_timeout = {PROBE_WAIT_MS}")
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT OR REPLACE INTO store_meta VALUES ('write_probe', 0)")
        except sqlite3.OperationalError as exc:
            return None if _is_busy(exc) else str(self._error(exc))
        except sqlite3.DatabaseError as exc:
            return str(self._error(exc))
        finally:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        return None

    def check_integrity(self, full: bool = False) -> list[str]:
        """``PRAGMA quick_check`` (every page, no index-to-table cross-check) or with
        ``full`` ``integrity_check``, then FTS5's own ``integrity-check`` of the
        full-text index (a damaged FTS index otherwise shows only when a write touches
        the damaged part: a crawl failed after ~5,000 rows)."""
        with self._checking:
            return self._integrity_problems("integrity_check" if full else "quick_check")

    def _integrity_problems(self, pragma: str) -> list[str]:
        problems: list[str] = []
        try:
            rows = self._conn().execute(f"PRAGMA {pragma}(20)").fetchall()
            problems += [str(r[0]) for r in rows if r[0] != "ok"]
        except sqlite3.DatabaseError as exc:
            problems.append(f"{pragma}: {exc}")
        try:
            self._conn().execute("INSERT INTO mention_fts (mention_fts) VALUES ('integrity-check')")
        except sqlite3.DatabaseError as exc:
            if "readonly" not in str(exc):  # read-only: check_writable says so
                problems.append(f"full-text index: {exc}")
        return problems

    # -- what the parts share ------------------------------------------------------------

    def _doc_map(self, doc_ids: Sequence[int]) -> dict[int, Mention]:
        """Mentions by mention_docs rowid (rowids no longer stored are left out)."""
        query = "SELECT rowid, doc FROM mention_docs WHERE rowid IN ({})"
        return {
            d: Mention.model_validate_json(doc) for d, doc in _read_in(self._read, query, doc_ids)
        }

    def _docs(self, doc_ids: Sequence[int]) -> list[Mention]:
        """Mentions by mention_docs rowid, in the order given."""
        found = self._doc_map(doc_ids)
        return [found[d] for d in doc_ids if d in found]

    @abc.abstractmethod
    def _upsert(
        self, conn: sqlite3.Connection, batch: list[Mention], crawled: bool = True
    ) -> UpsertResult:
        """Write one batch of mentions inside the caller's transaction (mentions.py);
        the schema 8 -> 9 repair (:meth:`_unlink_comment_stories`) rewrites with it."""
