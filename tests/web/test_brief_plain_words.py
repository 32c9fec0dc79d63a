"""The PDF brief said 处置进展 twice — the account's claim and the timeline's heading —
and a count that fell to nothing read "减少了 100%" (or "较上一周期 -100%"). Each
section is headed once (the timeline is 处置时间线, as on the case page), and a fall to
nothing says 降至 0."""

from __future__ import annotations

from datetime import timedelta

import pytest

from config.i18n import use_locale
from config.schema import RadarConfig
from index.models import Case, Severity
from radar.web.brief import Point, _next
from radar.web.render import Formatter
from radar.web.report import brand_report
from tests.web.conftest import CASE_ID, NOW, make_config
from tests.web.test_report import docx_parts, pdf_parts

pytestmark = pytest.mark.anyio


@pytest.fixture
def config() -> RadarConfig:
    return make_config(locale="zh_CN")


@pytest.mark.parametrize("kind", ["pdf", "docx"])
async def test_the_brief_file_heads_each_section_once(login, kind: str) -> None:  # type: ignore[no-untyped-def]
    async with login("exec") as c:
        content = (await c.get(f"/cases/{CASE_ID}/report.{kind}")).content
        page = (await c.get(f"/cases/{CASE_ID}/summary")).text
    text = (pdf_parts if kind == "pdf" else docx_parts)(content)[0]
    flat = "".join(text.split())
    assert flat.count("处置进展") == 1, flat
    assert flat.count("处置时间线") == 1, flat
    # the page has the same headings
    assert page.count("处置进展") == 1 and page.count("处置时间线") == 1


def _case() -> Case:
    return Case(id="c1", brand="极光汽车", rule="negative_surge", severity=Severity.P1,
                status="acknowledged", opened_at=NOW, updated_at=NOW)  # fmt: skip


@pytest.mark.parametrize(
    ("tail", "said", "not_said"),
    [
        ([0, 0, 0], "负面帖子已从高峰时段降至 0。", "100%"),
        # one post in the last quarter hour against 654 is not "100%" fewer
        ([0, 0, 1], "负面帖子比高峰时段减少了 99%。", "100%"),
    ],
)
def test_a_fall_to_nothing_reads_as_none(tail: list[int], said: str, not_said: str) -> None:
    series = [0] * 24 + [654, 340, 220, 180, 150, 100, 60, 50, 20, *tail]
    points = [Point(str(i), n, n) for i, n in enumerate(series)]
    peak = max(range(len(points)), key=lambda i: points[i].negative)
    with use_locale("zh_CN"):
        text = _next(Formatter("Asia/Shanghai"), _case(), points, peak, 300).text
    assert text.startswith(said), text
    assert not_said not in text


def test_a_brand_report_down_to_nothing_says_so(store) -> None:  # type: ignore[no-untyped-def]
    """清泉乳业 had one mention the day before and none since: not "较上一周期 -100%"."""
    with use_locale("zh_CN"):
        report = brand_report(store, Formatter("Asia/Shanghai"), "清泉乳业", 1,
                              NOW + timedelta(days=1), "http://radar.example")  # fmt: skip
    volume = report.claims[0][1]
    assert "由上一周期的 1 条降至 0。" in volume, volume
    assert "%" not in volume.replace("（0%）", ""), volume
