"""SQLite-only behaviour: file handling, WAL, several writing processes."""

from __future__ import annotations

import multiprocessing
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from index import StoreError, open_store
from index.base import SearchRequest
from index.models import Mention
from index.sqlite import SQLiteStore, sqlite_path

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def _mention(worker: int, i: int) -> Mention:
    return Mention(
        id=f"w{worker}:{i}",
        source=f"w{worker}",
        text=f"第{worker}号进程写入的第{i}条：漏油投诉",
        published_at=NOW - timedelta(seconds=i),
        brands=[{"brand": "极光汽车"}],
    )


def _writer(url: str, worker: int, batches: int, size: int) -> None:
    store = open_store(url)
    for b in range(batches):
        store.upsert_mentions([_mention(worker, b * size + i) for i in range(size)])
        store.record_crawl_run(f"w{worker}", {"batch": b})
    store.close()


def test_two_processes_write_concurrently(tmp_path) -> None:
    url = f"sqlite:///{tmp_path}/radar.db"
    open_store(url).close()  # schema first, as the service does before crawlers start
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(url, w, 30, 40)) for w in (1, 2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    assert [p.exitcode for p in procs] == [0, 0]
    with open_store(url) as store:
        assert store.count_mentions() == 2 * 30 * 40
        assert store.search(SearchRequest(query="漏油", limit=1)).total == 2400
        assert store.search(SearchRequest(query="source:w2", limit=1)).total == 1200
        assert len(store.crawl_runs(limit=100)) == 60


def test_wal_mode_and_reopen_keeps_data(tmp_path) -> None:
    path = tmp_path / "radar.db"
    with open_store(f"sqlite:///{path}") as store:
        store.upsert_mentions([_mention(1, 1)])
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()
    with open_store(f"sqlite:///{path}") as store:
        assert store.get_mention("w1:1") is not None


def test_corrupt_file_is_a_store_error_naming_the_path(tmp_path) -> None:
    path = tmp_path / "radar.db"
    path.write_bytes(b"this is not a database, just some bytes " * 200)
    with pytest.raises(StoreError, match=str(path)):
        open_store(f"sqlite:///{path}")
    assert path.read_bytes().startswith(b"this is not a database")  # left as it was


def test_unopenable_path_is_a_store_error(tmp_path) -> None:
    folder = tmp_path / "a-folder.db"
    folder.mkdir()
    with pytest.raises(StoreError, match=r"a-folder\.db"):
        open_store(f"sqlite:///{folder}")


def test_url_paths_relative_and_absolute() -> None:
    assert sqlite_path("sqlite:///var/radar.db") == "var/radar.db"
    assert sqlite_path("sqlite:////srv/radar/radar.db") == "/srv/radar/radar.db"
    with pytest.raises(StoreError):
        sqlite_path("sqlite://")


def test_missing_folder_is_created(tmp_path) -> None:
    store = SQLiteStore(f"sqlite:///{tmp_path}/new/deeper/radar.db")
    assert store.count_mentions() == 0
    store.close()


def test_changed_text_replaces_the_old_index_entries(tmp_path) -> None:
    with open_store(f"sqlite:///{tmp_path}/radar.db") as store:
        m = _mention(1, 1)
        store.upsert_mentions([m])
        store.upsert_mentions([m.model_copy(update={"text": "已经修好了，没有问题"})])
        assert store.search(SearchRequest(query="漏油")).total == 0
        assert store.search(SearchRequest(query="修好")).total == 1
        assert store.search(SearchRequest(query="source:w1")).total == 1


def test_unvalidated_mention_missing_a_field_is_reported(tmp_path) -> None:
    with open_store(f"sqlite:///{tmp_path}/radar.db") as store:
        broken = Mention.model_construct(id="w1:broken", source="w1", text="没有发布时间")
        result = store.upsert_mentions([broken, _mention(1, 1)])
        assert result.new == 1
        assert result.errors == [("w1:broken", "published_at: Field required")]
