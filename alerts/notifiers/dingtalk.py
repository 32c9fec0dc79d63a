"""钉钉 (DingTalk) custom robot: a case message is an ``actionCard`` whose button opens
the case page; updates, escalations and the digest are ``markdown``.

加签 (signing): ``timestamp`` in milliseconds and ``sign`` =
base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}")), URL-encoded, added to the
webhook URL's query. Limits: 20 messages a minute per robot; beyond it DingTalk answers
410100 (older robots 130101) and throttles the robot for 10 minutes. 310000 is a failed
security check (signature, timestamp, keywords, IP allow-list); 400101/400102/400106 an
unknown, disabled or removed robot; 400013 a dissolved group; 400105 an unsupported type;
430101–430104 and 460101 (over 20,000 bytes) content it rejects. -1 (busy) and anything
else is retried."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any, ClassVar
from urllib.parse import quote_plus

from alerts.notifiers import markup
from alerts.notifiers.robot import RobotNotifier
from config.notify import DingTalkRobot

THROTTLED = 600.0
# a message body over 20,000 bytes is refused (460101 "message too long"): the text is
# kept under it with room for the title and the JSON, leaving off its last evidence lines
MAX_BYTES = 18_000


def sign(secret: str, timestamp_ms: int) -> str:
    digest = hmac.new(
        secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


class DingTalkNotifier(RobotNotifier):
    kind = "dingtalk"
    rate_codes: ClassVar[dict[int, float]] = {410100: THROTTLED, 130101: THROTTLED}
    refused_codes = frozenset(
        {310000, 400013, 400101, 400102, 400105, 400106, 430101, 430102, 430103, 430104, 460101}
    )
    robot: DingTalkRobot

    def render(self, notice: dict[str, Any]) -> dict[str, Any]:
        title = markup.title(notice, self.gettext)
        url = markup.safe_link(notice.get("url", ""))
        if notice.get("kind") == "case" and url:
            return {
                "msgtype": "actionCard",
                "actionCard": {
                    "title": title,
                    "text": markup.fit(
                        markup.body(notice, self.tz, self.gettext, with_link=False), MAX_BYTES
                    ),
                    "btnOrientation": "0",
                    "singleTitle": markup.link_label(notice, self.gettext),
                    "singleURL": url,
                },
            }
        text = markup.body(notice, self.tz, self.gettext, with_link=False)
        keep = [markup.case_link(notice, self.gettext)]
        mobiles = [m for m in self.robot.mention if m.isdigit()]
        users = [m for m in self.robot.mention if not m.isdigit()]
        at: dict[str, Any] = {"isAtAll": False}
        if notice.get("kind") == "escalation" and self.robot.mention:
            at.update(atMobiles=mobiles, atUserIds=users)
            keep.append(" ".join(f"@{m}" for m in self.robot.mention))
        text = markup.fit(text, MAX_BYTES, "\n\n".join(k for k in keep if k))
        return {"msgtype": "markdown", "markdown": {"title": title, "text": text}, "at": at}

    def url_and_body(self, body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        url = self.robot.webhook.get() or ""
        secret = self.robot.secret.get() if self.robot.secret else None
        if url and secret:
            ts = int(time.time() * 1000)
            url += f"{'&' if '?' in url else '?'}timestamp={ts}&sign={quote_plus(sign(secret, ts))}"
        return url, body
