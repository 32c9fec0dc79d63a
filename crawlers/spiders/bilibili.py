"""Bilibili spider: videos found by keyword and the comments (replies) under them, through
the public JSON API.

Requests (under the source's ``base_url``, ``https://api.bilibili.com``)::

    keys     /x/web-interface/nav
    search   /x/web-interface/wbi/search/type?keyword={kw}&order=pubdate&page={n}
             &search_type=video&wts=…&w_rid=…
    replies  /x/v2/reply/wbi/main?mode=2&oid={aid}&pagination_str={"offset":"…"}&plat=1
             &type=1&web_location=1315875&wts=…&w_rid=…

Search and replies are WBI-signed (crawlers/wbi.py): the run first reads the day's keys
from ``nav`` (an anonymous caller gets code -101 "账号未登录" with the keys, which is no
login block there) and keeps them on the spider; a -352 answer to a signed request
refreshes them once per run (the requests that got it are asked again, signed with the
new keys); a -352 after that is the risk-control block. Search is ordered newest first
(``order=pubdate``), so paging stops at the watermark like the other spiders; replies
are read newest first (``mode=2``), page after page by the opaque ``next_offset`` the
site hands out. The site wants its cookies (``buvid3``, else -412): give them with
``cookies:`` from an env var.

Fields read (everything else is ignored):

* every answer: ``code`` (0 = answer; -412 "请求被拦截" is the anti-crawler ban, also
  served as HTTP 412; -352 "风控校验失败" a risk-control check (``captcha``); -101 "账号未登录"
  ``login``; on replies -404 and 12002 "评论区已关闭" mean no comments), ``message``.
* search: ``data.result[]`` with ``type`` "video", ``aid``, ``bvid``, ``title`` (the
  keyword in ``<em class="keyword">``, removed), ``description``, ``author``, ``mid``,
  ``pubdate`` (Unix seconds), ``play``, ``review`` (comments), ``video_review``
  (danmaku), ``favorites``, ``like`` (when given); ``data.numPages``.
* nav: ``data.wbi_img`` {``img_url``, ``sub_url``}.
* replies: ``data.cursor`` {``is_end``, ``pagination_reply.next_offset``};
  ``data.replies[]`` (null or empty when none) {``rpid``, ``ctime``, ``like``,
  ``rcount``, ``member`` {``mid``, ``uname``}, ``content.message`` (plain text; emotes
  as ``[doge]``), ``replies`` (a few replies to it, same shape)}.

A video is a mention of kind ``video`` (engagement: comments = ``review``, likes =
``like``, else ``favorites``), each reply one of kind ``comment`` (``reply`` for a reply
to a reply) under it. Comments are read for the videos that name a brand when the video's
comment count changed since they were last read to the end (marker
``replies:{aid}`` = the count and when). A video with more pages than
``max_comment_pages`` gets a comment cursor (the next page's ``next_offset``; a cursor
an older version left as a page number starts over from the top) that later runs go on
from,
``max_comment_pages`` pages a run, most commented video first; reading from the top
stops at a page older than the last complete read.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from scrapy.http import Request, Response

from crawlers.health import Block, json_body
from crawlers.items import MentionItem
from crawlers.spiders.base import RadarSpider
from crawlers.spiders.weibo import parse_count
from crawlers.text import html_to_text
from crawlers.wbi import NAV_PATH, WbiKeys, signed_query
from index.models import Author, Engagement, Mention, SourceKind

SEARCH_PATH = "/x/web-interface/wbi/search/type"
REPLIES_PATH = "/x/v2/reply/wbi/main"
RISK_CHECK = -352  # "风控校验失败": also what a stale or missing WBI signature gets
_BLOCKS = {-412: "ban", RISK_CHECK: "captcha", -101: "login"}
_NO_REPLIES = (-404, 12002, 12061)  # no such comment area / closed by the site or uploader


class BilibiliSpider(RadarSpider):
    name = "bilibili"
    kind = "bilibili"
    # the anti-crawler answer comes as HTTP 412 with its JSON: the parser reads it
    handle_httpstatus_list: ClassVar[list[int]] = [412]

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.wbi: WbiKeys | None = None  # this run's signing keys (from nav)
        self.wbi_version = 0  # how often they were read this run
        self.refreshing = False  # a second nav read is under way
        self.parked: list[Response] = []  # -352 answers to ask again once it is in

    async def start(self) -> AsyncIterator[Any]:
        yield self.request(self.url(NAV_PATH), self.parse_nav)  # the listings follow

    def _listings(self) -> Iterator[Any]:
        for kw in self.source.query:
            yield self._search(kw, 1)
        # videos whose comments earlier runs left at max_comment_pages, most commented first
        for rank, (aid, state) in enumerate(self.cursor.pending_comments()):
            yield self._replies(
                aid,
                str(state.get("bvid", "")),
                str(state.get("post_text", "")),
                str(state.get("offset") or ""),
                count=int(state.get("count") or 0),
                priority=-1 - rank,
            )

    # -- signing ----------------------------------------------------------------------
    def parse_nav(self, response: Response) -> Iterator[Any]:
        yield from self.guarded(response, self._parse_nav)

    def _parse_nav(self, response: Response) -> Iterator[Any]:
        if response.status == 412:
            self.blocked(Block("ban", f"HTTP 412 from {response.url}"), response.url)
            return
        data = json_body(response.body)
        code = data.get("code") if isinstance(data, dict) else None
        if code in _BLOCKS and code != -101:  # -101: anonymous, which is what we are
            detail = f"nav answered {code} {data.get('message', '')!r} ({response.url})"
            self.blocked(Block(_BLOCKS[code], detail), response.url)
            return
        self.wbi = WbiKeys.from_nav(data)
        self.wbi_version += 1
        if self.wbi_version == 1:
            yield from self._listings()
            return
        self.refreshing = False
        parked, self.parked = self.parked, []
        for stale in parked:
            yield self._again(stale)

    def _signed(
        self, path: str, params: dict[str, Any], callback: Any, priority: int = 0, **meta: Any
    ) -> Request:
        assert self.wbi is not None, "nav is read before any signed request"
        query = signed_query(params, self.wbi, int(time.time()))
        again = {k: v for k, v in meta.items() if k != "dont_filter"}
        signed = {"path": path, "params": params, "meta": again, "version": self.wbi_version}
        return self.request(
            self.url(f"{path}?{query}"), callback, priority=priority, signed=signed, **meta
        )

    def _again(self, response: Response) -> Request:
        """The request ``response`` answers, signed again with the current keys."""
        signed = response.meta["signed"]
        callback = response.request.callback if response.request else None
        priority = response.request.priority if response.request else 0
        return self._signed(
            signed["path"],
            signed["params"],
            callback,
            priority=priority,
            **signed["meta"],
            dont_filter=True,
        )

    def _stale_keys(self, response: Response) -> list[Any] | None:
        """For a -352 answer to a request signed with keys that may be stale: what to ask
        instead (the request again, or nav for new keys first); None when the answer is
        no such thing (then -352 is the risk-control block)."""
        signed = response.meta.get("signed")
        if signed is None or response.status != 200 or _code(response) != RISK_CHECK:
            return None
        if signed["version"] < self.wbi_version:  # the keys changed since it was sent
            return [self._again(response)]
        if self.refreshing:
            self.parked.append(response)
            return []
        if self.wbi_version > 1:  # refreshed once already: this is the site's answer
            return None
        self.refreshing = True
        self.parked.append(response)
        self.crawler.stats.inc_value("radar/wbi_refreshed")
        return [self.request(self.url(NAV_PATH), self.parse_nav, dont_filter=True)]

    def _answer(self, response: Response, what: str) -> dict[str, Any] | None:
        """The JSON answer's ``data``; None after a block (the source is paused)."""
        if response.status == 412:  # the anti-crawler answer, whatever its body
            self.blocked(Block("ban", f"HTTP 412 from {response.url}"), response.url)
            return None
        try:
            data = json_body(response.body)
        except ValueError as exc:
            raise ValueError(f"not JSON ({exc})") from None
        if not isinstance(data, dict) or "code" not in data:
            raise ValueError("answer is not an object with a code")
        code = data["code"]
        if code in _BLOCKS:
            detail = f"{what} answered {code} {data.get('message', '')!r} ({response.url})"
            self.blocked(Block(_BLOCKS[code], detail), response.url)
            return None
        if code != 0:
            raise ValueError(f"{what} answered code={code!r} message={data.get('message')!r}")
        body = data.get("data")
        if not isinstance(body, dict):
            raise ValueError(f"{what} answer has no data object")
        return body

    # -- search -----------------------------------------------------------------------
    def _search(self, keyword: str, page: int) -> Any:
        params = {"search_type": "video", "keyword": keyword, "order": "pubdate", "page": page}
        return self._signed(SEARCH_PATH, params, self.parse_search, keyword=keyword, page=page)

    def parse_search(self, response: Response) -> Iterator[Any]:
        yield from self.guarded(response, self._parse_search)

    def _parse_search(self, response: Response) -> Iterator[Any]:
        keyword, page = response.meta["keyword"], response.meta["page"]
        instead = self._stale_keys(response)
        if instead is not None:
            yield from instead
            return
        body = self._answer(response, "search")
        if body is None:
            return
        results = body.get("result") or []
        if not isinstance(results, list):
            raise ValueError("search answer's data.result is not a list")
        times: list[datetime] = []
        for video in results:
            if not isinstance(video, dict) or video.get("type", "video") != "video":
                continue
            try:
                mention = self._video(video)
            except (KeyError, TypeError, ValueError) as exc:
                self.bad_entry(response, f"video {video.get('bvid')!r}: {exc}")
                continue
            times.append(mention.published_at)
            if self.cursor.is_old(mention.published_at, self.source.overlap):
                continue
            yield MentionItem(mention=mention)
            yield from self._maybe_replies(mention, int(video["aid"]))
        if not times:
            return  # past the last page
        if all(self.cursor.is_old(t, self.source.overlap) for t in times):
            self.crawler.stats.inc_value("radar/stopped_at_seen")
            return
        pages = parse_count(body.get("numPages"))
        if pages and page >= pages:
            return
        if page >= self.source.max_pages:
            self.truncated("page_cap", f"search {keyword!r}: max_pages={page} of {pages} reached")
            return
        yield self._search(keyword, page + 1)

    def _video(self, video: dict[str, Any]) -> Mention:
        bvid = str(video["bvid"])
        if not bvid.startswith("BV"):
            raise ValueError(f"bvid {bvid!r}")
        likes = video.get("like")
        return Mention(
            id=f"{self.source.name}:{bvid}",
            source=self.source.name,
            source_kind=SourceKind.bilibili,
            native_id=bvid,
            kind="video",
            url=f"https://www.bilibili.com/video/{bvid}",
            title=html_to_text(str(video.get("title", ""))),
            text=html_to_text(str(video.get("description", "") or "")),
            author=Author(id=str(video.get("mid", "") or ""), name=str(video.get("author", ""))),
            published_at=datetime.fromtimestamp(int(video["pubdate"]), UTC),
            crawled_at=self.crawl_time,
            engagement=Engagement(
                comments=parse_count(video.get("review")),
                likes=parse_count(likes if likes is not None else video.get("favorites")),
            ),
        )

    # -- replies ----------------------------------------------------------------------
    def _maybe_replies(self, video: Mention, aid: int) -> Iterator[Any]:
        count = video.engagement.comments
        if not self.source.fetch_comments or count <= 0:
            return
        if not self.matcher.match(f"{video.title}\n{video.text}"):
            return
        key = str(aid)
        read = self.cursor.seen.get(f"replies:{key}")
        going_on = self.cursor.comments.get(key)
        if (isinstance(read, dict) and read.get("count") == count) or (
            going_on and going_on.get("count") == count
        ):
            return  # unchanged (a comment cursor of an earlier run goes on, see start)
        since = read.get("at") if isinstance(read, dict) else None
        yield self._replies(
            key,
            video.native_id,
            f"{video.title}\n{video.text}",
            "",
            count=count,
            since=since,
            top=going_on is not None,
        )

    def _replies(
        self,
        aid: str,
        bvid: str,
        post_text: str,
        offset: str,
        count: int = 0,
        since: str | None = None,
        top: bool = False,
        read: int = 0,
        priority: int = 0,
    ) -> Any:
        """The page of a video's replies at ``offset`` (the previous page's
        ``next_offset``; "" for the first); ``read``: pages this run read of it (the
        max_comment_pages budget); ``since``: when its comments were last read to the end
        (reading from the top stops at a page older than that); ``top``: a re-read of the
        newest pages while a comment cursor goes on deeper (that cursor stays)."""
        params = {
            "oid": aid,
            "type": 1,
            "mode": 2,  # newest first
            "pagination_str": json.dumps({"offset": offset}, separators=(",", ":")),
            "plat": 1,
            "web_location": 1315875,
        }
        return self._signed(
            REPLIES_PATH,
            params,
            self.parse_replies,
            priority=priority,
            aid=aid,
            bvid=bvid,
            post_text=post_text,
            offset=offset,
            count=count,
            since=since,
            top=top,
            read=read + 1,
        )

    def parse_replies(self, response: Response) -> Iterator[Any]:
        yield from self.guarded(response, self._parse_replies)

    def _parse_replies(self, response: Response) -> Iterator[Any]:
        meta = response.meta
        if response.status == 200 and _code(response) in _NO_REPLIES:
            self._replies_read(meta)
            return
        instead = self._stale_keys(response)
        if instead is not None:
            yield from instead
            return
        body = self._answer(response, "replies")
        if body is None:
            return
        replies = body.get("replies") or []
        if not isinstance(replies, list):
            raise ValueError("replies answer's data.replies is not a list")
        post_id = f"{self.source.name}:{meta['bvid']}"
        times: list[datetime] = []
        for reply in replies:
            nested = reply.get("replies") if isinstance(reply, dict) else None
            for entry, kind in [(reply, "comment")] + [(r, "reply") for r in nested or []]:
                try:
                    item = self._reply(entry, post_id, meta["bvid"], meta["post_text"], kind)
                except (KeyError, TypeError, ValueError, AttributeError) as exc:
                    self.bad_entry(response, f"reply: {exc}")
                    continue
                if kind == "comment":
                    times.append(item.mention.published_at)
                yield item
        cursor = body.get("cursor")
        if not isinstance(cursor, dict):
            raise ValueError("replies answer has no data.cursor object")
        last = not replies or bool(cursor.get("is_end"))
        next_offset = (cursor.get("pagination_reply") or {}).get("next_offset")
        if not last and not (isinstance(next_offset, str) and next_offset):
            raise ValueError(f"replies answer is not the last page but next_offset={next_offset!r}")
        next_offset = str(next_offset or "")
        since = meta.get("since")
        if not last and since and times:
            stop = datetime.fromisoformat(since) - timedelta(seconds=self.source.overlap)
            last = max(times) < stop  # older than the last complete read: all stored
        if last:
            self._replies_read(meta)
            return
        if not meta.get("top"):
            self.cursor.comments_progress(
                meta["aid"],
                {
                    "offset": next_offset,
                    "count": meta["count"],
                    "heat": meta["count"],
                    "bvid": meta["bvid"],
                    "post_text": meta["post_text"][:1000],
                },
            )
        if meta["read"] >= self.source.max_comment_pages:
            self.truncated(
                "comment_page_cap",
                f"replies of {meta['bvid']}: {meta['read']} page(s) read; the next runs go on",
            )
            return
        yield self._replies(
            meta["aid"],
            meta["bvid"],
            meta["post_text"],
            next_offset,
            count=meta["count"],
            since=since,
            top=bool(meta.get("top")),
            read=meta["read"],
            priority=response.request.priority if response.request else 0,
        )

    def _replies_read(self, meta: Any) -> None:
        """The video's replies were read to the end (or to what an earlier complete read
        stored): skip them until its comment count changes."""
        if meta.get("top"):
            return  # the cursor deeper down is still going
        self.cursor.comments_progress(meta["aid"], None)
        self.cursor.mark(
            f"replies:{meta['aid']}", {"count": meta["count"], "at": self.crawl_time.isoformat()}
        )

    def _reply(
        self, reply: dict[str, Any], post_id: str, bvid: str, post_text: str, kind: str
    ) -> MentionItem:
        rpid = str(reply["rpid"])
        member = reply.get("member") or {}
        content = reply.get("content") or {}
        mention = Mention(
            id=f"{self.source.name}:{rpid}",
            source=self.source.name,
            source_kind=SourceKind.bilibili,
            native_id=rpid,
            kind=kind,
            url=f"https://www.bilibili.com/video/{bvid}#reply{rpid}",
            text=str(content["message"]),
            author=Author(id=str(member.get("mid", "") or ""), name=str(member.get("uname", ""))),
            published_at=datetime.fromtimestamp(int(reply["ctime"]), UTC),
            crawled_at=self.crawl_time,
            engagement=Engagement(
                likes=parse_count(reply.get("like")), comments=parse_count(reply.get("rcount"))
            ),
            parent_id=post_id,
        )
        return MentionItem(mention=mention, context_text=post_text, listing=False)


def _code(response: Response) -> Any:
    try:
        data = json_body(response.body)
    except ValueError:
        return None
    return data.get("code") if isinstance(data, dict) else None
