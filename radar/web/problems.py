"""The JSON API's one error shape: RFC 9457 problem details (``application/problem+json``).

Every error answer of ``/api/…`` — a bad parameter, no login, a missing permission, an
unknown id, a refused case action, a body that fails validation, too many requests, the
store down — is a :class:`Problem`: ``detail`` says in English what is wrong and names the
parameter, ``code`` is a stable machine-readable word, ``errors`` lists the field errors of
a 422. Routes declare which of them they answer with :func:`problem_responses`, so the
OpenAPI document lists exactly the statuses a route can give, with this schema.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

PROBLEM_JSON = "application/problem+json"

# status -> the stable ``code`` of its problems
CODES: dict[int, str] = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    422: "invalid_request",
    429: "rate_limited",
    503: "store_unavailable",
}

WHEN: dict[int, str] = {
    400: "a query parameter the call does not take (`detail` names it and lists those it "
    "takes), or what the schema cannot check is wrong: the query language's syntax, `until` not "
    "after `since`, a cursor not handed out by this API, a brand the mention does not "
    "name (a correction, or a case of another brand to attach it to), an assignee who "
    "is not a user who works cases, a digest day outside 1900-8999 or not over yet, a body "
    "that is not UTF-8",
    401: "no valid `Authorization: Bearer <token>` (or browser session)",
    403: "the token's role or scope lacks the permission (named in `detail`)",
    404: "no such mention, case or configured brand",
    405: "the path is that of a POST call (a mention's action: handled, notes, sentiment, "
    "attach); `Allow` names the method",
    409: "the case action is not possible in the case's state (e.g. closing an open case)",
    422: "a parameter or the body does not match the schema; `errors` lists each field",
    429: "the token's rate limit is spent; `Retry-After` says when to try again",
    503: "the store cannot be reached; nothing was changed",
}


class FieldError(BaseModel):
    loc: list[str | int] = Field(description="where: ['query', 'since'], ['body', 'text'] …")
    msg: str
    type: str


class Problem(BaseModel):
    """RFC 9457 problem details; ``code`` and ``errors`` are this API's extensions."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    type: str = Field("about:blank", description="always about:blank: `code` tells the kind")
    title: str = Field(description="the HTTP status phrase", examples=["Not Found"])
    status: int = Field(description="the HTTP status code", ge=400, le=599, examples=[404])
    detail: str = Field(
        description="what is wrong, naming the parameter", examples=["no case with id 'c-1'"]
    )
    code: str = Field(description="stable machine-readable kind", examples=["not_found"])
    errors: list[FieldError] = Field(
        default_factory=list, description="422 only: one entry per invalid field"
    )


def problem(status: int, detail: str, errors: list[dict[str, Any]] | None = None) -> Problem:
    return Problem(
        type="about:blank",
        title=HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        code=CODES.get(status, "error"),
        errors=[FieldError.model_validate(e) for e in errors or ()],
    )


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: the error statuses it answers with, each a Problem.
    (``app.openapi`` moves their schema to ``application/problem+json``.)"""
    return {s: {"model": Problem, "description": WHEN[s]} for s in statuses}


# every API route may answer these: login, rate limit, store down
COMMON = (401, 429, 503)
