"""A surge against fewer than one expected story prints no ratio: "预期 0.1 个（265.8 倍）"
told a PR lead nothing (0.05 expected, rounded). Its line says the brand normally has
almost none (平时几乎没有（预期不足 1 个）) on Slack, in the case title and on the
timeline; a surge against a real baseline keeps its "N 倍"."""

from __future__ import annotations

from alerts import lines, messages, summaries
from alerts.cases import CaseManager
from config.i18n import use_locale
from tests.alerts.conftest import T0, make_config, sharp_surge_finding

TINY = "平时几乎没有（预期不足 1 个）"


def slow(expected: float, ratio: float) -> dict[str, object]:
    return {
        "shape": "slow_climb",
        "stories": 12,
        "window_minutes": 180,
        "expected": expected,
        "ratio": ratio,
        "last_hour": {"stories": 5, "expected": 0.4},
    }


def test_a_sharp_surge_against_a_tiny_baseline_has_no_ratio() -> None:
    tiny = sharp_surge_finding(13, 265.8).figures  # 0.05 expected
    real = sharp_surge_finding(544, 54.4).figures  # 10 expected
    with use_locale("zh_CN"):
        assert summaries.negative_surge(tiny) == (
            f"10 分钟内新增负面话题 13 个，{TINY}，负面占比 90%"
        )
        assert summaries.negative_surge(real) == (
            "10 分钟内新增负面话题 544 个，预期 10.0 个（54.4 倍），负面占比 90%"
        )
    assert summaries.negative_surge(tiny) == (
        "13 new negative stories in 10 min where there are normally almost none "
        "(fewer than 1 expected), negative share 90%"
    )
    assert "(54.4×)" in summaries.negative_surge(real)


def test_a_sustained_rise_against_a_tiny_baseline_has_no_ratio() -> None:
    with use_locale("zh_CN"):
        tiny = summaries.negative_surge(slow(0.6, 20.0))
        real = summaries.negative_surge(slow(3.0, 4.0))
        edge = summaries.negative_surge(slow(1.0, 12.0))  # one story expected: a ratio
    assert tiny == f"持续上升：3.0 小时内新增负面话题 12 个，{TINY}，最近一小时 5 个，预期 0.4 个"
    assert "倍" not in tiny
    assert "预期 3.0 个（4.0 倍）" in real and "预期 1.0 个（12.0 倍）" in edge


def test_slack_the_title_and_the_timeline_say_almost_none(store) -> None:  # type: ignore[no-untyped-def]
    config = make_config(locale="zh_CN")
    with use_locale("zh_CN"):
        [opened] = CaseManager(config, store).apply(
            "极光汽车", [sharp_surge_finding(13, 265.8)], T0, None
        )
        case = store.get_case(opened.case_id)
        title = messages.headline(case)
        slack = messages.escalation_message(case, "值班主管", "", "https://r/c", "30 分钟")
        said = [lines.event_text(e.text, e.data) for e in store.case_events(case.id)]
    for text in (case.title, title, slack["text"], *said):
        assert "倍" not in text and "265.8" not in text, text
    assert TINY in title and TINY in slack["text"]
    assert any(TINY in s for s in said), said
