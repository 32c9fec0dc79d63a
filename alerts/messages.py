"""Slack Block Kit content of case messages, thread updates, escalations and digests.

Crawled text is untrusted: everything taken from a post (text, author names) is escaped
for Slack mrkdwn (``&``, ``<``, ``>``), so a post cannot inject links or @mentions, and
link targets are restricted to http(s) URLs with the delimiters percent-encoded.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import quote

from alerts import summaries
from alerts.activity import Fact
from alerts.labels import signal_label
from alerts.rules.base import Finding
from alerts.trigger import CaseTrigger
from config.i18n import N_, _, format_datetime, percent_change, zone_name
from index.models import Case, CaseStatus

SEVERITY_MARK = {"P1": "🔴", "P2": "🟠", "P3": "🟡"}
RULE_TITLE = {  # translated where shown: _(RULE_TITLE[rule])
    "negative_surge": N_("Negative surge"),
    "high_reach": N_("High-reach post"),
    "risk_signal": N_("Risk signals"),
    "source_health": N_("Source health"),
    "manual": N_("Opened by hand"),  # a case a person opened from a post
}
MAX_SECTION = 2900  # Slack refuses section text over 3000 characters

# What the product calls things, as the web UI names them (the nav and the /digest page's
# heading, the case board, docs/user-guide.md): every channel — Slack, the group robots,
# email — takes these msgids, so a reader meets 每日简报 and 事件 in a chat or a mail as on
# the pages (Slack said 每日舆情简报 and 待处理事件, the robots and mail 舆情日报 and
# 案件). The sentences around them translate the case noun as _(CASE) does;
# tests/alerts/test_channel_terms.py holds every channel to these.
DIGEST = N_("Daily digest")  # 每日简报
CASE = N_("Case")  # 事件
OPEN_CASES = N_("Open cases")  # 待处理的危机事件


def escape(text: str) -> str:
    """Escape text for Slack mrkdwn (the three characters Slack asks to escape)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def safe_url(url: str) -> str | None:
    if not url.startswith(("http://", "https://")):
        return None
    return quote(url, safe=":/?#[]@!$&'()*+,;=%~-._")


def link(url: str, label: str) -> str:
    label = escape(label.replace("|", "¦").replace("\n", " "))
    target = safe_url(url)
    return f"<{target}|{label}>" if target else label


def _clip(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


WHO_REACH = N_("%(who)s (%(reach)s)")  # an evidence post's author and reach


def evidence_lines(facts: list[Fact], limit: int = 5) -> list[str]:
    lines = []
    for f in facts[:limit]:
        who = escape(_clip(f.author, 30)) if f.author else _("unknown author")
        reach = _("%(n)s followers") % {"n": f"{f.followers:,}"}
        if f.reposts:
            reach += _(", %(n)s reposts") % {"n": f"{f.reposts:,}"}
        signals = f" · ⚠ {', '.join(map(signal_label, f.signals))}" if f.signals else ""
        source = _(WHO_REACH) % {"who": who, "reach": reach}  # Chinese brackets in zh
        lines.append(f"• {link(f.url, _clip(f.text, 80))} — {source}{signals}")
    return lines


def _bold(label: str) -> str:
    """A field label of a message, translated (``label`` is a marked msgid)."""
    return f"*{_(label)}*"


# the field labels, marked for extraction (translated by _bold)
FIELD_LABELS = (
    N_("What fired"),
    N_("Brand"),
    N_("Severity"),
    N_("Opened"),
    N_("Acknowledge by"),
    N_("Top evidence"),
)


def _rule(rule: str) -> str:
    title = RULE_TITLE.get(rule)
    return _(title) if title else rule


def _settled(case: Case) -> bool:
    return case.status in (CaseStatus.resolved, CaseStatus.closed)


def lead_rule(case: Case) -> str:
    """The rule the case is about now (``CaseTrigger.lead_rule``); a resolved or closed
    case stays about the rule it was resolved on (``title_rule``, kept by the Resolve
    action): a later choice of lead rule does not rename it."""
    trig = CaseTrigger.of(case)
    if _settled(case) and trig.title_rule in trig.rules:
        return trig.title_rule
    return trig.lead_rule(case.rule)


def titled(brand: str, what: str) -> str:
    """``极光汽车：风险信号`` / ``Aurora: Risk signals``: a brand and what is about it, with
    the colon of the language of the moment (Chinese typography's full-width ``：``)."""
    return _("%(brand)s: %(what)s") % {"brand": brand, "what": what}


def case_title(case: Case) -> str:
    return titled(_case_brand(case), _rule(lead_rule(case)))


def case_brand(case: Case) -> str:
    """:func:`_case_brand` for pages that name a case beside others (the overview's
    timeline read 'P3 source:demo-tieba · 数据源异常')."""
    return _case_brand(case)


def _case_brand(case: Case) -> str:
    """What a case is about as people read it: its brand, or for a source-health case
    (brand ``source:<name>``) the source's title when the finding recorded one."""
    if case.brand.startswith("source:"):
        figures = CaseTrigger.of(case).rules.get("source_health") or {}
        if figures.get("source_title"):
            return _("source %(name)s") % {"name": figures["source_title"]}
    return case.brand


def headline(case: Case) -> str:
    """The case's title: its brand, the rule it is about now (a surge that raised a case
    a 大V post opened, say) and that rule's line at its peak (``peak_rules``: a sharp
    surge at 54.4× then a sustained rise at 3.2× is titled by the 54.4×, the crisis a
    PR lead reports; the current figures are the thread updates' and the case page's),
    rendered from the stored figures in the language of the moment. The engine stores it
    as ``case.title`` in the deployment's language whenever the case changes; pages
    render it for their reader.
    A case with no figures of that rule (one opened by a person) keeps its title, and so
    does a case resolved before its rule was kept (the title is what it closed with)."""
    if _settled(case) and case.title and not CaseTrigger.of(case).title_rule:
        return case.title
    rule = lead_rule(case)
    figures = CaseTrigger.of(case).peak_figures(rule)
    if figures is None:
        return case.title or case.id
    if rule == "source_health":
        return f"{case_title(case)} — {_source_finding(case, figures)}"[:200]
    return f"{case_title(case)} — {summaries.shown(rule, figures)}"[:200]


def _source_finding(case: Case, figures: dict[str, Any]) -> str:
    """A source-health finding after its title, without the crash's own words (a
    traceback's last lines: the board, the overview and the brief titled a crash '…目前没有
    采集： type=click.Choice(SORTS), # the public sorts … NameError'; they stay in the
    case's figures and the alert's lines) and without naming the source twice ('来源 百度
    贴吧（演示）：数据源异常 — 来源 百度贴吧（演示） 已暂停…')."""
    said = summaries.shown("source_health", {**figures, "detail": ""})
    named = _case_brand(case)
    if said.startswith(named) and said != named:
        said = said[len(named) :].lstrip(" ：:")
    return said


def local_moment(at: datetime, tz: str) -> str:
    """A moment as the web pages write it, with its zone named as their footer names it:
    ``2026年12月5日 03:03 北京时间`` (``Dec 5, 2026 03:03 Asia/Shanghai`` in English)."""
    return f"{format_datetime(at, tz)} {zone_name(tz, at)}"


def _fmt(at: datetime | None, tz: str) -> str:
    """A time Slack shows in each reader's own time zone; the fallback, for clients that
    cannot and what ``plain`` keeps, is in the configured zone (``tz``), named."""
    if at is None:
        return "—"
    return f"<!date^{int(at.timestamp())}^{{date_num}} {{time}}|{local_moment(at, tz)}>"


def case_message(
    case: Case,
    findings: list[Finding],
    evidence: list[Fact],
    case_url: str,
    mentions: str = "",
    tz: str = "UTC",
    said: str = "",
) -> dict[str, Any]:
    """The top-level message of a case: payload for the outbox; ``tz``: the configured
    time zone, the zone of the times' fallback text. ``said``: plain text (escaped here)
    the message leads with — a raise by hand's who, from what to what and why."""
    mark = SEVERITY_MARK.get(case.severity, "")
    header = _clip(f"{mark} {case.severity} · {case_title(case)}", 150)
    fired = "\n".join(f"• *{_rule(f.rule)}*: {escape(f.summary)}" for f in findings)
    due = _fmt(case.ack_due_at, tz)
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": header}}
    ]
    if said:
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": _clip(escape(said), MAX_SECTION)},
            }
        )
    if findings or not said:  # a case opened by hand has no figures: no empty list
        blocks.append(
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": _clip(_bold("What fired") + f"\n{fired}", MAX_SECTION),
                },
            }
        )
    blocks += [
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": _bold("Brand") + f"\n{escape(case.brand)}"},
                {"type": "mrkdwn", "text": _bold("Severity") + f"\n{case.severity}"},
                {"type": "mrkdwn", "text": _bold("Opened") + f"\n{_fmt(case.opened_at, tz)}"},
                {"type": "mrkdwn", "text": _bold("Acknowledge by") + f"\n{due}"},
            ],
        },
    ]
    lines = evidence_lines(evidence)
    if lines:
        blocks.append(
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": _clip(_bold("Top evidence") + "\n" + "\n".join(lines), MAX_SECTION),
                },
            }
        )
    context = _(CASE) + f" `{case.id}` · " + link(case_url, _("open the case page"))
    if mentions:
        context += f" · {mentions}"
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": context}]})
    blocks.append(
        {
            "type": "actions",
            "block_id": f"case:{case.id}",
            "elements": [
                {
                    "type": "button",
                    "action_id": "case_acknowledge",
                    "style": "primary",
                    "text": {"type": "plain_text", "text": _("Acknowledge")},
                    "value": case.id,
                },
                {
                    "type": "button",
                    "action_id": "case_resolve",
                    "text": {"type": "plain_text", "text": _("Resolve")},
                    "value": case.id,
                    "confirm": {
                        "title": {"type": "plain_text", "text": _("Resolve this case?")},
                        "text": {"type": "mrkdwn", "text": _("Mark the case resolved.")},
                        "confirm": {"type": "plain_text", "text": _("Resolve")},
                        "deny": {"type": "plain_text", "text": _("Cancel")},
                    },
                },
            ],
        }
    )
    page = safe_url(case_url)
    if page:  # Slack refuses the whole message (invalid_blocks) for a button URL without http(s)
        blocks[-1]["elements"].append(
            {
                "type": "button",
                "action_id": "case_open",
                "url": page,
                "text": {"type": "plain_text", "text": _("Case page")},
            }
        )
    told = [*([said] if said else []), *(f.summary for f in findings)]
    text = f"{case.severity} " + titled(case.brand, _("; ").join(told))
    return {"kind": "case", "case_id": case.id, "text": escape(_clip(text, 300)), "blocks": blocks}


def thread_message(case_id: str, text: str, broadcast: bool = False) -> dict[str, Any]:
    """A reply in the case's thread. ``text`` is mrkdwn the caller has escaped."""
    return {
        "kind": "thread",
        "case_id": case_id,
        "text": text,
        "broadcast": broadcast,
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": _clip(text, MAX_SECTION)}}
        ],
    }


def escalation_message(
    case: Case, step_name: str, mentions: str, case_url: str, waited: str
) -> dict[str, Any]:
    said = _(
        "*Escalated to %(step)s*: %(severity)s case for *%(brand)s* not acknowledged within "
        "%(waited)s."
    ) % {
        "step": escape(step_name),
        "severity": case.severity,
        "brand": escape(case.brand),
        "waited": waited,
    }
    text = f"{mentions + ' ' if mentions else ''}{said} {escape(case.title)} · " + link(
        case_url, _("open the case page")
    )
    return {
        "kind": "escalation",
        "case_id": case.id,
        "text": text,
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": _clip(text, MAX_SECTION)}},
            {
                "type": "actions",
                "block_id": f"case:{case.id}",
                "elements": [
                    {
                        "type": "button",
                        "action_id": "case_acknowledge",
                        "style": "primary",
                        "value": case.id,
                        "text": {"type": "plain_text", "text": _("Acknowledge")},
                    }
                ],
            },
        ],
    }


def digest_trend(change: float | None, before: int) -> str:
    """The Slack digest line's change in negative against the day before (``before``
    of them): "（较前一天 +25%）", a fall to nothing in words, as the brief and the report
    say it, "（由前一天的 5 条降至 0）" — not "-100%"."""
    if change is None:
        return ""
    pct = percent_change(change)
    if pct is None:
        return _(" (down to 0 from %(before)s the previous day)") % {"before": f"{before:,}"}
    return _(" (%(change)s vs previous day)") % {"change": f"{pct:+d}%"}


def digest_message(digest: dict[str, Any], local_until: datetime) -> dict[str, Any]:
    """``local_until``: the end of the digest's 24 h in the configured time zone."""
    tz = getattr(local_until.tzinfo, "key", "UTC")
    lines = [
        _("*%(digest)s* — 24 h to %(until)s %(zone)s")
        % {
            "digest": _(DIGEST),
            "until": format_datetime(local_until, tz),
            "zone": zone_name(tz, local_until),
        }
    ]
    for brand, row in digest["brands"].items():
        trend = digest_trend(row.get("negative_change"), row["previous"]["negative"])
        lines.append(
            "• "
            + _(
                "*%(brand)s*: %(mentions)s mentions, %(negative)s negative (%(share)s)%(trend)s, "
                "open cases %(cases)s"
            )
            % {
                "brand": escape(brand),
                "mentions": f"{row['mentions']:,}",
                "negative": f"{row['negative']:,}",
                "share": f"{row['negative_share']:.0%}",
                "trend": trend,
                "cases": row["open_cases"],
            }
        )
    text = "\n".join(lines)
    return {
        "kind": "digest",
        "text": _clip(text, 3000),
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": _clip(text, MAX_SECTION)}}
        ],
    }


_SLACK_DATE = re.compile(r"<!date\^\d+\^[^|>]*\|([^>]*)>")


def plain(payload: dict[str, Any]) -> str:
    """The content of a payload as plain lines (console notifier, case timeline)."""
    return _SLACK_DATE.sub(r"\1", _plain(payload))


def _plain(payload: dict[str, Any]) -> str:
    out = []
    for block in payload.get("blocks", []):
        if "text" in block and isinstance(block["text"], dict):
            out.append(block["text"]["text"])
        for field in block.get("fields", []):
            out.append(field["text"].replace("\n", ": ", 1))
        for el in block.get("elements", []):
            if el.get("type") == "mrkdwn":
                out.append(el["text"])
    return "\n".join(out) or str(payload.get("text", ""))
