"""The change feed of the SQLite store (ChangeFeed). Every insert or update of a mention
appends a new mention_docs row (the old one is deleted; a rowid is never reused), so
that rowid is the change's sequence number and the feed is a rowid range of
mention_docs: it costs ingest nothing. mention_changes says what an update changed; an
inserted mention has no row there (its change is "new"). See the docstring of
schema.py.
"""

from __future__ import annotations

from index.changes import NEW, Change, what_of
from index.models import Mention
from index.sqlite.base import SQLiteBase

_NEW = frozenset({NEW})


class SQLiteChangeFeed(SQLiteBase):
    """ChangeFeed on SQLite."""

    def changes_since(self, cursor: int = 0, limit: int = 500) -> tuple[list[Change], int]:
        """A rowid range of mention_docs (see the docstring of schema.py). Writers commit one
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
