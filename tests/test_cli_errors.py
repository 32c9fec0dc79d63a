"""CLI robustness: every radar command reports a store it cannot open in one line
(exit 1), not with a traceback; crawled text in terminal tables is text, not markup."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from radar.cli import cli

COMMANDS = [
    ["status"],
    ["alerts", "evaluate"],
    ["alerts", "deliver"],
    ["alerts", "digest"],
    ["crawl", "s"],
    ["search", "漏油"],
    ["store", "copy", "--to", "sqlite:///{tmp}/copy.db"],
]


@pytest.fixture
def corrupt_store_config(tmp_path: Path) -> Path:
    db = tmp_path / "radar.db"
    db.write_bytes(b"this is not a SQLite database " * 400)
    config = tmp_path / "radar.yaml"
    config.write_text(
        f"store: {{url: 'sqlite:///{db}'}}\n"
        "brands: [{name: 极光汽车}]\n"
        "sources: [{name: s, kind: feed, base_url: 'http://127.0.0.1:9', feeds: [/rss.xml]}]\n",
        encoding="utf-8",
    )
    return config


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_a_corrupt_store_is_one_line_and_exit_1(
    corrupt_store_config: Path, tmp_path: Path, args: list[str]
) -> None:
    args = [a.format(tmp=tmp_path) for a in args]
    result = CliRunner().invoke(cli, [*args, "--config", str(corrupt_store_config)])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "store error: cannot open SQLite store" in result.output
    assert "file is not a database" in result.output


def test_no_traceback_from_the_installed_command(corrupt_store_config: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "radar", "status", "--config", str(corrupt_store_config)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("store error: cannot open SQLite store")


def test_status_prints_crawled_text_as_text_not_rich_markup(tmp_path: Path) -> None:
    """A case title holds an author name from a post: '[/]' used to crash `radar status`
    (rich MarkupError) and '[link=…]' would have become a terminal hyperlink."""
    from index import open_store
    from index.models import Case

    db = tmp_path / "radar.db"
    with open_store(f"sqlite:///{db}") as store:
        store.save_case(
            Case(
                id="c1",
                brand="极光汽车",
                rule="high_reach",
                title="极光汽车: negative post by [/]作者[b] [link=http://evil.example]点我[/link]",
            )
        )
    config = tmp_path / "radar.yaml"
    config.write_text(f"store: {{url: 'sqlite:///{db}'}}\nbrands: [{{name: 极光汽车}}]\n")
    result = CliRunner().invoke(cli, ["status", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "[/]作者[b]" in result.output and "[link=http://evil.example]" in result.output


def test_a_second_service_over_the_same_store_names_the_store_and_the_way_out(
    tmp_path: Path,
) -> None:
    """Two configs over one store (a copied demo config): the second ``radar run`` stops at
    once naming the store and what to change, and says nothing of stopping jobs it never
    started."""
    import fcntl

    db = tmp_path / "radar.db"
    config = tmp_path / "second.yaml"
    config.write_text(f"store: {{url: 'sqlite:///{db}'}}\nbrands: [{{name: a}}]\n", "utf-8")
    with (tmp_path / "radar-jobs.lock").open("a+") as held:  # the first service's lock
        held.write("4242")
        held.flush()
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = CliRunner().invoke(cli, ["run", "--config", str(config)])
    assert result.exit_code == 1, result.output
    assert "another radar service (pid 4242) is already running over this store" in result.output
    assert f"sqlite:///{db}" in result.output
    assert "its own store.url and web.port" in result.output
    assert "stopping" not in result.output and "stopped" not in result.output
