"""The platform-neutral content of an outbox message (a *notice*), kept in the payload
as ``payload["notice"]`` beside Slack's Block Kit. The WeCom, DingTalk, Feishu and email
notifiers render it in their own markup; every string in it is plain (unescaped) text,
so each renderer escapes once, for its own markup (alerts/notifiers/markup.py).

Labels are Chinese (the deployment's language by default); rule summaries and event
texts come from the rules and the timeline as they are written there.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from alerts.activity import Fact
from alerts.rules.base import Finding
from index.models import Case

RULE_TITLE_ZH = {
    "negative_surge": "负面激增",
    "high_reach": "大V / 高传播负面",
    "risk_signal": "风险信号",
    "source_health": "数据源异常",
}


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


def _case_part(case: Case, url: str) -> dict[str, Any]:
    return {
        "case_id": case.id,
        "brand": case.brand,
        "severity": case.severity.value,
        "rule": RULE_TITLE_ZH.get(case.rule, case.rule),
        "title": case.title,
        "url": url,
    }


def case_notice(
    case: Case, findings: list[Finding], evidence: list[Fact], url: str
) -> dict[str, Any]:
    return {
        "kind": "case",
        **_case_part(case, url),
        "lines": [f.summary for f in findings],
        "opened_at": _iso(case.opened_at),
        "ack_due_at": _iso(case.ack_due_at),
        "evidence": [
            {
                "text": " ".join(f.text.split())[:120],
                "url": f.url,
                "author": f.author,
                "followers": f.followers,
                "reposts": f.reposts,
            }
            for f in evidence[:5]
        ],
    }


def thread_notice(case: Case, text: str, url: str) -> dict[str, Any]:
    """A case's timeline event (robots have no threads: it is a message of its own)."""
    return {"kind": "thread", **_case_part(case, url), "lines": [text]}


def escalation_notice(case: Case, step: str, waited: str, url: str) -> dict[str, Any]:
    return {
        "kind": "escalation",
        **_case_part(case, url),
        "step": step,
        "lines": [f"{case.severity.value} 案件未在 {waited} 内确认，已升级至「{step}」"],
    }


def digest_notice(digest: dict[str, Any], local_until: datetime, url: str) -> dict[str, Any]:
    lines = []
    for brand, row in digest["brands"].items():
        change = row.get("negative_change")
        trend = f"，较前日 {change:+.0%}" if change is not None else ""
        lines.append(
            f"{brand}：提及 {row['mentions']:,}，负面 {row['negative']:,}"
            f"（{row['negative_share']:.0%}{trend}），进行中案件 {row['open_cases']}"
        )
    return {
        "kind": "digest",
        "title": f"舆情日报 · 截至 {local_until:%Y-%m-%d %H:%M}",
        "lines": lines,
        "url": url,
    }
