"""Weibo spider: the m.weibo.cn container API.

Requests (under the source's ``base_url``)::

    search    /api/container/getIndex?containerid=100103type%3D1%26q%3D{kw}
              &page_type=searchall&page={n}
    timeline  /api/container/getIndex?type=uid&value={uid}&containerid=107603{uid}&page={n}
    longtext  /statuses/extend?id={id}
    comments  /comments/hotflow?id={id}&mid={id}&max_id_type=0[&max_id={max_id}]

Fields read (everything else is ignored):

* getIndex: ``ok``; ``data.cards[]`` with ``card_type`` 9 (``mblog``) or 11 (``card_group``
  of such cards); ``data.cardlistInfo.page`` (the next page number; null/absent on the
  last page) and ``.total``; any card text with "未予显示"/"部分结果" (results omitted).
  ``{"ok": 0, "msg": "这里还没有内容"}`` or no cards = end of results.
* mblog: ``id``, ``bid``, ``created_at``, ``text`` (HTML; emoticon ``<img alt=[泪]>`` kept),
  ``isLongText``, ``isTop``, ``reposts_count``/``comments_count``/``attitudes_count`` (ints
  or display strings like "100万+"), ``user`` {``id``, ``screen_name``,
  ``followers_count``, ``verified``}, ``retweeted_status`` (an mblog), ``raw_text``.
* extend: ``ok``, ``data.longTextContent``.
* hotflow: ``ok``; ``data.data[]`` comments {``id``, ``created_at``, ``text``, ``user``,
  ``like_count``, ``total_number``, ``comments`` (replies, list or false)}; ``data.max_id``
  (0 = last page). A post with more pages than ``max_comment_pages`` is continued from
  its ``max_id`` on the next runs (crawlers/cursor.py ``comments``), hottest post first.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from typing import Any
from urllib.parse import quote

from scrapy.http import Response

from crawlers.dates import parse_site_time
from crawlers.health import json_body
from crawlers.items import MentionItem
from crawlers.spiders.base import RadarSpider
from crawlers.text import html_to_text
from index.models import Author, Engagement, Mention, SourceKind

SITE_PAGE_LIMIT = 50  # m.weibo.cn stops serving search results after about 50 pages
_OMITTED = ("未予显示", "部分结果", "结果已被隐藏")
_EMPTY_MESSAGES = ("这里还没有内容", "快来发表你的评论吧", "还没有人评论")
_COUNT = re.compile(r"^\s*([\d.]+)\s*(万|亿)?\+?\s*$")


def parse_count(value: Any) -> int:
    """``1234``, ``"1234"``, ``"1.2万"``, ``"100万+"`` → int (0 when absent)."""
    if type(value) is int:  # the usual case, first
        return value if value > 0 else 0
    if isinstance(value, bool) or value is None:
        return 0
    if isinstance(value, (int, float)):
        return max(int(value), 0)
    m = _COUNT.match(str(value))
    if not m:
        return 0
    scale = {"万": 10_000, "亿": 100_000_000}.get(m.group(2) or "", 1)
    return int(float(m.group(1)) * scale)


class WeiboSpider(RadarSpider):
    name = "weibo"
    kind = "weibo"

    async def start(self) -> AsyncIterator[Any]:
        src = self.source
        if src.mode == "search":
            for kw in src.query:
                yield self._list_request(("search", kw), 1)
        elif src.mode == "timeline":
            for uid in src.user_ids:
                yield self._list_request(("timeline", uid), 1)
        else:  # comments: ``query`` holds the ids of posts whose comments are followed
            for mid in src.query:
                yield self._comments_request(mid, "", None, 1)
        # posts whose comments earlier runs left at max_comment_pages: the next pages,
        # hottest post first (after the listings: new posts come first)
        for rank, (mid, state) in enumerate(self.cursor.pending_comments()):
            yield self._comments_request(
                mid,
                str(state.get("post_text", "")),
                str(state.get("post_id") or self._id(mid)),
                1,
                state.get("max_id"),
                (f"comments:{mid}", int(state.get("count") or 0)),
                done=int(state.get("pages") or 0),
                heat=float(state.get("heat") or 0),
                priority=-1 - rank,
            )

    # -- listings ---------------------------------------------------------------------
    def _list_request(self, listing: tuple[str, str], page: int) -> Any:
        what, value = listing
        if what == "search":
            cid = quote(f"100103type=1&q={value}", safe="")
            path = f"/api/container/getIndex?containerid={cid}&page_type=searchall&page={page}"
        else:
            uid = quote(value, safe="")
            path = (
                f"/api/container/getIndex?type=uid&value={uid}&containerid=107603{uid}&page={page}"
            )
        return self.request(self.url(path), self.parse_list, listing=listing, page=page)

    def parse_list(self, response: Response) -> Iterator[Any]:
        yield from self.guarded(response, self._parse_list)

    def _parse_list(self, response: Response) -> Iterator[Any]:
        listing, page = response.meta["listing"], response.meta["page"]
        data = _json(response)
        body = data.get("data") or {}
        if data.get("ok") != 1:
            if data.get("ok") == 0 and (
                not body.get("cards") or str(data.get("msg", "")) in _EMPTY_MESSAGES
            ):
                self._end_of_results(listing, page, body)
                return
            raise ValueError(f"getIndex answered ok={data.get('ok')!r} msg={data.get('msg')!r}")
        if not isinstance(body, dict) or not isinstance(body.get("cards"), list):
            raise ValueError("getIndex answer has no data.cards list")
        mblogs, omitted = _mblogs(body["cards"])
        if omitted:
            self.truncated("results_omitted", f"{listing[0]} {listing[1]!r} page {page}: {omitted}")
        if not mblogs:
            self._end_of_results(listing, page, body)
            return
        times: list[datetime] = []
        for mblog in mblogs:
            try:
                published = self._time(mblog)
                items = list(self._post(mblog, published))
            except (KeyError, TypeError, ValueError) as exc:
                self.bad_entry(response, f"mblog {mblog.get('id')!r}: {exc}")
                continue
            if not mblog.get("isTop"):
                times.append(published)
            yield from items
        info = body.get("cardlistInfo") or {}
        has_next = info.get("page") not in (None, "", 0, "0")
        if times and all(self.cursor.is_old(t, self.source.overlap) for t in times):
            self.crawler.stats.inc_value("radar/stopped_at_seen")
            return
        if not has_next:
            return
        if page >= self.source.max_pages:
            self.truncated("page_cap", f"{listing[0]} {listing[1]!r}: max_pages={page} reached")
            return
        yield self._list_request(listing, page + 1)

    def _end_of_results(self, listing: tuple[str, str], page: int, body: dict[str, Any]) -> None:
        info = (body.get("cardlistInfo") if isinstance(body, dict) else None) or {}
        total = parse_count(info.get("total")) if isinstance(info, dict) else 0
        seen = (page - 1) * 10
        if page > 1 and (page >= SITE_PAGE_LIMIT or total > seen + 10):
            self.truncated(
                "site_limit",
                f"{listing[0]} {listing[1]!r}: results stopped at page {page} "
                f"while the site reports {total} in total",
            )

    # -- posts ------------------------------------------------------------------------
    def _time(self, mblog: dict[str, Any]) -> datetime:
        return parse_site_time(str(mblog.get("created_at", "")), self.crawl_time, self.tz)

    def _post(self, mblog: dict[str, Any], published: datetime) -> Iterator[Any]:
        context = ""
        repost_of = None
        original = mblog.get("retweeted_status")
        if isinstance(original, dict) and original.get("id"):
            orig_time = self._time(original)
            context = html_to_text(str(original.get("text", "")))
            repost_of = self._id(original["id"])
            yield from self._post(original, orig_time)
            self.crawler.stats.inc_value("radar/reposts")
        mention = self._mention(mblog, published, repost_of)
        if mblog.get("isLongText"):
            yield self.request(
                self.url(f"/statuses/extend?id={mblog['id']}"),
                self.parse_longtext,
                mention=mention,
                context=context,
                mblog_id=str(mblog["id"]),
                comments=parse_count(mblog.get("comments_count")),
            )
            return
        yield MentionItem(mention=mention, context_text=context)
        yield from self._maybe_comments(mention, context, parse_count(mblog.get("comments_count")))

    def parse_longtext(self, response: Response) -> Iterator[Any]:
        mention: Mention = response.meta["mention"]
        self.page()
        try:
            data = _json(response)
            full = (data.get("data") or {}).get("longTextContent") if data.get("ok") == 1 else None
            if not isinstance(full, str) or not full.strip():
                raise ValueError(f"no longTextContent (ok={data.get('ok')!r})")
            mention.text = html_to_text(full)
            self.crawler.stats.inc_value("radar/long_texts")
        except Exception as exc:
            # the short text is stored, but the page is lost: the watermark holds so the
            # next run asks for the long text again (README: a lost page holds it)
            self.crawler.stats.inc_value("radar/pages_lost")
            self.unparsable(response, f"long text unreadable, keeping the short text: {exc}")
        context = response.meta["context"]
        yield MentionItem(mention=mention, context_text=context)
        yield from self._maybe_comments(mention, context, response.meta["comments"])

    def _mention(
        self, mblog: dict[str, Any], published: datetime, repost_of: str | None
    ) -> Mention:
        native = str(mblog["id"])
        user = mblog.get("user") or {}
        return Mention(
            id=self._id(native),
            source=self.source.name,
            source_kind=SourceKind.weibo,
            native_id=native,
            kind="repost" if repost_of else "post",
            url=self.url(f"/status/{native}"),
            text=html_to_text(str(mblog.get("text", ""))),
            author=_author(user),
            published_at=published,
            crawled_at=self.crawl_time,
            engagement=Engagement(
                reposts=parse_count(mblog.get("reposts_count")),
                comments=parse_count(mblog.get("comments_count")),
                likes=parse_count(mblog.get("attitudes_count")),
            ),
            repost_of=repost_of,
        )

    def _id(self, native: Any) -> str:
        return f"{self.source.name}:{native}"

    # -- comments ---------------------------------------------------------------------
    def _maybe_comments(self, post: Mention, context: str, count: int) -> Iterator[Any]:
        if not self.source.fetch_comments or count <= 0:
            return
        if not self.matcher.match(post.text) and not self.matcher.match(context):
            return
        key = f"comments:{post.native_id}"
        going_on = self.cursor.comments.get(post.native_id)
        if self.cursor.seen.get(key) == count or (going_on and going_on.get("count") == count):
            return  # unchanged (an earlier run's comment cursor goes on with it, see start)
        # the count is marked as seen when the last page is read (see _comments_read); a
        # post whose comment cursor goes on elsewhere has its top pages read again for
        # the new hot comments ("top"), without moving that cursor back
        yield self._comments_request(
            post.native_id,
            post.text or context,
            post.id,
            1,
            seen=(key, count),
            heat=count,
            top=going_on is not None,
        )

    def _comments_request(
        self,
        mid: str,
        post_text: str,
        post_id: str | None,
        page: int,
        max_id: Any = None,
        seen: tuple[str, int] | None = None,
        done: int = 0,
        heat: float = 0,
        priority: int = 0,
        top: bool = False,
    ) -> Any:
        """One hotflow page; ``page`` counts this run's pages of the post (the
        max_comment_pages budget), ``done`` the pages earlier runs read."""
        path = f"/comments/hotflow?id={mid}&mid={mid}&max_id_type=0"
        if max_id:
            path += f"&max_id={max_id}"
        return self.request(
            self.url(path),
            self.parse_comments,
            priority=priority,
            mid=mid,
            post_text=post_text,
            post_id=post_id or self._id(mid),
            page=page,
            seen=seen,
            done=done,
            heat=heat,
            top=top,
        )

    def parse_comments(self, response: Response) -> Iterator[Any]:
        yield from self.guarded(response, self._parse_comments)

    def _parse_comments(self, response: Response) -> Iterator[Any]:
        meta = response.meta
        data = _json(response)
        if data.get("ok") != 1:
            if data.get("ok") == 0:
                self._comments_read(meta)
                return  # no comments ("快来发表你的评论吧")
            raise ValueError(f"hotflow answered ok={data.get('ok')!r} msg={data.get('msg')!r}")
        body = data.get("data")
        if not isinstance(body, dict) or not isinstance(body.get("data"), list):
            raise ValueError("hotflow answer has no data.data list")
        for comment in body["data"]:
            replies = comment.get("comments") if isinstance(comment, dict) else None
            for entry, kind in [(comment, "comment")] + [(r, "reply") for r in replies or []]:
                try:
                    yield self._comment(entry, meta["post_id"], meta["post_text"], kind)
                except (KeyError, TypeError, ValueError, AttributeError) as exc:
                    self.bad_entry(response, f"comment: {exc}")
        max_id = body.get("max_id")
        if not max_id or str(max_id) == "0":
            self._comments_read(meta)
            return
        # this page is read: the post's cursor moves to the next one (should a later
        # page be lost, the next run goes on from here); a re-read of the top pages
        # leaves the cursor of the deeper pages where it is
        read = meta.get("done", 0) + meta["page"]
        if not meta.get("top"):
            self.cursor.comments_progress(
                meta["mid"],
                {
                    "max_id": max_id,
                    "pages": read,
                    "count": meta["seen"][1] if meta.get("seen") else 0,
                    "heat": meta.get("heat", 0),
                    "post_id": meta["post_id"],
                    "post_text": meta["post_text"][:1000],
                },
            )
        if meta["page"] >= self.source.max_comment_pages:
            self.truncated(
                "comment_page_cap",
                f"comments of {meta['mid']}: {read} pages read; the next runs go on from there",
            )
            return
        yield self._comments_request(
            meta["mid"],
            meta["post_text"],
            meta["post_id"],
            meta["page"] + 1,
            max_id,
            meta.get("seen"),
            done=meta.get("done", 0),
            heat=meta.get("heat", 0),
            priority=response.request.priority if response.request else 0,
            top=bool(meta.get("top")),
        )

    def _comments_read(self, meta: Any) -> None:
        """All pages of a post's comments were read: skip them until the count changes,
        and its comment cursor (if a run had to stop part-way) is done."""
        self.cursor.comments_progress(meta["mid"], None)
        if meta.get("seen"):
            key, count = meta["seen"]
            self.cursor.mark(key, count)

    def _comment(
        self, comment: dict[str, Any], post_id: str, post_text: str, kind: str
    ) -> MentionItem:
        native = str(comment["id"])
        mention = Mention(
            id=self._id(native),
            source=self.source.name,
            source_kind=SourceKind.weibo,
            native_id=native,
            kind=kind,
            url=self.url(f"/status/{post_id.split(':', 1)[1]}?cid={native}"),
            text=html_to_text(str(comment.get("text", ""))),
            author=_author(comment.get("user") or {}),
            published_at=parse_site_time(
                str(comment.get("created_at", "")), self.crawl_time, self.tz
            ),
            crawled_at=self.crawl_time,
            engagement=Engagement(
                likes=parse_count(comment.get("like_count")),
                comments=parse_count(comment.get("total_number")),
            ),
            parent_id=post_id,
        )
        return MentionItem(mention=mention, context_text=post_text, listing=False)


def _json(response: Response) -> dict[str, Any]:
    try:
        data = json_body(response.body)
    except ValueError as exc:
        raise ValueError(f"not JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ValueError("JSON answer is not an object")
    return data


def _mblogs(cards: list[Any]) -> tuple[list[dict[str, Any]], str]:
    """The mblogs of a card list (also inside card_group) and any "results omitted" note."""
    found: list[dict[str, Any]] = []
    omitted = ""
    for card in cards:
        if not isinstance(card, dict):
            continue
        if card.get("card_type") == 9 and isinstance(card.get("mblog"), dict):
            found.append(card["mblog"])
        elif isinstance(card.get("card_group"), list):
            inner, note = _mblogs(card["card_group"])
            found.extend(inner)
            omitted = omitted or note
        if card.get("card_type") != 9:
            words = " ".join(str(card.get(k, "")) for k in ("desc", "title_sub", "desc1", "msg"))
            if any(marker in words for marker in _OMITTED):
                omitted = omitted or words.strip()[:120]
    return found, omitted


def _author(user: dict[str, Any]) -> Author:
    if not isinstance(user, dict):
        return Author()
    return Author(
        id=str(user.get("id", "") or ""),
        name=str(user.get("screen_name", "") or ""),
        followers=parse_count(user.get("followers_count")),
        verified=bool(user.get("verified")),
    )
