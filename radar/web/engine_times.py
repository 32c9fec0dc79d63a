"""The times inside a case's ``trigger`` and a timeline event's ``data`` as every other
time of an API answer: UTC with ``Z``.

Those two are the alert engine's own free-form records, kept as the engine wrote them
(``datetime.isoformat()``: ``2026-12-05T00:29:42.764830+00:00``); the API answered them so
beside ``opened_at`` ``…42.764830Z`` of the same case, though the document says every time
is written with ``Z``. The stored records stay as they are (the engine compares some of
their strings), only the answers are rewritten: the JSON response class of the calls whose
answer holds a case or its timeline (:data:`CARRIERS`, set by ``radar.web.api.install``)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from fastapi.responses import JSONResponse

from index.models import Case, CaseEvent, as_utc
from radar.web.schemas import Board, CaseDetail, CaseSummary, Overview

RECORDS = ("trigger", "data")  # the keys whose values are the engine's records
ISO_WITH_OFFSET = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?[+-]\d\d:\d\d")


def utc_z(value: str) -> str:
    """``value`` when it is not a whole ISO time with an offset, else it in UTC with Z."""
    if not ISO_WITH_OFFSET.fullmatch(value):
        return value
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    return as_utc(moment).isoformat().replace("+00:00", "Z")


def with_z_times(value: Any, inside: bool = False) -> Any:
    """``value`` (a JSON answer) with the times in its engine records written with Z."""
    if isinstance(value, dict):
        return {k: with_z_times(v, inside or k in RECORDS) for k, v in value.items()}
    if isinstance(value, list):
        return [with_z_times(v, inside) for v in value]
    if inside and isinstance(value, str):
        return utc_z(value)
    return value


class EngineTimesJSON(JSONResponse):
    """JSON whose engine records' times read as the answer's own (:func:`with_z_times`)."""

    def render(self, content: Any) -> bytes:
        return super().render(with_z_times(content))


def carries_records(response_model: Any) -> bool:
    """Whether an answer of this model holds a case or a timeline event."""
    return response_model in (Case, CaseEvent, Board, CaseDetail, CaseSummary, Overview)
