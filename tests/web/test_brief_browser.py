"""The crisis brief in a real browser (Debian's Chromium): its account of the crisis fits
one screen above the fold on a 1400 px wide window and on a 390 px phone, in Chinese.
Screenshots go to var/screenshots/brief-desktop.png and brief-phone.png."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.schema import RadarConfig
from tests.web.conftest import CASE_ID, make_config
from tests.web.test_browser import (  # noqa: F401 - fixtures
    browser,
    open_as,
    pytestmark,
    server,
    shot,
)

SCREENS = {"desktop": (1400, 900), "phone": (390, 844)}


@pytest.fixture
def config() -> RadarConfig:
    return make_config("zh_CN")  # as deployed: Chinese


@pytest.mark.parametrize("screen", list(SCREENS))
def test_the_account_fits_above_the_fold(server: str, browser, tmp_path: Path, screen: str) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    width, height = SCREENS[screen]
    page = open_as(browser, server, "exec", {"width": width, "height": height})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{server}/cases/{CASE_ID}/summary")
    page.wait_for_selector("body[data-brief-ready='1']")
    shot(page, tmp_path, f"brief-{screen}")
    account = page.locator("#account").bounding_box()
    assert account is not None
    assert account["y"] >= 0 and account["y"] + account["height"] <= height, account
    assert account["x"] >= 0 and account["x"] + account["width"] <= width, account
    # nothing of the brief wider than the screen (no sideways scrolling on the phone)
    assert page.evaluate("document.querySelector('.brief').scrollWidth") <= width
    text = page.locator("#account").inner_text()
    assert "发生了什么" in text and "下一步" in text and "None" not in text
    assert errors == []
    page.context.close()


LABEL_BOXES = """() => {
  const c = echarts.getInstanceByDom(document.getElementById('brief-chart'));
  const grid = c.getModel().getComponent('grid').coordinateSystem.getRect();
  const marks = JSON.parse(document.getElementById('brief-data').textContent).markers
    .map(m => m.text);
  const out = [];
  c.getZr().storage.getDisplayList(true).forEach(el => {
    if (el.style && marks.includes(el.style.text)) {
      const r = el.getBoundingRect().clone();
      r.applyTransform(el.getComputedTransform());
      out.push({text: el.style.text, x: r.x, y: r.y, w: r.width, h: r.height});
    }
  });
  return {width: c.getWidth(), height: c.getHeight(), top: grid.y, marks: marks, boxes: out};
}"""


@pytest.mark.parametrize("screen", list(SCREENS))
def test_marker_labels_stay_in_the_chart(server: str, browser, tmp_path: Path, screen: str) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """The label 'P2 预警 · 已确认' was drawn along its marker over the peak bar and cut at
    the chart's top: each marker's label is whole inside the chart, above the plot."""
    width, height = SCREENS[screen]
    page = open_as(browser, server, "exec", {"width": width, "height": height})
    page.goto(f"{server}/cases/{CASE_ID}/summary")
    page.wait_for_selector("body[data-brief-ready='1']")
    shot(page, tmp_path, f"brief-markers-{screen}")
    chart = page.evaluate(LABEL_BOXES)
    assert chart["marks"] and len(chart["boxes"]) == len(chart["marks"]), chart
    for box in chart["boxes"]:
        assert box["h"] < 20, box  # one horizontal line, not along the marker
        assert box["x"] >= 0 and box["x"] + box["w"] <= chart["width"], (box, chart)
        assert box["y"] >= 0 and box["y"] + box["h"] <= chart["top"], (box, chart)
    page.context.close()
