"""The notification outbox on Elasticsearch (``<prefix>-outbox``): a notification is
created once by its key, listed while due, and updated conditionally on the version
read when delivered or failed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from elasticsearch import ConflictError, NotFoundError

from index.base import Notification, StoreError
from index.elastic.base import ElasticBase
from index.elastic.client import _guarded
from index.elastic.documents import _parse_dt
from index.es_query import es_date as _iso
from index.models import utcnow


class ElasticOutbox(ElasticBase):
    """The notification outbox (NotificationOutbox) on Elasticsearch."""

    def _outbox(self) -> str:
        return self._small("outbox")

    @_guarded
    def enqueue_notification(self, notification: Notification) -> bool:
        doc = _notification_doc(notification)
        doc["created_at"] = doc["created_at"] or _iso(utcnow())
        doc["order"] = time.time_ns()
        try:
            self.es.create(
                index=self._outbox(), id=notification.key, document=doc, refresh="wait_for"
            )
        except ConflictError:
            return False
        return True

    @_guarded
    def due_notifications(self, now: datetime, limit: int = 50) -> list[Notification]:
        query = {
            "bool": {
                "must_not": [{"exists": {"field": "delivered_at"}}],
                "should": [
                    {"bool": {"must_not": [{"exists": {"field": "next_attempt_at"}}]}},
                    {"range": {"next_attempt_at": {"lte": _iso(now)}}},
                ],
                "minimum_should_match": 1,
            }
        }
        response = self.es.search(
            index=self._outbox(),
            query=query,
            sort=[{"created_at": "asc"}, {"order": "asc"}],
            size=limit,
        )
        return [_notification_from(h["_source"]) for h in response["hits"]["hits"]]

    def _update_notification(self, key: str, change: Callable[[dict[str, Any]], None]) -> None:
        for _ in range(10):
            try:
                doc = self.es.get(index=self._outbox(), id=key)
            except NotFoundError:
                return  # gone (as on SQLite, updating an unknown key changes nothing)
            source = dict(doc["_source"])
            change(source)
            try:
                self.es.index(
                    index=self._outbox(),
                    id=key,
                    document=source,
                    if_seq_no=doc["_seq_no"],
                    if_primary_term=doc["_primary_term"],
                    refresh="wait_for",
                )
                return
            except ConflictError:
                continue
        raise StoreError(f"notification {key!r} kept changing while being updated; try again")

    @_guarded
    def mark_notification_delivered(
        self, key: str, at: datetime, result: dict[str, Any] | None = None
    ) -> None:
        def change(doc: dict[str, Any]) -> None:
            doc["delivered_at"] = _iso(at)
            doc["result"] = result or {}

        self._update_notification(key, change)

    @_guarded
    def mark_notification_failed(self, key: str, error: str, retry_at: datetime) -> None:
        def change(doc: dict[str, Any]) -> None:
            doc["attempts"] = int(doc.get("attempts") or 0) + 1
            doc["last_error"] = error
            doc["next_attempt_at"] = _iso(retry_at)

        self._update_notification(key, change)

    @_guarded
    def get_notification(self, key: str) -> Notification | None:
        try:
            doc = self.es.get(index=self._outbox(), id=key)
        except NotFoundError:
            return None
        return _notification_from(doc["_source"])


def _notification_doc(n: Notification) -> dict[str, Any]:
    return {
        "key": n.key,
        "channel": n.channel,
        "payload": n.payload,
        "case_id": n.case_id,
        "created_at": _iso(n.created_at),
        "attempts": n.attempts,
        "next_attempt_at": _iso(n.next_attempt_at),
        "delivered_at": _iso(n.delivered_at),
        "last_error": n.last_error,
        "result": n.result,
    }


def _notification_from(d: dict[str, Any]) -> Notification:
    return Notification(
        key=d["key"],
        channel=d["channel"],
        payload=dict(d.get("payload") or {}),
        case_id=d.get("case_id"),
        created_at=_parse_dt(d.get("created_at")),
        attempts=int(d.get("attempts") or 0),
        next_attempt_at=_parse_dt(d.get("next_attempt_at")),
        delivered_at=_parse_dt(d.get("delivered_at")),
        last_error=d.get("last_error") or "",
        result=dict(d.get("result") or {}),
    )
