"""Fixture HTTP server for the crawler tests and bench/crawl.py (see server.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


class MockServer:
    """Starts ``python -m tests.crawlers.mockserver`` on 127.0.0.1 and stops it."""

    def __init__(self, env: dict[str, str] | None = None):
        self.env = env
        self.proc: subprocess.Popen[str] | None = None
        self.port = 0

    def __enter__(self) -> MockServer:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.crawlers.mockserver"],
            cwd=REPO,
            stdout=subprocess.PIPE,
            text=True,
            env=self.env,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.strip().isdigit():
            self.proc.kill()
            raise RuntimeError(f"mock server did not start: {line!r}")
        self.port = int(line)
        return self

    def url(self, site: str) -> str:
        return f"http://127.0.0.1:{self.port}/{site}"

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            if self.proc.stdout is not None:
                self.proc.stdout.close()
