"""``scrapy crawl … -O FILE`` (Scrapy's feed exports) writes one record per stored,
scored mention in every format — not one record per page of Python objects."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from crawlers.exporters import CsvMentionExporter
from crawlers.items import MentionBatch, MentionItem
from index import open_store
from index.models import Mention
from index.records import CSV_COLUMNS
from tests.crawlers.conftest import make_scenario
from tests.crawlers.mockserver import REPO, MockServer


def _crawl_to(scenario_config: Path, source: str, out: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "weibo", "-a", f"source={source}",
         "-a", f"config={scenario_config}", "-O", str(out), "-s", "LOG_LEVEL=WARNING"],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_feed_export_has_one_scored_record_per_stored_mention(
    mockserver: MockServer, tmp_path: Path, fmt: str
) -> None:
    scenario = make_scenario(
        tmp_path,
        mockserver,
        {"name": "t-export", "site": "weibo", "kind": "weibo", "query": ["极光汽车"]},
    )
    out = tmp_path / f"mentions.{fmt}"
    _crawl_to(scenario.config, scenario.source, out)
    store = open_store(scenario.db)
    stored = {m.id: m for batch in store.iter_mentions() for m in batch}
    store.close()
    assert len(stored) >= 10
    text = out.read_text(encoding="utf-8")
    if fmt == "jsonl":
        records = [json.loads(line) for line in text.splitlines()]
    else:
        rows = list(csv.DictReader(text.splitlines()))
        assert list(rows[0]) == list(CSV_COLUMNS)
        assert {r["id"] for r in rows} == set(stored)
        assert all(r["sentiment"] == stored[r["id"]].sentiment.label for r in rows)  # type: ignore[union-attr]
        # the sentiment toward each brand named, as the store holds it
        for r in rows:
            labels = stored[r["id"]].brand_labels
            assert r["sentiment_toward_brands"] == "; ".join(f"{b}:{v}" for b, v in labels.items())
        assert any("极光汽车:" in r["sentiment_toward_brands"] for r in rows)
        return
    assert sorted(r["id"] for r in records) == sorted(stored)
    for record in records:
        mention = Mention.model_validate(record)
        assert mention.sentiment == stored[mention.id].sentiment is not None
        assert mention.brands == stored[mention.id].brands


def test_csv_export_waits_for_the_store_and_makes_formulas_inert(tmp_path: Path) -> None:
    evil = Mention.model_validate(
        {
            "id": "w:1",
            "source": "w",
            "text": '=HYPERLINK("http://example.invalid","点我")',
            "published_at": "2026-11-20T08:00:00Z",
        }
    )
    item = MentionItem(evil)
    with (tmp_path / "out.csv").open("wb") as file:
        exporter = CsvMentionExporter(file)
        exporter.start_exporting()
        exporter.export_item(MentionBatch([item]))  # not stored yet: held back
        assert exporter.waiting == [item]
        item.stored = True
        exporter.finish_exporting()
    rows = list(csv.DictReader((tmp_path / "out.csv").read_text("utf-8").splitlines()))
    assert [r["id"] for r in rows] == ["w:1"]
    assert rows[0]["text"].startswith("'=HYPERLINK")
