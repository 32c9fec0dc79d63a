"""Typed query parameters of the JSON API: the OpenAPI document's enums, formats and
ranges come from these definitions, and FastAPI validates requests against the same ones
(422 with the field named), so the document and the server cannot disagree.

The web pages take the same inputs as form strings (``radar/web/search.py``) and turn
them into the same :class:`SearchParams`.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BeforeValidator, WithJsonSchema

from index.base import SORTS

RANGES: dict[str, int | None] = {
    "1h": 3600, "24h": 86400, "7d": 7 * 86400, "30d": 30 * 86400, "all": None,
}  # fmt: skip
# the stored times are bounded: far-away times mean "from the start" / "to the end"
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)

TimeRange = StrEnum("TimeRange", {name: name for name in RANGES})  # type: ignore[misc]
Sort = StrEnum("Sort", {name: name for name in SORTS})  # type: ignore[misc]

_ISO = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?([Zz]|[+-]\d{2}:\d{2})?", re.ASCII
)


def parse_time(value: Any) -> datetime:
    """An ISO 8601 / RFC 3339 date-time string; an offset-less one is kept naive (the
    handler reads it in the configured timezone). ValueError names what was expected."""
    if isinstance(value, datetime):
        return value
    text = str(value).strip()
    if not _ISO.fullmatch(text):
        raise ValueError(f"not a date-time: {text!r} (use e.g. 2026-11-23T09:30:00+08:00)")
    try:
        return datetime.fromisoformat(text.replace("t", "T").replace("z", "Z"))
    except ValueError as exc:
        raise ValueError(f"not a date-time: {text!r} ({exc})") from None


def in_zone(value: datetime | None, tz: Any) -> datetime | None:
    """``value`` in UTC, a naive one read in ``tz``; years outside 1900-9000 are clamped
    (nothing is stored there, and time-zone arithmetic overflows at year 1 and 9999)."""
    if value is None:
        return None
    if value.year < 1900:
        return EARLIEST
    if value.year >= 9000:
        return LATEST
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(UTC)


ApiTime = Annotated[
    datetime,
    BeforeValidator(parse_time),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date-time",
            "description": "RFC 3339 date-time; one without an offset is read in the "
            "configured timezone (Asia/Shanghai by default)",
            "examples": ["2026-11-23T09:30:00+08:00"],
        }
    ),
]


def parse_date(value: Any) -> date:
    """YYYY-MM-DD only (pydantic alone would also take a Unix timestamp such as ``0``)."""
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text, re.ASCII):
        raise ValueError(f"not a date: {text!r} (use e.g. 2026-11-23)")
    return date.fromisoformat(text)


ApiDate = Annotated[
    date,
    BeforeValidator(parse_date),
    WithJsonSchema({"type": "string", "format": "date", "examples": ["2026-11-23"]}),
]
