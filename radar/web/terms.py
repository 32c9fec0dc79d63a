"""Terms that are distinctive for a window against the brand's normal days: what people
say now that they do not usually say about the brand.

Weighted log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi & Quinn,
"Fightin' Words", 2008): for each word, the log-odds of its use in the crisis window
minus that in the baseline window, each smoothed toward the word's pooled frequency,
divided by its standard error (a z-score). Raw counts favour words that are always
frequent (the product's name, 客服); the z-score favours words that are both frequent
now and rare before, and a word seen a few times is not over-rated. Words come from
``Store.top_terms`` (jieba words of 2+ characters without stop words and filler), which
counts each word once per story: a post reposted or copied a hundred times is one voice,
so the terms say what many different people say, not what one post said many times.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from index.base import Store

CANDIDATES = 300  # words read from each window
PRIOR = 500.0  # the prior's total weight (alpha_0), spread over words by pooled frequency
MIN_Z = 1.96  # distinctive at the 95% level
MIN_COUNT = 2  # stories in the crisis window that use the word


def log_odds(
    crisis: list[tuple[str, int]], baseline: list[tuple[str, int]], limit: int = 12
) -> list[tuple[str, int, float]]:
    """(word, crisis count, z) of the words distinctive for ``crisis``, highest z first."""
    c, b = dict(crisis), dict(baseline)
    n_c, n_b = sum(c.values()), sum(b.values())
    pooled = n_c + n_b
    if not n_c or not pooled:
        return []
    out = []
    for word, y_c in c.items():
        if y_c < MIN_COUNT:
            continue
        y_b = b.get(word, 0)
        alpha = PRIOR * (y_c + y_b) / pooled
        delta = math.log((y_c + alpha) / (n_c + PRIOR - y_c - alpha)) - math.log(
            (y_b + alpha) / (n_b + PRIOR - y_b - alpha)
        )
        z = delta / math.sqrt(1 / (y_c + alpha) + 1 / (y_b + alpha))
        if z >= MIN_Z:
            out.append((word, y_c, round(z, 2)))
    out.sort(key=lambda t: (-t[2], -t[1], t[0]))
    return out[:limit]


def distinctive_terms(
    store: Store, brand: str | None, since: datetime, until: datetime, baseline_days: int = 7
) -> list[tuple[str, int, float]]:
    """The words of [since, until) distinctive against the ``baseline_days`` before."""
    crisis = store.top_terms(brand, since, until, CANDIDATES)
    baseline = store.top_terms(brand, since - timedelta(days=baseline_days), since, CANDIDATES)
    return log_odds(crisis, baseline)
