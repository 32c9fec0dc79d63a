"""The embedded Store: one SQLite file (WAL) with an FTS5 full-text index.

One module per concern, along the lines of the Store interface (index/base.py):

  schema.py       the tables, and why they are laid out so (SCHEMA, SCHEMA_VERSION)
  rows.py         what one Mention becomes in the tables: columns, FTS row, time key
  fts_query.py    a parsed query as an FTS5 MATCH expression and SQL conditions
  base.py         SQLiteBase: connections, transactions, schema creation, upgrades and
                  repairs, the store's own health checks; every part below is a mixin
                  over it
  mentions.py     MentionStore: upserts, reads by id, handling, notes, corrections
  feed.py         ChangeFeed: the change feed, a rowid range of mention_docs
  search.py       MentionSearch: search and story pages
  analytics.py    MentionSearch: time buckets, top authors and terms, near duplicates
  cases.py        CaseStore
  crawl.py        CrawlState: cursors, source health, crawl runs
  outbox.py       NotificationOutbox
  store.py        SQLiteStore, the parts combined (what ``index.open_store`` opens)
"""

from __future__ import annotations

from index.sqlite.base import sqlite_path
from index.sqlite.rows import fts_row, legacy_fts_row, time_key, to_us
from index.sqlite.schema import SCHEMA_VERSION
from index.sqlite.store import SQLiteStore

__all__ = [
    "SCHEMA_VERSION",
    "SQLiteStore",
    "fts_row",
    "legacy_fts_row",
    "sqlite_path",
    "time_key",
    "to_us",
]
