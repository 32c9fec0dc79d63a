"""The numpy character CNN against a plain per-window reference, and its model file round
trip (no torch needed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sentiment.charcnn import CharCNN
from sentiment.model import ModelFileError, SentimentModel

VOCAB = "好差很不的了外卖快递慢[]"


def random_cnn(seed: int = 0, heads: int = 1, widths: tuple[int, ...] = (2, 3)) -> CharCNN:
    rng = np.random.default_rng(seed)
    dim, filters = 6, 4
    embeddings = rng.normal(size=(len(VOCAB) + 2, dim)).astype(np.float32)
    embeddings[0] = 0.0
    return CharCNN(
        vocab=VOCAB,
        embeddings=embeddings,
        conv_weights=rng.normal(size=(dim, sum(widths) * filters)).astype(np.float32),
        conv_bias=rng.normal(size=len(widths) * filters).astype(np.float32),
        head_weights=rng.normal(size=(len(widths) * filters, 3 * heads)).astype(np.float32),
        head_bias=rng.normal(size=3 * heads).astype(np.float32),
        widths=widths,
        filters=filters,
        max_chars=8,
    )


def reference_pooled(cnn: CharCNN, text: str) -> np.ndarray:
    """Window by window, as torch's Conv1d + ReLU + max over the valid windows."""
    ids = [cnn.vocab.index(c) + 2 if c in cnn.vocab else 1 for c in text[: cnn.max_chars]] or [1]
    f, out, column = cnn.filters, [], 0
    for w, k in enumerate(cnn.widths):
        padded = ids + [0] * max(0, k - len(ids))
        windows = []
        for t in range(max(len(ids) - k + 1, 1)):
            total = cnn.conv_bias[w * f : (w + 1) * f].astype(np.float64).copy()
            for i in range(k):
                block = cnn.conv_weights[:, column + i * f : column + (i + 1) * f]
                total += cnn.embeddings[padded[t + i]] @ block
            windows.append(np.maximum(total, 0))
        out.append(np.max(windows, axis=0))
        column += k * f
    return np.concatenate(out)


@pytest.mark.parametrize("widths", [(2, 3), (1, 4)])
def test_pooled_matches_window_by_window_reference(widths: tuple[int, ...]) -> None:
    cnn = random_cnn(widths=widths)
    texts = ["", "好", "很好", "外卖太慢了差评", "快递很快很好的好的好的好的", "abc", "好x差"]
    pooled = cnn.pooled(texts)
    for row, text in enumerate(texts):
        np.testing.assert_allclose(pooled[row], reference_pooled(cnn, text), rtol=1e-4, atol=1e-4)


def test_probabilities_are_per_head_distributions() -> None:
    cnn = random_cnn(heads=3)
    p = cnn.probabilities(["外卖太慢了", "很好", ""])
    assert p.shape == (3, 3, 3)
    np.testing.assert_allclose(p.sum(axis=-1), 1.0)


def test_unknown_characters_and_order_do_not_matter_to_each_text() -> None:
    cnn = random_cnn()
    alone = cnn.pooled(["外卖慢🙂"])[0]
    together = cnn.pooled(["很好很好很好很好", "外卖慢🙂", "差"])[1]
    np.testing.assert_allclose(alone, together, rtol=1e-5)


def _linear_model(experts: int = 1) -> SentimentModel:
    n_features = 2**8
    return SentimentModel(
        weights=np.zeros((n_features, 3 * experts), dtype=np.float32),
        bias=np.zeros(3),
        idf=np.ones(n_features, dtype=np.float32),
        features={"ngram_range": [1, 2], "n_features": n_features, "sublinear_tf": True},
    )


def test_model_with_cnn_round_trips_and_mixes(tmp_path: Path) -> None:
    model = _linear_model()
    model.neural = random_cnn()
    model.neural_mix = np.array([0.5])
    texts = ["外卖太慢了", "很好"]
    linear = model.parts(texts)[0][:, 0, :]  # zero weights: uniform
    expected = 0.5 * linear + 0.5 * model.neural.probabilities(texts)[:, 0, :]
    np.testing.assert_allclose(model.probabilities(texts), expected, rtol=1e-6)
    model.save(tmp_path / "m.npz")
    loaded = SentimentModel.load(tmp_path / "m.npz")
    # the CNN's large arrays are stored as float16
    np.testing.assert_allclose(loaded.probabilities(texts), expected, atol=2e-3)
    model.save(tmp_path / "again.npz")
    assert (tmp_path / "again.npz").read_bytes() == (tmp_path / "m.npz").read_bytes()


def test_model_file_with_mismatched_cnn_is_refused(tmp_path: Path) -> None:
    model = _linear_model()
    model.neural = random_cnn(heads=2)  # the model has one expert
    model.neural_mix = np.array([0.5])
    model.save(tmp_path / "bad.npz")
    with pytest.raises(ModelFileError, match="CNN array shapes"):
        SentimentModel.load(tmp_path / "bad.npz")
