"""WeCom, DingTalk and Feishu robots through the durable outbox, against the loopback
stand-in (tests/alerts/robot_server.py): signatures, the case link, escaping of crawled
text, a rate-limit answer, an outage, a refused token — nothing lost, nothing twice."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from alerts import actions, outbox
from alerts.cases import CaseManager
from alerts.engine import AlertEngine
from alerts.notifiers import ConsoleNotifier
from tests.alerts.conftest import T0, fact, make_config, surge_finding
from tests.alerts.robot_server import SECRETS, RobotState, robot_stand_in, webhook_url

KINDS = ("wecom", "dingtalk", "feishu")
NASTY = "@all <@all> @所有人 <at id=all></at> [点我领奖](http://evil.example) **刹车** 极光汽车"


@pytest.fixture
def robots(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, RobotState]]:
    with robot_stand_in() as (base, state):
        for kind in KINDS:
            monkeypatch.setenv(f"RADAR_TEST_{kind.upper()}_URL", webhook_url(base, kind))
        monkeypatch.setenv("RADAR_TEST_DINGTALK_SECRET", SECRETS["dingtalk"])
        monkeypatch.setenv("RADAR_TEST_FEISHU_SECRET", SECRETS["feishu"])
        state.clock = lambda: 0.0  # the stand-in's pace follows the simulated clock
        yield base, state


def robot(kind: str, name: str = "pr", **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"name": name, "webhook": {"$env": f"RADAR_TEST_{kind.upper()}_URL"}}
    if kind in SECRETS:
        data["secret"] = {"$env": f"RADAR_TEST_{kind.upper()}_SECRET"}
    return {**data, **extra}


def config_for(kind: str, **robot_extra: Any) -> Any:
    notify: dict[str, Any] = {
        kind: [robot(kind, **robot_extra)],
        "routes": [{"targets": [f"{kind}:pr"]}],
        "escalation": [{"step": "PR manager", "targets": [f"{kind}:pr"]}],
        "digest": [f"{kind}:pr"],
    }
    return make_config(locale="zh_CN", notify=notify)


def open_case(config: Any, store: Any, finding: Any = None) -> Any:
    events = CaseManager(config, store).apply("极光汽车", [finding or surge_finding()], T0, None)
    return store.get_case(events[0].case_id)


def deliver(config: Any, store: Any, at: Any) -> int:
    """A new engine each time: what the outbox does survives a restart."""
    return AlertEngine(config, store, ConsoleNotifier()).deliver_outbox(at)


def text_of(kind: str, body: dict[str, Any]) -> str:
    return json.dumps(body, ensure_ascii=False)


@pytest.mark.parametrize("kind", KINDS)
def test_case_message_signed_with_the_case_link(kind, robots, store) -> None:
    _, state = robots
    config = config_for(kind)
    case = open_case(config, store)
    assert deliver(config, store, T0) == 2  # the console (Slack's place) and the robot
    [body] = state.accepted[kind]
    assert state.bad_signatures == 0
    shown = text_of(kind, body)
    assert "舆情告警" in shown and "极光汽车" in shown and "负面激增" in shown
    # times as the web writes them, the zone named as its footer names it (was 09-15 14:00)
    assert "开始 9月15日 14:00 北京时间，确认期限 9月15日 16:00 北京时间" in shown
    assert "— 车主1（粉丝 1,000）" in shown  # Chinese punctuation (was "车主1 (粉丝 1,000)")
    url = f"https://radar.example/cases/{case.id}"
    if kind == "wecom":
        assert body["msgtype"] == "markdown" and url in body["markdown"]["content"]
    elif kind == "dingtalk":  # a card whose button opens the case page
        assert body["msgtype"] == "actionCard" and body["actionCard"]["singleURL"] == url
    else:
        assert body["msg_type"] == "interactive"
        [button] = [
            a for e in body["card"]["elements"] if e["tag"] == "action" for a in e["actions"]
        ]
        assert button["url"] == url
        assert body["card"]["header"]["template"] == "yellow"  # P3
    kinds = [(e.kind, e.actor) for e in store.case_events(case.id)]
    assert ("notified", f"{kind}:pr") in kinds


@pytest.mark.parametrize("kind", KINDS)
def test_crawled_text_cannot_mention_everyone_or_inject_links(kind, robots, store) -> None:
    _, state = robots
    config = config_for(kind)
    open_case(config, store, surge_finding(evidence=[fact(1, NASTY)]))
    deliver(config, store, T0)
    shown = text_of(kind, state.accepted[kind][0])
    for trigger in ("@all", "<@all>", "@所有人", "<at id=all>", "](http://evil", "**刹车**"):
        assert trigger not in shown, trigger
    assert "＠所有人" in shown and "［点我领奖］" in shown  # still readable
    assert 'isAtAll": true' not in shown and "mentioned_list" not in shown


@pytest.mark.parametrize("kind", KINDS)
def test_rate_limit_answer_defers_only_that_robot(kind, robots, store) -> None:
    _, state = robots
    config = config_for(kind)
    state.rate_limit[kind] = 1
    case = open_case(config, store)
    assert deliver(config, store, T0) == 1  # Slack's place went; the robot waits
    n = store.get_notification(f"{case.id}:alert@{kind}:pr")
    wait = (n.next_attempt_at - T0).total_seconds()
    assert wait == {"wecom": 60, "dingtalk": 600, "feishu": 60}[kind]
    # an update meanwhile waits for the case message: the group reads them in order
    actions.acknowledge(store, case.id, "alice", now=T0 + timedelta(seconds=30))
    assert deliver(config, store, T0 + timedelta(seconds=30)) == 1  # Slack's place only
    assert deliver(config, store, T0 + timedelta(seconds=wait - 1)) == 0
    assert deliver(config, store, T0 + timedelta(seconds=wait)) == 2
    assert deliver(config, store, T0 + timedelta(hours=1)) == 0
    first, second = (text_of(kind, b) for b in state.accepted[kind])
    assert "12 new negative stories" in first and "Acknowledged by alice" in second


@pytest.mark.parametrize("kind", KINDS)
def test_outage_is_retried_and_delivers_once(kind, robots, store) -> None:
    _, state = robots
    config = config_for(kind)
    state.down.add(kind)
    case = open_case(config, store)
    at = T0
    for _ in range(4):
        deliver(config, store, at)
        at += timedelta(minutes=15)
    assert state.attempts[kind] == 4 and state.accepted[kind] == []
    state.down.clear()
    for _ in range(3):
        deliver(config, store, at)
        at += timedelta(minutes=15)
    assert len(state.accepted[kind]) == 1
    assert store.get_notification(f"{case.id}:alert@{kind}:pr").delivered_at is not None


def test_a_robot_that_is_down_is_tried_once_a_run(robots, store) -> None:
    """Each of a down (or hanging: 10 s timeout) robot's messages was tried in the same
    run, one timeout after another, while Slack's waited for the run to go on."""
    _, state = robots
    config = config_for("wecom")
    state.down.add("wecom")
    first = open_case(config, store)
    events = CaseManager(config, store).apply("清泉乳业", [surge_finding("清泉乳业")], T0, None)
    second = store.get_case(events[0].case_id)
    deliver(config, store, T0)
    assert state.attempts["wecom"] == 1  # was 2
    errors = sorted(store.get_notification(f"{c.id}:alert@wecom:pr").last_error
                    for c in (first, second))  # fmt: skip
    assert errors == [
        "[failure 0] wecom:pr failed this run: RuntimeError: wecom:pr: HTTP 503",
        "[failure 1] RuntimeError: wecom:pr: HTTP 503",
    ]
    state.down.clear()
    at = T0
    for _ in range(3):
        at += timedelta(minutes=15)
        deliver(config, store, at)
    shown = [text_of("wecom", b) for b in state.accepted["wecom"]]
    assert len(shown) == 2  # each once
    assert all(any(c.id in s for s in shown) for c in (first, second))


@pytest.mark.parametrize("kind", KINDS)
def test_refused_token_goes_to_the_fallback_robot(kind, robots, store) -> None:
    _, state = robots
    other = next(k for k in KINDS if k != kind)
    notify = {
        kind: [robot(kind, fallback=f"{other}:ops")],
        other: [robot(other, name="ops")],
        "routes": [{"targets": [f"{kind}:pr"]}],
    }
    config = make_config(locale="zh_CN", notify=notify)
    state.refuse.add(kind)
    case = open_case(config, store)
    assert deliver(config, store, T0) == 2
    assert state.accepted[kind] == []
    [body] = state.accepted[other]
    assert f"未能发送到 {kind}:pr" in text_of(other, body)
    entry = store.get_notification(f"{case.id}:alert@{kind}:pr")
    assert entry.result["fallback_for"] == f"{kind}:pr"
    assert deliver(config, store, T0 + timedelta(hours=2)) == 0  # once


def test_refused_without_fallback_is_kept_not_dropped(robots, store) -> None:
    _, state = robots
    config = config_for("wecom")
    state.refuse.add("wecom")
    case = open_case(config, store)
    deliver(config, store, T0)
    n = store.get_notification(f"{case.id}:alert@wecom:pr")
    assert n.delivered_at is None and "refused" in n.last_error
    assert n.next_attempt_at == T0 + timedelta(seconds=config.slack.retry_max)
    state.refuse.clear()  # someone fixed the robot
    assert deliver(config, store, n.next_attempt_at) == 1
    assert len(state.accepted["wecom"]) == 1


def test_a_robot_keeps_its_documented_pace(robots, store) -> None:
    _, state = robots
    config = config_for("wecom")
    case = open_case(config, store)
    for i in range(24):
        actions.add_note(store, case.id, "alice", f"进展 {i}", now=T0)
    sent, at = 0, T0
    while at < T0 + timedelta(minutes=5):
        state.clock = lambda at=at: at.timestamp()
        sent += deliver(config, store, at)
        at += timedelta(seconds=15)
    assert len(state.accepted["wecom"]) == 25  # the case message and 24 notes, once each
    assert state.over_pace == 0
    contents = [b["markdown"]["content"] for b in state.accepted["wecom"][1:]]
    assert len(set(contents)) == 24 and "事件更新" in contents[0]


@pytest.mark.parametrize("kind", KINDS)
def test_updates_escalations_and_digest_reach_the_robot(kind, robots, store) -> None:
    _, state = robots
    config = config_for(kind)
    engine = AlertEngine(config, store, ConsoleNotifier())
    case = open_case(config, store)
    engine.check_escalations(case.ack_due_at)  # nobody acknowledged: PR manager step
    engine.deliver_outbox(case.ack_due_at)
    actions.acknowledge(store, case.id, "alice", now=case.ack_due_at + timedelta(minutes=1))
    digest = engine.daily_digest(T0 + timedelta(hours=20))
    assert digest["queued"]
    engine.deliver_outbox(T0 + timedelta(hours=20, minutes=1))
    shown = [text_of(kind, b) for b in state.accepted[kind]]
    assert len(shown) == 5, shown  # case, escalated (update), escalation, acknowledged, digest
    assert any("升级提醒" in s and "PR manager" in s for s in shown)
    assert any("事件未在 2 小时内确认" in s for s in shown), shown  # was "2 小时 内"
    # the keywords docs/alerts.md gives for a robot secured by keywords: one in each
    assert all("事件" in s or "简报" in s for s in shown), shown
    assert any("Acknowledged by alice" in s for s in shown)
    assert any("打开每日简报" in s and "radar.example/digest" in s for s in shown)
    assert any("每日简报 · 截至 2026年9月16日 10:00 北京时间" in s for s in shown), shown[-1]


def test_messages_follow_the_deployment_language(robots, store) -> None:
    _, state = robots
    config = config_for("wecom")
    config.locale = "en"
    open_case(config, store)
    deliver(config, store, T0)
    content = state.accepted["wecom"][0]["markdown"]["content"]
    assert "Alert" in content and "Negative surge" in content and "Top evidence" in content
    assert "Open the case page (acknowledge / resolve)" in content and "舆情告警" not in content


def test_feishu_keeps_five_a_second(robots, store) -> None:
    config = config_for("feishu")
    notifier = AlertEngine(config, store, ConsoleNotifier()).targets.get("feishu:pr")
    for _ in range(5):
        assert notifier.wait_before(T0) == 0
        notifier.sent_at(T0)
    assert notifier.wait_before(T0) == 1.0
    assert notifier.wait_before(T0 + timedelta(seconds=1)) == 0


def test_refused_robot_falls_back_to_a_slack_channel(robots, store, caplog) -> None:
    _, state = robots
    notify = {"wecom": [robot("wecom", fallback="slack:#radar-ops")],
              "routes": [{"targets": ["wecom:pr"]}]}  # fmt: skip
    config = make_config(locale="zh_CN", notify=notify)
    state.refuse.add("wecom")
    case = open_case(config, store)
    with caplog.at_level("WARNING", logger="alerts.console"):
        assert deliver(config, store, T0) == 2
    [fallback] = [r.getMessage() for r in caplog.records if "[#radar-ops]" in r.getMessage()]
    assert "未能发送到 wecom:pr" in fallback and case.id in fallback


LIMITS = {"wecom": 4096, "dingtalk": 20_000, "feishu": 20_000}  # bytes the platforms take
# (WeCom: the markdown content; DingTalk: the message body, else 460101; Feishu: the body)


def message_text(kind: str, body: dict[str, Any]) -> str:
    if kind == "wecom":
        return body["markdown"]["content"]
    if kind == "dingtalk":
        return (body.get("actionCard") or body.get("markdown"))["text"]
    return body["card"]["elements"][0]["text"]["content"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_long_case_message_keeps_within_the_limit_and_keeps_the_link(kind, robots, store) -> None:
    """Five evidence posts with 5,000-character links (a feed article's tracking query)
    made a WeCom message whose 4,096-byte clip cut off the case link and the @mentions,
    and DingTalk / Feishu bodies beyond the 20 KB the platforms take."""
    _, state = robots
    config = config_for(kind, mention=["zhangsan"])
    long_link = "https://news.example/a?utm=" + "x" * 5000
    evidence = [dataclasses.replace(fact(i, NASTY), url=f"{long_link}{i}") for i in range(5)]
    case = open_case(config, store, surge_finding(ratio=8.0, evidence=evidence))
    deliver(config, store, T0)
    [body] = state.accepted[kind]
    text = message_text(kind, body)
    assert len(text.encode()) <= LIMITS[kind]
    assert len(json.dumps(body, ensure_ascii=False).encode()) <= 20_000
    assert "24 new negative stories" in text and "…" in text  # the finding kept, evidence cut
    assert "负面激增" in text_of(kind, body)
    url = f"https://radar.example/cases/{case.id}"
    if kind == "wecom":
        assert text.endswith(f"[打开事件页面（确认 / 解决）]({url})\n\n<@zhangsan>")
    elif kind == "dingtalk":
        assert body["actionCard"]["singleURL"] == url
    else:
        assert text.endswith("<at id=zhangsan></at>")


def test_a_long_update_keeps_its_link_on_dingtalk(robots, store) -> None:
    config = config_for("dingtalk")
    notifier = AlertEngine(config, store, ConsoleNotifier()).targets.get("dingtalk:pr")
    url = "https://radar.example/cases/c1"
    lines = ["刹车失灵" * 125] * 60  # 60 lines of 1,500 bytes
    notice = {"kind": "thread", "case_id": "c1", "brand": "极光汽车", "url": url, "lines": lines}
    text = notifier.render(notice)["markdown"]["text"]
    assert len(text.encode()) <= 20_000
    assert text.endswith(f"[打开事件页面（确认 / 解决）]({url})")


def test_a_fallback_robot_keeps_its_pace(robots, store) -> None:
    """A refused robot's messages went to its fallback robot without the fallback's
    pace: with its own messages it got 30 in a minute, beyond the 20 it takes (WeCom
    answers 45009; DingTalk throttles a robot for 10 minutes)."""
    _, state = robots
    notify = {
        "dingtalk": [robot("dingtalk", fallback="wecom:ops")],
        "wecom": [robot("wecom", name="ops")],
    }
    config = make_config(locale="zh_CN", notify=notify)
    state.refuse.add("dingtalk")
    notice = {"kind": "case", "brand": "极光汽车", "severity": "P2", "lines": ["刹车失灵"]}
    for i in range(15):
        for target in ("dingtalk:pr", "wecom:ops"):
            payload = {"kind": "case", "text": "x", "notice": notice}
            outbox.enqueue(store, f"c{i}:alert@{target}", target, payload, T0)
    at = T0
    for _ in range(4):
        deliver(config, store, at)
        at += timedelta(minutes=1)
        state.window["wecom"].clear()  # the stand-in's minute is over too
    assert state.over_pace == 0
    assert len(state.accepted["wecom"]) == 30  # each once, 15 of them with the warning
    warned = [b for b in state.accepted["wecom"] if "未能发送到 dingtalk:pr" in text_of("wecom", b)]
    assert len(warned) == 15
