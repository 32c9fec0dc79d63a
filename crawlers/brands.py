"""Which configured brands a text mentions, and by which keywords.

A brand is mentioned when one of its terms (name, aliases, keywords) occurs in the text
outside every occurrence of its exclusion phrases: with ``exclude: [北极光]`` the "极光" in
"去冰岛看北极光" does not count, the one in "极光汽车刹车失灵" does. Matching is on
NFKC-normalised, case-folded text in simplified characters, so "星辰ＰＲＯ" and "星辰pro"
match the alias "星辰Pro" and the traditional "極光汽車" (Hong Kong, Taiwan posters) matches
"极光汽车".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from config.schema import BrandConfig
from index.models import BrandMatch
from sentiment.normalize import nfkc, to_simplified


def normalise(text: str) -> str:
    return to_simplified(nfkc(text)).casefold()


def _spans(text: str, phrase: str) -> Iterable[tuple[int, int]]:
    start = text.find(phrase)
    while start != -1:
        yield start, start + len(phrase)
        start = text.find(phrase, start + 1)


@dataclass(frozen=True)
class _Brand:
    name: str
    terms: tuple[tuple[str, str], ...]  # (as configured, normalised)
    exclude: tuple[str, ...]  # normalised


class BrandMatcher:
    def __init__(self, brands: list[BrandConfig]):
        self._brands = [
            _Brand(
                name=b.name,
                terms=tuple((t, normalise(t)) for t in b.match_terms),
                exclude=tuple(normalise(e) for e in b.exclude if e.strip()),
            )
            for b in brands
        ]

    def match(self, text: str) -> list[BrandMatch]:
        """Brands in config order, each with the terms that matched (in config order)."""
        norm = normalise(text)
        found: list[BrandMatch] = []
        for brand in self._brands:
            present = [(shown, term) for shown, term in brand.terms if term in norm]
            if not present:  # the usual case, decided by substring search alone
                continue
            excluded = [
                span for phrase in brand.exclude if phrase in norm for span in _spans(norm, phrase)
            ]
            keywords = [
                shown
                for shown, term in present
                if not excluded
                or any(
                    not any(a <= s and e <= b for a, b in excluded) for s, e in _spans(norm, term)
                )
            ]
            if keywords:
                found.append(BrandMatch(brand=brand.name, keywords=keywords))
        return found
