"""Feed spider: RSS 2.0 and Atom news feeds (parsed by ``feedparser``).

Requests each path of the source's ``feeds:`` under ``base_url`` (absolute URLs as they
are), then, for an entry that carries only a summary, its ``link`` — the article's main
text is extracted with ``trafilatura``.

Fields read per entry: ``id``/``guid`` (else ``link``), ``title``, ``link``,
``published``/``updated`` (RFC 822 or ISO 8601), ``author``, full content
(``content:encoded`` / Atom ``<content>``) else ``summary``/``description``. An entry is
a summary when it has no full content and its text is short (< ``SUMMARY_CHARS``) or ends
with an ellipsis. Entries older than the last complete run (minus the overlap) are skipped.
"""

from __future__ import annotations

import calendar
import hashlib
import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlparse

import feedparser
import trafilatura
from scrapy.http import Response
from twisted.python.failure import Failure

from crawlers.dates import parse_site_time
from crawlers.items import MentionItem
from crawlers.spiders.base import RadarSpider
from crawlers.text import html_to_text
from index.models import Author, Mention, SourceKind

SUMMARY_CHARS = 200
# a time of day followed by a zone: "… 10:00:00 +0800", "…T10:00:00Z", "… 10:00 GMT"
_ZONE = re.compile(r"\d:\d{2}(?::\d{2})?(?:\.\d+)?\s*(?:Z|[+-]\d{2}:?\d{2}|[A-Za-z]{1,5})\s*$")
_ELLIPSES = ("…", "...", "……", "[…]", "阅读全文", "查看全文")
_EMAIL = r"[^\s@<>()]+@[^\s@<>()]+"
# RSS 2.0's <author> is an e-mail address with the name in brackets ("news@x.cn (科技日报)");
# feedparser writes Atom's <name> and <email> as "王五 (w@x.cn)", and some feeds "张三 <z@x.cn>"
_EMAIL_THEN_NAME = re.compile(rf"<?{_EMAIL}>?\s*\((?P<name>[^()]+)\)")
_NAME_THEN_EMAIL = re.compile(rf"(?P<name>.+?)\s*[<(]\s*(?:mailto:)?{_EMAIL}\s*[>)]")


def feed_author(raw: str) -> str:
    """The name an entry's author field carries, without its e-mail address: the cards,
    the spreaders table and the brief read 'news@example.invalid (科技消费日报)'. A bare
    address, the only name there is, stays. (feedparser's ``author_detail`` cuts an
    address whose domain ends in a long suffix: '.invalid' gave the name 'lid (科技消费日报'.)"""
    text = " ".join(raw.split())
    for form in (_EMAIL_THEN_NAME, _NAME_THEN_EMAIL):
        m = form.fullmatch(text)
        if m and m.group("name").strip():
            return m.group("name").strip()
    return text


class FeedSpider(RadarSpider):
    name = "feed"
    kind = "feed"

    async def start(self) -> AsyncIterator[Any]:
        for path in self.source.feeds or ["/"]:
            url = path if path.startswith(("http://", "https://")) else self.url(path)
            yield self.request(url, self.parse_feed)

    def parse_feed(self, response: Response) -> Iterator[Any]:
        yield from self.guarded(response, self._parse_feed)

    def _parse_feed(self, response: Response) -> Iterator[Any]:
        headers = {
            k.decode("latin-1").lower(): v[0].decode("latin-1")
            for k, v in response.headers.items()
            if v
        }
        parsed = feedparser.parse(response.body, response_headers=headers)
        version = parsed.get("version", "")
        if not version and not parsed.entries:
            problem = parsed.get("bozo_exception", "not an RSS or Atom document")
            raise ValueError(f"unreadable feed: {problem}")
        if parsed.get("bozo"):
            self.crawler.stats.inc_value("radar/feed_warnings")
        skipped = 0
        for entry in parsed.entries:
            try:
                item, needs_article = self._entry(entry, response)
            except (KeyError, TypeError, ValueError) as exc:
                self.bad_entry(response, f"entry {entry.get('id') or entry.get('link')!r}: {exc}")
                continue
            if self.cursor.is_old(item.mention.published_at, self.source.overlap):
                skipped += 1
                continue
            fetch = needs_article and self.source.fetch_articles and item.mention.url
            if fetch and not self.on_source(item.mention.url):
                # an article on a host the source is not configured for: keep the summary
                # (allowed_hosts: lets the crawl fetch it)
                self.crawler.stats.inc_value("radar/articles_offsite")
                yield item
            elif fetch:
                # dont_filter: two entries may link the same page, each needs its item
                request = self.request(
                    item.mention.url, self.parse_article, item=item, dont_filter=True
                )
                yield request.replace(errback=self.article_failed)
            else:
                yield item
        if skipped:
            self.crawler.stats.inc_value("radar/stopped_at_seen")

    def _entry(self, entry: Any, response: Response) -> tuple[MentionItem, bool]:
        raw_link = str(entry.get("link", "") or "").strip()
        key = str(entry.get("id") or raw_link or entry.get("title") or "")
        if not key:
            raise ValueError("entry has no id, link or title")
        # a relative link is the feed's; a javascript:/mailto: one is no article to fetch
        link = response.urljoin(raw_link) if raw_link else ""
        if urlparse(link).scheme not in ("http", "https"):
            link = ""
        native = hashlib.sha1(key.encode("utf-8")).hexdigest()[:20]
        full = ""
        for content in entry.get("content") or []:
            full = html_to_text(str(content.get("value", "")))
            if full:
                break
        summary = html_to_text(str(entry.get("summary", "") or ""))
        text = full or summary
        needs_article = not full and (
            len(text) < SUMMARY_CHARS or text.rstrip().endswith(_ELLIPSES)
        )
        mention = Mention(
            id=f"{self.source.name}:{native}",
            source=self.source.name,
            source_kind=SourceKind.feed,
            native_id=native,
            kind="article",
            url=link,
            title=html_to_text(str(entry.get("title", "") or "")),
            text=text,
            author=Author(name=feed_author(str(entry.get("author", "") or ""))),
            published_at=self._published(entry),
            crawled_at=self.crawl_time,
        )
        return MentionItem(mention=mention), needs_article

    def _published(self, entry: Any) -> datetime:
        """``published`` (else ``updated``). feedparser reads a time without a zone, and a
        date without a time, as UTC; the feeds we read mean local time (a Chinese feed's
        ``<pubDate>2025-11-23</pubDate>`` is that day's midnight in Beijing, not 08:00),
        so only a value that names its zone is taken as feedparser parsed it."""
        for key in ("published", "updated"):
            raw = str(entry.get(key, "") or "").strip()
            parsed = entry.get(f"{key}_parsed")
            if not raw and not parsed:
                continue
            if parsed and (not raw or _ZONE.search(raw)):
                return datetime.fromtimestamp(calendar.timegm(parsed), UTC)
            try:  # no zone: the source's local time, a bare date its local midnight
                return parse_site_time(raw, self.crawl_time, self.tz)
            except ValueError:
                if not parsed:
                    raise
                # a shape only feedparser knows: its fields, read as local time
                y, mo, d, h, mi, s = parsed[:6]
                return datetime(y, mo, d, h, mi, s, tzinfo=self.tz).astimezone(UTC)
        return self.crawl_time

    def article_failed(self, failure: Failure) -> Iterator[Any]:
        """The article page could not be fetched: keep the entry with its summary."""
        self.failed(failure)
        request = getattr(failure, "request", None)
        if request is not None and self.block is None:
            yield request.meta["item"]

    def parse_article(self, response: Response) -> Iterator[Any]:
        item: MentionItem = response.meta["item"]
        self.page()
        try:
            text = trafilatura.extract(
                response.text, url=response.url, include_comments=False, include_tables=False
            )
        except (AttributeError, ValueError):  # not a text response
            text = None
        if text and len(text.strip()) > len(item.mention.text):
            item.mention.text = text.strip()
            self.crawler.stats.inc_value("radar/articles")
        else:
            self.unparsable(response, "no article text found; keeping the feed summary")
        yield item
