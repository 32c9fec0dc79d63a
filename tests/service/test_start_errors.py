"""``radar run`` stops at start-up, naming the file and key, when its store cannot be
used — it announced itself as running and then every crawl, evaluation and delivery
failed with a traceback (an Elasticsearch address nobody listens on), or it died with a
raw FileNotFoundError traceback (a store folder that cannot be made)."""

from __future__ import annotations

import socket
from pathlib import Path

import yaml
from click.testing import CliRunner

from radar.cli import cli
from tests.service.conftest import free_port


def _config(tmp_path: Path, store_url: str) -> Path:
    path = tmp_path / "radar.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "store": {"url": store_url},
                "brands": [{"name": "极光汽车"}],
                "web": {"port": free_port()},
                "scheduler": {"jobs_db": str(tmp_path / "var" / "jobs.db")},
            },
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    return path


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_an_unreachable_elasticsearch_stops_start_up_naming_file_and_key(
    tmp_path: Path,
) -> None:
    port = free_port()  # nothing listens there
    config = _config(tmp_path, f"http://127.0.0.1:{port}")
    result = CliRunner().invoke(cli, ["run", "--config", str(config)])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert (
        f"store error: {config}: store.url: Elasticsearch at http://127.0.0.1:{port} is unreachable"
    ) in result.output
    assert "service running" not in result.output
    assert "Traceback" not in result.output


def test_a_store_folder_that_cannot_be_made_stops_start_up_in_one_line(
    tmp_path: Path,
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the store's folder should be", encoding="utf-8")
    config = _config(tmp_path, f"sqlite:///{blocker / 'radar.db'}")
    result = CliRunner().invoke(cli, ["run", "--config", str(config)])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert f"store error: {config}: store.url: cannot create the folder" in result.output
    assert "service running" not in result.output
    web_port = yaml.safe_load(config.read_text(encoding="utf-8"))["web"]["port"]
    assert not _listening(web_port)


def test_a_lock_folder_that_cannot_be_made_names_scheduler_jobs_db(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    config = _config(tmp_path, f"sqlite:///{tmp_path / 'radar.db'}")
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["scheduler"]["jobs_db"] = str(blocker / "jobs.db")
    config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = CliRunner().invoke(cli, ["run", "--config", str(config)])
    assert result.exit_code == 1, result.output
    assert f"error: {config}: scheduler.jobs_db: cannot create the service's lock file" in (
        result.output
    )
    assert "Traceback" not in result.output
