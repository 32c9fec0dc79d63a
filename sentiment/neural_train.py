"""Train the character CNN of :mod:`sentiment.charcnn` with torch (``pip install -e .[train]``).

Only training needs torch; the fitted network is converted to numpy arrays. The
character embeddings start from word2vec (gensim, skip-gram) fitted on the training
texts (labels unused): on validation this lowered the first epoch's loss from 0.46 to
0.35 and made the mix a little better. One network for every corpus, one output head
per domain expert; each training text's loss is taken on its own domain's head.
Length-bucketed mini-batches, Adam, dropout; the weights shipped are the running average
of the weights after each epoch from ``average_from`` on (stochastic weight averaging:
steadier than any one epoch on validation).

Reproducible on one machine: seeded, one thread, deterministic algorithms. Floating-point
results of torch kernels may differ across CPUs/builds, so the bytes of a retrained model
can differ elsewhere; its figures agree to within rounding (README, "Sentiment").
"""

from __future__ import annotations

import copy
import zlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from sentiment.charcnn import PAD, UNKNOWN, CharCNN


@dataclass(frozen=True)
class NeuralSettings:
    dim: int = 64
    filters: int = 64
    widths: tuple[int, ...] = (2, 3, 4)
    max_chars: int = 200
    min_count: int = 2  # characters seen fewer times in training are "unknown"
    epochs: int = 5
    average_from: int = 1  # first epoch (0-based) in the weight average
    batch_size: int = 64
    learning_rate: float = 2e-3
    dropout: float = 0.3
    word2vec_epochs: int = 5  # 0: random initial embeddings


class TrainingExtraMissing(RuntimeError):
    """torch or gensim (the ``[train]`` extra) is not installed."""


def require_training_libraries() -> None:
    """Raise a clear error when torch or gensim (the ``[train]`` extra) is missing."""
    import importlib.util

    missing = [name for name in ("torch", "gensim") if importlib.util.find_spec(name) is None]
    if missing:
        raise TrainingExtraMissing(
            f"training the sentiment model's CNN needs {' and '.join(missing)}: "
            "pip install -e '.[train]' (or train without it: TrainSettings(neural=None))"
        )


def train_charcnn(
    texts: Sequence[str],
    labels: Sequence[int],
    heads: Sequence[int],
    n_heads: int,
    seed: int,
    settings: NeuralSettings | None = None,
    progress: Callable[[str], None] | None = None,
) -> CharCNN:
    """Fit the CNN on normalised ``texts`` with class ``labels`` (0..2), each text's loss
    on output head ``heads[i]``."""
    require_training_libraries()
    import torch
    import torch.nn.functional as F
    from torch import nn

    s = settings or NeuralSettings()
    say = progress or (lambda _msg: None)
    torch.set_num_threads(1)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    counts = Counter(c for t in texts for c in t[: s.max_chars])
    vocab = "".join(
        sorted((c for c, n in counts.items() if n >= s.min_count), key=lambda c: (-counts[c], c))
    )
    index = {c: i + 2 for i, c in enumerate(vocab)}
    encoded = [[index.get(c, UNKNOWN) for c in t[: s.max_chars]] or [UNKNOWN] for t in texts]

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embedding = nn.Embedding(len(vocab) + 2, s.dim, padding_idx=PAD)
            self.convs = nn.ModuleList(nn.Conv1d(s.dim, s.filters, k) for k in s.widths)
            self.dropout = nn.Dropout(s.dropout)
            self.head = nn.Linear(s.filters * len(s.widths), 3 * n_heads)

        def forward(
            self, ids: torch.Tensor, lengths: torch.Tensor, head: torch.Tensor
        ) -> torch.Tensor:
            x = self.embedding(ids).transpose(1, 2)
            pooled = []
            for k, conv in zip(s.widths, self.convs, strict=True):
                h = F.relu(conv(x))
                valid = torch.clamp(lengths - k + 1, min=1)
                mask = torch.arange(h.shape[2])[None, :] < valid[:, None]
                pooled.append(h.masked_fill(~mask[:, None, :], 0.0).max(2).values)
            out = self.head(self.dropout(torch.cat(pooled, 1))).view(-1, n_heads, 3)
            return out[torch.arange(len(head)), head]

    def batch(rows: Sequence[int]) -> tuple[torch.Tensor, torch.Tensor]:
        width = max(max(len(encoded[i]) for i in rows), max(s.widths))
        ids = torch.zeros(len(rows), width, dtype=torch.long)
        for r, i in enumerate(rows):
            ids[r, : len(encoded[i])] = torch.tensor(encoded[i])
        return ids, torch.tensor([len(encoded[i]) for i in rows])

    y = torch.tensor(np.asarray(labels, dtype=np.int64))
    h = torch.tensor(np.asarray(heads, dtype=np.int64))
    net = Net()
    if s.word2vec_epochs:
        say(f"word2vec character embeddings on {len(texts)} texts")
        with torch.no_grad():
            net.embedding.weight[2:] = torch.from_numpy(
                char_vectors(texts, vocab, s.dim, s.word2vec_epochs, seed)
            )
    optimiser = torch.optim.Adam(net.parameters(), lr=s.learning_rate)
    rng = np.random.default_rng(seed)
    average: dict[str, torch.Tensor] | None = None
    for epoch in range(s.epochs):
        order = rng.permutation(len(encoded))
        batches: list[list[int]] = []
        for start in range(0, len(order), s.batch_size * 50):  # similar lengths together
            chunk = sorted(
                order[start : start + s.batch_size * 50].tolist(), key=lambda i: len(encoded[i])
            )
            batches += [chunk[j : j + s.batch_size] for j in range(0, len(chunk), s.batch_size)]
        total = 0.0
        for b in (batches[i] for i in rng.permutation(len(batches))):
            ids, lengths = batch(b)
            loss = F.cross_entropy(net(ids, lengths, h[b]), y[b])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += loss.item() * len(b)
        say(f"char CNN epoch {epoch + 1}/{s.epochs}: loss {total / len(encoded):.4f}")
        if epoch >= s.average_from:
            state = net.state_dict()
            if average is None:
                average, seen = copy.deepcopy(state), 1
            else:
                seen += 1
                for name, value in state.items():
                    average[name] += (value - average[name]) / seen
    net.load_state_dict(average or net.state_dict())
    return to_numpy(net, vocab, s)


def char_vectors(texts: Sequence[str], vocab: str, dim: int, epochs: int, seed: int) -> np.ndarray:
    """(len(vocab), dim) skip-gram vectors of the vocabulary's characters, halved (about
    the size of torch's initial embeddings after training starts). One worker and a
    stable hash: reproducible."""
    from gensim.models import Word2Vec

    model = Word2Vec(
        [list(t) for t in texts],
        vector_size=dim,
        window=5,
        min_count=1,
        sg=1,
        negative=5,
        epochs=epochs,
        workers=1,
        seed=seed % 2**31,
        hashfxn=_stable_hash,
    )
    vectors = np.stack([model.wv[c] for c in vocab]) if vocab else np.zeros((0, dim))
    return (0.5 * vectors).astype(np.float32)


def _stable_hash(text: str) -> int:
    """gensim seeds each vector from hash(word + seed); Python's str hash changes from
    process to process."""
    return zlib.crc32(text.encode("utf-8"))


def to_numpy(net: object, vocab: str, s: NeuralSettings) -> CharCNN:
    """The numpy form of a trained network (see CharCNN.conv_weights for the layout)."""
    state = {k: v.detach().numpy().astype(np.float32) for k, v in net.state_dict().items()}  # type: ignore[attr-defined]
    blocks, biases = [], []
    for w, k in enumerate(s.widths):
        weight = state[f"convs.{w}.weight"]  # (filters, dim, k)
        blocks += [weight[:, :, i].T for i in range(k)]
        biases.append(state[f"convs.{w}.bias"])
    embeddings = state["embedding.weight"]
    embeddings[PAD] = 0.0
    return CharCNN(
        vocab=vocab,
        embeddings=embeddings,
        conv_weights=np.ascontiguousarray(np.hstack(blocks)),
        conv_bias=np.concatenate(biases),
        head_weights=np.ascontiguousarray(state["head.weight"].T),
        head_bias=state["head.bias"],
        widths=tuple(s.widths),
        filters=s.filters,
        max_chars=s.max_chars,
    )
