"""Server-side web sessions, so that logging out ends a session.

The signed session cookie (Starlette's SessionMiddleware) proves only that this server
issued it: on its own it stays valid for its whole lifetime, whatever happens on the
server (a copied cookie kept working for 12 h after logout). So the cookie carries a
random session id, and a login is valid only while that id is in this table: logout
deletes the row, an expired row is refused and purged. Only the SHA-256 of the id is
stored, so a copy of the file holds no usable session.

The table lives in a small SQLite file of its own (``web.sessions_db``, by default beside
the store, see :meth:`config.schema.RadarConfig.local_file`): the web service owns it,
whichever backend holds the mentions.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS web_sessions (
    id_hash TEXT PRIMARY KEY,
    user TEXT NOT NULL,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL
)
"""


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


class SessionStore:
    """Valid session ids and their users. Thread-safe (one connection behind a lock)."""

    def __init__(
        self, path: str | Path, max_age: float, clock: Callable[[], float] = time.time
    ) -> None:
        self.path = Path(path)
        self.max_age = max_age
        self.clock = clock
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(
            self.path, check_same_thread=False, isolation_level=None, timeout=10
        )
        with self._lock:
            self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.execute(SCHEMA)

    def create(self, user: str) -> str:
        """A new session id for ``user`` (stored as its hash), valid for ``max_age``."""
        session_id = secrets.token_urlsafe(32)
        now = self.clock()
        with self._lock:
            self._conn.execute("DELETE FROM web_sessions WHERE expires_at <= ?", (now,))
            self._conn.execute(
                "INSERT INTO web_sessions VALUES (?, ?, ?, ?)",
                (_digest(session_id), user, now, now + self.max_age),
            )
        return session_id

    def user_of(self, session_id: object) -> str | None:
        """The user of a live session, else None (unknown, ended or expired)."""
        if not isinstance(session_id, str) or not session_id:
            return None
        with self._lock:
            row = self._conn.execute(
                "SELECT user, expires_at FROM web_sessions WHERE id_hash = ?",
                (_digest(session_id),),
            ).fetchone()
        if row is None or row[1] <= self.clock():
            return None
        return str(row[0])

    def end(self, session_id: object) -> None:
        """Logout: the id is no longer accepted, whoever still holds the cookie."""
        if isinstance(session_id, str) and session_id:
            with self._lock:
                self._conn.execute(
                    "DELETE FROM web_sessions WHERE id_hash = ?", (_digest(session_id),)
                )

    def close(self) -> None:
        with self._lock:
            self._conn.close()
