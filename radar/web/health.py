"""What ``GET /healthz`` reports about the store, and what web errors may say about it.

Health is more than "the store answers": a read-only store answered every read while
every write returned 503, and a damaged full-text index was noticed only when a crawl
failed after ~5,000 rows. So the probe also checks that a write would be accepted
(``Store.check_writable``: cheap, on every call) and runs the store's quick integrity
check (``Store.check_integrity``: it reads the whole store, so it runs in a background
thread at most every :data:`INTEGRITY_EVERY` seconds and the probe reports its last
result). ``radar store check`` runs the full check.

Messages shown on the web never carry the server's file paths (a store error used to
show the absolute database path): :func:`public_message`.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable

from index.base import Store, StoreError

log = logging.getLogger(__name__)
INTEGRITY_EVERY = 600.0

# an absolute path (/var/lib/radar/radar.db, C:\radar\radar.db) not inside a URL
_PATH = re.compile(r"(?<![\w:/.])(?:/[\w.@+-]+)+/?|\b[A-Za-z]:\\[^\s'\"]+")


def public_message(message: str) -> str:
    """``message`` with every absolute file path replaced by its last part."""
    return _PATH.sub(lambda m: "…/" + re.split(r"[/\\]", m.group(0).rstrip("/\\"))[-1], message)


class StoreHealth:
    """The store's last integrity result, refreshed in the background by one long-lived
    thread (one store connection: SQLite keeps a connection per thread)."""

    def __init__(
        self,
        store: Store,
        every: float = INTEGRITY_EVERY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.every = every
        self.clock = clock
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._worker: threading.Thread | None = None
        self._problems: list[str] | None = None  # None: not checked yet
        self._checked_at: float | None = None
        self._running = False

    def integrity(self) -> list[str] | None:
        """The problems of the last quick check (None before the first one finished);
        starts a new check when the last is older than ``every``."""
        with self._lock:
            due = self._checked_at is None or self.clock() - self._checked_at >= self.every
            if due and not self._running:
                self._running = True
                if self._worker is None:
                    self._worker = threading.Thread(
                        target=self._loop, name="store-integrity", daemon=True
                    )
                    self._worker.start()
                self._wake.set()
            return self._problems

    def _loop(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            self._check()

    def _check(self) -> None:
        try:
            problems = self.store.check_integrity()
        except StoreError as exc:
            problems = [str(exc)]
        except Exception as exc:  # a probe must not die on an odd failure: report it
            log.exception("store integrity check failed")
            problems = [f"integrity check failed: {exc}"]
        if problems:
            log.error("store integrity: %s", "; ".join(problems))
        with self._lock:
            self._problems, self._checked_at, self._running = problems, self.clock(), False

    def wait(self, timeout: float = 30.0) -> None:
        """Until the running check has finished (tests)."""
        deadline = time.monotonic() + timeout
        while self._running and time.monotonic() < deadline:
            time.sleep(0.01)
