"""Scrapy settings of the Radar crawlers (``scrapy.cfg`` points here).

Per-source politeness (DOWNLOAD_DELAY, AutoThrottle, robots.txt, concurrency) is set by
each spider from its ``sources:`` entry in ``from_crawler`` (see crawlers/spiders/base.py);
the values here are the defaults for everything else.
"""

from __future__ import annotations

BOT_NAME = "opinion-radar"
SPIDER_MODULES = ["crawlers.spiders"]
NEWSPIDER_MODULE = "crawlers.spiders"

USER_AGENT = (
    "Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0 Mobile Safari/537.36 opinion-radar/0.1"
)
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
# outputs of one response processed in parallel; Scrapy starts this many asyncio
# workers per response. A response's mentions reach the pipelines as one MentionBatch
# and every pipeline and request is handled synchronously, so more than one worker
# only costs CPU (16 workers: ~0.1 ms a page more than 1)
CONCURRENT_ITEMS = 1
DOWNLOAD_DELAY = 1.0
DOWNLOAD_TIMEOUT = 30
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
# 429 is a ban signal handled by HealthMiddleware, not something to hammer again
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408]
RETRY_TIMES = 2
COOKIES_ENABLED = True
TELNETCONSOLE_ENABLED = False
# MemoryStatsCollector without the per-read deprecation check (crawlers/stats.py)
STATS_CLASS = "crawlers.stats.RadarStatsCollector"
LOG_LEVEL = "INFO"
LOG_FORMATTER = "crawlers.logformatter.RadarLogFormatter"  # no DEBUG records above DEBUG
FEED_EXPORT_ENCODING = "utf-8"
# `scrapy crawl … -o FILE`: one record per mention, not per page (crawlers/exporters.py)
FEED_EXPORTERS = {
    "json": "crawlers.exporters.JsonMentionExporter",
    "jsonlines": "crawlers.exporters.JsonLinesMentionExporter",
    "jsonl": "crawlers.exporters.JsonLinesMentionExporter",
    "jl": "crawlers.exporters.JsonLinesMentionExporter",
    "csv": "crawlers.exporters.CsvMentionExporter",
    "xml": "crawlers.exporters.XmlMentionExporter",
}

DOWNLOADER_MIDDLEWARES = {
    # a crawl requests only its source's hosts: Scrapy's OffsiteMiddleware, made strict
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "crawlers.middlewares.SourceHostsMiddleware": 50,
    # after RetryMiddleware (550) and before RedirectMiddleware (600) on the response
    # path, so it sees 403/418/429 and login/captcha redirects first
    "crawlers.middlewares.HealthMiddleware": 650,
}

SPIDER_MIDDLEWARES = {
    # closest to the spider: the mentions of one response travel on as one MentionBatch
    "crawlers.middlewares.MentionBatchMiddleware": 1100,
}

ITEM_PIPELINES = {
    "crawlers.pipelines.CleanPipeline": 100,
    "crawlers.pipelines.BrandPipeline": 200,
    "crawlers.pipelines.DedupePipeline": 300,
    "crawlers.pipelines.StorePipeline": 500,  # per batch: link stories → score → upsert
}

# a batch is handled when it holds RADAR_STORE_BATCH items or its first item has waited
# RADAR_STORE_FLUSH_SECONDS (so a slow source's items are not held), and at spider close
RADAR_STORE_BATCH = 1000
RADAR_STORE_FLUSH_SECONDS = 1.0
