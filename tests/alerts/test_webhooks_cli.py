"""``radar webhooks add / list / rotate-secret / remove`` and ``radar status`` showing a
dead letter."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner

from alerts import outbox
from index import open_store
from radar.cli import cli


def test_webhooks_commands(tmp_path: Path) -> None:
    db = tmp_path / "radar.db"
    config = tmp_path / "radar.yaml"
    config.write_text(f"store: {{url: 'sqlite:///{db}'}}\nbrands: [{{name: 极光汽车}}]\n")

    def radar(*args: str) -> str:
        result = CliRunner().invoke(cli, [*args, "--config", str(config)])
        assert result.exit_code == 0, result.output
        return result.output

    out = radar(
        "webhooks",
        "add",
        "https://hooks.example/radar",
        "--severity",
        "P1,P2",
        "--event",
        "case.opened",
        "--brand",
        "极光汽车",
    )
    sub_id = out.split()[1]
    secret = out.split()[3]
    listed = json.loads(radar("webhooks", "list", "--json"))
    [sub] = listed["subscribers"]
    assert sub["id"] == sub_id and sub["severities"] == ["P1", "P2"]
    assert secret not in json.dumps(listed)  # never shown again
    rotated = radar("webhooks", "rotate-secret", sub_id, "--grace", "2h")
    assert "secret:" in rotated and secret not in rotated
    # the grace's end named UTC, to the minute (it read '…T01:34:15.470895+00:00')
    assert re.search(r"signs too until \d{4}-\d\d-\d\d \d\d:\d\d UTC$", rotated.strip())

    bad = CliRunner().invoke(
        cli, ["webhooks", "add", "ftp://x", "--event", "case.lost", "--config", str(config)]
    )
    assert bad.exit_code == 2 and "not an http(s) URL" in bad.output
    bad = CliRunner().invoke(
        cli, ["webhooks", "add", "https://h.example", "--brand", "无名", "--config", str(config)]
    )
    assert bad.exit_code == 2 and "unknown brand '无名'" in bad.output

    with open_store(f"sqlite:///{db}") as store:  # an event given up on
        key = f"c1:event:1@webhook:{sub_id}"
        now = datetime(2026, 9, 15, tzinfo=UTC)
        outbox.enqueue(store, key, f"webhook:{sub_id}", {"kind": "webhook"}, now, case_id="c1")
        store.mark_notification_failed(
            key, "[failure 12] dead letter after 12 failures: HTTP 500", outbox.DEAD_LETTER_AT
        )
    status = radar("status")
    assert "1 subscriber(s), 1 dead letter(s)" in status and key in status
    assert f"dead letter {key}" in radar("webhooks", "list")

    assert f"removed {sub_id}" in radar("webhooks", "remove", sub_id)
    assert "no webhook subscribers" in radar("webhooks", "list")


def test_an_unknown_subscriber_is_a_usage_error_naming_the_list(tmp_path: Path) -> None:
    """Exit 2 like ``radar web token revoke`` with an unknown id (was 1 for remove)."""
    config = tmp_path / "radar.yaml"
    config.write_text(f"store: {{url: 'sqlite:///{tmp_path / 'radar.db'}'}}\n")
    for args in (["remove", "wh-nope"], ["rotate-secret", "wh-nope"]):
        result = CliRunner().invoke(cli, ["webhooks", *args, "--config", str(config)])
        assert result.exit_code == 2, result.output
        assert "Invalid value for SUB_ID" in result.output
        assert "'wh-nope'" in result.output
        assert result.output.count("see `radar webhooks list`") == 1


def test_status_says_why_a_target_waits(tmp_path: Path) -> None:
    """``radar status`` named only how many messages waited per target: a robot refusing
    its token for good (kept, retried at the longest back-off) read like a busy one."""
    db = tmp_path / "radar.db"
    config = tmp_path / "radar.yaml"
    config.write_text(f"store: {{url: 'sqlite:///{db}'}}\n")
    now = datetime(2026, 9, 15, tzinfo=UTC)
    refused = "[failure 3] refused: dingtalk:care: error 310000 sign not match"
    waits = {
        "c1:alert@dingtalk:care": refused,
        "c1:event:2@dingtalk:care": "[failure 0] waiting for c1:alert@dingtalk:care",
        "c1:alert@wecom:pr": "[failure 0] wecom:pr keeps its documented pace",
        "c1:alert": "SlackApiError: timed out",
        "c1:event:3": "waiting for the case message",
    }
    with open_store(f"sqlite:///{db}") as store:
        for key, error in waits.items():
            channel = key.partition("@")[2] or "#radar-alerts"
            outbox.enqueue(store, key, channel, {"kind": "case"}, now, case_id="c1")
            store.mark_notification_failed(key, error, now)
        failing = outbox.failing_by_target(store)
    assert failing == {
        "dingtalk:care": {
            "key": "c1:alert@dingtalk:care",
            "failures": 3,
            "error": "refused: dingtalk:care: error 310000 sign not match",
        },
        "#radar-alerts": {"key": "c1:alert", "failures": 1, "error": "SlackApiError: timed out"},
    }
    result = CliRunner().invoke(cli, ["status", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "dingtalk:care failing (3×): refused: dingtalk:care: error 310000 sign not match" in (
        result.output
    )
    assert "wecom:pr failing" not in result.output  # keeping its pace is no failure
    report = json.loads(
        CliRunner().invoke(cli, ["status", "--json", "--config", str(config)]).output
    )
    assert report["outbox"]["failing"]["dingtalk:care"]["failures"] == 3
