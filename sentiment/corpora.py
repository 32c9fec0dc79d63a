"""The labelled corpora the model is trained and evaluated on, and their fixed splits.

Every corpus is a CSV with ``label,text`` (1 positive / 0 negative) or
``emotion,polarity,text`` (positive / negative / neutral; ``mixed`` = surprise is
dropped, its polarity being ambiguous). Each corpus is split deterministically into
train / validation / test by a seeded permutation (:data:`SPLIT_SEED`); the test split
is never trained or tuned on, and texts that occur in any corpus's validation or test
split are removed from every training split (the review corpora overlap).

The brand corpora (``../shared/data/brand``, :data:`BRAND_CORPORA`) are labelled for
polarity *for the party concerned* (舆情倾向): news and articles, car-owner forum
comments (``polarity,[subject,]text``, three-way), and the per-company finance set
(:data:`ENTITY_CORPUS`, ``entity,label,text``: 1 = the text is negative about that
company), which is split by TEXT — the rows of one text (one per company named in it)
always land in the same split. They are looked up in the data folder itself and in the
``brand`` folder beside it.
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

# name → file, in the data folder or in the "brand" folder beside it
BRAND_CORPORA: dict[str, str] = {
    "news": "news_opinion_train.csv",
    "car_forum": "car_forum_train.csv",
}
ENTITY_CORPUS = ("finance_entity", "finance_entity_train.csv")


def brand_file(data_dir: Path, file: str) -> Path | None:
    """``file`` in the data folder or in the ``brand`` folder beside it, if present."""
    for folder in (data_dir, data_dir.parent / "brand"):
        if (folder / file).exists():
            return folder / file
    return None


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
    for name in names or (*CORPORA, *BRAND_CORPORA):
        if name in BRAND_CORPORA:
            path = brand_file(data_dir, BRAND_CORPORA[name])
        else:
            path = data_dir / CORPORA.get(name, name)
        if path is not None and path.exists():
            corpora.append(split(read_rows(path), name, seed))
    held_out = {t for c in corpora for t in (*c.val.texts, *c.test.texts)}
    for c in corpora:
        keep = [i for i, t in enumerate(c.train.texts) if t not in held_out]
        c.train = Rows([c.train.texts[i] for i in keep], [c.train.labels[i] for i in keep])
    return corpora


@dataclass
class EntityRows:
    """(text, target, other companies of the same text, 1 = negative for the target)."""

    texts: list[str] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)
    others: list[list[str]] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    # rows from this index on are people's corrections (weighted apart in training)
    corrections_from: int | None = None

    def __len__(self) -> int:
        return len(self.texts)


@dataclass
class EntityCorpus:
    name: str
    train: EntityRows
    val: EntityRows
    test: EntityRows


def read_entity_rows(path: Path) -> EntityRows:
    """The ``entity,label,text`` rows; ``others`` = the other entities listed for the text."""
    raw: list[tuple[str, str, int]] = []
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            text = (row.get("text") or "").strip()
            entity = (row.get("entity") or "").strip()
            label = (row.get("label") or "").strip()
            if text and entity and label in ("0", "1"):
                raw.append((text, entity, int(label)))
    return entity_rows(raw)


def entity_rows(raw: list[tuple[str, str, int]]) -> EntityRows:
    """Rows from ``(text, entity, label)`` triples; ``others`` = the other entities listed
    for the same text."""
    named: dict[str, list[str]] = {}
    for text, entity, _ in raw:
        if entity not in named.setdefault(text, []):
            named[text].append(entity)
    rows = EntityRows()
    for text, entity, label in raw:
        rows.texts.append(text)
        rows.targets.append(entity)
        rows.others.append([e for e in named[text] if e != entity])
        rows.labels.append(label)
    return rows


def split_entity_rows(rows: EntityRows, name: str, seed: int = SPLIT_SEED) -> EntityCorpus:
    """Seeded train/val/test split of the distinct TEXTS (80/10/10), rows following
    their text: no text has rows on both sides of a split."""
    order_of: dict[str, int] = {}
    for text in rows.texts:
        order_of.setdefault(text, len(order_of))
    salt = int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big")
    order = np.random.default_rng([seed, salt]).permutation(len(order_of))
    n_test = round(len(order_of) * TEST_SHARE)
    n_val = round(len(order_of) * VAL_SHARE)
    part_of = np.empty(len(order_of), dtype=np.int64)
    part_of[order[:n_test]] = 0
    part_of[order[n_test : n_test + n_val]] = 1
    part_of[order[n_test + n_val :]] = 2
    parts = (EntityRows(), EntityRows(), EntityRows())
    for i, text in enumerate(rows.texts):
        part = parts[part_of[order_of[text]]]
        part.texts.append(text)
        part.targets.append(rows.targets[i])
        part.others.append(rows.others[i])
        part.labels.append(rows.labels[i])
    test, val, train = parts
    return EntityCorpus(name, train=train, val=val, test=test)


def load_entity_corpus(data_dir: Path, seed: int = SPLIT_SEED) -> EntityCorpus | None:
    """The per-company corpus split by text, or None when the file is absent."""
    name, file = ENTITY_CORPUS
    path = brand_file(data_dir, file)
    return None if path is None else split_entity_rows(read_entity_rows(path), name, seed)


class CorrectionsFileError(ValueError):
    """A corrections file (``radar sentiment corrections``) that cannot be read."""


def read_corrections(path: Path) -> EntityRows:
    """People's per-brand corrections exported by ``radar sentiment corrections``
    (``entity,polarity,text``, extra columns ignored) as per-company rows: label 1 when
    the text was corrected to negative for that brand, 0 for neutral or positive. The
    other brands corrected on the same text are its ``others``."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = {"entity", "polarity", "text"} - set(reader.fieldnames or ())
            if missing:
                raise CorrectionsFileError(
                    f"{path}: missing column(s) {', '.join(sorted(missing))} "
                    "(expected entity,polarity,text as written by `radar sentiment corrections`)"
                )
            raw = []
            for line, row in enumerate(reader, start=2):
                polarity = (row.get("polarity") or "").strip().lower()
                text, entity = (row.get("text") or "").strip(), (row.get("entity") or "").strip()
                if not text or not entity:
                    continue
                if polarity not in CLASS_INDEX:
                    raise CorrectionsFileError(
                        f"{path}, line {line}: polarity {polarity!r} is not one of "
                        f"{', '.join(POLARITIES)}"
                    )
                raw.append((text, entity, int(polarity == "negative")))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise CorrectionsFileError(f"{path}: {exc}") from exc
    return entity_rows(raw)
