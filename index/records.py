"""A Mention as one flat spreadsheet row: the columns of the care team's CSV export
(radar/web/search.py) and of ``scrapy crawl … -o mentions.csv`` (crawlers/exporters.py).

Crawled text is untrusted: a cell that a spreadsheet program would run as a formula
(``=HYPERLINK(…)``, ``+``, ``-``, ``@``, …) is prefixed with an apostrophe."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from index.models import Mention

CSV_COLUMNS = (
    "id", "published_at", "source", "brands", "author", "author_followers", "verified",
    "sentiment", "sentiment_score", "sentiment_toward_brands", "complaint_category",
    "risk_signals", "reach",
    "reposts", "comments", "likes", "handled", "handled_by", "url", "title", "text",
)  # fmt: skip
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """Text that a spreadsheet would run as a formula is prefixed with an apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_row(m: Mention, when: Callable[[datetime], str]) -> list[object]:
    """The mention's cells in :data:`CSV_COLUMNS` order; ``when`` formats its time."""
    row = [
        m.id, when(m.published_at), m.source, " ".join(m.brand_names),
        m.author.name, m.author.followers, m.author.verified,
        m.sentiment.label if m.sentiment else "",
        round(m.sentiment.score, 3) if m.sentiment else "",
        brand_sentiment_cell(m, when),
        m.complaint_category or "", " ".join(m.risk_signals), m.reach,
        m.engagement.reposts, m.engagement.comments, m.engagement.likes,
        m.handled, m.handled_by or "", m.url, m.title, m.text,
    ]  # fmt: skip
    return [csv_cell(v) for v in row]


def brand_sentiment_cell(
    m: Mention,
    when: Callable[[datetime], str],
    names: Mapping[str, str] | None = None,
    corrected: str = "corrected by %(name)s %(at)s",
    joiner: str = "; ",
    person: Callable[[str], str] = str,
) -> str:
    """The sentiment toward each brand named, a person's correction first:
    ``极光汽车:negative; 清泉乳业:neutral (corrected by care 2026-11-23 10:00:00)``.
    ``names`` maps the stored labels to what people read and ``person`` a login to the
    name people know (the web page's export)."""
    names = names or {}
    labels = m.brand_labels
    parts = []
    for brand, match in m.brand_matches.items():
        label = labels[brand]
        part = f"{brand}:{names.get(label, label or 'unscored')}"
        correction = match.correction
        if correction is not None:
            who = person(correction.by)
            part += f" ({corrected % {'name': who, 'at': when(correction.at)}})"
        parts.append(part)
    return joiner.join(parts)
