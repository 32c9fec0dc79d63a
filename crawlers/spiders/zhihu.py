"""Zhihu spider: questions and answers found by keyword, through the web API.

Requests (under the source's ``base_url``, ``https://www.zhihu.com``)::

    search    /api/v4/search_v3?t=general&q={kw}&correction=1&sort=created_time
              &offset={20*(n-1)}&limit=20
    answer    /api/v4/answers/{id}?include=content,voteup_count,comment_count,
              created_time,updated_time
    answers   /api/v4/questions/{qid}/answers?include=data[*].content,voteup_count,
              comment_count,created_time,updated_time&limit=20&offset={20*(n-1)}
              &sort_by=created

The site wants a logged-in cookie (``z_c0``) and signs its own requests (``x-zse-96``):
give the cookie and headers with ``cookies:``/``headers:`` from env vars.

Fields read (everything else is ignored):

* search: ``data[]`` of ``{"type": "search_result", "object": {...}}`` whose ``object``
  is an ``answer`` {``id``, ``question`` {``id``, ``name``}, ``updated_time``} or a
  ``question`` {``id``, ``name`` (keyword in ``<em>``), ``excerpt``, ``answer_count``,
  ``created_time``, ``author``}; other result types (articles, topics, people) are
  skipped. ``paging.is_end``. Results are newest first (``sort=created_time``).
* answer (alone or in ``data[]`` of a question's answers, with ``paging.is_end``):
  ``id``, ``content`` (HTML), ``created_time``, ``updated_time``, ``voteup_count``,
  ``comment_count``, ``author`` {``id``, ``name``, ``follower_count``}, ``question``
  {``id``, ``title``}.
* an error: ``{"error": {"code", "message", "need_login", "redirect"}}``: ``need_login``
  → ``login``, code 40352 / a redirect to ``/account/unhuman`` → ``captcha`` (HTTP 403
  is a block before the spider sees it: ``http_403``).

An answer is a mention of kind ``answer`` (title: its question's, text: the whole answer;
the scorer reads what concerns each brand), a question one of kind ``question``. The
answers of a question found by the search that names a brand are read, newest first,
when its answer count changed (marker ``question:{qid}``) and are that question's
(``parent_id``, brands inherited from its title); a question with more pages than
``max_comment_pages`` gets a cursor that later runs go on from (as Weibo comments do),
most answered first. An answer found by the search is fetched again only when its
``updated_time`` changed (marker ``answer:{id}``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import quote

from scrapy.http import Response

from crawlers.health import Block, json_body
from crawlers.items import MentionItem
from crawlers.spiders.base import RadarSpider
from crawlers.spiders.weibo import parse_count
from crawlers.text import html_to_text
from index.models import Author, Engagement, Mention, SourceKind

LIMIT = 20
_ANSWER_FIELDS = "content,voteup_count,comment_count,created_time,updated_time"


class ZhihuSpider(RadarSpider):
    name = "zhihu"
    kind = "zhihu"
    handle_httpstatus_list: ClassVar[list[int]] = [401]  # need_login comes as 401 JSON

    async def start(self) -> AsyncIterator[Any]:
        for kw in self.source.query:
            yield self._search(kw, 1)
        # questions whose answers earlier runs left at max_comment_pages, most answered first
        for rank, (native, state) in enumerate(self.cursor.pending_comments()):
            q = {k: str(state.get(k, "")) for k in ("id", "native", "title")}
            q["native"] = q["native"] or native
            page = int(state.get("page") or 1)
            yield self._answers(q, page, int(state.get("count") or 0), priority=-1 - rank)

    def _answer_of(self, response: Response, what: str) -> dict[str, Any] | None:
        """The JSON object; None after a block (the source is paused)."""
        try:
            data = json_body(response.body)
        except ValueError as exc:
            raise ValueError(f"not JSON ({exc})") from None
        if not isinstance(data, dict):
            raise ValueError(f"{what} answer is not an object")
        error = data.get("error")
        if isinstance(error, dict):
            detail = f"{what} answered {error.get('code')} {error.get('message', '')!r}"
            if error.get("need_login"):
                self.blocked(Block("login", f"{detail} ({response.url})"), response.url)
                return None
            if error.get("code") == 40352 or "unhuman" in str(error.get("redirect", "")):
                self.blocked(Block("captcha", f"{detail} ({response.url})"), response.url)
                return None
            raise ValueError(detail)
        if response.status != 200:
            raise ValueError(f"{what} answered HTTP {response.status}")
        return data

    # -- search -----------------------------------------------------------------------
    def _search(self, keyword: str, page: int) -> Any:
        path = (
            f"/api/v4/search_v3?t=general&q={quote(keyword)}&correction=1&sort=created_time"
            f"&offset={LIMIT * (page - 1)}&limit={LIMIT}"
        )
        return self.request(self.url(path), self.parse_search, keyword=keyword, page=page)

    def parse_search(self, response: Response) -> Iterator[Any]:
        yield from self.guarded(response, self._parse_search)

    def _parse_search(self, response: Response) -> Iterator[Any]:
        keyword, page = response.meta["keyword"], response.meta["page"]
        data = self._answer_of(response, "search")
        if data is None:
            return
        results = data.get("data")
        if not isinstance(results, list):
            raise ValueError("search answer has no data list")
        times: list[datetime] = []
        for result in results:
            obj = result.get("object") if isinstance(result, dict) else None
            if not isinstance(obj, dict) or obj.get("type") not in ("answer", "question"):
                continue
            try:
                if obj["type"] == "answer":
                    at = _time(obj.get("updated_time") or obj["created_time"])
                    times.append(at)
                    if not self.cursor.is_old(at, self.source.overlap):
                        yield from self._maybe_answer(obj)
                else:
                    question = self._question(obj)
                    times.append(question.published_at)
                    if not self.cursor.is_old(question.published_at, self.source.overlap):
                        yield MentionItem(mention=question)
                        yield from self._maybe_answers(
                            question, parse_count(obj.get("answer_count"))
                        )
            except (KeyError, TypeError, ValueError) as exc:
                self.bad_entry(response, f"{obj.get('type')} {obj.get('id')!r}: {exc}")
        if not times:
            return
        if all(self.cursor.is_old(t, self.source.overlap) for t in times):
            self.crawler.stats.inc_value("radar/stopped_at_seen")
            return
        if (data.get("paging") or {}).get("is_end", True):
            return
        if page >= self.source.max_pages:
            self.truncated("page_cap", f"search {keyword!r}: max_pages={page} reached")
            return
        yield self._search(keyword, page + 1)

    def _question(self, obj: dict[str, Any]) -> Mention:
        qid = str(int(obj["id"]))
        title = html_to_text(str(obj.get("name") or obj.get("title") or ""))
        if not title:
            raise ValueError("question without a title")
        author = obj.get("author") or {}
        return Mention(
            id=f"{self.source.name}:q{qid}",
            source=self.source.name,
            source_kind=SourceKind.zhihu,
            native_id=f"q{qid}",
            kind="question",
            url=f"https://www.zhihu.com/question/{qid}",
            title=title,
            text=html_to_text(str(obj.get("excerpt") or obj.get("detail") or "")),
            author=_author(author),
            published_at=_time(obj["created_time"]),
            crawled_at=self.crawl_time,
            engagement=Engagement(comments=parse_count(obj.get("answer_count"))),
        )

    # -- answers ----------------------------------------------------------------------
    def _maybe_answer(self, obj: dict[str, Any]) -> Iterator[Any]:
        aid = str(int(obj["id"]))
        stamp = obj.get("updated_time") or obj.get("created_time")
        if self.cursor.seen.get(f"answer:{aid}") == stamp:
            return
        path = f"/api/v4/answers/{aid}?include={_ANSWER_FIELDS}"
        yield self.request(self.url(path), self.parse_answer, aid=aid)

    def parse_answer(self, response: Response) -> Iterator[Any]:
        yield from self.guarded(response, self._parse_answer)

    def _parse_answer(self, response: Response) -> Iterator[Any]:
        data = self._answer_of(response, "answer")
        if data is None:
            return
        item = self._answer(data, None, "")
        self.cursor.mark(f"answer:{item.mention.native_id}", data.get("updated_time"))
        yield item

    def _maybe_answers(self, question: Mention, count: int) -> Iterator[Any]:
        if count <= 0 or not self.source.fetch_comments:
            return
        if not self.matcher.match(f"{question.title}\n{question.text}"):
            return
        going_on = self.cursor.comments.get(question.native_id)
        if self.cursor.seen.get(f"question:{question.native_id}") == count or (
            going_on and going_on.get("count") == count
        ):
            return  # unchanged (an earlier run's cursor goes on with it, see start)
        q = {"id": question.id, "native": question.native_id, "title": question.title}
        yield self._answers(q, 1, count, top=going_on is not None)

    def _answers(
        self,
        q: dict[str, str],
        page: int,
        count: int,
        top: bool = False,
        read: int = 0,
        priority: int = 0,
    ) -> Any:
        """Page ``page`` of a question's answers, newest first; ``read``: pages this run
        read of it; ``top``: the newest pages read again while a cursor goes on deeper."""
        qid = q["native"].removeprefix("q")
        path = (
            f"/api/v4/questions/{qid}/answers?include=data[*].{_ANSWER_FIELDS}"
            f"&limit={LIMIT}&offset={LIMIT * (page - 1)}&sort_by=created"
        )
        return self.request(
            self.url(path),
            self.parse_answers,
            priority=priority,
            q=q,
            page=page,
            count=count,
            top=top,
            read=read + 1,
        )

    def parse_answers(self, response: Response) -> Iterator[Any]:
        yield from self.guarded(response, self._parse_answers)

    def _parse_answers(self, response: Response) -> Iterator[Any]:
        meta = response.meta
        q, page, count = meta["q"], meta["page"], meta["count"]
        data = self._answer_of(response, "answers")
        if data is None:
            return
        answers = data.get("data")
        if not isinstance(answers, list):
            raise ValueError("answers answer has no data list")
        for answer in answers:
            try:
                yield self._answer(answer, q["id"], q["title"])
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                self.bad_entry(response, f"answer: {exc}")
        if (data.get("paging") or {}).get("is_end", True) or not answers:
            if not meta["top"]:
                self.cursor.comments_progress(q["native"], None)
                self.cursor.mark(f"question:{q['native']}", count)
            return
        if not meta["top"]:
            state = {"page": page + 1, "count": count, "heat": count, **q}
            self.cursor.comments_progress(q["native"], state)
        if meta["read"] >= self.source.max_comment_pages:
            self.truncated(
                "comment_page_cap",
                f"answers of question {q['native']}: page {page} read; the next runs go on",
            )
            return
        yield self._answers(
            q,
            page + 1,
            count,
            meta["top"],
            meta["read"],
            response.request.priority if response.request else 0,
        )

    def _answer(self, data: dict[str, Any], question_id: str | None, context: str) -> MentionItem:
        aid = str(int(data["id"]))
        question = data.get("question") or {}
        qid = question.get("id")
        text = html_to_text(str(data["content"]))
        if not text:
            raise ValueError(f"answer {aid} has no content")
        mention = Mention(
            id=f"{self.source.name}:{aid}",
            source=self.source.name,
            source_kind=SourceKind.zhihu,
            native_id=aid,
            kind="answer",
            url=f"https://www.zhihu.com/question/{qid}/answer/{aid}"
            if qid
            else f"https://www.zhihu.com/answer/{aid}",
            title=html_to_text(str(question.get("title") or question.get("name") or "")),
            text=text,
            author=_author(data.get("author") or {}),
            published_at=_time(data["created_time"]),
            crawled_at=self.crawl_time,
            engagement=Engagement(
                likes=parse_count(data.get("voteup_count")),
                comments=parse_count(data.get("comment_count")),
            ),
            parent_id=question_id,  # the question, when it was stored with its answers
        )
        return MentionItem(mention=mention, context_text=context, listing=question_id is None)


def _time(value: Any) -> datetime:
    return datetime.fromtimestamp(int(value), UTC)


def _author(author: dict[str, Any]) -> Author:
    if not isinstance(author, dict):
        return Author()
    return Author(
        id=str(author.get("url_token") or author.get("id") or ""),
        name=str(author.get("name", "") or ""),
        followers=parse_count(author.get("follower_count")),
    )
