"""Run one source once in this process (Scrapy's CrawlerProcess) and return its summary.

The Twisted reactor can start only once per process, so a process runs one crawl; the
service runs ``radar crawl SOURCE`` in a subprocess for each scheduled crawl.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from config import ConfigError, ConfigIssue, RadarConfig, load_config
from crawlers.health import paused_until
from crawlers.spiders.bilibili import BilibiliSpider
from crawlers.spiders.feed import FeedSpider
from crawlers.spiders.forum import ForumSpider
from crawlers.spiders.tousu import TousuSpider
from crawlers.spiders.weibo import WeiboSpider
from crawlers.spiders.zhihu import ZhihuSpider

SPIDERS = {
    "weibo": WeiboSpider,
    "forum": ForumSpider,
    "feed": FeedSpider,
    "tousu": TousuSpider,
    "bilibili": BilibiliSpider,
    "zhihu": ZhihuSpider,
}


def crawl_settings(overrides: dict[str, Any] | None = None) -> Settings:
    settings = Settings()
    settings.setmodule("crawlers.settings", priority="project")
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    return settings


def resolve(config_path: str | None, source: str) -> tuple[RadarConfig, str | None]:
    """Load the config (ConfigError names file/key) and check the source exists."""
    path = config_path or os.environ.get("RADAR_CONFIG") or None
    config = load_config(path)
    if config.source(source) is None:
        names = ", ".join(s.name for s in config.sources) or "none"
        raise ConfigError(
            [
                ConfigIssue(
                    str(path or "config/demo.yaml"),
                    "sources",
                    f"no source named {source!r} (sources: {names})",
                )
            ]
        )
    return config, path


def run_crawl(
    source: str,
    config_path: str | None = None,
    force: bool = False,
    settings: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Crawl ``source`` once. Returns the run summary (see crawlers/summary.py), or
    ``{"skipped": reason, ...}`` when the source is paused or disabled (unless ``force``).
    Raises ConfigError for a bad config or unknown source."""
    config, path = resolve(config_path, source)
    src = config.source(source)
    assert src is not None
    now = datetime.now(UTC)
    if not force:
        if not src.enabled:
            return {"source": source, "skipped": "disabled", "completed": False}
        with config.store.open() as store:
            health = paused_until(store, source, now)
        if health is not None:
            assert health.paused_until is not None
            return {
                "source": source,
                "skipped": "paused",
                "completed": False,
                "reason": health.reason,
                "paused_until": health.paused_until.isoformat(),
                "detail": health.detail,
            }
    return run_crawls([(source, path)], settings)[0]


def run_crawls(
    jobs: list[tuple[str, str | None]], settings: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Run several (source, config file) crawls side by side in this process (one reactor)
    and return their summaries in order. No pause check: callers decide what runs."""
    # logging is the caller's (radar -v): Scrapy sets its loggers to DEBUG and logs its
    # banner while starting, so follow the level the caller chose for the root logger
    level = logging.getLogger().getEffectiveLevel()
    logging.disable(level - 1)
    try:
        process = CrawlerProcess(
            crawl_settings({"LOG_INSTALL_ROOT_HANDLER": False, **(settings or {})})
        )
    finally:
        logging.disable(logging.NOTSET)
    logging.getLogger("scrapy").setLevel(level)
    crawlers = []
    for source, path in jobs:
        config, _ = resolve(path, source)
        src = config.source(source)
        assert src is not None
        crawler = process.create_crawler(SPIDERS[src.kind])
        process.crawl(crawler, source=source, config=path)
        crawlers.append((source, crawler))
    process.start()
    summaries = []
    for source, crawler in crawlers:
        summary = getattr(crawler.spider, "summary", None)
        summaries.append(
            summary
            or {
                "source": source,
                "completed": False,
                "finish_reason": "did_not_start",
                "errors": {"total": 1},
            }
        )
    return summaries
