"""Search benchmark: keyword + brand + sentiment + 30-day window, newest 20 with facet
counts, over a mix of queries (two-character words, longer words, a phrase, OR), on a
store filled by bench/ingest.py.

    .venv/bin/python bench/ingest.py --n 1000000 --db /tmp/radar-1m.db --keep
    .venv/bin/python bench/search.py --db /tmp/radar-1m.db

Prints one JSON object: p50/p95/max latency in ms over the timed queries (after one
warm-up pass), the same for broader queries (keyword + 30 days, no brand or sentiment)
as a second figure, and peak memory.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.ingest import END, ingest
from bench.mentions_gen import BRANDS
from index import open_store
from index.base import SearchRequest, Store

KEYWORDS = [
    "漏油",  # two-character words
    "退款",
    "投诉",
    "异响",
    "发热",
    "延误",
    "客服",
    "售后",
    "变质",
    "卡顿",
    "发动机",  # longer words and phrases
    "维修费",
    '"要求退款"',
    "漏油 OR 异响",
    "售后 -客服",
]
BRAND_MIX = [name for name, _ in BRANDS[:20]]


def requests(focused: bool) -> list[SearchRequest]:
    """One request per keyword, brands cycling through big and small ones."""
    out = []
    for i, keyword in enumerate(KEYWORDS):
        out.append(
            SearchRequest(
                query=keyword,
                brand=BRAND_MIX[(i * 7) % len(BRAND_MIX)] if focused else None,
                sentiment="negative" if focused else None,
                since=END - timedelta(days=30),
                until=END,
                sort="time",
                limit=20,
                facets=True,
            )
        )
    return out


def timed(store: Store, reqs: list[SearchRequest], rounds: int) -> dict[str, object]:
    for r in reqs:  # warm-up: first touch of each query's pages
        store.search(r)
    times, totals = [], []
    for _ in range(rounds):
        for r in reqs:
            t0 = time.perf_counter()
            result = store.search(r)
            times.append((time.perf_counter() - t0) * 1000)
            totals.append(result.total)
    times.sort()
    return {
        "queries": len(times),
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[int(len(times) * 0.95) - 1], 2),
        "max_ms": round(times[-1], 2),
        "mean_total_hits": round(statistics.mean(totals), 1),
        "max_total_hits": max(totals),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default="/tmp/radar-bench.db", help="SQLite store to search")
    parser.add_argument("--url", help="store URL instead of --db (e.g. Elasticsearch)")
    parser.add_argument(
        "--n", type=int, default=1_000_000, help="mentions to ingest first if --db is missing"
    )
    parser.add_argument("--rounds", type=int, default=10, help="timed passes over the mix")
    args = parser.parse_args()

    figures: dict[str, object] = {"benchmark": "search"}
    if args.url:
        url = args.url
    else:
        db = Path(args.db)
        url = f"sqlite:///{db.resolve()}"
        if not db.exists():
            figures["built"] = ingest(url, args.n, batch=2000, arrival_order=False)
    store = open_store(url)
    figures["store"] = url.split(":")[0]
    figures["mentions"] = store.count_mentions()
    figures["focused"] = timed(store, requests(focused=True), args.rounds)
    figures["keyword_only_30d"] = timed(store, requests(focused=False), max(1, args.rounds // 2))
    store.close()
    figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
