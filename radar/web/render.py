"""Jinja2 templates and the filters that keep crawled text inert when it is shown.

Everything is auto-escaped. The one exception is the store's highlighted snippet, which
arrives as HTML (``<mark>`` around matches, the rest escaped): ``safe_highlight`` checks
that nothing but ``<mark>``/``</mark>`` tags is in it before marking it safe. Links to
original posts are rendered only for http(s) URLs (``safe_url``), so a ``javascript:``
URL stays text.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from markupsafe import Markup, escape

from alerts import lines, summaries
from alerts.labels import SIGNAL_TITLE
from alerts.messages import RULE_TITLE, headline, lead_rule
from config import i18n
from index.models import CaseEvent, Mention, SentimentCorrection
from radar.web import timeline

log = logging.getLogger(__name__)

TEMPLATE_DIR = Path(__file__).with_name("templates")
STATIC_DIR = Path(__file__).with_name("static")

_MARK_TAG = re.compile(r"</?mark>")


def safe_highlight(snippet: str, fallback: str = "") -> Markup:
    """The store's snippet as markup, if it holds no HTML but <mark> tags; otherwise the
    escaped ``fallback`` (and a warning: the backend broke its contract)."""
    rest = _MARK_TAG.sub("", snippet or "")
    opens = len(re.findall(r"<mark>", snippet or ""))
    closes = len(re.findall(r"</mark>", snippet or ""))
    if "<" in rest or ">" in rest or opens != closes:
        log.warning("store returned a highlight with unescaped HTML; showing plain text")
        return Markup(escape(fallback[:300]))
    return Markup(snippet)


def safe_url(url: str | None) -> str | None:
    """``url`` if it is an absolute http(s) URL, else None (javascript:, data:, relative…)."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        return url.strip()
    return None


def local_next(target: str | None, default: str = "/search") -> str:
    """Only same-site paths may be redirected to (no //host or scheme)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


def human_duration(seconds: float | None) -> str:
    """``3d 4h``, ``2h 5m``, ``7m``; negative durations are shown as their size."""
    if seconds is None:
        return ""
    s = int(abs(seconds))
    days, rem = divmod(s, 86400)
    hours, rem = divmod(rem, 3600)
    minutes = rem // 60
    _ = i18n.gettext
    if days:
        return (_("%(d)sd %(h)sh") if hours else _("%(d)sd")) % {"d": days, "h": hours}
    if hours:
        return (_("%(h)sh %(m)sm") if minutes else _("%(h)sh")) % {"h": hours, "m": minutes}
    return _("%(m)sm") % {"m": minutes} if minutes else _("%(s)ss") % {"s": s}


def _as_utc(value: datetime | str | None) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


class Formatter:
    """Time and number formatting in the configured time zone."""

    def __init__(self, timezone: str):
        self.tz = ZoneInfo(timezone)
        self.tz_name = timezone

    def local(self, value: datetime | str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
        """A local time written for machines (form fields, links, file names, CSV cells);
        people read moments through :meth:`when`."""
        if value is None or value == "":
            return ""
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(self.tz).strftime(fmt)

    def when(self, value: datetime | str | None, fmt: str = "medium") -> str:
        """``2026年11月23日 10:00`` in Chinese, ``Nov 23, 2026 10:00`` in English; see
        :func:`config.i18n.format_datetime` for ``fmt``."""
        at = _as_utc(value)
        return i18n.format_datetime(at, self.tz_name, fmt) if at is not None else ""

    def span(self, start: datetime | str | None, end: datetime | str | None) -> str:
        """A range of time: ``2026年11月23日 02:00–06:00`` within a day, else both moments
        in full, ``2026年11月22日 02:00 → 2026年11月23日 02:00``."""
        first, last = _as_utc(start), _as_utc(end)
        if first is None or last is None:
            return self.when(first or last)
        if self.local(first, "%Y-%m-%d") == self.local(last, "%Y-%m-%d"):
            return f"{self.when(first)}–{self.when(last, 'time')}"
        return f"{self.when(first)} → {self.when(last)}"

    def tick(self, start: datetime, interval: int) -> str:
        """A chart's axis label (the chart says its window, so no year): ``11月23日 10:00``,
        a day's bar ``11月23日``; alert markers are placed by the same label."""
        return self.when(start, "day" if interval >= 86400 else "short")

    def parse_local(self, text: str | None) -> datetime | None:
        """An ISO date/time from a form or query string; naive means the configured zone.
        Raises ValueError naming the bad value."""
        if not text or not text.strip():
            return None
        try:
            value = datetime.fromisoformat(text.strip())
        except ValueError:
            message = i18n.gettext("not a date/time: %(text)s (use e.g. 2026-11-23T09:30)")
            raise ValueError(message % {"text": repr(text)}) from None
        if not 1900 <= value.year <= 9000:  # year 1 or 9999 overflow time-zone arithmetic
            raise ValueError(
                i18n.gettext("out of range: %(text)s (years 1900-9000)") % {"text": repr(text)}
            )
        if value.tzinfo is None:
            value = value.replace(tzinfo=self.tz)
        return value.astimezone(UTC)


# trigger entries that are bookkeeping of the alert engine, not figures for people
# (title_rule: the rule a resolved case's title keeps, alerts/trigger.py — the title says it;
# the page read "title rule negative_surge" under 触发数据;
# peak_rules: each rule's strongest firing, listed with the rules' lines)
_HIDDEN_TRIGGER_KEYS = {
    "evidence_weight",
    "notified",
    "update_every",
    "key",
    "keys",
    "title_rule",
    "peak_rules",
}


def _figure(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def _figure_name(key: str) -> str:
    """A trigger figure's key as the reader names it: ``reach:high_reach`` (the engine's
    figure per rule) is ``reach (High-reach post)``."""
    figure, _, measure = key.partition(":")
    named = label(figure, "figure")
    if not measure:
        return named
    of = label(measure, "measure" if measure in LABELS["measure"] else "rule")
    return i18n.gettext("%(figure)s (%(of)s)") % {"figure": named, "of": of}  # 覆盖（骤增）


def _figure_text(key: str, value: float, surge: dict[str, Any] | None = None) -> str:
    """One figure of a trigger record as a phrase: ``覆盖（骤增） 4,584``; the ratio reads
    ``预期的 9.87 倍`` (it was 为规则预期数的倍数 9.87, a label before its number), or,
    where the rule expected fewer than one story (its firing ``surge``), no ratio at all
    but the firing's count: ``13 个负面话题（平时几乎没有，预期不足 1 个）``."""
    if key == "ratio":
        expected = surge.get("expected") if surge else None
        if isinstance(expected, int | float) and not summaries.meaningful(expected):
            stories = surge.get("stories") if surge else None
            if isinstance(stories, int | float):
                return i18n.gettext(
                    "%(count)s negative stories (normally almost none, fewer than 1 expected)"
                ) % {"count": _figure(stories)}
            return i18n.gettext("normally almost none (fewer than 1 expected)")
        return i18n.gettext("%(ratio)s× what the rule expected") % {"ratio": _figure(value)}
    return f"{_figure_name(key)} {_figure(value)}"


def _surge_of(ratio: Any, *surges: Any) -> dict[str, Any] | None:
    """The surge rule's firing behind a peak ``ratio``: of its stored firings (its peak,
    its latest), the one with that ratio, else the first; None when none is kept."""
    kept = [s for s in surges if isinstance(s, dict) and isinstance(s.get("expected"), int | float)]
    same = [s for s in kept if s.get("ratio") == ratio] or kept
    return same[0] if same else None


def trigger_rows(trigger: dict[str, Any], fmt: Formatter) -> list[tuple[str, str]]:
    """A case's trigger figures as (label, text) rows: each rule's own line (rendered
    for the reader from its figures), then the scalar figures; nested bookkeeping is
    left out."""
    rows: list[tuple[str, str]] = []
    stored, stored_peaks = trigger.get("rules"), trigger.get("peak_rules")
    rules: dict[str, Any] = stored if isinstance(stored, dict) else {}
    peaks: dict[str, Any] = stored_peaks if isinstance(stored_peaks, dict) else {}

    def shown(name: str, rule: dict[str, Any]) -> str:
        return str(
            summaries.shown(name, rule)
            or ", ".join(f"{k} {_figure(v)}" for k, v in rule.items() if isinstance(v, int | float))
        )

    # a rule whose strongest firing (the title's) is not its latest: both, named so
    for name in dict.fromkeys([*rules, *peaks]):
        latest, peak = rules.get(name), peaks.get(name)
        named = label(name, "rule")
        if not isinstance(peak, dict) or (
            isinstance(latest, dict) and peak.get("fired_at") == latest.get("fired_at")
        ):
            if isinstance(latest, dict):
                rows.append((named, shown(name, latest)))
            continue
        rows.append((i18n.gettext("%(rule)s at its peak") % {"rule": named}, shown(name, peak)))
        if isinstance(latest, dict):
            rows.append((i18n.gettext("%(rule)s, latest") % {"rule": named}, shown(name, latest)))
    for key, value in trigger.items():
        if key == "rules" or key in _HIDDEN_TRIGGER_KEYS:
            continue
        if isinstance(value, dict):
            # "；" between figures in Chinese: the figures have thousands commas of their own.
            # A ratio of 0 is a rule that measures none (a high-reach post), not a peak at
            # "0 times the normal level" beside the brief's real one.
            surge = _surge_of(
                value.get("ratio"), peaks.get("negative_surge"), rules.get("negative_surge")
            )
            # against fewer than one expected story the row leads with the firing's count
            # of stories (_figure_text), which is then not said again as 话题数（骤增）
            counted: tuple[str, Any] | None = None
            if surge and value.get("ratio") and not summaries.meaningful(surge["expected"]):
                counted = (f"stories:{surge.get('shape')}", surge.get("stories"))
            text = i18n.gettext("; ").join(
                _figure_text(k, v, surge if k == "ratio" else None)
                for k, v in value.items()
                if isinstance(v, int | float) and not (k == "ratio" and not v) and (k, v) != counted
            )
        elif isinstance(value, list):
            text = ", ".join(_figure(v) for v in value[:10])
        elif isinstance(value, str) and key.endswith("_at"):
            try:
                text = fmt.when(value)
            except ValueError:
                text = value
        else:
            text = _figure(value)
        if text:
            named = label(key, "figure")
            rows.append((named if named != key else key.replace("_", " "), text))
    return rows


@dataclass(frozen=True)
class BrandChip:
    """The sentiment toward one brand a mention names, as a card shows it."""

    brand: str
    label: str  # the effective label ("" when nothing is scored)
    score: float | None  # the model's score behind the label; None when corrected
    correction: SentimentCorrection | None  # a person's verdict, which wins
    model: str  # what the model says toward the brand (else the post's label), "" unscored
    differs: bool  # the effective label is not the post's (document-level) label
    from_post: bool = False  # no polarity toward the brand stored: the post's stands
    post: str = ""  # the post's (document-level) label, "" unscored


def brand_chips(m: Mention) -> list[BrandChip]:
    """One chip per distinct brand named, in the order named (the first match decides,
    as :attr:`Mention.brand_labels` does)."""
    doc = m.sentiment.label.value if m.sentiment is not None else ""
    chips: dict[str, BrandChip] = {}
    labels = m.brand_labels
    for match in m.brand_matches.values():
        model = match.sentiment or m.sentiment
        label = labels[match.brand]
        chips[match.brand] = BrandChip(
            brand=match.brand,
            label=label,
            score=model.score if model is not None and match.correction is None else None,
            correction=match.correction,
            model=model.label.value if model is not None else "",
            differs=bool(doc and label and label != doc),
            from_post=match.sentiment is None,
            post=doc,
        )
    return list(chips.values())


Band = tuple[float, float]


@functools.cache
def model_bands(path: str) -> tuple[Band, Band] | None:
    """The neutral bands ``(post, brand)`` of the sentiment model file at ``path``, read
    from its header (sentiment/model.py: ``label`` and ``target_label``); None when it
    cannot be read. The web does not load the model itself."""
    from sentiment.model import ModelFileError, neutral_bands  # the header only

    try:
        return neutral_bands(path)
    except ModelFileError:
        log.warning("no neutral bands read from the sentiment model %s", path)
        return None


def _bands(context: Any) -> tuple[Band, Band] | None:
    config = getattr(
        getattr(getattr(context.get("request"), "app", None), "state", None), "config", None
    )
    path = getattr(getattr(config, "sentiment", None), "model_path", "") or ""
    if not path:
        from sentiment.model import DEFAULT_MODEL_PATH  # the path only: no model loaded

        path = str(DEFAULT_MODEL_PATH)
    return model_bands(path)


def _figure_beside(score: float, band: Band | None) -> str:
    """``score`` with two decimals, or as many more as keep it on its side of the band's
    edges: 0.2687 beside "below 0.27 reads negative" is 0.269, not 0.27."""
    for digits in (2, 3, 4):
        text = f"{score:.{digits}f}"
        shown = float(text)
        if band is None or all(
            (score < e) == (shown < e) and (score > e) == (shown > e) for e in band
        ):
            return text
    return f"{score:.6f}"


def _score_text(score: float, band: Band | None) -> str:
    text = i18n.gettext("model score %(score)s (0 to 1, the lower the more negative)") % {
        "score": _figure_beside(score, band)
    }
    if band is not None:
        text += i18n.gettext("; below %(low)s reads negative, above %(high)s positive") % {
            "low": f"{band[0]:.2f}",
            "high": f"{band[1]:.2f}",
        }
    return text


def is_repost(m: Mention) -> bool:
    """Whether the platform says ``m`` reposts another post (Weibo's retweeted_status: kind
    ``repost``) or its text carries a repost chain (``//@某人:``). ``repost_of`` alone is no
    repost: index/dedupe.py also sets it on a near-copy, e.g. a 黑猫投诉 complaint copying a
    Weibo post, which the pages call similar content (相似内容), not 转发."""
    # the repost chain (我的话//@某人:转发的话) as the scorer reads it; imported here, as
    # model_bands does, so that the web's start does not load the sentiment package
    from sentiment.normalize import REPOST_SPLIT

    return bool(m.repost_of) and (m.kind == "repost" or bool(REPOST_SPLIT.search(m.text)))


@pass_context
def post_sentiment_note(context: Any, m: Mention) -> str:
    """The note under a card's post-as-a-whole badge: the verdict and the model's score,
    with where negative ends (the badge itself shows the verdict only)."""
    if m.sentiment is None:
        return ""
    bands = _bands(context)
    return i18n.gettext("The post as a whole: %(label)s. %(detail)s") % {
        "label": label(m.sentiment.label, "sentiment"),
        "detail": _score_text(m.sentiment.score, bands[0] if bands else None),
    }


@pass_context
def chip_note(context: Any, chip: BrandChip, single: bool = False) -> str:
    """The note under a brand chip: who or what decided its label and, where the model
    did, its score and band. A person's correction says so; a one-brand complaint
    labelled negative by the complaint rule (sentiment._complaint_is_about_its_brand)
    while its score lies in the brand band's neutral part says the rule decided it.
    ``single``: the post names this brand alone (the rule's condition)."""
    shown = label(chip.label, "sentiment")
    if chip.correction is not None:
        text = i18n.gettext("%(name)s corrected it by hand, %(at)s") % {
            "name": _people(context)(chip.correction.by),
            "at": context.environment.filters["when"](chip.correction.at),
        }
        if chip.model:
            text += i18n.gettext("; the model said %(label)s") % {
                "label": label(chip.model, "sentiment")
            }
        detail = text
    elif chip.score is None:
        return ""
    else:
        bands = _bands(context)
        band = None if bands is None else bands[0] if chip.from_post else bands[1]
        detail = _score_text(chip.score, band)
        if chip.from_post:
            detail += i18n.gettext(" (the post as a whole: no reading toward the brand stored)")
        by_rule = (
            single
            and band is not None
            and not chip.from_post
            and chip.label == "negative"
            and band[0] <= chip.score < 0.5
        )
        if by_rule:
            detail = (
                i18n.gettext(
                    "negative by the complaint rule: a complaint naming this brand alone "
                    "and a problem; the score alone reads neutral"
                )
                + i18n.gettext(". ")
                + detail
            )
    text = i18n.gettext("Toward %(brand)s: %(label)s. %(detail)s") % {
        "brand": chip.brand,
        "label": shown,
        "detail": detail,
    }
    if chip.differs:  # what the "≠ post" beside the verdict means, on the same tap
        text += i18n.gettext(". ") + i18n.gettext("≠ post: the post as a whole reads %(label)s") % {
            "label": label(chip.post, "sentiment")
        }
    return text


@dataclass(frozen=True)
class LogEntry:
    """A line of a mention's record: a note, or a person's sentiment correction."""

    at: datetime | None
    by: str
    text: str
    kind: str  # note | correction


def mention_log(m: Mention) -> list[LogEntry]:
    """The notes and the standing sentiment corrections of ``m``, oldest first (who and
    when are in the record: a correction is not also written as a note)."""
    entries = []
    for note in m.notes:
        try:
            at = datetime.fromisoformat(str(note["at"])) if note.get("at") else None
        except ValueError:
            at = None
        if at is not None and at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        entries.append(LogEntry(at, str(note.get("by", "")), str(note.get("text", "")), "note"))
    for chip in brand_chips(m):
        c = chip.correction
        if c is not None:
            text = i18n.gettext("corrected the sentiment toward %(brand)s to %(label)s") % {
                "brand": chip.brand,
                "label": label(c.label, "sentiment"),
            }
            if chip.model:
                text += i18n.gettext(" (the model: %(label)s)") % {
                    "label": label(chip.model, "sentiment")
                }
            entries.append(LogEntry(c.at, c.by, text, "correction"))
    return sorted(
        entries, key=lambda e: (e.at is not None, e.at or datetime.min.replace(tzinfo=UTC))
    )


# the roles as people call them (web.users[].role holds the key)
ROLE_LABELS = {
    "care": i18n.N_("Customer care"),
    "pr": i18n.N_("PR"),
    "exec": i18n.N_("Executive"),
    "admin": i18n.N_("Administrator"),
}


def role_label(role: str) -> str:
    return i18n.gettext(ROLE_LABELS[role]) if role in ROLE_LABELS else role


N_ = i18n.N_
# the stored keys (sentiment labels, case statuses, timeline event kinds, severities, rule
# names, search facets) as the interface names them; translated when shown
LABELS: dict[str, dict[str, str]] = {
    "sentiment": {
        "negative": N_("negative"),
        "neutral": N_("neutral"),
        "positive": N_("positive"),
        "": N_("unscored"),
    },
    "status": {
        "open": N_("open"),
        "acknowledged": N_("acknowledged"),
        "resolved": N_("resolved"),
        "closed": N_("closed"),
    },
    "event": {
        "alerted": N_("alerted"),
        "opened": N_("opened"),  # by a person, from a post (alerts.actions.open_case)
        "reopened": N_("reopened"),
        "updated": N_("updated"),
        "resolution_proposed": N_("resolution proposed"),
        "escalated": N_("escalated"),
        "raised": N_("raised by hand"),  # the severity, by a person (alerts.actions)
        "reminder": N_("reminder"),
        "acknowledged": N_("acknowledged"),
        "assigned": N_("assigned"),
        "note": N_("note"),
        "resolved": N_("resolved"),
        "closed": N_("closed"),
        "evidence": N_("evidence added"),
        "notified": N_("notified"),
    },
    # who did a timeline event: a person's name stays, the engine and the log notifier are named
    "actor": {"system": N_("system"), "console": N_("console log")},
    "due": {"acknowledge": N_("acknowledge"), "update": N_("update")},
    # alerts/webhooks/registry.EVENT_KINDS: what a webhook subscriber may receive
    "hook": {
        "case.opened": N_("a case is opened"),
        "case.updated": N_("a case is updated"),
        "case.escalated": N_("a case is escalated"),
        "case.resolved": N_("a case is resolved"),
        "source.health": N_("a source's collection problem"),
        "digest.ready": N_("the daily digest"),
    },
    # an integration token's scope (radar.web.tokens.SCOPES), shown beside its key
    "scope": {"read": N_("read only"), "cases": N_("read and work cases")},
    # the search page's time ranges (radar.web.params.RANGES)
    "range": {
        "1h": N_("last 1h"),  # short: the search form's row on a phone
        "24h": N_("last 24h"),
        "7d": N_("last 7d"),
        "30d": N_("last 30d"),
        "all": N_("any time"),
    },
    "severity": {"P1": N_("P1 critical"), "P2": N_("P2 major"), "P3": N_("P3 minor")},
    "rule": RULE_TITLE,
    "measure": {"sharp": N_("sharp rise"), "slow_climb": N_("slow climb")},  # surge shapes
    "figure": {  # a case's trigger record (alerts/trigger.py) on the case page
        "peak": N_("peak"),
        "peak_at": N_("peak at"),
        "first_fired_at": N_("first fired"),
        "last_fired_at": N_("last fired"),
        "resolution_proposed_at": N_("resolution proposed"),
        "routed": N_("sent to"),
        "targets": N_("also sent to"),
        "reopens": N_("reopened"),
        "stories": N_("stories"),
        # the rule's observed / expected count in its own window, not the brief's peak
        # against the days before ("是平时的 N 倍"): two figures, two names
        "ratio": N_("times what the rule expected"),
        "reach": N_("reach"),
        "rate": N_("reposts and comments per hour"),
        "negative_share": N_("negative share"),
        "update_every": N_("update every"),
    },
    # sentiment.complaints.CATEGORIES and SIGNALS (the filter keys stay as stored)
    "category": {
        "quality": N_("quality issue"),
        "service": N_("service issue"),
        "delivery": N_("delivery issue"),
        "billing": N_("billing issue"),
        "safety": N_("safety issue"),
        "fraud": N_("fraud"),
        "other": N_("other issue"),
    },
    "signal": SIGNAL_TITLE,
    # a mention's kind (index.models.Mention.kind, as the spiders set it): kind:评论 is
    # what a Chinese reader types for kind:comment
    "kind": {
        "post": N_("a post"),
        "repost": N_("repost"),
        "comment": N_("a comment"),
        "reply": N_("a reply"),
        "article": N_("an article"),
        "complaint": N_("a complaint"),
        "video": N_("a video"),
        "question": N_("a question"),
        "answer": N_("an answer"),
    },
    "facet": {
        "brand": N_("brand"),
        "source": N_("source"),
        "kind": N_("kind"),
        "sentiment": N_("sentiment"),
        "category": N_("category"),
        "signal": N_("signal"),
        "author": N_("author"),
        "story": N_("story"),
    },
}


def label(value: object, table: str) -> str:
    """``value`` (a stored key) as the interface names it in the current language;
    an unknown key is shown as it is."""
    key = str(getattr(value, "value", value) if value is not None else "")
    known = LABELS[table].get(key)
    return i18n.gettext(known) if known else key


def display_names(request: Any) -> Callable[[str], str]:
    """login name -> the name people read (``web.users[].display_name``) of the app
    serving ``request``; the login name when unknown."""
    return names_of(getattr(getattr(getattr(request, "app", None), "state", None), "users", None))


def names_of(users: Any) -> Callable[[str], str]:
    """login name -> its user's display name among ``users`` (radar.web.auth.Users)."""

    def name(login: str) -> str:
        user = users.get(login) if users is not None else None
        return str(user.label) if user is not None else lines.person(login)

    return name


def _people(context: Any) -> Callable[[str], str]:
    return display_names(context.get("request"))


@pass_context
def person(context: Any, login: str | None) -> str:
    """A user by the name people read: ``{{ c.assignee | person }}``."""
    return _people(context)(login) if login else ""


# events whose line only says who did it ("✅ Acknowledged by %(user)s"), which the
# timeline's kind and actor already say: "已确认 公关 PR ✅ 公关 PR 已确认接手" read twice
_SAID_BY_ACTOR = ("acknowledged", "resolved", "closed")


# events whose kept line begins with what the timeline's kind already says ("重新打开 系统
# 重新打开（P1）：…", "已升级 系统 ⏫ … 已升级至「…」", "建议结案 系统 … 建议结案——…"): the
# timeline reads the line without it (the stored text, which Slack and robots read, keeps it)
_SAID_BY_KIND = {
    "reopened": ("Reopened (%(severity)s): %(what)s", "%(severity)s %(what)s"),
    "escalated": (
        "⏫ Not acknowledged within %(waited)s: escalated to %(name)s",
        N_("⏫ to %(name)s (not acknowledged within %(waited)s)"),
    ),
    "raised": (
        "⏫ %(user)s raised the severity %(old)s → %(new)s: %(reason)s",
        N_("%(old)s → %(new)s: %(reason)s"),
    ),
    "resolution_proposed": (
        "Calm: %(why)s. Resolution proposed — confirm with Resolve when done.",
        N_("Calm: %(why)s — confirm with Resolve when done."),
    ),
}


@pass_context
def event_text(context: Any, event: CaseEvent) -> str:
    """A case event's line in the reader's language, people by display name
    (alerts/lines.py); an event kept before lines were kept: its text. Nothing for a line
    that only names the event's own actor; an assignment by its actor: → the assignee."""
    return event_line(event, _people(context))


def event_line(event: CaseEvent, people: Callable[[str], str]) -> str:
    """:func:`event_text` outside a template (the brief's PDF and Word timeline);
    ``people``: login name -> the name people read."""
    kept = event.data.get("line")
    values = kept.get("v") if isinstance(kept, dict) else None
    if event.kind in _SAID_BY_ACTOR and values == {"user": {"user": event.actor}}:
        return ""
    assignee = event.data.get("assignee")
    by_actor = isinstance(values, dict) and values.get("user") == {"user": event.actor}
    if event.kind == "assigned" and assignee and by_actor:  # "👤 Assigned to B by A", A acted
        return f"→ {people(str(assignee))}"
    post = values.get("post") if isinstance(values, dict) else None
    if event.kind == "opened" and by_actor and isinstance(post, str):  # "A opened … from P"
        return i18n.gettext("from %(post)s") % {"post": post}
    said, short = _SAID_BY_KIND.get(event.kind, ("", ""))
    if isinstance(kept, dict) and kept.get("t") == said:
        return lines.event_text(event.text, {"line": {**kept, "t": short}}, people)
    return lines.event_text(event.text, event.data, people)


def make_templates(formatter: Formatter) -> Jinja2Templates:
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(["html"], default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    # {% trans %} and _() translate with the request's locale (radar/web/i18n.py sets it);
    # newstyle: the text is escaped and %(name)s filled in by gettext itself
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=i18n.gettext, ngettext=i18n.ngettext, newstyle=True
    )
    env.globals["current_locale"] = i18n.current_locale
    env.globals["role_label"] = role_label
    env.filters["label"] = label  # {{ c.status | label("status") }}
    env.filters["headline"] = headline  # a case's title for the reader: {{ c | headline }}
    env.filters["lead_rule"] = lead_rule  # the rule a case is about now
    env.filters["event_text"] = event_text  # {{ e | event_text }}
    env.filters["person"] = person  # {{ c.assignee | person }}
    env.filters["timeline_rows"] = timeline.rows  # deliveries on the line they delivered
    # dates and relative times in the conventions of the locale (Babel/CLDR)
    env.filters["when"] = lambda v, f="medium": formatter.when(v, f)
    env.globals["locales"] = i18n.LOCALE_LABELS
    env.filters["local"] = formatter.local  # for machines (a form's value); people: when
    env.filters["span"] = formatter.span  # {{ since | span(until) }}
    env.filters["duration"] = human_duration
    env.filters["safe_url"] = safe_url
    env.filters["highlight"] = safe_highlight
    env.filters["trigger_rows"] = lambda t: trigger_rows(t or {}, formatter)
    env.filters["thousands"] = lambda n: f"{int(n or 0):,}"
    env.filters["percent"] = lambda x: f"{100 * float(x or 0):.0f}%"
    env.filters["percent_change"] = i18n.percent_change  # None: fell to nothing, say "降至 0"
    env.filters["brand_chips"] = brand_chips
    env.filters["chip_note"] = chip_note  # a chip's note: the score, the band, the rule
    env.filters["post_sentiment_note"] = post_sentiment_note
    env.filters["mention_log"] = mention_log
    env.filters["is_repost"] = is_repost  # repost_of is also set on a near-copy
    env.globals["tz_name"] = formatter.tz_name
    env.globals["zone_name"] = lambda: i18n.zone_name(formatter.tz_name)  # 北京时间 / the IANA name
    return Jinja2Templates(env=env)


def render(request: Request, template: str, status_code: int = 200, **context: Any):  # type: ignore[no-untyped-def]
    """A template response with the user, the CSRF token and any flash messages."""
    templates: Jinja2Templates = request.app.state.templates
    token_getter = request.scope.get("csrftoken")
    context.setdefault("user", getattr(request.state, "user", None))
    context["csrf_token"] = token_getter() if token_getter else ""
    context["flashes"] = request.session.pop("flash", []) if "session" in request.scope else []
    return templates.TemplateResponse(request, template, context, status_code=status_code)


def flash(
    request: Request, message: str, kind: str = "ok", link: tuple[str, str] | None = None
) -> None:
    """A one-time message shown on the next page (kept in the signed session), with a
    ``(href, text)`` link after it when ``link`` is given (a page of this site)."""
    item = {"kind": kind, "text": message}
    if link:
        item["href"], item["link"] = local_next(link[0], "/"), link[1]
    request.session.setdefault("flash", []).append(item)
    request.session["flash"] = request.session["flash"]  # mark modified
