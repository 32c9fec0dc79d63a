"""The digest page says where the scheduled digest really goes: the demo has no Slack and
the page said '同样的数据每天 09:00（北京时间）发送到 Slack' of figures only the service log
received."""

from __future__ import annotations

import httpx
import pytest

from radar.web.app import create_app
from radar.web.executive import digest_destinations
from tests.web.conftest import NOW, log_in, make_config


@pytest.mark.anyio
async def test_without_slack_or_robots_the_digest_goes_to_the_log_only(store) -> None:  # type: ignore[no-untyped-def]
    app = create_app(make_config(locale="zh_CN"), store, clock=lambda: NOW)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        await log_in(c, "exec")
        page = (await c.get("/digest")).text
    assert "发送到 Slack" not in page
    said = "同样的数据每天 09:00（北京时间）生成，但尚未接入 Slack、群机器人或邮件列表，"
    assert said + "只记入服务日志。" in page


def test_the_digest_names_its_slack_channel_robots_and_mail_lists(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TEST_SLACK_TOKEN", "xoxb-test")
    monkeypatch.setenv("TEST_WECOM_HOOK", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k")
    config = make_config().model_copy(deep=True)
    assert digest_destinations(config) == []
    data = config.model_dump(by_alias=True, exclude_unset=True)
    data["slack"] = {"token": {"$env": "TEST_SLACK_TOKEN"}, "digest_channel": "#daily"}
    data["notify"] = {
        "wecom": [{"name": "pr-group", "webhook": {"$env": "TEST_WECOM_HOOK"}}],
        "digest": ["wecom:pr-group"],
    }
    config = type(config).model_validate(data)
    assert digest_destinations(config) == ["#daily", "wecom:pr-group"]
    # a token whose variable is empty at run time is no Slack: the console stands in
    monkeypatch.setenv("TEST_SLACK_TOKEN", "")
    assert digest_destinations(config) == ["wecom:pr-group"]
