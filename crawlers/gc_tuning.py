"""Garbage collection tuned for a crawl: every Radar spider connects this to its crawler
(crawlers/spiders/base.py), whatever EXTENSIONS a caller sets.

A crawl allocates millions of short-lived objects (responses, parsed JSON, models) on top
of a large long-lived heap (Scrapy, Twisted, numpy, scikit-learn, the sentiment model).
With CPython's default thresholds (700, 10, 10) the cyclic collector ran ~600 times in
bench/crawl.py and re-scanned that heap in each older-generation pass: about a sixth of
the crawl's CPU time. When the engine starts, everything built so far is moved out of
the collector's sight (``gc.freeze``) and collections run every 50,000 net allocations
instead of 700; the collector still runs, only less often (about 10 passes, 0.1 s).
The run's mentions live long (the Store pipeline's batch until it is written, then up
to 20,000 of them in ``RecentStories`` for near-copy links: ~6 objects each), so they
reach the middle generation, whose passes were most of the collector's time at 20,000:
0.16-0.21 CPU-s per 1000 bench pages, 0.08-0.10 at 50,000 (3 rounds each, same peak
memory).
Both are undone when the spider closes, for whoever shares the process.
"""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING

from scrapy import signals

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

CRAWL_THRESHOLDS = (50_000, 20, 10)


class CrawlGarbageCollection:
    """Tuned while at least one crawl of the process runs (crawls may run side by side
    in one reactor); the last one to close restores what was there before."""

    running = 0
    saved: tuple[int, int, int] = gc.get_threshold()

    def __init__(self) -> None:
        self.started = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        ext = cls()
        crawler.signals.connect(ext.engine_started, signal=signals.engine_started)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def engine_started(self) -> None:
        cls = type(self)
        if cls.running == 0:
            cls.saved = gc.get_threshold()
            gc.freeze()
            gc.set_threshold(*CRAWL_THRESHOLDS)
        cls.running += 1
        self.started = True

    def spider_closed(self) -> None:
        if not self.started:
            return
        self.started = False
        cls = type(self)
        cls.running -= 1
        if cls.running == 0:
            gc.set_threshold(*cls.saved)
            gc.unfreeze()
