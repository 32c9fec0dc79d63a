"""A client generated from the OpenAPI document (openapi-python-client, generated here
from the document the running server hands out, so it cannot be stale) searches, pages
through a day's mentions and acknowledges a case against the API on a real socket."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import httpx

from tests.web.api_server import TOKEN, serving
from tests.web.conftest import CASE_ID, NOW

GENERATOR = Path(sys.executable).with_name("openapi-python-client")


def generate(url: str, where: Path) -> None:
    document = httpx.get(
        f"{url}/openapi.json", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60
    )
    assert document.status_code == 200
    path = where / "openapi.json"
    path.write_text(document.text, encoding="utf-8")
    env = {**os.environ, "PATH": f"{GENERATOR.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    run = subprocess.run(
        [str(GENERATOR), "generate", "--path", str(path), "--meta", "none",
         "--output-path", str(where / "radar_client")],
        capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr


def test_generated_client_searches_pages_a_day_and_acknowledges(tmp_path: Path) -> None:
    with serving(tmp_path) as url:
        generate(url, tmp_path)
        sys.path.insert(0, str(tmp_path))
        try:
            client_mod = importlib.import_module("radar_client")
            from radar_client.api.care import search
            from radar_client.api.integrations import export
            from radar_client.api.pr import acknowledge
            from radar_client.models import Case, SearchOut, TimeRange

            # generous: this machine may be busy
            client = client_mod.AuthenticatedClient(
                base_url=url, token=TOKEN, timeout=httpx.Timeout(60)
            )
            with client as c:
                # search, page by page with the opaque cursor
                ids: list[str] = []
                page = search.sync(client=c, q="车主反馈", range_=TimeRange("all"), limit=50)
                while True:
                    assert isinstance(page, SearchOut), page
                    ids += [hit.mention.id for hit in page.hits]
                    if not page.next_cursor:
                        break
                    page = search.sync(client=c, cursor=page.next_cursor)
                assert len(ids) == len(set(ids)) == page.total == 200

                # a day's mentions through the NDJSON export, 80 lines a request
                day: list[str] = []
                cursor = None
                while True:
                    if cursor is None:
                        answer = export.sync_detailed(
                            client=c, since=NOW - timedelta(days=1), until=NOW, limit=80
                        )
                    else:
                        answer = export.sync_detailed(client=c, cursor=cursor, limit=80)
                    assert answer.status_code == 200
                    lines = [json.loads(x) for x in answer.content.decode().splitlines()]
                    day += [line["mention"]["id"] for line in lines]
                    if len(lines) < 80:
                        break
                    cursor = lines[-1]["cursor"]
                assert len(day) == len(set(day)) and set(ids) <= set(day)

                case = acknowledge.sync(client=c, case_id=CASE_ID)
                assert isinstance(case, Case) and case.status == "acknowledged"
                again = acknowledge.sync(client=c, case_id=CASE_ID)
                assert again.status == 409 and again.code == "conflict"  # a Problem
        finally:
            sys.path.remove(str(tmp_path))
            for name in [m for m in sys.modules if m.split(".")[0] == "radar_client"]:
                del sys.modules[name]
