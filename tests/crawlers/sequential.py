"""Run one source several times in a row in one subprocess, each run a new crawler that
starts from what the previous one stored (cursor, markers), as later scheduled runs do:
``python -m tests.crawlers.sequential SOURCE CONFIG RUNS`` prints one JSON list of the
run summaries on its last line. One process saves the interpreter and model start-up of
a process per run (the Twisted reactor cannot restart, but it can run crawls in turn)."""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

from scrapy.crawler import CrawlerProcess
from twisted.internet import defer

from crawlers.runner import SPIDERS, crawl_settings, resolve


def main(source: str, config_path: str, runs: int) -> list[Any]:
    config, _ = resolve(config_path, source)
    src = config.source(source)
    assert src is not None
    spider = SPIDERS[src.kind]
    process = CrawlerProcess(crawl_settings({"LOG_INSTALL_ROOT_HANDLER": False}))
    summaries: list[Any] = []

    @defer.inlineCallbacks
    def one_after_another() -> Any:
        try:
            for _ in range(runs):
                crawler = process.create_crawler(spider)
                yield process.crawl(crawler, source=source, config=config_path)
                summaries.append(getattr(crawler.spider, "summary", None))
        finally:
            from twisted.internet import reactor

            reactor.stop()  # type: ignore[misc]

    one_after_another()
    process.start(stop_after_crawl=False)
    return summaries


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    summaries = main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
    print(json.dumps(summaries, ensure_ascii=False, default=str))
