"""Crawler tests run real Scrapy crawls against the fixture server (tests/crawlers/
mockserver), started once per session on 127.0.0.1. A crawl needs its own process (the
Twisted reactor starts once per process), so the scenarios run side by side in one
subprocess per batch (tests/crawlers/batch.py) and the tests read the results."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from index import Store, open_store
from tests.crawlers.mockserver import REPO, MockServer

BRANDS = [
    {
        "name": "极光汽车",
        "aliases": ["极光SUV", "极光X7", "极光4S店"],
        "keywords": ["极光汽车"],
        "exclude": ["北极光"],
    },
    {
        "name": "清泉乳业",
        "aliases": ["清泉牛奶", "清泉酸奶", "清泉奶粉"],
        "keywords": ["清泉乳业"],
        "exclude": ["清泉石上流"],
    },
    {
        "name": "星辰手机",
        "aliases": ["星辰Pro", "星辰S3"],
        "keywords": ["星辰手机"],
        "exclude": ["星辰大海"],
    },
]
# secrets the t-auth source takes from the environment (config holds only {$env: NAME})
SECRETS = {
    "RADAR_TEST_WEIBO_COOKIE": "SUB=test-cookie; SUBP=x",
    "RADAR_TEST_WEIBO_HEADER": "hello",
}
FAST = {"obey_robots": False, "download_delay": 0, "autothrottle": False}


@pytest.fixture(scope="session")
def mockserver() -> Iterator[MockServer]:
    env = {**os.environ, "MOCK_SLOW_DELAY": "0.2"}
    with MockServer(env=env) as server:
        yield server


@dataclass
class Scenario:
    source: str
    config: Path
    db: str

    def store(self) -> Store:
        return open_store(self.db)


def make_scenario(root: Path, server: MockServer, source: dict[str, Any]) -> Scenario:
    """One source with its own config file and SQLite store under ``root``."""
    folder = root / source["name"]
    folder.mkdir(parents=True, exist_ok=True)
    site = source.pop("site")
    db = f"sqlite:///{folder}/radar.db"
    config = {
        "store": {"url": db},
        "brands": BRANDS,
        "sources": [{**FAST, "base_url": server.url(site), **source}],
    }
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return Scenario(source["name"], path, db)


def run_batch(scenarios: list[Scenario], timeout: float = 120) -> dict[str, dict[str, Any]]:
    jobs = json.dumps([[s.source, str(s.config)] for s in scenarios])
    proc = subprocess.run(
        [sys.executable, "-m", "tests.crawlers.batch", jobs],
        cwd=REPO,
        env={**os.environ, **SECRETS},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    summaries = json.loads(proc.stdout.strip().splitlines()[-1])
    return {s["source"]: {**s, "_log": proc.stderr} for s in summaries}


SCENARIOS: list[dict[str, Any]] = [
    {"name": "t-weibo", "site": "weibo", "kind": "weibo", "query": ["极光汽车", "清泉乳业"]},
    {
        "name": "t-timeline",
        "site": "weibo",
        "kind": "weibo",
        "mode": "timeline",
        "user_ids": ["1900000005"],
    },
    {"name": "t-trunc", "site": "weibo", "kind": "weibo", "query": ["热搜"]},
    {"name": "t-cap", "site": "weibo", "kind": "weibo", "query": ["热搜"], "max_pages": 1},
    {
        "name": "t-weibo-real",
        "site": "weibo",
        "kind": "weibo",
        "query": ["极光长文"],
        "fetch_comments": False,
    },
    {"name": "t-empty", "site": "weibo", "kind": "weibo", "query": ["没有这个词"]},
    {
        "name": "t-auth",
        "site": "weibo-auth",
        "kind": "weibo",
        "query": ["清泉乳业"],
        "cookies": {"$env": "RADAR_TEST_WEIBO_COOKIE"},
        "headers": {"X-Radar-Test": {"$env": "RADAR_TEST_WEIBO_HEADER"}},
    },
    {
        "name": "t-ban",
        "site": "weibo-ban",
        "kind": "weibo",
        "query": ["极光汽车"],
        "pause_base": "10m",
    },
    {"name": "t-login", "site": "weibo-login", "kind": "weibo", "query": ["极光汽车"]},
    {"name": "t-abnormal", "site": "weibo-abnormal", "kind": "weibo", "query": ["极光汽车"]},
    {"name": "t-busy", "site": "weibo-busy", "kind": "weibo", "query": ["极光汽车"]},
    {"name": "t-sso", "site": "weibo-sso", "kind": "weibo", "query": ["极光汽车"]},
    {"name": "t-offsite", "site": "weibo-offsite", "kind": "weibo", "query": ["极光汽车"]},
    {"name": "t-feed-offsite", "site": "news", "kind": "feed", "feeds": ["/offsite.xml"]},
    {"name": "t-bad", "site": "weibo-bad", "kind": "weibo", "query": ["极光汽车"]},
    {
        "name": "t-tieba",
        "site": "tieba",
        "kind": "forum",
        "mode": "tieba",
        "forum_ids": ["极光汽车"],
    },
    {
        "name": "t-tieba-real",
        "site": "tieba",
        "kind": "forum",
        "mode": "tieba",
        "forum_ids": ["极光X7"],
    },
    {
        "name": "t-captcha",
        "site": "tieba-captcha",
        "kind": "forum",
        "mode": "tieba",
        "forum_ids": ["极光汽车"],
    },
    {"name": "t-discuz", "site": "discuz", "kind": "forum", "mode": "discuz", "forum_ids": ["2"]},
    {
        "name": "t-generic",
        "site": "generic",
        "kind": "forum",
        "mode": "generic",
        "selectors": {
            "thread_links": "a.topic-link",
            "post": "article.msg",
            "post_id": "::attr(data-id)",
            "post_text": "div.body",
            "post_author": "span.who::text",
            "post_time": "time::text",
            "thread_title": "h2.subject::text",
        },
    },
    {
        "name": "t-feed",
        "site": "news",
        "kind": "feed",
        "feeds": ["/rss.xml", "/atom.xml", "/broken.xml"],
    },
    {"name": "t-feed-links", "site": "news", "kind": "feed", "feeds": ["/odd-links.xml"]},
    {
        "name": "t-feed-dates",
        "site": "news",
        "kind": "feed",
        "feeds": ["/dates.xml", "/dates-atom.xml"],
    },
    {  # nothing listens on the discard port: every download is refused
        "name": "t-unreachable",
        "site": "news",
        "kind": "feed",
        "feeds": ["/rss.xml"],
        "base_url": "http://127.0.0.1:9",
    },
    {
        "name": "t-slow-clean",
        "site": "slow",
        "kind": "weibo",
        "query": ["极光汽车"],
        "fetch_comments": False,
    },
]


@pytest.fixture(scope="session")
def scenarios(
    mockserver: MockServer, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Scenario]:
    root = tmp_path_factory.mktemp("crawls")
    return {s["name"]: make_scenario(root, mockserver, dict(s)) for s in SCENARIOS}


@pytest.fixture(scope="session")
def first_runs(scenarios: dict[str, Scenario]) -> dict[str, dict[str, Any]]:
    return run_batch(list(scenarios.values()))


@pytest.fixture(scope="session")
def second_runs(
    scenarios: dict[str, Scenario], first_runs: dict[str, dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """The same sources crawled again after a complete first run (incremental)."""
    names = ["t-weibo", "t-tieba", "t-discuz", "t-feed", "t-timeline"]
    return run_batch([scenarios[n] for n in names])


def mentions(scenario: Scenario) -> dict[str, Any]:
    with scenario.store() as store:
        from index.base import SearchRequest

        result = store.search(SearchRequest(limit=1000, facets=False, highlight=False))
        return {h.mention.id: h.mention for h in result.hits}
