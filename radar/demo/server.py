"""The bundled demo sources: a Weibo-style API, a Tieba-style forum, an RSS feed and a
黑猫投诉-style complaint site.

One Starlette app serves the demo world (``world.py``) under four prefixes, with the
real sites' URL shapes and response structure (see docs/INTERFACES and the structure of
m.weibo.cn and tieba.baidu.com responses):

- ``/weibo``: ``api/container/getIndex`` (search ``100103type=1&q=`` and user timelines
  ``107603{uid}``), ``statuses/extend`` (long text), ``comments/hotflow``, ``detail/{id}``;
- ``/tieba``: ``f?kw=&ie=utf-8&pn=`` (thread list, 50 a page, inside the commented-out
  Bigpipe pagelet like the real page) and ``p/{tid}?pn=`` (30 floors a page);
- ``/news``: ``rss.xml`` (RSS 2.0, also ``atom.xml``) and ``article/{id}.html``;
- ``/tousu``: ``api/index/s`` (complaint search) and ``complaint/view/{sn}/`` (tousu.py).

``DemoSources`` runs it under uvicorn in a background thread of the service (or alone:
``radar demo-sources``). The world's start time is kept in a state file so a restart
continues the same timeline instead of staging a second crisis.
"""

from __future__ import annotations

import html
import json
import logging
import math
import re
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote

import uvicorn
from feedgen.feed import FeedGenerator
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from config.schema import RadarConfig
from radar.demo.tousu import DemoTousu
from radar.demo.world import SHANGHAI, DemoAuthor, DemoPost, DemoWorld

log = logging.getLogger(__name__)

WEIBO_PAGE = 10
HOTFLOW_PAGE = 20
TIEBA_THREADS_PAGE = 50
TIEBA_FLOORS_PAGE = 30
FEED_SIZE = 30
STATE_MAX_AGE = timedelta(hours=12)  # an older world is replaced by a fresh one

_EMOTICON = re.compile(r"\[([^\[\]]{1,6})\]")
_HASHTAG = re.compile(r"#([^#\s]{1,30})#")

Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


def weibo_time(at: datetime) -> str:
    """m.weibo.cn's full ``created_at``: ``Fri Jun 14 20:39:20 +0800 2019``."""
    return at.astimezone(SHANGHAI).strftime("%a %b %d %H:%M:%S +0800 %Y")


class DemoSite:
    """Renders the world as the three sites do; ``app`` is the ASGI application."""

    def __init__(self, world: DemoWorld, brand_terms: dict[str, list[str]], clock: Clock):
        self.world = world
        self.brand_terms = brand_terms
        self.clock = clock
        self.templates = Environment(
            loader=PackageLoader("radar.demo", "templates"),
            autoescape=select_autoescape(["html"]),
        )
        self.tousu = DemoTousu(world, brand_terms, clock, self.templates)
        self.app = Starlette(
            routes=[
                Route("/robots.txt", self.robots),
                Route("/weibo/api/container/getIndex", self.weibo_index),
                Route("/weibo/statuses/extend", self.weibo_extend),
                Route("/weibo/comments/hotflow", self.weibo_hotflow),
                Route("/weibo/detail/{mid}", self.weibo_detail),
                Route("/weibo/status/{mid}", self.weibo_detail),
                Route("/tieba/f", self.tieba_list),
                Route("/tieba/p/{tid:int}", self.tieba_thread),
                Route("/news/article/{aid}.html", self.news_article),
                Route("/news/{name}.xml", self.news_feed),
                Route("/tousu/api/index/s", self.tousu.search),
                Route("/tousu/complaint/view/{sn}/", self.tousu.complaint),
                Route("/demo/crisis", self.crisis_info),
            ]
        )

    # -- helpers ----------------------------------------------------------------------
    def _base(self, request: Request, prefix: str) -> str:
        return f"{request.url.scheme}://{request.url.netloc}/{prefix}"

    def _matches(self, post: DemoPost, query: str) -> bool:
        """Weibo search: the keyword, or any name of the brand the keyword names (the real
        search also finds a brand's products by its name)."""
        text = post.text
        if query in text:
            return True
        for terms in self.brand_terms.values():
            if query in terms and any(t in text for t in terms):
                return True
        return False

    async def robots(self, request: Request) -> Response:
        return PlainTextResponse("User-agent: *\nAllow: /\n")

    async def crisis_info(self, request: Request) -> Response:
        """When the scripted crisis starts and what it published (for measuring latency)."""
        w = self.world
        posts = w.crisis_posts()
        return JSONResponse(
            {
                "brand": w.crisis_brand,
                "start": w.crisis_start.isoformat(),
                "first_post_at": min(p.published for p in posts).isoformat() if posts else None,
                "posts": [
                    {"platform": p.platform, "id": p.id, "published": p.published.isoformat()}
                    for p in sorted(posts, key=lambda p: p.published)[:50]
                ],
            }
        )

    # -- weibo ----------------------------------------------------------------------------
    def _user(self, a: DemoAuthor, base: str) -> dict[str, Any]:
        return {
            "id": a.id,
            "screen_name": a.name,
            "profile_image_url": f"{base}/static/avatar/{a.id}.jpg",
            "profile_url": f"{base}/u/{a.id}?uid={a.id}",
            "statuses_count": 100 + a.id % 5000,
            "verified": a.verified,
            "verified_type": 0 if a.verified else -1,
            "verified_reason": a.reason,
            "description": "",
            "gender": "f" if a.id % 2 else "m",
            "mbtype": 12 if a.verified else 0,
            "urank": 10 + a.id % 30,
            "followers_count": a.followers,
            "follow_count": 50 + a.id % 900,
        }

    def _weibo_html(self, text: str, base: str) -> str:
        out = html.escape(text, quote=False)
        out = _HASHTAG.sub(
            lambda m: (
                f'<a  href="{base}/search?containerid=231522type%3D1%26t%3D10%26q%3D'
                f'{quote("#" + m.group(1) + "#")}" data-hide=""><span class="surl-text">'
                f"#{m.group(1)}#</span></a>"
            ),
            out,
        )
        return _EMOTICON.sub(
            lambda m: (
                f'<span class="url-icon"><img alt=[{m.group(1)}] '
                f'src="{base}/static/emoticon/{quote(m.group(1))}.png" '
                f'style="width:1em; height:1em;" /></span>'
            ),
            out,
        )

    def _mblog(self, post: DemoPost, now: datetime, base: str) -> dict[str, Any]:
        reposts, comments, likes = post.engagement(now)
        long = len(post.text) > 140
        text = post.text[:120] if long else post.text
        body = self._weibo_html(text, base)
        if long:
            body += f'...<a href="{base}/status/{post.id}">全文</a>'
        mblog: dict[str, Any] = {
            "created_at": weibo_time(post.published),
            "id": post.id,
            "idstr": post.id,
            "mid": post.id,
            "can_edit": False,
            "text": body,
            "textLength": len(post.text.encode("gbk", "replace")),
            "source": "",
            "favorited": False,
            "pic_types": "",
            "is_paid": False,
            "user": self._user(post.author, base),
            "reposts_count": reposts,
            "comments_count": comments,
            "attitudes_count": likes,
            "pending_approval_count": 0,
            "isLongText": long,
            "hide_flag": 0,
            "visible": {"type": 0, "list_id": 0},
            "mblogtype": 0,
            "bid": _bid(post.id),
        }
        if post.repost_of:
            origin = self.world.get(post.repost_of, now)
            if origin is not None:
                mblog["retweeted_status"] = self._mblog(origin, now, base)
        return mblog

    def _cards(self, posts: list[DemoPost], page: int, containerid: str, request: Request):
        now = self.clock()
        base = self._base(request, "weibo")
        chunk = posts[(page - 1) * WEIBO_PAGE : page * WEIBO_PAGE]
        if not chunk:
            return JSONResponse({"ok": 0, "msg": "这里还没有内容", "data": {"cards": []}})
        more = page * WEIBO_PAGE < len(posts)
        cards = [
            {
                "card_type": 9,
                "itemid": f"{containerid}_-_{p.id}",
                "scheme": f"{base}/status/{_bid(p.id)}?mblogid={_bid(p.id)}",
                "mblog": self._mblog(p, now, base),
                "show_type": 0,
            }
            for p in chunk
        ]
        return JSONResponse(
            {
                "ok": 1,
                "data": {
                    "cardlistInfo": {
                        "containerid": containerid,
                        "v_p": 42,
                        "show_style": 1,
                        "total": len(posts),
                        "page": page + 1 if more else None,
                    },
                    "cards": cards,
                    "scheme": f"sinaweibo://cardlist?containerid={quote(containerid)}",
                },
            }
        )

    async def weibo_index(self, request: Request) -> Response:
        qp = request.query_params
        containerid = qp.get("containerid", "")
        try:
            page = max(1, int(qp.get("page", "1") or 1))
        except ValueError:
            return JSONResponse({"ok": 0, "msg": "参数错误"}, status_code=400)
        now = self.clock()
        newest_first = sorted(
            self.world.published(now, "weibo"), key=lambda p: (p.published, p.id), reverse=True
        )
        if containerid.startswith("100103"):
            query = parse_qs(containerid[6:]).get("q", [""])[0].strip()
            if not query:
                return JSONResponse({"ok": 0, "msg": "这里还没有内容", "data": {"cards": []}})
            hits = [p for p in newest_first if self._matches(p, query)]
            return self._cards(hits, page, containerid, request)
        if containerid.startswith("107603"):
            uid = containerid[6:] or qp.get("value", "")
            hits = [p for p in newest_first if str(p.author.id) == uid]
            return self._cards(hits, page, containerid, request)
        return JSONResponse({"ok": 0, "msg": "这里还没有内容", "data": {"cards": []}})

    def _weibo_post(self, mid: str) -> DemoPost | None:
        post = self.world.get(mid, self.clock())
        return post if post is not None and post.platform == "weibo" else None

    async def weibo_extend(self, request: Request) -> Response:
        post = self._weibo_post(request.query_params.get("id", ""))
        if post is None:
            return JSONResponse({"ok": 0, "msg": "微博不存在或暂无查看权限!"})
        base = self._base(request, "weibo")
        reposts, comments, likes = post.engagement(self.clock())
        return JSONResponse(
            {
                "ok": 1,
                "data": {
                    "ok": 1,
                    "longTextContent": self._weibo_html(post.text, base),
                    "reposts_count": reposts,
                    "comments_count": comments,
                    "attitudes_count": likes,
                },
            }
        )

    async def weibo_hotflow(self, request: Request) -> Response:
        qp = request.query_params
        post = self._weibo_post(qp.get("id", "") or qp.get("mid", ""))
        now = self.clock()
        if post is None:
            return JSONResponse({"ok": 0, "msg": "快来发表你的评论吧"})
        comments = self._comments(post, now)
        if not comments:
            return JSONResponse({"ok": 0, "msg": "快来发表你的评论吧"})
        try:
            offset = int(qp.get("max_id", "0") or 0)
        except ValueError:
            offset = 0
        chunk = comments[offset : offset + HOTFLOW_PAGE]
        nxt = offset + HOTFLOW_PAGE if offset + HOTFLOW_PAGE < len(comments) else 0
        return JSONResponse(
            {
                "ok": 1,
                "data": {
                    "data": chunk,
                    "total_number": len(comments),
                    "max_id": nxt,
                    "max": math.ceil(len(comments) / HOTFLOW_PAGE),
                    "max_id_type": 0,
                },
            }
        )

    def _comments(self, post: DemoPost, now: datetime) -> list[dict[str, Any]]:
        from random import Random

        from radar.demo import vocab

        base = f"/weibo/{post.id}"
        pool = (
            self.world.crisis_script_used.angry_comments
            if post.crisis and hasattr(self.world, "crisis_script_used")
            else vocab.COMMENTS.get(post.intent, vocab.COMMENTS["neutral"])
        )
        out = []
        for i in range(min(post.comments, 200)):
            at = post.comment_time(i)
            if at > now:
                break
            rng = Random(f"{post.id}:{i}")
            author = DemoAuthor(
                id=3_000_000_000 + rng.randrange(1_000_000),
                name=f"用户{rng.randint(1_000_000_000, 7_999_999_999)}",
                followers=int(rng.lognormvariate(5.0, 1.2)),
            )
            cid = str(5_000_000_000_000_000 + (int(post.id) % 10**12) * 1000 + i)
            out.append(
                {
                    "created_at": weibo_time(at),
                    "id": cid,
                    "rootid": cid,
                    "floor_number": i + 1,
                    "text": self._weibo_html(rng.choice(pool), base),
                    "disable_reply": 0,
                    "user": self._user(author, "/weibo"),
                    "mid": cid,
                    "like_count": rng.randint(0, 50),
                    "total_number": 0,
                }
            )
        out.reverse()  # newest first
        return out

    async def weibo_detail(self, request: Request) -> Response:
        mid = request.path_params["mid"]
        post = self._weibo_post(mid) or next(
            (p for p in self.world.published(self.clock(), "weibo") if _bid(p.id) == mid), None
        )
        if post is None:
            return HTMLResponse("<h1>微博不存在</h1>", status_code=404)
        status = self._mblog(post, self.clock(), self._base(request, "weibo"))
        status["text"] = self._weibo_html(post.text, self._base(request, "weibo"))
        data = json.dumps([{"status": status}], ensure_ascii=False).replace("</", "<\\/")
        page = (
            '<!DOCTYPE html><html><head><meta charset="utf-8"><title>微博</title></head>'
            f"<body><script>var $render_data = {data}[0] || {{}};</script></body></html>"
        )
        return HTMLResponse(page)

    # -- tieba ----------------------------------------------------------------------------
    def _tieba_time(self, at: datetime, now: datetime) -> str:
        local, today = at.astimezone(SHANGHAI), now.astimezone(SHANGHAI).date()
        return local.strftime("%H:%M") if local.date() == today else f"{local.month}-{local.day}"

    def _card(self, a: DemoAuthor) -> tuple[str, str]:
        portrait = f"tb.1.{a.id:08x}.demo{a.id % 9973}"
        return portrait, json.dumps(
            {"un": a.name, "id": portrait, "target_scheme": None}, ensure_ascii=False
        )

    async def tieba_list(self, request: Request) -> Response:
        qp = request.query_params
        forum = qp.get("kw", "").strip()
        try:
            pn = max(0, int(qp.get("pn", "0") or 0))
        except ValueError:
            pn = 0
        now = self.clock()
        floors = [p for p in self.world.published(now, "tieba") if p.forum == forum]
        if not forum or not floors:
            return HTMLResponse(
                "<!DOCTYPE html><html><head><meta charset='UTF-8'><title>百度贴吧</title></head>"
                "<body><div class='page404'>抱歉，根据相关法律法规和政策，本吧暂不开放。</div>"
                "</body></html>",
                status_code=200,
            )
        threads: dict[str, list[DemoPost]] = {}
        for p in floors:
            threads.setdefault(p.thread_id, []).append(p)
        ordered = sorted(threads.values(), key=lambda fl: fl[-1].published, reverse=True)
        page = pn // TIEBA_THREADS_PAGE + 1
        last_page = max(1, math.ceil(len(ordered) / TIEBA_THREADS_PAGE))
        chunk = ordered[(page - 1) * TIEBA_THREADS_PAGE : page * TIEBA_THREADS_PAGE]
        rows = []
        for fl in chunk:
            first, last = fl[0], fl[-1]
            portrait, card = self._card(first.author)
            last_portrait, last_card = self._card(last.author)
            field = {
                "id": int(first.thread_id),
                "author_name": first.author.name,
                "author_nickname": None,
                "author_portrait": portrait,
                "first_post_id": int(first.id),
                "reply_num": len(fl) - 1,
                "is_bakan": None,
                "vid": "",
                "is_good": None,
                "is_top": None,
                "is_protal": None,
                "is_membertop": None,
                "is_multi_forum": None,
                "frs_tpoint": None,
            }
            rows.append(
                {
                    "tid": first.thread_id,
                    "title": first.title,
                    "reply_num": len(fl) - 1,
                    "field": json.dumps(field, ensure_ascii=False),
                    "author": first.author,
                    "portrait": portrait,
                    "author_card": card,
                    "author_field": json.dumps({"user_id": first.author.id}),
                    "created": self._tieba_time(first.published, now),
                    "abstract": first.text[:100],
                    "last_author": last.author,
                    "last_portrait": last_portrait,
                    "last_card": last_card,
                    "last_time": self._tieba_time(last.published, now),
                }
            )
        body = self.templates.get_template("tieba_list.html").render(
            forum=forum,
            threads=rows,
            base=self._base(request, "tieba"),
            page=page,
            last_page=last_page,
            pages=range(max(1, page - 4), min(last_page, page + 5) + 1),
            tbs="d1af71cf9c8bc1a2demo",
            forum_id=27_000_000 + sum(map(ord, forum)),
            member_num=12_000 + len(ordered) * 3,
            post_num=len(floors),
        )
        return HTMLResponse(body)

    async def tieba_thread(self, request: Request) -> Response:
        tid = str(request.path_params["tid"])
        try:
            page = max(1, int(request.query_params.get("pn", "1") or 1))
        except ValueError:
            page = 1
        now = self.clock()
        floors = self.world.thread(tid, now)
        if not floors:
            return HTMLResponse(
                "<!DOCTYPE html><html><head><meta charset='UTF-8'><title>贴吧404</title></head>"
                "<body><div class='page404'>很抱歉，该贴已被删除。</div></body></html>",
                status_code=404,
            )
        last_page = max(1, math.ceil(len(floors) / TIEBA_FLOORS_PAGE))
        page = min(page, last_page)
        chunk = floors[(page - 1) * TIEBA_FLOORS_PAGE : page * TIEBA_FLOORS_PAGE]
        first = floors[0]
        rows = []
        for f in chunk:
            portrait, card = self._card(f.author)
            field = {
                "author": {
                    "user_id": f.author.id,
                    "user_name": f.author.name,
                    "props": None,
                    "portrait": portrait,
                    "user_nickname": f.author.name,
                },
                "content": {
                    "post_id": int(f.id),
                    "is_anonym": False,
                    "forum_id": 27_000_000 + sum(map(ord, f.forum)),
                    "thread_id": int(tid),
                    "content": html.escape(f.text),
                    "isPlus": 0,
                    "builderId": first.author.id,
                    "post_no": f.floor,
                    "type": "0",
                    "comment_num": 0,
                    "is_fold": 0,
                    "props": None,
                    "post_index": f.floor - 1,
                    "pb_tpoint": None,
                },
            }
            rows.append(
                {
                    "pid": f.id,
                    "floor": f.floor,
                    "author": f.author,
                    "portrait": portrait,
                    "card": card,
                    "user_field": json.dumps({"user_id": f.author.id}),
                    "field": json.dumps(field, ensure_ascii=False),
                    "text": f.text,
                    "time": f.published.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"),
                    "level": 1 + f.author.id % 12,
                    "ip": ["广东", "浙江", "北京", "上海", "四川", "江苏"][f.author.id % 6],
                    "client": ["Android客户端", "iPhone客户端", "电脑端"][f.author.id % 3],
                }
            )
        body = self.templates.get_template("tieba_thread.html").render(
            tid=tid,
            title=first.title,
            forum=first.forum,
            floors=rows,
            page=page,
            last_page=last_page,
            pages=range(1, last_page + 1),
            reply_num=len(floors) - 1,
            base=self._base(request, "tieba"),
            tbs="d1af71cf9c8bc1a2demo",
        )
        return HTMLResponse(body)

    # -- news -------------------------------------------------------------------------------
    async def news_feed(self, request: Request) -> Response:
        name = request.path_params["name"]
        if name not in ("rss", "atom", "feed", "index"):
            return PlainTextResponse("not found", status_code=404)
        now = self.clock()
        base = self._base(request, "news")
        articles = self.world.published(now, "news")[-FEED_SIZE:]
        fg = FeedGenerator()
        fg.title("科技消费日报 - 最新报道")
        fg.link(href=f"{base}/", rel="alternate")
        fg.id(f"{base}/")
        fg.description("科技消费日报：汽车、手机、食品与生活服务的消费新闻")
        fg.language("zh-CN")
        fg.lastBuildDate(now)
        for a in articles:  # feedgen puts the last added first
            fe = fg.add_entry()
            fe.id(f"{base}/article/{a.id}.html")
            fe.guid(f"{base}/article/{a.id}.html", permalink=True)
            fe.title(a.title)
            fe.link(href=f"{base}/article/{a.id}.html")
            fe.description(a.text[:80] + "……")
            fe.published(a.published)
            fe.updated(a.published)
            fe.author({"name": "科技消费日报", "email": "news@example.invalid"})
        if name == "atom":
            return Response(fg.atom_str(pretty=True), media_type="application/atom+xml")
        return Response(fg.rss_str(pretty=True), media_type="application/rss+xml")

    async def news_article(self, request: Request) -> Response:
        aid = request.path_params["aid"]
        now = self.clock()
        article = next((a for a in self.world.published(now, "news") if a.id == aid), None)
        if article is None:
            return HTMLResponse("<h1>404 页面不存在</h1>", status_code=404)
        paragraphs = [s + "。" for s in article.text.split("。") if s.strip()]
        body = self.templates.get_template("article.html").render(
            title=article.title,
            summary=article.text[:80],
            paragraphs=paragraphs,
            published_iso=article.published.astimezone(SHANGHAI).isoformat(),
            published_local=article.published.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"),
            reporter="林一" if article.crisis else "陈晓",
            base=self._base(request, "news"),
        )
        return HTMLResponse(body)


def _bid(mid: str) -> str:
    """A short base-62 id like weibo's ``bid`` (used in status URLs)."""
    alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    n, out = int(mid), ""
    while n:
        n, r = divmod(n, 62)
        out = alphabet[r] + out
    return out or "0"


# -- running it --------------------------------------------------------------------------
def load_world(config: RadarConfig, state_file: Path | None, clock: Clock = _utcnow) -> DemoWorld:
    """The demo world for ``config``; its start time is kept in ``state_file`` so a
    restart continues the same timeline (a world older than 12 hours is replaced)."""
    demo = config.demo
    brands = [b.name for b in config.brands]
    settings = {
        "seed": demo.seed,
        "brands": brands,
        "crisis_brand": demo.crisis_brand,
        "crisis_after": demo.crisis_after,
        "posts_per_minute": demo.posts_per_minute,
    }
    now = clock()
    start = now
    if state_file is not None and state_file.exists():
        try:
            state = json.loads(state_file.read_text(encoding="utf-8"))
            saved = datetime.fromisoformat(state["start"])
            if state.get("settings") == settings and now - saved < STATE_MAX_AGE:
                start = saved
        except (ValueError, KeyError, OSError) as exc:
            log.warning(
                "demo state file %s unreadable (%s); starting a fresh world", state_file, exc
            )
    if state_file is not None:
        state_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = state_file.with_suffix(".tmp")
        tmp.write_text(
            json.dumps({"start": start.isoformat(), "settings": settings}, ensure_ascii=False),
            encoding="utf-8",
        )
        tmp.replace(state_file)
    return DemoWorld(
        brands,
        start,
        seed=demo.seed,
        posts_per_minute=demo.posts_per_minute,
        crisis_brand=demo.crisis_brand,
        crisis_after=demo.crisis_after,
    )


class DemoSources:
    """The demo site under uvicorn in a daemon thread."""

    def __init__(
        self,
        config: RadarConfig,
        state_file: Path | None = None,
        clock: Clock = _utcnow,
        world: DemoWorld | None = None,
    ) -> None:
        self.config = config
        self.world = world or load_world(config, state_file, clock)
        terms = {b.name: b.match_terms for b in config.brands}
        self.site = DemoSite(self.world, terms, clock)
        self._server = uvicorn.Server(
            uvicorn.Config(
                self.site.app,
                host=config.demo.host,
                port=config.demo.port,
                log_level="warning",
                lifespan="off",
                access_log=False,
            )
        )
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.config.demo.host}:{self.port}"

    @property
    def port(self) -> int:
        servers = getattr(self._server, "servers", None) or []
        for server in servers:
            for sock in server.sockets:
                return int(sock.getsockname()[1])
        return self.config.demo.port

    def start(self, timeout: float = 10.0) -> None:
        self._thread = threading.Thread(target=self._server.run, name="demo-sources", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(
                    f"demo sources could not start on {self.config.demo.host}:"
                    f"{self.config.demo.port} (port in use?)"
                )
            time.sleep(0.05)

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)
