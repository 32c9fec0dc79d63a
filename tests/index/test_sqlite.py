"""SQLite-only behaviour: file handling, WAL, several writing processes."""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from index import StoreError, open_store
from index.base import SearchRequest
from index.models import Author, BrandMatch, Engagement, Mention, Sentiment
from index.sqlite import SCHEMA_VERSION, SQLiteStore, fts_row, legacy_fts_row, sqlite_path
from index.text import fts_text, index_text

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
        p.join(timeout=300)  # generous: CI machines may be busy
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


def test_update_with_other_brands_and_time_replaces_the_old_rows(tmp_path) -> None:
    with open_store(f"sqlite:///{tmp_path}/radar.db") as store:
        m = _mention(1, 1)
        store.upsert_mentions([m])
        moved = m.model_copy(
            update={
                "brands": [BrandMatch(brand="星河手机")],
                "published_at": NOW - timedelta(hours=5),
            }
        )
        assert store.upsert_mentions([moved]).updated == 1
        buckets = store.count_buckets(NOW - timedelta(days=1), NOW, 86_400)
        assert [(b.brand, b.count) for b in buckets] == [("星河手机", 1)]
        assert store.search(SearchRequest(query="漏油", brand="极光汽车")).total == 0
        assert store.search(SearchRequest(query="漏油", brand="星河手机")).total == 1


@pytest.mark.parametrize("version", [2, 3])
def test_older_store_is_upgraded_and_its_mentions_stay_usable(tmp_path, version) -> None:
    """Schema 2 kept simhash bands in a table of their own, schema 3 as FTS tokens, both
    indexed author tokens: after the upgrade on open, their mentions are found by
    author and as near-duplicates, and an update deletes exactly what was indexed."""
    path = tmp_path / "radar.db"
    url = f"sqlite:///{path}"
    h = 0x0123456789ABCDEF
    old = _mention(1, 1).model_copy(update={"simhash": h, "author": Author(id="u7", name="老王")})
    with open_store(url) as store:
        store.upsert_mentions([old])
    conn = sqlite3.connect(path)  # rewrite it the way that schema stored it
    rowid, published = conn.execute("SELECT rowid, published_at FROM mentions").fetchone()
    conn.execute(
        "INSERT INTO mention_fts (mention_fts, rowid, title, text, tags) "
        "VALUES ('delete', ?, ?, ?, ?)",
        (rowid, *fts_row(old)),
    )
    conn.execute(
        "INSERT INTO mention_fts (rowid, title, text, tags) VALUES (?, ?, ?, ?)",
        (rowid, *legacy_fts_row(old, bands=version == 3)),
    )
    conn.execute("DROP TABLE authors")
    conn.execute("DROP INDEX mentions_author")
    conn.execute("DELETE FROM store_meta")
    if version == 2:
        conn.execute(
            "CREATE TABLE simhash_bands (band INTEGER NOT NULL, published_at INTEGER NOT NULL, "
            "mention INTEGER NOT NULL, PRIMARY KEY (band, published_at, mention)) WITHOUT ROWID"
        )
        bands = [(i << 16) | ((h >> (16 * i)) & 0xFFFF) for i in range(4)]
        conn.executemany(
            "INSERT INTO simhash_bands VALUES (?, ?, ?)", [(b, published, rowid) for b in bands]
        )
    else:
        conn.execute("INSERT INTO store_meta VALUES ('bands_in_fts_from_doc', 0)")
    conn.execute(f"PRAGMA user_version = {version}")
    conn.commit()
    conn.close()

    since = NOW - timedelta(days=1)
    with open_store(url) as store:
        assert [m.id for m in store.find_near_duplicates(h ^ 0b101, since)] == [old.id]
        assert store.search(SearchRequest(query="author:老王")).total == 1
        newer = _mention(1, 2).model_copy(update={"simhash": h ^ 1})
        store.upsert_mentions([newer])
        found = store.find_near_duplicates_many([(h, since)])
        assert [m.id for m in found[0]] == [newer.id, old.id]  # oldest first
        changed = old.model_copy(update={"text": "已经修好了", "simhash": ~h & (2**64 - 1)})
        assert store.upsert_mentions([changed]).updated == 1
        assert [m.id for m in store.find_near_duplicates(h, since)] == [newer.id]
        assert [m.id for m in store.find_near_duplicates(~h & (2**64 - 1), since)] == [old.id]
        assert store.search(SearchRequest(query="漏油")).total == 1
        assert store.search(SearchRequest(query="修好")).total == 1
    with open_store(url) as store:  # reopened: still knows which mentions are older
        assert store.upsert_mentions([old]).updated == 1
        assert [m.id for m in store.find_near_duplicates(h, since)] == [newer.id, old.id]
        assert store.search(SearchRequest(query="漏油")).total == 2
    conn = sqlite3.connect(path)
    # nothing of the old entries is left in the index: no author or band tokens
    for token in legacy_fts_row(old, bands=True)[2].split()[-6:]:
        query = f"tags : {token}"
        n = conn.execute("SELECT count(*) FROM mention_fts WHERE mention_fts MATCH ?", (query,))
        assert n.fetchone()[0] == 0, token
    conn.execute("INSERT INTO mention_fts (mention_fts) VALUES ('integrity-check')")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
    assert "simhash_bands" not in tables and "authors" in tables
    conn.close()


def test_schema_4_store_opens_and_its_mentions_take_per_brand_sentiment(tmp_path) -> None:
    """A store written before per-brand sentiment (schema 4: documents without the
    brands' sentiment and correction, every brand indexed under the document label) is
    upgraded on open without rewriting a row, and its mentions can be searched by the
    label toward a brand, corrected and re-crawled."""
    path = tmp_path / "radar.db"
    url = f"sqlite:///{path}"
    two = ("极光汽车", "星河手机")
    old = _mention(1, 1).model_copy(
        update={
            "brands": [BrandMatch(brand=b) for b in two],
            "sentiment": Sentiment(score=0.1, label="negative"),
        }
    )
    with open_store(url) as store:
        store.upsert_mentions([old])
    conn = sqlite3.connect(path)  # the document as schema 4 wrote it
    (doc,) = conn.execute("SELECT doc FROM mention_docs").fetchone()
    data = json.loads(doc)
    data["brands"] = [{"brand": b["brand"], "keywords": b["keywords"]} for b in data["brands"]]
    conn.execute("UPDATE mention_docs SET doc = ?", (json.dumps(data, ensure_ascii=False),))
    conn.execute("PRAGMA user_version = 4")
    conn.commit()
    conn.close()

    def total(query: str) -> int:
        return store.search(SearchRequest(query=query)).total

    with open_store(url) as store:
        # the same crawl again is no change (nor a rewrite) for a schema-4 document
        assert store.upsert_mentions([old]).unchanged == 1
        got = store.get_mention(old.id)
        assert got is not None and got.brand_sentiment("星河手机") == "negative"
        assert total("brand:星河手机 sentiment:negative") == 1
        assert total("sentiment:negative 漏油") == 1
        store.correct_sentiment(old.id, "星河手机", "neutral", actor="alice")
        assert total("brand:星河手机 sentiment:negative") == 0
        assert total("brand:极光汽车 sentiment:negative") == 1
        assert total("brand:星河手机 sentiment:neutral") == 1
        facets = store.search(SearchRequest(limit=1)).facets["sentiment"]
        assert facets == {"negative": 1, "neutral": 1}
        assert store.upsert_mentions([old]).unchanged == 1  # a re-crawl keeps the correction
        buckets = store.count_buckets(NOW - timedelta(days=1), NOW, 86_400)
        assert {(b.brand, b.sentiment) for b in buckets} == {
            ("极光汽车", "negative"),
            ("星河手机", "neutral"),
        }
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO mention_fts (mention_fts) VALUES ('integrity-check')")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()


def test_schema_5_store_opens_with_its_mentions_in_the_change_feed(tmp_path) -> None:
    """Schema 5 had no change feed: on open every stored mention is in it, in the order
    written, and the next update is a change of its own."""
    path = tmp_path / "radar.db"
    url = f"sqlite:///{path}"
    first, second = _mention(1, 1), _mention(1, 2)
    with open_store(url) as store:
        store.upsert_mentions([first])
        store.upsert_mentions([second])
    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE mention_changes")
    conn.execute("PRAGMA user_version = 5")
    conn.commit()
    conn.close()
    with open_store(url) as store:
        changes, cursor = store.changes_since(0)
        assert [(c.mention.id, c.is_new) for c in changes] == [(first.id, True), (second.id, True)]
        grown = first.model_copy(update={"engagement": Engagement(reposts=40)})
        assert store.upsert_mentions([grown]).updated == 1
        changes, _ = store.changes_since(cursor)
        assert [(c.mention.id, c.what) for c in changes] == [(first.id, {"engagement"})]
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 9
    conn.close()


def test_schema_6_store_is_folded_to_simplified_on_open(tmp_path) -> None:
    """Schema 6 indexed traditional characters as they were (刹车失灵 missed 剎車失靈):
    on open the mentions holding any are re-indexed folded, and an update afterwards
    deletes exactly what is indexed (FTS integrity-check)."""
    path = tmp_path / "radar.db"
    url = f"sqlite:///{path}"
    trad = _mention(1, 1).model_copy(
        update={"text": "我的車剎車失靈了", "brands": [BrandMatch(brand="極光汽車")]}
    )
    plain = _mention(1, 2)
    with open_store(url) as store:
        store.upsert_mentions([trad, plain])
    conn = sqlite3.connect(path)  # index the traditional mention the way schema 6 did
    rowid = conn.execute("SELECT rowid FROM mentions WHERE id = ?", (trad.id,)).fetchone()[0]
    conn.execute(
        "INSERT INTO mention_fts (mention_fts, rowid, title, text, tags) "
        "VALUES ('delete', ?, ?, ?, ?)",
        (rowid, *fts_row(trad)),
    )
    conn.execute(
        "INSERT INTO mention_fts (rowid, title, text, tags) VALUES (?, ?, ?, ?)",
        (rowid, *fts_row(trad, fold=False)),
    )
    conn.execute("PRAGMA user_version = 6")
    conn.commit()
    conn.close()
    with open_store(url) as store:
        for query in ("刹车失灵", "剎車失靈", "brand:极光汽车 刹车", "brand:極光汽車 刹车"):
            assert store.search(SearchRequest(query=query)).total == 1, query
        assert store.search(SearchRequest(query="漏油", brand="極光汽車")).total == 1
        changed = trad.model_copy(update={"text": "已經修好了"})
        assert store.upsert_mentions([changed]).updated == 1
        assert store.search(SearchRequest(query="刹车")).total == 0
        assert store.search(SearchRequest(query="已经修好")).total == 1
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO mention_fts (mention_fts) VALUES ('integrity-check')")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()


def test_schema_7_store_marks_its_comments_on_open(tmp_path) -> None:
    """Schema 7 had no comment mark in mention_brands, so count_buckets counted every
    comment as a story of its own: on open the stored comments are marked (from their
    documents) and count in their post's story; new writes mark them too."""
    path = tmp_path / "radar.db"
    url = f"sqlite:///{path}"
    post = _mention(1, 1)
    comments = [
        _mention(1, i).model_copy(update={"kind": "comment", "parent_id": post.id})
        for i in range(2, 6)
    ]
    with open_store(url) as store:
        store.upsert_mentions([post, *comments])
    conn = sqlite3.connect(path)  # mention_brands as schema 7 had it
    conn.execute("ALTER TABLE mention_brands DROP COLUMN comment")
    conn.execute("PRAGMA user_version = 7")
    conn.commit()
    conn.close()
    day = (NOW - timedelta(days=1), NOW, 86_400)
    with open_store(url) as store:
        assert [(b.count, b.stories) for b in store.count_buckets(*day)] == [(5, 1)]
        more = _mention(1, 6).model_copy(update={"kind": "comment", "parent_id": post.id})
        store.upsert_mentions([more, _mention(1, 7)])
        assert [(b.count, b.stories) for b in store.count_buckets(*day)] == [(7, 2)]
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 9
    conn.close()


def test_schema_8_store_unlinks_the_stories_of_its_comments_on_open(tmp_path) -> None:
    """Schema 8 stores hold what text linking did before 1fbc05f: comments stored as
    copies of a post they quote, posts as copies of a comment. On open the comments are
    unlinked and the posts re-homed (tests/index/test_stories.py says how), each as an
    update in the change feed ("other"), and a case naming a story named after a comment
    names it as it is now; a second open changes nothing."""
    from tests.index.test_stories import (
        assert_repaired,
        cases_before_1fbc05f,
        linked_before_1fbc05f,
    )

    path = tmp_path / "radar.db"
    url = f"sqlite:///{path}"
    stored, repaired = linked_before_1fbc05f()
    cases, renamed = cases_before_1fbc05f()
    with open_store(url) as store:
        store.upsert_mentions(stored)
        for case in cases:
            store.save_case(case)
        _, cursor = store.changes_since(0)
    conn = sqlite3.connect(path)  # the same tables as schema 8 wrote them
    conn.execute("PRAGMA user_version = 8")
    conn.commit()
    conn.close()
    with open_store(url) as store:
        assert_repaired(store, stored, repaired)
        changes, cursor = store.changes_since(cursor)
        assert sorted((c.mention.id, c.what) for c in changes) == sorted(
            (mid, {"other"}) for mid in repaired
        )
        about_first, about_p = (store.get_case(c.id) for c in cases)
        assert about_first == cases[0].model_copy(update={"trigger": renamed})
        assert about_p == cases[1]
        assert isinstance(store, SQLiteStore)
        assert store._write(store._unlink_comment_stories) == 0  # idempotent
    with open_store(url) as store:
        assert store.changes_since(cursor) == ([], cursor)
        assert [store.get_case(c.id) for c in cases] == [about_first, about_p]
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO mention_fts (mention_fts) VALUES ('integrity-check')")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 9
    conn.close()


def test_newer_schema_is_refused(tmp_path) -> None:
    path = tmp_path / "radar.db"
    open_store(f"sqlite:///{path}").close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="newer than this program"):
        open_store(f"sqlite:///{path}")


def test_author_filter_finds_id_and_every_name_used(tmp_path) -> None:
    with open_store(f"sqlite:///{tmp_path}/radar.db") as store:
        m = _mention(1, 1).model_copy(update={"author": Author(id="u1", name="老王")})
        renamed = _mention(1, 2).model_copy(update={"author": Author(id="u1", name="王师傅")})
        no_id = _mention(1, 3).model_copy(update={"author": Author(name="路人")})
        store.upsert_mentions([m, renamed, no_id])
        for who, total in [("u1", 2), ("老王", 2), ("王师傅", 2), ("路人", 1), ("u2", 0)]:
            assert store.search(SearchRequest(query=f"author:{who}")).total == total, who
            assert store.search(SearchRequest(query="漏油", author=who)).total == total, who
        assert store.search(SearchRequest(query="漏油 -author:路人")).total == 2
        assert store.search(SearchRequest(query="author:路人 OR author:老王")).total == 3


def test_fts_text_gives_the_tokens_of_index_text() -> None:
    """The cheap spacing of all-Chinese text indexes exactly what index_text does."""
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5 (x, tokenize='unicode61 remove_diacritics 2')")
    conn.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')")
    texts = [
        "发动机漏油，去4S店投诉也没用！！",
        "气死我了！飞鱼外卖门店今天开业，配送有活动。",
        "「退款」……还没到账？\u3000Ｗｈｙ",
        "漏\ue000油 ⺀ ヽ(・∀・)ノ 𠀀𠀁",
        "iPhone 15的屏幕 café",
    ]
    for text in texts:
        got = []
        for variant in (fts_text(text), index_text(text)):
            conn.execute("DELETE FROM t")
            conn.execute("INSERT INTO t (rowid, x) VALUES (1, ?)", (variant,))
            got.append(conn.execute("SELECT term, col, offset FROM v ORDER BY offset").fetchall())
        assert got[0] == got[1], text


def test_a_brand_named_twice_is_indexed_and_deleted_consistently(tmp_path) -> None:
    path = tmp_path / "radar.db"
    twice = _mention(1, 1).model_copy(
        update={
            "brands": [BrandMatch(brand="极光汽车"), BrandMatch(brand="极光汽车", keywords=["X7"])]
        }
    )
    with open_store(f"sqlite:///{path}") as store:
        store.upsert_mentions([twice])
        store.correct_sentiment(twice.id, "极光汽车", "positive", actor="alice")
        got = store.get_mention(twice.id)
        assert got is not None and all(b.correction is not None for b in got.brands)
        assert store.search(SearchRequest(query="brand:极光汽车 sentiment:positive")).total == 1
        store.upsert_mentions([twice.model_copy(update={"text": "改了"})])
        assert store.search(SearchRequest(query="漏油")).total == 0
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO mention_fts (mention_fts) VALUES ('integrity-check')")
    conn.close()


def test_damaged_full_text_index_and_read_only_store_are_reported(tmp_path) -> None:
    """Issue 16 probe 6: a corrupted FTS index went unnoticed until a crawl failed after
    ~5,000 rows, and a read-only store looked healthy."""
    url = f"sqlite:///{tmp_path}/radar.db"
    with open_store(url) as store:
        store.upsert_mentions([_mention(1, i) for i in range(50)])
        assert store.check_integrity() == [] and store.check_writable() is None
    conn = sqlite3.connect(tmp_path / "radar.db")
    conn.execute("UPDATE mention_fts_data SET block = zeroblob(length(block)) WHERE id > 10")
    conn.commit()
    conn.close()
    with open_store(url) as store:
        problems = store.check_integrity()
        assert problems and problems[0].startswith("full-text index:"), problems
        assert store.check_integrity(full=True)
        assert isinstance(store, SQLiteStore)
        store._conn().execute("PRAGMA query_only = 1")  # as a read-only file behaves
        assert "readonly" in (store.check_writable() or "")


def test_radar_store_check_reports_a_damaged_index(tmp_path) -> None:
    from click.testing import CliRunner

    from radar.cli import cli

    config = tmp_path / "radar.yaml"
    config.write_text(f"store: {{url: 'sqlite:///{tmp_path}/radar.db'}}\n", encoding="utf-8")
    with open_store(f"sqlite:///{tmp_path}/radar.db") as store:
        store.upsert_mentions([_mention(1, i) for i in range(50)])
    ok = CliRunner().invoke(cli, ["store", "check", "--config", str(config)])
    assert ok.exit_code == 0 and "OK (full check, 50 mentions, writable)" in ok.output
    conn = sqlite3.connect(tmp_path / "radar.db")
    conn.execute("UPDATE mention_fts_data SET block = zeroblob(length(block)) WHERE id > 10")
    conn.commit()
    conn.close()
    bad = CliRunner().invoke(cli, ["store", "check", "--config", str(config)])
    assert bad.exit_code == 1 and "problem: full-text index:" in bad.output


def test_write_check_of_a_busy_store_is_quick_and_not_a_refusal(tmp_path) -> None:
    """Another process holding the write lock is busy, not read-only, and /healthz does
    not wait behind it for minutes."""
    import time

    url = f"sqlite:///{tmp_path}/radar.db"
    with open_store(url) as store:
        other = sqlite3.connect(tmp_path / "radar.db")
        other.execute("BEGIN IMMEDIATE")
        try:
            started = time.monotonic()
            assert store.check_writable() is None
            assert time.monotonic() - started < 10
        finally:
            other.rollback()
            other.close()
        store.upsert_mentions([_mention(1, 1)])  # the probe left the connection usable
        assert store.count_mentions() == 1
