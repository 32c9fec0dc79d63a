"""The overview's volume chart and the brief's in a real browser (Debian's Chromium): an
alert marker's label is whole inside the chart, and labels never cover each other. On the
demo the last point's 'P1 已预警 · P1 已解决 · P1 重新打开' ran off the right edge ('P1
重新打' was left; real-browser walk of an executive) — the brief's labels already read
away from the nearer edge, the overview's did not. Screenshots go to var/screenshots/."""

from __future__ import annotations

import itertools
from datetime import timedelta
from pathlib import Path

import pytest

from config.schema import RadarConfig
from index.models import CaseEvent
from tests.web.conftest import CASE_ID, NOW, make_config
from tests.web.test_browser import (  # noqa: F401 - fixtures
    browser,
    open_as,
    pytestmark,
    server,
    shot,
)

SCREENS = {"desktop": (1360, 900), "phone": (390, 844)}

BOXES_OF = """([chartId, dataId, key]) => {
  const c = echarts.getInstanceByDom(document.getElementById(chartId));
  const marks = JSON.parse(document.getElementById(dataId).textContent)[key].map(m => m.text);
  const out = [];
  c.getZr().storage.getDisplayList(true).forEach(el => {
    if (el.style && marks.includes(el.style.text)) {
      const r = el.getBoundingRect().clone();
      r.applyTransform(el.getComputedTransform());
      out.push({text: el.style.text, x: r.x, y: r.y, w: r.width, h: r.height});
    }
  });
  return {width: c.getWidth(), marks: marks, boxes: out};
}"""


@pytest.fixture
def config() -> RadarConfig:
    return make_config("zh_CN")  # as deployed: Chinese


def as_exec(chromium, base: str, screen: str, path: str):  # type: ignore[no-untyped-def]
    """A page logged in as exec on ``screen`` (SCREENS), at ``path``."""
    width, height = SCREENS[screen]
    page = open_as(chromium, base, "exec", {"width": width, "height": height})
    page.goto(base + path)
    return page


@pytest.mark.parametrize("screen", list(SCREENS))
def test_a_marker_label_on_the_last_points_stays_in_the_chart(  # type: ignore[no-untyped-def]
    server: str,  # noqa: F811
    browser,  # noqa: F811
    store,
    tmp_path: Path,
    screen: str,
) -> None:
    # the case was resolved and reopened at once: one point, one long label, at the right
    for kind in ("resolved", "reopened"):
        store.append_case_event(
            CaseEvent(case_id=CASE_ID, at=NOW - timedelta(minutes=24), kind=kind, text="")
        )
    page = as_exec(browser, server, screen, "/overview?brand=极光汽车")
    page.wait_for_selector("body[data-charts-ready]")
    shot(page, tmp_path, f"overview-markers-{screen}")
    chart = page.evaluate(BOXES_OF, ["chart-volume", "chart-data", "moments"])
    assert any("重新打开" in m for m in chart["marks"]), chart
    assert chart["marks"] and len(chart["boxes"]) == len(chart["marks"]), chart
    for box in chart["boxes"]:
        assert box["x"] >= 0 and box["x"] + box["w"] <= chart["width"], (box, chart)
    page.context.close()


BOXES_OF = """([chartId, dataId, key]) => {
  const c = echarts.getInstanceByDom(document.getElementById(chartId));
  const marks = JSON.parse(document.getElementById(dataId).textContent)[key].map(m => m.text);
  const out = [];
  c.getZr().storage.getDisplayList(true).forEach(el => {
    if (el.style && marks.includes(el.style.text)) {
      const r = el.getBoundingRect().clone();
      r.applyTransform(el.getComputedTransform());
      out.push({text: el.style.text, x: r.x, y: r.y, w: r.width, h: r.height});
    }
  });
  return {width: c.getWidth(), marks: marks, boxes: out};
}"""


@pytest.mark.parametrize("screen", list(SCREENS))
def test_marker_labels_never_cover_each_other(  # type: ignore[no-untyped-def]
    server: str,  # noqa: F811
    browser,  # noqa: F811
    store,
    tmp_path: Path,
    screen: str,
) -> None:
    """Rows were counted in chart points (3 apart: one row): on the demo brief 'P1 预警 ·
    已确认' lay under '已解决 · 重新打开' at 1360 px, and at 390 px all three labels ran
    together (real-browser walk of an executive)."""
    for minutes, kind in ((20, "resolved"), (20, "reopened"), (115, "escalated")):
        store.append_case_event(
            CaseEvent(case_id=CASE_ID, at=NOW - timedelta(minutes=minutes), kind=kind, text="")
        )
    page = as_exec(browser, server, screen, "/overview?brand=极光汽车")
    page.wait_for_selector("body[data-charts-ready]")
    shot(page, tmp_path, f"overview-marker-rows-{screen}")
    overview = page.evaluate(BOXES_OF, ["chart-volume", "chart-data", "moments"])
    page.goto(f"{server}/cases/{CASE_ID}/summary")
    page.wait_for_selector("body[data-brief-ready='1']")
    shot(page, tmp_path, f"brief-marker-rows-{screen}")
    brief = page.evaluate(BOXES_OF, ["brief-chart", "brief-data", "markers"])
    for chart in (overview, brief):
        boxes = chart["boxes"]
        assert len(chart["marks"]) >= 2 and len(boxes) == len(chart["marks"]), chart
        for n, a in enumerate(boxes):
            assert a["x"] >= 0 and a["x"] + a["w"] <= chart["width"], (a, chart)
            for b in boxes[n + 1 :]:
                apart = (a["x"] + a["w"] <= b["x"] or b["x"] + b["w"] <= a["x"]
                         or a["y"] + a["h"] <= b["y"] or b["y"] + b["h"] <= a["y"])  # fmt: skip
                assert apart, (a, b, screen)
    page.context.close()


TERM_LABELS = """() => {
  const c = echarts.getInstanceByDom(document.getElementById('chart-terms'));
  const words = c.getOption().yAxis[0].data || [];
  const shown = [];
  c.getZr().storage.getDisplayList(true).forEach(el => {
    if (el.style && words.includes(el.style.text)) {
      const r = el.getBoundingRect().clone();
      r.applyTransform(el.getComputedTransform());
      shown.push({text: el.style.text, y: r.y, h: r.height});
    }
  });
  return {words: words, shown: shown};
}"""


@pytest.mark.parametrize("screen", list(SCREENS))
def test_every_top_term_bar_is_named(server: str, browser, tmp_path: Path, screen: str) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """The overview's 热词 chart named every other bar only (ECharts leaves out labels that
    crowd): 15 bars, 8 words, on the demo at 1360 px. Every bar is named now, and the words
    do not write over each other (a phone's shorter chart shows fewer of them)."""
    page = as_exec(browser, server, screen, "/overview?days=7")
    page.wait_for_function(
        "() => { const n = document.getElementById('chart-terms'); const c = n && "
        "window.echarts && echarts.getInstanceByDom(n); "
        "return c && ((c.getOption().yAxis || [{}])[0].data || []).length }"
    )
    shot(page, tmp_path, f"overview-terms-{screen}")
    chart = page.evaluate(TERM_LABELS)
    assert len(chart["words"]) >= 8, chart
    assert sorted(b["text"] for b in chart["shown"]) == sorted(chart["words"]), chart
    boxes = sorted(chart["shown"], key=lambda b: b["y"])
    for upper, lower in itertools.pairwise(boxes):
        assert lower["y"] >= upper["y"] + upper["h"] - 0.5, (upper, lower)
    page.context.close()
