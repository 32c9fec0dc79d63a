"""A mention as an Elasticsearch document and back: the stored ``_source`` is the
mention's JSON plus derived fields (``maps.DERIVED_MENTION_FIELDS``: brand keys, folded
text, story, reach, simhash bands, the effective sentiment toward each brand) and the
change-feed fields (``maps.FEED_FIELDS``), which are dropped when it is read back.
Also the date parsing of the small documents.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from index import es_mappings as maps
from index.es_query import brand_label
from index.models import Mention, as_utc
from index.text import fold_chinese, has_traditional


def simhash_bands(simhash: int) -> list[int]:
    """The four 16-bit bands of a 64-bit simhash, lowest first. Two hashes within 3 bits
    share at least one band (pigeonhole), so a terms query on the bands finds every
    candidate and the exact Hamming distance is checked on the client."""
    return [(simhash >> (16 * i)) & 0xFFFF for i in range(maps.SIMHASH_BANDS)]


def _mention_doc(mention: Mention) -> dict[str, Any]:
    doc = mention.model_dump(mode="json", warnings=False)
    doc["simhash"] = None if mention.simhash is None else str(mention.simhash)
    doc["brand_names"] = mention.brand_names
    doc["sentiment_label"] = mention.sentiment.label.value if mention.sentiment else ""
    doc.update(_sentiment_fields(mention))
    doc["brand_keys"] = [fold_chinese(b) for b in mention.brand_names]
    doc["folded_title"] = fold_chinese(mention.title) if has_traditional(mention.title) else None
    doc["folded_text"] = fold_chinese(mention.text) if has_traditional(mention.text) else None
    doc["story"] = mention.cluster_id or mention.id
    doc["author_key"] = mention.author.id or mention.author.name
    doc["reach"] = mention.reach
    doc["engagement_total"] = mention.engagement.total
    bands = simhash_bands(mention.simhash) if mention.simhash is not None else [None] * 4
    doc.update(zip(maps.BAND_FIELDS, bands, strict=True))
    return doc


def _sentiment_fields(mention: Mention) -> dict[str, Any]:
    """The derived fields of the effective sentiment toward each brand (a correction
    wins over the model's label toward the brand, which wins over the document's)."""
    labels = mention.brand_labels
    return {
        "brand_sentiment": [brand_label(b, label) for b, label in labels.items()],
        "brand_sentiment_keys": [
            brand_label(fold_chinese(b), label) for b, label in labels.items()
        ],
        "sentiment_labels": mention.sentiment_labels or [""],
    }


_NOT_STORED = maps.DERIVED_MENTION_FIELDS | maps.FEED_FIELDS


def _mention_from_source(source: dict[str, Any]) -> Mention:
    data = {k: v for k, v in source.items() if k not in _NOT_STORED}
    if data.get("simhash") is not None:
        data["simhash"] = int(data["simhash"])
    return Mention.model_validate(data)


def _parse_dt(value: str | None) -> datetime | None:
    return None if not value else as_utc(datetime.fromisoformat(value))
