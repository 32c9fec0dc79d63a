"""Value types shared by every config section: secrets by env var, durations, URLs."""

from __future__ import annotations

import math
import os
import re
from typing import Annotated, Any
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min|h|d|w)?\s*$")
_UNITS = {
    None: 1.0,
    "ms": 0.001,
    "s": 1.0,
    "m": 60.0,
    "min": 60.0,
    "h": 3600.0,
    "d": 86400.0,
    "w": 604800.0,
}


# the longest duration any setting takes: ten years. Beyond it a value is a typo, and
# timedelta/APScheduler raise OverflowError on it only when the service starts
MAX_DURATION = 3650 * 86400.0


def parse_duration(value: Any) -> float:
    """``90``, ``"90s"``, ``"5m"``, ``"2h"``, ``"1d"`` → seconds (float), at most
    :data:`MAX_DURATION`."""
    if isinstance(value, bool):
        raise ValueError("expected a duration like 30s, 5m, 2h or 1d")
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError("a duration cannot be negative")
        seconds = float(value)
    elif isinstance(value, str) and (m := _DURATION.match(value)):
        seconds = float(m.group(1)) * _UNITS[m.group(2)]
    else:
        raise ValueError(f"expected a duration like 30s, 5m, 2h or 1d, got {value!r}")
    if not math.isfinite(seconds) or seconds > MAX_DURATION:
        raise ValueError(f"a duration of at most 3650d (ten years), got {value!r}")
    return seconds


Duration = Annotated[float, BeforeValidator(parse_duration)]
# how often something runs or how long it may take: 0 would mean every second / at once
PositiveDuration = Annotated[float, BeforeValidator(parse_duration), Field(gt=0)]


def check_time_zone(value: str) -> str:
    """An IANA time zone name (``Asia/Shanghai``, ``UTC``), checked at load time rather
    than when the web UI or the scheduler first needs it."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {value!r} (use a name like Asia/Shanghai or UTC)"
        ) from None
    return value


TimeZoneName = Annotated[str, AfterValidator(check_time_zone)]


# a Chinese input method's comma and enumeration comma: inside [a，b] YAML reads one item
_FULL_WIDTH_SEPARATORS = ("，", "、")


def check_list_items(key: str, items: list[str]) -> None:
    """``[清泉牛奶，清泉奶]`` typed with a Chinese input method is ONE item '清泉牛奶，清泉奶'
    (YAML separates items with ``,`` only): a term or keyword that never matches, which
    config check passed. Named with the fix."""
    for i, item in enumerate(items):
        if sep := next((c for c in _FULL_WIDTH_SEPARATORS if c in item), None):
            parts = ", ".join(p.strip() for p in item.split(sep))
            raise ValueError(
                f"{key}[{i}]: {item!r} holds the full-width {sep!r}: YAML separates list "
                f"items with ',' only, so this is one item; write [{parts}]"
            )


_TIME_OF_DAY = re.compile(r"^\s*([01]?\d|2[0-3]):([0-5]\d)\s*$")


def parse_time_of_day(value: Any) -> str:
    """A clock time ``"HH:MM"`` (``scheduler.digest_time``, ``reports[].at``) as
    ``"09:00"``; ``"9:00"`` is taken too. YAML 1.1 reads an unquoted ``9:30`` or
    ``25:00`` as a number in base 60 (570, 1500): that number is named with the time it
    came from and the fix (quote it), not as "Input should be a valid string"."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 60:
        written = f"{value // 60}:{value % 60:02d}"
        raise ValueError(
            f"YAML read the unquoted time {written} as the number {value}: write it in "
            f'quotes, like "09:00" (HH:MM, 00:00 to 23:59)'
        )
    if isinstance(value, str) and (m := _TIME_OF_DAY.match(value)):
        return f"{int(m[1]):02d}:{m[2]}"
    raise ValueError(
        f'expected a time of day "HH:MM" from 00:00 to 23:59, like "09:00"; got {value!r}'
    )


TimeOfDay = Annotated[str, BeforeValidator(parse_time_of_day)]


def check_http_url(value: str) -> str:
    """An http(s) URL with a host (a source's base URL, the web UI's public URL)."""
    u = urlparse(value)
    if u.scheme not in ("http", "https") or not u.netloc:
        raise ValueError(f"must be an http(s) URL with a host, got {value!r}")
    return value


class Strict(BaseModel):
    """Base of every config section: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class EnvRef(Strict):
    """A secret referenced by environment variable: ``{"$env": "SLACK_BOT_TOKEN"}``.

    The value is never written in the config file. A reference whose variable is not
    set is reported by ``radar config check`` (and stops start-up) unless ``optional``.
    """

    env: str = Field(alias="$env", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    optional: bool = False

    @model_validator(mode="after")
    def _present(self) -> EnvRef:
        if not self.optional and os.environ.get(self.env) in (None, ""):
            raise ValueError(f"environment variable {self.env} is not set")
        return self

    def get(self) -> str | None:
        value = os.environ.get(self.env)
        return value if value else None
