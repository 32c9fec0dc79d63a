"""Slack texts, rule summaries, case timelines and the digest speak the deployment's
language (``locale:``, zh_CN by default); escaping of crawled text is the same in every
language. A case's title names the rule that opened it with that rule's figures."""

from __future__ import annotations

import json
from datetime import timedelta

from alerts import messages
from alerts.cases import CaseManager
from alerts.engine import AlertEngine
from alerts.rules.base import Finding
from config.i18n import use_locale
from tests.alerts.conftest import T0, fact, make_config, surge_finding
from tests.alerts.scenario import Scenario, local_minute


def test_a_case_message_in_chinese(store) -> None:  # type: ignore[no-untyped-def]
    config = make_config(locale="zh_CN")
    with use_locale("zh_CN"):
        events = CaseManager(config, store).apply(
            "极光汽车", [surge_finding(evidence=[fact(1, "<!channel> 刹车失灵")])], T0, None
        )
        case = store.get_case(events[0].case_id)
        payload = messages.case_message(
            case, [surge_finding()], [fact(1, "<b>x</b>")], "https://r/c"
        )
    blocks = json.dumps(payload["blocks"], ensure_ascii=False)
    assert "极光汽车: 负面激增" in blocks and "*触发原因*" in blocks and "确认接手" in blocks
    assert "Acknowledge" not in blocks and "&lt;b&gt;x&lt;/b&gt;" in blocks


def test_the_engine_queues_the_digest_in_the_deployment_language(store) -> None:  # type: ignore[no-untyped-def]
    AlertEngine(make_config(locale="zh_CN"), store).daily_digest(T0)
    [digest] = [n for n in store.due_notifications(T0 + timedelta(days=1)) if "digest" in n.key]
    text = json.dumps(digest.payload, ensure_ascii=False)
    assert "每日舆情简报" in text and "Daily digest" not in text


def test_english_deployments_keep_english(store) -> None:  # type: ignore[no-untyped-def]
    AlertEngine(make_config(locale="en"), store).daily_digest(T0)
    [digest] = [n for n in store.due_notifications(T0 + timedelta(days=1)) if "digest" in n.key]
    assert "Daily digest" in json.dumps(digest.payload)


def _findings_of_a_crisis() -> dict[str, Finding]:
    """A sharp surge with a 大V post and three risk-signal stories in it: the first
    finding of each rule."""
    s = Scenario()
    onset = local_minute(14, 7)
    s.background(local_minute(0), onset + 60)
    for m in range(onset, onset + 30):
        for _ in range(3):
            s.post(m)
    s.post(onset, followers=3_280_000, label="极光汽车的售后太离谱了")
    s.post(onset + 1, signals=("regulator",))
    s.post(onset + 2, signals=("media",))
    s.post(onset + 3, signals=("regulator", "rights"))
    out: dict[str, Finding] = {}
    for _minute, f in s.fired(onset, onset + 30):
        out.setdefault(f.rule, f)
    return out


def test_rule_summaries_in_the_locale_of_the_evaluation() -> None:
    with use_locale("zh_CN"):
        zh = _findings_of_a_crisis()
    en = _findings_of_a_crisis()
    assert set(zh) == {"negative_surge", "high_reach", "risk_signal"}
    assert "分钟内新增负面话题" in zh["negative_surge"].summary
    assert "（粉丝 3,280,000）发布负面帖子" in zh["high_reach"].summary
    assert "带风险信号的负面话题" in zh["risk_signal"].summary
    assert "向监管投诉 ×2" in zh["risk_signal"].summary
    assert "×1、" in zh["risk_signal"].summary or "×2、" in zh["risk_signal"].summary
    assert ", " not in zh["risk_signal"].summary  # signals listed with 、 in Chinese
    assert not any(w in f.summary for f in zh.values() for w in ("negative", "stories"))
    # the English deployment reads what the rules always said
    assert "new negative stories in 10 min" in en["negative_surge"].summary
    assert "with 3,280,000 followers" in en["high_reach"].summary
    assert "regulator complaint ×2" in en["risk_signal"].summary


def test_timeline_escalation_and_delivery_in_the_deployment_language(store) -> None:  # type: ignore[no-untyped-def]
    engine = AlertEngine(make_config(locale="zh_CN"), store, pull=False)
    with use_locale("zh_CN"):
        [opened] = engine.cases.apply("极光汽车", [surge_finding()], T0, None)
    engine.deliver_outbox(T0)  # the console notifier: "case sent to #crisis"
    engine.check_escalations(T0 + timedelta(hours=2))  # nobody acknowledged
    texts = [e.text for e in store.case_events(opened.case_id)]
    assert any(t.startswith("事件已发送至 ") for t in texts), texts
    assert any(t.startswith("⏫ ") and "内无人确认接手：已升级至「" in t for t in texts), texts
    assert not any("sent to" in t or "Not acknowledged" in t for t in texts)


def test_the_title_speaks_of_the_rule_that_opened_the_case(store) -> None:  # type: ignore[no-untyped-def]
    manager = CaseManager(make_config(locale="zh_CN"), store)

    def big_v(followers: int) -> Finding:
        return Finding(
            rule="high_reach",
            brand="极光汽车",
            key="high_reach:weibo:1",
            summary=f"汽车圈老炮儿（粉丝 {followers:,}）发布负面帖子",
            figures={"followers": followers},
            reach=followers,
            evidence=[fact(1, followers=followers)],
        )

    with use_locale("zh_CN"):
        [opened] = manager.apply("极光汽车", [big_v(3_280_000)], T0, None)
        case = store.get_case(opened.case_id)
        assert case.title.startswith("极光汽车: 高传播帖子 — 汽车圈老炮儿")
        # a surge follows, the big account quiet: the title keeps naming its rule's post
        manager.apply("极光汽车", [surge_finding(stories=20)], T0 + timedelta(minutes=10), case)
        case = store.get_case(case.id)
        assert case.title == "极光汽车: 高传播帖子 — 汽车圈老炮儿（粉丝 3,280,000）发布负面帖子"
        # both firing, surge first (the engine's rule order): the rule's own figures
        later = T0 + timedelta(minutes=20)
        manager.apply("极光汽车", [surge_finding(stories=40), big_v(3_300_000)], later, case)
        case = store.get_case(case.id)
    assert case.rule == "high_reach"
    assert case.title == "极光汽车: 高传播帖子 — 汽车圈老炮儿（粉丝 3,300,000）发布负面帖子"


def test_a_list_of_findings_uses_the_chinese_separator(store) -> None:  # type: ignore[no-untyped-def]
    """Summaries joined on one line take "；" in Chinese (the catalogue's "; "): the case
    message, a thread update naming new findings, a 大V post that also spreads."""
    big_v = Finding(
        rule="high_reach",
        brand="极光汽车",
        key="high_reach:weibo:1",
        summary="汽车圈老炮儿（粉丝 3,280,000）发布负面帖子",
        figures={"followers": 3_280_000},
        reach=3_280_000,
        evidence=[fact(1, followers=3_280_000)],
    )
    manager = CaseManager(make_config(locale="zh_CN"), store)
    with use_locale("zh_CN"):
        [opened] = manager.apply("极光汽车", [surge_finding()], T0, None)
        case = store.get_case(opened.case_id)
        payload = messages.case_message(case, [surge_finding(), big_v], [], "https://r/c")
        later = T0 + timedelta(minutes=5)
        events = manager.apply("极光汽车", [big_v, _risk_finding()], later, case)
        s = Scenario()
        onset = local_minute(15)
        s.background(local_minute(0), onset + 30)
        root = s.post(onset, followers=3_280_000, label="你们的车刹车失灵，4S店还推脱")
        for i in range(600):
            s.post(onset + i // 20, cluster=root.cluster, repost=True, label="转发微博")
        [both] = [f for _m, f in s.fired(onset + 15, onset + 16) if f.rule == "high_reach"]
    assert f"{surge_finding().summary}；{big_v.summary}" in payload["text"]
    [update] = [e for e in events if e.kind == "updated"]
    assert f"{big_v.summary}；{_risk_finding().summary}" in update.text, update.text
    assert "发布负面帖子；" in both.summary and "; " not in both.summary, both.summary
    with use_locale("en"):  # an English deployment keeps "; "
        en = messages.case_message(case, [surge_finding(), big_v], [], "https://r/c")
    assert f"{surge_finding().summary}; {big_v.summary}" in en["text"]


def _risk_finding() -> Finding:
    return Finding(
        rule="risk_signal",
        brand="极光汽车",
        key="risk_signal",
        summary="3 个带风险信号的负面话题",
        evidence=[fact(2, signals=("regulator",))],
    )
