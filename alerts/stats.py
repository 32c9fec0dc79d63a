"""Small statistics the rules share: Poisson and negative-binomial tail probabilities
and a robust mean."""

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


def negbin_sf(count: int, mean: float, dispersion: float) -> float:
    """P(X >= count) for a count whose rate itself varies: X is Poisson with a
    Gamma-distributed rate of mean ``mean``, i.e. negative binomial with variance
    ``mean + dispersion * mean**2``. ``dispersion`` 0 is ``poisson_sf``.

    Social-media volume is burstier than chance: a busy hour brings twice the usual
    posts of every kind, so a count a Poisson test calls one-in-a-million on a busy brand
    is an ordinary busy hour. The extra variance grows with the square of the mean, so a
    quiet brand (a fraction of a story expected) is judged as before."""
    if dispersion <= 0:
        return poisson_sf(count, mean)
    if count <= 0:
        return 1.0
    if mean <= 0:
        return 0.0
    shape = 1.0 / dispersion
    q = mean / (shape + mean)  # success probability of the NB's trials
    log_term = (
        shape * math.log(shape / (shape + mean))
        + math.lgamma(count + shape)
        - math.lgamma(shape)
        - math.lgamma(count + 1)
        + count * math.log(q)
    )
    # terms from ``count`` up; they decrease once k is past the mode
    total = 0.0
    k = count
    while True:
        term = math.exp(log_term)
        total += term
        log_term += math.log((k + shape) / (k + 1) * q)
        k += 1
        if k > mean * (1 + dispersion * mean) and term < total * 1e-12:
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
