"""Opaque cursors of the JSON API: what the next page continues from, as one string.

A cursor is base64url of a small JSON object holding everything the next request needs
(the search and its fixed time window, or the export's window and the backend's position),
so a client passes it back alone. It is not signed: a forged cursor can only ask for
what the client could ask for with plain parameters, and one that does not decode is a
400 naming ``cursor``.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from fastapi import HTTPException

from index.base import SORTS

if TYPE_CHECKING:
    from radar.web.search import SearchParams


def encode(kind: str, **fields: Any) -> str:
    raw = json.dumps({"k": kind, **fields}, ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode("utf-8")).decode("ascii").rstrip("=")


# kind -> the call whose cursors it is and what to pass back (the mentions export hands
# out a cursor per line, not a next_cursor)
WHOSE = {
    "search": "GET /search (pass its next_cursor as is)",
    "export": "GET /mentions (pass a line's cursor as is)",
    "changes": "GET /changes (pass its next_cursor as is)",
}


def decode(kind: str, cursor: str) -> dict[str, Any]:
    """The fields of a cursor of ``kind``; HTTPException 400 for anything else."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        fields = json.loads(raw.decode("utf-8"))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        fields = None
    if not isinstance(fields, dict) or fields.get("k") != kind:
        raise HTTPException(400, f"cursor: not a cursor of {WHOSE[kind]}")
    return fields


def _time(value: Any) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def search_cursor(params: SearchParams, offset: int) -> str:
    return encode(
        "search",
        q=params.q,
        s=_iso(params.since),
        u=_iso(params.until),
        o=params.sort,
        h=params.handled,
        n=offset,
        l=params.limit,
    )


def search_from_cursor(cursor: str) -> tuple[SearchParams, int]:
    """The search a cursor continues and the offset of its next page."""
    from radar.web.search import SearchParams

    f = decode("search", cursor)
    try:
        params = SearchParams(
            q=str(f["q"]),
            range="all",
            since=_time(f["s"]),
            until=_time(f["u"]),
            sort=str(f["o"]),
            handled=f["h"] if f["h"] in (True, False, None) else None,
            limit=min(100, max(1, int(f.get("l", 20)))),
        )
        offset = int(f["n"])
    except (KeyError, TypeError, ValueError):
        raise HTTPException(400, "cursor: damaged (pass next_cursor as is)") from None
    aware = all(t is None or t.tzinfo is not None for t in (params.since, params.until))
    if params.sort not in SORTS or offset < 0 or not aware:
        raise HTTPException(400, "cursor: damaged (pass next_cursor as is)")
    return params, offset


def export_prefix(since: datetime, until: datetime) -> str:
    """The part of an export cursor every line of one export shares (its window): a
    line's cursor is ``<prefix>.<position>``, cheap to make for each of a million lines."""
    return encode("export", s=_iso(since), u=_iso(until)) + "."


def export_cursor(prefix: str, position: str) -> str:
    return prefix + base64.urlsafe_b64encode(position.encode()).decode("ascii").rstrip("=")


def export_from_cursor(cursor: str) -> tuple[datetime, datetime, str]:
    """The window of a mentions export and the store's position in it."""
    window, _, position = cursor.partition(".")
    f = decode("export", window)
    try:
        since, until = _time(f["s"]), _time(f["u"])
        after = base64.urlsafe_b64decode(position + "=" * (-len(position) % 4)).decode()
    except (KeyError, TypeError, ValueError, binascii.Error, UnicodeDecodeError):
        raise HTTPException(400, "cursor: damaged (pass a line's cursor as is)") from None
    if since is None or until is None or since.tzinfo is None or until.tzinfo is None:
        raise HTTPException(400, "cursor: damaged (pass a line's cursor as is)")
    if not position:
        raise HTTPException(400, "cursor: damaged (pass a line's cursor as is)")
    return since, until, after
