"""A subscriber's endpoint on 127.0.0.1: verifies the signature with the secrets it
knows (alerts.notifiers.webhook.verify, the check the README documents), answers 401
to a bad one, dedupes by Idempotency-Key, and can be down (503) or broken (500)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from alerts.notifiers.webhook import verify
from tests.alerts.loopback import serve


@dataclass
class ReceiverState:
    secrets: list[str] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)  # taken, first time each
    headers: list[dict[str, str]] = field(default_factory=list)
    duplicates: int = 0
    rejected: int = 0  # bad signature
    status: int = 200  # 503 = down, 500 = broken, 429 = slow down
    retry_after: str | None = None  # the Retry-After header of a 429
    attempts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def _handler(state: ReceiverState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _answer(self, status: int) -> None:
            self.send_response(status)
            if status == 429 and state.retry_after is not None:
                self.send_header("Retry-After", state.retry_after)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with state.lock:
                state.attempts += 1
                if state.status != 200:
                    self._answer(state.status)
                    return
                ok = verify(
                    state.secrets,
                    self.headers.get("X-Radar-Timestamp", ""),
                    body,
                    self.headers.get("X-Radar-Signature", ""),
                )
                if not ok:
                    state.rejected += 1
                    self._answer(401)
                    return
                key = self.headers.get("Idempotency-Key", "")
                if any(e["id"] == key for e in state.events):
                    state.duplicates += 1
                else:
                    state.events.append(json.loads(body))
                    state.headers.append(dict(self.headers))
                self._answer(204)

    return Handler


@contextmanager
def webhook_receiver(
    port: int = 0, state: ReceiverState | None = None
) -> Iterator[tuple[str, ReceiverState]]:
    state = state or ReceiverState()
    with serve(_handler(state), port) as base:
        yield f"{base}/radar-events", state
