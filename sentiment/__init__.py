"""Sentiment for Chinese social media and complaints.

    from sentiment import analyze, analyze_batch, score, Analysis
    a = analyze("快递三天没到，客服还挂电话，我要打12315投诉！")
    a.score, a.label, a.category, a.signals   # 0.05 'negative' 'service' ['regulator']

    # polarity toward each brand a text names (what is bad *for the brand*), a repost or
    # comment read with what it passes on (sentiment.context)
    [a] = analyze_batch(["比亚迪比特斯拉好多了"],
                        targets=[[Target("比亚迪", ("比亚迪",)), Target("特斯拉", ("特斯拉",))]])
    a.brands["特斯拉"].label                   # 'negative'

The model (sentiment/model.npz, see sentiment/model.py and ``radar sentiment train``)
is loaded on first use; the complaint lexicon (sentiment/lexicon.yaml) can be replaced
with :func:`configure` or the ``sentiment.lexicon_path`` config key. Nothing here raises
on odd text: empty, emoji-only, 10,000-character or non-Chinese input gets a valid
Analysis (empty text scores 0.5, neutral).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sentiment import normalize
from sentiment.complaints import Lexicon, load_lexicon
from sentiment.context import reading
from sentiment.model import DEFAULT_MODEL_PATH, Mixed, SentimentModel
from sentiment.model import polarity as score_of
from sentiment.normalize import model_text
from sentiment.target import same_as_target_text

__all__ = [
    "Analysis",
    "BrandPolarity",
    "Target",
    "analyze",
    "analyze_batch",
    "configure",
    "get_model",
    "score",
    "targets_of",
]


@dataclass(frozen=True)
class Target:
    """A brand to score a text toward: its name and the terms that name it in the text
    (the matched keywords, aliases)."""

    brand: str
    terms: tuple[str, ...] = ()


@dataclass(frozen=True)
class BrandPolarity:
    score: float  # 0..1 toward the brand: below 0.5 leans bad for it
    label: str  # "negative" | "neutral" | "positive"
    from_context: bool = False  # read from the reposted/answered text (sentiment.context)


@dataclass(frozen=True)
class Analysis:
    score: float  # 0..1, probability positive (the document: the author's own words)
    label: str  # "negative" | "neutral" | "positive"
    category: str | None = None  # negative texts only, see sentiment.complaints.CATEGORIES
    signals: list[str] = field(default_factory=list)  # see sentiment.complaints.SIGNALS
    brands: dict[str, BrandPolarity] = field(default_factory=dict)  # brand → polarity


_lock = threading.Lock()
_model: SentimentModel | None = None
_model_path: Path = DEFAULT_MODEL_PATH
_lexicon_path: str | None = None


def configure(model_path: str | Path | None = None, lexicon_path: str | Path | None = None) -> None:
    """Use another model file and/or complaint lexicon (None = the shipped one).

    Raises ``sentiment.model.ModelFileError`` / ``sentiment.complaints.LexiconError``
    at once when a file cannot be used, so a bad config stops start-up.
    """
    global _model, _model_path, _lexicon_path
    with _lock:
        new_path = Path(model_path) if model_path else DEFAULT_MODEL_PATH
        lexicon_file = str(lexicon_path) if lexicon_path else None
        load_lexicon(lexicon_file)  # validate now
        if new_path != _model_path:
            _model = SentimentModel.load(new_path)
            _model_path = new_path
        _lexicon_path = lexicon_file


def configure_from(config: object) -> None:
    """Apply a RadarConfig's ``sentiment`` section (model_path, lexicon_path), if it has one."""
    section = getattr(config, "sentiment", None)
    configure(
        model_path=getattr(section, "model_path", None) or None,
        lexicon_path=getattr(section, "lexicon_path", None) or None,
    )


def get_model() -> SentimentModel:
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                model = SentimentModel.load(_model_path)
                model.prepare()  # the scoring matrices now, not in the first batch
                normalize.prepare()  # and the NFKC table long texts are folded with
                _model = model
    return _model


def lexicon() -> Lexicon:
    return load_lexicon(_lexicon_path)


def analyze_batch(
    texts: list[str],
    targets: Sequence[Sequence[Target]] | None = None,
    contexts: Sequence[str | None] | None = None,
) -> list[Analysis]:
    """Analyse many texts at once (the fast form: vectorised model calls).

    ``targets[i]`` are the brands text i names: each gets its polarity toward that brand
    in ``Analysis.brands`` (the other targets of the same text are its rivals).
    ``contexts[i]`` is the text a comment answers (a repost's chain is in its own text):
    a post that only echoes its context is scored toward the brands on that context.
    The complaint category follows the most negative brand polarity, else the document.
    """
    texts = [t if isinstance(t, str) else "" for t in texts]
    normalised = [model_text(t) for t in texts]
    model = get_model()
    probabilities, gate = model.mixed(normalised)
    scores = score_of(probabilities)
    scored: Mixed = {
        norm: (probabilities[i], None if gate is None else gate[i])
        for i, norm in enumerate(normalised)
    }
    lex = lexicon()
    brands = _brand_polarities(model, lex, texts, normalised, targets, contexts, scored)
    out = []
    for text, norm, value, polarity in zip(texts, normalised, scores, brands, strict=True):
        s = float(value) if norm else 0.5
        label = model.label(s) if norm else "neutral"
        if len(polarity) == 1 and norm:
            _complaint_is_about_its_brand(lex, text, label, polarity)
        negative = label == "negative" or any(p.label == "negative" for p in polarity.values())
        category = lex.category(text) if negative else None
        signals = lex.signals_in(text)
        if signals and lex.is_promotion(text):
            signals = []
        out.append(
            Analysis(score=s, label=label, category=category, signals=signals, brands=polarity)
        )
    return out


def _brand_polarities(
    model: SentimentModel,
    lex: Lexicon,
    texts: list[str],
    normalised: list[str],
    targets: Sequence[Sequence[Target]] | None,
    contexts: Sequence[str | None] | None,
    scored: Mixed | None = None,
) -> list[dict[str, BrandPolarity]]:
    """One model call for every (text, brand) pair of the batch (``scored``: the
    documents' model outputs, reused where a focus is a whole post)."""
    out: list[dict[str, BrandPolarity]] = [{} for _ in texts]
    if not targets:
        return out
    if len(targets) != len(texts) or (contexts is not None and len(contexts) != len(texts)):
        raise ValueError("targets and contexts must have one entry per text")
    rows: list[tuple[int, str, bool, bool]] = []  # (text index, brand, from context, empty)
    pair_texts: list[str] = []
    pair_terms: list[Sequence[str]] = []
    pair_others: list[Sequence[str]] = []
    known: dict[str, str] = {}  # raw text -> target_text, where it is the document's
    for i, (text, wanted) in enumerate(zip(texts, targets, strict=True)):
        if not wanted:
            continue
        read = reading(text, contexts[i] if contexts else None, lex)
        empty = not (model_text(read.text) if read.from_context else normalised[i])
        if not read.from_context and same_as_target_text(text):
            known[text] = normalised[i]
        for target in wanted:
            terms = tuple(dict.fromkeys((target.brand, *target.terms)))
            others = tuple(
                t for o in wanted if o.brand != target.brand for t in (o.brand, *o.terms)
            )
            rows.append((i, target.brand, read.from_context, empty))
            pair_texts.append(read.text)
            pair_terms.append(terms)
            pair_others.append(others)
    if not rows:
        return out
    values = model.target_scores(
        pair_texts, pair_terms, pair_others, known=known, known_mixed=scored
    )
    for (i, brand, from_context, empty), value in zip(rows, values, strict=True):
        s = 0.5 if empty else float(value)
        label = "neutral" if empty else model.target_label(s)
        out[i][brand] = BrandPolarity(score=s, label=label, from_context=from_context)
    return out


def _complaint_is_about_its_brand(
    lex: Lexicon, text: str, label: str, polarity: dict[str, BrandPolarity]
) -> None:
    """A complaint naming one brand is negative for it: when the reading toward the brand
    leans bad (below 0.5), the text as a whole is not praise and it names a problem (a
    category term of the lexicon, negation-aware, not a mere subject like 客服 or 账单: a
    how-to about a payment product's bills is no complaint), the label is negative. The
    target expert learnt "negative for whom" and its band from finance news:
    "极光汽车刹车失灵" read 0.30 for the brand, neutral (band edge 0.27), and a long answer
    around one bad experience with the brand 0.29."""
    ((brand, own),) = polarity.items()
    if own.from_context or own.label == "negative" or own.score >= 0.5:
        return
    if label == "positive":  # the text as a whole is praise
        return
    if not lex.names_a_problem(text):  # a subject alone (客服, 价格, 账单) is none
        return
    polarity[brand] = BrandPolarity(score=own.score, label="negative", from_context=False)


def targets_of(matches: Iterable[Any]) -> list[Target]:
    """Targets from brand matches (anything with ``brand`` and ``keywords``)."""
    return [Target(m.brand, tuple(m.keywords)) for m in matches]


def analyze(text: str) -> Analysis:
    """Score, label, complaint category and risk signals of one text; never raises."""
    return analyze_batch([text])[0]


def score(text: str) -> tuple[float, str]:
    """``(score 0..1, label)`` of one text."""
    a = analyze(text)
    return a.score, a.label
