"""``radar run``'s start-up banner showed only the delivery warnings, not the others
``radar config check`` gives (a user who cannot sign in, a term two brands share, …).
Both now print radar.checks.config_warnings, so a warning added there reaches both."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from radar.cli import cli
from radar.service import Service

from .conftest import BRANDS, demo_config, free_port


def _config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RADAR_TEST_HOOK", "http://relay.example/send?key=SECRET")
    data = demo_config(tmp_path, free_port())
    # 星辰手机 also claims 极光汽车's keyword; 'nobody' has no hash at all
    data["brands"] = [*BRANDS[:3], {**BRANDS[3], "keywords": ["星辰手机", "极光X7"]}]
    data["web"] = {**data["web"], "users": [{"name": "nobody", "role": "care"}]}  # type: ignore[dict-item]
    # a robot on plain http, and no web.public_url: two delivery warnings
    data["notify"] = {"wecom": [{"name": "pr", "webhook": {"$env": "RADAR_TEST_HOOK"}}]}
    path = tmp_path / "radar.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _banner_warnings(path: Path) -> list[str]:
    out = io.StringIO()
    Service(str(path), out=out)._banner({"kept": [], "added": [], "removed": []})
    prefix = "  warning    "
    return [line[len(prefix) :] for line in out.getvalue().splitlines() if line.startswith(prefix)]


def _check_warnings(path: Path) -> list[str]:
    res = CliRunner().invoke(cli, ["config", "check", str(path)])
    assert res.exit_code == 0, res.output  # valid: warnings, not errors
    prefix = f"warning: {path}: "
    return [line[len(prefix) :] for line in res.output.splitlines() if line.startswith(prefix)]


def test_the_banner_gives_the_warnings_config_check_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _config(tmp_path, monkeypatch)
    checked = _check_warnings(path)
    assert any("'nobody' has neither password_hash nor api_token_hash" in w for w in checked)
    assert any("'极光X7' is a term of both '极光汽车'" in w for w in checked)
    assert any(w.startswith("web.public_url: not set") for w in checked)  # delivery ones
    assert any(w.startswith("notify.wecom[0].webhook: plain http") for w in checked)
    assert _banner_warnings(path) == checked


def test_a_config_that_watches_nothing_is_warned_of_in_both(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _config(tmp_path, monkeypatch)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["sources"] = []
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    said = "sources: none configured — nothing is crawled"
    assert said in _check_warnings(path)
    assert said in _banner_warnings(path)
