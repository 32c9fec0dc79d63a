"""Times as Chinese sites show them → timezone-aware UTC.

The sites print local (Asia/Shanghai) times in many shapes, several of them relative to
the moment the page was served, so every parse takes the crawl time ``now``:

====================================  =========================================
m.weibo.cn ``created_at``             ``Fri Jun 14 20:39:20 +0800 2019``, ``06-14``,
                                      ``2019-06-14``, ``15小时前``, ``5分钟前``,
                                      ``刚刚``, ``昨天 12:30``
Tieba list / thread tails             ``11:24`` (today), ``8-7``, ``2024-08-05 16:56``
Discuz! X ``authorposton``            ``发表于 2024-8-5 12:00``, ``3 天前``, ``半小时前``,
                                      ``前天 08:15``
====================================  =========================================

A date without a year is this year, or last year when that would be in the future
(a post from "12-31" read on 1 January). A date without a time is local midnight.
These shapes are site conventions, not a natural-language problem, so they are listed
here explicitly instead of guessed by a general date parser.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")

_UNITS = {"秒": 1, "分钟": 60, "分": 60, "小时": 3600, "天": 86400, "周": 604800}
_RELATIVE = re.compile(r"^(\d+)\s*(秒|分钟|分|小时|天|周)\s*前$")
_DAY_WORDS = {"今天": 0, "昨天": 1, "前天": 2}
_DAY_WORD = re.compile(r"^(今天|昨天|前天)\s*(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_FULL = re.compile(
    r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$"
)
_MONTH_DAY = re.compile(r"^(\d{1,2})[-/月](\d{1,2})日?(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_PREFIXES = ("发表于", "发布于", "最后回复", "回复于", "创建于", "编辑于")
# "Fri Jun 14 20:39:20 +0800 2019" (parsed by hand: strptime's %a/%b follow the locale)
_WEIBO_FULL = re.compile(
    r"^[A-Za-z]{3} ([A-Za-z]{3}) (\d{1,2}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2}) (\d{4})$"
)
_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}


def parse_site_time(text: str, now: datetime, tz: ZoneInfo = SHANGHAI) -> datetime:
    """Parse one of the shapes above; ``now`` is the crawl time (aware). Raises ValueError
    naming the text when the shape is unknown or the date impossible ("13-45")."""
    try:
        return _parse(text, now, tz)
    except ValueError as exc:
        if str(exc).startswith(("unknown time", "empty time")):
            raise
        raise ValueError(f"invalid time {text!r}: {exc}") from None


def _parse(text: str, now: datetime, tz: ZoneInfo) -> datetime:
    raw = text
    if m := _WEIBO_FULL.match(text):  # the common case first
        mon, day, hh, mm, ss, sign, oh, om, year = m.groups()
        offset = timedelta(hours=int(oh), minutes=int(om)) * (1 if sign == "+" else -1)
        month = _MONTHS.get(mon.lower())
        if month is None:
            raise ValueError(f"unknown month {mon!r}")
        local = datetime(int(year), month, int(day), int(hh), int(mm), int(ss))
        return (local - offset).replace(tzinfo=UTC)
    s = re.sub(r"\s+", " ", text.replace("\xa0", " ")).strip()
    for prefix in _PREFIXES:
        s = s.removeprefix(prefix).strip()
    local_now = now.astimezone(tz)
    if not s:
        raise ValueError("empty time")
    if s in ("刚刚", "刚才"):
        return now.astimezone(UTC)
    if s == "半小时前":
        return (now - timedelta(minutes=30)).astimezone(UTC)
    if m := _RELATIVE.match(s):
        return (now - timedelta(seconds=int(m.group(1)) * _UNITS[m.group(2)])).astimezone(UTC)
    if m := _DAY_WORD.match(s):
        day = local_now.date() - timedelta(days=_DAY_WORDS[m.group(1)])
        return _local(day, int(m.group(2)), int(m.group(3)), int(m.group(4) or 0), tz)
    if m := _FULL.match(s):
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
        return _local(date(y, mo, d), *_hms(m.group(4), m.group(5), m.group(6)), tz)
    if m := _MONTH_DAY.match(s):
        mo, d = int(m.group(1)), int(m.group(2))
        candidate = date(local_now.year, mo, d)
        if candidate > local_now.date():
            candidate = date(local_now.year - 1, mo, d)
        return _local(candidate, *_hms(m.group(3), m.group(4), m.group(5)), tz)
    if m := _CLOCK.match(s):
        at = _local(local_now.date(), int(m.group(1)), int(m.group(2)), int(m.group(3) or 0), tz)
        # "23:50" read at 00:05 is yesterday's
        return at - timedelta(days=1) if at > now + timedelta(minutes=5) else at
    for fmt in ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %H:%M:%S%z"):
        try:
            return datetime.strptime(s, fmt).astimezone(UTC)
        except ValueError:
            pass
    try:  # RFC 822 (RSS pubDate) as a last resort
        parsed = parsedate_to_datetime(s)
    except (TypeError, ValueError, IndexError):
        parsed = None
    if parsed is not None:
        return (parsed.replace(tzinfo=tz) if parsed.tzinfo is None else parsed).astimezone(UTC)
    raise ValueError(f"unknown time format {raw!r}")


def _hms(h: str | None, m: str | None, s: str | None) -> tuple[int, int, int]:
    return int(h or 0), int(m or 0), int(s or 0)


def _local(day: date, hour: int, minute: int, second: int, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(hour, minute, second), tzinfo=tz).astimezone(UTC)
