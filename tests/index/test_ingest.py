"""index/ingest.py: the one ingest path (stories → score → upsert), with a stub scorer."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from index import Store, open_store
from index.ingest import SENTIMENT, SIGNALS, ScoringFailed, ingest
from index.models import BrandMatch, Mention, Sentiment

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
TEXT = "极光X7雨天刹车异响问题到底什么时候解决？车主们联合起来维权吧"


@dataclass
class Polarity:
    score: float
    label: str


@dataclass
class Analysis:
    score: float
    label: str
    category: str | None
    signals: list[str]
    brands: dict[str, Polarity] = field(default_factory=dict)


class StubAnalyzer:
    """Negative toward 极光汽车, positive toward anything else; records what it read."""

    def __init__(self, fail: bool = False):
        self.fail = fail
        self.calls: list[tuple[list[str], list[Any], list[str | None]]] = []

    def targets_of(self, matches: Any) -> list[Any]:
        return [m.brand for m in matches]

    def analyze_batch(
        self,
        texts: list[str],
        targets: Sequence[Sequence[Any]] | None = None,
        contexts: Sequence[str | None] | None = None,
    ) -> list[Analysis]:
        if self.fail:
            raise RuntimeError("model file unreadable")
        self.calls.append((texts, list(targets or []), list(contexts or [])))
        return [
            Analysis(
                0.2,
                "negative",
                "quality",
                ["rights"],
                {
                    b: Polarity(0.1, "negative") if b == "极光汽车" else Polarity(0.9, "positive")
                    for b in brands
                },
            )
            for brands in targets or [[] for _ in texts]
        ]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(f"sqlite:///{tmp_path}/radar.db") as s:
        yield s


def mention(mid: str, text: str = TEXT, minutes: int = 0, **extra: Any) -> Mention:
    return Mention(
        id=f"weibo:{mid}",
        source="weibo",
        text=text,
        title=extra.pop("title", ""),
        published_at=NOW + timedelta(minutes=minutes),
        brands=[BrandMatch(brand=b, keywords=[b]) for b in extra.pop("brands", ["极光汽车"])],
        **extra,
    )


def test_ingest_links_stories_scores_each_brand_and_stores(store: Store) -> None:
    analyzer = StubAnalyzer()
    first = mention("1", title="标题")
    copy = mention("2", TEXT + "！！", minutes=5, brands=["极光汽车", "云朵外卖"])
    done = ingest(store, [first, copy], analyzer, contexts=[None, "原帖"])
    assert (done.written.new, done.linked, done.scored) == (2, 1, 2)
    texts, targets, contexts = analyzer.calls[0]
    assert texts == [f"标题\n{TEXT}", TEXT + "！！"]  # title + text, as the crawl scores
    assert targets == [["极光汽车"], ["极光汽车", "云朵外卖"]] and contexts == [None, "原帖"]
    got = store.get_mention(copy.id)
    assert got is not None and got.cluster_id == first.id  # a near-copy joins the story
    assert got.brand_sentiment("极光汽车") == "negative"
    assert got.brand_sentiment("云朵外卖") == "positive"
    assert got.risk_signals == ["rights"] and got.complaint_category == "quality"
    changes, _ = store.changes_since(0)
    assert sorted(c.mention.id for c in changes) == [first.id, copy.id]


def test_what_a_line_brings_is_kept(store: Store) -> None:
    own = mention("1", sentiment=Sentiment(score=0.5, label="neutral"), risk_signals=["media"])
    labelled = mention("2", sentiment=Sentiment(score=0.5, label="neutral"))
    analyzer = StubAnalyzer()
    given = [frozenset({SENTIMENT, SIGNALS}), frozenset({SENTIMENT})]
    done = ingest(store, [own, labelled], analyzer, given=given)
    assert done.scored == 1 and len(analyzer.calls[0][0]) == 1  # only the one lacking signals
    got = {m.id: m for m in store.get_mentions([own.id, labelled.id])}
    assert got[own.id].risk_signals == ["media"]
    assert got[labelled.id].brand_sentiment("极光汽车") == "neutral"
    assert got[labelled.id].risk_signals == ["rights"]


def test_a_failing_scorer_stores_nothing(store: Store) -> None:
    with pytest.raises(ScoringFailed, match="RuntimeError: model file unreadable") as caught:
        ingest(store, [mention("1")], StubAnalyzer(fail=True))
    assert isinstance(caught.value.error, RuntimeError)
    assert store.count_mentions() == 0
