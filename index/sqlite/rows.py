"""What one Mention becomes in the SQLite tables: the column values of its rows, its
FTS row (text, title and one tag per filter value, as each schema version indexed
them, so an update deletes exactly what was indexed), the time key that is its rowid,
and the conversions of times. Module-level functions, shared by bulk ingest
(mentions.py), the schema upgrades (base.py) and search (search.py).
"""

from __future__ import annotations

import functools
import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from index.models import Mention
from index.query import BRAND_SENTIMENT
from index.text import fold_chinese, fts_text, index_text

_SEP = "\x1f"  # between brand names in mentions.brands


def to_us(value: datetime) -> int:
    """Microseconds since the epoch (naive datetimes are UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    delta = value - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_us(value: int | None) -> datetime | None:
    if value is None:
        return None
    return datetime.fromtimestamp(value // 1_000_000, UTC).replace(microsecond=value % 1_000_000)


def signed64(value: int) -> int:
    value &= (1 << 64) - 1
    return value - (1 << 64) if value >= 1 << 63 else value


_BAND_TOKENS = "h0{:04x} h1{:04x} h2{:04x} h3{:04x}".format


def band_tokens(value: int) -> str:
    """The four 16-bit simhash bands as FTS tokens, as schema 3 indexed them (needed to
    delete those entries again when such a mention is updated)."""
    value &= (1 << 64) - 1
    return _BAND_TOKENS(value & 0xFFFF, (value >> 16) & 0xFFFF, (value >> 32) & 0xFFFF, value >> 48)


@functools.lru_cache(maxsize=65_536)
def tag(field: str, value: str) -> str:
    """The FTS token for one filter value: letters and digits only, so any brand or
    author name (spaces, punctuation, CJK) becomes one exact-match token."""
    digest = hashlib.blake2b(f"{field}\0{value}".encode(), digest_size=8).hexdigest()
    return "x" + digest


@functools.lru_cache(maxsize=4096)
def _filter_tags(
    source: str,
    kind: str,
    brands: tuple[str, ...],
    labels: tuple[str, ...],
    category: str,
    signals: tuple[str, ...],
) -> str:
    """``labels``: the effective sentiment toward each of ``brands`` ("" unscored), or
    the document's one label for a mention without brands."""
    tags = [tag("source", source), tag("kind", kind)]
    tags += [tag("brand", b) for b in brands]
    # sentiment:X without a brand: X toward any brand (a mention without brands: its own)
    tags += [tag("sentiment", label) for label in dict.fromkeys(labels) if label]
    # brand AND sentiment is the most common pair of filters: one posting list for it,
    # and the one way to ask for the sentiment toward that brand
    tags += [
        tag(BRAND_SENTIMENT, f"{b}\0{label}")
        for b, label in zip(brands, labels, strict=False)
        if label
    ]
    if category:
        tags.append(tag("category", category))
    tags += [tag("signal", s) for s in signals]
    return " ".join(tags)


@functools.lru_cache(maxsize=65_536)
def _author_tags(author_id: str, name: str) -> str:
    return " ".join(tag("author", v) for v in dict.fromkeys((author_id, name)) if v)


def mention_tags(m: Mention, labels: dict[str, str] | None = None, fold: bool = True) -> str:
    """The ``tags`` column: one token per filter value the mention can be found by.
    ``labels``: ``m.brand_labels`` when the caller has them already. ``fold``: brand
    names folded to simplified (schema 7; False: as schema 6 and older indexed them)."""
    if labels is None:
        labels = m.brand_labels
    # every match, as schema 4 indexed them (a brand named twice: its tokens twice), so
    # the entries of a mention it stored are deleted exactly
    names = tuple([b.brand for b in m.brands])
    if names:
        values = tuple([labels[name] for name in names])
    else:
        values = (m.sentiment.label.value if m.sentiment is not None else "",)
    return _filter_tags(
        m.source,
        m.kind,
        tuple([fold_chinese(n) for n in names]) if fold else names,
        values,
        m.complaint_category or "",
        tuple(m.risk_signals),
    )


def fts_row(
    m: Mention, labels: dict[str, str] | None = None, fold: bool = True
) -> tuple[str, str, str]:
    """What the FTS index holds for ``m`` (schema 4 and later; ``fold``: as schema 7
    does, traditional characters folded to simplified)."""
    f = fold_chinese if fold else str
    title = fts_text(f(m.title)) if m.title else ""
    return title, fts_text(f(m.text)), mention_tags(m, labels, fold)


def sentiment_column(m: Mention, labels: dict[str, str]) -> str:
    """``mentions.sentiment``: one label when every brand has it (and for a mention
    without brands: its document label), else the label toward each brand of
    ``mentions.brands``, joined the same way. Schema 4 stored the document label, which
    is what every brand of such a mention has."""
    if not labels:
        return m.sentiment.label.value if m.sentiment is not None else ""
    values = list(labels.values())
    first = values[0]
    if all(v == first for v in values):
        return first
    return _SEP.join(values)


def labels_of(sentiment: str, brand_list: str) -> dict[str, str]:
    """brand -> label from the ``sentiment`` and ``brands`` columns of a mentions row."""
    names = brand_list.split(_SEP) if brand_list else []
    if _SEP in sentiment:
        return dict(zip(names, sentiment.split(_SEP), strict=False))
    return dict.fromkeys(names, sentiment)


def legacy_fts_row(m: Mention, bands: bool, fold: bool = True) -> tuple[str, str, str]:
    """What a store before schema 4 indexed for ``m``: author tokens, and with ``bands``
    (schema 3) the simhash band tokens; ``fold``: as the schema-7 upgrade re-indexed it."""
    tags = f"{mention_tags(m, fold=fold)} {_author_tags(m.author.id, m.author.name)}"
    if bands and m.simhash is not None:
        tags += " " + band_tokens(m.simhash)
    f = fold_chinese if fold else str
    return index_text(f(m.title)) if m.title else "", index_text(f(m.text)), tags


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_to_json = Mention.__pydantic_serializer__.to_json


def time_key(published_us: int) -> int:
    """First rowid of the millisecond a mention was published in: mentions and the FTS
    index are ordered by time, so a time window is a rowid range (FTS5 seeks to it) and
    "newest first" is the index order."""
    return (published_us // 1000) * 1000


def extract(m: Mention) -> tuple[Any, ...]:
    """Everything one mention contributes to the tables (the hot path of bulk ingest,
    kept flat on purpose). Raises on a malformed mention before anything is written."""
    published = (m.published_at - _EPOCH) // _MICROSECOND
    labels = m.brand_labels  # brand -> effective label, each brand once
    names = list(labels)
    author = m.author
    engagement = m.engagement
    total = engagement.reposts + engagement.comments + engagement.likes
    columns = (
        m.source,
        published,
        sentiment_column(m, labels),
        _SEP.join(names),
        author.id or author.name,
        author.name,
        author.followers,
        int(author.verified),
        total,
        int(m.handled),
        int(m.repost_of is not None),
        None if m.simhash is None else signed64(m.simhash),
    )
    return (
        columns,
        _to_json(m),  # UTF-8 JSON, stored as is (readers parse str or bytes alike)
        fts_row(m, labels),
        labels,
        m.cluster_id or m.id,
        author.followers + total,
        int(m.parent_id is not None),
    )
