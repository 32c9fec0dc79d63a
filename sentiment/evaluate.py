"""Evaluate the scorer on a labelled CSV (``radar sentiment eval``).

Three layouts, told apart by the header (other columns are ignored):
- ``label,text``: 1 = positive, 0 = negative; scored as a binary task (score > 0.5 is
  positive); reports accuracy and F1 per class.
- ``polarity,text`` (other columns such as ``emotion`` or ``subject`` allowed): positive /
  negative / neutral, rows with any other polarity (e.g. ``mixed``) skipped; reports
  accuracy, macro-F1 and F1 per class, using the labels (neutral band included).
- ``entity,label,text``: 1 = the text is negative about that entity, 0 = it is not; each
  row is scored toward its entity (the other entities listed for the same text are its
  rivals, as the other brands matched in one mention are) and counts as predicted
  negative when the label toward the entity is negative; reports precision, recall and
  F1 of the negative class, and accuracy.
- ``entity,polarity,text`` (e.g. ``radar sentiment corrections``): the three-way report
  of the polarity toward each row's entity.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from sentiment.metrics import LABELS, binary_report, three_way_report

BATCH = 512
SHOWN_SKIPPED = 20  # rows left out, named in the report (all are counted)


class EvalInputError(ValueError):
    """The CSV cannot be evaluated; the message names the file and what is wrong."""


def read_labelled(path: Path) -> tuple[str, list[str], list[int], list[str]]:
    """(mode, texts, labels, skipped: why each row left out was, by line). mode is
    "binary" (labels 0/1), "three_way" (labels index LABELS) or "entity" (labels 0/1,
    texts are (entity, text) pairs, see :func:`read_entity_rows`)."""
    mode, rows, skipped = _read(path)
    return mode, [r[-1] for r in rows], [r[0] for r in rows], skipped


def read_entity_rows(path: Path) -> tuple[str, list[tuple[int, str, str]], list[str]]:
    """``(mode, [(label, entity, text)], skipped)`` of an ``entity,label,text`` (mode
    "entity") or ``entity,polarity,text`` (mode "entity_three_way") file."""
    mode, rows, skipped = _read(path)
    if not mode.startswith("entity"):
        raise EvalInputError(f"{path}: no 'entity' column")
    return mode, [(r[0], r[1], r[2]) for r in rows], skipped


def _read(path: Path) -> tuple[str, list[tuple[Any, ...]], list[str]]:
    """The rows, and for each row left out the line and why ("line 7: polarity 'maybe'
    is not positive / negative / neutral")."""
    try:
        fh = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise EvalInputError(f"{path}: cannot open: {exc.strerror}") from exc
    with fh:
        reader = csv.DictReader(fh)
        columns = [c.strip().lower() for c in reader.fieldnames or []]
        reader.fieldnames = columns
        if "text" not in columns or not ({"label", "polarity"} & set(columns)):
            raise EvalInputError(
                f"{path}: header must have 'text' and 'label' or 'polarity' columns, "
                f"found {columns or 'no header'}"
            )
        mode = "three_way" if "polarity" in columns else "binary"
        if "entity" in columns:
            mode = "entity_three_way" if mode == "three_way" else "entity"
        rows: list[tuple[Any, ...]] = []
        skipped: list[str] = []
        for row in reader:
            line = reader.line_num
            text = row.get("text")
            entity = (row.get("entity") or "").strip()
            if mode.startswith("entity") and not entity:
                skipped.append(f"line {line}: no entity")
                continue
            if mode in ("binary", "entity"):
                value = (row.get("label") or "").strip()
                label = {"0": 0, "1": 1}.get(value)
                if label is None:
                    skipped.append(f"line {line}: label {value!r} is not 0 or 1")
                    continue
            else:
                value = (row.get("polarity") or "").strip().lower()
                label = LABELS.index(value) if value in LABELS else None
                if label is None:
                    skipped.append(f"line {line}: polarity {value!r} is not {' / '.join(LABELS)}")
                    continue
            if text is None:
                skipped.append(f"line {line}: no text")
                continue
            rows.append((label, entity, text) if mode.startswith("entity") else (label, text))
    return mode, rows, skipped


def evaluate_file(
    path: str | Path, progress: Callable[[int], None] | None = None
) -> dict[str, Any]:
    """Score every row of ``path`` and return the figures (see the module docstring)."""
    from sentiment import analyze_batch, get_model

    path = Path(path)
    mode, texts, labels, skipped = read_labelled(path)
    if mode.startswith("entity"):
        return _evaluate_entities(path, progress)
    get_model()  # loading is not part of the throughput
    scores: list[float] = []
    predicted: list[int] = []
    started = time.perf_counter()
    for start in range(0, len(texts), BATCH):
        for a in analyze_batch(texts[start : start + BATCH]):
            scores.append(a.score)
            predicted.append(LABELS.index(a.label))
        if progress:
            progress(min(BATCH, len(texts) - start))
    elapsed = time.perf_counter() - started
    y = np.asarray(labels)
    report: dict[str, Any] = {}
    if texts and mode == "binary":
        report = binary_report(y == 1, np.asarray(scores) > 0.5)
    elif texts:
        report = three_way_report(y, np.asarray(predicted))
    return {
        "file": str(path),
        "mode": mode,
        "rows": len(texts),
        "skipped": len(skipped),
        "skipped_rows": skipped[:SHOWN_SKIPPED],
        **report,
        "seconds": round(elapsed, 3),
        "texts_per_second": round(len(texts) / elapsed, 1) if elapsed > 0 else None,
    }


def _evaluate_entities(path: Path, progress: Callable[[int], None] | None) -> dict[str, Any]:
    """Figures of the polarity toward each row's entity: negative precision/recall/F1
    for ``entity,label,text``, the three-way report for ``entity,polarity,text``."""
    from sentiment import Target, analyze_batch, get_model

    mode, rows, skipped = read_entity_rows(path)
    entities_of: dict[str, list[str]] = {}  # text → every entity listed for it
    for _, entity, text in rows:
        entities_of.setdefault(text, [])
        if entity not in entities_of[text]:
            entities_of[text].append(entity)
    get_model()
    predicted: list[int] = []  # index into LABELS
    started = time.perf_counter()
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        # the row's entity first: its polarity is the one read back
        targets = [
            [Target(entity, (entity,))]
            + [Target(o, (o,)) for o in entities_of[text] if o != entity]
            for _, entity, text in chunk
        ]
        results = analyze_batch([text for _, _, text in chunk], targets=targets)
        predicted += [
            LABELS.index(a.brands[entity].label)
            for (_, entity, _), a in zip(chunk, results, strict=True)
        ]
        if progress:
            progress(len(chunk))
    elapsed = time.perf_counter() - started
    report: dict[str, Any] = {}
    if rows and mode == "entity_three_way":
        report = three_way_report(np.asarray([r[0] for r in rows]), np.asarray(predicted))
    elif rows:
        y = np.asarray([label == 1 for label, _, _ in rows], dtype=bool)
        p = np.asarray(predicted) == 0
        tp = int(np.sum(y & p))
        precision = tp / max(1, int(p.sum()))
        recall = tp / max(1, int(y.sum()))
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        report = {
            "accuracy": round(float(np.mean(y == p)), 4),
            "negative": {
                "precision": round(precision, 4),
                "recall": round(recall, 4),
                "f1": round(f1, 4),
            },
        }
    return {
        "file": str(path),
        "mode": mode,
        "rows": len(rows),
        "skipped": len(skipped),
        "skipped_rows": skipped[:SHOWN_SKIPPED],
        **report,
        "seconds": round(elapsed, 3),
        "texts_per_second": round(len(rows) / elapsed, 1) if elapsed > 0 else None,
    }
