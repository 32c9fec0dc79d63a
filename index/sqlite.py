"""The embedded Store: one SQLite file (WAL) with an FTS5 full-text index.

Layout
  mentions        one slim row per mention with the columns searches filter, facet and
                  group on (published_at, sentiment, source, brands, author, ...). The
                  rowid is a time key (published millisecond * 1000 + a free slot), so a
                  time window is a rowid range and "newest first" is index order.
  mention_docs    the Mention as JSON, apart, so the rows a search touches stay small
                  (a lookup in a table of 60-byte rows stays in the page cache; one of
                  1 kB rows does not). Every insert or update of a mention appends a
                  new row (the old one is deleted), so its rowid is the mention's
                  sequence number in the change feed: ``changes_since`` is a rowid
                  range of this table, and the feed costs ingest nothing
  mention_changes (doc rowid, what changed) for the documents an update wrote; an
                  inserted mention has no row here (its change is "new")
  mention_fts     contentless FTS5 table (``unicode61``), rowid = mentions.rowid, columns
                  title, text and tags. CJK text is indexed one character per token (see
                  index/text.py), so two-character words (漏油, 退款) and phrases are phrase
                  queries over characters: exact, no segmenter to miss a word, any length
                  of word. (The trigram tokenizer cannot match words shorter than three
                  characters; a bigram index cannot match single characters.) ``tags``
                  holds one token per low-cardinality filter value (brand, sentiment,
                  source, kind, category, signal), so a keyword + brand + sentiment
                  search is one FTS5 intersection of posting lists instead of a join over
                  every keyword hit; brand+sentiment, the usual pair, has its own token.
  mention_brands  (brand, published_at, mention, sentiment, cluster, reach, comment):
                  covering rows for time buckets and per-brand windows (``comment``: 1
                  for a comment, which adds no story of its own to count_buckets)
  authors         (name, author_key) pairs, so ``author:NAME`` finds the author keys,
                  then the mentions through the index on mentions.author_key
  cases, case_events, cursors, source_health, crawl_runs, outbox

What bulk ingest costs (bench/ingest.py) decided the layout: a token that is nearly
unique to one mention (an author, a simhash band) costs FTS5 a term entry of its own in
every segment and every merge, several times a common character's cost: the four
simhash band tokens schema 3 kept in ``tags`` made a third of the whole FTS5 cost, the
two author tokens another sixth. So author filters go through the authors table and
an index, and near-duplicate lookups read the simhashes of the time window (the
mentions table is in time order; see SQLiteStore._window_hashes).

Concurrency: WAL lets readers run while one writer writes; writes are short
``BEGIN IMMEDIATE`` transactions (one per batch), waiting on ``busy_timeout`` and retried
when another process holds the lock, so crawler subprocesses and the service can write
at the same time. Each thread gets its own connection.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import json
import sqlite3
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote, urlparse

import numpy as np
from pydantic import ValidationError

from index.base import (
    MOST_NEGATIVE_FIRST,
    Bucket,
    Notification,
    SearchHit,
    SearchRequest,
    SearchResult,
    SourceHealth,
    Store,
    StoreError,
    StoreUnavailable,
    UpsertResult,
    checked_sort,
    paging,
)
from index.changes import CORRECTION, NEW, Change, changed_fields, what_bits, what_of
from index.dedupe import (
    close_pairs,
    renamed_case_stories,
    renamed_stories,
    unlinked_comment_stories,
)
from index.models import Case, CaseEvent, Mention, SentimentLabel, as_utc, utcnow
from index.query import (
    BRAND_SENTIMENT,
    And,
    Filter,
    Node,
    Not,
    Or,
    Phrase,
    QuerySyntaxError,
    Term,
    filtered_brand,
    parse_query,
    with_filters,
)
from index.text import (
    fold_chinese,
    fts_text,
    has_traditional,
    index_text,
    query_tokens,
    text_or_title_snippet,
    top_words,
)

T = TypeVar("T")

# 9: no stored comment is a copy (repost_of, cluster_id) of a post nor an original of one
# (_unlink_comment_stories; index/dedupe.py links no comment by its text since 1fbc05f);
# 8: mention_brands.comment (a comment, parent_id set, counts in its post's story in
# count_buckets, not as a story of its own); 7: traditional Chinese folded to simplified
# in the FTS index (text, title and the brand tags; index/text.py fold_chinese); 6: the
# change feed (mention_changes; mention_docs rowids never reused, see
# SQLiteStore._upsert); 5: sentiment per brand (mention_brands.sentiment, the sentiment
# and brand+sentiment tags and mentions.sentiment hold the effective label toward each
# brand); 4: no author or band tokens in the FTS index (3: simhash bands as FTS tokens;
# 2: bands in a table of their own)
SCHEMA_VERSION = 9
BUSY_TIMEOUT_MS = 30_000
WRITE_ATTEMPTS = 5  # each waits up to busy_timeout first
PROBE_WAIT_MS = 2_000  # check_writable: how long it waits for another writer's lock
PAGE_SIZE = 8192
# the WAL is copied back into the database file (and synced) once it holds this many
# pages (default 1000): 4000 x 8 KiB = 32 MiB, so pages that consecutive batches touch
# again are copied once, not per batch. 40000 pages (320 MiB) cut ingest CPU by 10% at
# 1M mentions but doubled its wall time on this disk (big checkpoints, see README)
WAL_CHECKPOINT_PAGES = 4000
# page cache of a connection once it has written mentions (readers keep 128 MiB): a
# batch's dirty pages (~120 MiB for 5,000 mentions on a large store) and the B-tree
# pages they sit in stay cached instead of spilling mid-transaction (-15% CPU at 1M)
WRITER_CACHE_KIB = 524_288
TOP_TERMS_SAMPLE = 2_000  # newest mentions read (and segmented) per top_terms call
_SEP = "\x1f"
# FTS5 merges a level's segments once there are `automerge` of them (default 4): each
# posting is rewritten about log_automerge(index size / batch size) times. 16 halves
# that rewriting on a large store (bulk ingest was ~40% cheaper in the FTS table) for at
# most 15 segments per level to read at query time. `crisismerge` (default 16) must
# stay above it.
FTS_MERGE_SETTINGS = (("automerge", 16), ("crisismerge", 64))
_REQUIRED = [
    name for name, info in Mention.model_fields.items() if info.is_required()
]  # between brand names in mentions.brands

SCHEMA = """
CREATE TABLE IF NOT EXISTS mentions (
    rowid INTEGER PRIMARY KEY,              -- time key: published ms * 1000 + a free slot
    id TEXT NOT NULL UNIQUE,
    doc_id INTEGER NOT NULL,                -- mention_docs.rowid
    source TEXT NOT NULL,
    published_at INTEGER NOT NULL,          -- microseconds since the Unix epoch, UTC
    sentiment TEXT NOT NULL DEFAULT '',     -- '' when unscored
    brands TEXT NOT NULL DEFAULT '',        -- brand names joined by \\x1f (facets)
    author_key TEXT NOT NULL DEFAULT '',
    author_name TEXT NOT NULL DEFAULT '',
    followers INTEGER NOT NULL DEFAULT 0,
    verified INTEGER NOT NULL DEFAULT 0,
    engagement INTEGER NOT NULL DEFAULT 0,
    handled INTEGER NOT NULL DEFAULT 0,
    is_repost INTEGER NOT NULL DEFAULT 0,
    simhash INTEGER                         -- signed 64-bit two's complement
);
CREATE TABLE IF NOT EXISTS mention_docs (
    rowid INTEGER PRIMARY KEY,              -- in order of arrival: appends, not inserts
    doc TEXT NOT NULL                       -- the Mention as JSON (UTF-8 BLOB or TEXT)
);
CREATE VIRTUAL TABLE IF NOT EXISTS mention_fts USING fts5 (
    title, text, tags, content='', tokenize='unicode61 remove_diacritics 2'
);
CREATE TABLE IF NOT EXISTS mention_brands (
    brand TEXT NOT NULL,
    published_at INTEGER NOT NULL,
    mention INTEGER NOT NULL,
    sentiment TEXT NOT NULL,
    cluster TEXT NOT NULL,
    reach INTEGER NOT NULL,
    comment INTEGER NOT NULL DEFAULT 0,     -- 1: a comment (parent_id): no story of its own
    PRIMARY KEY (brand, published_at, mention)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS mention_changes (
    doc_id INTEGER PRIMARY KEY,             -- mention_docs.rowid: the change's seq
    what INTEGER NOT NULL                   -- index/changes.py what_bits
);
CREATE INDEX IF NOT EXISTS mentions_author ON mentions (author_key);
CREATE TABLE IF NOT EXISTS authors (
    name TEXT NOT NULL,
    author_key TEXT NOT NULL,
    PRIMARY KEY (name, author_key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS store_meta (
    key TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS cases (
    id TEXT PRIMARY KEY,
    brand TEXT NOT NULL,
    status TEXT NOT NULL,
    opened_at INTEGER NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS cases_opened ON cases (opened_at);
CREATE TABLE IF NOT EXISTS case_events (
    case_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (case_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS cursors (
    source TEXT PRIMARY KEY,
    cursor TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS source_health (
    source TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    reason TEXT NOT NULL,
    since INTEGER,
    paused_until INTEGER,
    detail TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS crawl_runs (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    recorded_at INTEGER NOT NULL,
    stats TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS crawl_runs_source ON crawl_runs (source, id);
CREATE TABLE IF NOT EXISTS outbox (
    key TEXT PRIMARY KEY,
    channel TEXT NOT NULL,
    payload TEXT NOT NULL,
    case_id TEXT,
    created_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    delivered_at INTEGER,
    last_error TEXT NOT NULL DEFAULT '',
    result TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (delivered_at, created_at);
"""


# -- conversions --------------------------------------------------------------------------


def to_us(value: datetime) -> int:
    """Microseconds since the epoch (naive datetimes are UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    delta = value - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_us(value: int | None) -> datetime | None:
    if value is None:
        return None
    return datetime.fromtimestamp(value // 1_000_000, UTC).replace(microsecond=value % 1_000_000)


def signed64(value: int) -> int:
    value &= (1 << 64) - 1
    return value - (1 << 64) if value >= 1 << 63 else value


_BAND_TOKENS = "h0{:04x} h1{:04x} h2{:04x} h3{:04x}".format


def band_tokens(value: int) -> str:
    """The four 16-bit simhash bands as FTS tokens, as schema 3 indexed them (needed to
    delete those entries again when such a mention is updated)."""
    value &= (1 << 64) - 1
    return _BAND_TOKENS(value & 0xFFFF, (value >> 16) & 0xFFFF, (value >> 32) & 0xFFFF, value >> 48)


@functools.lru_cache(maxsize=65_536)
def tag(field: str, value: str) -> str:
    """The FTS token for one filter value: letters and digits only, so any brand or
    author name (spaces, punctuation, CJK) becomes one exact-match token."""
    digest = hashlib.blake2b(f"{field}\0{value}".encode(), digest_size=8).hexdigest()
    return "x" + digest


@functools.lru_cache(maxsize=4096)
def _filter_tags(
    source: str,
    kind: str,
    brands: tuple[str, ...],
    labels: tuple[str, ...],
    category: str,
    signals: tuple[str, ...],
) -> str:
    """``labels``: the effective sentiment toward each of ``brands`` ("" unscored), or
    the document's one label for a mention without brands."""
    tags = [tag("source", source), tag("kind", kind)]
    tags += [tag("brand", b) for b in brands]
    # sentiment:X without a brand: X toward any brand (a mention without brands: its own)
    tags += [tag("sentiment", label) for label in dict.fromkeys(labels) if label]
    # brand AND sentiment is the most common pair of filters: one posting list for it,
    # and the one way to ask for the sentiment toward that brand
    tags += [
        tag(BRAND_SENTIMENT, f"{b}\0{label}")
        for b, label in zip(brands, labels, strict=False)
        if label
    ]
    if category:
        tags.append(tag("category", category))
    tags += [tag("signal", s) for s in signals]
    return " ".join(tags)


@functools.lru_cache(maxsize=65_536)
def _author_tags(author_id: str, name: str) -> str:
    return " ".join(tag("author", v) for v in dict.fromkeys((author_id, name)) if v)


def mention_tags(m: Mention, labels: dict[str, str] | None = None, fold: bool = True) -> str:
    """The ``tags`` column: one token per filter value the mention can be found by.
    ``labels``: ``m.brand_labels`` when the caller has them already. ``fold``: brand
    names folded to simplified (schema 7; False: as schema 6 and older indexed them)."""
    if labels is None:
        labels = m.brand_labels
    # every match, as schema 4 indexed them (a brand named twice: its tokens twice), so
    # the entries of a mention it stored are deleted exactly
    names = tuple([b.brand for b in m.brands])
    if names:
        values = tuple([labels[name] for name in names])
    else:
        values = (m.sentiment.label.value if m.sentiment is not None else "",)
    return _filter_tags(
        m.source,
        m.kind,
        tuple([fold_chinese(n) for n in names]) if fold else names,
        values,
        m.complaint_category or "",
        tuple(m.risk_signals),
    )


def fts_row(
    m: Mention, labels: dict[str, str] | None = None, fold: bool = True
) -> tuple[str, str, str]:
    """What the FTS index holds for ``m`` (schema 4 and later; ``fold``: as schema 7
    does, traditional characters folded to simplified)."""
    f = fold_chinese if fold else str
    title = fts_text(f(m.title)) if m.title else ""
    return title, fts_text(f(m.text)), mention_tags(m, labels, fold)


def sentiment_column(m: Mention, labels: dict[str, str]) -> str:
    """``mentions.sentiment``: one label when every brand has it (and for a mention
    without brands: its document label), else the label toward each brand of
    ``mentions.brands``, joined the same way. Schema 4 stored the document label, which
    is what every brand of such a mention has."""
    if not labels:
        return m.sentiment.label.value if m.sentiment is not None else ""
    values = list(labels.values())
    first = values[0]
    if all(v == first for v in values):
        return first
    return _SEP.join(values)


def labels_of(sentiment: str, brand_list: str) -> dict[str, str]:
    """brand -> label from the ``sentiment`` and ``brands`` columns of a mentions row."""
    names = brand_list.split(_SEP) if brand_list else []
    if _SEP in sentiment:
        return dict(zip(names, sentiment.split(_SEP), strict=False))
    return dict.fromkeys(names, sentiment)


def legacy_fts_row(m: Mention, bands: bool, fold: bool = True) -> tuple[str, str, str]:
    """What a store before schema 4 indexed for ``m``: author tokens, and with ``bands``
    (schema 3) the simhash band tokens; ``fold``: as the schema-7 upgrade re-indexed it."""
    tags = f"{mention_tags(m, fold=fold)} {_author_tags(m.author.id, m.author.name)}"
    if bands and m.simhash is not None:
        tags += " " + band_tokens(m.simhash)
    f = fold_chinese if fold else str
    return index_text(f(m.title)) if m.title else "", index_text(f(m.text)), tags


_NEW = frozenset({NEW})
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_to_json = Mention.__pydantic_serializer__.to_json


def time_key(published_us: int) -> int:
    """First rowid of the millisecond a mention was published in: mentions and the FTS
    index are ordered by time, so a time window is a rowid range (FTS5 seeks to it) and
    "newest first" is the index order."""
    return (published_us // 1000) * 1000


def extract(m: Mention) -> tuple[Any, ...]:
    """Everything one mention contributes to the tables (the hot path of bulk ingest,
    kept flat on purpose). Raises on a malformed mention before anything is written."""
    published = (m.published_at - _EPOCH) // _MICROSECOND
    labels = m.brand_labels  # brand -> effective label, each brand once
    names = list(labels)
    author = m.author
    engagement = m.engagement
    total = engagement.reposts + engagement.comments + engagement.likes
    columns = (
        m.source,
        published,
        sentiment_column(m, labels),
        _SEP.join(names),
        author.id or author.name,
        author.name,
        author.followers,
        int(author.verified),
        total,
        int(m.handled),
        int(m.repost_of is not None),
        None if m.simhash is None else signed64(m.simhash),
    )
    return (
        columns,
        _to_json(m),  # UTF-8 JSON, stored as is (readers parse str or bytes alike)
        fts_row(m, labels),
        labels,
        m.cluster_id or m.id,
        author.followers + total,
        int(m.parent_id is not None),
    )


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


# the story (dedupe cluster) of the row ``m`` of mentions. An original (no repost_of) is
# its own story (index/dedupe.py gives it its own id as cluster); a repeat's cluster is
# the cluster column of its first brand's mention_brands row, found by that table's
# primary key (a seek per repeat, not per row: at 1M mentions grouping a day's 12,000
# matches took 500 ms seeking for every row). A repeat that names no brand is a story
# of its own.
# the mention_brands row of the first brand of the row ``m`` of mentions (its primary key)
_FIRST_BRAND_ROW = (
    "FROM mention_brands mb WHERE mb.brand = "
    "substr(m.brands, 1, instr(m.brands || char(31), char(31)) - 1) "
    "AND mb.published_at = m.published_at AND mb.mention = m.rowid"
)
_STORY = (
    "CASE WHEN m.is_repost = 0 THEN m.id ELSE "
    f"COALESCE((SELECT mb.cluster {_FIRST_BRAND_ROW}), m.id) END"
)
# count_buckets' stories: the distinct stories of the bucket's posts, reposts and copies;
# a comment is part of its post's story and adds none (Store.count_buckets)
_STORIES = "count(DISTINCT CASE WHEN comment = 0 THEN cluster END)"
# 1 when the row ``m`` of mentions is a comment (parent_id): the comment mark of its first
# brand's mention_brands row, found by that table's primary key; a mention that names no
# brand has no such row and is read from its document (json_extract, rare)
_COMMENT = (
    "CASE WHEN m.brands = '' THEN (SELECT json_extract(CAST(d.doc AS TEXT), '$.parent_id') "
    "IS NOT NULL FROM mention_docs d WHERE d.rowid = m.doc_id) ELSE "
    f"COALESCE((SELECT mb.comment {_FIRST_BRAND_ROW}), 0) END"
)
# the story of the post a comment answers, by ``pid`` (its parent_id), as _STORY reads the
# post's row ``p``: NULL when the post is not stored
_POST_STORY = (
    "(SELECT CASE WHEN p.is_repost = 0 THEN p.id ELSE COALESCE((SELECT mb.cluster "
    "FROM mention_brands mb WHERE mb.brand = "
    "substr(p.brands, 1, instr(p.brands || char(31), char(31)) - 1) "
    "AND mb.published_at = p.published_at AND mb.mention = p.rowid), p.id) END "
    "FROM mentions p WHERE p.id = pid)"
)
# the post a reply answers, by ``pid`` (its parent_id): the parent_id of the mention
# ``pid`` when that is a stored comment (its comment mark; from its document when it names
# no brand), else NULL
_UP = (
    "(SELECT CASE WHEN p.brands = '' OR (SELECT mb.comment FROM mention_brands mb "
    "WHERE mb.brand = substr(p.brands, 1, instr(p.brands || char(31), char(31)) - 1) "
    "AND mb.published_at = p.published_at AND mb.mention = p.rowid) "
    "THEN (SELECT json_extract(CAST(d.doc AS TEXT), '$.parent_id') FROM mention_docs d "
    "WHERE d.rowid = p.doc_id) END FROM mentions p WHERE p.id = pid)"
)
STORY_SPAN = timedelta(days=30)  # how long after its first post a story's rows are read
COMMENT_SPAN = timedelta(days=3)  # how long after a story's first post comments are read


def _snippet(m: Mention, terms: Sequence[str]) -> str:
    return text_or_title_snippet(m.text, m.title, terms)


# -- query compilation --------------------------------------------------------------------

_TEXT_COLUMNS = "{title text}"


def _fts_phrase(text: str) -> str:
    tokens = query_tokens(text)
    if not tokens:
        raise QuerySyntaxError(
            "%(text)s has no letters or characters to search for", text=repr(text)
        )
    return f'{_TEXT_COLUMNS} : "{" ".join(tokens)}"'


def fts_expr(node: Node) -> str | None:
    """The FTS5 MATCH expression for ``node``, or None when FTS5 cannot express it on
    its own (a NOT with nothing positive beside it)."""
    if isinstance(node, Term | Phrase):
        return _fts_phrase(node.text)
    if isinstance(node, Filter):
        if node.field == "author":  # not in the FTS index: see sql_condition
            return None
        value = node.value
        if node.field in ("brand", BRAND_SENTIMENT):  # indexed folded (schema 7)
            value = fold_chinese(value)
        return f"tags : {tag(node.field, value)}"
    if isinstance(node, Or):
        parts = [fts_expr(n) for n in node.nodes]
        if any(p is None for p in parts):
            return None
        return "(" + " OR ".join(f"({p})" for p in parts) + ")"
    if isinstance(node, And):
        positive = [fts_expr(n) for n in node.nodes if not isinstance(n, Not)]
        negative = [fts_expr(n.node) for n in node.nodes if isinstance(n, Not)]
        if not positive or any(p is None for p in positive + negative):
            return None
        expr = "(" + " AND ".join(f"({p})" for p in positive) + ")"
        for n in negative:
            expr = f"({expr} NOT ({n}))"
        return expr
    return None  # Not on its own


# author:X is the author's id or name: the key (id, else name) of the mention's author
# is X, or X is a name the author posted under
_AUTHOR_CONDITION = (
    "m.author_key IN (SELECT ? UNION ALL SELECT author_key FROM authors WHERE name = ?)"
)


_FTS_PROBE = (
    "EXISTS (SELECT 1 FROM mention_fts WHERE mention_fts MATCH ? AND mention_fts.rowid = m.rowid)"
)


def _author_first(tree: Node) -> bool:
    """Whether the query ANDs an ``author:`` filter with the rest (then it drives)."""
    return isinstance(tree, And) and any(
        isinstance(n, Filter) and n.field == "author" for n in tree.nodes
    )


def sql_condition(node: Node) -> tuple[str, list[Any]]:
    """A WHERE condition over ``m`` (mentions) for any query node."""
    if isinstance(node, Filter) and node.field == "author":
        return _AUTHOR_CONDITION, [node.value, node.value]
    expr = fts_expr(node)
    if expr is not None:
        return "m.rowid IN (SELECT rowid FROM mention_fts WHERE mention_fts MATCH ?)", [expr]
    if isinstance(node, Not):
        inner, params = sql_condition(node.node)
        return f"NOT ({inner})", params
    assert isinstance(node, And | Or)
    parts = [sql_condition(n) for n in node.nodes]
    joiner = " AND " if isinstance(node, And) else " OR "
    return "(" + joiner.join(p for p, _ in parts) + ")", [x for _, ps in parts for x in ps]


def request_tree(request: SearchRequest) -> tuple[Node | None, list[str]]:
    """The parsed query with the request's own filters ANDed in, and the words to
    highlight."""
    parsed = parse_query(request.query)
    names = ("brand", "sentiment", "source", "author")
    filters = [(name, getattr(request, name)) for name in names]
    return with_filters(parsed.tree, filters), parsed.text_terms


# -- the store ---------------------------------------------------------------------------


def sqlite_path(url: str) -> str:
    """``sqlite:///relative/path.db`` or ``sqlite:////absolute/path.db`` (as SQLAlchemy)."""
    parsed = urlparse(url)
    if parsed.scheme != "sqlite":
        raise StoreError(f"not a sqlite URL: {url!r}")
    path = unquote(url[len("sqlite:///") :]) if url.startswith("sqlite:///") else ""
    if not path:
        raise StoreError(f"sqlite URL needs a file path, e.g. sqlite:///var/radar.db: {url!r}")
    return path


# the distinct brand names of mention_brands, one key seek each (a recursive skip-scan)
_BRAND_NAMES = "brand_names WHERE name IS NOT NULL"
_WITH_BRAND_NAMES = (
    "WITH RECURSIVE brand_names(name) AS (SELECT min(brand) FROM mention_brands UNION ALL "
    "SELECT (SELECT min(brand) FROM mention_brands WHERE brand > name) FROM brand_names "
    "WHERE name IS NOT NULL) "
)


class SQLiteStore(Store):
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

    # -- mentions --------------------------------------------------------------------

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

    def changes_since(self, cursor: int = 0, limit: int = 500) -> tuple[list[Change], int]:
        """A rowid range of mention_docs (see the module docstring). Writers commit one
        at a time and each takes rowids above every committed one, so what a reader
        sees past its cursor is complete: nothing below it commits later."""
        rows = self._read(
            "SELECT d.rowid, d.doc, c.what FROM mention_docs d "
            "LEFT JOIN mention_changes c ON c.doc_id = d.rowid "
            "WHERE d.rowid > ? ORDER BY d.rowid LIMIT ?",
            (max(0, cursor), max(0, limit)),
        )
        changes = [
            Change(seq, Mention.model_validate_json(doc), _NEW if what is None else what_of(what))
            for seq, doc, what in rows
        ]
        return changes, (changes[-1].seq if changes else cursor)

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

    # -- search ------------------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchResult:
        sort = checked_sort(request)
        tree, terms = request_tree(request)
        where: list[str] = []
        params: list[Any] = []
        driving: str | None = None
        if tree is not None and _author_first(tree):
            # an author has few mentions: read them through the author index and probe
            # FTS5 per mention (rowid + MATCH), instead of filtering every keyword match
            assert isinstance(tree, And)
            for n in tree.nodes:
                expr = fts_expr(n)  # None for the author filter: see sql_condition
                if expr is not None:
                    where.append(_FTS_PROBE)
                    params.append(expr)
                else:
                    cond, ps = sql_condition(n)
                    where.append(cond)
                    params += ps
        elif tree is not None:
            driving = fts_expr(tree)
            if driving is None and isinstance(tree, And):
                # FTS5 drives with the positive parts it can express; the rest (NOTs,
                # author filters) becomes SQL
                positive = [
                    n for n in tree.nodes if not isinstance(n, Not) and fts_expr(n) is not None
                ]
                if positive:
                    driving = fts_expr(positive[0] if len(positive) == 1 else And(tuple(positive)))
                if driving is not None:
                    for n in tree.nodes:
                        if not any(n is p for p in positive):
                            cond, ps = sql_condition(n)
                            where.append(cond)
                            params += ps
            if driving is None:
                cond, ps = sql_condition(tree)
                where.append(cond)
                params += ps

        # the time window is a rowid range (see time_key) plus the exact bounds
        key = "mention_fts.rowid" if driving is not None else "m.rowid"
        if request.since is not None:
            since = to_us(request.since)
            where += [f"{key} >= ?", "m.published_at >= ?"]
            params += [time_key(since), since]
        if request.until is not None:
            until = to_us(request.until)
            where += [f"{key} < ?", "m.published_at < ?"]
            params += [time_key(until) + 2000, until]  # + slots probed past the millisecond
        if request.handled is not None:
            where.append("m.handled = ?")
            params.append(int(request.handled))
        if not request.include_reposts:
            where.append("m.is_repost = 0")
        if not request.include_comments:
            where.append(f"{_COMMENT} = 0")

        if driving is not None:
            source = "mention_fts CROSS JOIN mentions m ON m.rowid = mention_fts.rowid"
            where.insert(0, "mention_fts MATCH ?")
            params.insert(0, driving)
        else:
            source = "mentions m"
        clause = (" WHERE " + " AND ".join(where)) if where else ""

        facets: dict[str, dict[str, int]] = {}
        if request.facets:
            total = 0
            sentiment: dict[str, int] = {}
            sources: dict[str, int] = {}
            brands: dict[str, int] = {}
            # as the sentiment: filter reads: toward the one brand filtered, else each
            # distinct label toward the mention's brands counts once
            only = filtered_brand(tree)
            for sent, src, brand_list, n in self._read(
                f"SELECT m.sentiment, m.source, m.brands, count(*) FROM {source}{clause} "
                "GROUP BY 1, 2, 3",
                params,
            ):
                total += n
                if _SEP not in sent:  # the same toward every brand
                    labels: Iterable[str] = (sent,)
                elif only is None:
                    labels = set(sent.split(_SEP))
                else:
                    folded = {fold_chinese(b): x for b, x in labels_of(sent, brand_list).items()}
                    labels = (folded.get(fold_chinese(only), ""),)
                for label in labels:
                    if label:
                        sentiment[label] = sentiment.get(label, 0) + n
                sources[src] = sources.get(src, 0) + n
                for b in brand_list.split(_SEP) if brand_list else ():
                    brands[b] = brands.get(b, 0) + n
            # the most first, ties by name: as Elasticsearch's terms aggregation orders them
            facets = {
                name: dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
                for name, counts in (
                    ("sentiment", sentiment),
                    ("source", sources),
                    ("brand", brands),
                )
            }
        else:
            total = self._read(f"SELECT count(*) FROM {source}{clause}", params)[0][0]

        score = "0.0"
        if sort == "relevance" and driving is not None:
            score = "-bm25(mention_fts, 2.0, 1.0, 0.0)"
        if request.group_stories:
            return self._search_stories(
                request, source, clause, params, score, terms, total, facets
            )
        if sort == "relevance" and driving is not None:
            order = f"score DESC, {key} DESC"
        elif sort == "reach":
            order = f"m.followers + m.engagement DESC, {key} DESC"
        else:
            order = f"{key} DESC"
        page = self._read(
            f"SELECT m.doc_id, {score} AS score FROM {source}{clause} ORDER BY {order} "
            "LIMIT ? OFFSET ?",
            [*params, *reversed(paging(request))],
        )
        hits = []
        for m, (_, value) in zip(self._docs([d for d, _ in page]), page, strict=True):
            hits.append(
                SearchHit(
                    mention=m,
                    highlight=_snippet(m, terms) if request.highlight else "",
                    score=float(value),
                    story=m.cluster_id or m.id,
                    story_reach=m.reach,
                )
            )
        return SearchResult(total=total, hits=self._in_post_stories(hits), facets=facets)

    def _search_stories(
        self,
        request: SearchRequest,
        source: str,
        clause: str,
        params: list[Any],
        score: str,
        terms: Sequence[str],
        total: int,
        facets: dict[str, dict[str, int]],
    ) -> SearchResult:
        """One hit per story among the matches (SearchRequest.group_stories): the matching
        rows grouped by their cluster (read from mention_brands by its primary key, so
        the mentions table needs no column of its own), a page of groups in the order
        asked, then the earliest matching mention of each. A matching comment is a hit of
        its own (grouped by its own cluster) and counts in its post's story
        (``SearchResult.stories``): one more story only when no matching post is in it."""
        order = {
            "reach": "reach DESC, last DESC",
            "relevance": "best DESC, last DESC",
            "time": "last DESC",
        }[request.sort]
        grouped = (
            f"SELECT {_STORY} AS story, {_COMMENT} AS c, m.rowid AS k, "
            f"m.followers + m.engagement AS r, {score} AS s FROM {source}{clause}"
        )
        # over every group: the groups, the stories (a group of comments only is none)
        # and the comments
        counts = "count(*) OVER (), sum(min(c) = 0) OVER (), sum(sum(c)) OVER ()"
        rows = self._read(
            "SELECT story, count(*), sum(r) AS reach, min(k), max(k) AS last, max(s) AS best, "
            f"{counts} FROM ({grouped}) GROUP BY story ORDER BY {order} LIMIT ? OFFSET ?",
            [*params, *reversed(paging(request))],
        )
        if rows:
            groups, stories, comments = rows[0][6:]
        else:
            groups, stories, comments = self._read(
                "SELECT count(DISTINCT story), count(DISTINCT CASE WHEN c = 0 THEN story END), "
                f"coalesce(sum(c), 0) FROM ({grouped})",
                params,
            )[0]
        post_stories = stories
        if comments:
            # a matching comment adds the story of its post when no matching post did
            # (its post's id when the post is not stored): read from the documents of
            # the matching comments only
            parent = (
                "CASE WHEN c = 1 THEN (SELECT json_extract(CAST(d.doc AS TEXT), "
                "'$.parent_id') FROM mention_docs d WHERE d.rowid = doc_row) END"
            )
            rows_of = (
                f"SELECT {_STORY} AS story, {_COMMENT} AS c, m.doc_id AS doc_row "
                f"FROM {source}{clause}"
            )
            # a reply to a comment counts in the story of the post that comment answers,
            # up to a reply to a reply to a comment (as Store.post_stories links it):
            # each distinct parent goes up twice while it is a stored comment
            stories = self._read(
                f"WITH r AS MATERIALIZED (SELECT story, c, {parent} AS pid FROM ({rows_of})), "
                "p1 AS MATERIALIZED (SELECT DISTINCT pid FROM r WHERE c = 1), "
                f"p2 AS MATERIALIZED (SELECT COALESCE({_UP}, pid) AS pid FROM p1), "
                f"p3 AS MATERIALIZED (SELECT COALESCE({_UP}, pid) AS pid FROM p2) "
                "SELECT count(DISTINCT story) FROM (SELECT story FROM r WHERE c = 0 "
                f"UNION ALL SELECT COALESCE({_POST_STORY}, pid) FROM p3)",
                params,
            )[0][0]
        first_of = self._by_rowids([r[3] for r in rows])
        hits = []
        for story, n, reach, first, _, best, *_ in rows:
            m = first_of.get(first)
            if m is None:  # deleted between the two reads
                continue
            hits.append(
                SearchHit(
                    mention=m,
                    highlight=_snippet(m, terms) if request.highlight else "",
                    score=float(best or 0.0),
                    story=story,
                    story_size=n,
                    story_reach=reach or 0,
                )
            )
        if request.facets:
            copies = total - comments - post_stories
            facets = {
                **facets,
                "story": {"stories": post_stories, "copies": copies, "comments": comments},
            }
        return SearchResult(
            total=total,
            hits=self._in_post_stories(hits),
            facets=facets,
            stories=stories,
            groups=groups,
        )

    def story(self, story_id: str, limit: int = 500) -> list[Mention]:
        root = self.get_mention(story_id)
        if root is not None and root.brand_names:
            # a story spreads after its first post: its brands' rows from then on
            lo = to_us(root.published_at)
            hi = to_us(root.published_at + STORY_SPAN)
            rowids = [
                r[0]
                for brand in dict.fromkeys(root.brand_names)
                for r in self._read(
                    "SELECT mention FROM mention_brands WHERE brand = ? AND published_at >= ? "
                    "AND published_at < ? AND cluster = ?",
                    (brand, lo, hi, story_id),
                )
            ]
        else:  # the original is not stored: every brand row of the cluster
            rowids = [
                r[0]
                for r in self._read(
                    "SELECT DISTINCT mention FROM mention_brands WHERE cluster = ?", (story_id,)
                )
            ]
        members = list(self._by_rowids(sorted(set(rowids))[:limit]).values())
        if not members and root is not None:
            members = [root]
        ids = [m.id for m in members][:IN_CHUNK]
        comments: list[Mention] = []
        if ids:
            # comments come after their post: the docs of the days after the first, whose
            # parent_id is read from the JSON (no column of its own; a page, not a search)
            lo = to_us(members[0].published_at)
            hi = to_us(members[0].published_at + COMMENT_SPAN)
            found = self._read(
                "SELECT m.doc_id FROM mentions m JOIN mention_docs d ON d.rowid = m.doc_id "
                "WHERE m.rowid >= ? AND m.rowid < ? "
                "AND json_extract(CAST(d.doc AS TEXT), '$.parent_id') "
                f"IN ({','.join('?' * len(ids))})",
                [time_key(lo), time_key(hi), *ids],
            )
            member_ids = set(ids)
            comments = sorted(
                (m for m in self._docs([r[0] for r in found]) if m.id not in member_ids),
                key=lambda m: (m.published_at, m.id),
            )[:limit]
        seen: set[str] = set()
        out = []
        for m in sorted([*members, *comments], key=lambda m: (m.published_at, m.id)):
            if m.id not in seen:
                seen.add(m.id)
                out.append(m)
        return out

    def _by_rowids(self, rowids: Sequence[int]) -> dict[int, Mention]:
        """Mentions by mentions.rowid (those that exist), in the order given."""
        sql = "SELECT rowid, doc_id FROM mentions WHERE rowid IN ({})"
        doc_of = dict(_read_in(self._read, sql, rowids))
        found = self._doc_map([doc_of[r] for r in rowids if r in doc_of])
        return {r: found[doc_of[r]] for r in rowids if r in doc_of and doc_of[r] in found}

    # -- analytics -----------------------------------------------------------------------

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
        would cost every ingested mention more than this costs a batch (see the module
        docstring)."""
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

    # -- cases -------------------------------------------------------------------------

    def save_case(self, case: Case) -> Case:
        case = Case.model_validate(case.model_dump(warnings=False))  # model_copy skips checks
        self._write(
            lambda conn: conn.execute(
                "INSERT OR REPLACE INTO cases (id, brand, status, opened_at, doc) "
                "VALUES (?,?,?,?,?)",
                (
                    case.id,
                    case.brand,
                    str(case.status),
                    to_us(case.opened_at),
                    case.model_dump_json(),
                ),
            )
        )
        return case

    def get_case(self, case_id: str) -> Case | None:
        rows = self._read("SELECT doc FROM cases WHERE id = ?", (case_id,))
        return Case.model_validate_json(rows[0][0]) if rows else None

    def list_cases(
        self, status: Sequence[str] | None = None, brand: str | None = None, limit: int = 100
    ) -> list[Case]:
        where, params = [], []
        if status is not None:
            values = [str(getattr(s, "value", s)) for s in status]
            where.append(f"status IN ({','.join('?' * len(values))})" if values else "0")
            params += values
        if brand is not None:
            where.append("brand = ?")
            params.append(brand)
        clause = (" WHERE " + " AND ".join(where)) if where else ""
        rows = self._read(
            f"SELECT doc FROM cases{clause} ORDER BY opened_at DESC, id DESC LIMIT ?",
            [*params, limit],
        )
        return [Case.model_validate_json(doc) for (doc,) in rows]

    def append_case_event(self, event: CaseEvent) -> CaseEvent:
        def work(conn: sqlite3.Connection) -> CaseEvent:
            last = conn.execute(
                "SELECT max(seq) FROM case_events WHERE case_id = ?", (event.case_id,)
            ).fetchone()[0]
            stored = event.model_copy(update={"seq": (last or 0) + 1})
            conn.execute(
                "INSERT INTO case_events (case_id, seq, doc) VALUES (?,?,?)",
                (stored.case_id, stored.seq, stored.model_dump_json()),
            )
            return stored

        return self._write(work)

    def case_events(self, case_id: str) -> list[CaseEvent]:
        rows = self._read("SELECT doc FROM case_events WHERE case_id = ? ORDER BY seq", (case_id,))
        return [CaseEvent.model_validate_json(doc) for (doc,) in rows]

    # -- cursors, health, crawl runs ------------------------------------------------------

    def get_cursor(self, source: str) -> dict[str, Any] | None:
        rows = self._read("SELECT cursor FROM cursors WHERE source = ?", (source,))
        return json.loads(rows[0][0]) if rows else None

    def set_cursor(self, source: str, cursor: dict[str, Any]) -> None:
        data = json.dumps(cursor, ensure_ascii=False)
        self._write(
            lambda conn: conn.execute(
                "INSERT OR REPLACE INTO cursors (source, cursor, updated_at) VALUES (?,?,?)",
                (source, data, to_us(utcnow())),
            )
        )

    def set_source_health(self, health: SourceHealth) -> None:
        row = (
            health.source,
            health.state,
            health.reason,
            None if health.since is None else to_us(health.since),
            None if health.paused_until is None else to_us(health.paused_until),
            json.dumps(health.detail, ensure_ascii=False, default=str),
        )
        self._write(
            lambda conn: conn.execute(
                "INSERT OR REPLACE INTO source_health VALUES (?,?,?,?,?,?)", row
            )
        )

    def get_source_health(self, source: str | None = None) -> list[SourceHealth]:
        sql = "SELECT source, state, reason, since, paused_until, detail FROM source_health"
        rows = (
            self._read(sql + " WHERE source = ?", (source,))
            if source is not None
            else self._read(sql + " ORDER BY source")
        )
        return [
            SourceHealth(
                source=src,
                state=state,
                reason=reason,
                since=from_us(since),
                paused_until=from_us(paused),
                detail=json.loads(detail),
            )
            for src, state, reason, since, paused, detail in rows
        ]

    def record_crawl_run(self, source: str, stats: dict[str, Any]) -> None:
        data = json.dumps(stats, ensure_ascii=False, default=str)
        self._write(
            lambda conn: conn.execute(
                "INSERT INTO crawl_runs (source, recorded_at, stats) VALUES (?,?,?)",
                (source, to_us(utcnow()), data),
            )
        )

    def crawl_runs(self, source: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
        if source is None:
            rows = self._read(
                "SELECT source, stats FROM crawl_runs ORDER BY id DESC LIMIT ?", (limit,)
            )
        else:
            rows = self._read(
                "SELECT source, stats FROM crawl_runs WHERE source = ? ORDER BY id DESC LIMIT ?",
                (source, limit),
            )
        return [{**json.loads(stats), "source": src} for src, stats in rows]

    # -- notification outbox ---------------------------------------------------------------

    _OUTBOX_COLUMNS = (
        "key, channel, payload, case_id, created_at, attempts, next_attempt_at, "
        "delivered_at, last_error, result"
    )

    def enqueue_notification(self, notification: Notification) -> bool:
        n = notification
        row = (
            n.key,
            n.channel,
            json.dumps(n.payload, ensure_ascii=False, default=str),
            n.case_id,
            to_us(n.created_at or utcnow()),
            n.attempts,
            None if n.next_attempt_at is None else to_us(n.next_attempt_at),
            None if n.delivered_at is None else to_us(n.delivered_at),
            n.last_error,
            json.dumps(n.result, ensure_ascii=False, default=str),
        )
        return self._write(
            lambda conn: (
                conn.execute(
                    f"INSERT OR IGNORE INTO outbox ({self._OUTBOX_COLUMNS}) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?)",
                    row,
                ).rowcount
                == 1
            )
        )

    @staticmethod
    def _notification(row: tuple[Any, ...]) -> Notification:
        key, channel, payload, case_id, created, attempts, nxt, delivered, error, res = row
        return Notification(
            key=key,
            channel=channel,
            payload=json.loads(payload),
            case_id=case_id,
            created_at=from_us(created),
            attempts=attempts,
            next_attempt_at=from_us(nxt),
            delivered_at=from_us(delivered),
            last_error=error,
            result=json.loads(res),
        )

    def due_notifications(self, now: datetime, limit: int = 50) -> list[Notification]:
        rows = self._read(
            f"SELECT {self._OUTBOX_COLUMNS} FROM outbox WHERE delivered_at IS NULL "
            "AND (next_attempt_at IS NULL OR next_attempt_at <= ?) "
            "ORDER BY created_at, key LIMIT ?",
            (to_us(now), limit),
        )
        return [self._notification(r) for r in rows]

    def get_notification(self, key: str) -> Notification | None:
        rows = self._read(f"SELECT {self._OUTBOX_COLUMNS} FROM outbox WHERE key = ?", (key,))
        return self._notification(rows[0]) if rows else None

    def mark_notification_delivered(
        self, key: str, at: datetime, result: dict[str, Any] | None = None
    ) -> None:
        data = json.dumps(result or {}, ensure_ascii=False, default=str)
        self._write(
            lambda conn: conn.execute(
                "UPDATE outbox SET delivered_at = ?, result = ?, attempts = attempts + 1 "
                "WHERE key = ?",
                (to_us(at), data, key),
            )
        )

    def mark_notification_failed(self, key: str, error: str, retry_at: datetime) -> None:
        self._write(
            lambda conn: conn.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?, "
                "next_attempt_at = ? WHERE key = ?",
                (error, to_us(retry_at), key),
            )
        )
