"""A duration reads as the project's other Chinese texts write a number and its unit,
with a space: the ``duration`` filter printed 30分钟 (a case's age, a due time, a chart's
point) where the alert lines, the summaries and the rest print 10 分钟."""

from __future__ import annotations

import re

import pytest

from alerts import lines
from alerts.cases import _human
from config import i18n
from config.schema import RadarConfig
from radar.web.render import human_duration
from tests.web.conftest import CASE_ID, make_config

pytestmark = pytest.mark.anyio


@pytest.fixture
def config() -> RadarConfig:
    return make_config(locale="zh_CN")


def test_a_duration_has_a_space_between_its_number_and_its_unit() -> None:
    with i18n.use_locale("zh_CN"):
        shown = [human_duration(s) for s in (41, 1800, 3600, 7500, 86400, 90000)]
        assert shown == ["41 秒", "30 分钟", "1 小时", "2 小时 5 分钟", "1 天", "1 天 1 小时"]
        # the same span as the escalation line and the reminder say it
        for seconds in (1800, 3600, 86400):
            assert human_duration(seconds) == lines.render(_human(seconds))
    with i18n.use_locale("en"):
        assert human_duration(7500) == "2h 5m"


async def test_the_case_pages_age_and_due_time(login) -> None:  # type: ignore[no-untyped-def]
    async with login("pr") as c:
        page = (await c.get(f"/cases/{CASE_ID}")).text
        board = (await c.get("/cases")).text
    assert "（25 分钟前）" in page, page
    assert re.search(r"5 分钟内需", board), board
    assert not re.search(r"\d(分钟|小时|天|秒)", page + board)
