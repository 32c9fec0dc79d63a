"""Every moment the web shows reads the same way: the full date and time in the
configured time zone, Chinese first (``2026年11月23日 10:00``; ``Nov 23, 2026 10:00`` in
English), through one helper (``Formatter.when`` / the ``when`` filter). The year is left
out only on a chart's axis (``Formatter.tick``); the end of a range on the same day is its
time alone (``Formatter.span``); "5 分钟前" only beside a full moment."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from config.i18n import use_locale
from index.models import CaseEvent
from radar.web.app import create_app
from radar.web.render import Formatter
from tests.web.conftest import CASE_ID, NOW, log_in, make_config

pytestmark = pytest.mark.anyio

WEB = Path(__file__).resolve().parents[2] / "radar" / "web"
FULL_ZH = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}")
# another way of writing a moment: 2026-11-23 10:00, 11-23 10:00, 11月23日 10:00 (no year)
OTHER = re.compile(r"\d{1,2}-\d{1,2} \d{2}:\d{2}|(?<![年\d])\d{1,2}月\d{1,2}日 \d{2}:\d{2}")


def _shown(html: str) -> str:
    """The page's text as read: no scripts, no tags (a <time datetime> is for machines)."""
    html = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


async def test_every_page_writes_a_moment_one_way(store) -> None:  # type: ignore[no-untyped-def]
    store.append_case_event(
        CaseEvent(case_id=CASE_ID, at=NOW - timedelta(minutes=5), kind="note", actor="pr",
                  text="已联系车主")
    )  # fmt: skip
    store.correct_sentiment("demo-weibo:1", "极光汽车", "neutral", "care", NOW)
    app = create_app(make_config(locale="zh_CN"), store, clock=lambda: NOW)
    transport = httpx.ASGITransport(app=app)
    urls = [
        "/cases",
        f"/cases/{CASE_ID}",
        f"/cases/{CASE_ID}/summary",
        "/mentions/demo-weibo:1",
        "/stories/demo-weibo:1",
        "/search?q=漏油",
        "/digest?date=2026-11-22",
        "/admin/tokens",
    ]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        await log_in(c, "admin")
        pages = {url: (await c.get(url)) for url in urls}
    moments = 0
    for url, r in pages.items():
        assert r.status_code == 200, url
        text = _shown(r.text)
        assert not OTHER.findall(text), (url, OTHER.findall(text))
        moments += len(FULL_ZH.findall(text))
    assert moments >= 8


def test_the_helper_writes_moments_spans_and_ticks() -> None:
    fmt = Formatter("Asia/Shanghai")  # NOW is 10:00 there
    with use_locale("zh_CN"):
        assert fmt.when(NOW) == "2026年11月23日 10:00"
        assert fmt.span(NOW, NOW + timedelta(hours=3)) == "2026年11月23日 10:00–13:00"
        assert fmt.span(NOW, NOW + timedelta(days=1)) == (
            "2026年11月23日 10:00 → 2026年11月24日 10:00"
        )
        assert fmt.tick(NOW, 3600) == "11月23日 10:00" and fmt.tick(NOW, 86400) == "11月23日"
    with use_locale("en"):
        assert fmt.when(NOW) == "Nov 23, 2026 10:00"
        assert fmt.span(NOW, NOW + timedelta(hours=3)) == "Nov 23, 2026 10:00–13:00"


def test_no_page_writes_a_moment_by_strftime() -> None:
    """Templates show moments through ``when``; ``Formatter.local`` is left for values a
    machine reads (form fields, links, file names, CSV cells)."""
    for template in (WEB / "templates").glob("*.html"):
        source = template.read_text()
        assert "| local" not in source and "strftime" not in source, template.name
        assert 'when("' not in source, template.name  # no year left out on a page
    machine = {'"%Y-%m-%dT%H:%M"', '"%Y-%m-%d"', "'%Y%m%d'", '"%Y-%m-%d %H:%M:%S"',
               '"%Y%m%d-%H%M"'}  # fmt: skip  # the last: the CSV export's file name
    for module in WEB.glob("*.py"):
        for call in re.findall(r"(?<!def )\blocal\([^()]*?,\s*([^()]*?)\)", module.read_text()):
            assert call.strip() in machine, (module.name, call)
