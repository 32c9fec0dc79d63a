"""A finding's one line for people (``Finding.summary``), built from its figures.

The rules build the line with these functions when they fire, in the language of the
moment (the deployment's), and the line is stored with the case. A case page, list or
brief renders it again from the stored figures for its reader (:func:`line`): an
English reader of a Chinese deployment reads English, and the words and figures are
those the rule said. A case stored before a figure a line needs was kept has no line
here (None): its stored summary is shown as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from alerts.labels import reason_label, signal_label, state_label
from config.i18n import _, format_datetime, zone_name

Figures = Mapping[str, Any]


# Below one expected story the ratio is no figure for a person: 0.05 expected made
# "预期 0.1 个（265.8 倍）". Such a line says the brand normally has almost none instead.
MEANINGFUL_EXPECTED = 1.0


def meaningful(expected: float) -> bool:
    """Whether a ratio to ``expected`` (stories, posts) is worth printing."""
    return expected >= MEANINGFUL_EXPECTED


def sharp_surge(f: Figures) -> str:
    if not meaningful(float(f["expected"])):
        return _(
            "%(count)s new negative stories in %(minutes)s min where there are normally "
            "almost none (fewer than 1 expected), negative share %(share)s"
        ) % {
            "count": f["stories"],
            "minutes": f["window_minutes"],
            "share": f"{f['negative_share']:.0%}",
        }
    return _(
        "%(count)s new negative stories in %(minutes)s min vs %(expected)s expected "
        "(%(ratio)s×), negative share %(share)s"
    ) % {
        "count": f["stories"],
        "minutes": f["window_minutes"],
        "expected": f"{f['expected']:.1f}",
        "ratio": f"{f['ratio']:.1f}",
        "share": f"{f['negative_share']:.0%}",
    }


def slow_climb(f: Figures) -> str:
    last = f["last_hour"]
    figures = {
        "count": f["stories"],
        "hours": f"{f['window_minutes'] / 60:.1f}",
        "expected": f"{f['expected']:.1f}",
        "ratio": f"{f['ratio']:.1f}",
        "last": last["stories"],
        "last_expected": f"{last['expected']:.1f}",
    }
    if meaningful(float(f["expected"])):
        text = _(
            "sustained rise: %(count)s new negative stories in %(hours)s h vs %(expected)s "
            "expected (%(ratio)s×), last hour %(last)s vs %(last_expected)s"
        )
    else:
        text = _(
            "sustained rise: %(count)s new negative stories in %(hours)s h where there are "
            "normally almost none (fewer than 1 expected), last hour %(last)s vs "
            "%(last_expected)s"
        )
    return text % figures


def negative_surge(f: Figures) -> str:
    return slow_climb(f) if f["shape"] == "slow_climb" else sharp_surge(f)


def high_reach(f: Figures) -> str:
    """A 大V post (``followers``), a spreading story (``reposts_per_hour``), or both."""
    parts = []
    if "followers" in f:
        parts.append(
            _("negative post by %(author)s with %(followers)s followers")
            % {"author": f["author"] or _("an account"), "followers": f"{f['followers']:,}"}
        )
    if "reposts_per_hour" in f:
        parts.append(
            _(
                "negative story spreading at %(rate)s reposts/comments per hour "
                "(%(copies)s copies seen)"
            )
            % {"rate": f"{f['reposts_per_hour']:,.0f}", "copies": f"{f['story_mentions']:,}"}
        )
    if not parts:
        raise KeyError("followers")
    return _("; ").join(parts)  # "；" in Chinese


def risk_signal(f: Figures) -> str:
    listing = _(", ").join(f"{signal_label(s)} ×{n}" for s, n in f["signals"].items())
    return _("%(stories)s negative stories with risk signals in %(minutes)s min: %(signals)s") % {
        "stories": f["stories"],
        "minutes": f["window_minutes"],
        "signals": listing,
    }


def source_health(f: Figures) -> str:
    name, state = f.get("source_title") or f["source"], f["state"]
    if state == "silent":
        return _("source %(name)s has brought nothing new for %(hours)s h") % {
            "name": name,
            "hours": f"{f['silent_seconds'] / 3600:.1f}",
        }
    if state == "crashing" and not f.get("detail"):  # a title (messages.headline)
        return _(
            "source %(name)s: its crawl crashed %(streak)s time(s) in a row, nothing is crawled"
        ) % {"name": name, "streak": f["crashes"]}
    if state == "crashing":
        return _(
            "source %(name)s: its crawl crashed %(streak)s time(s) in a row, "
            "nothing is crawled: %(detail)s"
        ) % {"name": name, "streak": f["crashes"], "detail": f["detail"]}
    return _("source %(name)s is %(state)s (%(reason)s)%(until)s") % {
        "name": name,
        "state": state_label(state),
        "reason": reason_label(f["reason"]) if f["reason"] else _("no reason given"),
        "until": _paused_until(f),
    }


def _paused_until(f: Figures) -> str:
    """`` until 12月5日 03:03 北京时间``: in the zone recorded with the finding; findings
    stored before it was recorded kept the moment in UTC, and say so."""
    at, tz = f.get("paused_until_at"), f.get("tz")
    if at and tz:
        moment = datetime.fromisoformat(str(at))
        named = f"{format_datetime(moment, str(tz), 'short')} {zone_name(str(tz), moment)}"
        return _(" until %(at)s") % {"at": named}
    until = f["paused_until"]
    return _(" until %(at)s UTC") % {"at": until} if until else ""


_LINES: dict[str, Callable[[Figures], str]] = {
    "negative_surge": negative_surge,
    "high_reach": high_reach,
    "risk_signal": risk_signal,
    "source_health": source_health,
}


def line(rule: str, figures: Figures) -> str | None:
    """The line of ``rule``'s finding with these stored figures, in the language of the
    moment; None when they lack what it needs (the stored summary is then the line)."""
    build = _LINES.get(rule)
    if build is None:
        return None
    try:
        return build(figures)
    except (KeyError, TypeError, ValueError):
        return None


def shown(rule: str, figures: Figures) -> str:
    """What a page shows for a stored finding: :func:`line`, else its stored summary."""
    return line(rule, figures) or str(figures.get("summary", ""))
