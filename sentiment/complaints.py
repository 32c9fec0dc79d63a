"""Complaint category and risk signals from a configurable lexicon (sentiment/lexicon.yaml).

Rules, not a model: they must be explainable to a PR team and adjustable per brand
without retraining. A term counts unless a negation directly precedes it ("不是假货",
"没有起火"); a text that reads as the brand's own promotion raises no risk signals.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from sentiment.normalize import nfkc, to_simplified

DEFAULT_LEXICON_PATH = Path(__file__).with_name("lexicon.yaml")
CATEGORIES = ("quality", "service", "delivery", "billing", "safety", "fraud", "other")
SIGNALS = ("media", "regulator", "legal", "rights", "collective", "safety")
# 差 followed by these is a comparison, not "poor": 差不多 (about the same), 差别, 差距, 差异
COMPARISON_AFTER_CHA = ("不多", "别", "距", "异")
NEGATION_WINDOW = 8  # characters before a term searched for a negation
PROMOTION_MIN_MARKERS = 2
_FILLERS = "(?:有|是|发生|出现|任何|过|什么|去|再|要|会|被|造成|导致){0,2}"


class LexiconError(ValueError):
    """The lexicon file cannot be used; the message names the file and key."""


@lru_cache(maxsize=1024)
def fold(text: str) -> str:
    """The form both texts and lexicon terms are matched in (cached: the category, the
    signals and the promotion check of one text fold it once)."""
    return to_simplified(nfkc(text)).lower()


def _alternation(terms: list[str]) -> re.Pattern[str]:
    ordered = sorted(set(terms), key=lambda t: (-len(t), t))  # longest match wins
    return re.compile("|".join(re.escape(t) for t in ordered) or r"(?!x)x")


@dataclass(frozen=True)
class Lexicon:
    categories: dict[str, list[str]]  # in priority order
    signals: dict[str, list[str]]
    negations: list[str]
    promotion: list[str]
    complaint_cues: list[str] = field(default_factory=list)
    echoes: list[str] = field(default_factory=list)  # see sentiment.context
    subjects: list[str] = field(default_factory=list)  # category terms that are no complaint

    def __post_init__(self) -> None:
        cat_terms = {fold(t): c for c, terms in reversed(self.categories.items()) for t in terms}
        sig_terms: dict[str, list[str]] = {}
        for name, terms in self.signals.items():
            for t in terms:
                sig_terms.setdefault(fold(t), []).append(name)
        object.__setattr__(self, "_category_of", cat_terms)
        object.__setattr__(self, "_signals_of", sig_terms)
        object.__setattr__(self, "_category_re", _alternation(list(cat_terms)))
        object.__setattr__(self, "_signal_re", _alternation(list(sig_terms)))
        object.__setattr__(self, "_promotion_re", _alternation([fold(t) for t in self.promotion]))
        object.__setattr__(self, "_cue_re", _alternation([fold(t) for t in self.complaint_cues]))
        object.__setattr__(self, "_echo_re", _alternation([fold(t) for t in self.echoes]))
        object.__setattr__(self, "_subjects", frozenset(fold(t) for t in self.subjects))
        negs = sorted({fold(n) for n in self.negations}, key=len, reverse=True)
        negation = "(?:" + "|".join(re.escape(n) for n in negs) + ")" + _FILLERS + "$"
        object.__setattr__(self, "_negated_re", re.compile(negation if negs else r"(?!x)x"))

    @classmethod
    def from_file(cls, path: str | Path) -> Lexicon:
        path = Path(path)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise LexiconError(f"{path}: cannot read lexicon: {exc}") from exc
        return cls.from_dict(data, str(path))

    @classmethod
    def from_dict(cls, data: Any, origin: str = "<lexicon>") -> Lexicon:
        if not isinstance(data, dict):
            raise LexiconError(f"{origin}: expected a mapping with categories/signals/...")

        def terms_map(key: str, allowed: tuple[str, ...]) -> dict[str, list[str]]:
            section = data.get(key) or {}
            if not isinstance(section, dict):
                raise LexiconError(f"{origin}: {key}: expected a mapping of name → terms")
            out = {}
            for name, terms in section.items():
                if name not in allowed:
                    raise LexiconError(
                        f"{origin}: {key}.{name}: unknown name (expected one of {allowed})"
                    )
                out[name] = term_list(f"{key}.{name}", terms)
            return out

        def term_list(key: str, terms: Any) -> list[str]:
            if terms is None:
                return []
            if not isinstance(terms, list) or not all(isinstance(t, str | int) for t in terms):
                raise LexiconError(f"{origin}: {key}: expected a list of terms")
            return [str(t).strip() for t in terms if str(t).strip()]

        sections = {
            "categories",
            "signals",
            "negations",
            "promotion",
            "complaint_cues",
            "echoes",
            "subjects",
        }
        unknown = set(data) - sections
        if unknown:
            raise LexiconError(f"{origin}: unknown section(s) {sorted(unknown)}")
        return cls(
            categories=terms_map("categories", CATEGORIES[:-1]),
            signals=terms_map("signals", SIGNALS),
            negations=term_list("negations", data.get("negations")),
            promotion=term_list("promotion", data.get("promotion")),
            complaint_cues=term_list("complaint_cues", data.get("complaint_cues")),
            echoes=term_list("echoes", data.get("echoes")),
            subjects=term_list("subjects", data.get("subjects")),
        )

    # -- matching ------------------------------------------------------------------------
    def _hits(self, text: str, pattern: re.Pattern[str]) -> list[str]:
        """Terms found in folded ``text``, except those a negation directly precedes and
        those whose 差 begins a word of comparison (做工差不多, 质量差别不大)."""
        hits = []
        for m in pattern.finditer(text):
            before = text[max(0, m.start() - NEGATION_WINDOW) : m.start()]
            if self._negated_re.search(before):  # type: ignore[attr-defined]
                continue
            if m.group().endswith("差") and text.startswith(COMPARISON_AFTER_CHA, m.end()):
                continue
            hits.append(m.group())
        return hits

    def category(self, text: str) -> str:
        """The complaint category of a negative text ("other" when no term matches)."""
        counts = dict.fromkeys(self.categories, 0)
        for term in self._hits(fold(text), self._category_re):  # type: ignore[attr-defined]
            counts[self._category_of[term]] += 1  # type: ignore[attr-defined]
        best = max(counts.items(), key=lambda kv: kv[1], default=("other", 0))
        return best[0] if best[1] > 0 else "other"

    def is_promotion(self, text: str) -> bool:
        """Marketing copy: two or more promotion markers and nothing that complains."""
        folded = fold(text)
        found = set(self._promotion_re.findall(folded))  # type: ignore[attr-defined]
        if len(found) < PROMOTION_MIN_MARKERS:
            return False
        if self._cue_re.search(folded):  # type: ignore[attr-defined]
            return False
        return not self._has_problem(folded)

    def names_a_problem(self, text: str) -> bool:
        """``text`` names a problem: a category term (失灵, 态度差, 乱收费 …) that is not
        only a subject a complaint may be about (客服, 快递, 价格: the lexicon's
        ``subjects``), negation-aware."""
        return self._has_problem(fold(text))

    def _has_problem(self, folded: str) -> bool:
        hits = self._hits(folded, self._category_re)  # type: ignore[attr-defined]
        return any(h not in self._subjects for h in hits)  # type: ignore[attr-defined]

    def has_echo(self, folded: str) -> bool:
        """Folded text passes on what it reposts or answers ("同款", "求扩散", "已转")."""
        return bool(self._echo_re.search(folded))  # type: ignore[attr-defined]

    def signals_in(self, text: str) -> list[str]:
        """Risk signals in ``text``, in :data:`SIGNALS` order."""
        found: set[str] = set()
        for term in self._hits(fold(text), self._signal_re):  # type: ignore[attr-defined]
            found.update(self._signals_of[term])  # type: ignore[attr-defined]
        return [s for s in SIGNALS if s in found]


@lru_cache(maxsize=8)
def load_lexicon(path: str | None = None) -> Lexicon:
    """The lexicon at ``path`` (the shipped one by default), parsed once per path."""
    return Lexicon.from_file(path or DEFAULT_LEXICON_PATH)
