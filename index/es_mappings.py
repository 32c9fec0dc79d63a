"""Elasticsearch index names, settings and explicit mappings for ``index/elastic/``.

Mentions live in monthly indices ``<prefix>-mentions-YYYY.MM`` created from one index
template that also puts them behind the read alias ``<prefix>-mentions``; dropping an
old month is deleting one index. Cases, events, cursors, source health, crawl runs and
the outbox each have one small index.

Chinese text uses only built-in analysis (no IK/smartcn plugin): the ``standard``
tokenizer emits every CJK ideograph as its own token, and every word of the search box
is sent as a phrase query, so 漏油 matches the two adjacent characters 漏油 and never
油…漏. ``cjk_width`` folds full-width Latin/digits (ＡＢＣ → ABC) before lowercasing.

``dynamic: false`` keeps the mappings explicit (nothing is indexed that is not listed
here) while a field added to the models later is still stored and returned from
``_source`` instead of rejecting every write; ``tests/index/test_elastic_specific.py``
checks that every model field is mapped.

Mapping changes: ``MENTION_MAPPING_VERSION`` is kept in each monthly index's mapping
``_meta``. On its first call a store puts the current properties on every older mention
index (adding fields is allowed on a live index) and rewrites the derived fields of the
documents they hold, then records the version (``elastic.ElasticStore._upgrade_mentions``).
Version 2: sentiment toward each brand (``brands.sentiment``, ``brands.correction``,
``brand_sentiment``, ``sentiment_labels``). Version 3: the change feed (``change_seq``,
``change_what``; the documents of an older index get sequence numbers in the upgrade).
Version 4: traditional Chinese folded to simplified (``folded_title``/``folded_text``,
set only for a document that holds traditional characters; ``brand_keys``,
``brand_sentiment_keys``): the search box and the brand filters read those, folded the
same way (index/text.py ``fold_chinese``), so 刹车失灵 finds 剎車失靈. Derived fields,
not an analyzer's char filter, because an analyzer of an existing index cannot change.
Version 5: no new field; the upgrade repairs the story links (``repost_of``,
``cluster_id``, ``story``) text linking gave stored comments and the posts linked to
them before comments were left out of it (``elastic.ElasticStore._unlink_comment_stories``).
"""

from __future__ import annotations

from typing import Any

TEXT_ANALYZER = "radar_text"

ANALYSIS: dict[str, Any] = {
    "analyzer": {
        TEXT_ANALYZER: {
            "type": "custom",
            "tokenizer": "standard",
            "filter": ["cjk_width", "lowercase"],
        }
    }
}

MENTION_MAPPING_VERSION = 5

_KEYWORD = {"type": "keyword", "ignore_above": 1024}
_STORED_ONLY = {"type": "object", "enabled": False}  # kept in _source, not indexed
_TEXT = {"type": "text", "analyzer": TEXT_ANALYZER}
_DATE = {"type": "date"}
_LONG = {"type": "long"}

# simhash is an unsigned 64-bit number, out of range for ``long``: it is kept as a
# decimal string, and its four 16-bit bands are indexed for near-duplicate lookups.
SIMHASH_BANDS = 4
BAND_FIELDS = tuple(f"simhash_b{i}" for i in range(SIMHASH_BANDS))

MENTION_PROPERTIES: dict[str, Any] = {
    "id": _KEYWORD,
    "source": _KEYWORD,
    "source_kind": _KEYWORD,
    "native_id": _KEYWORD,
    "kind": _KEYWORD,
    "url": {"type": "keyword", "index": False, "doc_values": False},
    "title": _TEXT,
    "text": _TEXT,
    "author": {
        "properties": {
            "id": _KEYWORD,
            "name": _KEYWORD,
            "followers": _LONG,
            "verified": {"type": "boolean"},
        }
    },
    "published_at": _DATE,
    "crawled_at": _DATE,
    "engagement": {"properties": {"reposts": _LONG, "comments": _LONG, "likes": _LONG}},
    "brands": {
        "properties": {
            "brand": _KEYWORD,
            "keywords": _KEYWORD,
            "sentiment": {"properties": {"score": {"type": "float"}, "label": _KEYWORD}},
            "correction": {"properties": {"label": _KEYWORD, "by": _KEYWORD, "at": _DATE}},
        }
    },
    "sentiment": {"properties": {"score": {"type": "float"}, "label": _KEYWORD}},
    "complaint_category": _KEYWORD,
    # a complaint platform's record (黑猫投诉): its status and company can be filtered on
    "complaint": {
        "properties": {
            "status": _KEYWORD,
            "company": _KEYWORD,
            "issue": _TEXT,
            "demands": _TEXT,
            "amount": {"type": "double"},
        }
    },
    "risk_signals": _KEYWORD,
    "cluster_id": _KEYWORD,
    "repost_of": _KEYWORD,
    "simhash": {"type": "keyword", "index": False, "doc_values": False},
    "parent_id": _KEYWORD,
    "handled": {"type": "boolean"},
    "handled_by": _KEYWORD,
    "handled_at": _DATE,
    "notes": _STORED_ONLY,
    # derived at write time (see elastic._mention_doc), never returned to callers
    "brand_names": _KEYWORD,
    "sentiment_label": _KEYWORD,  # the document's; "" when unscored, so it can be counted
    # "<brand>\0<effective label toward it>" per brand ("" label when unscored): the
    # brand+sentiment filter, the facet of one brand, buckets and top authors per brand
    "brand_sentiment": _KEYWORD,
    # the brand names and brand_sentiment values folded to simplified: the brand filters
    "brand_keys": _KEYWORD,
    "brand_sentiment_keys": _KEYWORD,
    # title and text folded to simplified, only when that changes them (else null)
    "folded_title": _TEXT,
    "folded_text": _TEXT,
    # the distinct effective labels toward its brands (no brands: the document's):
    # sentiment:X without a brand, and the sentiment facet
    "sentiment_labels": _KEYWORD,
    "story": _KEYWORD,  # cluster_id, or the mention's own id
    "author_key": _KEYWORD,  # author id, else name: who top_authors groups by
    "reach": _LONG,  # author followers + engagement
    "engagement_total": _LONG,
    **{band: {"type": "integer"} for band in BAND_FIELDS},
    # the change feed (elastic.ElasticStore.changes_since): the sequence number of the
    # mention's last material write, and what that write changed (index/changes.py)
    "change_seq": _LONG,
    "change_what": {"type": "keyword", "index": False},
}

DERIVED_MENTION_FIELDS = frozenset(
    {
        "brand_names",
        "sentiment_label",
        "brand_sentiment",
        "brand_keys",
        "brand_sentiment_keys",
        "folded_title",
        "folded_text",
        "sentiment_labels",
        "story",
        "author_key",
        "reach",
        "engagement_total",
    }
    | set(BAND_FIELDS)
)
FEED_FIELDS = frozenset({"change_seq", "change_what"})

CASE_PROPERTIES: dict[str, Any] = {
    "id": _KEYWORD,
    "brand": _KEYWORD,
    "rule": _KEYWORD,
    "severity": _KEYWORD,
    "status": _KEYWORD,
    "title": _TEXT,
    "opened_at": _DATE,
    "updated_at": _DATE,
    "acknowledged_at": _DATE,
    "acknowledged_by": _KEYWORD,
    "assignee": _KEYWORD,
    "resolved_at": _DATE,
    "closed_at": _DATE,
    "trigger": _STORED_ONLY,
    "evidence": _KEYWORD,
    "escalation_level": {"type": "integer"},
    "ack_due_at": _DATE,
    "update_due_at": _DATE,
    "slack": _STORED_ONLY,
}

CASE_EVENT_PROPERTIES: dict[str, Any] = {
    "case_id": _KEYWORD,
    "seq": {"type": "integer"},
    "at": _DATE,
    "kind": _KEYWORD,
    "actor": _KEYWORD,
    "text": _TEXT,
    "data": _STORED_ONLY,
}

CURSOR_PROPERTIES: dict[str, Any] = {
    "source": _KEYWORD,
    "cursor": _STORED_ONLY,
    "updated_at": _DATE,
}

SOURCE_HEALTH_PROPERTIES: dict[str, Any] = {
    "source": _KEYWORD,
    "state": _KEYWORD,
    "reason": _KEYWORD,
    "since": _DATE,
    "paused_until": _DATE,
    "detail": _STORED_ONLY,
}

CRAWL_RUN_PROPERTIES: dict[str, Any] = {
    "source": _KEYWORD,
    "recorded_at": _DATE,
    "order": _LONG,  # nanoseconds at recording, for a stable newest-first order
    "stats": _STORED_ONLY,
}

# one document, "mentions": the next sequence number to hand out and the blocks handed
# out whose writes may not be readable yet (first seq -> lease expiry)
FEED_PROPERTIES: dict[str, Any] = {
    "next": _LONG,
    "open": _STORED_ONLY,
    "updated_at": _DATE,
}

NOTIFICATION_PROPERTIES: dict[str, Any] = {
    "key": _KEYWORD,
    "channel": _KEYWORD,
    "payload": _STORED_ONLY,
    "case_id": _KEYWORD,
    "created_at": _DATE,
    "attempts": {"type": "integer"},
    "next_attempt_at": _DATE,
    "delivered_at": _DATE,
    "last_error": {"type": "keyword", "index": False, "doc_values": False},
    "result": _STORED_ONLY,
    "order": _LONG,
}

# short name -> properties of the small, non time-based indices
SMALL_INDICES: dict[str, dict[str, Any]] = {
    "cases": CASE_PROPERTIES,
    "case-events": CASE_EVENT_PROPERTIES,
    "cursors": CURSOR_PROPERTIES,
    "source-health": SOURCE_HEALTH_PROPERTIES,
    "crawl-runs": CRAWL_RUN_PROPERTIES,
    "outbox": NOTIFICATION_PROPERTIES,
    "feed": FEED_PROPERTIES,
}


def mappings(properties: dict[str, Any], version: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"dynamic": False, "properties": properties}
    if version is not None:
        body["_meta"] = {"radar_mapping_version": version}
    return body


def index_settings(
    shards: int | None, replicas: int | None, refresh_interval: str
) -> dict[str, Any]:
    """Settings for every radar index. ``refresh_interval`` is set explicitly so shards
    never go search-idle (an idle shard would delay ``refresh=wait_for`` writes)."""
    settings: dict[str, Any] = {"refresh_interval": refresh_interval, "analysis": ANALYSIS}
    if shards is not None:
        settings["number_of_shards"] = shards
    if replicas is not None:
        settings["number_of_replicas"] = replicas
    return settings


def mentions_template(
    prefix: str, shards: int | None, replicas: int | None, refresh_interval: str
) -> dict[str, Any]:
    """Body of the composable index template for ``<prefix>-mentions-*``."""
    return {
        "index_patterns": [f"{prefix}-mentions-*"],
        "priority": 200,
        "template": {
            "settings": index_settings(shards, replicas, refresh_interval),
            "mappings": mappings(MENTION_PROPERTIES, MENTION_MAPPING_VERSION),
            "aliases": {f"{prefix}-mentions": {}},
        },
        "_meta": {"managed_by": "opinion-radar"},
    }
