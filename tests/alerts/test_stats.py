"""The rules' tail probabilities: Poisson, and negative binomial for a rate that varies."""

from __future__ import annotations

import pytest

from alerts import baseline
from alerts.stats import negbin_sf, poisson_sf

TZ = "Asia/Shanghai"


@pytest.mark.parametrize(
    ("count", "mean", "dispersion", "expected"),
    [  # reference values: scipy.stats.nbinom.sf(count - 1, 1/d, 1/(1 + d*mean))
        (8, 1.1, 0.125, 1.3289157345e-4),
        (14, 2.0, 0.2, 2.1456139809e-5),
        (200, 50.0, 0.1, 3.2533974166e-8),
        (1, 0.3, 1.0, 0.2307692308),
    ],
)
def test_negbin_tail_matches_reference_values(count, mean, dispersion, expected) -> None:
    assert negbin_sf(count, mean, dispersion) == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize(("count", "mean"), [(0, 1.0), (1, 0.3), (5, 0.55), (19, 5.4), (60, 30.0)])
def test_negbin_tail_without_dispersion_is_poisson(count, mean) -> None:
    assert negbin_sf(count, mean, 0.0) == poisson_sf(count, mean)


def test_dispersion_matters_for_busy_brands_not_quiet_ones() -> None:
    # a quiet brand: 5 stories against 0.15 expected stays about as improbable
    assert negbin_sf(5, 0.15, 0.1) < 3 * poisson_sf(5, 0.15)
    # a busy brand: 19 against 5.4 is 1-in-250,000 to Poisson, 1-in-2,400 with a varying rate
    assert poisson_sf(19, 5.4) < 1e-5 < 1e-4 < negbin_sf(19, 5.4, 0.1)


def test_profile_tail_shares_one_hours_level_and_averages_over_hours() -> None:
    """A window inside one clock hour carries that hour's whole variation; a window over
    two hours with equal expected parts carries half of it (independent hour levels)."""
    hour = 480_000  # an epoch hour; every slot expects 6 stories an hour below
    table = {(t, h): 6.0 for t in (0, 1) for h in range(24)}
    prof = baseline.Profile(tz=TZ, negative=table, total=table, days=14)
    start = hour * 60
    inside = prof.tail(12, start + 10, start + 30, 0.2, 0.05)
    assert inside == pytest.approx(negbin_sf(12, 2.0, 0.2))
    across = prof.tail(12, start + 50, start + 70, 0.2, 0.05)
    assert across == pytest.approx(negbin_sf(12, 2.0, 0.1))
    assert prof.tail(3, start, start + 1, 0.2, 0.5) == poisson_sf(3, 0.5)  # the floor
