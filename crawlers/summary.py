"""The summary of one crawl run, built from the Scrapy stats: what ``radar crawl`` prints,
what ``Store.record_crawl_run`` keeps and what the alerting's source-health rule reads."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crawlers.spiders.base import RadarSpider


def summarize(
    spider: RadarSpider, stats: dict[str, Any], reason: str, now: datetime
) -> dict[str, Any]:
    def n(key: str) -> int:
        return int(stats.get(key, 0) or 0)

    started = stats.get("start_time") or spider.crawl_time
    if isinstance(started, datetime) and started.tzinfo is None:
        started = started.replace(tzinfo=UTC)
    errors = {
        "unparsable": n("radar/errors/unparsable"),
        "bad_entry": n("radar/errors/bad_entry"),
        "download": n("radar/errors/download"),
        "store": n("radar/errors/store"),
        "score": n("radar/errors/score"),
        "spider": sum(int(v) for k, v in stats.items() if k.startswith("spider_exceptions/")),
    }
    errors["total"] = sum(errors.values())
    block = spider.block
    read_from = stats.get("radar/read_from")
    return {
        "source": spider.source.name,
        "kind": spider.source.kind,
        "mode": spider.source.mode,
        "started_at": started.isoformat(),
        "finished_at": now.isoformat(),
        "duration_s": round((now - started).total_seconds(), 3),
        "finish_reason": reason,
        "completed": bool(stats.get("radar/completed")),
        "pages": n("radar/pages"),
        "requests": n("downloader/request_count"),
        "items": {
            "new": n("radar/items/new"),
            "updated": n("radar/items/updated"),
            "unchanged": n("radar/items/unchanged"),
            "duplicate": n("radar/items/duplicate"),
            "near_duplicate": n("radar/items/near_duplicate"),
            "reposts": n("radar/reposts"),
            "dropped_no_brand": n("radar/items/dropped_no_brand"),
            "dropped_empty": n("radar/items/dropped_empty"),
            "long_texts": n("radar/long_texts"),
        },
        "errors": errors,
        "pages_lost": n("radar/pages_lost"),
        # requests not sent because they left the source's hosts (a redirect elsewhere)
        "offsite": n("radar/offsite"),
        # the run lost pages, so the watermark did not move: the next run fetches them
        "watermark_held": bool(stats.get("radar/watermark_held")),
        "stopped_at_seen": n("radar/stopped_at_seen"),
        # the oldest listed post the run stored: a complete run without lost pages read
        # every post from here to its end (a first crawl's backfill covers those hours)
        "read_from": read_from.isoformat() if isinstance(read_from, datetime) else None,
        "truncated": bool(spider.truncation),
        "truncation": spider.truncation[:50],
        "blocked": block.reason if block else None,
        "blocked_detail": block.detail if block else None,
    }
