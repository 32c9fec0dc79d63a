"""The times inside a case's ``trigger`` and a timeline event's ``data`` as every other
time of an API answer: UTC with ``Z``; and an event's kept line (``data.line``) as the
line it says, in the API's English.

Those two are the alert engine's own free-form records, kept as the engine wrote them
(``datetime.isoformat()``: ``2026-12-05T00:29:42.764830+00:00``); the API answered them so
beside ``opened_at`` ``…42.764830Z`` of the same case, though the document says every time
is written with ``Z``. The stored records stay as they are (the engine compares some of
their strings), only the answers are rewritten: the JSON response class of the calls whose
answer holds a case or its timeline (:data:`CARRIERS`, set by ``radar.web.api.install``).

``data.line`` is kept as a translation template with its values (alerts/lines.py:
``{"t": "%(severity)s %(what)s", "v": {…}}``) so that each page says it in its reader's
language; the API answered that template, which a program can only fill by copying
alerts.lines.render. It answers the line rendered, in English as all its messages
(radar/web/i18n.py), people by the names the team reads; a line this version cannot
fill is left out (``text`` says the same in the team's language)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from fastapi.responses import JSONResponse

from alerts import lines
from config.i18n import SOURCE_LOCALE, use_locale
from index.models import Case, CaseEvent, z_time
from radar.web.schemas import Board, CaseDetail, CaseSummary, Overview

RECORDS = ("trigger", "data")  # the keys whose values are the engine's records
ISO_WITH_OFFSET = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?[+-]\d\d:\d\d")


def utc_z(value: str) -> str:
    """``value`` when it is not a whole ISO time with an offset, else it in UTC with Z."""
    if not ISO_WITH_OFFSET.fullmatch(value):
        return value
    try:
        return z_time(value)
    except ValueError:
        return value


def with_z_times(value: Any, inside: bool = False) -> Any:
    """``value`` (a JSON answer) with the times in its engine records written with Z."""
    if isinstance(value, dict):
        return {k: with_z_times(v, inside or k in RECORDS) for k, v in value.items()}
    if isinstance(value, list):
        return [with_z_times(v, inside) for v in value]
    if inside and isinstance(value, str):
        return utc_z(value)
    return value


def rendered_line(line: Any) -> str | None:
    """A kept line (alerts/lines.py) as English text; None when it cannot be filled."""
    if not isinstance(line, Mapping) or "t" not in line:
        return line if isinstance(line, str) else None
    with use_locale(SOURCE_LOCALE):
        try:
            return lines.render(line, lines.team_names())
        except (KeyError, TypeError, ValueError):  # a line this version cannot fill
            return None


def with_rendered_lines(value: Any) -> Any:
    """``value`` (a JSON answer) with each event's ``data.line`` rendered, or left out."""
    if isinstance(value, dict):
        out = {k: with_rendered_lines(v) for k, v in value.items()}
        data = out.get("data")
        if "kind" in out and isinstance(data, dict) and "line" in data:
            line = rendered_line(data["line"])
            rest = {k: v for k, v in data.items() if k != "line"}
            out["data"] = rest if line is None else {**rest, "line": line}
        return out
    if isinstance(value, list):
        return [with_rendered_lines(v) for v in value]
    return value


class EngineTimesJSON(JSONResponse):
    """JSON whose engine records' times read as the answer's own (:func:`with_z_times`)
    and whose events' lines are text (:func:`with_rendered_lines`)."""

    def render(self, content: Any) -> bytes:
        return super().render(with_z_times(with_rendered_lines(content)))


def carries_records(response_model: Any) -> bool:
    """Whether an answer of this model holds a case or a timeline event."""
    return response_model in (Case, CaseEvent, Board, CaseDetail, CaseSummary, Overview)
