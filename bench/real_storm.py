"""A real Weibo repost storm, replayed through the alert engine (``alerts.replay``: the
same ingest, stories, sentiment, engine and rules as live), with the figures a reader
needs to judge it: when the first post came, when the first alert came, how many cases
opened and reopened, what each reopen was about, and the storm's volume hour by hour
(so one can see which reopens stand on a genuine new wave).

    .venv/bin/python bench/real_storm.py DATA EVENT_ID [EVENT_ID ...] --brand NAME
        [--keyword TERM ...] [--view reposts|recrawl] [--every 10] [--days 7]
        [--no-comments] [--hours 72] [--jsonl OUT.jsonl] [--events OUT.jsonl]

Several EVENT_IDs (posts about the same subject) are replayed together as one brand's
storm. DATA is a directory holding the corpus; it is never part of this repository
(keep it outside the work tree, e.g. ../shared/realdata/). Two public corpora are read:

* CHECKED (Yang, Zhou, Zafarani 2021, "CHECKED: Chinese COVID-19 fake news dataset",
  github.com/cyang03/CHECKED): ``dataset/{real_news,fake_news}/<id>.json``, one post with
  ``date`` ("2020-06-18 07:11", Beijing time), ``text``, ``repost_num``,
  ``comment_num`` and its ``reposts`` and ``comments`` (``id``, ``date``, hashed
  ``user_id``, ``text``). Authors are hashed (md5 of "" when the crawl had none: no
  author here), so followers are unknown (0).
* Ma et al. 2016 (IJCAI, "rumdect"): ``Weibo/<eid>.json``, a list of posts, the first
  the original, each with ``t`` (epoch seconds), ``mid``, ``parent``, ``text`` /
  ``original_text``, ``uid``, ``followers_count``, ``reposts_count``,
  ``comments_count``. Its download (rumdect.zip) is no longer served by its authors and
  no public copy with the repost files was found (see docs/benchmarks.md).

``--view reposts`` (default): what a crawler of the post's repost and comment timelines
sees — each repost (``repost_of`` the post) and comment (``parent_id``) a mention at its
own time. ``--view recrawl``: what a poller of the post alone sees — the post again
every ``--every`` minutes with the reposts and comments counted by then (the same id
with ``observed_at`` and growing counts). Every line carries ``brand``; a post none of
the brand's terms (name, ``--keyword``) matches is reported in ``unmatched``.

Prints one JSON object. Times are local (the config's timezone, Asia/Shanghai).
"""

from __future__ import annotations

import argparse
import bisect
import json
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

# this directory holds alerts.py, named like the package replayed: keep it off the path
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

from alerts.replay import replay  # noqa: E402
from config.schema import BrandConfig, RadarConfig  # noqa: E402

EMPTY_REPOST = "转发微博"  # what Weibo shows for a repost without words
NO_USER = "d41d8cd98f00b204e9800998ecf8427e"  # CHECKED's hash of a missing user id (md5 of "")


@dataclass
class Item:
    """A repost or comment of a post."""

    id: str
    at: datetime
    text: str
    kind: str  # "repost" | "comment"
    author: str = ""
    followers: int = 0


@dataclass
class Post:
    id: str
    at: datetime
    text: str
    author: str = ""
    followers: int = 0
    reported_reposts: int = 0
    reported_comments: int = 0
    items: list[Item] = field(default_factory=list)


def _local(text: str, zone: tzinfo) -> datetime:
    return datetime.fromisoformat(text.strip()).replace(tzinfo=zone)


def _user(value: Any) -> str:
    user = str(value or "")
    return "" if user == NO_USER else user


def _count(value: Any) -> int:
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return 0


def load_checked(path: Path, zone: tzinfo) -> Post:
    d = json.loads(path.read_text(encoding="utf-8"))
    post = Post(
        id=str(d["id"]),
        at=_local(d["date"], zone),
        text=d["text"],
        author=_user(d.get("user_id")),
        reported_reposts=_count(d.get("repost_num")),
        reported_comments=_count(d.get("comment_num")),
    )
    for kind, key in (("repost", "reposts"), ("comment", "comments")):
        for r in d.get(key) or []:
            if not r.get("date"):
                continue
            post.items.append(
                Item(
                    id=str(r["id"]),
                    at=_local(r["date"], zone),
                    text=(r.get("text") or "").strip() or EMPTY_REPOST,
                    kind=kind,
                    author=_user(r.get("user_id")),
                )
            )
    return post


def load_rumdect(path: Path) -> Post:
    rows = json.loads(path.read_text(encoding="utf-8"))
    first = rows[0]

    def text(r: dict[str, Any]) -> str:
        return (r.get("original_text") or r.get("text") or "").strip() or EMPTY_REPOST

    post = Post(
        id=str(first.get("mid") or first.get("id")),
        at=datetime.fromtimestamp(float(first["t"]), UTC),
        text=text(first),
        author=str(first.get("uid") or ""),
        followers=_count(first.get("followers_count")),
        reported_reposts=_count(first.get("reposts_count")),
        reported_comments=_count(first.get("comments_count")),
    )
    for r in rows[1:]:  # reposts (the corpus has no comments)
        post.items.append(
            Item(
                id=str(r.get("mid") or r.get("id")),
                at=datetime.fromtimestamp(float(r["t"]), UTC),
                text=text(r),
                kind="repost",
                author=str(r.get("uid") or ""),
                followers=_count(r.get("followers_count")),
            )
        )
    return post


def find_event(data: Path, event_id: str, zone: tzinfo) -> Post:
    """The event's file in either corpus layout under ``data``."""
    for sub in ("dataset/real_news", "dataset/fake_news", "real_news", "fake_news"):
        p = data / sub / f"{event_id}.json"
        if p.is_file():
            return load_checked(p, zone)
    for sub in ("Weibo", "rumdect/Weibo", "."):
        p = data / sub / f"{event_id}.json"
        if p.is_file():
            return load_rumdect(p)
    raise SystemExit(f"{event_id}: no {event_id}.json under {data} (CHECKED or rumdect layout)")


def matches(text: str, brand: BrandConfig) -> bool:
    return any(term in text for term in brand.match_terms)


def lines_for(
    post: Post,
    brand: str,
    view: str,
    every: timedelta,
    until: datetime,
    comments: bool = True,
) -> list[dict[str, Any]]:
    """The replay's JSON lines for one post (see the module docstring)."""
    items = sorted(
        (i for i in post.items if post.at <= i.at <= until and (comments or i.kind == "repost")),
        key=lambda i: (i.at, i.id),
    )
    original: dict[str, Any] = {
        "id": post.id,
        "source": "weibo",
        "published_at": post.at.isoformat(),
        "text": post.text,
        "brand": brand,
        "author": post.author,
        "followers": post.followers,
    }
    if view == "recrawl":
        out = [{**original, "reposts": 0, "comments": 0}]
        reposts = comments_seen = 0
        times = [i.at for i in items]
        at = post.at + every
        while items and at <= until + every:
            n = bisect.bisect_right(times, at)
            r = sum(1 for i in items[:n] if i.kind == "repost")
            if (r, n - r) != (reposts, comments_seen):
                reposts, comments_seen = r, n - r
                out.append(
                    {
                        **original,
                        "observed_at": at.isoformat(),
                        "reposts": reposts,
                        "comments": comments_seen,
                    }
                )
            if n == len(items):
                break
            at += every
        return out
    out = [original]
    for i in items:
        line: dict[str, Any] = {
            "id": i.id,
            "source": "weibo",
            "published_at": i.at.isoformat(),
            "text": i.text,
            "brand": brand,
            "author": i.author,
            "followers": i.followers,
        }
        line["repost_of" if i.kind == "repost" else "parent_id"] = post.id
        out.append(line)
    return out


def hourly(posts: Iterable[Post], zone: tzinfo, start: datetime, hours: int) -> list[list[Any]]:
    """[local hour, new posts, reposts, comments] for ``hours`` hours from ``start``."""
    first = start.astimezone(zone).replace(minute=0, second=0, microsecond=0)
    counts: Counter[tuple[int, str]] = Counter()
    for p in posts:
        for at, kind in [(p.at, "post")] + [(i.at, i.kind) for i in p.items]:
            h = int((at.astimezone(zone) - first).total_seconds() // 3600)
            if 0 <= h < hours:
                counts[(h, kind)] += 1
    return [
        [
            f"{first + timedelta(hours=h):%m-%d %H:00}",
            counts[(h, "post")],
            counts[(h, "repost")],
            counts[(h, "comment")],
        ]
        for h in range(hours)
    ]


def run(args: argparse.Namespace) -> dict[str, Any]:
    brand = BrandConfig(name=args.brand, keywords=args.keyword)
    config = RadarConfig(brands=[brand])
    zone = ZoneInfo(config.timezone)
    posts = sorted(
        (find_event(Path(args.data), e, zone) for e in args.event_ids), key=lambda p: p.at
    )
    start = posts[0].at
    until = start + timedelta(days=args.days)
    every = timedelta(minutes=args.every)
    lines: list[dict[str, Any]] = []
    for p in posts:
        lines += lines_for(p, brand.name, args.view, every, until, not args.no_comments)
    if args.jsonl:
        with open(args.jsonl, "w", encoding="utf-8") as f:
            f.writelines(json.dumps(x, ensure_ascii=False) + "\n" for x in lines)

    events: list[dict[str, Any]] = []
    stats = replay(config, (json.dumps(x, ensure_ascii=False) for x in lines), events.append)
    if args.events:
        with open(args.events, "w", encoding="utf-8") as f:
            f.writelines(json.dumps(e, ensure_ascii=False) + "\n" for e in events)

    def local(iso: str) -> str:
        return f"{datetime.fromisoformat(iso).astimezone(zone):%Y-%m-%d %H:%M}"

    def minutes_after(iso: str) -> float:
        return round((datetime.fromisoformat(iso) - start).total_seconds() / 60, 1)

    opened = [e for e in events if e["event"] == "alerted"]
    reopened = [e for e in events if e["event"] == "reopened"]
    first = opened[0] if opened else None
    return {
        "brand": brand.name,
        "terms": brand.match_terms,
        "view": args.view + (f" every {args.every} min" if args.view == "recrawl" else ""),
        "posts": [
            {
                "id": p.id,
                "published": f"{p.at.astimezone(zone):%Y-%m-%d %H:%M}",
                "text": p.text[:80],
                "reposts_in_data": sum(i.kind == "repost" for i in p.items),
                "comments_in_data": sum(i.kind == "comment" for i in p.items),
                "reported_reposts": p.reported_reposts,
                "reported_comments": p.reported_comments,
            }
            for p in posts
        ],
        "unmatched": [p.id for p in posts if not matches(p.text, brand)],
        "first_post": f"{start.astimezone(zone):%Y-%m-%d %H:%M}",
        "first_alert": local(first["at"]) if first else None,
        "alert_delay_min": minutes_after(first["at"]) if first else None,
        "first_alert_text": first["text"] if first else None,
        "cases_opened": len(opened),
        "reopens": [
            {"at": local(e["at"]), "after_min": minutes_after(e["at"]), "text": e["text"]}
            for e in reopened
        ],
        "case_events": [
            [local(e["at"]), e["event"], e.get("severity"), e["text"][:160]] for e in events
        ],
        "hourly": {
            "columns": ["hour", "posts", "reposts", "comments"],
            "rows": hourly(posts, zone, start, args.hours),
        },
        "replay": {
            k: v
            for k, v in stats.as_dict().items()
            if k in ("lines", "mentions", "skipped", "errors", "ticks", "seconds")
        },
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", help="directory of the corpus (CHECKED or rumdect layout)")
    ap.add_argument("event_ids", nargs="+", help="post / event ids, replayed together")
    ap.add_argument("--brand", required=True, help="the storm's subject, as a brand name")
    ap.add_argument("--keyword", action="append", default=[], help="another brand term")
    ap.add_argument("--view", choices=("reposts", "recrawl"), default="reposts")
    ap.add_argument("--every", type=int, default=10, help="minutes between re-crawls")
    ap.add_argument("--days", type=float, default=7, help="replay this long from the first post")
    ap.add_argument("--no-comments", action="store_true", help="reposts only")
    ap.add_argument("--hours", type=int, default=72, help="hours of volume to print")
    ap.add_argument("--jsonl", help="also write the replay's input lines here")
    ap.add_argument("--events", help="also write the replay's case events here")
    args = ap.parse_args(argv)
    if args.every < 1:
        ap.error("--every: at least 1 minute")
    print(json.dumps(run(args), ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
