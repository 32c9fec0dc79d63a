"""One ingest path: stories → score → store, for crawls, replay and any importer.

The Scrapy pipeline (crawlers/pipelines.py) and replay (alerts/replay.py) both enrich
mentions here, so a crawled mention and a replayed one are linked and scored the same
way: stories first (``index.dedupe.assign_stories``: reposts and near-copies join their
original), then sentiment: the document's and toward each brand, the complaint
category and risk signals, from ``title`` + ``text``, a comment or repost read with the
text it answers or repeats (``contexts``). Then the upsert; what it changed is in the
Store's change feed, which the alert engine reads.

Where this lives: ``index/`` is the bottom layer (``radar → alerts, crawlers →
sentiment, index``) and must not import ``sentiment``, while crawlers and alerts may
import both but not each other. So the scorer is handed in: any object with
``analyze_batch`` and ``targets_of`` as the ``sentiment`` package has them (callers pass
the package itself), and this module applies its results. Tests can pass a stub.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from index.base import Store, UpsertResult
from index.dedupe import RecentStories, assign_stories
from index.models import Mention, SentimentLabel
from index.models import Sentiment as SentimentDoc

SENTIMENT = "sentiment"  # a mention's own label (document and toward its brands)
SIGNALS = "risk_signals"  # its own risk signals


class Analyzer(Protocol):
    """The scoring half of the ``sentiment`` package (see sentiment/__init__.py)."""

    def analyze_batch(
        self,
        texts: list[str],
        targets: Sequence[Sequence[Any]] | None = None,
        contexts: Sequence[str | None] | None = None,
    ) -> list[Any]: ...

    def targets_of(self, matches: Any) -> list[Any]: ...


class ScoringFailed(RuntimeError):
    """The scorer raised: nothing of the batch was stored (an unscored mention must not
    reach the Store). ``error`` is the scorer's exception (also the ``__cause__``)."""

    def __init__(self, error: Exception):
        super().__init__(f"{type(error).__name__}: {error}")
        self.error = error


@dataclass
class Ingested:
    """What one ``ingest`` call did."""

    written: UpsertResult = field(default_factory=UpsertResult)
    linked: int = 0  # mentions linked to an earlier story by this call (near-copies)
    scored: int = 0  # mentions the scorer read


def text_of(m: Mention) -> str:
    """What is scored: title and text."""
    return f"{m.title}\n{m.text}".strip()


def apply_analysis(m: Mention, result: Any, keep: frozenset[str] = frozenset()) -> None:
    """Put one ``sentiment.Analysis`` on ``m``: the document label and category, the
    polarity toward each brand it names, the risk signals; not what ``keep`` names."""
    if SENTIMENT not in keep:
        m.sentiment = SentimentDoc(score=float(result.score), label=SentimentLabel(result.label))
        for match in m.brands:
            polarity = result.brands.get(match.brand)
            if polarity is not None:
                match.sentiment = SentimentDoc(
                    score=float(polarity.score), label=SentimentLabel(polarity.label)
                )
        m.complaint_category = result.category
    if SIGNALS not in keep:
        m.risk_signals = list(result.signals)


def enrich(
    store: Store,
    mentions: Sequence[Mention],
    analyzer: Analyzer,
    *,
    contexts: Sequence[str | None] | None = None,
    recent: RecentStories | None = None,
    given: Sequence[frozenset[str]] | None = None,
) -> Ingested:
    """Stories and scores for ``mentions`` (in place), in their order; nothing stored.
    ``contexts[i]``: the text mention i answers or repeats, if known. ``given[i]``: what
    mention i brings of its own and keeps (SENTIMENT, SIGNALS: a replay line's labels);
    None: everything is scored (a crawl). Raises StoreError (stories read the Store) or
    ScoringFailed."""
    done = Ingested()
    had_original = [m.repost_of is not None for m in mentions]
    assign_stories(mentions, store, recent=recent)
    done.linked = sum(
        1 for m, had in zip(mentions, had_original, strict=True) if m.repost_of and not had
    )
    keep = list(given) if given is not None else [frozenset()] * len(mentions)
    todo = [i for i, k in enumerate(keep) if not {SENTIMENT, SIGNALS} <= k]
    if todo:
        try:
            results = analyzer.analyze_batch(
                [text_of(mentions[i]) for i in todo],
                targets=[analyzer.targets_of(mentions[i].brands) for i in todo],
                contexts=[(contexts[i] or None) if contexts else None for i in todo],
            )
        except Exception as exc:  # a broken model must not store unscored mentions
            raise ScoringFailed(exc) from exc
        for i, result in zip(todo, results, strict=True):
            apply_analysis(mentions[i], result, keep[i])
    done.scored = len(todo)
    return done


def ingest(
    store: Store,
    mentions: Sequence[Mention],
    analyzer: Analyzer,
    *,
    contexts: Sequence[str | None] | None = None,
    recent: RecentStories | None = None,
    given: Sequence[frozenset[str]] | None = None,
) -> Ingested:
    """:func:`enrich`, then upsert: the one way mentions enter the Store. Returns what
    was linked, scored and written (new / updated / unchanged / errors); the writes are
    in the change feed (``Store.changes_since``). Raises StoreError or ScoringFailed,
    and then nothing of the batch was stored."""
    done = enrich(store, mentions, analyzer, contexts=contexts, recent=recent, given=given)
    done.written = store.upsert_mentions(mentions)
    return done
