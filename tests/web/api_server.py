"""The API under test on a real socket: the web tests' deployment (tests/web/conftest.py)
over a SQLite store seeded with their mentions and cases in every state, served by
uvicorn on 127.0.0.1. Used by the Schemathesis run (test_api_fuzz.py, ``make api-fuzz``)
and the generated-client test.

``python -m tests.web.api_server DIR`` serves it until interrupted and prints its URL.
"""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from index import Store, open_store
from index.models import Case, CaseEvent, CaseStatus, Severity
from radar.web.app import create_app
from tests.web.conftest import CASE_ID, NOW, SEED, api_token, make_config, mention

TOKEN = api_token("admin")


def seed(store: Store) -> None:
    """The web tests' mentions, a day of traffic to page through, and a case in each state."""
    store.upsert_mentions(SEED)
    store.upsert_mentions(
        mention(100 + i, f"极光汽车 第{i}条 车主反馈 漏油", minutes_ago=5 + 7 * i,
                label=("negative", "neutral", "positive")[i % 3])
        for i in range(200)
    )  # fmt: skip
    for n, status in enumerate(CaseStatus):
        case_id = CASE_ID if status == CaseStatus.open else f"case-{status.value}"
        store.save_case(
            Case(
                id=case_id, brand="极光汽车", rule="negative_surge", severity=Severity.P1,
                title=f"极光汽车 负面激增 {n}", status=status,
                opened_at=NOW - timedelta(minutes=25 + n), updated_at=NOW,
                trigger={"stories": 12}, evidence=["demo-weibo:1", "demo-weibo:2"],
                ack_due_at=NOW + timedelta(minutes=5),
            )
        )  # fmt: skip
        store.append_case_event(CaseEvent(case_id=case_id, at=NOW, kind="alerted", text="surge"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def on_loopback(app: Any) -> Iterator[str]:
    """``app`` served by uvicorn on a free 127.0.0.1 port in a thread; yields its URL."""
    import uvicorn

    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{server.config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextlib.contextmanager
def serving(directory: Path, app_factory: Any = create_app) -> Iterator[str]:
    """The seeded app on a free loopback port; yields its base URL."""
    store = open_store(f"sqlite:///{directory}/api.db")
    seed(store)
    app = app_factory(make_config(), store, clock=lambda: NOW)
    app.state.rate_limit.configure("100000/minute")  # the fuzzer is one fast client
    try:
        with on_loopback(app) as url:
            yield url
    finally:
        store.close()


if __name__ == "__main__":
    with serving(Path(sys.argv[1])) as url:
        print(url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
