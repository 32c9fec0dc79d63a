"""Fixtures for the service tests: free ports, a small config, demo sources on loopback."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from config.loader import validate_data
from config.schema import RadarConfig
from radar.demo.server import DemoSources
from radar.demo.world import DemoWorld

BRANDS = [
    {
        "name": "极光汽车",
        "aliases": ["极光SUV", "极光新能源"],
        "keywords": ["极光汽车", "极光X7", "极光4S店"],
        "exclude": ["北极光", "看极光"],
    },
    {"name": "清泉乳业", "aliases": ["清泉牛奶"], "keywords": ["清泉乳业", "清泉酸奶"]},
    {"name": "云朵外卖", "aliases": ["云朵骑手"], "keywords": ["云朵外卖", "云朵App"]},
    {"name": "星辰手机", "aliases": ["星辰Pro"], "keywords": ["星辰手机", "星辰S3"]},
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def demo_config(tmp: Path, demo_port: int, **scheduler: object) -> dict[str, object]:
    """A config dict: the four demo brands, the three demo sources on ``demo_port``."""
    base = f"http://127.0.0.1:{demo_port}"
    common = {"obey_robots": False, "download_delay": 0, "interval": "5s"}
    return {
        "store": {"url": f"sqlite:///{tmp / 'radar.db'}"},
        "brands": BRANDS,
        "sources": [
            {
                "name": "t-weibo",
                "kind": "weibo",
                "mode": "search",
                "base_url": f"{base}/weibo",
                "query": [b["name"] for b in BRANDS],
                "max_pages": 40,
                **common,
            },
            {
                "name": "t-tieba",
                "kind": "forum",
                "mode": "tieba",
                "base_url": f"{base}/tieba",
                "forum_ids": ["极光汽车", "星辰手机"],
                "max_pages": 5,
                **common,
            },
            {
                "name": "t-news",
                "kind": "feed",
                "mode": "rss",
                "base_url": f"{base}/news",
                "feeds": ["/rss.xml"],
                **common,
            },
        ],
        "scheduler": {"max_concurrent_crawls": 2, "crawl_timeout": "90s", **scheduler},
        "demo": {
            "enabled": False,
            "port": demo_port,
            "crisis_brand": "极光汽车",
            "crisis_after": "10s",
            "posts_per_minute": 20,
            "seed": 11,
        },
        "web": {"port": free_port()},
    }


def small_world(
    config: RadarConfig, start: datetime | None = None, history: float = 2.0
) -> DemoWorld:
    """``history`` hours of backfill instead of a day: quick to crawl in tests."""
    return DemoWorld(
        [b.name for b in config.brands],
        start or datetime.now(UTC),
        seed=config.demo.seed,
        posts_per_minute=config.demo.posts_per_minute,
        crisis_brand=config.demo.crisis_brand,
        crisis_after=config.demo.crisis_after,
        history=timedelta(hours=history),
    )


class Clock:
    """A settable clock for the demo server."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clocked_demo(tmp_path: Path) -> Iterator[tuple[DemoSources, Clock]]:
    """Demo sources on a free port whose clock the test moves."""
    port = free_port()
    config = validate_data(demo_config(tmp_path, port), "test")
    clock = Clock(datetime(2026, 3, 2, 4, 0, tzinfo=UTC))  # 12:00 in Shanghai
    world = small_world(config, start=clock.now)
    sources = DemoSources(config, clock=clock, world=world)
    sources.start()
    yield sources, clock
    sources.stop()
