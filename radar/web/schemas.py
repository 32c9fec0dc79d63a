"""Request and response bodies of the JSON API (they make its OpenAPI document)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from index.models import Case, CaseEvent, CaseStatus, Mention, SentimentLabel, Severity
from index.text import without_controls

# (word, number of posts): a JSON array of two. Described without prefixItems, which
# Schemathesis 4.32 rewrites into the draft-4 array form that OpenAPI 3.1 refuses.
TermCount = Annotated[
    tuple[str, int],
    WithJsonSchema(
        {
            "type": "array",
            "items": {"type": ["string", "integer"]},
            "minItems": 2,
            "maxItems": 2,
            "description": "[word, number of posts]",
        }
    ),
]


# an answer always has every field (one with a default too): required in its schema
ANSWER = ConfigDict(json_schema_serialization_defaults_required=True)


class Me(BaseModel):
    name: str
    role: str
    display_name: str
    permissions: list[str]


class Hit(BaseModel):
    mention: Mention
    highlight: str = Field(description="snippet: matches in <mark>…</mark>, the rest escaped")
    score: float
    reach: int = Field(description="author followers + engagement")
    link: str | None = Field(description="the original post's URL if it is http(s), else null")


class SearchOut(BaseModel):
    model_config = ANSWER

    query: str
    since: datetime | None
    until: datetime | None
    total: int
    offset: int
    limit: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]]
    next_cursor: str | None = Field(
        None, description="pass as cursor for the next page; null on the last page"
    )
    notes: list[str] = Field(
        default_factory=list,
        description="what in q names nothing configured (a brand: or source: typo), or a "
        "kind: that is a kind of source (kind:tousu: source: finds those): searched all the "
        "same, but the likely reason for finding nothing",
    )


# a text must hold something besides spaces (the handlers strip it)
SOME_TEXT = r"\S"


# a text a person writes (a note, a reason) is read without control characters (a NUL
# pasted in, tab and line breaks kept) before it is checked: one of only those is a 422
# naming the field, as an empty one is; the web's forms read theirs the same way
def _written(value: object) -> object:
    return without_controls(value) if isinstance(value, str) else value


Written = Annotated[str, BeforeValidator(_written)]


class NoteIn(BaseModel):
    text: Written = Field(
        min_length=1,
        max_length=5000,
        pattern=SOME_TEXT,
        examples=["已联系车主"],
        description="control characters but tab and line breaks are left out",
    )


class HandledIn(BaseModel):
    note: Written = Field(
        default="",
        max_length=5000,
        description="control characters but tab and line breaks are left out",
    )


class SentimentIn(BaseModel):
    brand: str = Field(min_length=1, max_length=200, description="a brand the mention names")
    label: SentimentLabel | None = Field(
        description="the sentiment toward the brand; null clears the correction"
    )


class AttachIn(BaseModel):
    case_id: str = Field(min_length=1)


class RaiseIn(BaseModel):
    severity: Literal["P1", "P2"] = Field(
        description="the case's new severity, higher than its own (P3 → P2 → P1; 409 otherwise)"
    )
    reason: Written = Field(
        min_length=1,
        max_length=5000,
        pattern=SOME_TEXT,
        examples=["央视记者来电核实"],
        description="why it is raised: kept in the case's timeline and told to the channels "
        "(control characters but tab and line breaks are left out)",
    )


class AssignIn(BaseModel):
    assignee: str = Field(
        min_length=1,
        max_length=200,
        pattern=SOME_TEXT,
        examples=["pr"],
        description="a user who works cases, by login or display name (400 otherwise)",
    )


class BoardItem(BaseModel):
    case: Case
    age_seconds: float = Field(description="time since the case was opened")
    due: Literal["acknowledge", "update"] | None = Field(
        description="what the SLA waits for: an open case's acknowledgement or an "
        "acknowledged case's update; null for a closed case or one without a deadline"
    )
    due_in_seconds: float | None = Field(description="time left before escalation; <0 overdue")


class Board(BaseModel):
    open: list[BoardItem] = Field(
        description="open and acknowledged cases, by severity then time left (or `sort`)"
    )
    recent: list[BoardItem] = Field(
        description="resolved and closed cases, newest opened first (or `sort`)"
    )


class CaseDetail(BaseModel):
    case: Case
    board: BoardItem
    events: list[CaseEvent]
    evidence: list[Mention]


class SeriesPoint(BaseModel):
    start: datetime
    label: str
    total: int
    negative: int
    neutral: int
    positive: int
    negative_share: float


class AlertMoment(BaseModel):
    at: datetime
    label: str = Field(description="the series bucket it falls in")
    case_id: str
    kind: str
    severity: str
    title: str


class Figures(BaseModel):
    """Volume, sentiment and spread of one brand (or all brands) over a window."""

    model_config = ANSWER

    brand: str | None
    since: datetime
    until: datetime
    interval_seconds: int
    mentions: int
    stories: int
    reach: int
    negative: int
    negative_share: float
    sentiment: dict[str, int]
    sources: dict[str, int]
    series: list[SeriesPoint]
    alert_moments: list[AlertMoment]
    spreaders: list[dict[str, Any]]
    terms: list[TermCount]
    brands: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="per brand: mentions, negative, negative_share"
    )


class CaseSummary(BaseModel):
    case: Case
    figures: Figures
    events: list[CaseEvent]
    evidence: list[Mention]


class Overview(BaseModel):
    model_config = ANSWER

    figures: Figures
    cases: list[Case]
    timeline: list[CaseEvent]
    complaints: dict[str, int] = Field(
        default_factory=dict,
        description="complaint-platform complaints (黑猫投诉) filed in the window, by the "
        "status the platform shows now (处理中 / 已回复 / 已完成 …)",
    )


class Terms(BaseModel):
    brand: str | None
    since: datetime = Field(description="the window, widened to whole 5-minute marks")
    until: datetime
    terms: list[TermCount] = Field(description="(word, number of posts), most first")


class DigestCounts(BaseModel):
    mentions: int
    negative: int
    stories: int


class DigestBrand(DigestCounts):
    negative_share: float = Field(description="negative / mentions (0 without mentions)")
    previous: DigestCounts = Field(description="the day before")
    negative_change: float | None = Field(
        description="relative change of negative against the day before (0.5 = +50%); null "
        "when the day before had none or was not fully collected"
    )
    open_cases: int = Field(description="the brand's cases still open at the day's end")


class DigestGaps(BaseModel):
    """Hour starts in which some source collected nothing."""

    day: list[datetime]
    previous: list[datetime]


class DigestCase(BaseModel):
    id: str
    brand: str
    severity: Severity
    status: CaseStatus
    title: str = Field(description="the case's headline")


class Digest(BaseModel):
    """Each brand's day (midnight to midnight in the configured timezone) against the
    day before: the figures of the scheduled digest."""

    since: datetime
    until: datetime
    brands: dict[str, DigestBrand] = Field(description="per brand, configured ones first")
    incomplete: DigestGaps
    open_cases: list[DigestCase] = Field(description="cases open at the day's end")
    no_data: bool = Field(
        description="true for a day before the store's first mention: its zeros say nothing "
        "was collected yet, not that nothing was said, and incomplete is empty (no hour is "
        "judged before the first data); false on every other day"
    )
    first_day: date | None = Field(
        description="with no_data: the first day (configured timezone) with data; null when "
        "nothing is stored yet, and on a day with data"
    )
    note: str = Field(
        description="with no_data: what the digest page says, in the API's English (There "
        "is no data for Jan 1, 2020: … The earliest day with data is …); empty on a day "
        "with data"
    )
