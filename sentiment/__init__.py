"""Sentiment for Chinese social media and complaints.

    from sentiment import analyze, analyze_batch, score, Analysis
    a = analyze("快递三天没到，客服还挂电话，我要打12315投诉！")
    a.score, a.label, a.category, a.signals   # 0.05 'negative' 'service' ['regulator']

The model (sentiment/model.npz, see sentiment/model.py and ``radar sentiment train``)
is loaded on first use; the complaint lexicon (sentiment/lexicon.yaml) can be replaced
with :func:`configure` or the ``sentiment.lexicon_path`` config key. Nothing here raises
on odd text: empty, emoji-only, 10,000-character or non-Chinese input gets a valid
Analysis (empty text scores 0.5, neutral).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from sentiment.complaints import Lexicon, load_lexicon
from sentiment.model import DEFAULT_MODEL_PATH, SentimentModel
from sentiment.normalize import model_text

__all__ = ["Analysis", "analyze", "analyze_batch", "configure", "get_model", "score"]


@dataclass(frozen=True)
class Analysis:
    score: float  # 0..1, probability positive
    label: str  # "negative" | "neutral" | "positive"
    category: str | None = None  # negative texts only, see sentiment.complaints.CATEGORIES
    signals: list[str] = field(default_factory=list)  # see sentiment.complaints.SIGNALS


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
    """Apply a RadarConfig's ``sentiment`` section (lexicon_path), if it has one."""
    section = getattr(config, "sentiment", None)
    configure(lexicon_path=getattr(section, "lexicon_path", None) or None)


def get_model() -> SentimentModel:
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                _model = SentimentModel.load(_model_path)
    return _model


def lexicon() -> Lexicon:
    return load_lexicon(_lexicon_path)


def analyze_batch(texts: list[str]) -> list[Analysis]:
    """Analyse many texts at once (the fast form: one vectorised model call)."""
    texts = [t if isinstance(t, str) else "" for t in texts]
    normalised = [model_text(t) for t in texts]
    model = get_model()
    scores = model.scores(normalised)
    lex = lexicon()
    out = []
    for text, norm, value in zip(texts, normalised, scores, strict=True):
        s = float(value) if norm else 0.5
        label = model.label(s) if norm else "neutral"
        category = lex.category(text) if label == "negative" else None
        signals = lex.signals_in(text)
        if signals and lex.is_promotion(text):
            signals = []
        out.append(Analysis(score=s, label=label, category=category, signals=signals))
    return out


def analyze(text: str) -> Analysis:
    """Score, label, complaint category and risk signals of one text; never raises."""
    return analyze_batch([text])[0]


def score(text: str) -> tuple[float, str]:
    """``(score 0..1, label)`` of one text."""
    a = analyze(text)
    return a.score, a.label
