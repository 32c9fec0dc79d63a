"""The case page and the crisis brief print no "N 倍" against a baseline of less than
one (story, post): the case page's peak read 预期的 265.8 倍 beside a surge that
expected 0.05 stories, and the brief says 是平时的 N 倍 only where the brand normally
has at least one negative post a chart point."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest

from config import i18n
from index.models import Case, Severity
from radar.web.render import Formatter, trigger_rows
from tests.web.conftest import NOW, mention

pytestmark = pytest.mark.anyio
TINY = "平时几乎没有（预期不足 1 个）"
PEAK = "13 个负面话题（平时几乎没有，预期不足 1 个）"


def surge(expected: float, ratio: float) -> dict[str, object]:
    return {"shape": "sharp", "stories": 13, "window_minutes": 10, "expected": expected,
            "ratio": ratio, "negative_share": 0.9}  # fmt: skip


def rows(trigger: dict[str, object]) -> dict[str, str]:
    with i18n.use_locale("zh_CN"):
        return dict(trigger_rows(trigger, Formatter("Asia/Shanghai")))


def test_the_case_pages_peak_ratio_against_a_tiny_baseline() -> None:
    tiny = rows({"rules": {"negative_surge": surge(0.05, 265.8)}, "peak": {"ratio": 265.8}})
    assert "倍" not in "".join(tiny.values()) and "265.8" not in "".join(tiny.values())
    assert TINY in tiny["负面激增"]
    # the peak row leads with a figure, the firing's count (it began 平时几乎没有…)
    assert tiny["峰值"] == PEAK, tiny
    # the peak firing kept apart from the latest: the ratio's own firing decides
    both = rows(
        {
            "rules": {"negative_surge": {**surge(0.05, 260.0), "fired_at": "b"}},
            "peak_rules": {"negative_surge": {**surge(4.0, 13.0), "fired_at": "a"}},
            "peak": {"ratio": 260.0},
        }
    )
    assert both["峰值"] == PEAK, both
    # the count is not said again among the peak's figures; another count is
    figures = {"ratio": 265.8, "reach:sharp": 4584, "stories:sharp": 13}
    full = rows({"rules": {"negative_surge": surge(0.05, 265.8)}, "peak": figures})
    assert full["峰值"] == f"{PEAK}；覆盖（骤增） 4,584", full
    more = rows({"rules": {"negative_surge": surge(0.05, 265.8)},
                 "peak": {**figures, "stories:sharp": 40}})  # fmt: skip
    assert more["峰值"] == f"{PEAK}；覆盖（骤增） 4,584；话题数（骤增） 40", more
    # a firing kept without its count: the words alone
    bare = {k: v for k, v in surge(0.05, 265.8).items() if k != "stories"}
    assert rows({"rules": {"negative_surge": bare}, "peak": {"ratio": 265.8}})["峰值"] == TINY
    real = rows({"rules": {"negative_surge": surge(10.0, 54.4)}, "peak": {"ratio": 54.4}})
    assert real["峰值"] == "预期的 54.4 倍" and "（54.4 倍）" in real["负面激增"]
    # a case stored without the surge's figures keeps the ratio it has
    assert rows({"peak": {"ratio": 6.87}})["峰值"] == "预期的 6.87 倍"


def size_claim(page: str) -> str:
    found = re.search(r'<li class="claim claim-size">(.*?)</li>', page, re.S)
    assert found, page
    return unescape(re.sub(r"<[^>]+>", "", found.group(1)))


@pytest.mark.parametrize("history", [0, 400])
async def test_the_briefs_peak_against_the_normal_level(login, store, app, history) -> None:  # type: ignore[no-untyped-def]
    """No history: 平时几乎没有 (the peak against ~0 was hundreds of times); 400 negative
    posts over the day before: a real normal level, and its ratio."""
    app.state.config.locale = "zh_CN"
    now = [mention(9200 + i, f"清泉酸奶 变质 {i}", brand="清泉乳业", minutes_ago=5 + i)
           for i in range(12)]  # fmt: skip
    before = [mention(9300 + i, f"清泉酸奶 难喝 {i}", brand="清泉乳业",
                      minutes_ago=3 * 60 + i * 3) for i in range(history)]  # fmt: skip
    store.upsert_mentions([*now, *before])
    case = Case(id="case-tiny", brand="清泉乳业", rule="negative_surge", severity=Severity.P2,
                opened_at=NOW - timedelta(minutes=10))  # fmt: skip
    store.save_case(case)
    async with login("exec") as c:
        said = size_claim((await c.get(f"/cases/{case.id}/summary")).text)
    if history:
        assert re.search(r"是平时的 [0-9.]+ 倍。", said), said
    else:
        assert "倍" not in said and re.search(r"而平时几乎没有（每 .+不足 1 条）。", said), said
