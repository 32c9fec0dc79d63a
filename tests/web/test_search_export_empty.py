"""A search that finds nothing offers no 导出 CSV: the button led to a file of headers only."""

from __future__ import annotations

import pytest

from config.schema import RadarConfig
from tests.web.conftest import make_config

pytestmark = pytest.mark.anyio

EXPORT = 'href="/search/export.csv?'


@pytest.fixture
def config() -> RadarConfig:
    return make_config(locale="zh_CN")


async def test_no_export_button_when_nothing_is_found(login) -> None:  # type: ignore[no-untyped-def]
    async with login("care") as c:
        found = await c.get("/search", params={"q": "brand:极光汽车", "range": "7d"})
        none = await c.get("/search", params={"q": "没有这样的词语xyz", "range": "all"})
    assert found.status_code == 200 and none.status_code == 200
    assert EXPORT in found.text and "导出 CSV" in found.text
    assert "没有符合条件的提及。" in none.text and "共 0 条提及" in none.text
    assert EXPORT not in none.text
    assert "导出 CSV" not in none.text
