"""企业微信 (WeCom) group robot: ``markdown`` messages to the robot's webhook URL.

The robot takes at most 20 messages a minute (``errcode`` 45009 "api freq out of limit"
beyond: wait a minute); 93000 "invalid webhook url" means the key was revoked or the
robot removed; 40008 / 40058 / 44004 (bad type, bad parameter, empty content) mean this
body will never be taken. Markdown content is capped at 4,096 bytes: a longer message
leaves off its last evidence lines, never the case link or the mentions."""

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
        content = markup.body(notice, self.tz, self.gettext, with_link=False)
        keep = [markup.case_link(notice, self.gettext)]
        if notice.get("kind") in ("case", "escalation") and self.robot.mention:
            keep.append(" ".join(f"<@{markup.mention_id(m)}>" for m in self.robot.mention))
        content = markup.fit(content, MAX_BYTES, "\n\n".join(k for k in keep if k))
        return {"msgtype": "markdown", "markdown": {"content": content}}
