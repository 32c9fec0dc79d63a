"""The PR lead raises a case's severity by hand on the case page and through the API
(P3 → P2 → P1, with a reason): PR and admin only, CSRF-protected like the other case
actions, recorded in the timeline with who/when/why, the case message queued for the
channel routed for the new severity (alerts.actions.raise_severity)."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from config.schema import RadarConfig
from index.models import Case, CaseEvent, Severity
from tests.web.conftest import NOW, api_token, csrf_of, form_post, make_config

pytestmark = pytest.mark.anyio
P3_CASE = "case-aurora-p3"
PAGE = f"/cases/{P3_CASE}"


@pytest.fixture
def config() -> RadarConfig:
    data = make_config().model_dump(by_alias=True)
    data["slack"] = {"default_channel": "#crisis", "routes": [
        {"channel": "#crisis-p1", "severities": ["P1"]}]}  # fmt: skip
    return RadarConfig.model_validate(data)


@pytest.fixture(autouse=True)
def p3_case(store) -> None:  # type: ignore[no-untyped-def]
    store.save_case(
        Case(
            id=P3_CASE, brand="清泉乳业", rule="negative_surge", severity=Severity.P3,
            title="清泉乳业 负面激增", opened_at=NOW - timedelta(minutes=10),
            updated_at=NOW - timedelta(minutes=10), evidence=["demo-weibo:1"],
            ack_due_at=NOW + timedelta(hours=1),
        )
    )  # fmt: skip
    store.append_case_event(
        CaseEvent(case_id=P3_CASE, at=NOW - timedelta(minutes=10), kind="alerted", text="surge")
    )


def channels(store) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(n.channel for n in store.due_notifications(NOW + timedelta(days=1), 500))


async def test_pr_raises_a_case_on_its_page(login, store) -> None:  # type: ignore[no-untyped-def]
    async with login("pr") as c:
        page = (await c.get(PAGE)).text
        assert f'action="{PAGE}/raise"' in page
        assert '<option value="P2">' in page and '<option value="P1">' in page
        assert '<option value="P3">' not in page
        # no CSRF token: refused, nothing changes
        r = await c.post(f"{PAGE}/raise", data={"severity": "P2", "value": "媒体"})
        assert r.status_code == 403 and "CSRF" in r.text
        assert store.get_case(P3_CASE).severity == "P3"
        # a raise with no reason is refused with the reason
        r = await form_post(c, PAGE, f"{PAGE}/raise", {"severity": "P2", "value": " "})
        page = (await c.get(r.headers["location"])).text
        assert "Not done: reason: say why the case is raised" in page
        r = await form_post(
            c, PAGE, f"{PAGE}/raise", {"severity": "P2", "value": "媒体<b>开始</b>转发"}
        )
        assert r.status_code == 303
        page = (await c.get(r.headers["location"])).text
    assert "Severity raised: the channel of the new severity is told." in page
    assert 'class="badge sev sev-P2"' in page
    line = page.split('class="ev-raised"')[1].split("</li>")[0]
    assert "raised by hand" in line and line.count("PR user") == 1, line
    assert "P3 → P2: 媒体&lt;b&gt;开始&lt;/b&gt;转发" in line and "<b>开始" not in line
    assert '<option value="P1">' in page and '<option value="P2">' not in page  # only higher
    case = store.get_case(P3_CASE)
    assert case.severity == "P2"
    [event] = [e for e in store.case_events(P3_CASE) if e.kind == "raised"]
    assert (event.actor, event.at, event.data["reason"]) == ("pr", NOW, "媒体<b>开始</b>转发")
    # the thread hears it (broadcast); P2 routes to the channel the case is already in
    assert store.get_notification(f"{P3_CASE}:event:{event.seq}") is not None


@pytest.mark.parametrize("role", ["care", "exec"])
async def test_only_pr_and_admin_may_raise(login, anon, store, role) -> None:  # type: ignore[no-untyped-def]
    async with login(role) as c:
        page = await c.get(PAGE)
        assert f"{PAGE}/raise" not in page.text
        r = await c.post(
            f"{PAGE}/raise",
            data={"severity": "P1", "value": "x", "csrftoken": csrf_of(page.text)},
        )
        assert r.status_code == 403
    r = await anon.post(
        f"/api/v1/cases/{P3_CASE}/raise",
        json={"severity": "P1", "reason": "x"},
        headers={"Authorization": f"Bearer {api_token(role)}"},
    )
    assert r.status_code == 403
    assert store.get_case(P3_CASE).severity == "P3"
    assert not [e for e in store.case_events(P3_CASE) if e.kind == "raised"]


async def test_raise_through_the_api(anon: httpx.AsyncClient, store) -> None:  # type: ignore[no-untyped-def]
    admin = {"Authorization": f"Bearer {api_token('admin')}"}
    url = f"/api/v1/cases/{P3_CASE}/raise"
    before = channels(store)
    r = await anon.post(url, json={"severity": "P1", "reason": "央视记者来电核实"}, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["severity"] == "P1" and r.json()["id"] == P3_CASE
    # the channel routed for P1 gets the case message, as an automatic raise to P1 does
    after = channels(store)
    assert after.count("#crisis-p1") == before.count("#crisis-p1") + 1
    detail = (await anon.get(f"/api/v1/cases/{P3_CASE}", headers=admin)).json()
    [event] = [e for e in detail["events"] if e["kind"] == "raised"]
    assert event["actor"] == "admin" and event["data"]["reason"] == "央视记者来电核实"
    assert event["data"]["from"] == "P3" and event["data"]["severity"] == "P1"
    assert event["at"].endswith("Z")
    # not higher than the case's: 409; a severity that is none or no reason: 422
    r = await anon.post(url, json={"severity": "P2", "reason": "再升"}, headers=admin)
    assert r.status_code == 409 and "can only be raised" in r.json()["detail"]
    bodies = [
        {"severity": "P3", "reason": "x"},
        {"severity": "P1"},
        {"severity": "P1", "reason": " "},
    ]
    for body in bodies:
        assert (await anon.post(url, json=body, headers=admin)).status_code == 422, body
    assert (await anon.post("/api/v1/cases/nope/raise", json={"severity": "P1", "reason": "x"},
                            headers=admin)).status_code == 404  # fmt: skip
    doc = (await anon.get("/openapi.json", headers=admin)).json()
    op = doc["paths"]["/api/v1/cases/{case_id}/raise"]["post"]
    assert op["operationId"] and "409" in op["responses"]
    assert "RaiseIn" in str(op["requestBody"])


async def test_the_raise_reads_in_chinese(store) -> None:  # type: ignore[no-untyped-def]
    from radar.web.app import create_app
    from tests.web.conftest import log_in

    app = create_app(make_config(locale="zh_CN"), store, clock=lambda: NOW)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        await log_in(c, "pr")
        page = (await c.get(PAGE)).text
        assert "上调级别" in page and "上调理由" in page and "上调至 P1" in page
        r = await form_post(c, PAGE, f"{PAGE}/raise", {"severity": "P1", "value": "上了热搜"})
        page = (await c.get(r.headers["location"])).text
    # the case message is queued for the channel (sent, or logged with no Slack connected):
    # 已通知 (already told) sat above the demo timeline's 未发送至 …：未接入 Slack
    assert "级别已上调：将通知该级别对应的频道。" in page and "已通知" not in page
    line = page.split('class="ev-raised"')[1].split("</li>")[0]
    assert "手动上调级别" in line and "P3 → P1：上了热搜" in line, line


async def test_the_executive_brief_shows_the_raise(login, store) -> None:  # type: ignore[no-untyped-def]
    async with login("pr") as c:
        await form_post(c, PAGE, f"{PAGE}/raise", {"severity": "P1", "value": "上了热搜"})
    async with login("exec") as c:
        brief = await c.get(f"{PAGE}/summary")
    assert brief.status_code == 200
    assert "P3 → P1: 上了热搜" in brief.text
