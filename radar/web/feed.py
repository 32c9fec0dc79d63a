"""Bulk reads for integrations: the mentions of a time window streamed as NDJSON (a whole
day in one response, resumable from any line), and the change feed for incremental pulls
(every mention inserted or materially changed after a cursor, each once, as stored now).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from index.base import Store, StoreError, StoreUnavailable
from index.export import mentions_page
from index.models import Mention
from radar.web import paging
from radar.web.auth import Searcher
from radar.web.params import ApiTime, in_zone
from radar.web.problems import COMMON, problem_responses

api = APIRouter(tags=["integrations"], responses=problem_responses(*COMMON, 403))

NDJSON = "application/x-ndjson"
BATCH = 1000  # mentions read from the store per round trip of the export
MAX_WINDOW = timedelta(days=31)


class ExportLine(BaseModel):
    """One line of the NDJSON export."""

    cursor: str = Field(description="pass as cursor to continue after this line")
    mention: Mention


class ChangeOut(BaseModel):
    what: list[str] = Field(
        description="what the last write changed: new, engagement, sentiment, correction, "
        "brands, text, other"
    )
    mention: Mention = Field(description="the mention as stored now")


class ChangesOut(BaseModel):
    changes: list[ChangeOut]
    next_cursor: str = Field(description="pass as cursor next time (also when changes is empty)")


# Export pages are read on these threads only: the SQLite store keeps a connection (and
# its page cache, up to 128 MiB) per thread that reads, so a stream hopping over the
# server's whole threadpool would grow one per hop. Concurrent exports take turns page by
# page (SQLite reads them on one core anyway).
EXPORT_THREADS = ThreadPoolExecutor(max_workers=1, thread_name_prefix="radar-export")


def _chunk(
    store: Store, since: datetime, until: datetime, after: str | None, size: int, prefix: str
) -> tuple[bytes, str | None, int]:
    """One store page as NDJSON lines, the position of its last mention and its size."""
    page = mentions_page(store, since, until, after, size)
    body = b"".join(
        b'{"cursor":"%s","mention":%s}\n' % (paging.export_cursor(prefix, position).encode(), doc)
        for position, doc in page
    )
    return body, (page[-1][0] if page else None), len(page)


async def _lines(
    store: Store, since: datetime, until: datetime, after: str | None, limit: int | None
) -> AsyncIterator[bytes]:
    """The NDJSON body, a store page (BATCH mentions) per chunk: memory stays flat."""
    loop = asyncio.get_running_loop()
    prefix = paging.export_prefix(since, until)
    left = limit
    while left is None or left > 0:
        size = BATCH if left is None else min(BATCH, left)
        body, last, count = await loop.run_in_executor(
            EXPORT_THREADS, _chunk, store, since, until, after, size, prefix
        )
        if body:
            yield body
        if count < size:
            return
        after = last
        if left is not None:
            left -= count


@api.get(
    "/mentions",
    summary="Export the mentions of a time window (NDJSON stream)",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "one JSON object per line, oldest first: `{cursor, mention}` "
            "(the ExportLine schema); ends after the window or `limit` lines",
            "content": {NDJSON: {"schema": {"$ref": "#/components/schemas/ExportLine"}}},
        },
        **problem_responses(400, 422),
    },
)
def api_export(
    request: Request,
    user: Searcher,
    since: Annotated[
        ApiTime | None,
        Query(
            description="published at or after (required without cursor; with one, only the "
            "cursor's own since, else 400)"
        ),
    ] = None,
    until: Annotated[
        ApiTime | None,
        Query(
            description="published before (default: since + 1 day; with a cursor, only the "
            "cursor's own until, else 400)"
        ),
    ] = None,
    cursor: Annotated[
        str | None,
        Query(
            max_length=2000,
            description="a line's cursor: continue after that line, in the window of its "
            "export (the cursor carries since and until)",
        ),
    ] = None,
    limit: Annotated[
        int | None, Query(ge=1, le=1_000_000, description="at most this many lines")
    ] = None,
) -> StreamingResponse:
    """Every mention published in [since, until), oldest first, streamed: a whole day
    in one response. Each line carries a cursor; after an interrupted download, ask
    again with the last line's cursor. Windows up to 31 days. The cursor carries its
    export's window: a ``since`` or ``until`` sent with it must be that window's (the
    first request's URL with the cursor added), another is a 400 naming the conflict — it
    was silently ignored."""
    after = None
    if cursor:
        start, end, after = paging.export_from_cursor(cursor)
        _same_window(request, ("since", since, start), ("until", until, end))
    else:
        if since is None:
            raise HTTPException(400, "since: required (or pass a cursor)")
        tz = request.app.state.formatter.tz
        start = in_zone(since, tz)  # type: ignore[assignment]
        end = in_zone(until, tz) or start + timedelta(days=1)  # type: ignore[operator]
    assert start is not None and end is not None
    if end <= start:
        raise HTTPException(400, "until: must be after since")
    if end - start > MAX_WINDOW:
        raise HTTPException(400, "until: the window is at most 31 days")
    store: Store = request.app.state.store
    # read the first mention now: a bad position or a store that is down is an error
    # answer (400, 503), not a 200 cut short
    try:
        mentions_page(store, start, end, after, 1)
    except StoreUnavailable:
        raise
    except StoreError:
        if after is None:
            raise
        raise HTTPException(400, "cursor: damaged (pass a line's cursor as is)") from None
    if getattr(request.state, "head_only", False):  # HEAD: the headers, not the lines
        return StreamingResponse(iter(()), media_type=NDJSON)
    return StreamingResponse(_lines(store, start, end, after, limit), media_type=NDJSON)


def _same_window(request: Request, *sent: tuple[str, datetime | None, datetime]) -> None:
    """400 when a ``since``/``until`` sent with a cursor is not the cursor's own."""
    tz = request.app.state.formatter.tz
    for name, value, carried in sent:
        if value is not None and in_zone(value, tz) != carried:
            raise HTTPException(
                400,
                f"{name}: {_z(in_zone(value, tz))} is not the cursor's {name} "
                f"({_z(carried)}): a cursor carries its export's window (since, until) and "
                f"continues in it; pass the cursor alone, or {name} without a cursor for "
                "another window",
            )


def _z(moment: datetime | None) -> str:
    return moment.isoformat().replace("+00:00", "Z") if moment else ""


@api.get(
    "/changes",
    response_model=ChangesOut,
    summary="Mentions changed since a cursor (incremental pulls)",
    responses=problem_responses(400, 422),
)
def api_changes(
    request: Request,
    user: Searcher,
    cursor: Annotated[
        str | None,
        Query(max_length=200, description="next_cursor of the last call; absent: from the start"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="changes per call")] = 100,
) -> ChangesOut:
    """The change feed: mentions inserted or materially changed (engagement, sentiment,
    a correction, brands, text) after ``cursor``, oldest change first, each once as it
    is stored now. Keep ``next_cursor`` and ask again to get only what changed since;
    mention ids are stable, so an upsert by id keeps a copy in step. Marking handled (or
    undoing it) and notes are not changes here: a copy that needs them reads the
    mention (``GET /mentions/{mention_id}``)."""
    seq = 0
    if cursor:
        fields = paging.decode("changes", cursor)
        n = fields.get("n")
        seq = n if isinstance(n, int) else -1
        if seq < 0:
            raise HTTPException(400, "cursor: damaged (pass next_cursor as is)")
    store: Store = request.app.state.store
    changes, next_seq = store.changes_since(seq, limit)
    return ChangesOut(
        changes=[ChangeOut(what=sorted(c.what), mention=c.mention) for c in changes],
        next_cursor=paging.encode("changes", n=next_seq),
    )
