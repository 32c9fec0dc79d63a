"""The commented-out notify / webhooks blocks of the example configs are valid once
uncommented (with their environment variables set): the examples cannot drift."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from config.loader import validate_data

ROOT = Path(__file__).resolve().parents[2]


def uncommented(path: Path) -> str:
    """The file with its ``# notify:`` … ``# webhooks:`` block uncommented."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = lines.index("# notify:")
    out = lines[:start]
    for line in lines[start:]:
        if not line.startswith("#"):
            out.append(line)
            continue
        out.append(line[2:] if line.startswith("# ") else line[1:])
        if line.startswith("#   rotation_grace"):
            out += lines[len(out) :]
            break
    return "\n".join(out)


@pytest.mark.parametrize("name", ["example-production.yaml", "demo.yaml"])
def test_commented_notify_block_is_valid(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    text = uncommented(ROOT / "config" / name)
    for env in set(re.findall(r"\$env: (\w+)", text)):
        value = "k7Qp2vX9mZr4Lw8sTb6nYc3Hd5Jf1Ga0"
        if "HASH" in env:
            value = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo"
        if "WEBHOOK" in env:  # a robot's webhook variable holds its URL
            value = f"https://robots.example/send?key={value}"
        monkeypatch.setenv(env, value)
    data = yaml.safe_load(text)
    if name == "demo.yaml":
        data["notify"].pop("escalation")  # the demo has no Slack ladder to name steps of
    config = validate_data(data, name)
    assert {"wecom:pr-group", "dingtalk:care", "feishu:exec", "email:executives"} <= (
        config.notify.known_targets()
    )
    assert config.webhooks.max_attempts == 12
