"""A case's title on the pages names what the case is about now — a P1 surge after the
大V post that opened it — with that rule's latest figures; the title and the timeline's
lines are rendered for the reader: in Chinese (the default) and in English for a
reader who chose it. A message's deliveries are told on the line of the event it carried."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest

from alerts.cases import CaseManager
from config.i18n import use_locale
from index.base import Store
from radar.web.app import create_app
from tests.alerts.conftest import big_v_finding, sharp_surge_finding
from tests.web.conftest import CASE_ID, NOW, log_in, make_config

pytestmark = pytest.mark.anyio

SURGE_ZH = "极光汽车：负面激增 — 10 分钟内新增负面话题 40 个"
SURGE_EN = "极光汽车: Negative surge — 40 new negative stories in 10 min"


def _raised_case(store: Store) -> str:
    """A case a 大V post opened (P2), which a P1 surge then drove, as the engine of a
    Chinese deployment keeps it."""
    manager = CaseManager(make_config(locale="zh_CN"), store)
    with use_locale("zh_CN"):
        opened_at = NOW - timedelta(minutes=40)
        [event] = manager.apply("极光汽车", [big_v_finding(3_280_000)], opened_at, None)
        case = store.get_case(event.case_id)
        manager.apply(
            "极光汽车", [sharp_surge_finding(40, 13.3)], NOW - timedelta(minutes=30), case
        )
    return event.case_id


async def _pages(store: Store, reader_locale: str | None) -> dict[str, str]:
    config = make_config(locale="zh_CN")
    if reader_locale:
        for user in config.web.users:
            user.locale = reader_locale
    case_id = _raised_case(store)
    app = create_app(config, store, clock=lambda: NOW)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        await log_in(c, "admin")
        return {
            url: (await c.get(url)).text
            for url in (
                "/cases",
                f"/cases/{case_id}",
                f"/cases/{case_id}/summary",
                "/overview?brand=极光汽车",
            )
        }


async def test_pages_name_the_surge_that_drives_the_case_in_chinese(store) -> None:  # type: ignore[no-untyped-def]
    pages = await _pages(store, None)
    for url, page in pages.items():
        assert SURGE_ZH in page, url
        assert "高传播帖子 — " not in page, url  # not the post that opened it
    [case_page] = [page for url, page in pages.items() if url.count("/") == 2]
    assert "负面激增（由「高传播帖子」开启）" in case_page  # what it is about, what opened it
    assert "P2 汽车圈老炮儿（粉丝 3,280,000）发布负面帖子" in case_page  # the timeline
    assert "severity raised" not in case_page and "Update (" not in case_page


async def test_an_english_reader_reads_the_title_in_english(store) -> None:  # type: ignore[no-untyped-def]
    pages = await _pages(store, "en")
    for url, page in pages.items():
        assert SURGE_EN in page, url
        assert "负面激增 — " not in page and "新增负面话题" not in page, url
    [case_page] = [page for url, page in pages.items() if url.count("/") == 2]
    # the timeline's lines too (kept as lines, alerts/lines.py)
    assert "Update (P1): severity raised P2 → P1 · new: 40 new negative stories" in case_page
    assert "P2 negative post by 汽车圈老炮儿 with 3,280,000 followers" in case_page


async def test_each_delivery_is_told_on_the_line_it_delivered(store) -> None:  # type: ignore[no-untyped-def]
    """ "update sent to #…" followed every update as a line of its own, the same words each
    time: now the channels are on the line of the event they carried."""
    from alerts.engine import AlertEngine

    config = make_config(locale="zh_CN")
    engine = AlertEngine(config, store, pull=False)
    with use_locale("zh_CN"):
        at = NOW - timedelta(minutes=40)
        [event] = engine.cases.apply("极光汽车", [big_v_finding(3_280_000)], at, None)
        engine.deliver_outbox(at)
        case = store.get_case(event.case_id)
        later = NOW - timedelta(minutes=30)
        engine.cases.apply("极光汽车", [sharp_surge_finding(40, 13.3)], later, case)
        engine.deliver_outbox(later)
    kinds = [e.kind for e in store.case_events(case.id)]
    assert kinds.count("notified") >= 2  # kept as they were
    app = create_app(config, store, clock=lambda: NOW)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        await log_in(c, "pr")
        page = (await c.get(f"/cases/{case.id}")).text
    assert 'class="ev-notified"' not in page
    for kind in ("alerted", "updated"):
        line = page.split(f'class="ev-{kind}"')[1].split("</li>")[0]
        # no Slack token in the test config: the console notifier logged them (not "sent");
        # each line says so in two words, the page once in full (it ended every line)
        assert '<span class="sent logged" title="#radar-alerts">→ 仅记入日志</span>' in line, line
    assert page.count("未接入 Slack") == 1
    assert "未发送至 #radar-alerts：未接入 Slack" in page


def test_the_same_line_twice_in_a_row_is_one_line() -> None:
    from index.models import CaseEvent
    from radar.web.timeline import rows

    def sent(seq: int, key: str) -> CaseEvent:
        data = {"key": key, "channel": "#radar"}
        return CaseEvent(case_id="c1", seq=seq, at=NOW, kind="notified", text="sent", data=data)

    events = [
        CaseEvent(case_id="c1", seq=1, at=NOW, kind="alerted", text="P1 …"),
        sent(2, "c1:alert"),
        sent(3, "c1:alert@wecom:pr"),
        sent(4, "c1:event:99"),  # an event not on the page: a line of its own
        sent(5, "c1:event:99"),
    ]
    got = [(r.event.seq, r.sent_to, r.times) for r in rows(events)]
    assert got == [(1, ["#radar"], 1), (4, [], 2)]


def test_a_repeated_line_carries_the_deliveries_of_each_event_it_stands_for() -> None:
    """A note saved twice is one line ×2: the second note's delivery was a line of its own
    ("已通知 控制台日志 更新进展已发送至 #radar-alerts", seen on the demo's case page and
    overview)."""
    from index.models import CaseEvent
    from radar.web.timeline import rows

    def note(seq: int) -> CaseEvent:
        return CaseEvent(case_id="c1", seq=seq, at=NOW, kind="note", actor="pr", text="已联系法务")

    def sent(seq: int, of: int) -> CaseEvent:
        data = {"key": f"c1:event:{of}", "channel": "#radar-alerts"}
        return CaseEvent(case_id="c1", seq=seq, at=NOW, kind="notified", text="sent", data=data)

    got = [
        (r.event.seq, r.sent_to, r.times) for r in rows([note(5), note(6), sent(7, 5), sent(8, 6)])
    ]
    assert got == [(5, ["#radar-alerts"], 2)]


async def test_the_charts_mark_the_alert_with_the_severity_it_went_out_with(store) -> None:  # type: ignore[no-untyped-def]
    """The 大V post's alert went out as P2; the case was raised to P1 later. The brief's
    and the overview's charts (and the API's figures) marked it "P1 预警"."""
    pages = await _pages(store, None)
    brief = pages[next(u for u in pages if u.endswith("/summary"))]
    data = json.loads(brief.split('id="brief-data">')[1].split("</script>")[0])
    marked = json.dumps(data["markers"], ensure_ascii=False)
    assert "P2 预警" in marked and "P1 预警" not in marked
    overview = pages["/overview?brand=极光汽车"]
    data = json.loads(overview.split('id="chart-data">')[1].split("</script>")[0])
    marked = json.dumps(data["moments"], ensure_ascii=False)
    assert "P2 已预警" in marked  # (the fixture's other case went out as P1)


def _closed(store: Store, case_id: str) -> None:
    from alerts import actions

    actions.resolve(store, case_id, "pr", NOW - timedelta(minutes=10))
    actions.close(store, case_id, "pr", NOW - timedelta(minutes=5))


async def _case_pages(store: Store, case_id: str) -> dict[str, str]:
    app = create_app(make_config(locale="zh_CN"), store, clock=lambda: NOW)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        await log_in(c, "admin")
        return {
            url: (await c.get(url)).text
            for url in ("/cases?status=closed", f"/cases/{case_id}", f"/cases/{case_id}/summary")
        }


async def test_a_closed_case_keeps_the_title_it_closed_with(store, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A case closes on the surge that drove it: a later choice of lead rule (a newer
    program's, here the opening rule's) does not rename it; an open case follows it."""
    from alerts import messages
    from alerts.trigger import CaseTrigger

    case_id = _raised_case(store)
    _closed(store, case_id)
    monkeypatch.setattr(CaseTrigger, "lead_rule", lambda self, opened_by: opened_by)
    closed = store.get_case(case_id)
    with use_locale("zh_CN"):
        assert messages.headline(closed).startswith(SURGE_ZH)
        assert messages.case_title(closed) == "极光汽车：负面激增"
    for url, page in (await _case_pages(store, case_id)).items():
        assert SURGE_ZH in page, url
        assert "高传播帖子 — " not in page, url
    monkeypatch.undo()
    with use_locale("zh_CN"):  # an open case: the current choice
        assert messages.headline(_open_again(closed)).startswith(SURGE_ZH)
    monkeypatch.setattr(CaseTrigger, "lead_rule", lambda self, opened_by: opened_by)
    with use_locale("zh_CN"):
        assert messages.headline(_open_again(closed)).startswith("极光汽车：高传播帖子 — ")


def _open_again(case):  # type: ignore[no-untyped-def]
    from alerts.trigger import CaseTrigger

    again = case.model_copy(update={"status": "open"}, deep=True)
    trig = CaseTrigger.of(again)
    trig.title_rule = None  # as a reopen leaves it (tests/alerts/test_actions.py)
    trig.save_to(again)
    return again


async def test_a_case_closed_before_its_rule_was_kept_shows_its_stored_title(store) -> None:  # type: ignore[no-untyped-def]
    """A case closed by an older program (its rules' figures without severity or time)
    shows the title stored when it closed, not one re-rendered from another rule."""
    from alerts import messages

    case_id = _raised_case(store)
    case = store.get_case(case_id)
    stored_title = case.title
    assert stored_title.startswith(SURGE_ZH)
    for figures in case.trigger["rules"].values():
        figures.pop("severity"), figures.pop("fired_at")
    store.save_case(case)
    _closed(store, case_id)
    closed = store.get_case(case_id)
    closed.trigger.pop("title_rule", None)  # what an older program's resolve left
    store.save_case(closed)
    with use_locale("zh_CN"):
        assert messages.headline(store.get_case(case_id)) == stored_title
    for url, page in (await _case_pages(store, case_id)).items():
        assert SURGE_ZH in page, url


def test_a_delivery_only_to_the_console_log_is_not_called_sent() -> None:
    """Without a Slack token the console notifier writes each message to the service's
    log, and the timeline read '→ 已发送至 #radar-alerts' on every line — a PR lead took
    it that the team had the case in Slack (real-browser walk of the demo)."""
    from index.models import CaseEvent
    from radar.web.timeline import rows

    def sent(seq: int, via: str) -> CaseEvent:
        data = {"key": "c1:alert", "channel": "#radar-alerts", "via": via}
        return CaseEvent(case_id="c1", seq=seq, at=NOW, kind="notified", text="sent", data=data)

    alerted = CaseEvent(case_id="c1", seq=1, at=NOW, kind="alerted", text="P1 …")
    (row,) = rows([alerted, sent(2, "console")])
    assert row.sent_to == [] and row.logged == ["#radar-alerts"]
    (row,) = rows([alerted, sent(2, "slack")])
    assert row.sent_to == ["#radar-alerts"] and row.logged == []


async def test_the_case_page_says_a_console_delivery_was_not_sent(store) -> None:  # type: ignore[no-untyped-def]
    from index.models import CaseEvent

    alerted = next(e for e in store.case_events(CASE_ID) if e.kind == "alerted")
    data = {"key": f"{CASE_ID}:alert", "channel": "#radar-alerts", "via": "console"}
    store.append_case_event(
        CaseEvent(case_id=CASE_ID, at=alerted.at, kind="notified", actor="console",
                  text="事件已发送至 #radar-alerts", data=data)
    )  # fmt: skip
    app = create_app(make_config(locale="zh_CN"), store, clock=lambda: NOW)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        await log_in(c, "pr")
        page = (await c.get(f"/cases/{CASE_ID}")).text
    line = page.split('class="ev-alerted"')[1].split("</li>")[0]
    assert "→ 仅记入日志" in line, line
    assert "已发送至" not in line
    assert "未发送至 #radar-alerts：未接入 Slack" in page


def _slow_climb(ratio: float):  # type: ignore[no-untyped-def]
    """The surge rule's sustained rise (its own finding key, as the rule keys it)."""
    from alerts import summaries
    from alerts.rules.base import Finding
    from tests.alerts.conftest import fact

    figures = {
        "shape": "slow_climb",
        "stories": 32,
        "window_minutes": 360,
        "expected": round(32 / ratio, 2),
        "ratio": ratio,
        "negative_share": 0.6,
        "last_hour": {"stories": 6, "expected": 1.7},
    }
    return Finding(
        rule="negative_surge",
        brand="极光汽车",
        key="negative_surge:slow_climb",
        summary=summaries.negative_surge(figures),
        figures=figures,
        ratio=ratio,
        evidence=[fact(3)],
    )


PEAK_ZH = "极光汽车：负面激增 — 10 分钟内新增负面话题 544 个，预期 10.0 个（54.4 倍）"


@pytest.mark.parametrize("reopened", [False, True])
async def test_the_title_keeps_the_peak_and_the_updates_tell_the_figures_of_now(
    store, reopened
) -> None:  # type: ignore[no-untyped-def]
    """A sharp surge at 54.4× then the sustained rise after it at 3.2× (in the open case,
    or reopening it after it was resolved): the title read 持续上升…（3.2 倍） beside a
    peak of 54.4× — it keeps the crisis's peak on the case list, case page and brief;
    the timeline's line (the Slack thread's) tells the 3.2× and the case page lists both."""
    from alerts import actions

    manager = CaseManager(make_config(locale="zh_CN"), store)
    with use_locale("zh_CN"):
        [event] = manager.apply(
            "极光汽车", [sharp_surge_finding(544, 54.4)], NOW - timedelta(hours=3), None
        )
        if reopened:
            actions.resolve(store, event.case_id, "pr", now=NOW - timedelta(hours=2))
        case = store.get_case(event.case_id)
        manager.apply("极光汽车", [_slow_climb(3.2)], NOW - timedelta(minutes=30), case)
    case = store.get_case(event.case_id)
    assert case.status == "open" and case.title.startswith(PEAK_ZH), case.title
    said = store.case_events(case.id)[-1]
    assert said.kind == ("reopened" if reopened else "updated")
    assert "（3.2 倍）" in said.text and "54.4" not in said.text  # the thread: news of now
    app = create_app(make_config(locale="zh_CN"), store, clock=lambda: NOW)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        await log_in(c, "admin")
        for url in ("/cases", f"/cases/{case.id}", f"/cases/{case.id}/summary"):
            page = (await c.get(url)).text
            assert PEAK_ZH in page, url
            assert "持续上升：" not in page.split("<h1")[1].split("</h1>")[0], url
        page = (await c.get(f"/cases/{case.id}")).text
    assert "负面激增（峰值）" in page and "负面激增（最近一次）" in page
    assert "（3.2 倍）" in page  # the latest firing, on its own row
