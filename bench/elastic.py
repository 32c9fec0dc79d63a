"""Elasticsearch backend figures, side by side with SQLite on the same generated mentions.

    .ci/with-es-standin .venv/bin/python bench/elastic.py --n 20000    # noida-db stand-in
    RADAR_ES_URL=https://user:pass@es:9200 .venv/bin/python bench/elastic.py --n 200000

Needs RADAR_ES_URL (or --url). Writes under a fresh index prefix that is dropped at the
end (``--keep`` keeps it). Prints one JSON object: per backend, bulk-ingest mentions/s
(``Store.upsert_mentions`` alone, batches of ``--batch``), re-ingest of unchanged
mentions (a re-crawl), search latency p50/p95 over a mix of keyword + brand + sentiment
+ 30-day-window queries (top 20 by time, facets, highlight; 2-character words included),
and the analytics calls. Figures against the noida-db stand-in describe the emulator,
not a real Elasticsearch cluster.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.mentions_gen import BRANDS, generate_mentions
from index import Store, open_store
from index.base import SearchRequest
from index.elastic import ElasticStore
from index.models import Mention

END = datetime(2026, 11, 20, tzinfo=UTC)
KEYWORDS = ["退款", "客服", "售后 推脱", '"不给保修"', "质量", "维权", "态度 差", "投诉"]


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def _timed(call: Callable[[], Any], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        call()
        times.append(time.perf_counter() - t0)
    return _ms(statistics.median(times))


def ingest(store: Store, mentions: list[Mention], batch: int) -> dict[str, Any]:
    timed = 0.0
    written = errors = 0
    for start in range(0, len(mentions), batch):
        t0 = time.perf_counter()
        result = store.upsert_mentions(mentions[start : start + batch])
        timed += time.perf_counter() - t0
        written += result.written
        errors += len(result.errors)
    again = mentions[: min(len(mentions), 5 * batch)]
    t0 = time.perf_counter()
    unchanged = 0
    for start in range(0, len(again), batch):
        unchanged += store.upsert_mentions(again[start : start + batch]).unchanged
    reingest = time.perf_counter() - t0
    return {
        "written": written,
        "errors": errors,
        "stored": store.count_mentions(),
        "ingest_mentions_per_s": round(written / timed) if timed else None,
        "reingest_unchanged": unchanged,
        "reingest_mentions_per_s": round(len(again) / reingest) if reingest else None,
    }


def search_mix(store: Store, queries: int) -> dict[str, Any]:
    brands = [name for name, _ in BRANDS]
    requests = [
        SearchRequest(
            query=KEYWORDS[i % len(KEYWORDS)],
            brand=brands[(i * 7) % len(brands)],
            sentiment="negative",
            since=END - timedelta(days=30),
            until=END,
            sort="time",
            limit=20,
        )
        for i in range(queries)
    ]
    for request in requests[:20]:  # warm-up: caches, connections
        store.search(request)
    times, totals = [], []
    for request in requests:
        t0 = time.perf_counter()
        result = store.search(request)
        times.append(time.perf_counter() - t0)
        totals.append(result.total)
    times.sort()
    return {
        "queries": queries,
        "search_p50_ms": _ms(times[len(times) // 2]),
        "search_p95_ms": _ms(times[int(len(times) * 0.95) - 1]),
        "search_max_ms": _ms(times[-1]),
        "mean_hits_total": round(statistics.mean(totals), 1),
    }


def analytics(store: Store) -> dict[str, Any]:
    brand = BRANDS[0][0]
    week = END - timedelta(days=7)
    return {
        "count_buckets_30d_hourly_ms": _timed(
            lambda: store.count_buckets(END - timedelta(days=30), END, 3600)
        ),
        "top_authors_7d_ms": _timed(lambda: store.top_authors(brand, week, END)),
        "top_terms_7d_ms": _timed(lambda: store.top_terms(brand, week, END), repeat=3),
        "near_duplicates_ms": _timed(
            lambda: store.find_near_duplicates(12345, END - timedelta(days=90))
        ),
    }


def run(store: Store, mentions: list[Mention], batch: int, queries: int) -> dict[str, Any]:
    figures = ingest(store, mentions, batch)
    figures.update(search_mix(store, queries))
    figures.update(analytics(store))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default=os.environ.get("RADAR_ES_URL"), help="Elasticsearch URL")
    parser.add_argument("--n", type=int, default=20_000, help="mentions to generate")
    parser.add_argument("--batch", type=int, default=1000, help="mentions per upsert call")
    parser.add_argument("--queries", type=int, default=200, help="searches in the mix")
    parser.add_argument("--keep", action="store_true", help="keep the Elasticsearch indices")
    args = parser.parse_args()
    if not args.url:
        sys.exit("no Elasticsearch URL: set RADAR_ES_URL or pass --url (see .ci/with-es-standin)")

    mentions = list(generate_mentions(args.n, brands=20, days=90, seed=0, end=END))
    prefix = f"radar-bench-{uuid.uuid4().hex[:8]}"
    es = open_store(args.url, index_prefix=prefix)
    assert isinstance(es, ElasticStore)
    try:
        es.count_mentions()  # connects: template, indices, server version
        server = es.server_info
        figures: dict[str, Any] = {
            "benchmark": "elastic",
            "n": args.n,
            "batch": args.batch,
            "elasticsearch": {
                "server": server.get("version", {}).get("number"),
                "stand_in": es.is_emulator,
                "note": "noida-db ES-API emulator: stand-in figures, not a real cluster"
                if es.is_emulator
                else "real cluster",
                **run(es, mentions, args.batch, args.queries),
            },
        }
    finally:
        if not args.keep:
            es.drop_all()
        es.close()
    with tempfile.TemporaryDirectory(prefix="radar-bench-") as tmp:
        sqlite = open_store(f"sqlite:///{tmp}/radar.db")
        figures["sqlite"] = run(sqlite, mentions, args.batch, args.queries)
        sqlite.close()
    figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
