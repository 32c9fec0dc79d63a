"""Languages of the product: gettext catalogues (Babel) and the locale of the moment.

Source strings are English; the catalogue ``config/locale/zh_CN/LC_MESSAGES/messages.po``
(compiled ``.mo`` committed beside it, ``make messages`` re-extracts, updates and compiles)
holds the Chinese. The deployment's language is ``locale:`` in the config (``zh_CN`` by
default); a web user may choose another (``web.users[].locale`` or the switch in the
header, kept in the session).

It lives in ``config/`` because every layer needs it — the web UI, and ``alerts/`` for the
Slack texts and the digest — and nothing below ``radar/`` may import from ``radar/``.

Use::

    from config.i18n import _, N_, use_locale

    with use_locale(config.locale):
        text = _("Negative surge")          # "负面激增" in zh_CN
    RULE_TITLE = {"high_reach": N_("High-reach post")}   # marked, translated at use: _(...)

Code that runs with no locale chosen (``use_locale`` never entered) gets the English
source strings, so library use and old tests see what the code says.
"""

from __future__ import annotations

import gettext as _gettext
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Literal

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel.support import Translations

LOCALE_DIR = Path(__file__).with_name("locale")
DOMAIN = "messages"
LocaleName = Literal["zh_CN", "en"]
LOCALES: tuple[LocaleName, ...] = ("zh_CN", "en")
DEFAULT_LOCALE: LocaleName = "zh_CN"
SOURCE_LOCALE: LocaleName = "en"  # the language of the msgids
LOCALE_LABELS = {"zh_CN": "中文", "en": "English"}  # each in its own language

_current: ContextVar[str] = ContextVar("radar_locale", default=SOURCE_LOCALE)
# the language of what is written for everyone (Slack threads, robots, the stored event
# text): the deployment's, also when a reader of another language (or the JSON API, which
# speaks English) acts; unset: the current locale (the engine runs in the deployment's)
_channel: ContextVar[str] = ContextVar("radar_channel_locale", default="")


@cache
def translations(locale: str) -> _gettext.NullTranslations:
    """The catalogue of ``locale``; the source strings for ``en`` (and unknown names)."""
    if locale == SOURCE_LOCALE or locale not in LOCALES:
        return _gettext.NullTranslations()
    loaded = Translations.load(str(LOCALE_DIR), [locale], DOMAIN)
    if not isinstance(loaded, Translations):  # the .mo is missing: a packaging fault
        raise FileNotFoundError(f"no compiled catalogue for {locale} under {LOCALE_DIR}")
    return loaded


def current_locale() -> str:
    return _current.get()


@contextmanager
def _locale_in(var: ContextVar[str], locale: str) -> Iterator[None]:
    token = var.set(locale if locale in LOCALES else DEFAULT_LOCALE)
    try:
        yield
    finally:
        var.reset(token)


def use_locale(locale: str) -> AbstractContextManager[None]:
    """Translate with ``locale`` inside the block (per task/thread: a ContextVar)."""
    return _locale_in(_current, locale)


def channel_locale() -> str:
    """The locale of texts written for the team's channels (see ``_channel``)."""
    return _channel.get() or _current.get()


def use_channel_locale(locale: str) -> AbstractContextManager[None]:
    """Write texts for the team's channels in ``locale`` inside the block."""
    return _locale_in(_channel, locale)


def gettext(message: str) -> str:
    """``message`` in the current locale."""
    return translations(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_current.get()).ngettext(singular, plural, n)


_ = gettext


def N_(message: str) -> str:
    """Marks a string for extraction without translating it (module-level tables);
    translate it where it is used: ``_(TABLE[key])``."""
    return message


def gettext_for(locale: str) -> Callable[[str], str]:
    """A ``gettext`` bound to ``locale`` — for a notifier that knows its language and does
    not want to depend on the locale of the moment."""
    return translations(locale).gettext


# --- numbers, dates and relative times in the conventions of the locale (Babel CLDR) ---


def _babel_locale() -> Locale:
    return Locale.parse(_current.get() if _current.get() in LOCALES else SOURCE_LOCALE)


def format_number(n: float | int | None) -> str:
    """``12,345`` (both locales group by thousands; CLDR's zh uses the same separator)."""
    return babel_numbers.format_decimal(n or 0, locale=_babel_locale())


def percent_change(ratio: float) -> int | None:
    """A relative change (``-0.5``: half as many as before) in whole percent as a reader
    takes it, or None for a fall to nothing: say that in words (降至 0) — "减少了 100%" or
    "较前一天 -100%" reads as arithmetic, not as "none any more". A fall that leaves a few
    reads at most -99% (3 after 1,000 would round to -100%). One rule for the digest, the
    crisis brief and the brand report."""
    if ratio <= -1:
        return None
    return max(round(100 * ratio), -99)


def format_datetime(value: datetime, tz: str, fmt: str = "medium") -> str:
    """A local date and/or time in the locale's conventions: ``medium`` 2026年11月23日 10:00
    (Nov 23, 2026 10:00), ``short`` 11月23日 10:00, ``date`` 2026年11月23日, ``day`` 11月23日,
    ``time`` 10:00."""
    loc = _babel_locale()
    zone = babel_dates.get_timezone(tz)
    clock = babel_dates.format_time(value, "HH:mm", tzinfo=zone, locale=loc)
    if fmt == "time":
        return clock
    skeleton = "yMMMd" if fmt in ("medium", "date") else "MMMd"
    day = babel_dates.format_skeleton(skeleton, value, tzinfo=zone, locale=loc)
    return day if fmt in ("date", "day") else f"{day} {clock}"


def format_relative(delta: timedelta) -> str:
    """``5分钟前`` / ``5 minutes ago`` for a past ``delta`` (negative: in the future)."""
    return babel_dates.format_timedelta(
        -delta, add_direction=True, threshold=1.1, locale=_babel_locale()
    )


# the zones of Beijing time (the IANA name and its old aliases)
BEIJING_ZONES = frozenset(
    {"Asia/Shanghai", "Asia/Chongqing", "Asia/Chungking", "Asia/Harbin", "PRC"}
)


def zone_name(tz: str, at: datetime | None = None) -> str:
    """The time zone as its readers call it: the IANA name in English (``Asia/Shanghai``);
    in Chinese 北京时间 for Beijing time, CLDR's name of another zone's place
    (``日本时间``), else its offset from UTC at ``at`` (``UTC+08:00``)."""
    if not _current.get().startswith("zh"):
        return tz
    if tz in BEIJING_ZONES:
        return "北京时间"
    zone = babel_dates.get_timezone(tz)
    place = babel_dates.get_timezone_location(zone, locale=_babel_locale())
    if "未知" not in place:  # CLDR knows no place for UTC, Etc/GMT-8 …
        return place
    offset = (at or datetime.now(zone)).astimezone(zone).utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
