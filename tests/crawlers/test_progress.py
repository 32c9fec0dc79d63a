"""The terminal progress line of ``radar crawl`` (crawlers/progress.py)."""

from __future__ import annotations

from types import SimpleNamespace

from scrapy.utils.test import get_crawler

from crawlers.progress import CrawlProgress


def test_progress_line_counts_pages_stored_items_and_errors() -> None:
    crawler = get_crawler()
    crawler.stats.open_spider()
    for key, value in {
        "radar/pages": 12,
        "radar/items/new": 30,
        "radar/items/updated": 4,
        "radar/items/unchanged": 1,
        "radar/items/duplicate": 9,  # not stored again
        "radar/errors/unparsable": 2,
        "radar/errors/download": 1,
    }.items():
        crawler.stats.set_value(key, value)
    progress = CrawlProgress.from_crawler(crawler)
    line = progress.line(SimpleNamespace(name="weibo", source_name="demo-weibo"))
    assert line.startswith("crawling weibo demo-weibo: 12 pages, 35 items stored, 3 errors, ")
