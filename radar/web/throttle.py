"""Login throttling: a limit on wrong passwords per address and per (user, address).

Without it 100 wrong passwords took 21 s and the right one still worked. An address
that has failed ``per_address`` times within ``window`` seconds (any names), or
``per_user`` times for one user name, is refused with 429 until its oldest failure in
the window is ``window`` old — before any password hash is checked, so a refused
attempt costs nothing. Attempts still being checked count as failures until they end,
so a burst of concurrent attempts cannot slip past the limit.

The limit is per address on purpose: a flood from one address never locks the real user
out from their own address. The address is the peer's (``request.client``); behind a
reverse proxy run uvicorn with ``--proxy-headers`` so it is the browser's.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass

WINDOW = 900.0  # 15 minutes
PER_USER = 5  # wrong passwords for one name from one address
PER_ADDRESS = 20  # wrong passwords from one address, any names
MAX_KEYS = 10_000  # remembered (name, address) and address keys before old ones are swept


@dataclass(frozen=True)
class Throttled(Exception):
    retry_after: int  # seconds


class LoginThrottle:
    def __init__(
        self,
        window: float = WINDOW,
        per_user: int = PER_USER,
        per_address: int = PER_ADDRESS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.window = window
        self.limits = {"user": per_user, "address": per_address}
        self.clock = clock
        self._lock = threading.Lock()
        self._failures: dict[tuple[str, ...], deque[float]] = defaultdict(deque)
        self._pending: dict[tuple[str, ...], int] = defaultdict(int)

    def _keys(self, user: str, address: str) -> dict[str, tuple[str, ...]]:
        return {"user": ("user", user, address), "address": ("address", address)}

    def begin(self, user: str, address: str) -> None:
        """Before checking a password: raises Throttled when over a limit, else counts
        the attempt as pending until :meth:`end`."""
        now = self.clock()
        with self._lock:
            keys = self._keys(user, address)
            for kind, key in keys.items():
                failures = self._failures[key]
                while failures and failures[0] <= now - self.window:
                    failures.popleft()
                if len(failures) + self._pending[key] >= self.limits[kind]:
                    oldest = failures[0] if failures else now
                    raise Throttled(max(1, int(oldest + self.window - now + 0.999)))
            for key in keys.values():
                self._pending[key] += 1

    def end(self, user: str, address: str, ok: bool) -> None:
        """After the check: a failure is remembered; a success forgets this address's
        failures for the user."""
        now = self.clock()
        with self._lock:
            for kind, key in self._keys(user, address).items():
                self._pending[key] -= 1
                if not self._pending[key]:
                    del self._pending[key]
                if not ok:
                    self._failures[key].append(now)
                elif kind == "user":
                    self._failures.pop(key, None)
            if len(self._failures) > MAX_KEYS:  # names and addresses seen long ago
                old = now - self.window
                stale = [k for k, f in self._failures.items() if not f or f[-1] <= old]
                for key in stale:
                    del self._failures[key]
