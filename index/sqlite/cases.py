"""Crisis cases and their timelines on SQLite (CaseStore): a case is its JSON document
beside the columns list_cases filters and sorts on; an event is appended with the next
``seq`` of its case inside the write transaction, and never edited.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from index.models import Case, CaseEvent
from index.sqlite.base import SQLiteBase
from index.sqlite.rows import to_us


class SQLiteCases(SQLiteBase):
    """CaseStore on SQLite."""

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
