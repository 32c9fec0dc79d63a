"""The PR lead raises a case's severity by hand (P3 → P2 → P1) with a reason: the rules only
ever raised it. alerts.actions.raise_severity records who, when and why, and the case
reaches the channel routed for the new severity as an automatic raise does."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from alerts import actions
from alerts.cases import CaseManager
from alerts.engine import AlertEngine
from alerts.notifiers import ConsoleNotifier
from config.i18n import use_channel_locale
from index.models import BrandMatch, Mention
from tests.alerts.conftest import T0, make_config, slack_config, surge_finding
from tests.alerts.smtp_server import smtp_stand_in
from tests.alerts.test_email import cert, email_notify  # noqa: F401 (a fixture)
from tests.alerts.test_robots import KINDS, robot, robots  # noqa: F401 (a fixture)


def test_a_case_raised_by_hand_reaches_the_p1_channel(slack, store) -> None:  # type: ignore[no-untyped-def]
    url, state = slack
    config = slack_config(url)  # routes: P1 -> #crisis-p1, else #crisis
    engine = AlertEngine(config, store)
    [opened] = CaseManager(config, store).apply("极光汽车", [surge_finding()], T0, None)
    engine.deliver_outbox(T0)
    assert [r["channel"] for r in state.requests] == ["#crisis"]
    case = store.get_case(opened.case_id)
    assert case.severity == "P3" and case.status == "open"
    first_due = case.ack_due_at

    at = T0 + timedelta(minutes=5)
    event = actions.raise_severity(store, config, case.id, "pr", "P1", "央视记者来电核实", now=at)
    assert event.kind == "raised" and event.actor == "pr" and event.at == at
    assert event.text == "⏫ pr raised the severity P3 → P1: 央视记者来电核实"
    assert event.data["severity"] == "P1" and event.data["from"] == "P3"
    assert event.data["reason"] == "央视记者来电核实"
    saved = store.get_case(case.id)
    assert saved.severity == "P1"
    # the P1 acknowledgement deadline, counted from the raise, when it is sooner
    p1_due = at + timedelta(seconds=config.alerts.ack_deadline.P1)
    assert saved.ack_due_at == min(first_due, p1_due)

    engine.deliver_outbox(at)
    posts = {r["channel"]: r for r in state.requests[1:]}
    thread = posts["#crisis"]
    assert thread["thread_ts"] == state.requests[0]["ts"] and thread.get("reply_broadcast")
    assert "央视记者来电核实" in json.dumps(thread, ensure_ascii=False)
    p1 = posts["#crisis-p1"]  # the channel routed for P1 gets the case message
    assert "thread_ts" not in p1 and "P1 · 极光汽车" in json.dumps(p1["blocks"], ensure_ascii=False)
    assert store.get_case(case.id).slack["ts"] == state.requests[0]["ts"]  # thread kept


def test_p3_to_p2_to_p1_step_by_step(store) -> None:  # type: ignore[no-untyped-def]
    config = make_config()
    [opened] = CaseManager(config, store).apply("极光汽车", [surge_finding()], T0, None)
    actions.acknowledge(store, opened.case_id, "pr", now=T0)
    actions.raise_severity(store, config, opened.case_id, "pr", "p2", "媒体开始转发", now=T0)
    actions.raise_severity(store, config, opened.case_id, "admin", "P1", "上了热搜", now=T0)
    case = store.get_case(opened.case_id)
    assert case.severity == "P1" and case.status == "acknowledged"
    assert case.ack_due_at is None  # acknowledged: nothing to acknowledge by
    raised = [e for e in store.case_events(case.id) if e.kind == "raised"]
    assert [(e.actor, e.data["from"], e.data["severity"]) for e in raised] == [
        ("pr", "P3", "P2"),
        ("admin", "P2", "P1"),
    ]


@pytest.mark.parametrize(
    ("steps", "severity", "reason", "message"),
    [
        ([], "P1", "  ", "say why the case is raised"),
        ([], "P0", "why", "'P0' is not a severity"),
        ([], "P3", "why", "is P3: it can only be raised"),
        (["P1"], "P2", "why", "is P1: it can only be raised"),
        (["resolve"], "P1", "why", "is resolved: only an open or acknowledged case"),
    ],
)
def test_a_raise_that_is_not_one_is_refused(store, steps, severity, reason, message) -> None:  # type: ignore[no-untyped-def]
    config = make_config()
    [opened] = CaseManager(config, store).apply("极光汽车", [surge_finding()], T0, None)
    for step in steps:
        if step == "resolve":
            actions.resolve(store, opened.case_id, "pr", now=T0)
        else:
            actions.raise_severity(store, config, opened.case_id, "pr", step, "先前", now=T0)
    before = store.get_case(opened.case_id)
    events = len(store.case_events(opened.case_id))
    with pytest.raises(actions.ActionError, match=message):
        actions.raise_severity(store, config, opened.case_id, "pr", severity, reason, now=T0)
    assert store.get_case(opened.case_id).severity == before.severity
    assert len(store.case_events(opened.case_id)) == events  # nothing recorded


# -- the reason in the case message the new severity's channel gets ---------------------
# the new channel's readers never see the thread reply that gives the reason; a case
# opened by hand has no rule's figures, so its "What fired" was an empty list
REASON = "<!channel> 记者 & <https://evil.example|点我> *上了热搜* @all @所有人 <at id=all></at>"


def _manual_case(store, at):  # type: ignore[no-untyped-def]
    mention = Mention(
        id="weibo:78",
        source="weibo",
        text="极光汽车 刹车失灵",
        published_at=at,
        url="https://weibo.example/78",
        brands=[BrandMatch(brand="极光汽车")],
    )
    store.upsert_mentions([mention])
    return actions.open_case(store, "极光汽车", "pr", "weibo:78", now=at, tz="Asia/Shanghai")


def test_the_p1_channel_gets_who_raised_it_and_why_escaped(slack, store) -> None:  # type: ignore[no-untyped-def]
    url, state = slack
    config = slack_config(url)
    engine = AlertEngine(config, store)
    [opened] = CaseManager(config, store).apply("极光汽车", [surge_finding()], T0, None)
    engine.deliver_outbox(T0)
    actions.raise_severity(store, config, opened.case_id, "pr", "P1", REASON, now=T0)
    engine.deliver_outbox(T0)
    [p1] = [r for r in state.requests if r["channel"] == "#crisis-p1"]
    blocks = json.dumps(p1["blocks"], ensure_ascii=False)
    said = (
        "⏫ pr raised the severity P3 → P1: &lt;!channel&gt; 记者 &amp; &lt;https://evil.example|"
    )
    assert said in blocks and said in p1["text"], blocks
    assert "<!channel>" not in blocks and "<https://evil" not in blocks
    assert "<!channel>" not in p1["text"]
    assert "12 new negative stories" in blocks  # the rules' figures are still listed


def test_a_case_opened_by_hand_and_raised_says_why_not_an_empty_list(slack, store) -> None:  # type: ignore[no-untyped-def]
    url, state = slack
    config = slack_config(url)
    case = _manual_case(store, T0)
    actions.raise_severity(store, config, case.id, "pr", "P1", "央视记者来电核实", now=T0)
    AlertEngine(config, store).deliver_outbox(T0)
    # the case message (no Slack message before: opened by hand), then the thread reply
    [p1, reply] = state.requests
    assert p1["channel"] == "#crisis-p1" and "thread_ts" not in p1
    assert reply["thread_ts"] == p1["ts"]
    texts = [b["text"]["text"] for b in p1["blocks"] if b["type"] == "section" and "text" in b]
    assert texts == ["⏫ pr raised the severity P3 → P1: 央视记者来电核实"], texts  # no What fired
    assert "央视记者来电核实" in p1["text"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_robot_routed_for_p1_gets_the_reason_neutralised(kind, robots, store) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    _, state = robots
    notify = {kind: [robot(kind)], "routes": [{"targets": [f"{kind}:pr"], "severities": ["P1"]}]}
    config = make_config(locale="zh_CN", notify=notify)
    case = _manual_case(store, T0)
    with use_channel_locale("zh_CN"):  # as the web raises it (radar/web/i18n.py)
        actions.raise_severity(store, config, case.id, "pr", "P1", REASON, now=T0)
    AlertEngine(config, store, ConsoleNotifier()).deliver_outbox(T0)
    [body, _update] = state.accepted[kind]  # the case message, then the timeline's line
    shown = json.dumps(body, ensure_ascii=False)
    assert "舆情告警" in shown and "案件更新" not in shown, shown  # the case message
    assert "⏫ pr 将级别上调 P3 → P1：" in shown and "上了热搜" in shown, shown
    for trigger in ("@all", "<!channel>", "@所有人", "<at id=all>", "](https://evil", "*上了热搜*"):
        assert trigger not in shown, trigger
    assert "＠所有人" in shown


def test_a_mail_list_routed_for_p1_gets_the_reason_escaped(cert, store) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    with smtp_stand_in(*cert) as (port, mail):
        notify = {
            **email_notify(port),
            "routes": [{"targets": ["email:execs"], "severities": ["P1"]}],
        }
        config = make_config(locale="zh_CN", notify=notify)
        case = _manual_case(store, T0)
        reason = '<script>alert(1)</script> 央视记者来电 "><img src=x onerror=alert(2)>'
        with use_channel_locale("zh_CN"):
            actions.raise_severity(store, config, case.id, "pr", "P1", reason, now=T0)
        AlertEngine(config, store, ConsoleNotifier()).deliver_outbox(T0)
    [message] = mail.messages
    rich = message.get_body(("html",)).get_content()
    plain = message.get_body(("plain",)).get_content()
    assert f"⏫ pr 将级别上调 P3 → P1：{reason}" in plain
    assert "<script>" not in rich and "<img" not in rich
    assert "⏫ pr 将级别上调 P3 → P1：&lt;script&gt;alert(1)&lt;/script&gt; 央视记者来电" in rich
