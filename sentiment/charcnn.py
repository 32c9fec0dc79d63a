"""A small character CNN, scored with numpy (trained with torch by sentiment/neural_train.py).

The linear experts see which character n-grams occur; the CNN sees learned character
embeddings through convolutions of a few widths (max-pooled over the text), so it
generalises over characters and spellings the n-gram hash has not seen together. The two
make different mistakes, and mixing their probabilities per domain (weights chosen on
validation, see ``SentimentModel.neural_mix``) beats either alone (README, "Sentiment").

One network is trained on every corpus at once with one three-class output head per
domain expert (multi-task: the embeddings and filters learn from all ~100k texts, each
head from its own domain). Inference here needs no torch: an embedding lookup, one
matrix product for all filter widths and offsets, shifted sums, ReLU, max-pool, head.

Characters outside the vocabulary map to id 1; id 0 pads (its embedding is zero). Texts
are cut to ``max_chars`` characters; a text shorter than a filter still gets one window
(padded with zeros), exactly as in training.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PAD, UNKNOWN = 0, 1
# texts per padded block: sorted by length (little padding), and small enough for the
# block's arrays to stay in cache (several times faster than 256)
BUCKET = 32


@dataclass
class CharCNN:
    vocab: str  # character i has id i + 2
    embeddings: np.ndarray  # (len(vocab) + 2, dim) float32, row PAD all zeros
    # (dim, sum over widths k of k * filters): for width k, offset i, the block
    # [start_k + i * filters, start_k + (i + 1) * filters) maps the embedding at t + i
    # to the filters' response at t (torch Conv1d weight[:, :, i].T)
    conv_weights: np.ndarray
    conv_bias: np.ndarray  # (len(widths) * filters,)
    head_weights: np.ndarray  # (len(widths) * filters, 3 * heads)
    head_bias: np.ndarray  # (3 * heads,)
    widths: tuple[int, ...]
    filters: int
    max_chars: int = 200

    def __post_init__(self) -> None:
        codes = np.frombuffer(self.vocab.encode("utf-32-le"), dtype=np.uint32)
        order = np.argsort(codes, kind="stable")
        self._codes = codes[order]
        self._ids = (order + 2).astype(np.int64)
        # embedding × filter weights for every character, per (width, offset): a conv
        # layer over embeddings is then a sum of table lookups (no matrix product at
        # scoring time; ~25 MB for the shipped sizes)
        table = self.embeddings @ self.conv_weights
        self._tables: list[list[np.ndarray]] = []
        column, f = 0, self.filters
        for w, k in enumerate(self.widths):
            blocks = [table[:, column + i * f : column + (i + 1) * f] for i in range(k)]
            blocks[0] = blocks[0] + self.conv_bias[w * f : (w + 1) * f]  # bias folded in
            self._tables.append([np.ascontiguousarray(b) for b in blocks])
            column += k * f

    @property
    def heads(self) -> int:
        return self.head_bias.shape[0] // 3

    def encode(self, texts: list[str]) -> list[np.ndarray]:
        """Character ids of each text (cut to ``max_chars``; an empty text is [UNKNOWN])."""
        cut = [t[: self.max_chars] or "\x00" for t in texts]
        codes = np.frombuffer("".join(cut).encode("utf-32-le"), dtype=np.uint32)
        where = np.minimum(np.searchsorted(self._codes, codes), len(self._codes) - 1)
        found = self._codes[where] == codes if len(self._codes) else np.zeros(len(codes), bool)
        ids = np.where(found, self._ids[where] if len(self._ids) else 0, UNKNOWN)
        return np.split(ids, np.cumsum([len(t) for t in cut])[:-1])

    def pooled(self, texts: list[str]) -> np.ndarray:
        """(len(texts), len(widths) * filters) max-pooled ReLU filter responses."""
        encoded = self.encode(texts)
        lengths = np.asarray([len(e) for e in encoded])
        out = np.zeros((len(texts), len(self.widths) * self.filters), dtype=np.float32)
        order = np.argsort(lengths, kind="stable")
        for start in range(0, len(order), BUCKET):
            block = order[start : start + BUCKET]
            out[block] = self._pooled_block([encoded[i] for i in block], lengths[block])
        return out

    def _pooled_block(self, encoded: list[np.ndarray], lengths: np.ndarray) -> np.ndarray:
        n, f = len(encoded), self.filters
        width = max(int(lengths.max()), max(self.widths))
        ids = np.zeros((n, width), dtype=np.int64)
        for row, e in enumerate(encoded):
            ids[row, : len(e)] = e
        pooled = np.empty((n, len(self.widths) * f), dtype=np.float32)
        for w, (k, tables) in enumerate(zip(self.widths, self._tables, strict=True)):
            span = width - k + 1
            total = np.take(tables[0], ids[:, :span], axis=0)  # (n, span, f)
            for i in range(1, k):
                total += np.take(tables[i], ids[:, i : i + span], axis=0)
            # windows past a text's end are left out of the max; max(ReLU(x)) is
            # ReLU(max(x)), so the ReLU runs on the pooled values only
            valid = np.arange(span)[np.newaxis, :] < np.maximum(lengths - k + 1, 1)[:, np.newaxis]
            total += np.where(valid, 0.0, -np.inf).astype(np.float32)[:, :, np.newaxis]
            pooled[:, w * f : (w + 1) * f] = np.maximum(total.max(axis=1), 0.0)
        return pooled

    def probabilities(self, texts: list[str]) -> np.ndarray:
        """(len(texts), heads, 3) class probabilities of every head."""
        # row by row, not one matrix product: BLAS may round a product differently with
        # the number of rows, and a text must score the same alone as in a batch
        pooled = self.pooled(texts).astype(np.float64)
        logits = np.einsum("tf,fk->tk", pooled, self.head_weights.astype(np.float64))
        logits = (logits + self.head_bias).reshape(len(texts), self.heads, 3)
        exp = np.exp(logits - logits.max(axis=-1, keepdims=True))
        return exp / exp.sum(axis=-1, keepdims=True)
