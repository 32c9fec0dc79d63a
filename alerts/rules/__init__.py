"""Detection rules, one module per kind. Brand rules take a ``BrandContext`` and return
a ``Finding`` or None; the source-health rule looks at the Store's source health."""

from __future__ import annotations

from collections.abc import Callable

from alerts.rules import high_reach, risk_signal, surge
from alerts.rules.base import BrandContext, Finding

BRAND_RULES: tuple[Callable[[BrandContext], Finding | None], ...] = (
    surge.evaluate,
    high_reach.evaluate,
    risk_signal.evaluate,
)

__all__ = ["BRAND_RULES", "BrandContext", "Finding"]
