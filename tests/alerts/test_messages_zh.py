"""Slack texts, rule summaries, case timelines and the digest speak the deployment's
language (``locale:``, zh_CN by default); escaping of crawled text is the same in every
language. A case's title names the rule it is about now with that rule's figures, rendered for each
reader."""

from __future__ import annotations

import json
from datetime import timedelta

from alerts import messages
from alerts.cases import CaseManager
from alerts.engine import AlertEngine
from alerts.rules.base import Finding
from config.i18n import use_locale
from tests.alerts.conftest import (
    T0,
    big_v_finding,
    fact,
    make_config,
    sharp_surge_finding,
    surge_finding,
)
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
    assert "极光汽车：负面激增" in blocks and "*触发原因*" in blocks and "确认接手" in blocks
    assert "Acknowledge" not in blocks and "&lt;b&gt;x&lt;/b&gt;" in blocks
    # the evidence's author and reach in Chinese brackets, as robots and mail (was "(粉丝 …)")
    assert "（粉丝 " in blocks and "(粉丝" not in blocks


def test_a_case_title_takes_the_colon_of_its_language(store) -> None:  # type: ignore[no-untyped-def]
    """Chinese typography's full-width colon: '极光汽车：负面激增' (the walk read
    '极光汽车: 风险信号'); English keeps ': '; the Slack preview text too."""
    with use_locale("zh_CN"):  # as the engine of a Chinese deployment
        [opened] = CaseManager(make_config(locale="zh_CN"), store).apply(
            "极光汽车", [surge_finding()], T0, None
        )
    case = store.get_case(opened.case_id)
    with use_locale("zh_CN"):
        assert messages.case_title(case) == "极光汽车：负面激增"
        assert messages.headline(case).startswith("极光汽车：负面激增 — ")
        text = messages.case_message(case, [surge_finding()], [], "https://r/c")["text"]
        assert text.startswith(f"{case.severity} 极光汽车：")
    with use_locale("en"):
        assert messages.case_title(case) == "极光汽车: Negative surge"
    assert case.title.startswith("极光汽车：负面激增")  # stored by a Chinese deployment


def test_the_engine_queues_the_digest_in_the_deployment_language(store) -> None:  # type: ignore[no-untyped-def]
    AlertEngine(make_config(locale="zh_CN"), store).daily_digest(T0)
    [digest] = [n for n in store.due_notifications(T0 + timedelta(days=1)) if "digest" in n.key]
    text = json.dumps(digest.payload, ensure_ascii=False)
    assert "*每日简报*" in text and "Daily digest" not in text
    # the end of the day as the web writes it, the zone as its footer names it (was
    # 2026-09-15 14:00（Asia/Shanghai）)
    assert "截至 2026年9月15日 14:00（北京时间）的 24 小时" in text


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


def test_the_copies_of_a_spreading_story_have_thousands_separators() -> None:
    """'每小时 21,565 次转评扩散（已见 1158 条）' on the demo's case page: the count of
    copies was the only figure of the line without its thousands comma."""
    from alerts import summaries

    figures = {"reposts_per_hour": 21565.4, "story_mentions": 1158}
    with use_locale("zh_CN"):
        assert (
            summaries.high_reach(figures) == "负面话题正以每小时 21,565 次转评扩散（已见 1,158 条）"
        )
    assert summaries.high_reach(figures).endswith("(1,158 copies seen)")


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


def test_the_title_speaks_of_what_the_case_is_about_now(store) -> None:  # type: ignore[no-untyped-def]
    """A 大V post opens the case (P2); a P1 surge then drives it: the title names the
    surge and its figures of now, wherever it is shown, while the case's rule still says
    what opened it. Between rules of one severity the one there first keeps the title."""
    manager = CaseManager(make_config(locale="zh_CN"), store)
    with use_locale("zh_CN"):
        [opened] = manager.apply("极光汽车", [big_v_finding(3_280_000)], T0, None)
        case = store.get_case(opened.case_id)
        assert case.severity == "P2"
        assert case.title == "极光汽车：高传播帖子 — 汽车圈老炮儿（粉丝 3,280,000）发布负面帖子"
        # a P1 surge follows, the big account quiet
        manager.apply("极光汽车", [sharp_surge_finding(40, 13.3)], T0 + timedelta(minutes=10), case)
        case = store.get_case(case.id)
        assert case.severity == "P1"
        assert case.title.startswith("极光汽车：负面激增 — 10 分钟内新增负面话题 40 个"), case.title
        # both firing: the more severe one is the title, with its latest figures
        later = T0 + timedelta(minutes=20)
        manager.apply(
            "极光汽车", [big_v_finding(3_300_000), sharp_surge_finding(60, 15.0)], later, case
        )
        case = store.get_case(case.id)
        assert "新增负面话题 60 个" in case.title and case.title.startswith("极光汽车：负面激增")
        # the big account reaches P1 too: the surge was P1 first and keeps the title
        latest = T0 + timedelta(minutes=30)
        manager.apply(
            "极光汽车", [big_v_finding(6_000_000), sharp_surge_finding(70, 15.0)], latest, case
        )
        case = store.get_case(case.id)
        assert case.title.startswith("极光汽车：负面激增") and "70 个" in case.title
        assert messages.headline(case) == case.title  # what the pages render in Chinese
        payload = messages.escalation_message(case, "值班主管", "", "https://r/c", "30 分钟")
        assert "负面激增 — 10 分钟内新增负面话题 70 个" in payload["text"]
        assert (
            "负面激增"
            in messages.case_message(case, [], [], "https://r/c")["blocks"][0]["text"]["text"]
        )
    assert case.rule == "high_reach"  # what opened it
    # an English reader of this Chinese deployment reads it in English
    assert messages.headline(case) == (
        "极光汽车: Negative surge — 70 new negative stories in 10 min vs 4.7 expected "
        "(15.0×), negative share 90%"
    )


def test_a_case_stored_before_rules_had_a_severity_keeps_its_rule_in_the_title(store) -> None:  # type: ignore[no-untyped-def]
    manager = CaseManager(make_config(), store)
    [opened] = manager.apply(
        "极光汽车", [big_v_finding(3_280_000), sharp_surge_finding(40, 13.3)], T0, None
    )
    case = store.get_case(opened.case_id)
    for figures in case.trigger["rules"].values():  # as an older version kept them
        for key in ("severity", "fired_at", "severity_since"):
            figures.pop(key)
    assert messages.lead_rule(case) == "high_reach"
    assert messages.headline(case).startswith("极光汽车: High-reach post — negative post by")


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
