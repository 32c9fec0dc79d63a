"""A robot's or mail's header names the rule the case is about now, as the case's title
does: a case a 大V post opened (高传播帖子) that a surge raised to P1 is titled
负面激增, and its updates read '🔴【案件更新】P1 极光汽车：高传播帖子' above
'案件：极光汽车：负面激增 — …' (the robots and mail took the opening rule)."""

from __future__ import annotations

from datetime import timedelta

from alerts import notice
from alerts.cases import CaseManager
from alerts.notifiers.markup import title
from config.i18n import translations, use_locale
from tests.alerts.conftest import T0, big_v_finding, make_config, sharp_surge_finding


def test_the_header_names_the_rule_the_case_is_about_now(store) -> None:  # type: ignore[no-untyped-def]
    manager = CaseManager(make_config(locale="zh_CN"), store)
    with use_locale("zh_CN"):
        [opened] = manager.apply("极光汽车", [big_v_finding(3_280_000)], T0, None)
        case = store.get_case(opened.case_id)
        first = notice.case_notice(case, [], [], "https://r/c")
        manager.apply("极光汽车", [sharp_surge_finding(40, 13.3)], T0 + timedelta(minutes=10), case)
        case = store.get_case(case.id)
    assert case.rule == "high_reach" and case.title.startswith("极光汽车：负面激增")
    gettext = translations("zh_CN").gettext
    assert title(first, gettext).endswith("极光汽车：高传播帖子")  # opened by the 大V post
    update = notice.thread_notice(case, "进展（P1）：级别上调 P2 → P1", "https://r/c")
    escalation = notice.escalation_notice(case, "值班主管", "15 分钟", "https://r/c")
    for later in (update, escalation, notice.case_notice(case, [], [], "https://r/c")):
        head = title(later, gettext)
        assert head.endswith("P1 极光汽车：负面激增") and "高传播帖子" not in head, head


def test_a_source_case_header_names_the_source_by_its_title(store) -> None:  # type: ignore[no-untyped-def]
    """The robots' and mail's header read '【舆情告警】P3 source:demo-tieba：数据源异常' (the
    case's brand key) above '案件：来源 百度贴吧（演示）：数据源异常 — …'."""
    from alerts.rules.base import Finding

    finding = Finding(
        rule="source_health",
        brand="source:demo-tieba",
        key="source_health:paused",
        summary="数据源 百度贴吧（演示）已暂停",
        figures={
            "source": "demo-tieba",
            "source_title": "百度贴吧（演示）",
            "state": "paused",
            "reason": "captcha",
        },
    )
    with use_locale("zh_CN"):
        [opened] = CaseManager(make_config(locale="zh_CN"), store).apply(
            "source:demo-tieba", [finding], T0, None
        )
        case = store.get_case(opened.case_id)
    head = title(
        notice.case_notice(case, [finding], [], "https://r/c"), translations("zh_CN").gettext
    )
    assert "来源 百度贴吧（演示）：数据源异常" in head and "source:" not in head, head
    assert case.title.startswith("来源 百度贴吧（演示）")  # what the 案件 line and pages read
