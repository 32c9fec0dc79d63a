"""飞书 (Feishu / Lark) custom bot: every message is an ``interactive`` card (header
coloured by severity, ``lark_md`` body, a button that opens the case page).

签名校验: ``timestamp`` in seconds and ``sign`` = base64(HMAC-SHA256(key=f"{timestamp}\\n
{secret}", msg=b"")), both in the JSON body. Limits: 100 requests a minute and 5 a second
per bot; 11232 is its frequency limit (wait), 9499 "Bad Request" a body it will not take
(unless its message says too many requests). 19021 a signature or timestamp it does not
accept, 19022 an IP not allowed, 19024 missing keywords, 19001/19002 an invalid webhook
token or parameter: refused for good. Answers carry ``code`` (old bots ``StatusCode``)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any, ClassVar

from alerts.notifiers import markup
from alerts.notifiers.base import RetryLater
from alerts.notifiers.robot import RobotNotifier
from config.notify import FeishuRobot

TEMPLATE = {"P1": "red", "P2": "orange", "P3": "yellow"}
# the request body may not exceed 20 KB: the card's text is kept under it, leaving off
# its last evidence lines (the button to the case page is outside the text)
MAX_BYTES = 18_000


def sign(secret: str, timestamp: int) -> str:
    key = f"{timestamp}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


class FeishuNotifier(RobotNotifier):
    kind = "feishu"
    rate_codes: ClassVar[dict[int, float]] = {11232: 60.0}
    refused_codes = frozenset({9499, 19001, 19002, 19021, 19022, 19024})
    robot: FeishuRobot

    @staticmethod
    def error_code(answer: dict[str, Any]) -> tuple[int, str]:
        code = answer.get("code", answer.get("StatusCode", 0))
        message = str(answer.get("msg", answer.get("StatusMessage", "")))
        if code == 9499 and "too many" in message.lower():
            raise RetryLater(60.0, f"feishu: error 9499 {message}")
        return int(code or 0), message

    def render(self, notice: dict[str, Any]) -> dict[str, Any]:
        content = markup.body(notice, self.tz, self.gettext, with_title=False, with_link=False)
        mentions = ""
        if notice.get("kind") in ("case", "escalation") and self.robot.mention:
            mentions = "".join(f"<at id={markup.mention_id(m)}></at>" for m in self.robot.mention)
        content = markup.fit(content, MAX_BYTES, mentions)
        elements: list[dict[str, Any]] = [
            {"tag": "div", "text": {"tag": "lark_md", "content": content}}
        ]
        url = markup.safe_link(notice.get("url", ""))
        if url:
            label = markup.link_label(notice, self.gettext)
            elements.append(
                {
                    "tag": "action",
                    "actions": [
                        {
                            "tag": "button",
                            "type": "primary",
                            "text": {"tag": "plain_text", "content": label},
                            "url": url,
                        }
                    ],
                }
            )
        return {
            "msg_type": "interactive",
            "card": {
                "config": {"wide_screen_mode": True},
                "header": {
                    "title": {"tag": "plain_text", "content": markup.title(notice, self.gettext)},
                    "template": TEMPLATE.get(notice.get("severity", ""), "blue"),
                },
                "elements": elements,
            },
        }

    def url_and_body(self, body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        secret = self.robot.secret.get() if self.robot.secret else None
        if secret:
            ts = int(time.time())
            body = {"timestamp": str(ts), "sign": sign(secret, ts), **body}
        return self.robot.webhook.get() or "", body
