"""Crawl throughput: pages/s and items/s crawling the local fixture server
(tests/crawlers/mockserver, 10 posts per Weibo search page) with the full item pipeline
(clean → brands → dedupe → score → store into a fresh SQLite file) and politeness off,
side by side with the same crawl without item pipelines (parsing only). Each variant runs
in its own process pinned to one CPU (the fixture server gets the other), and reports
peak memory (max RSS) and CPU seconds. Prints one JSON object.

    .venv/bin/python bench/crawl.py [--pages 1000] [--lanes 10]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.crawlers.conftest import BRANDS  # noqa: E402
from tests.crawlers.mockserver import MockServer  # noqa: E402


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child(config: str, pipelines: bool) -> None:
    """Run the crawl in this process and print its Scrapy stats as JSON."""
    from scrapy.crawler import CrawlerProcess

    from crawlers.runner import SPIDERS, crawl_settings

    overrides: dict[str, Any] = {"LOG_LEVEL": "WARNING"}
    if not pipelines:
        overrides["ITEM_PIPELINES"] = {}
    process = CrawlerProcess(crawl_settings(overrides))
    crawler = process.create_crawler(SPIDERS["weibo"])
    process.crawl(crawler, source="bench", config=config)
    # spider, pipelines and the sentiment model are set up by now: measure the crawl only
    cpu_before = _cpu()
    started = time.perf_counter()
    process.start()
    wall = time.perf_counter() - started
    crawl_cpu = _cpu() - cpu_before
    stats = crawler.stats.get_stats()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(
        json.dumps(
            {
                "wall_s": wall,
                "elapsed_s": float(stats.get("elapsed_time_seconds", wall)),
                "pages": int(stats.get("radar/pages", 0)),
                "items": int(stats.get("radar/items/crawled", 0)),
                "stored": int(stats.get("radar/items/new", 0)),
                "errors": int(stats.get("radar/errors/unparsable", 0)),
                "cpu_s": usage.ru_utime + usage.ru_stime,
                "crawl_cpu_s": crawl_cpu,
                "max_rss_mb": usage.ru_maxrss / 1024,
            }
        )
    )


def run_variant(config: Path, pipelines: bool) -> dict[str, Any]:
    def pin() -> None:
        if hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, {0})

    proc = subprocess.run(
        [sys.executable, __file__, "--child", str(config)] + ([] if pipelines else ["--bare"]),
        cwd=REPO,
        capture_output=True,
        text=True,
        preexec_fn=pin,
        timeout=600,
    )
    if proc.returncode != 0:
        raise SystemExit(f"bench crawl failed:\n{proc.stderr[-3000:]}")
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    if pipelines and r["stored"] < r["items"]:
        raise SystemExit(f"bench crawl did not store every item:\n{proc.stderr[-3000:]}")
    secs = r["elapsed_s"]
    return {
        "pages": r["pages"],
        "items": r["items"],
        "stored": r["stored"],
        "unparsable": r["errors"],
        "crawl_seconds": round(secs, 2),
        "pages_per_s": round(r["pages"] / secs, 1),
        "items_per_s": round(r["items"] / secs, 1),
        # the crawler is one thread: pages per CPU-second is its rate on one free core
        "crawl_cpu_seconds": round(r["crawl_cpu_s"], 2),
        "pages_per_cpu_s": round(r["pages"] / r["crawl_cpu_s"], 1),
        "items_per_cpu_s": round(r["items"] / r["crawl_cpu_s"], 1),
        "cpu_seconds_incl_startup": round(r["cpu_s"], 2),
        "peak_rss_mb": round(r["max_rss_mb"], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--lanes", type=int, default=10, help="search keywords")
    parser.add_argument("--child")
    parser.add_argument("--bare", action="store_true")
    args = parser.parse_args()
    if args.child:
        child(args.child, pipelines=not args.bare)
        return
    env = {**os.environ}

    results: dict[str, Any] = {
        "pages_requested": args.pages,
        "keywords": args.lanes,
        "cpus": os.cpu_count(),
    }
    with MockServer(env=env) as server, tempfile.TemporaryDirectory() as tmp:
        if server.proc is not None and hasattr(os, "sched_setaffinity") and os.cpu_count() != 1:
            os.sched_setaffinity(server.proc.pid, {1})  # the crawler gets CPU 0
        for name, pipelines in (("full_pipeline", True), ("parse_only", False)):
            folder = Path(tmp) / name
            folder.mkdir()
            config = folder / "config.yaml"
            config.write_text(
                yaml.safe_dump(
                    {
                        "store": {"url": f"sqlite:///{folder}/radar.db"},
                        "brands": BRANDS,
                        "sources": [
                            {
                                "name": "bench",
                                "kind": "weibo",
                                "base_url": server.url("bench"),
                                # several keywords page side by side, as a real search source does
                                "query": [f"bench{i}" for i in range(args.lanes)],
                                "max_pages": -(-args.pages // args.lanes),
                                "fetch_comments": False,
                                "obey_robots": False,
                                "download_delay": 0,
                                "autothrottle": False,
                                "concurrency": 16,
                            }
                        ],
                    },
                    allow_unicode=True,
                ),
                encoding="utf-8",
            )
            results[name] = run_variant(config, pipelines)
    full = results["full_pipeline"]
    results["load_average_1m"] = round(os.getloadavg()[0], 2)
    results["target_pages_per_s"] = 150
    results["meets_target_wall"] = full["pages_per_s"] >= 150
    results["meets_target_per_cpu_s"] = full["pages_per_cpu_s"] >= 150
    print(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
