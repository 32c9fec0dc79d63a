"""Train the shipped model (``radar sentiment train``), reproducibly.

Data: the corpora of :mod:`sentiment.corpora` found in the data folder (by default
``../shared/data/sentiment`` beside the repository), each split train/val/test with the
documented seed. The model is fitted on the training splits (weighted per corpus, see
:data:`CORPUS_WEIGHTS`), the neutral band is tuned on the validation split of the
three-way corpora, and every figure on the test splits is recorded in the model header
— the test splits are never used to fit or tune anything.

Same data + same seed → the same bytes: features are hashed (no vocabulary order),
the solver is deterministic and BLAS runs single-threaded while fitting.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from sentiment.corpora import SPLIT_SEED, Corpus, load_corpora
from sentiment.metrics import binary_report, three_way_report
from sentiment.model import LABELS, SentimentModel
from sentiment.normalize import model_text

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "sentiment"

# Per-corpus sample weights: Weibo text is what the product reads, so the Weibo corpora
# count more than the (larger) review corpora.
CORPUS_WEIGHTS: dict[str, float] = {
    "weibo2018": 3.0,
    "smp2020_virus": 2.0,
    "nlpcc2014": 1.0,
    "covid_weibo": 1.0,
    "waimai": 1.0,
    "hotel": 1.0,
    "chnsenticorp": 1.0,
    "online_shopping": 0.5,
}


@dataclass
class TrainSettings:
    n_features: int = 2**20
    ngram_range: tuple[int, int] = (1, 3)
    sublinear_tf: bool = True
    use_idf: bool = False
    C: float = 10.0
    max_iter: int = 1000
    corpus_weights: dict[str, float] = field(default_factory=lambda: dict(CORPUS_WEIGHTS))

    def features(self) -> dict[str, Any]:
        return {
            "kind": "char_ngram_hash",
            "ngram_range": list(self.ngram_range),
            "n_features": self.n_features,
            "sublinear_tf": self.sublinear_tf,
            "binary": False,
        }


Progress = Callable[[str], None]


def _stack(corpora: Sequence[Corpus], part: str) -> tuple[list[str], np.ndarray, list[str]]:
    texts: list[str] = []
    labels: list[int] = []
    names: list[str] = []
    for c in corpora:
        rows = getattr(c, part)
        texts += rows.texts
        labels += rows.labels
        names += [c.name] * len(rows)
    return texts, np.asarray(labels, dtype=np.int64), names


def _idf(model: SentimentModel, texts: list[str]) -> np.ndarray:
    counts = model._vectorizer.transform(texts)
    df = np.bincount(counts.indices, minlength=model.features["n_features"])
    return (np.log((1 + len(texts)) / (1 + df)) + 1.0).astype(np.float32)


def tune_neutral_band(scores: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """The (low, high) band maximising macro-F1 of negative/neutral/positive.

    Exhaustive over a 0.01 grid; each band's F1s come from per-class counts of scores
    below ``low`` / above ``high`` (searchsorted), so the search is a few array ops.
    """
    grid = np.round(np.arange(0.01, 1.0, 0.01), 2)
    scores, labels = np.asarray(scores, dtype=np.float64), np.asarray(labels)
    below = {}  # class → count of its scores < each grid value (c = -1: all classes)
    above = {}  # class → count of its scores > each grid value
    for c in (-1, 0, 1, 2):
        own = np.sort(scores if c < 0 else scores[labels == c])
        below[c] = np.searchsorted(own, grid, side="left")
        above[c] = len(own) - np.searchsorted(own, grid, side="right")
    lo, hi = np.meshgrid(np.arange(len(grid)), np.arange(len(grid)), indexing="ij")
    actual = {c: int(np.sum(labels == c)) for c in (0, 1, 2)}
    tp_neg, pred_neg = below[0][lo], below[-1][lo]
    tp_pos, pred_pos = above[2][hi], above[-1][hi]
    tp_neu = actual[1] - below[1][lo] - above[1][hi]
    pred_neu = len(scores) - pred_neg - pred_pos

    def f1(tp: np.ndarray, predicted: np.ndarray, n: int) -> np.ndarray:
        denominator = predicted + n
        return np.where(denominator > 0, 2 * tp / np.maximum(denominator, 1), 0.0)

    macro = (
        f1(tp_neg, pred_neg, actual[0])
        + f1(tp_neu, pred_neu, actual[1])
        + f1(tp_pos, pred_pos, actual[2])
    ) / 3
    macro = np.where(lo <= hi, macro, -1.0)
    i, j = np.unravel_index(int(np.argmax(macro)), macro.shape)
    return float(grid[i]), float(grid[j])


def train(
    data_dir: Path = DEFAULT_DATA_DIR,
    seed: int = SPLIT_SEED,
    settings: TrainSettings | None = None,
    progress: Progress | None = None,
) -> SentimentModel:
    """Fit, calibrate and evaluate a model; raises FileNotFoundError without data."""
    settings = settings or TrainSettings()
    say = progress or (lambda _msg: None)
    corpora = load_corpora(Path(data_dir), seed=seed)
    if not corpora:
        raise FileNotFoundError(f"no training corpora found in {data_dir}")
    say(f"loaded {len(corpora)} corpora")
    texts, labels, names = _stack(corpora, "train")
    weights = np.asarray([settings.corpus_weights.get(n, 1.0) for n in names])
    normalised = [model_text(t) for t in texts]
    n_features = settings.n_features
    model = SentimentModel(
        weights=np.zeros((n_features, len(LABELS)), dtype=np.float32),
        bias=np.zeros(len(LABELS)),
        idf=np.ones(n_features, dtype=np.float32),
        features=settings.features(),
    )
    if settings.use_idf:
        model.idf = _idf(model, normalised)
    say(f"featurising {len(normalised)} training texts")
    X = model.featurize(normalised)
    say("fitting logistic regression")
    with threadpool_limits(limits=1):
        clf = LogisticRegression(C=settings.C, max_iter=settings.max_iter, tol=1e-5)
        clf.fit(X, labels, sample_weight=weights)
    model.weights, model.bias = _full_weights(clf, n_features)
    say("calibrating the neutral band")
    model.neutral_low, model.neutral_high = _calibrate(model, corpora)
    say("evaluating on the held-out splits")
    model.meta = {
        "seed": seed,
        "data": {
            c.name: {p: len(getattr(c, p)) for p in ("train", "val", "test")} for c in corpora
        },
        "settings": {**asdict(settings), "ngram_range": list(settings.ngram_range)},
        "figures": evaluate_corpora(model, corpora),
    }
    return model


def _full_weights(clf: LogisticRegression, n_features: int) -> tuple[np.ndarray, np.ndarray]:
    """(n_features, 3) weights in LABELS order even when a class is absent from the data."""
    weights = np.zeros((n_features, len(LABELS)), dtype=np.float32)
    bias = np.full(len(LABELS), -30.0)
    coef, intercept = clf.coef_, clf.intercept_
    if len(clf.classes_) == 2:  # binary: one row, for classes_[1]
        coef = np.vstack([-coef / 2, coef / 2])
        intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
    for row, cls in enumerate(clf.classes_):
        weights[:, cls] = coef[row]
        bias[cls] = intercept[row]
    return weights, bias


def _calibrate(model: SentimentModel, corpora: Sequence[Corpus]) -> tuple[float, float]:
    three_way = [c for c in corpora if 1 in c.val.labels]
    if not three_way:
        return 0.4, 0.6
    texts, labels, _ = _stack(three_way, "val")
    return tune_neutral_band(model.scores([model_text(t) for t in texts]), labels)


def evaluate_corpora(
    model: SentimentModel, corpora: Sequence[Corpus], parts: Sequence[str] = ("val", "test")
) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for c in corpora:
        for part in parts:
            rows = getattr(c, part)
            if not len(rows):
                continue
            labels = np.asarray(rows.labels)
            scores = model.scores([model_text(t) for t in rows.texts])
            if 1 in rows.labels:
                pred = np.asarray([LABELS.index(model.label(s)) for s in scores])
                report = three_way_report(labels, pred)
            else:
                report = binary_report(labels == 2, scores > 0.5)
            figures[f"{c.name}/{part}"] = {"n": len(rows), **report}
    return figures
