"""The change feed: what counts as a material change of a mention, in both backends.

Every insert and every material update of a mention gets a new, larger sequence number
in its Store; ``Store.changes_since(cursor)`` returns the mentions changed after
``cursor`` in that order, each once with its latest state. What is material is decided
here, once for both backends, by comparing the mention's JSON as written with the one
stored: everything but when it was crawled and the care-staff handling (handled, notes),
which a re-crawl keeps and which nothing downstream reacts to. A person's sentiment
correction is material ("correction"), a note or "mark handled" is not.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from index.models import Mention

NEW = "new"  # inserted: every field is news
ENGAGEMENT = "engagement"  # reposts, comments or likes changed (a re-crawl's counts)
SENTIMENT = "sentiment"  # the model's sentiment (document or toward a brand) changed
CORRECTION = "correction"  # a person corrected (or cleared) the sentiment toward a brand
BRANDS = "brands"  # a brand added or dropped
TEXT = "text"  # title or text changed
OTHER = "other"  # anything else: time, author, story links, category, signals
WHAT = (NEW, ENGAGEMENT, SENTIMENT, CORRECTION, BRANDS, TEXT, OTHER)
_BIT = {name: 1 << i for i, name in enumerate(WHAT)}

# kept by the store across a re-crawl, or merely when it was seen: never a change
IGNORED = frozenset({"crawled_at", "handled", "handled_by", "handled_at", "notes"})
_FIELD_WHAT = {"engagement": ENGAGEMENT, "sentiment": SENTIMENT, "title": TEXT, "text": TEXT}


@dataclass(frozen=True)
class Change:
    """One entry of the change feed: the mention as stored now (a mention changed twice
    since the cursor appears once, at its latest ``seq``) and what its last write
    changed."""

    seq: int
    mention: Mention
    what: frozenset[str]

    @property
    def is_new(self) -> bool:
        return NEW in self.what


def _brands(doc: dict[str, Any]) -> tuple[list[Any], list[Any], list[Any]]:
    """Brand names, the keywords that matched each, and the model's sentiment toward
    each (corrections are kept by the store, so a re-crawl never changes them; a
    document stored before schema 5 lacks the null ``sentiment`` key a new one has)."""
    names, keywords, sentiments = [], [], []
    for match in doc.get("brands") or ():
        names.append(match.get("brand"))
        keywords.append(match.get("keywords"))
        sentiments.append(match.get("sentiment"))
    return names, keywords, sentiments


def changed_fields(new: dict[str, Any], old: dict[str, Any]) -> frozenset[str]:
    """What a re-crawled mention (``new``, as JSON) changes over the stored one (``old``):
    empty when nothing material differs. Corrections are not compared: a re-crawl keeps
    the stored ones (``Store.correct_sentiment`` reports its own CORRECTION)."""
    found: set[str] = set()
    for key in new.keys() | old.keys():
        if key in IGNORED or key == "brands" or new.get(key) == old.get(key):
            continue
        found.add(_FIELD_WHAT.get(key, OTHER))
    new_names, new_keywords, new_sentiments = _brands(new)
    old_names, old_keywords, old_sentiments = _brands(old)
    if new_names != old_names:
        found.add(BRANDS)
    else:
        if new_sentiments != old_sentiments:
            found.add(SENTIMENT)
        if new_keywords != old_keywords:
            found.add(OTHER)
    return frozenset(found)


def what_bits(what: Iterable[str]) -> int:
    """``what`` as the integer a backend stores (one bit per kind of change)."""
    return sum(_BIT[w] for w in set(what))


def what_of(bits: int) -> frozenset[str]:
    return frozenset(name for name, bit in _BIT.items() if bits & bit)
