"""The digest page's 负面变化 column read "-100%" for a brand whose negative posts fell
to none, and "-100%" with a few left (1 after 300). It says 降至 0 beside the day
before's count, and at most -99% with some left, as the Slack and robot digests, the
crisis brief and the brand report do (config.i18n.percent_change)."""

from __future__ import annotations

import re

import pytest

from config.schema import RadarConfig
from tests.web.conftest import make_config, mention

pytestmark = pytest.mark.anyio

# NOW is 2026-11-23 10:00 in Shanghai: the digest of 11-22 against 11-21
DAY_BEFORE, DAY = 46 * 60, 22 * 60  # minutes before NOW: 11-21 12:00 and 11-22 12:00


@pytest.fixture
def config() -> RadarConfig:
    return make_config(locale="zh_CN")


def _change_cell(page: str, brand: str) -> str:
    row = page.split(f"{brand}</a>")[1].split("</tr>")[0]
    return re.findall(r"<td[^>]*>([^<]*)</td>", row)[4]


async def test_the_digest_page_says_a_fall_to_nothing_in_words(login, store) -> None:  # type: ignore[no-untyped-def]
    store.upsert_mentions(
        [mention(100 + i, "极光汽车 漏油", minutes_ago=DAY_BEFORE) for i in range(4)]
        + [mention(200 + i, "清泉酸奶 变质", brand="清泉乳业", minutes_ago=DAY_BEFORE - i)
           for i in range(300)]
        + [mention(600, "清泉酸奶 变质", brand="清泉乳业", minutes_ago=DAY)]
    )  # fmt: skip
    async with login("exec") as c:
        page = (await c.get("/digest", params={"date": "2026-11-22"})).text
        api = (await c.get("/api/v1/digest", params={"date": "2026-11-22"})).json()
    assert api["brands"]["极光汽车"]["negative_change"] == -1.0  # the API keeps the figure
    assert _change_cell(page, "极光汽车") == "降至 0"
    assert _change_cell(page, "清泉乳业") == "-99%"  # -99.7% with one left
