"""The search box and request filters as Elasticsearch query DSL, and highlighting.

Every word or phrase of the search box (``index/query.py``) becomes a phrase query on
title and text: with one token per CJK character (``es_mappings.TEXT_ANALYZER``), 漏油
matches exactly where 漏 is followed by 油, like the SQLite backend's FTS5 phrases.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from index.base import SearchRequest
from index.models import as_utc
from index.query import BRAND_SENTIMENT, And, Filter, Node, Not, Or, Phrase, Term
from index.text import fold_chinese

# search-box filter -> indexed field(s)
FILTER_FIELDS: dict[str, tuple[str, ...]] = {
    "brand": ("brand_keys",),  # folded to simplified, as the value is
    "sentiment": ("sentiment_labels",),  # toward any brand; paired with a brand: below
    BRAND_SENTIMENT: ("brand_sentiment_keys",),
    "source": ("source",),
    "author": ("author.name", "author.id"),
    "category": ("complaint_category",),
    "signal": ("risk_signals",),
    "kind": ("kind",),
}
FACETS = {"sentiment": "sentiment_labels", "source": "source", "brand": "brand_names"}
LABELS = ("negative", "neutral", "positive")
HIGHLIGHT_CHARS = 160


def es_date(value: datetime | None) -> str | None:
    """A datetime as Elasticsearch reads it: ISO 8601 in UTC."""
    return None if value is None else as_utc(value).isoformat()


# -- query tree -> Elasticsearch query DSL ------------------------------------------------


# a document's own fields, and their folded copies where it holds traditional characters
TEXT_FIELDS = ["title^2", "text", "folded_title^2", "folded_text"]
FOLDED_FILTERS = frozenset({"brand", BRAND_SENTIMENT})


def text_query(text: str) -> dict[str, Any]:
    """A word or phrase of the search box (folded to simplified): adjacent tokens in the
    title or the text."""
    query = fold_chinese(text)
    return {"multi_match": {"query": query, "type": "phrase", "fields": TEXT_FIELDS}}


def filter_query(field: str, value: str) -> dict[str, Any]:
    if field in FOLDED_FILTERS:
        value = fold_chinese(value)
    fields = FILTER_FIELDS[field]
    if len(fields) == 1:
        return {"term": {fields[0]: value}}
    return {"bool": {"should": [{"term": {f: value}} for f in fields], "minimum_should_match": 1}}


def node_query(node: Node) -> dict[str, Any]:
    if isinstance(node, Term | Phrase):
        return text_query(node.text)
    if isinstance(node, Filter):
        return filter_query(node.field, node.value)
    if isinstance(node, Not):
        return {"bool": {"must_not": [node_query(node.node)]}}
    if isinstance(node, And):
        return {"bool": {"must": [node_query(n) for n in node.nodes]}}
    if isinstance(node, Or):
        return {"bool": {"should": [node_query(n) for n in node.nodes], "minimum_should_match": 1}}
    raise TypeError(f"unknown query node {node!r}")


def brand_label(brand: str, label: str) -> str:
    """A ``brand_sentiment`` value."""
    return f"{brand}\0{label}"


def request_filters(request: SearchRequest) -> list[dict[str, Any]]:
    """The request's own filters but brand and sentiment (those go into the query tree,
    paired: ``index.query.with_filters``)."""
    filters: list[dict[str, Any]] = []
    for name in ("source", "author"):
        value = getattr(request, name)
        if value:
            filters.append(filter_query(name, str(value)))
    if request.since or request.until:
        bounds: dict[str, Any] = {}
        if request.since:
            bounds["gte"] = es_date(request.since)
        if request.until:
            bounds["lt"] = es_date(request.until)
        filters.append({"range": {"published_at": bounds}})
    if request.handled is not None:
        filters.append({"term": {"handled": request.handled}})
    if not request.include_reposts:
        filters.append({"bool": {"must_not": [{"exists": {"field": "repost_of"}}]}})
    if not request.include_comments:
        filters.append({"bool": {"must_not": [{"exists": {"field": "parent_id"}}]}})
    return filters


def highlight_body(terms: list[str]) -> dict[str, Any]:
    """Matches wrapped in <mark>, everything else HTML-escaped by the server (encoder
    html); without words to mark, the beginning of the text (escaped) is the snippet."""
    body: dict[str, Any] = {
        "encoder": "html",
        "pre_tags": ["<mark>"],
        "post_tags": ["</mark>"],
        "require_field_match": False,
        "fields": {
            "text": {
                "number_of_fragments": 1,
                "fragment_size": HIGHLIGHT_CHARS,
                "no_match_size": HIGHLIGHT_CHARS,
            },
            "title": {"number_of_fragments": 0},  # the whole title, only when it matches
        },
    }
    if terms:
        body["highlight_query"] = {
            "bool": {"should": [text_query(t) for t in terms], "minimum_should_match": 1}
        }
    else:
        body["highlight_query"] = {"match_none": {}}
    return body


def snippet(highlight: dict[str, list[str]]) -> str:
    """The text's fragment, or the title's when only the title matched (as on SQLite)."""
    text = join_marks((highlight.get("text") or [""])[0])
    title = join_marks((highlight.get("title") or [""])[0])
    return title if "<mark>" not in text and "<mark>" in title else text


def join_marks(snippet: str) -> str:
    """The per-character CJK tokens of a phrase come back as <mark>漏</mark><mark>油</mark>;
    one <mark> per match reads better."""
    return snippet.replace("</mark><mark>", "")
