"""What the crawler keeps between runs on Elasticsearch: each source's cursor, its
health and its recent crawl runs, one small index each.
"""

from __future__ import annotations

import time
from typing import Any

from elasticsearch import NotFoundError

from index.base import SourceHealth
from index.elastic.base import ElasticBase
from index.elastic.client import _guarded
from index.elastic.documents import _parse_dt
from index.es_query import es_date as _iso
from index.models import utcnow


class ElasticCrawlState(ElasticBase):
    """Cursors, source health and crawl runs (CrawlState) on Elasticsearch."""

    @_guarded
    def get_cursor(self, source: str) -> dict[str, Any] | None:
        try:
            doc = self.es.get(index=self._small("cursors"), id=source)
        except NotFoundError:
            return None
        return dict(doc["_source"]["cursor"])

    @_guarded
    def set_cursor(self, source: str, cursor: dict[str, Any]) -> None:
        self.es.index(
            index=self._small("cursors"),
            id=source,
            document={"source": source, "cursor": cursor, "updated_at": _iso(utcnow())},
            refresh="wait_for",
        )

    @_guarded
    def set_source_health(self, health: SourceHealth) -> None:
        self.es.index(
            index=self._small("source-health"),
            id=health.source,
            document={
                "source": health.source,
                "state": health.state,
                "reason": health.reason,
                "since": _iso(health.since),
                "paused_until": _iso(health.paused_until),
                "detail": health.detail,
            },
            refresh="wait_for",
        )

    @_guarded
    def get_source_health(self, source: str | None = None) -> list[SourceHealth]:
        query = {"term": {"source": source}} if source else {"match_all": {}}
        response = self.es.search(
            index=self._small("source-health"), query=query, sort=[{"source": "asc"}], size=10_000
        )
        out = []
        for hit in response["hits"]["hits"]:
            d = hit["_source"]
            out.append(
                SourceHealth(
                    source=d["source"],
                    state=d["state"],
                    reason=d.get("reason") or "",
                    since=_parse_dt(d.get("since")),
                    paused_until=_parse_dt(d.get("paused_until")),
                    detail=dict(d.get("detail") or {}),
                )
            )
        return out

    @_guarded
    def record_crawl_run(self, source: str, stats: dict[str, Any]) -> None:
        self.es.index(
            index=self._small("crawl-runs"),
            document={
                "source": source,
                "recorded_at": _iso(utcnow()),
                "order": time.time_ns(),
                "stats": stats,
            },
            refresh="wait_for",
        )

    @_guarded
    def crawl_runs(self, source: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
        query = {"term": {"source": source}} if source else {"match_all": {}}
        response = self.es.search(
            index=self._small("crawl-runs"), query=query, sort=[{"order": "desc"}], size=limit
        )
        return [
            {**h["_source"]["stats"], "source": h["_source"]["source"]}
            for h in response["hits"]["hits"]
        ]
