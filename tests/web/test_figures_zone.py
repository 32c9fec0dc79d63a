"""Chart points of more than an hour start on the configured zone's clock: the store
buckets by the epoch (UTC), so a 30-day overview's 12-hour points in Shanghai ran from
08:00 and 20:00 (the first labelled 11月4日 20:00 for a window from 11月5日 03:08) and a
day's bar from 08:00 to 08:00 (real-browser walk of an executive)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from index import open_store
from radar.web.figures import _align, compute_figures, local_buckets, zone_shift
from radar.web.render import Formatter
from tests.web.conftest import NOW, mention

SHANGHAI = ZoneInfo("Asia/Shanghai")


def shanghai(day: int, hour: int) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=SHANGHAI).astimezone(UTC)


@pytest.fixture
def store(tmp_path):  # type: ignore[no-untyped-def]
    s = open_store(f"sqlite:///{tmp_path}/radar.db")
    # one morning in Shanghai: 01:00 and 11:00 — one 12-hour point there, two in UTC
    at = [shanghai(22, 1), shanghai(22, 11), shanghai(22, 13)]
    s.upsert_mentions(
        [mention(i, f"极光汽车 第{i}条", minutes_ago=int((NOW - t).total_seconds() // 60))
         for i, t in enumerate(at, start=1)]
    )  # fmt: skip
    yield s
    s.close()


@pytest.mark.parametrize(
    ("interval", "shift"),
    [(300, 0), (3600, 0), (3 * 3600, 7200), (12 * 3600, 8 * 3600), (86400, 8 * 3600)],
)
def test_the_shift_is_the_zones_offset_within_a_point(interval: int, shift: int) -> None:
    assert zone_shift(SHANGHAI, NOW, interval) == shift
    assert zone_shift(ZoneInfo("UTC"), NOW, interval) == 0
    start = _align(shanghai(22, 13), interval, shift).astimezone(SHANGHAI)
    assert (start.hour * 3600 + start.minute * 60) % interval == 0 or interval >= 86400
    if interval == 86400:
        assert start == datetime(2026, 11, 22, tzinfo=SHANGHAI)  # the local day


def test_buckets_of_a_local_day_add_up(store) -> None:  # type: ignore[no-untyped-def]
    since, until = NOW - timedelta(days=3), NOW
    for brand, each in (("极光汽车", True), (None, False)):
        days = local_buckets(store, since, until, 86400, 8 * 3600, brand, each)
        assert [(b.start, b.count) for b in days] == [(shanghai(22, 0), 3)]
    halves = local_buckets(store, since, until, 12 * 3600, 8 * 3600, "极光汽车")
    assert sorted((b.start, b.count) for b in halves) == [
        (shanghai(22, 0), 2),
        (shanghai(22, 12), 1),
    ]
    # without the shift the store's UTC buckets split the morning
    utc = store.count_buckets(since, until, 12 * 3600, "极光汽车")
    assert sorted(b.count for b in utc) == [1, 2] and shanghai(22, 0) not in {b.start for b in utc}


def test_a_30_day_overview_has_points_at_midnight_and_noon(store) -> None:  # type: ignore[no-untyped-def]
    figures = compute_figures(
        store, Formatter("Asia/Shanghai"), None, NOW - timedelta(days=30), NOW, []
    )
    assert figures.interval_seconds == 12 * 3600
    starts = [p.start.astimezone(SHANGHAI) for p in figures.series]
    assert {(s.hour, s.minute) for s in starts} == {(0, 0), (12, 0)}
    assert starts[0] <= (NOW - timedelta(days=30)).astimezone(SHANGHAI) < starts[1]
    counts = {p.start: p.total for p in figures.series if p.total}
    assert counts == {shanghai(22, 0): 2, shanghai(22, 12): 1}
    assert sum(counts.values()) == figures.mentions == 3
