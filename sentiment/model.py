"""The shipped sentiment model: hashed character n-grams → a linear three-class model.

A text (after :func:`sentiment.normalize.model_text`) is turned into character 1–3-gram
counts hashed into ``n_features`` buckets (scikit-learn's ``HashingVectorizer``: no
vocabulary to ship), weighted by idf and L2-normalised; a multinomial logistic
regression gives P(negative), P(neutral), P(positive). The score is the expected
polarity ``P(positive) + P(neutral) / 2`` — above 0.5 exactly when positive outweighs
negative, so binary decisions compare the score with 0.5 — and the label is neutral
inside the band ``[neutral_low, neutral_high]`` calibrated on validation data.

The file is a zip of ``.npy`` arrays plus a JSON header, written with fixed timestamps
so the same training run gives the same bytes.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import HashingVectorizer

DEFAULT_MODEL_PATH = Path(__file__).with_name("model.npz")
FORMAT_VERSION = 1
LABELS = ("negative", "neutral", "positive")


class ModelFileError(ValueError):
    """The model file is missing, truncated or of another format."""


def make_vectorizer(features: dict[str, Any]) -> HashingVectorizer:
    """The feature hasher described by the model's ``features`` header."""
    return HashingVectorizer(
        analyzer="char",
        ngram_range=tuple(features["ngram_range"]),
        n_features=int(features["n_features"]),
        alternate_sign=False,
        norm=None,
        lowercase=False,
        binary=bool(features.get("binary", False)),
        dtype=np.float32,
    )


@dataclass
class SentimentModel:
    weights: np.ndarray  # (n_features, 3) float32, columns in LABELS order
    bias: np.ndarray  # (3,)
    idf: np.ndarray  # (n_features,) float32; ones when idf is not used
    features: dict[str, Any]  # HashingVectorizer settings, see make_vectorizer
    neutral_low: float = 0.4
    neutral_high: float = 0.6
    meta: dict[str, Any] = field(default_factory=dict)  # training data, seed, figures

    def __post_init__(self) -> None:
        self._vectorizer = make_vectorizer(self.features)

    # -- scoring -------------------------------------------------------------------------
    def featurize(self, texts: list[str]) -> Any:
        """Sparse tf-idf rows, L2-normalised (the training code uses the same path)."""
        counts = self._vectorizer.transform(texts)
        if self.features.get("sublinear_tf", False):
            counts.data = 1.0 + np.log(counts.data)
        counts = counts.multiply(self.idf[np.newaxis, :]).tocsr()
        norms = np.sqrt(np.asarray(counts.multiply(counts).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        scale = 1.0 / norms
        counts.data *= np.repeat(scale, np.diff(counts.indptr)).astype(np.float32)
        return counts

    def probabilities(self, texts: list[str]) -> np.ndarray:
        """(len(texts), 3) class probabilities for normalised texts."""
        if not texts:
            return np.zeros((0, 3), dtype=np.float64)
        logits = np.asarray(self.featurize(texts) @ self.weights, dtype=np.float64) + self.bias
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)

    def scores(self, texts: list[str]) -> np.ndarray:
        """Expected polarity in 0..1 for normalised texts."""
        p = self.probabilities(texts)
        return p[:, 2] + 0.5 * p[:, 1]

    def label(self, score: float) -> str:
        if score < self.neutral_low:
            return "negative"
        if score > self.neutral_high:
            return "positive"
        return "neutral"

    # -- persistence ---------------------------------------------------------------------
    def header(self) -> dict[str, Any]:
        return {
            "format": FORMAT_VERSION,
            "labels": list(LABELS),
            "features": self.features,
            "neutral_low": self.neutral_low,
            "neutral_high": self.neutral_high,
            "meta": self.meta,
        }

    def save(self, path: str | Path) -> None:
        """Write the model; identical models give identical bytes."""
        arrays = {"weights": self.weights, "bias": self.bias, "idf": self.idf}
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for name, array in arrays.items():
                buf = io.BytesIO()
                np.lib.format.write_array(buf, np.ascontiguousarray(array), allow_pickle=False)
                zf.writestr(_entry(f"{name}.npy"), buf.getvalue())
            header = json.dumps(self.header(), ensure_ascii=False, sort_keys=True, indent=1)
            zf.writestr(_entry("header.json"), header.encode("utf-8"))

    @classmethod
    def load(cls, path: str | Path = DEFAULT_MODEL_PATH) -> SentimentModel:
        try:
            with zipfile.ZipFile(path) as zf:
                header = json.loads(zf.read("header.json"))
                arrays = {
                    name: np.lib.format.read_array(io.BytesIO(zf.read(f"{name}.npy")))
                    for name in ("weights", "bias", "idf")
                }
        except (OSError, KeyError, zipfile.BadZipFile, ValueError) as exc:
            raise ModelFileError(f"{path}: not a sentiment model file ({exc})") from exc
        if header.get("format") != FORMAT_VERSION:
            raise ModelFileError(f"{path}: model format {header.get('format')!r} unsupported")
        weights = arrays["weights"].astype(np.float32)
        if weights.shape != (int(header["features"]["n_features"]), len(LABELS)):
            raise ModelFileError(f"{path}: weights shape {weights.shape} does not fit header")
        return cls(
            weights=weights,
            bias=arrays["bias"].astype(np.float64),
            idf=arrays["idf"].astype(np.float32),
            features=header["features"],
            neutral_low=float(header["neutral_low"]),
            neutral_high=float(header["neutral_high"]),
            meta=header.get("meta", {}),
        )


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info
