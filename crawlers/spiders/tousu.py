"""黑猫投诉 spider (tousu.sina.com.cn): complaints found by keyword (``mode: search``,
``query:``) or those a company received (``mode: company``, ``user_ids:`` its ``couid``),
each stored from its detail page as a mention of kind ``complaint`` whose status is
followed over time.

Requests (under the source's ``base_url``)::

    search   /api/index/s?ts={ms}&rs={nonce}&signature={sha256}&keywords={kw}
             &page_size=10&page={n}
    company  /api/company/received_complaints?ts={ms}&rs={nonce}&signature={sha256}
             &couid={couid}&type=1&page_size=10&page={n}
    detail   /complaint/view/{sn}/

The listings are signed the way the site's own pages sign them (public crawler projects
reproduce it): ``signature`` is the SHA-256 hex digest of the sorted concatenation of
``ts`` (milliseconds), ``rs`` (16 random letters/digits), the page script's constant and
the other parameters' values.

Fields read (everything else is ignored):

* search / company: ``result.status.code`` (0 = answer; anything else is a failed page,
  one whose ``msg`` asks to log in or says "频繁"/"验证" a block),
  ``result.data.lists[]`` (company: ``result.data.complaints[]``, null when none) of
  ``{"main": {sn, status, timestamp, url}}`` (``status``: 1 通过审核, 3 待分配,
  4 处理中, 6 已回复, 7 已完成, 8 已关闭; ``timestamp``: Unix seconds, newest first),
  ``result.data.pager`` {``current``, ``page_amount``, ``item_count``}.
* detail: ``.ts-d-question h1.article`` (title), ``.ts-q-user .u-name`` (author),
  ``ul.ts-q-list > li`` as ``<label>投诉编号：</label>value`` rows (投诉对象 in an ``<a>``,
  投诉问题, 投诉要求, 涉诉金额, 投诉进度 in a ``<b>``), ``.ts-d-steplist .ts-d-item``
  steps (``span.u-name``, ``span.u-status``, ``span.u-date``, ``div.ts-d-cont``): the
  text of the "发起投诉" step is the complaint's text.

A complaint is read (its detail page) when it is new or its status changed since the last
complete run (marker ``complaint:{sn}``); its 投诉对象 is the context its brand is matched
in (a complaint against the brand that does not name it in its text is still the
brand's). A complaint that is not settled (not 已完成/已关闭) is kept in the cursor
(``open:{sn}``) and its detail page read again on later runs, ``REVISIT_PER_RUN`` a run,
longest unchecked first, so a status change is found also once the complaint has left
the pages a run lists; the changed status is an update of the stored mention.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import string
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from parsel import Selector, SelectorList
from scrapy.http import Response
from twisted.python.failure import Failure

from crawlers.dates import parse_site_time
from crawlers.health import Block, json_body
from crawlers.items import MentionItem
from crawlers.spiders.base import RadarSpider
from crawlers.text import element_text, squeeze
from index.models import Author, Complaint, Mention, SourceKind

PAGE_SIZE = 10
REVISIT_PER_RUN = 50  # unsettled complaints whose detail page a run reads again
# the constant the search page's script signs with
_SALT = "$d6eb7ff91ee257475%"
_NONCE = string.ascii_letters + string.digits
STATUS = {1: "通过审核", 3: "待分配", 4: "处理中", 6: "已回复", 7: "已完成", 8: "已关闭"}
SETTLED = ("已完成", "已关闭")
_AMOUNT = re.compile(r"\d+(?:\.\d+)?")
_BLOCK_WORDS = (("登录", "login"), ("频繁", "rate_limited"), ("验证", "captcha"))


def signed_query(params: dict[str, str], ts: str, rs: str) -> str:
    """``params`` with ``ts``, ``rs`` and their ``signature``, as a query string."""
    signature = hashlib.sha256(
        "".join(sorted([ts, rs, _SALT, *params.values()])).encode()
    ).hexdigest()
    return urlencode({"ts": ts, "rs": rs, "signature": signature, **params})


def status_label(code: Any) -> str:
    try:
        return STATUS.get(int(code), f"状态{code}")
    except (TypeError, ValueError):
        return str(code or "")


class TousuSpider(RadarSpider):
    name = "tousu"
    kind = "tousu"

    async def start(self) -> AsyncIterator[Any]:
        if self.source.mode == "company":
            for couid in self.source.user_ids:
                yield self._search(("company", couid), 1)
        else:
            for kw in self.source.query:
                yield self._search(("search", kw), 1)
        # unsettled complaints of earlier runs: their status may have moved since
        pending = [
            (key.removeprefix("open:"), state)
            for key, state in self.cursor.seen.items()
            if key.startswith("open:") and isinstance(state, dict)
        ]
        pending.sort(key=lambda kv: str(kv[1].get("checked", "")))
        for sn, state in pending[:REVISIT_PER_RUN]:
            request = self._detail(sn, float(state.get("published") or 0), priority=-1)
            yield request.replace(errback=self.revisit_failed)

    # -- search -----------------------------------------------------------------------
    def _search(self, listing: tuple[str, str], page: int) -> Any:
        what, value = listing
        ts = str(int(datetime.now(UTC).timestamp() * 1000))
        rs = "".join(secrets.choice(_NONCE) for _ in range(16))
        size, n = str(PAGE_SIZE), str(page)
        if what == "company":
            params = {"couid": value, "type": "1", "page_size": size, "page": n}
            path = "/api/company/received_complaints"
        else:
            params = {"keywords": value, "page_size": size, "page": n}
            path = "/api/index/s"
        url = self.url(f"{path}?{signed_query(params, ts, rs)}")
        return self.request(url, self.parse_search, listing=listing, page=page)

    def parse_search(self, response: Response) -> Iterator[Any]:
        yield from self.guarded(response, self._parse_search)

    def _parse_search(self, response: Response) -> Iterator[Any]:
        listing, page = response.meta["listing"], response.meta["page"]
        try:
            data = json_body(response.body)
        except ValueError as exc:
            raise ValueError(f"not JSON ({exc})") from None
        result = data.get("result") if isinstance(data, dict) else None
        if not isinstance(result, dict):
            raise ValueError("answer has no result object")
        status = result.get("status") or {}
        if status.get("code") != 0:
            msg = str(status.get("msg", ""))
            for word, reason in _BLOCK_WORDS:
                if word in msg:
                    detail = f"search answered {msg!r} ({response.url})"
                    self.blocked(Block(reason, detail), response.url)
                    return
            raise ValueError(f"search answered code={status.get('code')!r} msg={msg!r}")
        body = result.get("data")
        key = "complaints" if listing[0] == "company" else "lists"
        if not isinstance(body, dict) or key not in body:
            raise ValueError(f"{listing[0]} answer has no result.data.{key}")
        entries = body[key] or []  # the company list is null past its last page
        if not isinstance(entries, list):
            raise ValueError(f"{listing[0]} answer's result.data.{key} is not a list")
        times: list[datetime] = []
        for entry in entries:
            main = entry.get("main") if isinstance(entry, dict) else None
            try:
                if not isinstance(main, dict):
                    raise ValueError("no main object")
                sn = str(main["sn"])
                if not sn.isdigit():
                    raise ValueError(f"sn {sn!r} is not a complaint number")
                stamp = float(main["timestamp"])
                published = datetime.fromtimestamp(stamp, UTC)
                label = status_label(main.get("status"))
            except (KeyError, TypeError, ValueError) as exc:
                self.bad_entry(response, f"complaint {main!r:.200}: {exc}")
                continue
            times.append(published)
            if self.cursor.is_old(published, self.source.overlap):
                continue
            if self.cursor.seen.get(f"complaint:{sn}") == label:
                self.crawler.stats.inc_value("radar/complaints_unchanged")
                continue
            yield self._detail(sn, stamp, listed=label)
        if not times:
            return  # past the last page
        if all(self.cursor.is_old(t, self.source.overlap) for t in times):
            self.crawler.stats.inc_value("radar/stopped_at_seen")
            return
        pager = body.get("pager") or {}
        try:
            amount = int(pager.get("page_amount") or 0)
        except (TypeError, ValueError):
            amount = 0
        if amount and page >= amount:
            return
        if page >= self.source.max_pages:
            self.truncated(
                "page_cap", f"{listing[0]} {listing[1]!r}: max_pages={page} of {amount} reached"
            )
            return
        yield self._search(listing, page + 1)

    # -- complaints -------------------------------------------------------------------
    def _detail(self, sn: str, published: float, priority: int = 0, listed: str = "") -> Any:
        """``listed``: the status the search showed (the marker it is compared with)."""
        return self.request(
            self.url(f"/complaint/view/{sn}/"),
            self.parse_complaint,
            priority=priority,
            sn=sn,
            published=published,
            listed=listed,
        )

    def revisit_failed(self, failure: Failure) -> None:
        """A complaint read again that is gone (HTTP 404) is no longer followed; any
        other failure is a lost page like every other."""
        response = getattr(failure.value, "response", None)
        request = getattr(failure, "request", None)
        if response is not None and response.status == 404 and request is not None:
            self.cursor.mark(f"open:{request.meta['sn']}", None)
            self.crawler.stats.inc_value("radar/complaints_gone")
            return
        self.failed(failure)

    def parse_complaint(self, response: Response) -> Iterator[Any]:
        yield from self.guarded(response, self._parse_complaint)

    def _parse_complaint(self, response: Response) -> Iterator[Any]:
        sn, stamp = response.meta["sn"], response.meta["published"]
        sel = Selector(text=response.text)
        question = sel.css(".ts-d-question")
        title = squeeze(" ".join(question.css("h1.article ::text").getall()))
        if not question or not title:
            raise ValueError("no complaint (.ts-d-question h1.article) on the page")
        facts = _facts(question)
        company, status = facts.get("投诉对象", ""), facts.get("投诉进度", "")
        if not company or not status:
            raise ValueError(f"no 投诉对象/投诉进度 in ts-q-list (found {sorted(facts)})")
        text, step_author, step_date = "", "", ""
        for step in sel.css(".ts-d-steplist .ts-d-item"):
            if "发起投诉" in "".join(step.css("span.u-status ::text").getall()):
                cont = step.css("div.ts-d-cont")
                text = squeeze(element_text(cont[0].root)) if cont else ""
                step_author = squeeze("".join(step.css("span.u-name ::text").getall()))
                step_date = squeeze("".join(step.css("span.u-date ::text").getall()))
                break
        if not text:
            raise ValueError("no text of the 发起投诉 step in .ts-d-steplist")
        author = squeeze("".join(question.css(".ts-q-user .u-name ::text").getall()))
        if stamp:
            published = datetime.fromtimestamp(stamp, UTC)
        else:
            shown = squeeze("".join(question.css(".ts-q-user .u-date ::text").getall()))
            published = parse_site_time(shown or step_date, self.crawl_time, self.tz)
        amount = _AMOUNT.search(facts.get("涉诉金额", "").replace(",", ""))
        mention = Mention(
            id=f"{self.source.name}:{sn}",
            source=self.source.name,
            source_kind=SourceKind.tousu,
            native_id=sn,
            kind="complaint",
            url=self.url(f"/complaint/view/{sn}/"),
            title=title,
            text=text,
            author=Author(name=author or step_author),
            published_at=published,
            crawled_at=self.crawl_time,
            complaint=Complaint(
                status=status,
                company=company,
                issue=facts.get("投诉问题", ""),
                demands=facts.get("投诉要求", ""),
                amount=float(amount.group(0)) if amount else None,
            ),
        )
        self.cursor.mark(f"complaint:{sn}", response.meta.get("listed") or status)
        # followed until settled, when it concerns a brand (the pipeline drops the rest)
        settled = any(word in status for word in SETTLED) or not (
            self.matcher.match(f"{title}\n{text}") or self.matcher.match(company)
        )
        state = {"published": published.timestamp(), "checked": self.crawl_time.isoformat()}
        self.cursor.mark(f"open:{sn}", None if settled else state)
        yield MentionItem(mention=mention, context_text=f"投诉对象：{company}")


def _facts(question: SelectorList[Selector]) -> dict[str, str]:
    """The ``<label>投诉对象：</label>value`` rows of ``ul.ts-q-list``."""
    facts: dict[str, str] = {}
    for li in question.css("ul.ts-q-list > li"):
        label = squeeze("".join(li.xpath("./label//text()").getall())).rstrip("：: ")
        value = squeeze(" ".join(li.xpath("./text() | ./*[not(self::label)]//text()").getall()))
        if label:
            facts[label] = value
    return facts
