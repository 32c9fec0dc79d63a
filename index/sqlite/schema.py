"""The tables of the SQLite store, and why they are laid out so.

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
"""

from __future__ import annotations

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
# FTS5 merges a level's segments once there are `automerge` of them (default 4): each
# posting is rewritten about log_automerge(index size / batch size) times. 16 halves
# that rewriting on a large store (bulk ingest was ~40% cheaper in the FTS table) for at
# most 15 segments per level to read at query time. `crisismerge` (default 16) must
# stay above it.
FTS_MERGE_SETTINGS = (("automerge", 16), ("crisismerge", 64))

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
