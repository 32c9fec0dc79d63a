"""The stored document shapes: Mention and Case (see ARCHITECTURE.md, "Contracts").

Defined once here; crawlers, alerts and the web layer all build and read these.
Every datetime is timezone-aware UTC. Validation errors (pydantic) name the field that
is wrong, e.g. ``published_at: Field required``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    WithJsonSchema,
    field_serializer,
    field_validator,
)


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Naive datetimes are taken as UTC; aware ones are converted to UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def z_time(at: datetime | str) -> str:
    """``at`` (a datetime, or ISO text with an offset) in UTC written with ``Z``, as every
    time of an API answer and a webhook body is."""
    moment = datetime.fromisoformat(at) if isinstance(at, str) else at
    return as_utc(moment).isoformat().replace("+00:00", "Z")


def _note_time(value: Any) -> Any:
    """A care note's ``at`` as every other time of an answer: UTC with ``Z`` (the stores
    keep notes as plain dicts and wrote ``+00:00``); an unreadable one is kept."""
    try:
        return z_time(value)
    except (TypeError, ValueError):
        return value


class SentimentLabel(StrEnum):
    negative = "negative"
    neutral = "neutral"
    positive = "positive"


class SourceKind(StrEnum):
    weibo = "weibo"
    forum = "forum"
    feed = "feed"
    tousu = "tousu"  # complaint platforms (黑猫投诉)
    bilibili = "bilibili"
    zhihu = "zhihu"
    demo = "demo"


class Severity(StrEnum):
    P1 = "P1"  # most severe
    P2 = "P2"
    P3 = "P3"


class CaseStatus(StrEnum):
    open = "open"
    acknowledged = "acknowledged"
    resolved = "resolved"
    closed = "closed"


class _Doc(BaseModel):
    # as an answer (the API's OpenAPI document) every field is always there, so every
    # field is required there: a field with a default read as optional, and a generated
    # client typed mention.brands, case.status … as "maybe unset"
    model_config = ConfigDict(
        extra="forbid", validate_assignment=False, json_schema_serialization_defaults_required=True
    )


# a follower or engagement count beyond this is a broken page, not an account (the
# largest are ~10**8); four of them still add up within a 64-bit integer (reach)
MAX_COUNT = 10**15
# characters kept of one mention's text and title: a long article is cut, not dropped
# (the crawl pipeline and `radar alerts replay` apply the same caps)
MAX_TEXT = 20_000
MAX_TITLE = 500


class Author(_Doc):
    id: str = ""
    name: str = ""
    followers: int = Field(default=0, ge=0, le=MAX_COUNT)
    verified: bool = False


class Engagement(_Doc):
    reposts: int = Field(default=0, ge=0, le=MAX_COUNT)
    comments: int = Field(default=0, ge=0, le=MAX_COUNT)
    likes: int = Field(default=0, ge=0, le=MAX_COUNT)

    @property
    def total(self) -> int:
        return self.reposts + self.comments + self.likes


class Sentiment(_Doc):
    score: float = Field(ge=0.0, le=1.0)  # probability of positive
    label: SentimentLabel


# the score a person's correction stands for: they are sure, so the ends and the middle
CORRECTED_SCORE = {
    SentimentLabel.negative: 0.0,
    SentimentLabel.neutral: 0.5,
    SentimentLabel.positive: 1.0,
}


class SentimentCorrection(_Doc):
    """Care or PR staff's verdict on the polarity toward one brand: it wins over the
    model's and is kept when the mention is crawled again."""

    label: SentimentLabel
    by: str
    at: datetime = Field(default_factory=utcnow)

    @field_validator("at")
    @classmethod
    def _utc(cls, v: datetime) -> datetime:
        return as_utc(v)


class BrandMatch(_Doc):
    brand: str
    keywords: list[str] = Field(default_factory=list)
    sentiment: Sentiment | None = None  # the model's polarity toward this brand
    correction: SentimentCorrection | None = None  # a person's; never overwritten by a crawl

    @property
    def effective_sentiment(self) -> Sentiment | None:
        """The correction, else the model's polarity toward this brand; None when there
        is neither (then the mention's document-level sentiment stands: see
        :meth:`Mention.sentiment_toward`)."""
        if self.correction is not None:
            label = self.correction.label
            return Sentiment(score=CORRECTED_SCORE[label], label=label)
        return self.sentiment


class Complaint(_Doc):
    """What a complaint platform (黑猫投诉) shows beside a complaint's text. ``status`` is
    the platform's handling state as it shows it (处理中 / 已回复 / 已完成 …); a re-crawl
    that finds another status is an update of the mention."""

    status: str = ""
    company: str = ""  # 投诉对象: whom the complaint is against
    issue: str = ""  # 投诉问题
    demands: str = ""  # 投诉要求 / 诉求
    amount: float | None = Field(default=None, ge=0)  # 涉诉金额 in yuan, when given


# a care note on a mention, as the stores keep it (a plain dict); its shape is described
# for the API's document, where notes were objects of anything
MentionNote = Annotated[
    dict[str, Any],
    WithJsonSchema(
        {
            "type": "object",
            "properties": {
                "by": {"type": "string", "description": "login (token:<name>: a token's)"},
                "at": {"type": "string", "format": "date-time"},
                "text": {"type": "string"},
            },
            "required": ["by", "at", "text"],
        }
    ),
]


class Mention(_Doc):
    """One post, comment or article. ``id`` is ``<source>:<native id>``."""

    id: str
    source: str
    source_kind: SourceKind = SourceKind.weibo
    native_id: str = ""
    kind: str = "post"  # post | comment | article | reply
    url: str = ""
    title: str = ""
    text: str
    author: Author = Field(default_factory=Author)
    published_at: datetime
    crawled_at: datetime = Field(default_factory=utcnow)
    engagement: Engagement = Field(default_factory=Engagement)
    brands: list[BrandMatch] = Field(default_factory=list)
    sentiment: Sentiment | None = None
    complaint_category: str | None = None
    risk_signals: list[str] = Field(default_factory=list)
    # dedupe: ``cluster_id`` is the id of the story's first mention (itself when original);
    # ``repost_of`` is set when this mention repeats another one (repost or near-copy).
    cluster_id: str | None = None
    repost_of: str | None = None
    simhash: Annotated[int, Field(json_schema_extra={"format": "uint64"})] | None = Field(
        default=None,
        description="64-bit SimHash of the text, an UNSIGNED integer (up to 2^64 - 1): "
        "read it as uint64 (or a big integer), not int64 or a JavaScript number",
    )
    parent_id: str | None = None  # the post a comment belongs to
    complaint: Complaint | None = None  # a complaint platform's record (kind "complaint")
    # care-staff handling state; never overwritten by a re-crawl
    handled: bool = False
    handled_by: str | None = None
    handled_at: datetime | None = None
    notes: list[MentionNote] = Field(default_factory=list)

    @field_validator("published_at", "crawled_at", "handled_at")
    @classmethod
    def _utc(cls, v: datetime | None) -> datetime | None:
        return None if v is None else as_utc(v)

    @field_serializer("notes")
    def _note_times(self, notes: list[dict[str, Any]]) -> list[MentionNote]:
        return [{**n, "at": _note_time(n["at"])} if "at" in n else n for n in notes]

    @field_validator("parent_id", "cluster_id", "repost_of")
    @classmethod
    def _blank_is_none(cls, v: str | None) -> str | None:
        """An empty link is no link: the engine reads "" as none (``or``), the stores as a
        comment or a copy (``is not None``); one reading for both."""
        return v if v else None

    @field_validator("id")
    @classmethod
    def _id_has_source(cls, v: str) -> str:
        if ":" not in v or v.startswith(":") or v.endswith(":"):
            raise ValueError("must look like '<source>:<native id>'")
        return v

    @property
    def brand_names(self) -> list[str]:
        return [b.brand for b in self.brands]

    def sentiment_toward(self, brand: str) -> Sentiment | None:
        """The effective sentiment toward ``brand``: a person's correction, else the
        model's polarity toward that brand, else the document-level sentiment (mentions
        stored before per-brand scoring have only that). None when the mention does not
        name ``brand`` or nothing is scored."""
        for match in self.brands:
            if match.brand == brand:
                return match.effective_sentiment or self.sentiment
        return None

    def brand_sentiment(self, brand: str) -> SentimentLabel | None:
        """The effective label toward ``brand`` (see :meth:`sentiment_toward`)."""
        found = self.sentiment_toward(brand)
        return None if found is None else found.label

    @property
    def brand_matches(self) -> dict[str, BrandMatch]:
        """Each distinct brand named -> its first match, in the order named: the first
        match of a brand named twice decides its label, score and correction."""
        first: dict[str, BrandMatch] = {}
        for match in self.brands:
            first.setdefault(match.brand, match)
        return first

    @property
    def brand_labels(self) -> dict[str, str]:
        """Each distinct brand named -> its effective label ("" when unscored), in the
        order named: what the stores index for brand and sentiment filters, facets and
        counts (see :attr:`brand_matches`)."""
        doc = self.sentiment.label.value if self.sentiment is not None else ""
        labels: dict[str, str] = {}
        for brand, match in self.brand_matches.items():
            if match.correction is not None:
                labels[brand] = match.correction.label.value
            elif match.sentiment is not None:
                labels[brand] = match.sentiment.label.value
            else:
                labels[brand] = doc
        return labels

    @property
    def sentiment_labels(self) -> list[str]:
        """The distinct effective labels of its brands (a mention without brands: its
        document label); ``sentiment:X`` without a brand filter finds the mention when X
        is one of them. Empty when nothing is scored."""
        if not self.brands:
            return [self.sentiment.label.value] if self.sentiment is not None else []
        return [label for label in dict.fromkeys(self.brand_labels.values()) if label]

    def corrected(
        self, brand: str, label: SentimentLabel | str | None, by: str, at: datetime | None = None
    ) -> Mention:
        """A copy with ``by``'s correction of the sentiment toward ``brand`` (None clears
        it, so the model's label stands again). Raises ValueError naming the problem when
        the mention does not name ``brand`` or ``label`` is not a sentiment label."""
        if brand not in self.brand_labels:
            named = ", ".join(self.brand_labels) or "no brand"
            raise ValueError(f"mention {self.id} does not name brand {brand!r} (it names {named})")
        correction = None
        if label is not None:
            try:
                value = SentimentLabel(label)
            except ValueError:
                raise ValueError(
                    f"sentiment label {label!r} must be negative, neutral or positive"
                ) from None
            correction = SentimentCorrection(label=value, by=by, at=at or utcnow())
        brands = [
            b.model_copy(update={"correction": correction}) if b.brand == brand else b
            for b in self.brands
        ]
        return self.model_copy(update={"brands": brands})

    @property
    def corrections(self) -> dict[str, SentimentCorrection]:
        """brand -> the correction of the sentiment toward it, for the brands corrected."""
        found: dict[str, SentimentCorrection] = {}
        for b in self.brands:
            if b.correction is not None:
                found.setdefault(b.brand, b.correction)
        return found

    def keeping_corrections(self, kept: dict[str, SentimentCorrection]) -> Mention:
        """This (re-crawled) mention with the stored corrections ``kept`` (brand ->
        correction) for the brands it still names, and no others: a brand new to this
        crawl starts uncorrected."""
        if not kept and not any(b.correction is not None for b in self.brands):
            return self
        brands = [b.model_copy(update={"correction": kept.get(b.brand)}) for b in self.brands]
        return self.model_copy(update={"brands": brands})

    @property
    def reach(self) -> int:
        """Rough audience: author followers plus engagement."""
        return self.author.followers + self.engagement.total


# what the API's document says of a case event's kind and of the engine's free-form records
EVENT_KINDS = (
    "what happened: alerted (a rule opened the case), opened (opened by hand from a post), "
    "updated, raised (a person raised the severity: data.severity, data.from, data.reason), "
    "escalated, reminder, notified (a message was sent), acknowledged, assigned, "
    "note, evidence (a post attached), resolution_proposed, resolved, closed, reopened; "
    "a later version may add kinds"
)
ENGINE_RECORD = (
    "the alert engine's own record (rules, figures, peaks), shown on the case page; its "
    "keys may change between versions (its times are UTC with Z, as the answer's own)"
)


EVENT_DATA = (
    ENGINE_RECORD + "; `line`, when there is one, is what the event says, in English (`text` "
    "says it in the team's language, as the channels were told)"
)


class CaseEvent(_Doc):
    """One entry of a case's append-only timeline."""

    case_id: str
    seq: int = 0  # assigned by the store, 1-based, strictly increasing per case
    at: datetime = Field(default_factory=utcnow)
    kind: str = Field(description=EVENT_KINDS)
    actor: str = "system"
    text: str = ""
    data: dict[str, Any] = Field(default_factory=dict, description=EVENT_DATA)

    @field_validator("at")
    @classmethod
    def _utc(cls, v: datetime) -> datetime:
        return as_utc(v)


class Case(_Doc):
    """A crisis case for one brand."""

    id: str
    brand: str
    rule: str  # the rule that opened it (negative_surge, high_reach, risk_signal, source_health)
    severity: Severity = Severity.P3
    status: CaseStatus = CaseStatus.open
    title: str = ""
    opened_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    assignee: str | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    # figures that fired the rule
    trigger: dict[str, Any] = Field(default_factory=dict, description=ENGINE_RECORD)
    evidence: list[str] = Field(default_factory=list)  # mention ids, most important first
    escalation_level: int = 0
    ack_due_at: datetime | None = None  # SLA: acknowledge before this or escalate
    update_due_at: datetime | None = None  # SLA: next daily update
    slack: dict[str, Any] = Field(default_factory=dict)  # channel, ts of the case message

    @field_validator(
        "opened_at",
        "updated_at",
        "acknowledged_at",
        "resolved_at",
        "closed_at",
        "ack_due_at",
        "update_due_at",
    )
    @classmethod
    def _utc(cls, v: datetime | None) -> datetime | None:
        return None if v is None else as_utc(v)
