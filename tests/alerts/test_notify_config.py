"""The notify config (robots, mail, routes to them): mistakes named with file and key."""

from __future__ import annotations

from typing import Any

import pytest

from config import ConfigError
from config.loader import validate_data

HOOK = {"$env": "RADAR_TEST_HOOK"}


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RADAR_TEST_HOOK", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k")
    monkeypatch.setenv("RADAR_TEST_FTP", "ftp://open.feishu.cn/open-apis/bot/v2/hook/secret-token")
    monkeypatch.setenv("RADAR_TEST_BARE", "qyapi.weixin.qq.com/cgi-bin/webhook/send?key=secret")


def notify(**extra: Any) -> dict[str, Any]:
    return {"notify": {"wecom": [{"name": "pr", "webhook": HOOK}], **extra}}


def test_a_full_notify_block_is_valid() -> None:
    cfg = validate_data(
        {
            "slack": {"escalation": [{"name": "executive", "channel": "#exec"}]},
            "notify": {
                "wecom": [{"name": "pr", "webhook": HOOK, "fallback": "email:execs"}],
                "dingtalk": [{"name": "care", "webhook": HOOK, "secret": HOOK}],
                "feishu": [{"name": "exec", "webhook": HOOK, "fallback": "slack:#radar"}],
                "email": {
                    "host": "smtp.example.com",
                    "sender": "舆情雷达 <radar@example.com>",
                    "username": HOOK,
                    "password": HOOK,
                    "lists": [{"name": "execs", "to": ["ceo@example.com"]}],
                },
                "routes": [
                    {"targets": ["wecom:pr"], "severities": ["P1", "P2"]},
                    {"targets": ["dingtalk:care", "email:execs"], "brands": ["极光汽车"]},
                ],
                "escalation": [{"step": "executive", "targets": ["email:execs", "feishu:exec"]}],
                "digest": ["email:execs"],
            },
        },
        "radar.yaml",
    )
    assert cfg.notify.known_targets() == {"wecom:pr", "dingtalk:care", "feishu:exec", "email:execs"}
    assert cfg.notify.feishu[0].per_minute == 100 and cfg.notify.wecom[0].per_minute == 20


@pytest.mark.parametrize(
    ("data", "key", "message"),
    [
        (
            notify(routes=[{"targets": ["wecom:nope"]}]),
            "notify.routes[0].targets",
            "unknown target 'wecom:nope'",
        ),
        (notify(digest=["dingtalk:pr"]), "notify", "digest: unknown target 'dingtalk:pr'"),
        (
            {"notify": {"wecom": [{"name": "pr", "webhook": HOOK, "fallback": "wecom:pr"}]}},
            "notify",
            "own fallback",
        ),
        (
            {"notify": {"wecom": [{"name": "pr", "webhook": "https://qyapi.example/?key=k"}]}},
            "notify.wecom[0].webhook",
            "",
        ),
        (
            {"notify": {"dingtalk": [{"name": "pr", "webhook": {"$env": "RADAR_TEST_UNSET"}}]}},
            "notify.dingtalk[0].webhook",
            "RADAR_TEST_UNSET is not set",
        ),
        (
            notify(escalation=[{"step": "executive", "targets": ["wecom:pr"]}]),
            "notify.escalation[0].step",
            "not a step of slack.escalation",
        ),
        (
            {
                "notify": {
                    "email": {
                        "host": "smtp.example.com",
                        "sender": "r@example.com",
                        "lists": [{"name": "x", "to": ["not an address"]}],
                    }
                }
            },
            "notify.email.lists[0].to",
            "not an email address",
        ),
        (
            {
                "notify": {
                    "email": {"host": "smtp.example.com", "sender": "r@e.com", "security": "none"}
                }
            },
            "notify.email",
            "localhost",
        ),
        (
            {"notify": {"email": {"host": "h", "sender": "r@e.com", "username": HOOK}}},
            "notify.email",
            "both or neither",
        ),
        ({"webhooks": {"max_attempts": 0}}, "webhooks.max_attempts", "greater than or equal"),
        (  # a wrong scheme was accepted, and every send then failed until someone looked
            {"notify": {"feishu": [{"name": "x", "webhook": {"$env": "RADAR_TEST_FTP"}}]}},
            "notify.feishu[0].webhook",
            "RADAR_TEST_FTP must hold the robot's https:// webhook URL (it holds a ftp: URL)",
        ),
        (
            {"notify": {"wecom": [{"name": "x", "webhook": {"$env": "RADAR_TEST_BARE"}}]}},
            "notify.wecom[0].webhook",
            "RADAR_TEST_BARE must hold the robot's https:// webhook URL (it holds no URL)",
        ),
    ],
)
def test_mistakes_are_named(data, key, message) -> None:
    with pytest.raises(ConfigError) as err:
        validate_data(data, "radar.yaml")
    issues = [str(i) for i in err.value.issues]
    assert not any("secret" in i for i in issues), issues  # a token is never repeated
    assert any(i.startswith(f"radar.yaml: {key}") and message in i for i in issues), issues
