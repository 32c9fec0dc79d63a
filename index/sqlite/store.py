"""SQLiteStore: the embedded Store, every concern of index/base.py on one SQLite file.

Each concern is a mixin over SQLiteBase (base.py) in a module of its own; this
class puts them together, so ``index.open_store("sqlite:///…")`` returns one object.
"""

from __future__ import annotations

from index.sqlite.analytics import SQLiteAnalytics
from index.sqlite.cases import SQLiteCases
from index.sqlite.crawl import SQLiteCrawlState
from index.sqlite.feed import SQLiteChangeFeed
from index.sqlite.mentions import SQLiteMentions
from index.sqlite.outbox import SQLiteOutbox
from index.sqlite.search import SQLiteMentionSearch


class SQLiteStore(
    SQLiteMentions,
    SQLiteChangeFeed,
    SQLiteMentionSearch,
    SQLiteAnalytics,
    SQLiteCases,
    SQLiteCrawlState,
    SQLiteOutbox,
):
    """The embedded Store: the tables are in schema.py, connections and upgrades in
    base.py, each concern in its own module."""
