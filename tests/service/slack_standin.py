"""A Slack Web API stand-in on loopback (chat.postMessage / chat.update), which the tests
can make fail, recording every call it answers."""

from __future__ import annotations

import json
import threading
import time
from typing import Any
from urllib.parse import parse_qs

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


class SlackStandIn:
    def __init__(self, port: int) -> None:
        self.port = port
        self.failing = False
        self.delivered: list[dict[str, Any]] = []  # calls answered ok
        self.refused = 0
        self._lock = threading.Lock()
        self._ts = 0
        app = Starlette(
            routes=[
                Route("/api/chat.postMessage", self.post, methods=["POST"]),
                Route("/api/chat.update", self.post, methods=["POST"]),
            ]
        )
        self._server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
        )
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    async def post(self, request: Request) -> JSONResponse:
        raw = (await request.body()).decode("utf-8")
        if request.headers.get("content-type", "").startswith("application/json"):
            args = json.loads(raw or "{}")
        else:
            args = {k: v[0] for k, v in parse_qs(raw).items()}
        with self._lock:
            if self.failing:
                self.refused += 1
                return JSONResponse({"ok": False, "error": "internal_error"})
            self._ts += 1
            ts = f"1700000000.{self._ts:06d}"
            self.delivered.append({"method": request.url.path.rsplit("/", 1)[1], "ts": ts, **args})
        return JSONResponse({"ok": True, "channel": args.get("channel", "C0"), "ts": ts})

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            assert time.monotonic() < deadline, "Slack stand-in did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)
