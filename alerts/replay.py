"""Backtesting: feed timestamped mentions through the same store, dedupe, engine and
rules in simulated time, and report every case event with its simulated time.

Input: JSON lines, each with at least ``published_at`` (ISO 8601 or epoch seconds; an
ISO time without an offset is local time in the config's ``timezone``, as the web UI
reads times and as Weibo exports write them),
``text`` and ``brand`` (a name) or ``brands`` (names or ``{"brand": …}``); optional
``sentiment`` (a label, a 0..1 score or ``{"label", "score"}``), ``risk_signals``,
author followers (``followers``, ``author_followers`` or ``author.followers``),
``reposts`` (or ``engagement``), ``source``, ``id``, ``url``, ``author``, ``repost_of``,
``parent_id`` (a comment's post: comments count toward their post's story).
Missing sentiment or risk signals are computed by the crawl's own enrichment
(``index.ingest.enrich``: stories, then ``sentiment.analyze_batch`` on ``title`` +
``text``): the document polarity and the polarity toward each brand, a reply or repost
read with the line it answers or repeats (``parent_id`` / ``repost_of``) when that line
is in the file.
A broken line is counted and skipped with its line number; the rest is replayed.

Late arrivals and re-crawls: ``observed_at`` (or ``crawled_at``) is when a line's state
was seen (default: when it was published); lines are replayed in that order. A post
published at 08:00 with ``observed_at`` 14:00 reaches the engine at 14:00, as a search
that surfaced it six hours late would bring it. The same ``id`` may come several times
with later ``observed_at`` and growing ``reposts``/``comments``/``likes``: each line is
a re-crawl of that mention (an update in the Store, an observation of its story for the
engine), so a repost storm seen through re-crawls can be replayed:

    {"id": "p1", "published_at": "2026-09-15T08:00:00+08:00", "reposts": 40, "text": "…"}
    {"id": "p1", "published_at": "2026-09-15T08:00:00+08:00",
     "observed_at": "2026-09-15T08:20:00+08:00", "reposts": 4000, "text": "…"}

Simulated time: at each minute boundary T the lines observed before T are in the
store, enriched by the crawl's own path (index/ingest.py), and the engine evaluates,
reading them from the Store's change feed, then checks escalations — exactly the live
cycle. Late arrivals and re-crawls are written at the minute they were seen; a line
seen once, when it was published, is written a chunk ahead (the store is faster by the
batch) and the engine holds it until its time, as it holds anything published after
its clock. With ``auto_resolve`` a proposed
resolution is confirmed at once by the actor ``replay`` (nobody is there to click), so
a later surge opens a new case instead of extending a weeks-old one.
"""

from __future__ import annotations

import json
import math
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from alerts import actions
from alerts.engine import AlertEngine, epoch_minute, minute_start
from alerts.notifiers import ConsoleNotifier
from config.schema import RadarConfig
from index import open_store
from index.base import Store
from index.dedupe import RecentStories
from index.ingest import SENTIMENT, SIGNALS, enrich
from index.models import MAX_COUNT, MAX_TEXT, MAX_TITLE, CaseEvent, Mention

REPORTED = {
    "alerted",
    "updated",
    "reopened",
    "escalated",
    "resolution_proposed",
    "resolved",
    "reminder",
}
CHUNK = 5000


class LineError(ValueError):
    pass


@dataclass
class ReplayStats:
    lines: int = 0
    mentions: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)  # first ones, "line N: why"
    ticks: int = 0
    events: int = 0
    cases: int = 0
    seconds: float = 0.0
    start: datetime | None = None
    end: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "summary": True,
            "lines": self.lines,
            "mentions": self.mentions,
            "skipped": self.skipped,
            "errors": self.errors,
            "ticks": self.ticks,
            "events": self.events,
            "cases": self.cases,
            "seconds": round(self.seconds, 2),
            "mentions_per_second": round(self.mentions / self.seconds, 1) if self.seconds else None,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
        }


def _time(value: Any, name: str, zone: tzinfo = UTC) -> datetime:
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            parsed = datetime.fromtimestamp(float(value), UTC)
        except (ValueError, OverflowError, OSError):  # NaN, 1e20 …
            raise LineError(f"{name}: not a time in epoch seconds: {value!r}") from None
    elif isinstance(value, str) and value.strip():
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise LineError(f"{name}: not an ISO 8601 time: {value[:40]!r}") from None
        parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)
    else:
        raise LineError(f"{name}: required (ISO 8601 time or epoch seconds)")
    if not 1900 <= parsed.year <= 9000:  # year 1 or 9999 overflow the minute arithmetic
        raise LineError(f"{name}: out of range: {value!r} (years 1900-9000)"[:80])
    return parsed


def _brands(obj: dict[str, Any]) -> list[dict[str, Any]]:
    raw = obj.get("brands", obj.get("brand"))
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not raw:
        raise LineError("brand/brands: required (a brand name or a list of them)")
    out: list[dict[str, Any]] = []
    for b in raw:
        if isinstance(b, str) and b.strip():
            out.append({"brand": b.strip()})
        elif isinstance(b, dict) and isinstance(b.get("brand"), str):
            out.append({"brand": b["brand"], "keywords": list(b.get("keywords", []))})
        else:
            raise LineError(f"brands: not a brand name: {b!r}"[:80])
    return out


def _sentiment(raw: Any, label_of: Callable[[float], str]) -> dict[str, Any] | None:
    if raw is None:
        return None
    if isinstance(raw, str):
        label: Any = raw.strip().lower()
        if label not in ("negative", "neutral", "positive"):
            raise LineError(f"sentiment: expected negative/neutral/positive, got {raw!r}"[:80])
        return {"label": label, "score": {"negative": 0.1, "neutral": 0.5, "positive": 0.9}[label]}
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        if not 0 <= raw <= 1:
            raise LineError(f"sentiment: a score must be within 0..1, got {raw}")
        return {"score": float(raw), "label": label_of(float(raw))}
    if isinstance(raw, dict):
        score = raw.get("score")
        label = raw.get("label")
        if label is None and isinstance(score, int | float):
            return _sentiment(float(score), label_of)
        base = _sentiment(label, label_of)
        if base and isinstance(score, int | float):
            base["score"] = float(score)
        return base
    raise LineError(f"sentiment: expected a label, a score or an object, got {raw!r}"[:80])


def _int(obj: dict[str, Any], *paths: str) -> int:
    for path in paths:
        node: Any = obj
        for part in path.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if node is None:
            continue
        # -5, "many", true: a broken export, said rather than read as 0 or dropped
        if isinstance(node, bool) or not isinstance(node, int | float):
            raise LineError(f"{path}: not a count: {node!r}"[:80])
        if not math.isfinite(node) or not 0 <= node <= MAX_COUNT:
            raise LineError(f"{path}: not a count: {node!r}"[:80])
        return int(node)
    return 0


def _signals(obj: dict[str, Any]) -> list[str] | None:
    """The line's risk signals (``risk_signals`` or ``signals``): a list of names; None
    when absent (the lexicon finds them)."""
    key = "risk_signals" if "risk_signals" in obj else "signals"
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
        raise LineError(f"{key}: expected a list of signal names, got {value!r}"[:80])
    return value


def parse_line(
    obj: Any, n: int, label_of: Callable[[float], str], zone: tzinfo = UTC
) -> dict[str, Any]:
    """One input object → the fields of a Mention (sentiment may still be missing). A
    time without an offset is in ``zone`` (the config's timezone, as in the web UI)."""
    if not isinstance(obj, dict):
        raise LineError("expected a JSON object")
    published = _time(obj.get("published_at"), "published_at", zone)
    text = obj.get("text")
    if not isinstance(text, str) or not text.strip():
        raise LineError("text: required (a non-empty string)")
    text = text[:MAX_TEXT]  # as a crawl keeps it: a 5 MB line took replay to 1.85 GB
    source = str(obj.get("source") or "replay")
    native = str(obj.get("id") or f"line{n}")
    mid = native if ":" in native.strip(":") else f"{source}:{native}"
    author = obj.get("author")
    author_doc: dict[str, Any] = {"name": author} if isinstance(author, str) else {}
    if isinstance(author, dict):
        author_doc = {k: author[k] for k in ("id", "name", "verified") if k in author}
    author_doc["followers"] = _int(
        obj,
        "followers",
        "author_followers",
        "author.followers",
        "followers_count",
        "user.followers_count",
    )
    doc: dict[str, Any] = {
        "id": mid,
        "source": source,
        "source_kind": "demo",
        "native_id": native,
        "url": str(obj.get("url") or ""),
        "title": str(obj.get("title") or "")[:MAX_TITLE],
        "text": text,
        "author": author_doc,
        "published_at": published,
        "crawled_at": _observed(obj, published, zone),
        "engagement": {
            "reposts": _int(obj, "reposts", "engagement.reposts"),
            "comments": _int(obj, "comments", "engagement.comments"),
            "likes": _int(obj, "likes", "engagement.likes"),
        },
        "brands": _brands(obj),
        "sentiment": _sentiment(obj.get("sentiment"), label_of),
        "risk_signals": _signals(obj),
        "repost_of": _ref(obj.get("repost_of"), source),
        "parent_id": _ref(obj.get("parent_id"), source),
        "kind": str(obj.get("kind") or ("comment" if obj.get("parent_id") else "post")),
    }
    return doc


def _observed(obj: dict[str, Any], published: datetime, zone: tzinfo) -> datetime:
    """``observed_at`` (or ``crawled_at``): when the line's state was seen; not before
    it was published; default: when it was published."""
    for key in ("observed_at", "crawled_at"):
        if obj.get(key):
            return max(_time(obj[key], key, zone), published)
    return published


def _ref(value: Any, source: str) -> str | None:
    """Another line's id as a mention id (``<source>:<id>`` unless already one)."""
    if value in (None, ""):
        return None
    ref = str(value)
    return ref if ":" in ref.strip(":") else f"{source}:{ref}"


def _json_line(line: str) -> Any:
    try:
        line.encode("utf-8")  # a line read with errors="surrogateescape" may not be
    except UnicodeEncodeError:
        raise LineError("not UTF-8 text") from None
    return json.loads(line)


def read_lines(
    lines: Iterable[str],
    stats: ReplayStats,
    label_of: Callable[[float], str],
    zone: tzinfo = UTC,
) -> list[dict[str, Any]]:
    docs = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        stats.lines += 1
        try:
            docs.append(parse_line(_json_line(line), n, label_of, zone))
        except (json.JSONDecodeError, LineError, RecursionError) as exc:
            # RecursionError: JSON nested thousands deep ([[[[…) aborted the whole replay
            why = "JSON nested too deeply" if isinstance(exc, RecursionError) else exc
            stats.skipped += 1
            if len(stats.errors) < 20:
                stats.errors.append(f"line {n}: {why}")
    # in the order they were seen: a late arrival or a re-crawl when it was observed
    docs.sort(key=lambda d: (max(d["published_at"], d["crawled_at"]), d["id"]))
    return docs


def _complete(
    docs: list[dict[str, Any]], stats: ReplayStats, store: Store, recent: RecentStories
) -> Iterator[list[Mention]]:
    """Validated mentions, CHUNK at a time, through the crawl's own enrichment
    (index/ingest.py: stories, then scores of title + text toward each brand, a comment
    or repost read with the line it answers or repeats when that line is in the file);
    a line's own sentiment and risk signals are kept. Stories for a whole chunk at once
    (one Store read, one vectorised near-copy match): each mention is linked only to
    earlier ones, in order, exactly as if they had come one by one, so linking ahead of
    the simulated clock is the same."""
    import sentiment

    text_of = {d["id"]: f"{d['title']}\n{d['text']}".strip() for d in docs}
    for i in range(0, len(docs), CHUNK):
        valid: list[Mention] = []
        given: list[frozenset[str]] = []
        contexts: list[str | None] = []
        for d in docs[i : i + CHUNK]:
            try:
                m = Mention.model_validate({**d, "risk_signals": d["risk_signals"] or []})
            except ValidationError as exc:
                stats.skipped += 1
                if len(stats.errors) < 20:
                    err = exc.errors()[0]
                    where = ".".join(str(x) for x in err["loc"])
                    stats.errors.append(f"id {d['id']}: {where}: {err['msg']}")
                continue
            valid.append(m)
            own = {SENTIMENT} if d["sentiment"] is not None else set()
            given.append(frozenset(own | ({SIGNALS} if d["risk_signals"] is not None else set())))
            contexts.append(text_of.get(d["parent_id"] or d["repost_of"] or ""))
        enrich(store, valid, sentiment, contexts=contexts, recent=recent, given=given)
        yield valid


def _label_of() -> Callable[[float], str]:
    """Label of a bare score with the scorer's own thresholds (model loaded only if a
    line gives a score without a label)."""
    label: Callable[[float], str] | None = None

    def of(score: float) -> str:
        nonlocal label
        if label is None:
            from sentiment import get_model

            label = get_model().label
        return label(score)

    return of


def replay(
    config: RadarConfig,
    lines: Iterable[str],
    on_event: Callable[[dict[str, Any]], None],
    store: Store | None = None,
    auto_resolve: bool = True,
    tail: timedelta = timedelta(hours=2),
    progress: Callable[[int, int], None] | None = None,
) -> ReplayStats:
    """Replay; ``on_event`` gets one dict per reported case event, in simulated order;
    ``progress`` (mentions replayed so far, of how many) after each chunk."""
    stats = ReplayStats()
    started = time.perf_counter()
    docs = read_lines(lines, stats, _label_of(), ZoneInfo(config.timezone))
    with tempfile.TemporaryDirectory(prefix="radar-replay-") as tmp:
        own = store is None
        st = store or open_store(f"sqlite:///{Path(tmp) / 'replay.db'}")
        try:
            _run(config, st, docs, stats, on_event, auto_resolve, tail, progress)
        finally:
            if own:
                st.close()
    stats.seconds = time.perf_counter() - started
    return stats


def _run(
    config: RadarConfig,
    store: Store,
    docs: list[dict[str, Any]],
    stats: ReplayStats,
    on_event: Callable[[dict[str, Any]], None],
    auto_resolve: bool,
    tail: timedelta,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    engine = AlertEngine(config, store, ConsoleNotifier())
    recent = RecentStories()
    pending: list[Mention] = []
    tick: int | None = None
    cases: set[str] = set()
    replayed = 0
    seen_ids: dict[str, int] = {}
    for d in docs:
        seen_ids[d["id"]] = seen_ids.get(d["id"], 0) + 1

    def observation(m: Mention) -> bool:
        """A late arrival or a re-crawl: stored at the minute it was seen. A line seen
        when it was published, once, is stored a chunk ahead (the engine holds what is
        published after its clock), as the store is faster by the batch."""
        return seen_ids[m.id] > 1 or m.crawled_at > m.published_at

    def flush() -> None:
        # each simulated minute's observations are stored before the engine evaluates
        # that minute, and it reads them from the Store's change feed, as live
        if pending:
            store.upsert_mentions(pending)
            stats.mentions += len(pending)
            pending.clear()

    def step(minute: int) -> None:
        now = minute_start(minute)
        events = engine.evaluate(now) + engine.check_escalations(now)
        if auto_resolve:
            for ev in list(events):
                if ev.kind == "resolution_proposed":
                    events.append(actions.resolve(store, ev.case_id, "replay", now))
        for ev in events:
            if ev.kind in REPORTED:
                cases.add(ev.case_id)
                stats.events += 1
                on_event(event_record(store, ev))
        stats.ticks += 1

    for chunk in _complete(docs, stats, store, recent):
        ahead = [m for m in chunk if not observation(m)]
        if ahead:
            store.upsert_mentions(ahead)
            stats.mentions += len(ahead)
        for mention in chunk:
            minute = epoch_minute(observed_at(mention))
            if tick is None:
                tick = minute
                stats.start = mention.published_at
            while minute >= tick:
                flush()
                step(tick)
                tick += 1
            if observation(mention):
                pending.append(mention)
            stats.end = observed_at(mention)
        replayed += len(chunk)
        if progress is not None:
            progress(replayed, len(docs))
    if tick is not None:
        flush()
        stop = tick + int(tail.total_seconds() // 60)
        while tick <= stop:
            step(tick)
            tick += 1
    stats.cases = len(cases)


def observed_at(m: Mention) -> datetime:
    """When a replayed line is seen: its ``observed_at`` (``crawled_at``), else when it
    was published."""
    return max(m.published_at, m.crawled_at)


def event_record(store: Store, event: CaseEvent) -> dict[str, Any]:
    case = store.get_case(event.case_id)
    rec: dict[str, Any] = {
        "at": event.at.isoformat(),
        "event": event.kind,
        "case_id": event.case_id,
        "brand": case.brand if case else None,
        "severity": case.severity.value if case else None,
        "status": case.status.value if case else None,
        "rule": case.rule if case else None,
        "text": event.text,
    }
    if event.data.get("rules"):
        rec["rules"] = event.data["rules"]
    if event.kind == "alerted" and case:
        rec["evidence"] = case.evidence[:5]
    return rec
