"""企业微信 (WeCom) group robot: ``markdown`` messages to the robot's webhook URL.

The robot takes at most 20 messages a minute (``errcode`` 45009 "api freq out of limit"
beyond: wait a minute); 93000 "invalid webhook url" means the key was revoked or the
robot removed; 40008 / 40058 / 44004 (bad type, bad parameter, empty content) mean this
body will never be taken. Markdown content is capped at 4,096 bytes."""

from __future__ import annotations

from typing import Any, ClassVar

from alerts.notifiers import markup
from alerts.notifiers.robot import RobotNotifier

MAX_BYTES = 4096


class WeComNotifier(RobotNotifier):
    kind = "wecom"
    rate_codes: ClassVar[dict[int, float]] = {45009: 60.0}
    refused_codes = frozenset({93000, 40008, 40058, 44004})

    def render(self, notice: dict[str, Any]) -> dict[str, Any]:
        content = markup.body(notice, self.tz, self.gettext)
        if notice.get("kind") in ("case", "escalation") and self.robot.mention:
            content += "\n\n" + " ".join(f"<@{markup.mention_id(m)}>" for m in self.robot.mention)
        return {"msgtype": "markdown", "markdown": {"content": _clip_bytes(content, MAX_BYTES)}}


def _clip_bytes(text: str, limit: int) -> str:
    raw = text.encode()
    if len(raw) <= limit:
        return text
    return raw[: limit - 3].decode(errors="ignore") + "…"
