"""``radar run`` stops on SIGTERM/SIGINT even when the signal lands while the main thread
is inside ``Event.wait`` holding the event's lock (a handler that called ``Event.set``
blocked there forever)."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import yaml

from radar.service import Service

from .conftest import demo_config, free_port


def _service(tmp_path: Path) -> Service:
    path = tmp_path / "radar.yaml"
    path.write_text(yaml.safe_dump(demo_config(tmp_path, free_port())), encoding="utf-8")
    return Service(str(path))


def test_the_signal_handler_never_takes_the_stop_events_lock(tmp_path: Path) -> None:
    service = _service(tmp_path)
    done = threading.Event()

    def signal_inside_wait() -> None:
        with service._stop._cond:  # what Event.wait holds when a signal can arrive
            service._on_signal(signal.SIGTERM, None)
        done.set()

    worker = threading.Thread(target=signal_inside_wait, daemon=True)
    worker.start()
    worker.join(timeout=5)
    assert done.is_set(), "the handler blocked on the lock its own thread holds"


def test_sigterm_ends_wait(tmp_path: Path) -> None:
    service = _service(tmp_path)
    previous = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGTERM))
    try:
        timer.start()
        started = time.monotonic()
        service.wait()
        assert time.monotonic() - started < 5
    finally:
        timer.cancel()
        signal.signal(signal.SIGTERM, previous[0])
        signal.signal(signal.SIGINT, previous[1])
