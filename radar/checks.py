"""What a valid config still warns of: one list for ``radar config check`` and the
``radar run`` start-up banner, so a warning added here reaches both."""

from __future__ import annotations

from alerts.routing import delivery_warnings
from config import RadarConfig


def config_warnings(cfg: RadarConfig) -> list[str]:
    """Every warning of a valid config, each ``<key>: <what is wrong — what follows>``."""
    out: list[str] = []
    # valid, but a service run on it watches nothing: say so (the file may be a fragment)
    if not cfg.brands:
        out.append("brands: none configured — no mention is matched")
    if not cfg.sources:
        out.append("sources: none configured — nothing is crawled")
    return [*out, *cfg.brand_warnings(), *cfg.login_warnings(), *delivery_warnings(cfg)]
