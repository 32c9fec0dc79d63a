"""The daily digest said "较前一天 -100%" (Slack) and "较前日 -100%" (robots, email) when
a brand's negative posts fell to none, and "-100%" when 3 were left of 1,000. It now
says a fall to nothing in words — "由前一天的 N 条降至 0" — and a few left at most
-99%, as the crisis brief and the brand report do, through one rule:
config.i18n.percent_change."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from alerts.messages import digest_message, plain
from alerts.notice import digest_notice
from alerts.notifiers import markup
from config.i18n import gettext_for, percent_change, use_locale

UNTIL = datetime(2026, 12, 5, 0, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.mark.parametrize(
    ("before", "now", "said"),
    [
        (4, 0, None),  # none left: said in words
        (1000, 3, -99),  # -99.7% rounds to -100, yet 3 are left
        (200, 1, -99),  # -99.5%
        (4, 1, -75),
        (4, 4, 0),
        (4, 5, 25),
        (1, 30, 2900),
    ],
)
def test_percent_change(before: int, now: int, said: int | None) -> None:
    assert percent_change(now / before - 1) == said
    assert percent_change((now - before) / before) == said  # the engine's way of dividing


def _row(before: int, now: int) -> dict[str, Any]:
    return {
        "mentions": now + 10,
        "negative": now,
        "stories": 1,
        "negative_share": now / (now + 10),
        "previous": {"mentions": before + 10, "negative": before, "stories": 1},
        "negative_change": (now - before) / before,
        "open_cases": 0,
    }


DIGEST = {
    "brands": {"极光汽车": _row(1_200, 0), "清泉乳业": _row(1_000, 3), "星河手机": _row(4, 5)}
}


def test_the_slack_digest_says_a_fall_to_nothing_in_words() -> None:
    with use_locale("zh_CN"):
        text = plain(digest_message(DIGEST, UNTIL))
    aurora, spring, phone = text.split(" • ")[1:]
    assert "负面 0 条（0%）（由前一天的 1,200 条降至 0）" in aurora, aurora
    assert "（较前一天 -99%）" in spring, spring
    assert "（较前一天 +25%）" in phone, phone
    assert "100%" not in text
    with use_locale("en"):
        text = plain(digest_message(DIGEST, UNTIL))
    assert "(down to 0 from 1,200 the previous day)" in text, text


def test_robots_and_email_say_a_fall_to_nothing_in_words() -> None:
    """markup.lines is the robots' and the email's body; the notice carries the day
    before's count."""
    notice = digest_notice(DIGEST, UNTIL, "https://radar.example/digest")
    zh = gettext_for("zh_CN")
    aurora, spring, phone = markup.lines(notice, "Asia/Shanghai", zh)
    assert "（0%，由前一天的 1,200 条降至 0）" in aurora, aurora
    assert "（23%，较前一天 -99%）" in spring, spring
    assert "，较前一天 +25%）" in phone, phone
    # a notice queued before it carried the count (retried after an upgrade): no number
    for row in notice["rows"]:
        del row["before"]
    assert "（0%，较前一天降至 0）" in markup.lines(notice, "Asia/Shanghai", zh)[0]
