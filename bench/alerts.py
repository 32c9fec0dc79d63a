"""Alert detection benchmark: replay a generated 30-day stream for 20 brands with
injected incidents (bench/alerts_stream.py) through ``alerts.replay`` — the same store,
dedupe, engine and rules as live — and report, as JSON:

* incidents detected per shape, median and worst detection delay after the incident's
  first post (target ≤ 10 simulated minutes for a sharp surge, ≤ 15 for a repost storm
  seen only through re-crawls of its post; a late arrival's first post is when its posts
  are surfaced), and the worst after the onset of its traffic: on a quiet brand a
  surge's first complaint may come minutes after that, and nothing can be seen before it;
* false alerts per brand-week on the quiet parts (target ≤ 0.2): cases opened or
  reopened outside every incident's span (onset − 30 min … end + 6 h), after the
  warm-up week, and separately during the warm-up (the baselines are still learning);
* replay speed (mentions/s, wall time).

    .venv/bin/python bench/alerts.py [--brands 20] [--days 30] [--seed 0] [--events FILE]
        [--per-incident] [--trace-sharp MIN]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

# this file is named like the package it measures: keep bench/ itself off the path
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

from alerts.replay import replay  # noqa: E402
from bench.alerts_stream import LOCAL, SHAPES, StreamBuilder  # noqa: E402
from bench.alerts_trace import SharpTrace  # noqa: E402
from config import load_config  # noqa: E402
from config.schema import RadarConfig  # noqa: E402

DETECT_WITHIN = {
    "sharp_surge": timedelta(hours=2),
    "slow_climb": timedelta(hours=8),
    "big_v_post": timedelta(hours=1),
    "repost_storm": timedelta(hours=2),
    "late_arrival": timedelta(hours=2),
    "recrawl_storm": timedelta(hours=2),
}
QUIET_MARGIN_BEFORE = timedelta(minutes=30)
QUIET_MARGIN_AFTER = timedelta(hours=6)
WARMUP_DAYS = 7


def _fired(event: dict[str, Any]) -> list[str]:
    """The rules of an alert, with the surge's shape and figures."""
    out = []
    for rule, fig in (event.get("rules") or {event["rule"]: {}}).items():
        if "shape" in fig:
            rule += f" {fig['shape']} {fig['stories']} vs {fig['expected']}"
        out.append(rule)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--brands", type=int, default=20)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--events", help="also write the replay's case events (JSON lines) here")
    ap.add_argument(
        "--config",
        help="a Radar config file whose alerts: section to use (default: the built-in defaults)",
    )
    ap.add_argument(
        "--per-incident",
        action="store_true",
        help="list every incident with its detection delay and the brand's usual volume",
    )
    ap.add_argument(
        "--trace-sharp",
        type=float,
        metavar="MIN",
        help="print to stderr, for each sharp surge alerted more than MIN minutes after its "
        "onset, the surge rule's inputs at each evaluation of its first minutes "
        "(bench/alerts_trace.py)",
    )
    args = ap.parse_args()

    t0 = time.perf_counter()
    builder = StreamBuilder(brands=args.brands, days=args.days, seed=args.seed)
    try:
        stream = builder.build(warmup_days=WARMUP_DAYS)
    except ValueError as exc:
        ap.error(f"--days {args.days}: {exc}")
    lines = [json.dumps(m, ensure_ascii=False) for m in stream]
    generated = time.perf_counter() - t0

    events: list[dict[str, Any]] = []
    config = load_config(args.config) if args.config else RadarConfig()
    trace = SharpTrace(builder.incidents) if args.trace_sharp is not None else None
    if trace:
        trace.install()
    try:
        stats = replay(config, lines, events.append)
    finally:
        if trace:
            trace.uninstall()

    from datetime import datetime

    for e in events:
        e["_at"] = datetime.fromisoformat(e["at"])
    alerts = [e for e in events if e["event"] in ("alerted", "reopened", "updated")]
    opened = [e for e in events if e["event"] in ("alerted", "reopened")]

    per_shape: dict[str, dict[str, Any]] = {}
    for shape in SHAPES:
        delays, from_onset, missed, each = [], [], [], []
        for inc in (i for i in builder.incidents if i.shape == shape):
            first_post = inc.first_post or inc.onset
            hits = [
                e
                for e in alerts
                if e["brand"] == inc.brand
                and first_post <= e["_at"] <= inc.onset + DETECT_WITHIN[shape]
            ]
            row: dict[str, Any] = {
                "brand": inc.brand,
                "onset_local": f"{inc.onset + LOCAL:%m-%d %H:%M}",
                "first_post_after_onset_min": round(
                    (first_post - inc.onset).total_seconds() / 60, 1
                ),
                # what the generator's background brings at onset (incl. reposts)
                "usual_negative_per_hour": round(
                    60 * builder.neg_per_minute(builder.brand(inc.brand), inc.onset), 1
                ),
            }
            if hits:
                first = min(hits, key=lambda e: e["_at"])
                delay = (first["_at"] - first_post).total_seconds() / 60
                delays.append(delay)
                from_onset.append((first["_at"] - inc.onset).total_seconds() / 60)
                row |= {
                    "delay_min": round(delay, 1),
                    "from_onset_min": round(from_onset[-1], 1),
                    "fired": _fired(first),
                }
                if trace and shape == "sharp_surge" and from_onset[-1] > args.trace_sharp:
                    trace.report(inc.brand, inc.onset, sys.stderr)
            else:
                missed.append(f"{inc.brand} {inc.onset:%m-%d %H:%M}")
                row["delay_min"] = None
            each.append(row)
        n = len(delays) + len(missed)
        per_shape[shape] = {
            "incidents": n,
            "detected": len(delays),
            "median_delay_min": round(statistics.median(delays), 1) if delays else None,
            "worst_delay_min": round(max(delays), 1) if delays else None,
            "worst_from_onset_min": round(max(from_onset), 1) if from_onset else None,
            "missed": missed,
            "per_incident": each if args.per_incident else None,
        }

    start = builder.start
    warm_end = start + timedelta(days=WARMUP_DAYS)
    end = start + timedelta(days=args.days)

    def quiet(e: dict[str, Any]) -> bool:
        return not any(
            e["brand"] == i.brand
            and i.onset - QUIET_MARGIN_BEFORE <= e["_at"] <= i.end + QUIET_MARGIN_AFTER
            for i in builder.incidents
        )

    false_after = [e for e in opened if quiet(e) and e["_at"] >= warm_end]
    false_warm = [e for e in opened if quiet(e) and e["_at"] < warm_end]
    # quiet brand-time after the warm-up: total minus the incident spans
    busy = sum(
        (
            (min(i.end + QUIET_MARGIN_AFTER, end) - (i.onset - QUIET_MARGIN_BEFORE))
            for i in builder.incidents
        ),
        timedelta(),
    )
    quiet_weeks = ((end - warm_end) * args.brands - busy) / timedelta(weeks=1)
    warm_weeks = (warm_end - start) * args.brands / timedelta(weeks=1)
    sharp = per_shape["sharp_surge"]
    recrawl = per_shape["recrawl_storm"]
    report = {
        "stream": {
            "brands": args.brands,
            "days": args.days,
            "seed": args.seed,
            "mentions": len(stream),
            "incidents": len(builder.incidents),
            "generated_s": round(generated, 1),
        },
        "detection": per_shape,
        "detected_total": f"{sum(s['detected'] for s in per_shape.values())}"
        f"/{len(builder.incidents)}",
        "false_alerts": {
            "after_warmup": len(false_after),
            "per_brand_week": round(len(false_after) / quiet_weeks, 3) if quiet_weeks else None,
            "quiet_brand_weeks": round(quiet_weeks, 1),
            "during_warmup": len(false_warm),
            "warmup_per_brand_week": round(len(false_warm) / warm_weeks, 3),
            "examples": [f"{e['at']} {e['brand']} {e['text'][:120]}" for e in false_after[:8]],
        },
        "targets": {
            "sharp_surge_worst_delay_le_10min": sharp["worst_delay_min"] is not None
            and sharp["worst_delay_min"] <= 10,
            "recrawl_storm_worst_delay_le_15min": recrawl["worst_delay_min"] is not None
            and recrawl["worst_delay_min"] <= 15,
            "all_detected": all(not s["missed"] for s in per_shape.values()),
            "false_alerts_per_brand_week_le_0.2": len(false_after) / quiet_weeks <= 0.2
            if quiet_weeks
            else None,
        },
        "replay": {
            "mentions": stats.mentions,
            "ticks": stats.ticks,
            "seconds": round(stats.seconds, 1),
            "mentions_per_second": round(stats.mentions / stats.seconds, 1),
            "events": stats.events,
            "cases": stats.cases,
        },
    }
    if args.events:
        with open(args.events, "w", encoding="utf-8") as fh:
            for e in events:
                e.pop("_at", None)
                fh.write(json.dumps(e, ensure_ascii=False, default=str) + "\n")
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
