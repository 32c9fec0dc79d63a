"""A timeline line says what happened once: its kind (重新打开, 已升级, 建议结案) is not
repeated by its text — the case page read "重新打开 系统 重新打开（P1）：…", the same on
the overview's timeline and the brief's. The stored text (Slack, robots, the JSON API)
keeps the whole sentence."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest

from alerts import lines
from alerts.timeline import record
from config.i18n import N_
from config.schema import RadarConfig
from tests.web.conftest import CASE_ID, NOW, make_config

pytestmark = pytest.mark.anyio


@pytest.fixture
def config() -> RadarConfig:
    return make_config(locale="zh_CN")


def said(page: str) -> dict[str, str]:
    """Each timeline line's text by its event kind (the last of a kind)."""
    out = {}
    for kind, body in re.findall(r'<li class="ev-([a-z_]+)">(.*?)</li>', page, re.S):
        body = re.sub(r"<time[^>]*>.*?</time>", "", body, flags=re.S)
        out[kind] = " ".join(unescape(re.sub(r"<[^>]+>", " ", body)).split())
    return out


def add_events(store) -> None:  # type: ignore[no-untyped-def]
    at = NOW - timedelta(minutes=20)
    figures = {"shape": "sharp", "stories": 13, "window_minutes": 10, "expected": 2.0,
               "ratio": 6.5, "negative_share": 0.9}  # fmt: skip
    what = {"rule": "negative_surge", "figures": figures}
    record(store, CASE_ID, "escalated", at, notify=False, line=lines.line(
        N_("⏫ Not acknowledged within %(waited)s: escalated to %(name)s"),
        waited=lines.line(N_("%(n)s min"), n=30), name="值班主管"))  # fmt: skip
    why = lines.line(N_("source healthy again for %(minutes)s min"), minutes="30")
    record(store, CASE_ID, "resolution_proposed", at + timedelta(minutes=5), notify=False,
           line=lines.line(N_("Calm: %(why)s. Resolution proposed — confirm with Resolve "
                              "when done."), why=why))  # fmt: skip
    record(store, CASE_ID, "reopened", at + timedelta(minutes=10), notify=False,
           line=lines.line(N_("Reopened (%(severity)s): %(what)s"), severity="P1",
                           what=lines.joined([what])))  # fmt: skip


async def test_each_timeline_line_says_its_kind_once(login, store) -> None:  # type: ignore[no-untyped-def]
    add_events(store)
    async with login("pr") as c:
        pages = {
            "case": (await c.get(f"/cases/{CASE_ID}")).text,
            "overview": (await c.get("/overview")).text,
            "brief": (await c.get(f"/cases/{CASE_ID}/summary")).text,
        }
    for name, page in pages.items():
        shown = said(page)
        assert shown["reopened"].startswith("重新打开 "), (name, shown)
        assert shown["reopened"].count("重新打开") == 1, (name, shown)
        assert "系统 P1 10 分钟内新增负面话题 13 个" in shown["reopened"], (name, shown)
        assert shown["escalated"].count("升级") == 1, (name, shown)
        assert "⏫ 至「值班主管」（30 分钟内无人确认接手）" in shown["escalated"], (name, shown)
        assert shown["resolution_proposed"].count("建议结案") == 1, (name, shown)
        assert (
            "已平息：来源已恢复正常 30 分钟——处理完毕后请点“标记解决”确认。"
            in (shown["resolution_proposed"])
        ), (name, shown)
    # what Slack and the robots read keeps the whole sentence
    texts = {e.kind: e.text for e in store.case_events(CASE_ID)}
    assert texts["reopened"].startswith(("重新打开（P1）：", "Reopened (P1): "))
    assert texts["escalated"].endswith(("已升级至「值班主管」", "escalated to 值班主管"))


async def test_an_english_reader_reads_the_kind_once_too(login, store, app) -> None:  # type: ignore[no-untyped-def]
    app.state.config.locale = "en"
    add_events(store)
    async with login("pr") as c:
        shown = said((await c.get(f"/cases/{CASE_ID}")).text)
    assert shown["reopened"].lower().count("reopen") == 1, shown
    assert shown["escalated"].lower().count("escalated") == 1, shown
    assert "⏫ to 值班主管 (not acknowledged within 30 min)" in shown["escalated"], shown
    assert shown["resolution_proposed"].lower().count("resolution proposed") == 1, shown
