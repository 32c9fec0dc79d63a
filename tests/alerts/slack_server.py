"""A local HTTP server standing in for Slack's Web API (chat.postMessage), on 127.0.0.1.

It answers like Slack (``{"ok": true, "channel", "ts", "message"}``), records every
request, and can be told to misbehave: answer 429 with Retry-After, or fail (HTTP 503 /
drop the connection) to simulate an outage."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs

from tests.alerts.loopback import serve


@dataclass
class SlackState:
    requests: list[dict[str, Any]] = field(default_factory=list)  # accepted posts
    attempts: int = 0
    rate_limit: list[int] = field(default_factory=list)  # Retry-After for the next calls
    down: bool = False  # answer 503
    drop: bool = False  # close the connection without an answer
    refuse: dict[str, str] = field(default_factory=dict)  # channel -> error, e.g. not_in_channel
    seq: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def _handler(state: SlackState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # keep test output clean
            pass

        def _reply(
            self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
        ) -> None:
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(raw)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(raw)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            raw = self.rfile.read(length).decode()
            with state.lock:
                state.attempts += 1
                if state.drop:
                    self.close_connection = True
                    self.connection.close()
                    return
                if state.down:
                    self._reply(503, {"ok": False, "error": "service_unavailable"})
                    return
                if state.rate_limit:
                    wait = state.rate_limit.pop(0)
                    self._reply(
                        429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(wait)}
                    )
                    return
                if self.headers.get("Authorization") != "Bearer xoxb-test-token":
                    self._reply(200, {"ok": False, "error": "invalid_auth"})
                    return
                ctype = self.headers.get("Content-Type", "")
                if ctype.startswith("application/json"):
                    args = json.loads(raw)
                else:
                    args = {k: v[0] for k, v in parse_qs(raw).items()}
                    if isinstance(args.get("blocks"), str):
                        args["blocks"] = json.loads(args["blocks"])
                if not args.get("channel"):
                    self._reply(200, {"ok": False, "error": "channel_not_found"})
                    return
                if args["channel"] in state.refuse:
                    self._reply(200, {"ok": False, "error": state.refuse[args["channel"]]})
                    return
                state.seq += 1
                ts = f"1700000000.{state.seq:06d}"
                state.requests.append({"method": self.path.rsplit("/", 1)[-1], **args, "ts": ts})
                self._reply(
                    200,
                    {
                        "ok": True,
                        "channel": args["channel"],
                        "ts": ts,
                        "message": {"text": args.get("text", ""), "ts": ts},
                    },
                )

    return Handler


@contextmanager
def slack_stand_in() -> Iterator[tuple[str, SlackState]]:
    """Yields (base_url for slack-sdk, state)."""
    state = SlackState()
    with serve(_handler(state)) as base:
        yield f"{base}/api/", state
