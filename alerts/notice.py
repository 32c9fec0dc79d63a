"""The platform-neutral content of an outbox message (a *notice*), kept in the payload
as ``payload["notice"]`` beside Slack's Block Kit. The WeCom, DingTalk, Feishu and email
notifiers render it in their own markup and in the deployment's language
(alerts/notifiers/markup.py): a notice holds data, not sentences — plain (unescaped)
strings, so each renderer escapes once, for its own markup. Rule summaries and timeline
texts are kept as the rules and the timeline wrote them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from alerts.activity import Fact
from alerts.messages import lead_rule, local_moment
from alerts.rules.base import Finding
from alerts.trigger import CaseTrigger
from index.models import Case


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


def _case_part(case: Case, url: str) -> dict[str, Any]:
    health = CaseTrigger.of(case).rules.get("source_health") or {}
    return {
        "case_id": case.id,
        "brand": case.brand,
        # a source-health case (brand source:NAME) is read by its source's title
        "source_title": str(health.get("source_title") or ""),
        "severity": case.severity.value,
        # the rule the case is about now, as its title (a surge that raised a case a 大V
        # post opened): the robots' and mail's header read 高传播帖子 above 案件：…负面激增
        "rule": lead_rule(case),
        "title": case.title,
        "url": url,
    }


def case_notice(
    case: Case, findings: list[Finding], evidence: list[Fact], url: str, said: str = ""
) -> dict[str, Any]:
    """``said``: a timeline text the message leads with (a raise by hand's reason)."""
    return {
        "kind": "case",
        **_case_part(case, url),
        "lines": [*([said] if said else []), *(f.summary for f in findings)],
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
    return {"kind": "escalation", **_case_part(case, url), "step": step, "waited": waited}


def digest_notice(digest: dict[str, Any], local_until: datetime, url: str) -> dict[str, Any]:
    """``until`` as the web pages write a moment, its zone named (2026年12月5日 08:00
    北京时间): written in the deployment's language, as the robots' texts are."""
    tz = getattr(local_until.tzinfo, "key", "UTC")
    return {
        "kind": "digest",
        "until": local_moment(local_until, tz),
        "rows": [
            {
                "brand": brand,
                "mentions": row["mentions"],
                "negative": row["negative"],
                "share": row["negative_share"],
                "change": row.get("negative_change"),
                "before": row["previous"]["negative"],  # "由前一天的 N 条降至 0"
                "open": row["open_cases"],
            }
            for brand, row in digest["brands"].items()
        ],
        "url": url,
    }
