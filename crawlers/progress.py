"""A Scrapy extension that shows a running crawl's progress on the terminal: pages,
items stored, errors and elapsed time, refreshed twice a second from the crawler's stats.

``radar crawl`` enables it when its standard error is a terminal (the service's crawl
subprocesses are not, so their output stays the plain summary):
``EXTENSIONS = {"crawlers.progress.CrawlProgress": 500}``."""

from __future__ import annotations

import time
from typing import Any

from rich.console import Console
from rich.status import Status
from scrapy import signals
from scrapy.crawler import Crawler
from twisted.internet import task


class CrawlProgress:
    def __init__(self, crawler: Crawler, interval: float = 0.5) -> None:
        self.crawler = crawler
        self.interval = interval
        self.console = Console(stderr=True)
        self.status: Status | None = None
        self.loop: task.LoopingCall | None = None
        self.started = time.monotonic()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlProgress:
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def line(self, spider: Any) -> str:
        stats = self.crawler.stats
        assert stats is not None
        value = stats.get_value
        pages = value("radar/pages", 0)
        stored = sum(value(f"radar/items/{k}", 0) for k in ("new", "updated", "unchanged"))
        errors = sum(
            v
            for k, v in stats.get_stats().items()
            if k.startswith("radar/errors/") and isinstance(v, int)
        )
        elapsed = time.monotonic() - self.started
        return (
            f"crawling {spider.name} {getattr(spider, 'source_name', '')}: {pages} pages, "
            f"{stored} items stored, {errors} errors, {elapsed:.0f}s"
        )

    def spider_opened(self, spider: Any) -> None:
        self.started = time.monotonic()
        self.status = self.console.status(self.line(spider))
        self.status.start()
        self.loop = task.LoopingCall(self.update, spider)
        self.loop.start(self.interval, now=False)

    def update(self, spider: Any) -> None:
        if self.status is not None:
            self.status.update(self.line(spider))

    def spider_closed(self, spider: Any) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        if self.status is not None:
            self.status.stop()
