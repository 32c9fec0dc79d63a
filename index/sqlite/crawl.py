"""Per-source crawl state on SQLite (CrawlState): the crawl cursor, the source's health
and the summaries of its runs, each a small table of JSON documents.
"""

from __future__ import annotations

import json
from typing import Any

from index.base import SourceHealth
from index.models import utcnow
from index.sqlite.base import SQLiteBase
from index.sqlite.rows import from_us, to_us


class SQLiteCrawlState(SQLiteBase):
    """CrawlState on SQLite."""

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
