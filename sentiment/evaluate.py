"""Evaluate the scorer on a labelled CSV (``radar sentiment eval``).

Two layouts, told apart by the header:
- ``label,text``: 1 = positive, 0 = negative; scored as a binary task (score > 0.5 is
  positive); reports accuracy and F1 per class.
- ``polarity,text`` (other columns such as ``emotion`` allowed): positive / negative /
  neutral, rows with any other polarity (e.g. ``mixed``) skipped; reports accuracy,
  macro-F1 and F1 per class, using the labels (neutral band included).
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


class EvalInputError(ValueError):
    """The CSV cannot be evaluated; the message names the file and what is wrong."""


def read_labelled(path: Path) -> tuple[str, list[str], list[int], int]:
    """(mode, texts, labels, skipped). mode is "binary" (labels 0/1) or "three_way"
    (labels index LABELS)."""
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
        texts: list[str] = []
        labels: list[int] = []
        skipped = 0
        for row in reader:
            text = row.get("text")
            if mode == "binary":
                value = (row.get("label") or "").strip()
                label = {"0": 0, "1": 1}.get(value)
            else:
                value = (row.get("polarity") or "").strip().lower()
                label = LABELS.index(value) if value in LABELS else None
            if label is None or text is None:
                skipped += 1
                continue
            texts.append(text)
            labels.append(label)
    return mode, texts, labels, skipped


def evaluate_file(
    path: str | Path, progress: Callable[[int], None] | None = None
) -> dict[str, Any]:
    """Score every row of ``path`` and return the figures (see the module docstring)."""
    from sentiment import analyze_batch, get_model

    path = Path(path)
    mode, texts, labels, skipped = read_labelled(path)
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
        "skipped": skipped,
        **report,
        "seconds": round(elapsed, 3),
        "texts_per_second": round(len(texts) / elapsed, 1) if elapsed > 0 else None,
    }
