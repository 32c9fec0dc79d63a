"""The labelled corpora the model is trained and evaluated on, and their fixed splits.

Every corpus is a CSV with ``label,text`` (1 positive / 0 negative) or
``emotion,polarity,text`` (positive / negative / neutral; ``mixed`` = surprise is
dropped, its polarity being ambiguous). Each corpus is split deterministically into
train / validation / test by a seeded permutation (:data:`SPLIT_SEED`); the test split
is never trained or tuned on, and texts that occur in any corpus's validation or test
split are removed from every training split (the review corpora overlap).
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

SPLIT_SEED = 20260601
TEST_SHARE = 0.10
VAL_SHARE = 0.10
POLARITIES = ("negative", "neutral", "positive")
CLASS_INDEX = {p: i for i, p in enumerate(POLARITIES)}

# name → (file, domain). The shipped model is trained on all of them.
CORPORA: dict[str, str] = {
    "weibo2018": "weibo2018_train.csv",
    "smp2020_virus": "smp2020_virus_weibo.csv",
    "nlpcc2014": "nlpcc2014_train_sentences.csv",
    "covid_weibo": "covid_weibo_7emotions.csv",
    "waimai": "waimai_train.csv",
    "hotel": "chnsenticorp_htl_all.csv",
    "chnsenticorp": "chnsenticorp_train.csv",
    "online_shopping": "online_shopping_10_cats.csv",
}


@dataclass
class Rows:
    texts: list[str] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)  # index into POLARITIES

    def __len__(self) -> int:
        return len(self.texts)

    def add(self, text: str, label: int) -> None:
        self.texts.append(text)
        self.labels.append(label)


@dataclass
class Corpus:
    name: str
    train: Rows
    val: Rows
    test: Rows


def polarity_of(row: dict[str, str]) -> str | None:
    """The row's polarity, or None for rows to skip (mixed, unknown, empty)."""
    if "polarity" in row and row["polarity"] is not None:
        value = row["polarity"].strip().lower()
        return value if value in CLASS_INDEX else None
    value = (row.get("label") or "").strip()
    return {"1": "positive", "0": "negative"}.get(value)


def read_rows(path: Path) -> Rows:
    """Labelled rows of one CSV file; skipped rows (see :func:`polarity_of`) left out."""
    rows = Rows()
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            text = (row.get("text") or "").strip()
            polarity = polarity_of(row)
            if text and polarity is not None:
                rows.add(text, CLASS_INDEX[polarity])
    return rows


def split(rows: Rows, name: str, seed: int = SPLIT_SEED) -> Corpus:
    """Seeded train/val/test split; the corpus name is mixed into the seed so each
    corpus gets its own permutation."""
    salt = int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big")
    order = np.random.default_rng([seed, salt]).permutation(len(rows))
    n_test = round(len(rows) * TEST_SHARE)
    n_val = round(len(rows) * VAL_SHARE)
    parts = (order[:n_test], order[n_test : n_test + n_val], order[n_test + n_val :])
    test, val, train = (
        Rows([rows.texts[i] for i in idx], [rows.labels[i] for i in idx]) for idx in parts
    )
    return Corpus(name, train=train, val=val, test=test)


def load_corpora(
    data_dir: Path, names: Iterable[str] | None = None, seed: int = SPLIT_SEED
) -> list[Corpus]:
    """Split every corpus present in ``data_dir`` and drop held-out texts from training."""
    corpora = []
    for name in names or CORPORA:
        path = data_dir / CORPORA.get(name, name)
        if path.exists():
            corpora.append(split(read_rows(path), name, seed))
    held_out = {t for c in corpora for t in (*c.val.texts, *c.test.texts)}
    for c in corpora:
        keep = [i for i, t in enumerate(c.train.texts) if t not in held_out]
        c.train = Rows([c.train.texts[i] for i in keep], [c.train.labels[i] for i in keep])
    return corpora
