"""The demo's 黑猫投诉 (tousu.sina.com.cn) site: some of the demo world's complaining Weibo
posters (and of the crisis' originals) also file a complaint, which the site shows with
the real site's search API and complaint page structure (crawlers/spiders/tousu.py reads
them; tests/crawlers/mockserver/README.md names where the structure comes from):

- ``/tousu/api/index/s?ts=&rs=&signature=&keywords=&page_size=&page=``: the complaints
  naming the keyword (or against the brand it names), newest first, ``result.data.lists``
  with ``pager``;
- ``/tousu/complaint/view/{sn}/``: the complaint page.

A complaint is filed some minutes after its post, is 处理中 at first, 已回复 once the
company answers (one to four hours later) and, for half of them, 已完成 six hours after
that, so a crawl that comes back finds status changes. Nothing here changes what the other
demo sites serve.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from jinja2 import Environment
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from radar.demo.world import SHANGHAI, DemoPost, DemoWorld

PAGE_SIZE = 10
STATUS_CODE = {"处理中": 4, "已回复": 6, "已完成": 7}
_ISSUES = ["质量问题", "售后服务", "虚假宣传", "退款问题", "服务态度"]
_DEMANDS = ["退款", "维修", "道歉,赔偿", "换货", "解释,整改"]
_CLAUSE = re.compile(r"[，。！？!?；\n]")
_EMOTICON = re.compile(r"\[[^\[\]]{1,6}\]")


@dataclass(frozen=True)
class DemoComplaint:
    sn: str
    post: DemoPost
    filed: datetime
    replied: datetime
    completed: datetime | None
    title: str
    text: str
    author: str
    company: str
    issue: str
    demands: str
    amount: int  # yuan; 0 = none

    def status(self, now: datetime) -> str:
        if self.completed is not None and now >= self.completed:
            return "已完成"
        return "已回复" if now >= self.replied else "处理中"

    def steps(self, now: datetime) -> list[tuple[str, str, datetime, str]]:
        """(who, what, when, text), newest first, as the page lists them."""
        steps = [
            (self.author, "发起投诉", self.filed, self.text),
            (
                "黑猫投诉",
                "投诉已分配",
                self.filed + timedelta(minutes=20),
                f"已分配至{self.company}",
            ),
        ]
        if now >= self.replied:
            reply = "您好，已收到您的反馈，客服专员将在24小时内与您联系处理，给您带来不便深表歉意。"
            steps.append((self.company, "商家已回复", self.replied, reply))
        if self.completed is not None and now >= self.completed:
            steps.append((self.author, "确认完成", self.completed, "问题已处理，确认完成。"))
        return [s for s in reversed(steps) if s[2] <= now]


def complaint_of(post: DemoPost) -> DemoComplaint | None:
    """The complaint this post's author filed, if they filed one."""
    if post.platform != "weibo" or post.repost_of or post.intent not in ("complaint", "crisis"):
        return None
    h = zlib.crc32(post.id.encode())
    if h % (2 if post.crisis else 3):
        return None
    filed = post.published + timedelta(minutes=5 + h % 20)
    replied = filed + timedelta(hours=1 + h % 3 + (2 if post.crisis else 0))
    text = _EMOTICON.sub("", post.text).strip()
    title = _CLAUSE.split(text, maxsplit=1)[0][:24] or f"投诉{post.brand}"
    return DemoComplaint(
        sn=f"17{int(post.id) % 10**9:09d}",
        post=post,
        filed=filed,
        replied=replied,
        completed=replied + timedelta(hours=6) if h % 2 == 0 else None,
        title=title,
        text=text,
        author=post.author.name,
        company=post.brand,
        issue=_ISSUES[h % len(_ISSUES)],
        demands=_DEMANDS[h // 7 % len(_DEMANDS)],
        amount=(h % 50) * 100 if h % 4 == 0 else 0,
    )


class DemoTousu:
    """The 黑猫投诉 pages of the demo world (routes added by radar/demo/server.py)."""

    def __init__(
        self,
        world: DemoWorld,
        brand_terms: dict[str, list[str]],
        clock: Any,
        templates: Environment,
    ) -> None:
        self.world = world
        self.brand_terms = brand_terms
        self.clock = clock
        self.templates = templates

    def complaints(self, now: datetime) -> list[DemoComplaint]:
        """Filed by ``now``, newest first."""
        found = [c for p in self.world.published(now, "weibo") if (c := complaint_of(p))]
        return sorted((c for c in found if c.filed <= now), key=lambda c: c.filed, reverse=True)

    def _matches(self, c: DemoComplaint, keyword: str) -> bool:
        if keyword in c.title or keyword in c.text or keyword in c.company:
            return True
        return keyword in self.brand_terms.get(c.company, [])

    async def search(self, request: Request) -> Response:
        now = self.clock()
        q = request.query_params
        keyword = q.get("keywords", "")
        try:
            page = max(int(q.get("page", "1")), 1)
            size = min(max(int(q.get("page_size", str(PAGE_SIZE))), 1), 50)
        except ValueError:
            return JSONResponse({"result": {"status": {"code": -1, "msg": "参数错误"}}})
        found = [c for c in self.complaints(now) if self._matches(c, keyword)]
        shown = found[(page - 1) * size : page * size]
        pages = -(-len(found) // size)
        base = f"//{request.url.netloc}/tousu"
        lists = [
            {
                "main": {
                    "sn": c.sn,
                    "title": c.title.replace(keyword, f'<span class="code-red">{keyword}</span>')
                    if keyword
                    else c.title,
                    "summary": c.text[:60],
                    "cotitle": c.company,
                    "issue": c.issue,
                    "appeal": c.demands,
                    "cost": str(c.amount),
                    "status": STATUS_CODE[c.status(now)],
                    "timestamp": str(int(c.filed.timestamp())),
                    "url": f"{base}/complaint/view/{c.sn}/",
                    "uid": str(c.post.author.id),
                    "evaluate_u": None,
                },
                "author": {"title": c.author, "avatar": "", "wb_profile": ""},
            }
            for c in shown
        ]
        return JSONResponse(
            {
                "result": {
                    "status": {"code": 0, "msg": "ok"},
                    "timestamp": now.isoformat(),
                    "data": {
                        "lists": lists,
                        "pager": {"current": page, "page_amount": pages, "item_count": len(found)},
                    },
                }
            }
        )

    async def complaint(self, request: Request) -> Response:
        now = self.clock()
        sn = request.path_params["sn"]
        c = next((c for c in self.complaints(now) if c.sn == sn), None)
        if c is None:
            return HTMLResponse("<h1>投诉不存在</h1>", status_code=404)

        def local(at: datetime) -> str:
            return at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")

        body = self.templates.get_template("tousu_complaint.html").render(
            c=c,
            status=c.status(now),
            amount=f"{c.amount}元" if c.amount else "无",
            filed_local=local(c.filed),
            couid=zlib.crc32(c.company.encode()) % 10**9,
            steps=[
                {"name": who, "status": what, "at": local(at), "text": text}
                for who, what, at, text in c.steps(now)
            ],
            base=f"{request.url.scheme}://{request.url.netloc}/tousu",
        )
        return HTMLResponse(body)
