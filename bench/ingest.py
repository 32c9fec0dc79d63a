"""Bulk-ingest benchmark of the store layer alone: generated mentions are built outside
the timed region, only ``Store.upsert_mentions`` is timed. One process, one core.

    .venv/bin/python bench/ingest.py                 # 1,000,000 mentions into a temp SQLite file
    .venv/bin/python bench/ingest.py --n 100000 --db /tmp/radar-bench.db --keep
    .venv/bin/python bench/ingest.py --url http://localhost:9200 --n 100000
    .venv/bin/python bench/ingest.py --n 1000000 --recrawl 100000   # then a re-crawl
    .venv/bin/python bench/ingest.py --order arrival   # as a running crawler brings them

Prints one JSON object: mentions/s over the timed upserts (wall clock and per CPU
second: on a shared machine the CPU figure is the one-core cost), peak memory, and with
``--recrawl K`` the same for upserting the first K mentions again as a re-crawl sees
them (every other one with one more like: ``updated``; the rest ``unchanged``).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.mentions_gen import generate_mentions
from index import open_store
from index.models import Mention

END = datetime(2026, 11, 20, tzinfo=UTC)  # fixed, so bench/search.py windows line up


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # KiB on Linux


def stream(n: int, arrival_order: bool, seed: int = 0) -> Iterator[Mention]:
    return generate_mentions(n, brands=20, days=90, seed=seed, end=END, arrival_order=arrival_order)


def ingest(url: str, n: int, batch: int, arrival_order: bool) -> dict[str, object]:
    store = open_store(url)
    timed = 0.0
    cpu = 0.0
    written = errors = 0
    started = time.perf_counter()
    pending = []
    for mention in stream(n, arrival_order):
        pending.append(mention)
        if len(pending) == batch:
            t0, c0 = time.perf_counter(), time.process_time()
            result = store.upsert_mentions(pending)
            timed += time.perf_counter() - t0
            cpu += time.process_time() - c0
            written += result.written
            errors += len(result.errors)
            pending = []
    if pending:
        t0, c0 = time.perf_counter(), time.process_time()
        result = store.upsert_mentions(pending)
        timed += time.perf_counter() - t0
        cpu += time.process_time() - c0
        written += result.written
        errors += len(result.errors)
    wall = time.perf_counter() - started
    count = store.count_mentions()
    store.close()
    return {
        "n": n,
        "batch": batch,
        "written": written,
        "errors": errors,
        "stored": count,
        "upsert_seconds": round(timed, 2),
        "mentions_per_s": round(written / timed) if timed else None,
        "upsert_cpu_seconds": round(cpu, 2),  # on a busy machine: the one-core cost
        "mentions_per_cpu_s": round(written / cpu) if cpu else None,
        "wall_seconds_incl_generation": round(wall, 2),
    }


def recrawl(url: str, n: int, k: int, batch: int, arrival_order: bool) -> dict[str, object]:
    """Upsert the first ``k`` of the ``n`` ingested mentions again (timed as above)."""
    store = open_store(url)
    timed = cpu = 0.0
    counts = {"new": 0, "updated": 0, "unchanged": 0, "errors": 0}
    pending: list[Mention] = []
    for i, mention in enumerate(itertools.islice(stream(n, arrival_order), k)):
        if i % 2 == 0:
            more = mention.engagement.model_copy(update={"likes": mention.engagement.likes + 1})
            mention = mention.model_copy(update={"engagement": more})
        pending.append(mention)
        if len(pending) == batch or i == k - 1:
            t0, c0 = time.perf_counter(), time.process_time()
            result = store.upsert_mentions(pending)
            timed += time.perf_counter() - t0
            cpu += time.process_time() - c0
            counts["new"] += result.new
            counts["updated"] += result.updated
            counts["unchanged"] += result.unchanged
            counts["errors"] += len(result.errors)
            pending = []
    store.close()
    return {
        "k": k,
        **counts,
        "upsert_seconds": round(timed, 2),
        "mentions_per_s": round(k / timed) if timed else None,
        "upsert_cpu_seconds": round(cpu, 2),
        "mentions_per_cpu_s": round(k / cpu) if cpu else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="mentions to ingest")
    parser.add_argument("--batch", type=int, default=5000, help="mentions per upsert call")
    parser.add_argument("--db", help="SQLite file to create (default: a temp file)")
    parser.add_argument("--url", help="store URL instead of --db (e.g. Elasticsearch)")
    parser.add_argument(
        "--order",
        choices=["random", "arrival"],
        default="random",
        help="publish times at random over the 90 days (a back-fill; default) or in the "
        "order a running crawler brings them in (oldest first, up to 10 min off)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the SQLite file")
    parser.add_argument(
        "--recrawl", type=int, default=0, metavar="K", help="then upsert the first K again"
    )
    args = parser.parse_args()

    tmpdir = None
    if args.url:
        url, db = args.url, None
    else:
        if args.db:
            db = Path(args.db)
        else:
            tmpdir = tempfile.mkdtemp(prefix="radar-bench-")
            db = Path(tmpdir) / "radar.db"
        if db.exists():
            sys.exit(f"{db} exists; ingest needs an empty store (remove it first)")
        url = f"sqlite:///{db.resolve()}"
    figures: dict[str, object] = {"benchmark": "ingest", "store": url.split(":")[0]}
    # other work on the machine slows the wall clock (the per-CPU-second rate much less)
    figures["loadavg_start"] = round(os.getloadavg()[0], 2)
    arrival = args.order == "arrival"
    figures["order"] = args.order
    figures.update(ingest(url, args.n, args.batch, arrival))
    if args.recrawl:
        k = min(args.recrawl, args.n)
        figures["recrawl"] = recrawl(url, args.n, k, args.batch, arrival)
    figures["peak_rss_mb"] = peak_rss_mb()
    figures["loadavg_end"] = round(os.getloadavg()[0], 2)
    if db is not None:
        size = sum(p.stat().st_size for p in db.parent.glob(db.name + "*"))
        figures["db_mb"] = round(size / 2**20, 1)
        if not args.keep:
            for p in db.parent.glob(db.name + "*"):
                p.unlink()
            if tmpdir:
                os.rmdir(tmpdir)
        else:
            figures["db"] = str(db)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
