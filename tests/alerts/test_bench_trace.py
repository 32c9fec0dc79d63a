"""bench/alerts.py --trace-sharp: the surge rule's inputs at each evaluation of a sharp
surge's first minutes, read while the rule decides as it always does."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime

from alerts.rules import surge
from bench.alerts_trace import SharpTrace
from tests.alerts.scenario import Scenario, local_minute


@dataclass
class _Incident:
    brand: str
    shape: str
    onset: datetime


def test_the_trace_shows_each_window_and_when_the_rule_fired() -> None:
    s = Scenario(per_day=30)
    onset = local_minute(10, 3)
    s.background(local_minute(0), onset - 10)
    s.background(onset - 10, onset + 30, negative_factor=0.0)
    for m in (0, 3, 3, 3, 5, 6):  # 4 different minutes at +6: fires at +7
        s.post(onset + m)
    at = datetime.fromtimestamp(onset * 60, tz=UTC)
    original = surge._sharp
    trace = SharpTrace([_Incident("极光汽车", "sharp_surge", at)])
    trace.install()
    try:
        fired = s.fired(onset, onset + 10)
    finally:
        trace.uninstall()
    assert surge._sharp is original  # the rule is left as it was
    assert fired and fired[0][0] - onset == 7  # the same decision as without the trace
    out = io.StringIO()
    trace.report("极光汽车", at, out)
    text = out.getvalue()
    assert "+ 6: new negative stories per minute [0, 0, 0, 0, 1, 0, 0, 3, 0, 1]\n" in text
    assert "[+0: 5 in 3 min, 5 authors," in text  # judged, but only 3 different minutes
    assert "+ 7: new negative stories per minute" in text and "FIRED on 6 in 7 min" in text
