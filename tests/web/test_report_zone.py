"""The brand's daily and weekly report gave its times (the window, when each case opened)
without their zone, where the crisis brief and the pages say 北京时间: both files say it
under the title, the brand report as the brief does."""

from __future__ import annotations

import pytest

from config.schema import RadarConfig
from tests.web.conftest import CASE_ID, make_config
from tests.web.test_report import docx_parts, pdf_parts

pytestmark = pytest.mark.anyio


@pytest.fixture
def config() -> RadarConfig:
    return make_config(locale="zh_CN")


@pytest.mark.parametrize("kind", ["pdf", "docx"])
@pytest.mark.parametrize("days", [1, 7])
async def test_the_brand_report_says_beijing_time(login, kind: str, days: int) -> None:  # type: ignore[no-untyped-def]
    async with login("exec") as c:
        brand = await c.get(f"/reports/brand.{kind}", params={"brand": "极光汽车", "days": days})
        brief = await c.get(f"/cases/{CASE_ID}/report.{kind}")
    assert brand.status_code == brief.status_code == 200
    parts = pdf_parts if kind == "pdf" else docx_parts
    said = "".join(parts(brand.content)[0].split())
    assert "时间均为北京时间" in said, said
    # the same words as the crisis brief's
    assert "时间均为北京时间" in "".join(parts(brief.content)[0].split())
