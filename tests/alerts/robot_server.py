"""A local HTTP server standing in for the WeCom, DingTalk and Feishu robot webhooks, on
127.0.0.1, checking what each platform checks:

- WeCom ``POST /wecom/send?key=K`` → ``{"errcode": 0}``; 93000 for an unknown key;
- DingTalk ``POST /dingtalk/send?access_token=T&timestamp=&sign=`` — the 加签 signature
  over ``timestamp\\nsecret`` and a timestamp within an hour, else 310000; 400101 for an
  unknown token;
- Feishu ``POST /feishu/hook/T`` with ``timestamp``/``sign`` in the body (HMAC keyed
  by ``timestamp\\nsecret``), else 19021; 19001 for an unknown token.

Each enforces its documented rate (WeCom, DingTalk 20 a minute, Feishu 100; real time)
with its own error code, and can be told to answer that code (``rate_limit``), to be
down (HTTP 503) or to refuse the token (``refuse``). ``accepted`` holds what it took."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from tests.alerts.loopback import serve

TOKENS = {"wecom": "wecom-key-1", "dingtalk": "ding-token-1", "feishu": "feishu-token-1"}
SECRETS = {"dingtalk": "SECding0123456789", "feishu": "feishu-secret-42"}
PER_MINUTE = {"wecom": 20, "dingtalk": 20, "feishu": 100}
RATE_ANSWER = {
    "wecom": {"errcode": 45009, "errmsg": "api freq out of limit"},
    "dingtalk": {"errcode": 410100, "errmsg": "send too fast, exceed 20 times per minute"},
    "feishu": {"code": 11232, "msg": "frequency limited"},
}
REFUSED_ANSWER = {
    "wecom": {"errcode": 93000, "errmsg": "invalid webhook url"},
    "dingtalk": {"errcode": 400101, "errmsg": "access_token不存在"},
    "feishu": {"code": 19001, "msg": "param invalid: incoming webhook access token invalid"},
}
OK_ANSWER = {
    "wecom": {"errcode": 0, "errmsg": "ok"},
    "dingtalk": {"errcode": 0, "errmsg": "ok"},
    "feishu": {"code": 0, "msg": "success", "data": {}},
}


@dataclass
class RobotState:
    accepted: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {k: [] for k in TOKENS}
    )
    attempts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TOKENS, 0))
    bad_signatures: int = 0
    rate_limit: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TOKENS, 0))
    down: set[str] = field(default_factory=set)
    refuse: set[str] = field(default_factory=set)
    window: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in TOKENS})
    over_pace: int = 0  # requests beyond the documented rate (must stay 0)
    clock: Callable[[], float] = time.monotonic  # tests on simulated time set theirs
    lock: threading.Lock = field(default_factory=threading.Lock)


def _dingtalk_ok(query: dict[str, list[str]]) -> bool:
    ts, sign = query.get("timestamp", [""])[0], query.get("sign", [""])[0]
    if not ts.isdigit() or abs(time.time() * 1000 - int(ts)) > 3600_000:
        return False
    secret = SECRETS["dingtalk"]
    mac = hmac.new(secret.encode(), f"{ts}\n{secret}".encode(), hashlib.sha256).digest()
    return hmac.compare_digest(base64.b64encode(mac).decode(), unquote(sign))


def _feishu_ok(body: dict[str, Any]) -> bool:
    ts, sign = str(body.get("timestamp", "")), str(body.get("sign", ""))
    if not ts.isdigit() or abs(time.time() - int(ts)) > 3600:
        return False
    key = f"{ts}\n{SECRETS['feishu']}".encode()
    expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    return hmac.compare_digest(expected, sign)


def _handler(state: RobotState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _reply(self, status: int, body: dict[str, Any]) -> None:
            raw = json.dumps(body, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def do_POST(self) -> None:
            url = urlparse(self.path)
            kind = url.path.strip("/").split("/")[0]
            query = parse_qs(url.query)
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            with state.lock:
                if kind not in TOKENS:
                    self._reply(404, {})
                    return
                state.attempts[kind] += 1
                if kind in state.down:
                    self._reply(503, {"error": "down"})
                    return
                token = {
                    "wecom": query.get("key", [""])[0],
                    "dingtalk": query.get("access_token", [""])[0],
                    "feishu": url.path.rsplit("/", 1)[-1],
                }[kind]
                if kind in state.refuse or token != TOKENS[kind]:
                    self._reply(200, REFUSED_ANSWER[kind])
                    return
                if (kind == "dingtalk" and not _dingtalk_ok(query)) or (
                    kind == "feishu" and not _feishu_ok(body)
                ):
                    state.bad_signatures += 1
                    answer = (
                        {"errcode": 310000, "errmsg": "sign not match"}
                        if kind == "dingtalk"
                        else {"code": 19021, "msg": "sign match fail"}
                    )
                    self._reply(200, answer)
                    return
                now = state.clock()
                recent = [t for t in state.window[kind] if now - t < 60]
                if state.rate_limit[kind] or len(recent) >= PER_MINUTE[kind]:
                    if not state.rate_limit[kind]:
                        state.over_pace += 1
                    state.rate_limit[kind] = max(0, state.rate_limit[kind] - 1)
                    self._reply(200, RATE_ANSWER[kind])
                    return
                state.window[kind] = [*recent, now]
                state.accepted[kind].append(body)
                self._reply(200, OK_ANSWER[kind])

    return Handler


@contextmanager
def robot_stand_in() -> Iterator[tuple[str, RobotState]]:
    """Yields (base URL, state)."""
    state = RobotState()
    with serve(_handler(state)) as base:
        yield base, state


def webhook_url(base: str, kind: str) -> str:
    token = TOKENS[kind]
    return {
        "wecom": f"{base}/wecom/send?key={token}",
        "dingtalk": f"{base}/dingtalk/send?access_token={token}",
        "feishu": f"{base}/feishu/hook/{token}",
    }[kind]
