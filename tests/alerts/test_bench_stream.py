"""bench/alerts_stream.py: a stream too short for its incidents is refused by name."""

from __future__ import annotations

import pytest

from bench.alerts_stream import StreamBuilder


def test_a_stream_too_short_for_its_incidents_says_how_long_it_must_be() -> None:
    with pytest.raises(ValueError, match="at least 12 days"):
        StreamBuilder(brands=2, days=11, seed=0).build(warmup_days=7)


def test_the_shortest_stream_places_every_incident() -> None:
    builder = StreamBuilder(brands=2, days=12, seed=0)
    stream = builder.build(warmup_days=7)
    assert stream and len(builder.incidents) >= 2 * 3  # 2-3 shapes and 1 storm per brand
