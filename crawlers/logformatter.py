"""Scrapy's log formatter without the per-item DEBUG lines nobody will see.

Scrapy builds a DEBUG record for every crawled page and scraped item ("Scraped from …")
and leaves it to the handler to drop: the root logger stays at NOTSET, only the handler
has LOG_LEVEL. With LOG_LEVEL above DEBUG this formatter returns nothing for those two
messages (Scrapy then logs nothing), which saves a few percent of a crawl's CPU. With
LOG_LEVEL=DEBUG it is Scrapy's own formatter.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy.logformatter import LogFormatter

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from twisted.python.failure import Failure


class RadarLogFormatter(LogFormatter):
    def __init__(self, debug: bool = True):
        self.debug = debug

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        level = settings.get("LOG_LEVEL") or logging.DEBUG
        if isinstance(level, str):
            level = logging.getLevelName(level.upper())
        enabled = settings.getbool("LOG_ENABLED", True)
        return cls(debug=enabled and (not isinstance(level, int) or level <= logging.DEBUG))

    def crawled(self, request: Request, response: Response, spider: Spider) -> Any:
        return super().crawled(request, response, spider) if self.debug else None

    def scraped(self, item: Any, response: Response | Failure | None, spider: Spider) -> Any:
        return super().scraped(item, response, spider) if self.debug else None
