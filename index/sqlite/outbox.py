"""The durable notification outbox on SQLite (NotificationOutbox): one row per
notification key, so enqueueing a key again changes nothing (INSERT OR IGNORE); a
delivery or a failed attempt updates the row in place.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from index.base import Notification
from index.models import utcnow
from index.sqlite.base import SQLiteBase
from index.sqlite.rows import from_us, to_us


class SQLiteOutbox(SQLiteBase):
    """NotificationOutbox on SQLite."""

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
