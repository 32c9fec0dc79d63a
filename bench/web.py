"""Web latency with a large embedded store: the search page and the executive pages,
rendered in-process through the whole ASGI stack (session login, CSRF layer, routes,
templates), p50/p95 per page over repeated requests. Goal: p95 <= 300 ms at 1,000,000
mentions. The executive pages are measured twice: as served (their Store aggregates
cached for a minute per brand and window) and with every view reading the Store. The
NDJSON mentions export (``GET /api/v1/mentions``) is read over a real socket (uvicorn on
127.0.0.1, curl as the client) for one day and for 31 days, twice: mentions per second and
the server's resident memory while it streams (goal: >= 20,000 mentions/s, flat memory).

    .venv/bin/python bench/ingest.py --n 1000000 --db var/bench/web-1m.db --keep   # once
    .venv/bin/python bench/web.py --db var/bench/web-1m.db

Without an existing ``--db`` the store is built first with bench/ingest.py's code (the
same generated mentions, bench/mentions_gen.py). A few crisis cases are saved into the
store (ids ``bench-case-*``) so the crisis summaries have cases to show. Prints JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import resource
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
from argon2 import PasswordHasher

from bench.ingest import END, ingest
from bench.mentions_gen import BRANDS
from config.schema import RadarConfig
from index import open_store
from index.models import Case, CaseEvent, Severity
from radar.web import tokens
from radar.web.app import create_app

PASSWORD = "bench-password"
BIG, SMALL = BRANDS[0][0], BRANDS[-1][0]

# what care staff type, on the page's default range (the last 24 hours)
SEARCHES = [
    {"q": "漏油"},
    {"q": "发动机 异响"},
    {"q": "退款 OR 投诉"},
    {"q": f"brand:{BIG} sentiment:negative"},
    {"q": f'"客服电话" brand:{BRANDS[9][0]}'},
    {"q": "质量 NOT 广告"},
    {"q": ""},
    {"q": f"brand:{SMALL}"},
    {"q": "投诉", "page": "5"},
]
# wider ranges chosen on purpose: reported apart (their cost grows with the matches)
WIDE_SEARCHES = [
    {"q": "漏油", "range": "7d"},
    {"q": "退款 OR 投诉", "range": "7d"},
    {"q": "", "range": "7d"},
    {"q": "漏油", "range": "all"},
    {"q": f"brand:{SMALL} 退款", "range": "all"},
]


def bench_config() -> RadarConfig:
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return RadarConfig.model_validate(
        {
            "brands": [{"name": name} for name, _ in BRANDS],
            "web": {"users": [{"name": "admin", "role": "admin",
                               "password_hash": cheap.hash(PASSWORD)}]},
        }
    )  # fmt: skip


def seed_cases(store) -> list[str]:  # type: ignore[no-untyped-def]
    """One P1 case for the biggest brand and one for the smallest, opened 6 h before END."""
    ids = []
    for n, brand in enumerate((BIG, SMALL)):
        case_id = f"bench-case-{n}"
        opened = END - timedelta(hours=6)
        if store.get_case(case_id) is None:
            store.save_case(
                Case(id=case_id, brand=brand, rule="negative_surge", severity=Severity.P1,
                     title=f"{brand} negative surge (bench)", opened_at=opened, updated_at=opened,
                     trigger={"stories": 40, "ratio": 5.0}, ack_due_at=opened)
            )  # fmt: skip
            store.append_case_event(CaseEvent(case_id=case_id, at=opened, kind="alerted"))
        ids.append(case_id)
    return ids


async def measure(app, urls: dict[str, list[str]], rounds: int) -> dict[str, dict[str, float]]:  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        page = await client.get("/login")
        token = page.text.split('name="csrftoken" value="', 1)[1].split('"', 1)[0]
        r = await client.post(
            "/login", data={"name": "admin", "password": PASSWORD, "csrftoken": token}
        )
        assert r.status_code == 303, r.text
        # warm-up: the OS page cache and SQLite's; also the first (uncached) view of each
        # page, before the executive pages' one-minute aggregates cache holds it
        first: dict[str, list[float]] = {name: [] for name in urls}
        for name, group in urls.items():
            for url in group:
                t0 = time.perf_counter()
                assert (await client.get(url)).status_code == 200, url
                first[name].append((time.perf_counter() - t0) * 1000)
        times: dict[str, list[float]] = {name: [] for name in urls}
        for _ in range(rounds):
            for name, group in urls.items():
                for url in group:
                    t0 = time.perf_counter()
                    r = await client.get(url)
                    times[name].append((time.perf_counter() - t0) * 1000)
                    assert r.status_code == 200, (url, r.status_code)
    out = {}
    for name, ms in times.items():
        ms.sort()
        out[name] = {
            "requests": len(ms),
            "p50_ms": round(statistics.median(ms), 1),
            "p95_ms": round(ms[math.ceil(len(ms) * 0.95) - 1], 1),  # nearest rank
            "max_ms": round(ms[-1], 1),
            "first_view_max_ms": round(max(first[name]), 1),
        }
    return out


async def measure_exports(app, case_ids: list[str], rounds: int = 3) -> dict[str, dict[str, float]]:  # type: ignore[no-untyped-def]
    """Wall time of each export: the first (the process's first export also loads
    matplotlib and the chart font) and the median of ``rounds`` more; the 7-day report of
    the biggest brand and of the smallest, the crisis brief of the biggest brand's case."""
    urls = {
        "brand_report_7d_pdf_big": "/reports/brand.pdf?" + urlencode({"brand": BIG, "days": 7}),
        "brand_report_7d_docx_big": "/reports/brand.docx?" + urlencode({"brand": BIG, "days": 7}),
        "brand_report_7d_pdf_small": "/reports/brand.pdf?" + urlencode({"brand": SMALL, "days": 7}),
        "crisis_brief_pdf": f"/cases/{case_ids[0]}/report.pdf",
        "crisis_brief_docx": f"/cases/{case_ids[0]}/report.docx",
    }
    out: dict[str, dict[str, float]] = {}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        page = await client.get("/login")
        token = page.text.split('name="csrftoken" value="', 1)[1].split('"', 1)[0]
        await client.post(
            "/login", data={"name": "admin", "password": PASSWORD, "csrftoken": token}
        )
        for name, url in urls.items():
            ms = []
            for _ in range(rounds + 1):
                t0 = time.perf_counter()
                r = await client.get(url)
                assert r.status_code == 200, (url, r.status_code, r.text[:200])
                ms.append((time.perf_counter() - t0) * 1000)
            out[name] = {
                "first_ms": round(ms[0], 1),
                "p50_ms": round(statistics.median(ms[1:]), 1),
                "max_ms": round(max(ms[1:]), 1),
            }
    return out


def terms_once(store) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """One uncached Store.top_terms call per window the exec pages ask for (the pages
    fetch terms after loading, from /api/terms, cached for 10 minutes)."""
    store.top_terms(BIG, END - timedelta(minutes=1), END, 20)  # jieba loads its dictionary
    out = {}
    for name, brand, days in (("big_brand_1d", BIG, 1), ("small_brand_1d", SMALL, 1),
                              ("all_brands_7d", None, 7)):  # fmt: skip
        t0 = time.perf_counter()
        store.top_terms(brand, END - timedelta(days=days), END, 20)
        out[name] = round((time.perf_counter() - t0) * 1000, 1)
    return out


def rss_mb() -> float:
    """Resident memory now (not the peak: the pages measured before may have grown it)."""
    with open("/proc/self/statm") as f:
        return round(int(f.read().split()[1]) * resource.getpagesize() / 2**20, 1)


def export_rate(app, token: str, days: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Stream the export of the ``days`` before END over loopback to ``curl`` (another
    process, so the client's parsing does not share this process's GIL with the server);
    the lines it received, the rate, and this process's memory sampled while it streams."""
    import subprocess
    import tempfile

    from tests.web.api_server import on_loopback

    query = urlencode({"since": (END - timedelta(days=days)).isoformat(), "until": END.isoformat()})
    before = highest = rss_mb()
    with on_loopback(app) as base, tempfile.TemporaryFile() as out:
        url = f"{base}/api/v1/mentions?{query}"
        t0, c0 = time.perf_counter(), time.process_time()
        curl = subprocess.Popen(
            ["curl", "-sS", "--fail", "-H", f"Authorization: Bearer {token}", url], stdout=out
        )
        while curl.poll() is None:
            highest = max(highest, rss_mb())
            time.sleep(0.1)
        seconds = time.perf_counter() - t0
        cpu = time.process_time() - c0
        assert curl.returncode == 0, f"curl exited {curl.returncode}"
        out.seek(0)
        lines = size = 0
        for line in out:
            lines += 1
            size += len(line)
    return {
        "days": days,
        "mentions": lines,
        "seconds": round(seconds, 2),
        "mentions_per_s": round(lines / seconds) if seconds else 0,
        "mb_streamed": round(size / 2**20, 1),
        "server_cpu_seconds": round(cpu, 2),
        "server_mentions_per_cpu_s": round(lines / cpu) if cpu else 0,
        "rss_before_mb": before,
        "rss_max_while_streaming_mb": highest,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default="var/bench/web-1m.db", help="SQLite store to use")
    parser.add_argument("--n", type=int, default=1_000_000, help="mentions if it is built")
    parser.add_argument("--rounds", type=int, default=10, help="passes over every URL")
    parser.add_argument("--export-only", action="store_true", help="only the NDJSON export")
    args = parser.parse_args()

    db = Path(args.db).resolve()
    url = f"sqlite:///{db}"
    built = None
    if not db.exists():
        db.parent.mkdir(parents=True, exist_ok=True)
        built = ingest(url, args.n, 1000, arrival_order=False)
    store = open_store(url)
    case_ids = seed_cases(store)
    app = create_app(bench_config(), store, clock=lambda: END)
    app.state.rate_limit.configure("1000000/minute")
    token = tokens.create(store, "bench", "read", by="bench")[1]
    # twice: the first pass reads the pages from disk into SQLite's cache (128 MiB per
    # reader connection), the second shows what the memory does once that cache is full
    export = [export_rate(app, token, days) for days in (1, 31, 1, 31)]
    if args.export_only:
        print(json.dumps({"benchmark": "web-export", "mentions": store.count_mentions(),
                          "export_ndjson": export, "goal_mentions_per_s": 20_000}))  # fmt: skip
        return
    urls = {
        "search_page": ["/search?" + urlencode(p) for p in SEARCHES],
        "search_page_wide_ranges": ["/search?" + urlencode(p) for p in WIDE_SEARCHES],
        "case_summary_page": [f"/cases/{c}/summary" for c in case_ids],
        "overview_page_1d": [
            "/overview?" + urlencode({"brand": BIG}),
            "/overview?" + urlencode({"brand": SMALL}),
            "/overview",
        ],
        "overview_page_7d": [
            "/overview?" + urlencode({"brand": BIG, "days": 7}),
            "/overview?days=7",
        ],
        "case_board_page": ["/cases"],
        "digest_page": ["/digest"],
        "search_api": ["/api/v1/search?" + urlencode(p) for p in SEARCHES[:4]],
        "case_summary_api_without_terms": [
            f"/api/v1/cases/{c}/summary?terms=false" for c in case_ids
        ],
    }
    figures: dict[str, object] = {
        "benchmark": "web",
        "mentions": store.count_mentions(),
        "store": "sqlite",
        "rounds": args.rounds,
    }
    if built:
        figures["ingest"] = built
    figures["pages"] = asyncio.run(measure(app, urls, args.rounds))
    # the executive pages again without their one-minute aggregates cache: every view
    # reads the Store (what the first viewer of a minute waits for)
    app.state.aggregates = None
    exec_pages = ("case_summary_page", "overview_page_1d", "overview_page_7d")
    figures["pages_without_aggregates_cache"] = asyncio.run(
        measure(app, {name: urls[name] for name in exec_pages}, max(2, args.rounds // 2))
    )
    figures["top_terms_uncached_ms"] = terms_once(store)
    figures["exports"] = asyncio.run(measure_exports(app, case_ids))
    figures["goal_p95_ms"] = 300
    figures["export_ndjson"] = export
    figures["export_goal_mentions_per_s"] = 20_000
    figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    store.close()
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
