"""The CLI cannot drift from its documents: every command is in docs/operations.md's CLI
table, every option says what it does, and a document a help text points to exists."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from radar.cli import cli

REPO = Path(__file__).resolve().parents[1]
OPERATIONS = REPO / "docs" / "operations.md"


def commands(cmd: click.Command = cli, path: tuple[str, ...] = ("radar",)) -> Iterator[tuple]:
    if isinstance(cmd, click.Group):
        for name, sub in sorted(cmd.commands.items()):
            yield from commands(sub, (*path, name))
    else:
        yield path, cmd


LEAVES = list(commands())


def test_every_command_is_in_the_operations_table() -> None:
    """A leaf ``radar a b`` is named as `radar a b…` or, after one of its group's, as a
    `/ b` alternative in the same row."""
    rows = [
        line for line in OPERATIONS.read_text(encoding="utf-8").splitlines() if line[:3] == "| `"
    ]
    missing = []
    for path, _ in LEAVES:
        name = " ".join(path)
        group = " ".join(path[:-1])
        if not any(
            f"`{name}`" in row
            or f"`{name} " in row
            or (f"`{group} " in row and re.search(rf"[/`]\s*`?{re.escape(path[-1])}\b", row))
            for row in rows
        ):
            missing.append(name)
    assert not missing, f"docs/operations.md's CLI table lacks: {missing}"


@pytest.mark.parametrize(
    "path,cmd", LEAVES, ids=lambda v: " ".join(v) if isinstance(v, tuple) else ""
)
def test_every_command_and_option_says_what_it_does(
    path: tuple[str, ...], cmd: click.Command
) -> None:
    assert (cmd.help or "").strip(), f"{' '.join(path)} has no help"
    silent = [p.opts[0] for p in cmd.params if isinstance(p, click.Option) and not p.help]
    assert not silent, f"{' '.join(path)}: options without help: {silent}"


def test_documents_named_in_help_exist() -> None:
    texts = [cmd.help or "" for _, cmd in LEAVES]
    texts += [g.help or "" for g in cli.commands.values()]
    named = {m for t in texts for m in re.findall(r"docs/[\w-]+\.md", t)}
    assert all((REPO / d).is_file() for d in named), named
    assert not any('(README, "' in t for t in texts), "the README has no sections to point to"
