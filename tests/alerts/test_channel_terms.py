"""Every channel names the digest and a case as the web UI does. Slack said 每日舆情简报 and
待处理事件, the WeCom/DingTalk/Feishu robots and email 舆情日报, 进行中案件 and 案件, the
pages 每日简报 and 事件 (the nav, the /digest heading, the case board, the user guide).
The names come from alerts.messages (DIGEST, CASE, OPEN_CASES)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from alerts import messages, notice
from alerts.cases import CaseManager
from alerts.notifiers import email, markup
from config.i18n import gettext_for, use_locale
from tests.alerts.conftest import T0, make_config, surge_finding

UNTIL = datetime(2026, 12, 5, 0, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
ROW = {
    "mentions": 120,
    "negative": 30,
    "stories": 4,
    "negative_share": 0.25,
    "previous": {"mentions": 100, "negative": 20, "stories": 3},
    "negative_change": 0.5,
    "open_cases": 2,
}
DIGEST = {"brands": {"极光汽车": ROW}}
URL = "https://radar.example/cases/c1"
ZH = gettext_for("zh_CN")
WEB = Path(__file__).parents[2] / "radar" / "web" / "templates"
OLD_WORDS = ("案件", "舆情日报", "每日舆情简报", "待处理事件", "进行中")


def test_the_web_names_are_the_msgids_every_channel_takes() -> None:
    assert '_("Daily digest")' in (WEB / "digest.html").read_text(encoding="utf-8")
    assert '_("Open cases")' in (WEB / "cases.html").read_text(encoding="utf-8")
    assert '_("Case")' in (WEB / "cases.html").read_text(encoding="utf-8")
    assert (messages.DIGEST, messages.OPEN_CASES, messages.CASE) == (
        "Daily digest",
        "Open cases",
        "Case",
    )
    assert (ZH(messages.DIGEST), ZH(messages.OPEN_CASES), ZH(messages.CASE)) == (
        "每日简报",
        "待处理的危机事件",
        "事件",
    )


def test_the_digest_has_one_title_on_slack_the_robots_and_email() -> None:
    with use_locale("zh_CN"):  # as the engine of a Chinese deployment queues it
        slack = messages.plain(messages.digest_message(DIGEST, UNTIL))
        digest = notice.digest_notice(DIGEST, UNTIL, "https://radar.example/digest")
        robot = markup.body(digest, "Asia/Shanghai", ZH)
        mail_text, mail_html = email.render(digest, "Asia/Shanghai", ZH)
    title = markup.title(digest, ZH)  # the robots' header and the mail's subject
    subject = f"{ZH(email.SUBJECT_PREFIX)} {title}"  # as EmailNotifier.send makes it
    assert slack.startswith("*每日简报* — 截至 2026年12月5日 00:00（北京时间）"), slack
    assert title == "每日简报 · 截至 2026年12月5日 00:00 北京时间", title
    assert subject.endswith(title) and title in robot and title in mail_html
    # the open cases counted under the web's digest column name
    assert "待处理的危机事件 2 个" in slack, slack
    for shown in (robot, mail_text, mail_html):
        assert "待处理的危机事件 2" in shown, shown
    for shown in (slack, robot, mail_text, mail_html, subject):
        assert not any(word in shown for word in OLD_WORDS), shown
    with use_locale("en"):  # English keeps its words
        assert messages.plain(messages.digest_message(DIGEST, UNTIL)).startswith("*Daily digest*")
    assert markup.title(digest, gettext_for("en")).startswith("Daily digest until ")


def test_a_case_is_an_event_on_slack_the_robots_and_email(store) -> None:  # type: ignore[no-untyped-def]
    with use_locale("zh_CN"):
        [opened] = CaseManager(make_config(locale="zh_CN"), store).apply(
            "极光汽车", [surge_finding()], T0, None
        )
        case = store.get_case(opened.case_id)
        slack = [
            messages.plain(messages.case_message(case, [surge_finding()], [], URL)),
            messages.plain(messages.escalation_message(case, "值班主管", "", URL, "2 小时")),
        ]
        notices = [
            notice.case_notice(case, [surge_finding()], [], URL),
            notice.thread_notice(case, "进展：已联系车主", URL),
            notice.escalation_notice(case, "值班主管", "2 小时", URL),
        ]
        robots = [markup.body(n, "Asia/Shanghai", ZH) for n in notices]
        mails = [part for n in notices for part in email.render(n, "Asia/Shanghai", ZH)]
    assert f"事件 `{case.id}`" in slack[0] and "打开事件页面" in slack[0], slack[0]
    assert f"{case.severity} 事件" in slack[1], slack[1]
    assert "事件：极光汽车：负面激增" in robots[0] and "打开事件页面（确认 / 解决）" in robots[0]
    assert "事件更新" in markup.title(notices[1], ZH) and "事件更新" in robots[1], robots[1]
    assert f"{case.severity} 事件未在 2 小时内确认" in robots[2], robots[2]
    for shown in mails:
        assert "事件：极光汽车：负面激增" in shown, shown
    for shown in slack + robots + mails:
        assert not any(word in shown for word in OLD_WORDS), shown
