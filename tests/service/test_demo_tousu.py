"""The demo's 黑猫投诉 site (radar/demo/tousu.py): the real site's search and complaint
page structure, read by the tousu spider, with statuses that move on as the demo's clock
does (a later crawl updates them)."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import yaml

from index import open_store
from index.base import SearchRequest

from .conftest import demo_config

REPO = Path(__file__).resolve().parents[2]


def _search(base: str, keyword: str, page: int = 1) -> dict:
    url = f"{base}/tousu/api/index/s?keywords={quote(keyword)}&page_size=10&page={page}"
    with urllib.request.urlopen(url, timeout=10) as answer:
        return json.load(answer)


def test_complaint_search_has_the_tousu_structure(clocked_demo):
    sources, clock = clocked_demo
    clock.now += timedelta(minutes=30)  # past the crisis' first complaints
    result = _search(sources.url, "极光汽车")["result"]
    assert result["status"]["code"] == 0
    lists, pager = result["data"]["lists"], result["data"]["pager"]
    assert lists and pager["item_count"] >= len(lists) and pager["current"] == 1
    stamps = [int(x["main"]["timestamp"]) for x in lists]
    assert stamps == sorted(stamps, reverse=True)  # newest first
    assert all(x["main"]["cotitle"] == "极光汽车" for x in lists)
    assert {"sn", "title", "appeal", "cost", "status", "url", "issue"} <= set(lists[0]["main"])
    with urllib.request.urlopen(
        f"{sources.url}/tousu/complaint/view/{lists[0]['main']['sn']}/", timeout=10
    ) as page:
        html = page.read().decode()
    assert 'class="ts-q-list"' in html and "发起投诉" in html and "<b>处理中</b>" in html


def test_demo_complaints_are_crawled_and_status_changes_are_updates(clocked_demo, tmp_path):
    sources, clock = clocked_demo
    config = demo_config(tmp_path, sources.port)
    config["sources"] = [
        {
            "name": "demo-tousu",
            "kind": "tousu",
            "base_url": f"{sources.url}/tousu",
            "query": ["极光汽车", "清泉乳业"],
            "obey_robots": False,
            "download_delay": 0,
        }
    ]
    path = tmp_path / "radar.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")

    def crawl() -> dict:
        proc = subprocess.run(
            [sys.executable, "-m", "radar", "crawl", "demo-tousu", "--json", "--config", str(path)],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        return json.loads(proc.stdout)

    clock.now += timedelta(minutes=30)
    first = crawl()
    assert first["completed"] and first["errors"]["total"] == 0 and first["items"]["new"] > 5
    clock.now += timedelta(hours=8)  # the company has answered, some are done
    second = crawl()
    assert second["completed"] and second["errors"]["total"] == 0
    assert second["items"]["updated"] > 0
    with open_store(config["store"]["url"]) as store:
        hits = store.search(SearchRequest(limit=1000, facets=False, highlight=False)).hits
    statuses = {h.mention.complaint.status for h in hits if h.mention.complaint}
    assert {"已回复", "已完成"} <= statuses
    assert all(h.mention.kind == "complaint" for h in hits)
