"""The text side of target-level (per-brand) polarity: pure functions shared by training
and scoring (:meth:`sentiment.model.SentimentModel.target_scores`).

A public-opinion team asks "is this text negative FOR BRAND X?", not "is the author in a
bad mood?". For a text and the surface terms naming the target (brand name, aliases,
keywords that matched) and other companies matched in the same text:

1. :func:`target_text` normalises the text like :func:`sentiment.normalize.model_text`
   but without cutting long articles (up to :data:`MAX_SOURCE_CHARS`), keeping the repost
   chain and the names of @-mentions (brands are often @-mentioned);
2. :func:`find_mentions` finds every occurrence of a target or other term, longest term
   first, so a target term inside a longer other name (``京东`` inside ``京东白条``) is
   that other name's mention, not the target's;
3. :func:`focus` keeps the parts of the text that concern the target: the sentences
   naming it and the adjacent :data:`NEIGHBOUR` characters of their neighbours (unless
   a neighbour names another company and not the target: it is about that one), each
   span cut to :data:`WINDOW` characters either side of the mention (the stripped news
   corpus has no sentence ends at all), at most :data:`FOCUS_CHARS` characters in all,
   in text order; the title (the first sentence) is kept when it names the target;
4. the kept text is returned twice: plain (for the document-level experts) and *marked*,
   each target mention replaced by :data:`TARGET_MARK` and each other company by
   :data:`OTHER_MARK`, so the target-level expert learns "negative words next to the
   target" rather than "negative words near some company name". When the target is only
   ever named inside a longer other name, :data:`SUBSUMED_MARK` starts the marked text.

:func:`strip_like_news` applies the formatting of the news corpus (Chinese characters
only, 年月日十百千万亿 removed) so a component trained on it sees every text that way
and cannot learn "no punctuation → news".
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from sentiment.normalize import MAX_CHARS, model_text, to_simplified

TARGET_MARK = "\x04"  # a mention of the target
OTHER_MARK = "\x05"  # a mention of another company or brand
SUBSUMED_MARK = "\x06"  # the target is only named inside a longer other name
MAX_SOURCE_CHARS = 20_000  # an article's first 20,000 characters are searched
WINDOW = 120  # characters kept either side of a mention
NEIGHBOUR = 40  # characters of the neighbouring sentences kept
FOCUS_CHARS = 600  # at most this much focus text per target
NEAR = 10  # characters either side of a target mention read as "next to the target"
MIN_TERM_CHARS = 1

_SENTENCE_END = re.compile(r"[。！？!?；;\n…]+")
# what the news corpus's publisher kept: CJK unified ideographs, minus these characters
_NOT_KEPT = re.compile(r"[^\u4e00-\u9fff]|[年月日十百千万亿]")


def strip_like_news(text: str) -> str:
    """Chinese characters only, 年月日十百千万亿 removed (the news corpus's formatting)."""
    return _NOT_KEPT.sub("", text)


_TITLE_END = re.compile(r"[。！？!?\n]")
TITLE_CHARS = 80


def title_of(text: str) -> str:
    """The first sentence (a news item's title: the news corpus is title + "。" + body),
    at most :data:`TITLE_CHARS` characters."""
    match = _TITLE_END.search(text, 0, TITLE_CHARS + 1)
    return text[: match.start() if match else TITLE_CHARS]


@lru_cache(maxsize=4096)
def normalise_term(term: str) -> str:
    """A surface term as it appears in normalised text (NFKC, simplified, lower case);
    remembered: the same few brand terms are looked up for every mention."""
    return to_simplified(unicodedata.normalize("NFKC", term or "")).lower().strip()


def target_text(text: str) -> str:
    """The normalised text searched for the target (no 2,000-character cut)."""
    return model_text(text or "", max_chars=MAX_SOURCE_CHARS, whole=True)


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    is_target: bool


def find_mentions(text: str, targets: Sequence[str], others: Sequence[str] = ()) -> list[Mention]:
    """Non-overlapping mentions of the (normalised) terms, longest term first; a term
    listed both as target and as other counts as target."""
    terms: dict[str, bool] = {}
    for term in others:
        t = normalise_term(term)
        if len(t) >= MIN_TERM_CHARS:
            terms[t] = False
    for term in targets:
        t = normalise_term(term)
        if len(t) >= MIN_TERM_CHARS:
            terms[t] = True
    if not terms or not text:
        return []
    taken = bytearray(len(text))
    mentions: list[Mention] = []
    for term in sorted(terms, key=lambda t: (-len(t), t)):
        start = text.find(term)
        while start >= 0:
            end = start + len(term)
            if not any(taken[start:end]):
                taken[start:end] = b"\x01" * len(term)
                mentions.append(Mention(start, end, terms[term]))
            start = text.find(term, start + 1)
    mentions.sort(key=lambda m: m.start)
    return mentions


@lru_cache(maxsize=64)
def _sentence_bounds(text: str) -> tuple[tuple[int, int], ...]:
    """(start, end) of each sentence (cached: a text naming two brands is focused twice)."""
    bounds, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        bounds.append((start, match.end()))
        start = match.end()
    if start < len(text):
        bounds.append((start, len(text)))
    return tuple(bounds) or ((0, 0),)


@dataclass(frozen=True)
class Focus:
    plain: str  # the kept text, as the document-level experts read it
    marked: str  # the same with target / other mentions replaced by marks
    found: bool  # False: no target term occurs (callers fall back to the whole text)


def focus(
    text: str,
    targets: Sequence[str],
    others: Sequence[str] = (),
    window: int = WINDOW,
    neighbour: int = NEIGHBOUR,
    budget: int = FOCUS_CHARS,
) -> Focus:
    """The parts of normalised ``text`` that concern the target (see module docstring)."""
    mentions = find_mentions(text, targets, others)
    own = [m for m in mentions if m.is_target]
    subsumed = False
    if not own:
        # the target named only inside a longer other name, or not at all
        names = [normalise_term(t) for t in targets]
        subsumed = any(n and n in text for n in names)
        if not subsumed:
            return Focus(plain=text[:budget], marked=text[:budget], found=False)
        anchors = [m for m in mentions if any(n and n in text[m.start : m.end] for n in names)]
    else:
        anchors = own
    bounds = _sentence_bounds(text)
    starts = [b[0] for b in bounds]
    spans: list[tuple[int, int]] = []
    # a neighbouring sentence that names another company (and not the target) is about
    # that company: left out
    about_other = {_index_of(starts, m.start) for m in mentions if not m.is_target}
    about_other -= {_index_of(starts, m.start) for m in anchors}
    for m in anchors:
        i = _index_of(starts, m.start)
        lo, hi = bounds[i]
        if i > 0 and i - 1 not in about_other:
            lo = max(bounds[i - 1][0], lo - neighbour)
        if i + 1 < len(bounds) and i + 1 not in about_other:
            hi = min(bounds[i + 1][1], hi + neighbour)
        spans.append((max(lo, m.start - window), min(hi, m.end + window)))
    if anchors and _index_of(starts, anchors[0].start) == 0:
        spans.append(bounds[0])  # the title / first sentence names the target
    merged: list[list[int]] = []
    for lo, hi in sorted(spans):
        if merged and lo <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    plain_parts, marked_parts, used = [], [], 0
    for lo, hi in merged:
        if used >= budget:
            break
        hi = min(hi, lo + budget - used)
        plain_parts.append(text[lo:hi])
        marked_parts.append(_marked(text, lo, hi, mentions))
        used += hi - lo
    plain = " ".join(plain_parts)
    marked = " ".join(marked_parts)
    if subsumed:
        marked = SUBSUMED_MARK + marked
    return Focus(plain=plain, marked=marked, found=True)


def _index_of(starts: list[int], position: int) -> int:
    """The last sentence starting at or before ``position``."""
    return max(0, bisect_right(starts, position) - 1)


def _marked(text: str, lo: int, hi: int, mentions: list[Mention]) -> str:
    out, at = [], lo
    for m in mentions:
        if m.end <= lo or m.start >= hi:
            continue
        start, end = max(m.start, lo), min(m.end, hi)
        out.append(text[at:start])
        out.append(TARGET_MARK if m.is_target else OTHER_MARK)
        at = end
    out.append(text[at:hi])
    return "".join(out)


def near_text(marked: str, width: int = NEAR) -> str:
    """The ``width`` characters either side of each target mark of a marked focus text
    (what is said right next to the target), space-separated."""
    out, i = [], marked.find(TARGET_MARK)
    while i >= 0:
        out.append(marked[max(0, i - width) : i + width + 1])
        i = marked.find(TARGET_MARK, i + 1)
    return " ".join(out)


INSIDE_OTHER, CONTAINS_OTHER, OTHER_NAMED = "\x11", "\x12", "\x13"


def relation_marks(targets: Sequence[str], others: Sequence[str] = (), marked: str = "") -> str:
    """Marks for how the target's names relate to the other companies': one of its names
    is part of a longer other name (``京东`` / ``京东白条``: the text is usually about the
    longer one), it contains another's name, and one mark per mention of another company
    in the ``marked`` focus text (up to 4: a focus naming only the target is about it)."""
    names = [n for n in (normalise_term(t) for t in targets) if n]
    other = [n for n in (normalise_term(t) for t in others) if n and n not in names]
    marks = ""
    if any(n in o for n in names for o in other):
        marks += INSIDE_OTHER
    if any(o in n for n in names for o in other):
        marks += CONTAINS_OTHER
    return marks + OTHER_NAMED * min(marked.count(OTHER_MARK), 4)


def focus_texts(
    texts: Sequence[str],
    targets: Sequence[Sequence[str]],
    others: Sequence[Sequence[str]] | None = None,
    window: int = WINDOW,
    neighbour: int = NEIGHBOUR,
    budget: int = FOCUS_CHARS,
    known: dict[str, str] | None = None,
) -> list[Focus]:
    """:func:`focus` of each raw text (normalised with :func:`target_text` first, once
    per distinct text: a text naming two brands comes twice; ``known``: raw text →
    its :func:`target_text` where the caller has it already)."""
    if len(targets) != len(texts) or (others is not None and len(others) != len(texts)):
        raise ValueError("texts, targets and others must have the same length")
    out = []
    normalised_of: dict[str, str] = dict(known or {})
    for i, text in enumerate(texts):
        raw = text if isinstance(text, str) else ""
        normalised = normalised_of.get(raw)
        if normalised is None:
            normalised = normalised_of[raw] = target_text(raw)
        other = others[i] if others is not None else ()
        found = focus(
            normalised, list(targets[i] or ()), list(other or ()), window, neighbour, budget
        )
        out.append(found)
    return out


def same_as_target_text(raw: str) -> bool:
    """Whether ``model_text(raw)`` equals ``target_text(raw)``: the two differ only in
    what they do with ``@``/``//`` (repost chains, @names, URLs) and in the length they
    keep, so a short text without either is normalised once for both."""
    return len(raw) <= MAX_CHARS and "@" not in raw and "//" not in raw
