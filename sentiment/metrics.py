"""Evaluation figures, the same for ``radar sentiment eval``, training and the bench."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, f1_score

LABELS = ("negative", "neutral", "positive")


def binary_report(is_positive: Any, predicted_positive: Any) -> dict[str, Any]:
    """Accuracy and F1 of each class for a negative/positive task."""
    y = np.asarray(is_positive, dtype=bool)
    p = np.asarray(predicted_positive, dtype=bool)
    f1 = f1_score(y, p, labels=[False, True], average=None, zero_division=0)
    return {
        "accuracy": round(float(accuracy_score(y, p)), 4),
        "f1": {"negative": round(float(f1[0]), 4), "positive": round(float(f1[1]), 4)},
    }


def three_way_report(labels: Any, predicted: Any) -> dict[str, Any]:
    """Accuracy, macro-F1 and per-class F1; labels/predictions are indices into LABELS.
    The macro average is over the classes in the labels or the predictions (as
    scikit-learn's): a class neither in the file nor predicted is not a zero in it."""
    y = np.asarray(labels)
    p = np.asarray(predicted)
    f1 = f1_score(y, p, labels=[0, 1, 2], average=None, zero_division=0)
    present = sorted({int(v) for v in np.concatenate([y, p])}) or [0, 1, 2]
    return {
        "accuracy": round(float(accuracy_score(y, p)), 4),
        "macro_f1": round(float(np.mean(f1[present])), 4),
        "f1": {name: round(float(v), 4) for name, v in zip(LABELS, f1, strict=True)},
    }
