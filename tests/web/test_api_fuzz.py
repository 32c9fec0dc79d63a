"""Schemathesis against the JSON API on a real socket: every check (schema conformance of
answers and errors, status codes, content types, positive and negative data, auth), the
stateful phase following the links between operations, a fixed seed and a bounded number
of examples (schemathesis.toml). Zero failures is the bar; a document that drifts from the
server fails the same run. ``make api-fuzz`` runs this file.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from radar.web.app import create_app
from tests.web.api_server import TOKEN, serving

ROOT = Path(__file__).resolve().parents[2]
ST = Path(sys.executable).with_name("st")


def schemathesis(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    command = [str(ST), "--config-file", str(ROOT / "schemathesis.toml"), "run",
               f"{url}/openapi.json", "-H", f"Authorization: Bearer {TOKEN}", *args]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=ROOT)


def test_schemathesis_finds_nothing(tmp_path: Path) -> None:
    with serving(tmp_path) as url:
        run = schemathesis(url, "--report", "junit", "--report-dir", str(tmp_path / "report"))
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert "No issues found" in run.stdout and "Stateful" in run.stdout
    # the stateful phase follows the document's links (search hit -> mention, board ->
    # case): without them it covered none ("API Links: 0 covered / 91 selected")
    covered = re.search(r"API Links:\s+(\d+) covered", run.stdout)
    assert covered and int(covered.group(1)) > 0, run.stdout[-3000:]


def drifted_app(*args: Any, **kwargs: Any) -> Any:
    """The app whose document drifted: it says a search's ``total`` is a string."""
    app = create_app(*args, **kwargs)
    app.openapi()["components"]["schemas"]["SearchOut"]["properties"]["total"] = {"type": "string"}
    return app


def test_a_document_that_drifts_from_the_server_fails(tmp_path: Path) -> None:
    with serving(tmp_path, drifted_app) as url:
        run = schemathesis(url, "--include-path", "/api/v1/search", "--phases", "fuzzing")
    assert run.returncode != 0, run.stdout[-3000:]
    assert "Response violates schema" in run.stdout, run.stdout[-3000:]
