"""The documents' chart (report.chart_png): an alert marker's label is on a white ground
and reads away from the nearer edge — in the demo crisis's PDF 'P1 预警 · 已确认' and
'已解决 · 重新打开' were struck through by the next markers' lines and printed over the
peak bars (real-browser walk of an executive, PDF rendered with pdftoppm)."""

from __future__ import annotations

from typing import Any

import pytest
from matplotlib.axes import Axes

from radar.web.brief import Point
from radar.web.report import chart_png


def test_marker_labels_have_a_ground_and_read_inward(monkeypatch: pytest.MonkeyPatch) -> None:
    drawn: list[dict[str, Any]] = []
    text = Axes.text

    def record(self: Axes, x: float, y: float, s: str, *args: Any, **kwargs: Any) -> Any:
        drawn.append({"x": x, "s": s, **kwargs})
        return text(self, x, y, s, *args, **kwargs)

    monkeypatch.setattr(Axes, "text", record)
    points = [Point(f"{h:02d}:00", n, n + 3) for h, n in enumerate([1, 2, 1, 3, 2, 40, 90, 60])]
    png = chart_png(points, 1.5, [("01:00", "P2 预警"), ("06:00", "已解决 · 重新打开")], "极光汽车")
    assert png.startswith(b"\x89PNG")
    labels = {d["s"]: d for d in drawn}
    assert labels["P2 预警"]["ha"] == "left" and labels["已解决 · 重新打开"]["ha"] == "right"
    for d in labels.values():
        assert d["bbox"]["facecolor"] == "white", d
