"""PR team: case board, case page, and the case actions through alerts.actions."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.web.conftest import CASE_ID, api_token, form_post

pytestmark = pytest.mark.anyio
PR = {"Authorization": f"Bearer {api_token('pr')}"}


async def test_board_shows_open_cases_by_severity_with_time_left(login) -> None:  # type: ignore[no-untyped-def]
    async with login("pr") as c:
        page = (await c.get("/cases")).text
    assert "极光汽车 负面激增" in page and "P1" in page
    assert "(25m ago)" in page and "acknowledge within 5m" in page  # as the case page says it


async def test_board_api(anon: httpx.AsyncClient) -> None:
    board = (await anon.get("/api/cases", headers=PR)).json()
    item = board["open"][0]
    assert item["case"]["id"] == CASE_ID and item["due"] == "acknowledge"
    assert item["due_in_seconds"] == 300 and item["age_seconds"] == 25 * 60


async def test_case_page_has_evidence_figures_timeline(login) -> None:  # type: ignore[no-untyped-def]
    async with login("pr") as c:
        page = (await c.get(f"/cases/{CASE_ID}")).text
    assert "4S店不给退款" in page  # evidence post
    assert "negative share" in page and "4.5" in page  # trigger figures
    assert "alerted" in page and "negative surge 4.5× baseline" in page  # timeline
    assert ">Acknowledge</button>" in page


async def test_readers_see_no_action_buttons(login) -> None:  # type: ignore[no-untyped-def]
    async with login("care") as c:
        page = (await c.get(f"/cases/{CASE_ID}")).text
    assert ">Acknowledge</button>" not in page


async def test_a_closed_case_offers_no_action(login) -> None:  # type: ignore[no-untyped-def]
    """A closed case took no note, yet its page kept the note field: a PR writing one got
    'Not done: case … is closed: notes cannot be added'."""
    async with login("pr") as c:
        for action in ("resolve", "close"):
            await form_post(c, f"/cases/{CASE_ID}", f"/cases/{CASE_ID}/{action}", {})
        page = (await c.get(f"/cases/{CASE_ID}")).text
    assert 'class="caseactions"' not in page and f"/cases/{CASE_ID}/note" not in page
    assert "<b>closed</b>" in page


async def test_an_acknowledged_case_has_no_escalation_countdown(login) -> None:  # type: ignore[no-untyped-def]
    """Once PR took the demo's crisis, the board's column '升级倒计时' (time before
    escalation) held '需更新进展 23 小时 58 分钟内': a late update is a reminder, not an
    escalation. The column is the next deadline, whichever it is."""
    async with login("pr") as c:
        before = (await c.get("/cases")).text
        await form_post(c, f"/cases/{CASE_ID}", f"/cases/{CASE_ID}/acknowledge", {})
        await form_post(c, f"/cases/{CASE_ID}", f"/cases/{CASE_ID}/note", {"value": "在跟进"})
        after = (await c.get("/cases")).text
    for board in (before, after):
        assert "Before escalation" not in board
        assert "<th>Next deadline</th>" in board
    assert '<td data-label="Next deadline">acknowledge within 5m' in before.replace("\n", "")
    cell = re.search(r'<td data-label="Next deadline">\s*(.*?)</td>', after, re.S)
    assert cell and cell.group(1).strip().startswith("update within"), cell


async def test_a_resolved_case_on_the_board_says_when_it_was_resolved(login) -> None:  # type: ignore[no-untyped-def]
    """The board's recently resolved table had a column without a heading holding '—'
    (the open cases' time before escalation): it is when the case was resolved."""
    async with login("pr") as c:
        await form_post(c, f"/cases/{CASE_ID}", f"/cases/{CASE_ID}/resolve", {})
        board = (await c.get("/cases")).text
    done = board.split('class="board done"')[1].split("</table>")[0]
    headings = re.findall(r"<th>([^<]*)</th>", done)
    assert "" not in headings and "Resolved at" in headings, headings
    cell = re.search(r'<td data-label="Resolved at">([^<]*)</td>', done)
    assert cell and cell.group(1) == "Nov 23, 2026 10:00", done  # NOW, in Asia/Shanghai


async def test_acknowledge_through_the_page(login, store) -> None:  # type: ignore[no-untyped-def]
    async with login("pr") as c:
        r = await form_post(c, f"/cases/{CASE_ID}", f"/cases/{CASE_ID}/acknowledge", {})
        assert r.status_code == 303
        page = (await c.get(f"/cases/{CASE_ID}")).text
        # people by the name they go by (web.users[].display_name), not their login
        assert "acknowledged by PR user" in page and "acknowledged by pr " not in page
        info = page.split('<p class="caseinfo">')[1].split("</p>")[0]
        assert re.findall(r"\S·", info) == [], info  # "确认接手· 危机简报": a space before each ·
        # the timeline's line says it once: kind and who, not "✅ Acknowledged by" again
        line = page.split('class="ev-acknowledged"')[1].split("</li>")[0]
        assert line.count("PR user") == 1 and "Acknowledged by" not in line, line
        assert "PR user has the case since" in (await c.get(f"/cases/{CASE_ID}/summary")).text
        # the same action again is refused with the reason, not an error page
        r = await form_post(c, f"/cases/{CASE_ID}", f"/cases/{CASE_ID}/acknowledge", {})
        page = (await c.get(r.headers["location"])).text
        assert "Not done: case case-aurora-1 was already acknowledged" in page
        r = await form_post(c, f"/cases/{CASE_ID}", f"/cases/{CASE_ID}/assign", {"value": "admin"})
        line = (await c.get(f"/cases/{CASE_ID}")).text.split('class="ev-assigned"')[1]
        line = line.split("</li>")[0]  # "assigned PR user → ADMIN user", not "… by PR user" again
        assert line.count("PR user") == 1 and "→ ADMIN user" in line, line
    case = store.get_case(CASE_ID)
    assert case.status == "acknowledged" and case.acknowledged_by == "pr"
    assert [e.kind for e in store.case_events(CASE_ID)].count("acknowledged") == 1


async def test_assigning_the_assignee_again_says_nothing_changed(login, store) -> None:  # type: ignore[no-untyped-def]
    """The action changes nothing then (alerts.actions.assign returns None): the page said
    'Assigned.' as if it had."""
    async with login("pr") as c:
        r = await form_post(c, f"/cases/{CASE_ID}", f"/cases/{CASE_ID}/assign", {"value": "admin"})
        assert '<p class="flash ok">Assigned.</p>' in (await c.get(r.headers["location"])).text
        r = await form_post(c, f"/cases/{CASE_ID}", f"/cases/{CASE_ID}/assign", {"value": "admin"})
        page = (await c.get(r.headers["location"])).text
    assert "Assigned." not in page
    assert '<p class="flash notice">ADMIN user was already the assignee.</p>' in page
    assert [e.kind for e in store.case_events(CASE_ID)].count("assigned") == 1


async def test_full_case_lifecycle_through_the_api(anon: httpx.AsyncClient, store) -> None:  # type: ignore[no-untyped-def]
    base = f"/api/cases/{CASE_ID}"
    r = await anon.post(f"{base}/acknowledge", headers=PR)
    assert r.status_code == 200 and r.json()["status"] == "acknowledged"
    r = await anon.post(f"{base}/assign", json={"assignee": "admin"}, headers=PR)
    assert r.status_code == 200 and r.json()["assignee"] == "admin"
    # only someone who works cases, by login or display name (any string was taken)
    r = await anon.post(f"{base}/assign", json={"assignee": "nobody"}, headers=PR)
    assert r.status_code == 400 and "'nobody' is not a user who works cases" in r.text
    r = await anon.post(f"{base}/assign", json={"assignee": "pr USER"}, headers=PR)
    assert r.status_code == 200 and r.json()["assignee"] == "pr"
    r = await anon.post(f"{base}/notes", json={"text": "已联系车主, 安排检测"}, headers=PR)
    assert r.status_code == 200
    r = await anon.post(f"{base}/close", headers=PR)
    assert r.status_code == 409 and r.json()["detail"]  # must be resolved first
    r = await anon.post(f"{base}/resolve", headers=PR)
    assert r.status_code == 200 and r.json()["status"] == "resolved"
    r = await anon.post(f"{base}/close", headers=PR)
    assert r.status_code == 200 and r.json()["status"] == "closed"
    detail = (await anon.get(base, headers=PR)).json()
    kinds = [e["kind"] for e in detail["events"]]
    for kind in ("alerted", "acknowledged", "assigned", "note", "resolved", "closed"):
        assert kind in kinds
    assert any("安排检测" in e["text"] for e in detail["events"])
    board = (await anon.get("/api/cases", headers=PR)).json()
    assert board["open"] == [] and board["recent"][0]["case"]["id"] == CASE_ID


async def test_unknown_case_and_action(anon: httpx.AsyncClient, login) -> None:  # type: ignore[no-untyped-def]
    assert (await anon.get("/api/cases/nope", headers=PR)).status_code == 404
    assert (await anon.post("/api/cases/nope/acknowledge", headers=PR)).status_code == 404
    async with login("pr") as c:
        r = await form_post(c, f"/cases/{CASE_ID}", f"/cases/{CASE_ID}/explode", {})
        assert r.status_code == 404


def test_trigger_figures_are_shown_as_rows_without_bookkeeping() -> None:
    from radar.web.render import Formatter, trigger_rows

    trigger = {
        "rules": {"negative_surge": {"summary": "61 new negative stories in 10 min", "ratio": 9.9}},
        "peak": {"ratio": 9.9, "stories:sharp": 61, "label": "x"},
        "first_fired_at": "2026-11-23T11:29:14+00:00",
        "evidence_weight": {"demo-weibo:1": 5.7},
        "notified": {"ratio": 9.9},
        "stories": 12,
    }
    rows = dict(trigger_rows(trigger, Formatter("Asia/Shanghai")))
    assert rows == {
        "Negative surge": "61 new negative stories in 10 min",  # the rule's name
        "peak": "9.9× what the rule expected; stories (sharp rise) 61",  # named, not keyed
        "first fired": "Nov 23, 2026 19:29",
        "stories": "12",
    }
