"""Recognising that a site has blocked us, and pausing the source with back-off.

What the real sites answer when they stop serving a crawler:

* HTTP 418 (m.weibo.cn's anti-crawler answer), 403 and 429;
* a redirect to a login or captcha page (``passport.weibo.cn/signin``,
  ``wappass.baidu.com/static/captcha``, Discuz! ``member.php?mod=logging``);
* m.weibo.cn JSON ``{"ok": -100, "url": ".../signin/..."}`` (login required) or
  ``{"ok": 0, "errno": "100005", "msg": "请求过于频繁"}`` (rate limited);
* HTML whose title is a verification or visitor wall ("百度安全验证", "Sina Visitor
  System", "安全验证") or a Discuz! message box asking to log in / refusing access;
* m.weibo.cn's H5 error page served instead of JSON (``<title>404错误</title>`` …
  ``<p class="h5-4con">``message``</p>``): "帐号存在异常" (code 20003: the account of the
  cookie is flagged) is a ban, "网络繁忙" / "系统繁忙" a rate limit;
* a page that sends the browser on to a login page by ``<meta http-equiv="refresh">`` or
  ``location.replace(…)`` (Sina SSO's GBK "新浪通行证" page → ``weibo.com/ajaxlogin.php?…
  &retcode=101``): Scrapy would follow the refresh to another host.

A blocked source is paused (``Store.set_source_health`` with ``paused_until``): the
first ban pauses it ``pause_base``, each further consecutive ban doubles that, up to
``pause_max``. ``radar crawl`` skips a paused source until then unless ``--force``; a
run that completes sets it back to ``ok``.
"""

from __future__ import annotations

import codecs
import functools
import html
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from index.base import CrawlState, SourceHealth

BAN_STATUS = {403: "http_403", 418: "http_418", 429: "http_429"}
_LOCATION_MARKERS = (
    ("passport.weibo", "login"),
    ("login.sina.com.cn", "login"),
    ("ajaxlogin", "login"),
    ("login.php", "login"),
    ("/signin", "login"),
    ("mod=logging", "login"),
    ("/login", "login"),
    ("captcha", "captcha"),
    ("wappass.baidu.com", "captcha"),
    ("/verify", "captcha"),
    ("visitor", "captcha"),
)
# a page *title* that starts with one of these (thread titles can contain the words, so
# only the start of the title counts)
_TITLE_MARKERS = (
    ("百度安全验证", "captcha"),
    ("安全验证", "captcha"),
    ("Sina Visitor System", "captcha"),
    ("访问受限", "ban"),
    ("访问被拒绝", "ban"),
    ("用户登录", "login"),
    ("登录 - ", "login"),
    ("新浪通行证", "login"),
    ("网络繁忙", "rate_limited"),
    ("系统繁忙", "rate_limited"),
)
# the message of m.weibo.cn's H5 error page, and what it means
_H5_MESSAGE = re.compile(r'class="h5-4con"[^>]*>(.*?)</p>', re.S)
_H5_MARKERS = (
    ("存在异常", "ban"),  # 帐号存在异常 / 账号存在异常
    ("账号异常", "ban"),
    ("帐号异常", "ban"),
    ("20003", "ban"),
    ("繁忙", "rate_limited"),  # 网络繁忙 / 系统繁忙
    ("频繁", "rate_limited"),  # 请求过于频繁 / 访问频繁
)
_META_REFRESH = re.compile(r"<meta\b[^>]*http-equiv\s*=\s*[\"']?refresh[^>]*>", re.I)
_CONTENT = re.compile(r"""content\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)
_JS_REDIRECT = re.compile(r"""location\.replace\(\s*["']([^"']+)["']""")
_CHARSET = re.compile(rb"""charset\s*=\s*["']?([A-Za-z0-9_-]+)""")
_DISCUZ_MESSAGE = re.compile(r'id="messagetext"[^>]*>(.{0,400})', re.S)
_DISCUZ_MARKERS = (
    ("登录", "login"),
    ("IP 地址", "ban"),
    ("访问受限", "ban"),
    ("禁止访问", "ban"),
)
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.S | re.I)


@dataclass(frozen=True)
class Block:
    reason: str  # ban | captcha | login | rate_limited | http_403 | http_418 | http_429
    detail: str


def detect_block(status: int, url: str, headers_location: str, body: bytes) -> Block | None:
    """The reason a response is a block page, or None for a normal page."""
    if status in BAN_STATUS:
        return Block(BAN_STATUS[status], f"HTTP {status} from {url}")
    if 300 <= status < 400 and headers_location:
        loc = headers_location.lower()
        for marker, reason in _LOCATION_MARKERS:
            if marker in loc:
                return Block(reason, f"redirected to {headers_location}")
        return None
    if status != 200 or not body:
        return None
    head = body[:4096].lstrip()
    if head[:1] in (b"{", b"["):
        return _json_block(body, url)
    encoding = _encoding(head)
    if (m := _TITLE.search(head)) is not None:
        title = m.group(1).decode(encoding, "replace").strip()
        for marker, reason in _TITLE_MARKERS:
            if title.startswith(marker):
                return Block(reason, f"{title!r} page at {url}")
    text = body[:65536].decode(encoding, "replace")
    if (m1 := _H5_MESSAGE.search(text)) is not None:
        message = html.unescape(re.sub(r"<[^>]+>", "", m1.group(1))).strip()
        for marker, reason in _H5_MARKERS:
            if marker in message:
                return Block(reason, f"error page {message[:80]!r} at {url}")
    if (target := _refresh_target(text[:8192])) is not None:
        for marker, reason in _LOCATION_MARKERS:
            if marker in target.lower():
                return Block(reason, f"sent on to {target[:200]} by {url}")
    if (m2 := _DISCUZ_MESSAGE.search(text)) is not None and "alert_" in m2.group(0):
        message = re.sub(r"<[^>]+>", "", m2.group(1))
        for marker, reason in _DISCUZ_MARKERS:
            if marker in message:
                return Block(reason, f"forum message {message.strip()[:80]!r} at {url}")
    return None


def _encoding(head: bytes) -> str:
    """The charset a page declares (Sina's login pages are GBK), else UTF-8."""
    if (m := _CHARSET.search(head[:2048])) is not None:
        name = m.group(1).decode("ascii").lower()
        try:
            return codecs.lookup("gb18030" if name in ("gbk", "gb2312") else name).name
        except LookupError:
            pass
    return "utf-8"


def _refresh_target(text: str) -> str | None:
    """Where a page sends the browser on: a meta refresh's URL, else a script's
    ``location.replace("…")``."""
    if (m := _META_REFRESH.search(text)) is not None:
        content = _CONTENT.search(m.group(0))
        if content is not None:
            value = html.unescape(content.group(1) or content.group(2) or "")
            _, sep, target = value.partition("=")
            if sep:
                return target.strip().strip("'\"")
    if (m2 := _JS_REDIRECT.search(text)) is not None:
        return html.unescape(m2.group(1))
    return None


@functools.lru_cache(maxsize=64)
def json_body(body: bytes) -> Any:
    """``json.loads(body)``, remembered for the last few bodies: the block check here and
    the spider's parser read the same response, and a page costs as much to parse as
    the spider spends on its posts. Callers must not change what they get back."""
    return json.loads(body)


def _json_block(body: bytes, url: str) -> Block | None:
    try:
        data = json_body(body)
    except ValueError:
        return None  # not a block page; the spider counts it as unparsable
    if not isinstance(data, dict):
        return None
    ok = data.get("ok")
    if ok == -100 or (isinstance(data.get("url"), str) and "signin" in data["url"]):
        return Block("login", f"login required ({url})")
    if ok == 0 and str(data.get("errno", "")) in ("100005", "100006", "20003"):
        return Block("rate_limited", f"{data.get('msg', 'rate limited')} ({url})")
    if ok == 0 and isinstance(data.get("msg"), str):
        for marker, reason in _H5_MARKERS:
            if marker in data["msg"]:
                return Block(reason, f"{data['msg'][:80]} ({url})")
    return None


def pause_source(
    store: CrawlState, source: str, block: Block, now: datetime, base: float, maximum: float
) -> SourceHealth:
    """Record the block and pause the source, doubling the pause on consecutive blocks."""
    previous = next(iter(store.get_source_health(source)), None)
    streak = 1
    if previous is not None and previous.state == "paused":
        streak = int(previous.detail.get("streak", 1)) + 1
    seconds = min(base * 2 ** (streak - 1), maximum)
    health = SourceHealth(
        source=source,
        state="paused",
        reason=block.reason,
        since=now,
        paused_until=now + timedelta(seconds=seconds),
        detail={"detail": block.detail, "streak": streak, "pause_seconds": seconds},
    )
    store.set_source_health(health)
    return health


def mark_ok(store: CrawlState, source: str, now: datetime) -> None:
    previous = next(iter(store.get_source_health(source)), None)
    if previous is None or previous.state != "ok":
        store.set_source_health(SourceHealth(source=source, state="ok", since=now))


def paused_until(store: CrawlState, source: str, now: datetime) -> SourceHealth | None:
    """The source's health when it is paused past ``now``, else None (a source whose
    crawl crashed while it was paused keeps the pause, see radar/jobs.py)."""
    for health in store.get_source_health(source):
        if (
            health.state in ("paused", "crashing")
            and health.paused_until
            and health.paused_until > now
        ):
            return health
    return None


def unhealthy(store: CrawlState, now: datetime) -> list[SourceHealth]:
    """The sources people should hear about, for banners and ``/healthz``: crashing or
    failing ones, and paused ones until their pause ends."""
    return [
        h
        for h in store.get_source_health()
        if h.state in ("crashing", "failing")
        or (h.state == "paused" and h.paused_until is not None and h.paused_until > now)
    ]
