"""Small statistics the rules share: Poisson tail probability and a robust mean."""

from __future__ import annotations

import math
from collections.abc import Sequence


def poisson_sf(count: int, expected: float) -> float:
    """P(X >= count) for X ~ Poisson(expected): how surprising ``count`` is.

    Summed in log space from the upper side so that large counts do not overflow."""
    if count <= 0:
        return 1.0
    if expected <= 0:
        return 0.0
    log_e = math.log(expected)
    # terms k = count, count+1, … decrease once k > expected; sum until negligible
    total = 0.0
    k = count
    log_term = k * log_e - expected - math.lgamma(k + 1)
    while True:
        term = math.exp(log_term)
        total += term
        k += 1
        log_term += log_e - math.log(k)
        if k > expected and term < total * 1e-12:
            break
        if k - count > 100_000:
            break
    return min(1.0, total)


def robust_mean(values: Sequence[float]) -> float:
    """Mean of counts after capping outliers at median + 3·sqrt(median) + 2.

    One incident day among fourteen must not raise the baseline it is judged against,
    while a plain median would understate sparse counts (the median of Poisson(0.5)
    samples is 0)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    n = len(ordered)
    mid = n // 2
    median = ordered[mid] if n % 2 else (ordered[mid - 1] + ordered[mid]) / 2
    cap = median + 3 * math.sqrt(median) + 2
    return sum(min(v, cap) for v in ordered) / n
