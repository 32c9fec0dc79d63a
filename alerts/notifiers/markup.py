"""A notice (alerts/notice.py) as the markdown the Chinese group robots share — WeCom
``markdown``, DingTalk ``markdown``/``actionCard``, Feishu ``lark_md`` — and the
escaping of untrusted text for it.

None of the three documents a backslash escape that all of them honour, and two of them
also read HTML-like tags (``<font>``, ``<at id=all>``, ``<@userid>``). So crawled text is
not escaped but *neutralised*: every character that could start markup, a link or a
mention is replaced by its full-width twin (``*``→``＊``, ``[``→``［``, ``<``→``＜``,
``@``→``＠``, …). A post saying ``@所有人 <at id=all></at> [点我](http://evil)`` reads the
same to a person and triggers nothing. Links we build ourselves are percent-encoded so
they cannot close the markdown link early."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

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
KIND_LABEL = {"case": "舆情告警", "thread": "案件更新", "escalation": "升级提醒", "digest": "日报"}


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
    if not iso:
        return "—"
    return f"{datetime.fromisoformat(iso).astimezone(ZoneInfo(tz)):%m-%d %H:%M}"


def title(notice: dict[str, Any]) -> str:
    """A one-line title (DingTalk's ``title``, the Feishu card header, the mail subject)."""
    if notice.get("kind") == "digest":
        return neutralise(notice.get("title", "日报"), 100)
    mark = SEVERITY_MARK.get(notice.get("severity", ""), "")
    label = KIND_LABEL.get(notice.get("kind", ""), "通知")
    head = f"{mark}【{label}】{notice.get('severity', '')} {notice.get('brand', '')}"
    return neutralise(f"{head}：{notice.get('rule', '')}", 100)


def body(
    notice: dict[str, Any], tz: str, *, with_title: bool = True, with_link: bool = True
) -> str:
    """The message body as robot markdown. ``with_link`` False when the platform shows
    the case link as a card button instead."""
    out = [f"**{title(notice)}**"] if with_title else []
    kind = notice.get("kind")
    if kind == "digest":
        out += [f"- {neutralise(line, 200)}" for line in notice.get("lines", [])]
    else:
        out += [f"> {neutralise(line, 500)}" for line in notice.get("lines", [])]
        if kind in ("case", "escalation", "thread") and notice.get("title"):
            out.append(f"案件：{neutralise(notice['title'], 200)}")
        if kind == "case":
            out.append(
                f"开始：{local_time(notice.get('opened_at'), tz)}　"
                f"确认期限：{local_time(notice.get('ack_due_at'), tz)}"
            )
            evidence = notice.get("evidence") or []
            if evidence:
                out.append("**主要证据**")
            for e in evidence:
                who = neutralise(e.get("author") or "未知作者", 30)
                reach = f"粉丝 {int(e.get('followers') or 0):,}"
                if e.get("reposts"):
                    reach += f"，转发 {int(e['reposts']):,}"
                out.append(f"- {link(e.get('url', ''), e.get('text', ''))} — {who}（{reach}）")
    url = notice.get("url", "")
    if with_link and safe_link(url):
        label = "打开日报" if kind == "digest" else "打开案件页面（确认 / 解决）"
        out.append(f"[{label}]({safe_link(url)})")
    return "\n\n".join(out)
