"""Forum spider: thread list → thread → floors, with paging. Modes (``mode:``):

**tieba** (Baidu Tieba)::

    list    /f?kw={forum}&ie=utf-8&pn={50*(page-1)}
    thread  /p/{tid}?pn={page}

  List: ``li.j_thread_list`` rows (also inside the ``<code class="pagelet_html"><!-- … -->``
  blocks the real site wraps them in) with ``data-field`` JSON (``id``, ``reply_num``,
  ``author_name``), title link ``a.j_th_tit``; next page ``a.next``.
  Thread: title ``.core_title_txt`` (or ``<title>``), floors ``div.l_post`` with
  ``data-field`` JSON (``author.user_id``, ``content.post_id``/``post_no``), author = the
  name shown (``a.p_author_name``; ``author.user_nickname``/``user_name`` when absent:
  ``user_name`` is the hidden account name, not what readers see), text
  ``div.d_post_content`` (smileys named, a photo ``[图片]``, see crawlers/text.py; the
  "点击展开，查看完整图片" tip dropped), time = the date-shaped ``span.tail-info`` (or
  ``content.date``); next page = the ``li.l_pager`` link "下一页".

**discuz** (Discuz! X3)::

    list    /forum.php?mod=forumdisplay&fid={fid}&page={n}
    thread  /forum.php?mod=viewthread&tid={tid}&page={n}

  List: ``tbody[id^=normalthread_]`` / ``[id^=stickthread_]`` rows, title ``a.xst``,
  replies ``td.num a``; next ``div.pg a.nxt``. Thread: title ``#thread_subject``, posts
  ``div[id^=post_]`` of ``#postlist``, author ``.authi a.xw1``, time ``em[id^=authorposton]``
  (``span[title]`` when shown relative), text ``td.t_f`` (edit notes and quotes removed).

**generic**: the ``selectors:`` of the source (CSS, or XPath when starting with ``/`` or
``(``) name thread links, next page, posts and their id/text/author/time.

A thread is (re)read only when it is new or its reply count changed since the last
complete run, starting at the last page read then; the list stops at a page where no
thread changed.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import parse_qs, quote, urljoin, urlparse

import lxml.html
from parsel import Selector, SelectorList
from scrapy.http import TextResponse as Response

from crawlers.dates import parse_site_time
from crawlers.items import MentionItem
from crawlers.spiders.base import RadarSpider
from crawlers.text import element_text, squeeze
from index.models import Author, Engagement, Mention, SourceKind

_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?")


class ForumSpider(RadarSpider):
    name = "forum"
    kind = "forum"

    async def start(self) -> AsyncIterator[Any]:
        if self.source.mode == "generic":
            yield self.request(self.source.base_url + "/", self.parse_list, page=1)
            return
        for forum in self.source.forum_ids:
            yield self.request(self._list_url(forum, 1), self.parse_list, forum=forum, page=1)

    def _list_url(self, forum: str, page: int) -> str:
        if self.source.mode == "tieba":
            return self.url(f"/f?kw={quote(forum, safe='')}&ie=utf-8&pn={50 * (page - 1)}")
        return self.url(f"/forum.php?mod=forumdisplay&fid={quote(forum, safe='')}&page={page}")

    def _thread_url(self, tid: str, page: int) -> str:
        if self.source.mode == "tieba":
            return self.url(f"/p/{tid}?pn={page}")
        return self.url(f"/forum.php?mod=viewthread&tid={tid}&page={page}")

    # -- thread lists -----------------------------------------------------------------
    def parse_list(self, response: Response) -> Iterator[Any]:
        yield from self.guarded(response, self._parse_list)

    def _parse_list(self, response: Response) -> Iterator[Any]:
        page = response.meta["page"]
        mode = self.source.mode
        if mode == "tieba":
            threads, has_next = _tieba_list(response)
        elif mode == "discuz":
            threads, has_next = _discuz_list(response)
        else:
            threads, has_next = self._generic_list(response)
        if threads is None:
            raise ValueError(f"no thread list found ({mode} layout expected)")
        changed = 0
        for thread in threads:
            key = f"thread:{thread['tid']}"
            before = self.cursor.seen.get(key) or {}
            replies = thread.get("replies")
            if replies is not None and before.get("replies") == replies:
                continue
            changed += 1
            start = int(before.get("pages", 1) or 1)
            yield self.request(
                thread["url"] if mode == "generic" else self._thread_url(thread["tid"], start),
                self.parse_thread,
                tid=thread["tid"],
                page=start,
                key=key,
                replies=replies,
                old_replies=before.get("replies"),
                title=thread.get("title", ""),
                first_text="",
                first_id=None,
            )
        if threads and not changed:
            self.crawler.stats.inc_value("radar/stopped_at_seen")
            return
        if not has_next:
            return
        if page >= self.source.max_pages:
            self.truncated("page_cap", f"{response.url}: max_pages={page} reached")
            return
        if mode == "generic":
            yield self.request(str(has_next), self.parse_list, page=page + 1)
        else:
            forum = response.meta["forum"]
            yield self.request(
                self._list_url(forum, page + 1), self.parse_list, forum=forum, page=page + 1
            )

    def _generic_list(self, response: Response) -> tuple[list[dict[str, Any]] | None, Any]:
        sel = self.source.selectors
        assert sel is not None
        links = _select(response.selector, sel.thread_links)
        if not links and not response.css("body"):
            return None, None
        threads = []
        for link in links:
            href = link.attrib.get("href") if hasattr(link, "attrib") else None
            href = href or link.get()
            url = urljoin(response.url, href.strip())
            if urlparse(url).scheme not in ("http", "https"):
                continue  # javascript:; / mailto: links are no threads
            tid = hashlib.sha1(url.encode()).hexdigest()[:16]
            threads.append({"tid": tid, "url": url, "replies": None, "title": ""})
        nxt = _next_link(response, sel.next_page)
        return threads, nxt

    # -- threads ----------------------------------------------------------------------
    def parse_thread(self, response: Response) -> Iterator[Any]:
        yield from self.guarded(response, self._parse_thread)

    def _parse_thread(self, response: Response) -> Iterator[Any]:
        meta = response.meta
        mode = self.source.mode
        if mode == "tieba":
            title, posts, nxt = _tieba_thread(response)
        elif mode == "discuz":
            title, posts, nxt = _discuz_thread(response)
        else:
            title, posts, nxt = self._generic_thread(response)
        if posts is None:
            raise ValueError(f"no posts found ({mode} thread layout expected)")
        title = title or meta["title"]
        first_text, first_id = meta["first_text"], meta["first_id"]
        for post in posts:
            try:
                item = self._floor(response, post, title, first_text, first_id)
            except (KeyError, TypeError, ValueError) as exc:
                self.bad_entry(response, f"post {post.get('id')!r}: {exc}")
                continue
            if item.mention.kind == "post":
                first_text, first_id = item.mention.text, item.mention.id
            yield item
        # the thread counts as read (new reply count) only once its last page is; until
        # then the old count keeps it "changed", resuming at the last page read
        last = not nxt or meta["page"] >= self.source.max_thread_pages
        replies = meta["replies"] if last else meta["old_replies"]
        self.cursor.mark(meta["key"], {"replies": replies, "pages": meta["page"]})
        if not nxt:
            return
        if last:
            self.truncated("thread_page_cap", f"{response.url}: max_thread_pages reached")
            return
        next_url = (
            urljoin(response.url, str(nxt))
            if mode == "generic"
            else self._thread_url(meta["tid"], meta["page"] + 1)
        )
        yield self.request(
            next_url,
            self.parse_thread,
            **{
                **{k: meta[k] for k in ("tid", "key", "replies")},
                "page": meta["page"] + 1,
                "title": title,
                "first_text": first_text,
                "first_id": first_id,
            },
        )

    def _floor(
        self,
        response: Response,
        post: dict[str, Any],
        title: str,
        first_text: str,
        first_id: str | None,
    ) -> MentionItem:
        floor = post.get("floor")
        is_first = floor == 1
        published = parse_site_time(post["time"], self.crawl_time, self.tz)
        text = post["text"]
        mention = Mention(
            id=f"{self.source.name}:{post['id']}",
            source=self.source.name,
            source_kind=SourceKind.forum,
            native_id=str(post["id"]),
            kind="post" if is_first else "reply",
            url=post.get("url") or response.url,
            title=title if is_first else "",
            text=text,
            author=Author(id=str(post.get("author_id", "")), name=post.get("author", "")),
            published_at=published,
            crawled_at=self.crawl_time,
            engagement=Engagement(comments=int(post.get("comments", 0) or 0)),
            parent_id=None if is_first else first_id,
        )
        context = f"{title}\n{first_text}".strip() if not is_first else ""
        return MentionItem(mention=mention, context_text=context)

    def _generic_thread(self, response: Response) -> tuple[str, list[dict[str, Any]] | None, Any]:
        sel = self.source.selectors
        assert sel is not None
        title = (
            squeeze(" ".join(_select(response.selector, sel.thread_title).getall()))
            if sel.thread_title
            else ""
        )
        title = _strip_tags(title)
        nodes = _select(response.selector, sel.post)
        if not nodes:
            return title, None, None
        posts = []
        for i, node in enumerate(nodes, 1):
            pid = _first(node, sel.post_id) if sel.post_id else ""
            if not pid:
                pid = hashlib.sha1(f"{response.url}#{i}".encode()).hexdigest()[:16]
            text_html = " ".join(_select(node, sel.post_text).getall())
            posts.append(
                {
                    "id": re.sub(r"[^\w.-]", "", pid) or pid,
                    "floor": i if response.meta["page"] == 1 else None,
                    "text": _fragment_text(text_html),
                    "author": _strip_tags(_first(node, sel.post_author)) if sel.post_author else "",
                    "time": _strip_tags(_first(node, sel.post_time)) if sel.post_time else "",
                }
            )
        return title, posts, _next_link(response, sel.next_page)


# -- Tieba -------------------------------------------------------------------------------
def _with_pagelets(response: Response) -> list[Selector]:
    """The page plus the HTML that Tieba ships inside ``<code class="pagelet_html">``
    comments (the thread list is there on the real site)."""
    docs: list[Selector] = [response.selector]
    for comment in response.xpath('//code[contains(@class, "pagelet_html")]/comment()'):
        raw = comment.get()
        docs.append(Selector(text=raw[4:-3] if raw.startswith("<!--") else raw))
    return docs


def _tieba_list(response: Response) -> tuple[list[dict[str, Any]] | None, bool]:
    docs = _with_pagelets(response)
    rows = SelectorList([r for d in docs for r in d.css("li.j_thread_list")])
    container = any(d.css("#thread_list, ul.threadlist_bright") for d in docs)
    if not rows and not container:
        return None, False
    threads = []
    for row in rows:
        field = json.loads(row.attrib.get("data-field") or "{}")
        tid = str(field.get("id") or row.attrib.get("data-tid") or "")
        if not tid:
            continue
        title = row.css("a.j_th_tit::attr(title)").get() or row.css("a.j_th_tit::text").get("")
        threads.append({"tid": tid, "replies": field.get("reply_num"), "title": title.strip()})
    has_next = any(d.css("#frs_list_pager a.next, .pagination-default a.next") for d in docs)
    return threads, has_next


def _tieba_thread(response: Response) -> tuple[str, list[dict[str, Any]] | None, bool]:
    title = (
        response.css(".core_title_txt::attr(title)").get()
        or response.css(".core_title_txt::text").get()
        or response.css("title::text").get("").split("【")[0]
    ).strip()
    nodes = response.css("div.l_post")
    if not nodes:
        return title, None, False
    posts = []
    for node in nodes:
        field = json.loads(node.attrib.get("data-field") or "{}")
        content = field.get("content") or {}
        author = field.get("author") or {}
        pid = str(content.get("post_id") or node.attrib.get("data-pid") or "")
        if not pid:
            continue
        body = node.css("div.d_post_content")
        tails = " ".join(node.css(".post-tail-wrap span.tail-info::text").getall())
        when = _DATE.search(tails)
        # the name the page shows; data-field's user_name is the hidden account name
        shown = squeeze("".join(node.css(".d_author a.p_author_name ::text").getall()))
        posts.append(
            {
                "id": pid,
                "floor": content.get("post_no"),
                # the page's "点击展开，查看完整图片" tip on a photo is no text of the post
                "text": _fragment_text(body[0].get(), drop=".replace_tip") if body else "",
                "author": shown or author.get("user_nickname") or author.get("user_name") or "",
                "author_id": author.get("user_id", ""),
                "time": when.group(0) if when else str(content.get("date", "")),
                "comments": content.get("comment_num", 0),
                "url": f"{response.url.split('?')[0]}?pid={pid}#{pid}",
            }
        )
    nxt = any(a.css("::text").get("").strip() == "下一页" for a in response.css("li.l_pager a"))
    return title, posts, nxt


# -- Discuz! X ---------------------------------------------------------------------------
def _discuz_list(response: Response) -> tuple[list[dict[str, Any]] | None, bool]:
    table = response.css("#threadlisttableid, #threadlist")
    if not table:
        return None, False
    threads = []
    for row in response.css('tbody[id^="normalthread_"], tbody[id^="stickthread_"]'):
        tid = row.attrib["id"].split("_", 1)[1]
        replies = row.css("td.num a::text").get()
        threads.append(
            {
                "tid": tid,
                "replies": int(replies) if replies and replies.strip().isdigit() else None,
                "title": (row.css("a.xst::text").get() or "").strip(),
            }
        )
    return threads, bool(response.css("div.pg a.nxt"))


def _discuz_thread(response: Response) -> tuple[str, list[dict[str, Any]] | None, bool]:
    title = (response.css("#thread_subject::text").get() or "").strip()
    nodes = response.css('#postlist > div[id^="post_"]')
    if not nodes:
        return title, None, False
    posts = []
    for node in nodes:
        pid = node.attrib["id"].split("_", 1)[1]
        if not pid.isdigit():
            continue
        when_sel = node.css('em[id^="authorposton"]')
        when = when_sel.css("span::attr(title)").get() or " ".join(when_sel.css("::text").getall())
        floor_text = "".join(node.css('a[id^="postnum"] ::text').getall())
        floor = re.search(r"\d+", floor_text)
        body = node.css("td.t_f")
        posts.append(
            {
                "id": pid,
                "floor": int(floor.group(0)) if floor else None,
                "text": _fragment_text(
                    body[0].get(), drop=".pstatus, .quote, ignore_js_op, .jammer"
                )
                if body
                else "",
                "author": (node.css(".authi a.xw1::text").get() or "").strip(),
                "author_id": _uid(node.css(".authi a.xw1::attr(href)").get() or ""),
                "time": squeeze(when),
                "url": f"{response.url}#pid{pid}",
            }
        )
    return title, posts, bool(response.css("div.pg a.nxt"))


def _uid(href: str) -> str:
    return (parse_qs(urlparse(href).query).get("uid") or [""])[0]


# -- helpers -----------------------------------------------------------------------------
def _select(node: Selector, query: str) -> SelectorList[Selector]:
    if not query:
        return SelectorList([])
    if query.startswith(("/", "(", "./")):
        return node.xpath(query)
    return node.css(query)


def _first(node: Selector, query: str) -> str:
    return (_select(node, query).get() or "").strip()


def _next_link(response: Response, query: str) -> str | None:
    if not query:
        return None
    found = _select(response.selector, query)
    if not found:
        return None
    href = found[0].attrib.get("href") if found[0].attrib else None
    href = href or found.get() or ""
    url = urljoin(response.url, href.strip()) if href.strip() else None
    return url if url and urlparse(url).scheme in ("http", "https") else None


def _strip_tags(fragment: str) -> str:
    return _fragment_text(fragment) if "<" in fragment else squeeze(fragment)


def _fragment_text(fragment: str, drop: str = "") -> str:
    if not fragment.strip():
        return ""
    root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    if drop:
        for el in Selector(root=root).css(drop):
            node = el.root
            parent = node.getparent()
            if parent is not None:
                if node.tail:
                    prev = node.getprevious()
                    if prev is not None:
                        prev.tail = (prev.tail or "") + node.tail
                    else:
                        parent.text = (parent.text or "") + node.tail
                parent.remove(node)
    return squeeze(element_text(root))
