"""Cases and their event timelines on Elasticsearch, one small index each
(``<prefix>-cases``, ``<prefix>-case-events``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from elasticsearch import ConflictError, NotFoundError

from index.elastic.base import ElasticBase
from index.elastic.client import _guarded
from index.models import Case, CaseEvent


class ElasticCases(ElasticBase):
    """Cases (CaseStore) on Elasticsearch."""

    @_guarded
    def save_case(self, case: Case) -> Case:
        self.es.index(
            index=self._small("cases"),
            id=case.id,
            document=case.model_dump(mode="json", warnings=False),
            refresh="wait_for",
        )
        return case

    @_guarded
    def get_case(self, case_id: str) -> Case | None:
        try:
            doc = self.es.get(index=self._small("cases"), id=case_id)
        except NotFoundError:
            return None
        return Case.model_validate(doc["_source"])

    @_guarded
    def list_cases(
        self, status: Sequence[str] | None = None, brand: str | None = None, limit: int = 100
    ) -> list[Case]:
        filters: list[dict[str, Any]] = []
        if status is not None:
            if not status:  # no status at all: no case (not "any status")
                return []
            filters.append({"terms": {"status": [str(s) for s in status]}})
        if brand:
            filters.append({"term": {"brand": brand}})
        response = self.es.search(
            index=self._small("cases"),
            query={"bool": {"filter": filters}},
            sort=[{"opened_at": "desc"}, {"id": "desc"}],
            size=limit,
        )
        return [Case.model_validate(h["_source"]) for h in response["hits"]["hits"]]

    @_guarded
    def append_case_event(self, event: CaseEvent) -> CaseEvent:
        """seq = last seq + 1, claimed with create-if-absent on ``<case>#<seq>``: two
        writers racing for the same seq get a conflict and the loser takes the next."""
        index = self._small("case-events")
        response = self.es.search(
            index=index,
            query={"term": {"case_id": event.case_id}},
            sort=[{"seq": "desc"}],
            size=1,
            source={"includes": ["seq"]},
        )
        hits = response["hits"]["hits"]
        seq = (hits[0]["_source"]["seq"] if hits else 0) + 1
        while True:
            stored = event.model_copy(update={"seq": seq})
            try:
                self.es.create(
                    index=index,
                    id=f"{event.case_id}#{seq:09d}",
                    document=stored.model_dump(mode="json", warnings=False),
                    refresh="wait_for",
                )
                return stored
            except ConflictError:
                seq += 1

    @_guarded
    def case_events(self, case_id: str) -> list[CaseEvent]:
        query = {"term": {"case_id": case_id}}
        pages = self._pages(self._small("case-events"), query, [{"seq": "asc"}], 1000)
        return [CaseEvent.model_validate(h["_source"]) for hits in pages for h in hits]
