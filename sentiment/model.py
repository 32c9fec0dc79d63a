"""The shipped sentiment model: hashed character n-grams → gated linear domain experts.

A text (after :func:`sentiment.normalize.model_text`) is turned into character 1–3-gram
counts hashed into ``n_features`` buckets (scikit-learn's ``HashingVectorizer``: no
vocabulary to ship), sublinear tf, optionally idf-weighted; with ``boundary_marks`` the
text is wrapped in start/end marks first, so its first and last characters are features.

One linear model over every corpus learns a compromise: Weibo posts and product
reviews do not use words the same way (in weibo2018 a news-like post is positive; in a
review "还行" is lukewarm), and fitting both at once cost the Weibo figures four points on
validation. So the model holds one linear *expert* per domain (``domains``, e.g. weibo /
emotion / review), each fitted on its own domain's corpora, and a *gate*: a linear
classifier over the same features giving P(domain | text). The class probabilities are
the gate-weighted mix of the experts' multinomial-logistic probabilities
P(negative), P(neutral), P(positive). An expert may scale the features by its own
per-n-gram weights (``scales``: |naive-Bayes log-count ratio|, as in NBSVM) before
L2-normalising them; its stored weights have the scale folded in (weight × scale), so
scoring is one sparse × dense product over the unscaled features (experts and gate
side by side in one matrix) plus one sparse product for the per-expert norms
‖x ⊙ scale‖. A model with a single expert and no gate (format 1) is the plain linear
model.

An expert may be *stacked* (format 5): besides its own n-grams it reads the
log-probabilities the other, unstacked experts give the same text, through a small dense
block of ``stack_weights`` — the news expert, fitted on 4,000 articles, learns from what
the experts of 300,000 Weibo posts and reviews make of a report (news test macro-F1
0.648 → 0.68x in the mixture, see docs/sentiment.md).

A model may also hold a small character CNN (:mod:`sentiment.charcnn`, format 3) with
one output head per expert: each expert's probabilities are then mixed with its head's,
``(1 - m) · linear + m · cnn`` with the expert's weight ``m`` from ``neural_mix`` (chosen
on validation), before the gate mixes the experts. The CNN is only consulted for texts the
linear experts are unsure about — linear score within ``neural_margin`` of 0.5 — because
with m ≈ 0.3 it cannot move a confident score across 0.5: on validation the decisions
equal those of mixing every text, at a fraction of the CNN's cost (it is the slow part).

The score is the expected polarity ``P(positive) + P(neutral) / 2`` — above 0.5 exactly
when positive outweighs negative, so binary decisions compare the score with 0.5 — and
the label is neutral inside the band ``[neutral_low, neutral_high]`` calibrated on
validation data.

The file is a zip of ``.npy`` arrays plus a JSON header, written with fixed timestamps
so the same training run gives the same bytes. The large arrays are stored as float16
(training rounds them before calibrating, so the recorded figures are the shipped
model's): half the file and the load time, no measurable change in accuracy.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.feature_extraction.text import HashingVectorizer

from sentiment.charcnn import CharCNN
from sentiment.normalize import model_text
from sentiment.target import (
    Focus,
    focus_texts,
    near_text,
    normalise_term,
    relation_marks,
    strip_like_news,
    title_of,
)

DEFAULT_MODEL_PATH = Path(__file__).with_name("model.npz")
FORMAT_VERSION = 5
# 1: one expert, no gate, no scales; 2: no CNN; 3: every part reads the full text;
# 4: feature views per expert and gate, the target-level expert
READABLE_FORMATS = (1, 2, 3, 4, 5)
LABELS = ("negative", "neutral", "positive")
BEGIN, END = "\x02", "\x03"  # text boundary marks (features "boundary_marks")
K = len(LABELS)
# feature views: "full" = the normalised text; "stripped" = Chinese characters only, as
# the news corpus was published (sentiment.target.strip_like_news), for the parts of the
# model trained on it — they then cannot learn "no punctuation → news"; "headed" = the
# stripped text plus its first sentence (title) stripped, in a hash namespace of its own,
# each part L2-normalised (news validation macro-F1 0.667 → 0.704 with the title)
VIEWS = ("full", "stripped", "headed")
TITLE_SHIFT = 15485863


def view_texts(texts: list[str], view: str) -> list[str]:
    """The normalised texts as feature view ``view`` reads them (without the title part
    of "headed", see SentimentModel.view_counts)."""
    return texts if view == "full" else [strip_like_news(t) for t in texts]


class ModelFileError(ValueError):
    """The model file is missing, truncated or of another format."""


class NgramHasher:
    """Character n-gram counts hashed into ``n_features`` buckets, vectorised with numpy
    over the whole batch (a 64-bit multiplicative hash of each n-gram's code points): the
    same n-grams as scikit-learn's ``HashingVectorizer(analyzer="char")`` on text without
    whitespace runs, several times faster (its analyzer builds every n-gram string in
    Python, most of the scoring time on long texts). Models since format 4 use it
    (``features["hasher"] == "numpy"``); older ones keep scikit-learn's hash."""

    def __init__(self, ngram_range: tuple[int, int], n_features: int, binary: bool = False):
        self.low, self.high = int(ngram_range[0]), int(ngram_range[1])
        self.n_features = int(n_features)
        self.binary = binary

    def transform(self, texts: list[str]) -> csr_matrix:
        n = len(texts)
        lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=n)
        codes = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32)
        codes = codes.astype(np.uint64)
        ends = np.repeat(np.cumsum(lengths), lengths)  # end of each character's text
        row_of = np.repeat(np.arange(n, dtype=np.int64), lengths)
        position = np.arange(len(codes), dtype=np.int64)
        keys = []  # row * n_features + bucket of every n-gram
        h = np.zeros(len(codes), dtype=np.uint64)
        for k in range(1, self.high + 1):
            size = len(codes) - k + 1
            if size <= 0:
                break
            h = _mix(h[:size] * _PRIME + codes[k - 1 :] + np.uint64(k))
            if k >= self.low:
                valid = position[:size] + k <= ends[:size]
                bucket = (h[valid] % np.uint64(self.n_features)).astype(np.int64)
                keys.append(row_of[:size][valid] * self.n_features + bucket)
        # one sort of the keys gives rows in order, sorted indices and runs of repeats:
        # ~2x faster than building COO and letting scipy sort and sum each row
        key = np.sort(np.concatenate(keys)) if keys else np.zeros(0, dtype=np.int64)
        first = np.ones(len(key), dtype=bool)
        np.not_equal(key[1:], key[:-1], out=first[1:])
        starts = np.flatnonzero(first)
        data = np.diff(np.append(starts, len(key))).astype(np.float32)
        row, column = np.divmod(key[starts], self.n_features)
        indptr = np.searchsorted(row, np.arange(n + 1))
        counts = csr_matrix((data, column, indptr), shape=(n, self.n_features))
        counts.has_sorted_indices = True
        counts.has_canonical_format = True
        if self.binary:
            counts.data[:] = 1.0
        return counts


_PRIME = np.uint64(0x100000001B3)


def _mix(x: np.ndarray) -> np.ndarray:
    """A 64-bit finaliser (MurmurHash3 fmix64): every input bit moves every output bit."""
    x = x ^ (x >> np.uint64(33))
    x = x * np.uint64(0xFF51AFD7ED558CCD)
    x = x ^ (x >> np.uint64(33))
    x = x * np.uint64(0xC4CEB9FE1A85EC53)
    return x ^ (x >> np.uint64(33))


def make_vectorizer(features: dict[str, Any]) -> HashingVectorizer | NgramHasher:
    """The feature hasher described by the model's ``features`` header."""
    if features.get("hasher") == "numpy":
        return NgramHasher(
            tuple(features["ngram_range"]),
            int(features["n_features"]),
            bool(features.get("binary", False)),
        )
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
class TargetExpert:
    """Target-level polarity (format 4): P(negative for the target) = P(the focus text is
    negative) × P(the target is the one it is negative about | negative text).

    ``doc``: logistic regression over the plain focus text (features as the document
    experts), q; the text counts as negative when q or the document model says so
    (noisy-or): ``1 − (1 − doc_mix · q) · (1 − P_doc(negative))`` — q knows finance
    news (fraud, default, investigations), the document model knows complaints (q alone
    left "极光汽车刹车失灵，车主维权无门" at 0.6 and neutral for the brand).

    ``key``: logistic regression over the *marked* focus text, the ``near`` characters
    next to each target mark (weight ``near_weight``, own hash namespace), the relation
    marks (weight ``relation_weight``) and the target's own names (weight
    ``name_weight``: some companies are mostly in the news for their troubles), see
    :mod:`sentiment.target`. The rest of the probability is split between neutral and
    positive as the document model splits it on the focus text."""

    doc_weights: np.ndarray  # (n_features,) float32
    doc_bias: float
    key_weights: np.ndarray  # (n_features,) float32
    key_bias: float
    doc_mix: float = 1.0
    near: int = 10
    near_weight: float = 1.0
    relation_weight: float = 1.0
    name_weight: float = 0.0
    doc_view: str = "full"
    window: int = 120
    neighbour: int = 40
    budget: int = 600
    # q reads finance news; on social posts it also calls praise negative ("极光汽车真不
    # 错，推荐": q 0.55). With a gain, q's share is doc_mix · max(min(1, gain · P_gate(news
    # | focus)), 1 − P_doc(positive | focus)): full on news-like text and on text the
    # document model does not find positive, fading on praise. None: always doc_mix
    news_gain: float | None = None

    def spec(self) -> dict[str, Any]:
        return {
            "doc_bias": self.doc_bias,
            "key_bias": self.key_bias,
            "doc_mix": self.doc_mix,
            "near": self.near,
            "near_weight": self.near_weight,
            "relation_weight": self.relation_weight,
            "name_weight": self.name_weight,
            "doc_view": self.doc_view,
            "window": self.window,
            "neighbour": self.neighbour,
            "budget": self.budget,
        } | ({} if self.news_gain is None else {"news_gain": self.news_gain})


# feature-hash namespaces of the target expert's extra parts: a cyclic shift of the
# bucket index (collisions as likely as with any other hashed feature)
NEAR_SHIFT, RELATION_SHIFT, NAME_SHIFT = 7919, 104729, 999331


@dataclass
class SentimentModel:
    # (n_features, 3 * n_experts) float32: expert e's weights in columns 3e..3e+2, its
    # feature scale folded in (they apply to unscaled features, see module docstring)
    weights: np.ndarray
    bias: np.ndarray  # (n_experts, 3), or (3,) for one expert
    idf: np.ndarray  # (n_features,) float32; ones when idf is not used
    features: dict[str, Any]  # HashingVectorizer settings, see make_vectorizer
    neutral_low: float = 0.4
    neutral_high: float = 0.6
    meta: dict[str, Any] = field(default_factory=dict)  # training data, seed, figures
    domains: list[str] = field(default_factory=list)  # expert names; [] = one expert
    scales: np.ndarray | None = None  # (n_features, n_experts) float32 feature scaling
    gate_weights: np.ndarray | None = None  # (n_features, n_experts) float32
    gate_bias: np.ndarray | None = None  # (n_experts,)
    neural: CharCNN | None = None  # one head per expert
    neural_mix: np.ndarray | None = None  # (n_experts,) weight of the CNN head per expert
    neural_margin: float = 0.5  # consult the CNN when |linear score - 0.5| < this
    # feature view of each expert ([] = all "full"); "stripped": the text as the news
    # corpus was published (sentiment.target.strip_like_news), see VIEWS
    expert_views: list[str] = field(default_factory=list)
    gate_view: str = "full"
    # (K * n_experts, K * n_experts) float32 or None: block (j, e) turns expert j's
    # log-probabilities into logits of a *stacked* expert e (format 5, see parts())
    stack_weights: np.ndarray | None = None
    target: TargetExpert | None = None  # target-level expert (None: document model only)
    target_low: float | None = None  # target_label's neutral band (None: the document's)
    target_high: float | None = None

    def __post_init__(self) -> None:
        self._vectorizer = make_vectorizer(self.features)
        self._combined: np.ndarray | None = None
        self._by_view: list[tuple[str, list[int], list[int], bool, np.ndarray]] = []
        self._squared_scales: np.ndarray | None = None
        self._uses_idf = bool(np.any(self.idf != 1.0))

    def set_idf(self, idf: np.ndarray) -> None:
        self.idf = idf.astype(np.float32)
        self._uses_idf = bool(np.any(self.idf != 1.0))

    @property
    def n_experts(self) -> int:
        return max(1, len(self.domains))

    def prepare(self) -> None:
        """Per feature view, the weights of the experts (and the gate) reading it side by
        side in one matrix: one sparse × dense product per view. Done on first use, or
        ahead of it by whoever loads the model to score with it (a crawl's first batch
        would otherwise pay ~0.2 s for it)."""
        if self.scales is not None:
            self._squared_scales = np.ascontiguousarray(self.scales**2, dtype=np.float32)
        e = self.n_experts
        views = self.views_of_experts()
        self._by_view = []
        self._view_scales: dict[str, np.ndarray] = {}
        for view in VIEWS:
            experts = [i for i in range(e) if views[i] == view]
            with_gate = self.gate_weights is not None and self.gate_view == view
            if not experts and not with_gate:
                continue
            columns = [K * i + k for i in experts for k in range(K)]
            parts = [self.weights[:, columns]]
            if with_gate and self.gate_weights is not None:
                parts.append(self.gate_weights)
            combined = np.ascontiguousarray(np.hstack(parts), dtype=np.float32)
            self._by_view.append((view, experts, columns, with_gate, combined))
            if self._squared_scales is not None and experts:
                # once, not per call: a column slice of (n_features, e) is a copy of MBs
                self._view_scales[view] = np.ascontiguousarray(self._squared_scales[:, experts])
        self._combined = self._by_view[0][4]

    def views_of_experts(self) -> list[str]:
        """The feature view each expert reads ("full" or "stripped")."""
        return list(self.expert_views) if self.expert_views else ["full"] * self.n_experts

    # -- scoring -------------------------------------------------------------------------
    def counts(self, texts: list[str]) -> Any:
        """Sparse sublinear-tf × idf rows, not normalised."""
        if self.features.get("boundary_marks", False):
            # a text's first and last characters as n-grams of their own ("ends in 。")
            texts = [f"{BEGIN}{t}{END}" for t in texts]
        counts = self._vectorizer.transform(texts)
        if self.features.get("sublinear_tf", False):
            counts.data = 1.0 + np.log(counts.data)
        if self._uses_idf:
            counts = counts.multiply(self.idf[np.newaxis, :])
        return counts.tocsr().astype(np.float32, copy=False)

    def view_counts(
        self, texts: list[str], view: str = "full", cache: dict[str, Any] | None = None
    ) -> Any:
        """:meth:`counts` of the texts as feature view ``view`` reads them (``cache``:
        the stripped texts' counts shared by the views of one batch)."""
        base = "full" if view == "full" else "stripped"
        if cache is not None and base in cache:
            rows = cache[base]
        else:
            rows = self.counts(view_texts(texts, base))
            if cache is not None:
                cache[base] = rows
        if view == "headed":  # text and title weigh the same: each L2-normalised
            titles = self.counts([strip_like_news(title_of(t)) for t in texts])
            rows = (_l2(rows) + _l2(_shifted(titles, TITLE_SHIFT))).tocsr().astype(np.float32)
        return rows

    def featurize(
        self, texts: list[str], scale: np.ndarray | None = None, view: str = "full"
    ) -> Any:
        """L2-normalised rows of :meth:`view_counts`, features multiplied by ``scale``
        first (the training code uses the same path)."""
        rows = self.view_counts(texts, view)
        if scale is not None:
            rows = rows.multiply(scale[np.newaxis, :]).tocsr().astype(np.float32)
        norms = np.sqrt(np.asarray(rows.multiply(rows).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        rows.data *= np.repeat(1.0 / norms, np.diff(rows.indptr)).astype(np.float32)
        return rows

    def probabilities(self, texts: list[str]) -> np.ndarray:
        """(len(texts), 3) class probabilities for normalised texts."""
        return self.mixed(texts)[0]

    def mixed(
        self, texts: list[str], known: Mixed | None = None
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """:meth:`probabilities` and the gate's P(domain | text) they were mixed with
        (``known``: those of texts scored already in this batch, by text)."""
        if known:
            todo = [i for i, text in enumerate(texts) if text not in known]
            rest, rest_gate = self.mixed([texts[i] for i in todo])
            probabilities = np.empty((len(texts), K))
            gate = np.empty((len(texts), self.n_experts)) if self.n_experts > 1 else None
            for i, text in enumerate(texts):
                if text in known:
                    probabilities[i], known_gate = known[text]
                    if gate is not None:
                        gate[i] = known_gate
            probabilities[todo] = rest
            if gate is not None and rest_gate is not None:
                gate[todo] = rest_gate
            return probabilities, gate
        if not texts:
            return np.zeros((0, K), dtype=np.float64), None
        experts, gate = self.parts(texts)
        mixed = _gated(experts, gate)
        if self.neural is None or self.neural_mix is None:
            return mixed, gate
        linear_score = polarity(mixed)
        consult = np.flatnonzero(np.abs(linear_score - 0.5) < self.neural_margin)
        if len(consult):
            mix = np.reshape(self.neural_mix, (1, -1, 1))
            cnn = self.neural.probabilities([texts[i] for i in consult])
            blended = (1.0 - mix) * experts[consult] + mix * cnn
            mixed[consult] = _gated(blended, None if gate is None else gate[consult])
        return mixed, gate

    def _q_share(self, doc: np.ndarray, gate: np.ndarray | None) -> np.ndarray | float:
        """The weight of the target expert's q in :func:`_target_score` (TargetExpert.
        news_gain)."""
        t = self.target
        assert t is not None
        if t.news_gain is None:
            return t.doc_mix
        news = (
            gate[:, self.domains.index("news")]
            if gate is not None and "news" in self.domains
            else 0.0
        )
        return t.doc_mix * np.maximum(np.minimum(1.0, t.news_gain * news), 1.0 - doc[:, 2])

    def parts(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray | None]:
        """The linear experts' class probabilities (len(texts), n_experts, 3) and the
        gate's P(domain | text) (len(texts), n_experts), None with one expert.

        A *stacked* expert (``stack_weights``) also reads the other experts' opinions:
        the log-probabilities of the experts that are not stacked, times its block of
        ``stack_weights``, add to its logits (news reports: what the Weibo, emotion and
        review experts make of a text tells the news expert something its own n-grams
        learnt from 4,000 articles do not)."""
        logits, gate_logits = self.linear_logits(texts)
        e = self.n_experts
        experts_p = softmax(logits)
        if self.stack_weights is not None:
            inputs = np.log(np.clip(experts_p, STACK_FLOOR, 1.0)).reshape(len(texts), e * K)
            logits = logits + (inputs @ self.stack_weights).reshape(len(texts), e, K)
            experts_p = softmax(logits)
        if e == 1:
            return experts_p, None
        assert self.gate_bias is not None and gate_logits is not None  # several experts
        return experts_p, softmax(gate_logits + self.gate_bias)

    def linear_logits(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray | None]:
        """Each expert's logits from its own n-grams, bias included (n, n_experts, 3),
        and the gate's logits before its bias (n, n_experts), None with one expert."""
        if self._combined is None:
            self.prepare()
        n, e = len(texts), self.n_experts
        logits = np.zeros((n, e, K))
        gate_logits = None
        cache: dict[str, Any] = {}
        for view, experts, columns, with_gate, combined in self._by_view:
            rows = self.view_counts(texts, view, cache)
            product = np.asarray(rows @ combined, dtype=np.float64)
            squares = csr_matrix((rows.data**2, rows.indices, rows.indptr), shape=rows.shape)
            row_of = np.repeat(np.arange(n), np.diff(rows.indptr))
            norm = np.sqrt(np.bincount(row_of, weights=squares.data, minlength=n))[:, np.newaxis]
            norm[norm == 0] = 1.0
            if experts:
                if self._squared_scales is not None:
                    scaled = squares @ self._view_scales[view]
                    expert_norm = np.sqrt(np.asarray(scaled, dtype=np.float64))
                    expert_norm[expert_norm == 0] = 1.0
                else:
                    expert_norm = np.repeat(norm, len(experts), axis=1)
                own = product[:, : len(columns)].reshape(n, len(experts), K)
                logits[:, experts, :] = own / expert_norm[:, :, np.newaxis]
            if with_gate:
                gate_logits = product[:, len(columns) :] / norm
        return logits + np.reshape(self.bias, (1, e, K)), gate_logits

    def stacked_experts(self) -> list[int]:
        """The experts that read the others' log-probabilities (see :meth:`parts`)."""
        if self.stack_weights is None:
            return []
        return [i for i in range(self.n_experts) if self.stack_weights[:, K * i : K * i + K].any()]

    def domain_probabilities(self, texts: list[str]) -> np.ndarray:
        """(len(texts), n_experts) P(domain | text) from the gate, for normalised texts."""
        if self.gate_weights is None or self.gate_bias is None:
            return np.ones((len(texts), 1))
        rows = self.featurize(texts, view=self.gate_view)
        logits = np.asarray(rows @ self.gate_weights, dtype=np.float64)
        return softmax(logits + self.gate_bias)

    def scores(self, texts: list[str]) -> np.ndarray:
        """Expected polarity in 0..1 for normalised texts."""
        return polarity(self.probabilities(texts))

    def label(self, score: float) -> str:
        if score < self.neutral_low:
            return "negative"
        if score > self.neutral_high:
            return "positive"
        return "neutral"

    # -- target-level polarity -----------------------------------------------------------
    def target_scores(
        self,
        texts: list[str],
        targets: Sequence[Sequence[str]],
        others: Sequence[Sequence[str]] | None = None,
        *,
        read_as_about: bool = True,
        known: dict[str, str] | None = None,
        known_mixed: Mixed | None = None,
    ) -> np.ndarray:
        """Polarity 0..1 of each RAW text toward its target (``targets[i]``: the surface
        terms naming it; ``others[i]``: other companies matched in the text), scored on
        the parts of the text that concern the target (:func:`sentiment.target.focus`).
        A text that never names the target (a comment or repost that belongs to the
        brand's post, a brand named by an alias outside ``targets``) was matched to the
        brand all the same: it is read as about the target, as if it opened with its
        first term; without any term, it gets its document-level score. ``known``: raw
        text → its :func:`sentiment.target.target_text`, and ``known_mixed``: normalised
        text → its :meth:`mixed` row, where the caller has them (a short post's focus is
        often the whole post the document score was computed on)."""
        if len(targets) != len(texts) or (others is not None and len(others) != len(texts)):
            raise ValueError("texts, targets and others must have the same length")
        if not texts:
            return np.zeros(0, dtype=np.float64)
        texts = [t if isinstance(t, str) else "" for t in texts]
        targets = list(targets)
        others = list(others) if others is not None else None
        t = self.target
        shape = {} if t is None else {"window": t.window, "neighbour": t.neighbour}
        budget = {} if t is None else {"budget": t.budget}
        focuses = focus_texts(texts, targets, others, **shape, **budget, known=known)
        found = np.asarray([f.found for f in focuses], dtype=bool)
        out = np.full(len(texts), 0.5)
        missing = np.flatnonzero(~found)
        named = [
            i
            for i in missing
            if read_as_about
            and any(term.strip() for term in targets[i] or ())
            and model_text(texts[i])
        ]
        if named:
            # the mention is about the brand it was matched to: "<brand>：<text>"
            first = [next(term for term in targets[i] if term.strip()) for i in named]
            about = [f"{term}：{texts[i]}" for term, i in zip(first, named, strict=True)]
            found_now = np.asarray(
                [f.found for f in focus_texts(about, [[t] for t in first])], dtype=bool
            )
            if found_now.any():  # not when the term is only part of another company's name
                now = [i for i, ok in zip(named, found_now, strict=True) if ok]
                out[now] = self.target_scores(
                    [a for a, ok in zip(about, found_now, strict=True) if ok],
                    [targets[i] for i in now],
                    [others[i] for i in now] if others is not None else None,
                    read_as_about=False,
                )
                missing = np.setdiff1d(missing, np.asarray(now, dtype=np.int64))
        if len(missing):
            normalised = [model_text(texts[i]) for i in missing]
            out[missing] = np.where([bool(x) for x in normalised], self.scores(normalised), 0.5)
        hit = np.flatnonzero(found)
        if len(hit):
            plain = [focuses[i].plain for i in hit]
            if t is None:
                out[hit] = self.scores(plain)
            else:
                relations = [
                    relation_marks(
                        targets[i], others[i] if others is not None else (), focuses[i].marked
                    )
                    for i in hit
                ]
                names = [" ".join(normalise_term(x) for x in targets[i] or ()) for i in hit]
                p_neg = self.target_negative([focuses[i] for i in hit], relations, names)
                doc, gate = self.mixed(plain, known_mixed)
                out[hit] = _target_score(doc, p_neg, self._q_share(doc, gate))
        return out

    def target_negative(
        self, focuses: list[Focus], relations: list[str], names: list[str] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The target expert's (q, key): P(the focus text is negative) from its own
        document model and P(the target is what it is negative about)."""
        t = self.target
        assert t is not None
        doc_rows = self.featurize([f.plain for f in focuses], view=t.doc_view)
        q = _sigmoid(np.asarray(doc_rows @ t.doc_weights, dtype=np.float64) + t.doc_bias)
        key_rows = self.key_features(focuses, relations, names)
        key = _sigmoid(np.asarray(key_rows @ t.key_weights, dtype=np.float64) + t.key_bias)
        return q, key

    def key_features(
        self, focuses: list[Focus], relations: list[str], names: list[str] | None = None
    ) -> Any:
        """L2-normalised key features: marked focus, text next to the target, relation
        marks, the target's names (each part in a hash namespace of its own)."""
        t = self.target
        assert t is not None
        rows = _l2(self.counts([f.marked for f in focuses]))
        if t.near_weight:
            near = self.counts([near_text(f.marked, t.near) for f in focuses])
            rows = rows + t.near_weight * _l2(_shifted(near, NEAR_SHIFT))
        if t.relation_weight:
            relation = self.counts(relations)
            rows = rows + t.relation_weight * _l2(_shifted(relation, RELATION_SHIFT))
        if t.name_weight and names is not None:
            named = self.counts(names)
            rows = rows + t.name_weight * _l2(_shifted(named, NAME_SHIFT))
        return _l2(rows.tocsr())

    def target_label(self, score: float) -> str:
        """negative / neutral / positive for a :meth:`target_scores` score (its own
        neutral band, calibrated on target-level validation data)."""
        low = self.target_low if self.target_low is not None else self.neutral_low
        high = self.target_high if self.target_high is not None else self.neutral_high
        if score < low:
            return "negative"
        if score > high:
            return "positive"
        return "neutral"

    # -- persistence ---------------------------------------------------------------------
    def header(self) -> dict[str, Any]:
        header: dict[str, Any] = {}
        if self.neural is not None and self.neural_mix is not None:
            header["neural"] = {
                "kind": "char_cnn",
                "vocab": self.neural.vocab,
                "widths": list(self.neural.widths),
                "filters": self.neural.filters,
                "max_chars": self.neural.max_chars,
                "mix": [float(m) for m in self.neural_mix],
                "margin": self.neural_margin,
            }
        if self.target_low is not None and self.target_high is not None:
            header["target_neutral"] = [self.target_low, self.target_high]
        if self.expert_views:
            header["views"] = {"experts": list(self.expert_views), "gate": self.gate_view}
        if self.target is not None:
            header["target"] = self.target.spec()
        return header | {
            "format": FORMAT_VERSION,
            "labels": list(LABELS),
            "features": self.features,
            "neutral_low": self.neutral_low,
            "neutral_high": self.neutral_high,
            "domains": self.domains,
            "meta": self.meta,
        }

    def save(self, path: str | Path) -> None:
        """Write the model; identical models give identical bytes."""
        arrays = {"weights": _half(self.weights), "bias": self.bias, "idf": self.idf}
        if self.scales is not None:
            arrays["scales"] = _half(self.scales)
        if self.gate_weights is not None and self.gate_bias is not None:
            arrays.update(gate_weights=_half(self.gate_weights), gate_bias=self.gate_bias)
        if self.neural is not None:
            cnn = self.neural
            arrays.update(
                cnn_embeddings=_half(cnn.embeddings),
                cnn_conv_weights=_half(cnn.conv_weights),
                cnn_conv_bias=cnn.conv_bias.astype(np.float32),
                cnn_head_weights=_half(cnn.head_weights),
                cnn_head_bias=cnn.head_bias.astype(np.float32),
            )
        if self.stack_weights is not None:
            arrays["stack_weights"] = self.stack_weights.astype(np.float32)
        if self.target is not None:
            arrays.update(
                target_doc_weights=_half(self.target.doc_weights),
                target_key_weights=_half(self.target.key_weights),
            )
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for name, array in arrays.items():
                buf = io.BytesIO()
                np.lib.format.write_array(buf, np.ascontiguousarray(array), allow_pickle=False)
                zf.writestr(_entry(f"{name}.npy"), buf.getvalue())
            header = json.dumps(self.header(), ensure_ascii=False, sort_keys=True, indent=1)
            zf.writestr(_entry("header.json"), header.encode("utf-8"))

    @staticmethod
    def check_file(path: str | Path) -> None:
        """Raise ModelFileError unless ``path`` is a model file of a readable format —
        its header only (config checks; loading the arrays is the scorer's job)."""
        read_header(path)

    @classmethod
    def load(cls, path: str | Path = DEFAULT_MODEL_PATH) -> SentimentModel:
        try:
            with zipfile.ZipFile(path) as zf:
                header = json.loads(zf.read("header.json"))
                present = set(zf.namelist())
                arrays = {
                    name: np.lib.format.read_array(io.BytesIO(zf.read(f"{name}.npy")))
                    for name in (*BASE_ARRAYS, *CNN_ARRAYS, *TARGET_ARRAYS)
                    if name in ("weights", "bias", "idf") or f"{name}.npy" in present
                }
        except (OSError, KeyError, zipfile.BadZipFile, ValueError) as exc:
            raise ModelFileError(f"{path}: not a sentiment model file ({exc})") from exc
        if header.get("format") not in READABLE_FORMATS:
            raise ModelFileError(f"{path}: model format {header.get('format')!r} unsupported")
        n_features = int(header["features"]["n_features"])
        domains = list(header.get("domains") or [])
        experts = max(1, len(domains))
        expected = {
            "weights": (n_features, K * experts),
            "bias": (experts, K) if domains else (K,),
            "scales": (n_features, experts),
            "gate_weights": (n_features, experts),
            "gate_bias": (experts,),
            "stack_weights": (K * experts, K * experts),
        }
        for name, shape in expected.items():
            if name in arrays and arrays[name].shape != shape:
                raise ModelFileError(
                    f"{path}: {name} shape {arrays[name].shape} does not fit header"
                )
        if len(domains) > 1 and "gate_weights" not in arrays:
            raise ModelFileError(f"{path}: {len(domains)} domain experts but no gate")
        views = header.get("views") or {}
        expert_views = list(views.get("experts") or [])
        if (expert_views and len(expert_views) != experts) or not set(
            [*expert_views, views.get("gate", "full")]
        ) <= set(VIEWS):
            raise ModelFileError(f"{path}: bad feature views {views!r}")

        def optional(name: str, dtype: type) -> np.ndarray | None:
            return arrays[name].astype(dtype) if name in arrays else None

        neural, neural_mix = _neural_from(path, header.get("neural"), arrays, experts)

        return cls(
            weights=arrays["weights"].astype(np.float32),
            bias=arrays["bias"].astype(np.float64),
            idf=arrays["idf"].astype(np.float32),
            features=header["features"],
            neutral_low=float(header["neutral_low"]),
            neutral_high=float(header["neutral_high"]),
            meta=header.get("meta", {}),
            domains=domains,
            scales=optional("scales", np.float32),
            gate_weights=optional("gate_weights", np.float32) if len(domains) > 1 else None,
            gate_bias=optional("gate_bias", np.float64) if len(domains) > 1 else None,
            stack_weights=optional("stack_weights", np.float32),
            neural=neural,
            neural_mix=neural_mix,
            neural_margin=float((header.get("neural") or {}).get("margin", 0.5)),
            expert_views=list((header.get("views") or {}).get("experts") or []),
            gate_view=str((header.get("views") or {}).get("gate") or "full"),
            target=_target_from(path, header.get("target"), arrays, n_features),
            target_low=float(header["target_neutral"][0]) if "target_neutral" in header else None,
            target_high=float(header["target_neutral"][1]) if "target_neutral" in header else None,
        )


# normalised text -> its (probabilities, gate) row from SentimentModel.mixed
Mixed = dict[str, tuple[np.ndarray, np.ndarray | None]]

BASE_ARRAYS = ("weights", "bias", "idf", "scales", "gate_weights", "gate_bias", "stack_weights")
STACK_FLOOR = 1e-6  # log-probabilities a stacked expert reads are clipped here
TARGET_ARRAYS = ("target_doc_weights", "target_key_weights")
CNN_ARRAYS = (
    "cnn_embeddings",
    "cnn_conv_weights",
    "cnn_conv_bias",
    "cnn_head_weights",
    "cnn_head_bias",
)


def read_header(path: str | Path) -> dict[str, Any]:
    """The header of the model file at ``path`` (ModelFileError unless it is one of a
    readable format), without its arrays."""
    try:
        with zipfile.ZipFile(path) as zf:
            header: dict[str, Any] = json.loads(zf.read("header.json"))
    except (OSError, KeyError, zipfile.BadZipFile, ValueError) as exc:
        raise ModelFileError(f"{path}: not a sentiment model file ({exc})") from exc
    if header.get("format") not in READABLE_FORMATS:
        raise ModelFileError(f"{path}: model format {header.get('format')!r} unsupported")
    return header


def neutral_bands(path: str | Path) -> tuple[tuple[float, float], tuple[float, float]]:
    """The neutral bands ``(document, brand)`` of :meth:`SentimentModel.label` and
    :meth:`SentimentModel.target_label` of the model file at ``path``, from its header."""
    header = read_header(path)
    try:
        document = (float(header["neutral_low"]), float(header["neutral_high"]))
        low, high = header.get("target_neutral") or document
        return document, (float(low), float(high))
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFileError(f"{path}: no neutral band in its header ({exc})") from exc


def _neural_from(
    path: str | Path, spec: dict[str, Any] | None, arrays: dict[str, np.ndarray], experts: int
) -> tuple[CharCNN | None, np.ndarray | None]:
    """The CNN described by the header's ``neural`` entry, checked against its arrays."""
    if not spec:
        return None, None
    missing = [name for name in CNN_ARRAYS if name not in arrays]
    if missing:
        raise ModelFileError(f"{path}: header describes a CNN but {missing} are missing")
    try:
        cnn = CharCNN(
            vocab=str(spec["vocab"]),
            embeddings=arrays["cnn_embeddings"].astype(np.float32),
            conv_weights=arrays["cnn_conv_weights"].astype(np.float32),
            conv_bias=arrays["cnn_conv_bias"].astype(np.float32),
            head_weights=arrays["cnn_head_weights"].astype(np.float32),
            head_bias=arrays["cnn_head_bias"].astype(np.float32),
            widths=tuple(int(k) for k in spec["widths"]),
            filters=int(spec["filters"]),
            max_chars=int(spec["max_chars"]),
        )
        mix = np.asarray(spec["mix"], dtype=np.float64)
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFileError(f"{path}: bad CNN description in header ({exc})") from exc
    features = len(cnn.widths) * cnn.filters
    shapes_fit = (
        cnn.embeddings.shape[0] == len(cnn.vocab) + 2
        and cnn.conv_weights.shape == (cnn.embeddings.shape[1], sum(cnn.widths) * cnn.filters)
        and cnn.conv_bias.shape == (features,)
        and cnn.head_weights.shape == (features, K * experts)
        and cnn.head_bias.shape == (K * experts,)
        and mix.shape == (experts,)
    )
    if not shapes_fit:
        raise ModelFileError(f"{path}: CNN array shapes do not fit the header")
    return cnn, mix


def _target_from(
    path: str | Path, spec: dict[str, Any] | None, arrays: dict[str, np.ndarray], n_features: int
) -> TargetExpert | None:
    """The target expert described by the header's ``target`` entry."""
    if not spec:
        return None
    if any(name not in arrays for name in TARGET_ARRAYS):
        raise ModelFileError(f"{path}: header describes a target expert but arrays are missing")
    doc, key = (arrays[name].astype(np.float32) for name in TARGET_ARRAYS)
    if doc.shape != (n_features,) or key.shape != (n_features,):
        raise ModelFileError(f"{path}: target expert arrays do not fit the header")
    try:
        return TargetExpert(
            doc_weights=doc,
            doc_bias=float(spec["doc_bias"]),
            key_weights=key,
            key_bias=float(spec["key_bias"]),
            doc_mix=float(spec["doc_mix"]),
            near=int(spec["near"]),
            near_weight=float(spec["near_weight"]),
            relation_weight=float(spec["relation_weight"]),
            name_weight=float(spec.get("name_weight", 0.0)),
            doc_view=str(spec.get("doc_view", "full")),
            window=int(spec["window"]),
            neighbour=int(spec["neighbour"]),
            budget=int(spec["budget"]),
            news_gain=float(spec["news_gain"]) if spec.get("news_gain") is not None else None,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFileError(f"{path}: bad target expert in header ({exc})") from exc


def _half(array: np.ndarray) -> np.ndarray:
    return np.asarray(array).astype(np.float16)


def round_to_file_precision(array: np.ndarray) -> np.ndarray:
    """The float32 values ``array`` will have once saved (float16) and loaded."""
    return _half(array).astype(np.float32)


def polarity(p: np.ndarray) -> np.ndarray:
    """The score of (n, 3) class probabilities: P(positive) + P(neutral) / 2."""
    return p[:, 2] + 0.5 * p[:, 1]


def _gated(experts: np.ndarray, gate: np.ndarray | None) -> np.ndarray:
    """(n, 3) mix of the experts' (n, e, 3) probabilities by the gate's (n, e) weights."""
    if gate is None:
        return experts[:, 0, :].copy()
    return np.einsum("te,tek->tk", gate, experts)


def _target_score(
    doc: np.ndarray, key_parts: tuple[np.ndarray, np.ndarray], mix: float | np.ndarray
) -> np.ndarray:
    """Target-level score from the document model's (n, 3) probabilities on the focus
    text and the target expert's (q, key) (see TargetExpert)."""
    q, key = key_parts
    negative = key * (1.0 - (1.0 - mix * q) * (1.0 - doc[:, 0]))
    not_negative = doc[:, 1] + doc[:, 2]
    positive_share = np.divide(
        doc[:, 2], not_negative, out=np.zeros(len(doc)), where=not_negative > 0
    )
    return (1.0 - negative) * (0.5 + 0.5 * positive_share)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -50, 50)))


def _l2(rows: Any) -> Any:
    rows = rows.tocsr().astype(np.float32)
    norms = np.sqrt(np.asarray(rows.multiply(rows).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    rows.data *= np.repeat(1.0 / norms, np.diff(rows.indptr)).astype(np.float32)
    return rows


def _shifted(rows: Any, shift: int) -> Any:
    """The same rows with every bucket index moved by ``shift`` (cyclically)."""
    rows = rows.tocsr().copy()
    rows.indices = ((rows.indices.astype(np.int64) + shift) % rows.shape[1]).astype(
        rows.indices.dtype
    )
    rows.has_sorted_indices = False
    rows.sort_indices()
    return rows


def softmax(logits: np.ndarray) -> np.ndarray:
    exp = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return exp / exp.sum(axis=-1, keepdims=True)


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info
