"""A notice (alerts/notice.py) as the markdown the Chinese group robots share — WeCom
``markdown``, DingTalk ``markdown``/``actionCard``, Feishu ``lark_md`` — in the
deployment's language, and the escaping of untrusted text for it.

None of the three documents a backslash escape that all of them honour, and two of them
also read HTML-like tags (``<font>``, ``<at id=all>``, ``<@userid>``). So crawled text is
not escaped but *neutralised*: every character that could start markup, a link or a
mention is replaced by its full-width twin (``*``→``＊``, ``[``→``［``, ``<``→``＜``,
``@``→``＠``, …). A post saying ``@所有人 <at id=all></at> [点我](http://evil)`` reads the
same to a person and triggers nothing. Links we build ourselves are percent-encoded so
they cannot close the markdown link early.

The labels are gettext strings (config/i18n.py): each renderer is handed ``_``, the
translation function of the deployment's ``locale``."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import quote

from alerts.messages import DIGEST, RULE_TITLE, WHO_REACH
from config.i18n import N_, format_datetime, percent_change, zone_name

Gettext = Callable[[str], str]
_FULL_WIDTH = str.maketrans(
    {
        "\\": "＼",
        "*": "＊",
        "_": "＿",
        "`": "｀",
        "[": "［",
        "]": "］",
        "(": "（",
        ")": "）",
        "<": "＜",
        ">": "＞",
        "#": "＃",
        "~": "～",
        "|": "｜",
        "@": "＠",
        "&": "＆",
        "!": "！",
        "\r": " ",
        "\n": " ",
    }
)
SEVERITY_MARK = {"P1": "🔴", "P2": "🟠", "P3": "🟡"}
KIND_LABEL = {
    "case": N_("Alert"),
    "thread": N_("Case update"),
    "escalation": N_("Escalation"),
    "digest": DIGEST,  # the web's name, as Slack's digest says it
}
CASE_LINK = N_("Open the case page (acknowledge / resolve)")
DIGEST_LINK = N_("Open the digest")


def neutralise(text: str, limit: int = 300) -> str:
    """Untrusted text, safe in any of the robots' markdown (see the module docstring)."""
    text = " ".join(str(text).split()).translate(_FULL_WIDTH)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def mention_id(value: str) -> str:
    """A configured user id / mobile for a platform's mention tag (config, not crawled
    text, but still kept to the characters ids are made of)."""
    return re.sub(r"[^A-Za-z0-9_.@+-]", "", value)


def safe_link(url: str) -> str | None:
    """An http(s) URL with nothing that could end a markdown link or start a tag."""
    if not url.startswith(("http://", "https://")):
        return None
    return quote(url, safe=":/?#@!$&'*+,;=%~-._")


def link(url: str, label: str) -> str:
    target = safe_link(url)
    return f"[{neutralise(label, 80)}]({target})" if target else neutralise(label, 80)


def link_label(notice: dict[str, Any], _: Gettext) -> str:
    return _(DIGEST_LINK) if notice.get("kind") == "digest" else _(CASE_LINK)


def notice_of(payload: dict[str, Any], case_url: Callable[[str], str] | None) -> dict[str, Any]:
    """The notice of an outbox payload, with its case link; a payload queued without
    one (before this program knew notices) shows its Slack text."""
    notice = payload.get("notice") or {"kind": "thread", "lines": [str(payload.get("text", ""))]}
    return with_url(notice, case_url)


def with_url(notice: dict[str, Any], case_url: Callable[[str], str] | None) -> dict[str, Any]:
    """The notice with its case page link (an update is queued without one: the
    timeline does not know the web UI's address; the delivering process does)."""
    if notice.get("url") or not notice.get("case_id") or case_url is None:
        return notice
    return {**notice, "url": case_url(notice["case_id"])}


def local_time(iso: str | None, tz: str) -> str:
    """``12月5日 03:03 北京时间``: in the configured zone, named as the web's footer names
    it, in the locale of the moment (the notifiers render in the deployment's)."""
    if not iso:
        return "—"
    at = datetime.fromisoformat(iso)
    return f"{format_datetime(at, tz, 'short')} {zone_name(tz, at)}"


def title(notice: dict[str, Any], _: Gettext) -> str:
    """A one-line title (DingTalk's ``title``, the Feishu card header, the mail subject)."""
    kind = notice.get("kind", "")
    if kind == "digest":
        return _("%(digest)s until %(until)s") % {
            "digest": _(DIGEST),
            "until": notice.get("until", ""),
        }
    rule = notice.get("rule", "")
    brand = notice.get("brand", "")
    if brand.startswith("source:") and notice.get("source_title"):
        # as the case's title and the pages name it (was 'P3 source:demo-tieba：数据源异常')
        brand = _("source %(name)s") % {"name": notice["source_title"]}
    head = _("[%(label)s] %(severity)s %(brand)s: %(rule)s") % {
        "label": _(KIND_LABEL.get(kind, "Alert")),
        "severity": notice.get("severity", ""),
        "brand": brand,
        "rule": _(RULE_TITLE[rule]) if rule in RULE_TITLE else rule,
    }
    return neutralise(f"{SEVERITY_MARK.get(notice.get('severity', ''), '')}{head}", 100)


def lines(notice: dict[str, Any], tz: str, _: Gettext) -> list[str]:
    """The notice's plain lines (not escaped): what fired or happened, the case, times."""
    kind = notice.get("kind")
    if kind == "digest":
        return [_digest_line(row, _) for row in notice.get("rows", [])]
    out = list(notice.get("lines", []))
    if kind == "escalation":
        out.append(
            _("%(severity)s case not acknowledged within %(waited)s: escalated to %(step)s")
            % {k: notice.get(k, "") for k in ("severity", "waited", "step")}
        )
    if notice.get("title"):
        out.append(_("Case: %(title)s") % {"title": notice["title"]})
    if kind == "case":
        out.append(
            _("Opened %(opened)s, acknowledge by %(due)s")
            % {
                "opened": local_time(notice.get("opened_at"), tz),
                "due": local_time(notice.get("ack_due_at"), tz),
            }
        )
    return out


def _digest_line(row: dict[str, Any], _: Gettext) -> str:
    trend = ""
    if row.get("change") is not None:
        pct = percent_change(row["change"])
        if pct is None:  # "较前一天 -100%": said in words, as the brief and the report do
            # "before": the day before's negative count (a notice queued without it: no number)
            before = row.get("before")
            trend = (
                _(", down to 0 from %(before)s the previous day") % {"before": f"{before:,}"}
                if before is not None
                else _(", down to 0 from the previous day")
            )
        else:
            trend = _(", %(change)s vs the previous day") % {"change": f"{pct:+d}%"}
    return _(
        "%(brand)s: %(mentions)s mentions, %(negative)s negative (%(share)s%(trend)s), "
        "%(open)s open cases"
    ) % {
        "brand": row["brand"],
        "mentions": f"{row['mentions']:,}",
        "negative": f"{row['negative']:,}",
        "share": f"{row['share']:.0%}",
        "trend": trend,
        "open": row["open"],
    }


def evidence_line(e: dict[str, Any], _: Gettext) -> tuple[str, str]:
    """(who, reach) of one evidence post, plain."""
    reach = _("%(n)s followers") % {"n": f"{int(e.get('followers') or 0):,}"}
    if e.get("reposts"):
        reach += _(", %(n)s reposts") % {"n": f"{int(e['reposts']):,}"}
    return e.get("author") or _("unknown author"), reach


def body(
    notice: dict[str, Any],
    tz: str,
    _: Gettext,
    *,
    with_title: bool = True,
    with_link: bool = True,
) -> str:
    """The message body as robot markdown. ``with_link`` False when the platform shows
    the case link as a card button instead."""
    out = [f"**{title(notice, _)}**"] if with_title else []
    mark = "- " if notice.get("kind") == "digest" else "> "
    out += [mark + neutralise(line, 500) for line in lines(notice, tz, _)]
    evidence = notice.get("evidence") or []
    if evidence:
        top = _("Top evidence")
        out.append(f"**{top}**")
    for e in evidence:
        who, reach = evidence_line(e, _)
        source = _(WHO_REACH) % {"who": neutralise(who, 30), "reach": neutralise(reach, 60)}
        out.append(f"- {link(e.get('url', ''), e.get('text', ''))} — {source}")
    if with_link and (link_line := case_link(notice, _)):
        out.append(link_line)
    return "\n\n".join(out)


def case_link(notice: dict[str, Any], _: Gettext) -> str:
    """``[打开事件页面…](url)``, or "" when the notice has no http(s) link."""
    url = safe_link(notice.get("url", ""))
    return f"[{link_label(notice, _)}]({url})" if url else ""


def fit(text: str, limit: int, keep: str = "") -> str:
    """``text`` then ``keep`` (the case link, mentions) within ``limit`` UTF-8 bytes: the
    paragraphs of ``text`` that do not fit are left off from the end (the evidence first)
    and replaced by "…", so the platform takes the message and the link and mentions are
    never the part cut off."""
    tail = f"\n\n{keep}" if keep else ""
    if len((text + tail).encode()) <= limit:
        return text + tail
    room = limit - len(tail.encode()) - len("\n\n…".encode())
    kept: list[str] = []
    for paragraph in text.split("\n\n"):
        if len("\n\n".join([*kept, paragraph]).encode()) > room:
            if not kept:  # the first paragraph alone is too long: cut it
                kept.append(paragraph.encode()[: max(0, room)].decode(errors="ignore"))
            break
        kept.append(paragraph)
    return "\n\n".join([*kept, "…"]) + tail
