"""The daily digest page shows the figures the alert engine posts to Slack, computed by
the same code (``AlertEngine.daily_digest``), but a page view must never queue the Slack
message: the engine is handed a view of the store whose outbox refuses new entries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from alerts.engine import AlertEngine
from config.schema import RadarConfig
from index.base import Notification, Store


class _NoOutbox:
    """The store, except that ``enqueue_notification`` queues nothing."""

    def __init__(self, store: Store):
        self._store = store

    def enqueue_notification(self, notification: Notification) -> bool:
        return False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def figures(config: RadarConfig, store: Store, now: datetime) -> dict[str, Any]:
    """Per brand: the last 24 h (to the hour before ``now``) against the 24 h before."""
    engine = AlertEngine(config, _NoOutbox(store), pull=False)  # type: ignore[arg-type]
    digest = engine.daily_digest(now)
    digest.pop("queued", None)
    digest.pop("key", None)
    return digest
