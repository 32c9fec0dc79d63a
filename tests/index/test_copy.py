"""Copying a store into another (index/copy.py, ``radar store copy``): the target is
every backend of the contract suite, the source an embedded SQLite store."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import yaml
from click.testing import CliRunner

from index import Store, open_store
from index.base import Notification
from index.copy import copy_store
from index.models import CaseEvent
from radar.cli import cli

from .test_store_contract import BRAND, NOW, case, mention


def filled(path: Path, n: int = 25) -> Store:
    source = open_store(f"sqlite:///{path}")
    source.upsert_mentions(
        mention(f"m{i:03d}", f"第{i}条 极光汽车 漏油", published=NOW - timedelta(minutes=i))
        for i in range(n)
    )
    source.mark_handled("weibo-search:m003", by="care", note="已回复车主")
    source.correct_sentiment("weibo-search:m004", BRAND, "neutral", actor="care")
    source.save_case(case("c1", evidence=["weibo-search:m001"]))
    for kind in ("alerted", "acknowledged", "note"):
        source.append_case_event(CaseEvent(case_id="c1", kind=kind, at=NOW, text=kind))
    source.set_cursor("demo-weibo", {"watermark": "2026-11-20T11:00:00+00:00"})
    source.enqueue_notification(
        Notification(
            key="c1:alert",
            channel="#crisis",
            payload={"text": "x"},
            case_id="c1",
            created_at=NOW,
            next_attempt_at=NOW,
        )
    )
    return source


def test_iter_mentions_yields_every_mention_whole_in_batches(store: Store) -> None:
    store.upsert_mentions(mention(f"m{i}", f"漏油 {i}") for i in range(7))
    store.mark_handled("weibo-search:m2", by="care", note="处理中")
    batches = list(store.iter_mentions(batch_size=3))
    assert [len(b) for b in batches] == [3, 3, 1]
    got = {m.id: m for b in batches for m in b}
    assert len(got) == 7
    assert got["weibo-search:m2"].handled and got["weibo-search:m2"].notes[0]["text"] == "处理中"


def test_copy_moves_everything_and_is_safe_to_repeat(store: Store, tmp_path: Path) -> None:
    source = filled(tmp_path / "source.db")
    seen: list[int] = []
    stats = copy_store(
        source, store, sources=["demo-weibo", "other"], batch_size=10, progress=seen.append
    )
    assert (stats.mentions, stats.mentions_new, stats.errors) == (25, 25, [])
    assert seen == [10, 10, 5]
    assert store.count_mentions() == 25
    handled = store.get_mention("weibo-search:m003")
    assert handled is not None and handled.handled and handled.handled_by == "care"
    assert [n["text"] for n in handled.notes] == ["已回复车主"]
    corrected = store.get_mention("weibo-search:m004")
    assert corrected is not None and corrected.brand_sentiment(BRAND) == "neutral"
    assert corrected.brands[0].correction is not None
    assert corrected.brands[0].correction.by == "care"
    copied = store.get_case("c1")
    assert copied is not None and copied.brand == BRAND and copied.evidence == ["weibo-search:m001"]
    assert [e.kind for e in store.case_events("c1")] == ["alerted", "acknowledged", "note"]
    assert store.get_cursor("demo-weibo") == {"watermark": "2026-11-20T11:00:00+00:00"}
    assert store.get_cursor("other") is None
    assert store.get_notification("c1:alert") is not None
    assert (stats.cases, stats.case_events, stats.cursors, stats.notifications) == (1, 3, 1, 1)

    again = copy_store(source, store, sources=["demo-weibo"])
    assert (again.mentions_new, again.mentions_unchanged) == (0, 25)
    assert (again.case_events, again.cases_with_timeline_kept, again.notifications) == (0, 1, 0)
    assert len(store.case_events("c1")) == 3
    source.close()


def test_radar_store_copy_command(tmp_path: Path) -> None:
    filled(tmp_path / "source.db").close()
    config = yaml.safe_load(Path("config/demo.yaml").read_text(encoding="utf-8"))
    config["store"]["url"] = f"sqlite:///{tmp_path / 'source.db'}"
    path = tmp_path / "radar.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    target = tmp_path / "target.db"
    runner = CliRunner()
    result = runner.invoke(
        cli, ["store", "copy", "--config", str(path), "--to", f"sqlite:///{target}", "--json"]
    )
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["mentions"] == 25 and figures["cases"] == 1 and figures["cursors"] == 1
    with open_store(f"sqlite:///{target}") as copied:
        assert copied.count_mentions() == 25

    refused = runner.invoke(cli, ["store", "copy", "--config", str(path)])
    assert refused.exit_code == 2 and "exactly one of --to" in refused.output
    same = runner.invoke(
        cli, ["store", "copy", "--config", str(path), "--to", config["store"]["url"]]
    )
    assert same.exit_code == 2 and "configured store itself" in same.output
