"""Behaviour only the Elasticsearch backend has: the index template and its mappings,
monthly indices behind the read alias, per-document bulk errors, an unreachable cluster,
and speaking to an 8.x cluster with the 9.x client.

Tests marked ``elasticsearch`` need a cluster (or the noida-db stand-in) at RADAR_ES_URL;
the others run everywhere against a local socket or HTTP server on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from index import StoreError, StoreUnavailable, open_store
from index import es_mappings as maps
from index.base import SearchRequest
from index.elastic import ElasticStore, _mention_doc
from index.elastic import analytics as es_analytics
from index.elastic import search as es_search
from index.models import Case, CaseEvent, Mention

ES_URL = os.environ.get("RADAR_ES_URL")
needs_es = pytest.mark.skipif(
    not ES_URL,
    reason="RADAR_ES_URL not set: Elasticsearch-only tests need a cluster (or the noida-db "
    "stand-in, see .ci/with-es-standin)",
)


def mention(mid: str, published: datetime, text: str = "发动机漏油", **extra: Any) -> Mention:
    return Mention.model_validate(
        {
            "id": f"weibo-search:{mid}",
            "source": "weibo-search",
            "text": text,
            "published_at": published,
            "author": {"id": f"u{mid}", "name": "张三", "followers": 10},
            "brands": [{"brand": "极光汽车", "keywords": ["极光"]}],
            "sentiment": {"score": 0.1, "label": "negative"},
            **extra,
        }
    )


@pytest.fixture
def es_store() -> Iterator[ElasticStore]:
    if not ES_URL:
        pytest.skip("RADAR_ES_URL not set")
    store = open_store(ES_URL, index_prefix=f"radar-test-{uuid.uuid4().hex[:12]}")
    assert isinstance(store, ElasticStore)
    try:
        yield store
    finally:
        store.drop_all()
        store.close()


JAN = datetime(2026, 1, 15, 8, 0, tzinfo=UTC)
FEB = datetime(2026, 2, 3, 9, 30, tzinfo=UTC)


# -- template and mappings --------------------------------------------------------------


def test_every_model_field_is_mapped() -> None:
    """dynamic: false means an unmapped field is stored but never searchable: a field
    added to Mention or Case must be added to the mappings too."""
    assert set(Mention.model_fields) <= set(maps.MENTION_PROPERTIES)
    assert set(Case.model_fields) <= set(maps.CASE_PROPERTIES)
    assert set(CaseEvent.model_fields) <= set(maps.CASE_EVENT_PROPERTIES)


def test_analysis_uses_only_built_in_components() -> None:
    analyzer = maps.ANALYSIS["analyzer"][maps.TEXT_ANALYZER]
    assert analyzer["tokenizer"] == "standard"
    assert set(analyzer["filter"]) <= {"cjk_width", "lowercase"}


@pytest.mark.elasticsearch
@needs_es
def test_template_gives_monthly_indices_explicit_mappings_and_the_alias(
    es_store: ElasticStore,
) -> None:
    es_store.upsert_mentions([mention("1", JAN), mention("2", FEB)])
    es = es_store.es
    template = es.indices.get_index_template(name=es_store.template_name)["index_templates"][0]
    assert template["index_template"]["index_patterns"] == [f"{es_store.prefix}-mentions-*"]
    jan_index = f"{es_store.prefix}-mentions-2026.01"
    assert es_store.month_index(JAN) == jan_index
    assert {jan_index, f"{es_store.prefix}-mentions-2026.02"} <= set(es_store.mention_indices())
    mapping = es.indices.get_mapping(index=jan_index)[jan_index]["mappings"]
    assert str(mapping["dynamic"]).lower() == "false"
    properties = mapping["properties"]
    assert properties["text"]["analyzer"] == maps.TEXT_ANALYZER
    assert properties["published_at"]["type"] == "date"
    assert properties["brand_names"]["type"] == "keyword"
    aliases = es.indices.get_alias(index=jan_index)[jan_index]["aliases"]
    assert es_store.alias in aliases
    tokens = es.indices.analyze(
        index=jan_index, analyzer=maps.TEXT_ANALYZER, text="发动机漏油ＡＢＣ"
    )
    assert [t["token"] for t in tokens["tokens"]] == ["发", "动", "机", "漏", "油", "abc"]


@pytest.mark.elasticsearch
@needs_es
def test_old_months_can_be_dropped(es_store: ElasticStore) -> None:
    es_store.upsert_mentions([mention("jan", JAN), mention("feb", FEB)])
    assert es_store.count_mentions() == 2
    dropped = es_store.drop_mentions_before(datetime(2026, 2, 1, tzinfo=UTC))
    assert dropped == [f"{es_store.prefix}-mentions-2026.01"]
    assert es_store.count_mentions() == 1
    hits = es_store.search(SearchRequest(query="漏油"))
    assert [h.mention.id for h in hits.hits] == ["weibo-search:feb"]
    # a late mention for a dropped month recreates its index behind the alias
    assert es_store.upsert_mentions([mention("jan2", JAN)]).new == 1
    assert es_store.count_mentions() == 2


@pytest.mark.elasticsearch
@needs_es
def test_a_mention_stays_in_its_index_when_published_at_moves(es_store: ElasticStore) -> None:
    """Relative times ("5分钟前") can move published_at across a month boundary on a
    re-crawl; the mention is updated where it is, never duplicated into another month."""
    first = mention("1", datetime(2026, 1, 31, 23, 58, tzinfo=UTC))
    es_store.upsert_mentions([first])
    moved = first.model_copy(update={"published_at": datetime(2026, 2, 1, 0, 1, tzinfo=UTC)})
    result = es_store.upsert_mentions([moved])
    assert (result.new, result.updated) == (0, 1)
    assert es_store.count_mentions() == 1
    got = es_store.get_mention(first.id)
    assert got is not None and got.published_at == moved.published_at


@pytest.mark.elasticsearch
@needs_es
def test_a_call_of_many_bulk_requests_is_visible_when_it_returns(es_store: ElasticStore) -> None:
    """Only the last bulk request of a call waits for a refresh; what earlier requests
    wrote to other indices (here: January) is refreshed explicitly."""
    es_store.bulk_chunk = 2
    late = [mention("feb1", FEB), mention("feb2", FEB)]
    es_store.upsert_mentions(late)
    batch = [mention(f"jan{i}", JAN) for i in range(5)] + late  # last request: unchanged
    result = es_store.upsert_mentions(batch)
    assert (result.new, result.unchanged) == (5, 2)
    assert es_store.search(SearchRequest(query="漏油", limit=1)).total == 7


@pytest.mark.elasticsearch
@needs_es
def test_count_buckets_slices_long_windows_without_changing_the_counts(
    es_store: ElasticStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = datetime(2026, 2, 1, tzinfo=UTC)
    mentions = []
    for i in range(40):
        names = ["极光汽车", "星河手机"] if i % 3 == 0 else ["极光汽车"]
        published = start + timedelta(minutes=37 * i)
        mentions.append(mention(f"m{i}", published, brands=[{"brand": n} for n in names]))
    es_store.upsert_mentions(mentions)
    whole = es_store.count_buckets(start, start + timedelta(days=2), 3600)
    monkeypatch.setattr(es_analytics, "MAX_BUCKETS_PER_REQUEST", 16)  # 2 intervals per request
    searches = []
    search = es_store.es.search

    def counted(*args: Any, **kwargs: Any) -> Any:
        searches.append(kwargs.get("body") or kwargs)
        return search(*args, **kwargs)

    monkeypatch.setattr(es_store.es, "search", counted)
    sliced = es_store.count_buckets(start, start + timedelta(days=2), 3600)
    assert len(searches) > 1  # the window was sliced, not asked for at once
    assert sliced == whole
    assert sum(b.count for b in whole) == 40 + 14
    assert len({b.start for b in whole}) > 10


@pytest.mark.elasticsearch
@needs_es
def test_deep_pages_beyond_the_result_window(
    es_store: ElasticStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """from + size may not pass index.max_result_window (10,000 by default): deeper pages
    (CSV export) continue with search_after. Here the window is made 5."""
    es_store.upsert_mentions([mention(f"{i:02d}", FEB + timedelta(minutes=i)) for i in range(12)])
    es_store.es.indices.put_settings(
        index=es_store.month_index(FEB), settings={"index.max_result_window": 5}
    )
    monkeypatch.setattr(es_search, "MAX_RESULT_WINDOW", 5)
    pages = [
        es_store.search(SearchRequest(query="漏油", offset=offset, limit=4))
        for offset in (0, 4, 8, 12)
    ]
    assert [p.total for p in pages] == [12] * 4
    got = [h.mention.id for p in pages for h in p.hits]
    assert got == [f"weibo-search:{i:02d}" for i in reversed(range(12))]
    assert pages[2].facets["brand"] == {"极光汽车": 12}
    assert "<mark>漏油</mark>" in pages[2].hits[0].highlight


@pytest.mark.elasticsearch
@needs_es
def test_title_is_the_snippet_when_only_the_title_matches(es_store: ElasticStore) -> None:
    es_store.upsert_mentions(
        [mention("t", FEB, text="详情见<b>原帖</b>", title="发动机漏油 & 退款")]
    )
    hit = es_store.search(SearchRequest(query="漏油")).hits[0]
    assert hit.highlight == "发动机<mark>漏油</mark> &amp; 退款"
    plain = es_store.search(SearchRequest(query="brand:极光汽车")).hits[0]
    assert "&lt;b&gt;原帖" in plain.highlight and "<b>" not in plain.highlight


# -- bulk errors ----------------------------------------------------------------------------


@pytest.mark.elasticsearch
@needs_es
def test_bulk_reports_documents_the_cluster_refuses_and_stores_the_rest(
    es_store: ElasticStore,
) -> None:
    # followers beyond a 64-bit long: valid for the model, refused by the mapping
    huge = mention("huge", FEB).model_copy(deep=True)
    huge.author.followers = 2**70
    result = es_store.upsert_mentions([mention("ok1", FEB), huge, mention("ok2", FEB)])
    assert result.new == 2
    assert [mid for mid, _ in result.errors] == ["weibo-search:huge"]
    assert "followers" in result.errors[0][1]
    assert es_store.count_mentions() == 2
    assert es_store.get_mention("weibo-search:huge") is None


@pytest.mark.elasticsearch
@needs_es
def test_bulk_into_a_read_only_month_reports_each_document(es_store: ElasticStore) -> None:
    es_store.upsert_mentions([mention("jan", JAN)])
    jan_index = es_store.month_index(JAN)
    es_store.es.indices.put_settings(index=jan_index, settings={"index.blocks.write": True})
    try:
        result = es_store.upsert_mentions([mention("jan-late", JAN), mention("feb", FEB)])
    finally:
        es_store.es.indices.put_settings(index=jan_index, settings={"index.blocks.write": False})
    assert result.new == 1
    assert [mid for mid, _ in result.errors] == ["weibo-search:jan-late"]
    assert "block" in result.errors[0][1]
    assert es_store.get_mention("weibo-search:feb") is not None


# -- concurrency ----------------------------------------------------------------------------


@pytest.mark.elasticsearch
@needs_es
def test_concurrent_event_appends_get_distinct_increasing_seqs(es_store: ElasticStore) -> None:
    other = open_store(ES_URL or "", index_prefix=es_store.prefix)
    errors: list[BaseException] = []

    def append(store: Any, who: str) -> None:
        try:
            for i in range(8):
                store.append_case_event(CaseEvent(case_id="c1", kind="note", text=f"{who}{i}"))
        except BaseException as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [
        threading.Thread(target=append, args=(store, who))
        for store, who in ((es_store, "a"), (other, "b"))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    other.close()
    assert not errors
    events = es_store.case_events("c1")
    assert [e.seq for e in events] == list(range(1, 17))
    assert sorted(e.text for e in events) == sorted(
        [f"a{i}" for i in range(8)] + [f"b{i}" for i in range(8)]
    )


# -- change feed ------------------------------------------------------------------------


def test_change_feed_waits_for_a_block_still_being_written(es_store: ElasticStore) -> None:
    """A reader never passes the first open block, even when later numbers are already
    readable: a slow writer's mentions are not skipped."""
    es_store.upsert_mentions([mention("1", JAN)])
    _, cursor = es_store.changes_since(0)
    slow = es_store._reserve(2)  # a writer that has its numbers but has not written yet
    es_store.upsert_mentions([mention("2", JAN)])  # a faster writer, numbered after it
    assert es_store.changes_since(cursor) == ([], cursor)
    es_store._release([slow])
    changes, _ = es_store.changes_since(cursor)
    assert [c.mention.id for c in changes] == ["weibo-search:2"]


def test_change_feed_misses_nothing_from_concurrent_writers(es_store: ElasticStore) -> None:
    other = open_store(ES_URL or "", index_prefix=es_store.prefix)
    errors: list[BaseException] = []
    done = threading.Event()
    seen: list[tuple[int, str]] = []

    def write(store: Any, who: str) -> None:
        try:
            for i in range(6):
                store.upsert_mentions([mention(f"{who}{i}-{k}", JAN) for k in range(3)])
        except BaseException as err:  # pragma: no cover - reported below
            errors.append(err)

    def read() -> None:
        cursor = 0
        while True:
            finished = done.is_set()
            changes, cursor = es_store.changes_since(cursor, limit=4)
            seen.extend((c.seq, c.mention.id) for c in changes)
            if finished and not changes:
                return

    writers = [
        threading.Thread(target=write, args=(store, who))
        for store, who in ((es_store, "a"), (other, "b"))
    ]
    reader = threading.Thread(target=read)
    for t in [*writers, reader]:
        t.start()
    for t in writers:
        t.join()
    done.set()
    reader.join()
    other.close()
    assert not errors
    assert [seq for seq, _ in seen] == sorted({seq for seq, _ in seen})
    assert sorted(mid for _, mid in seen) == sorted(
        f"weibo-search:{who}{i}-{k}" for who in "ab" for i in range(6) for k in range(3)
    )


# -- unreachable cluster and bad settings (no cluster needed) --------------------------------


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unreachable_cluster_raises_store_unavailable_naming_the_url() -> None:
    port = _closed_port()
    url = f"http://radar:s3cret@127.0.0.1:{port}"
    store = open_store(url, max_retries=0, request_timeout=2)
    for call in (
        lambda: store.upsert_mentions([mention("1", FEB)]),
        lambda: store.search(SearchRequest(query="漏油")),
        lambda: store.count_mentions(),
    ):
        with pytest.raises(StoreUnavailable) as info:
            call()
        message = str(info.value)
        assert f"127.0.0.1:{port}" in message and "unreachable" in message
        assert "s3cret" not in message


def test_invalid_index_prefix_is_refused() -> None:
    with pytest.raises(StoreError, match="index_prefix"):
        open_store("http://127.0.0.1:9200", index_prefix="Radar Prod")


# -- an 8.x cluster with the 9.x client ------------------------------------------------------


class _Fake8xCluster(BaseHTTPRequestHandler):
    """Answers like an Elasticsearch 8.15 node: refuses ``compatible-with=9`` the way a real
    8.x node does and records the Accept header of every request."""

    seen: ClassVar[list[tuple[str, str, str]]] = []
    authorization: ClassVar[list[str]] = []

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Elastic-Product", "Elasticsearch")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        accept = self.headers.get("Accept", "")
        self.seen.append((self.command, self.path, accept))
        self.authorization.append(self.headers.get("Authorization", ""))
        if "compatible-with=9" in accept:
            reason = "Accept version must be either version 8 or 7, but found 9"
            self._answer(400, {"error": {"type": "media_type_header_exception", "reason": reason}})
        elif self.path == "/":
            self._answer(200, {"name": "node-1", "version": {"number": "8.15.0"}})
        elif "_count" in self.path:
            self._answer(200, {"count": 0})
        else:
            self._answer(200, {"acknowledged": True})

    do_GET = do_PUT = do_POST = do_HEAD = _handle

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def fake_8x_url() -> Iterator[str]:
    _Fake8xCluster.seen, _Fake8xCluster.authorization = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Fake8xCluster)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_speaks_rest_compatibility_8_to_an_8x_cluster(fake_8x_url: str) -> None:
    store = open_store(fake_8x_url, max_retries=0)
    assert store.count_mentions() == 0
    store.close()
    versioned = [accept for _, _, accept in _Fake8xCluster.seen if "compatible-with" in accept]
    # the first request is refused like on a real 8.x node; from then on it speaks 8
    assert "compatible-with=9" in versioned[0]
    assert len(versioned) > 2 and all("compatible-with=8" in a for a in versioned[1:])
    assert any("_count" in path for _, path, _ in _Fake8xCluster.seen)


def test_store_config_credentials_reach_the_cluster(
    fake_8x_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from config.schema import StoreConfig

    monkeypatch.setenv("RADAR_TEST_ES_KEY", "a2V5OnNlY3JldA==")
    cfg = StoreConfig.model_validate(
        {"url": fake_8x_url, "api_key": {"$env": "RADAR_TEST_ES_KEY"}, "index_prefix": "acme"}
    )
    store = open_store(cfg.url, **cfg.open_options())
    assert store.count_mentions() == 0
    store.close()
    assert _Fake8xCluster.authorization  # every request, the version check included
    assert set(_Fake8xCluster.authorization) == {"ApiKey a2V5OnNlY3JldA=="}
    assert any("acme-mentions" in path for _, path, _ in _Fake8xCluster.seen)


@pytest.mark.elasticsearch
@needs_es
def test_near_duplicate_lookups_read_past_a_full_first_page(es_store: ElasticStore) -> None:
    """The batch lookup takes the first candidate page of every lookup from one _msearch;
    a lookup whose page is full of candidates that are not near goes on to the next."""
    h = 0x0123_4567_89AB_CDEF
    start = datetime(2026, 5, 1, tzinfo=UTC)
    # the same lowest band as h, 16+ bits away elsewhere: candidates, never matches
    far = [
        mention(f"far{i}", start + timedelta(seconds=i), simhash=h ^ (0xFFFF << 16) ^ (i << 32))
        for i in range(es_analytics.NEAR_PAGE + 20)
    ]
    near = mention("near", start + timedelta(hours=1), simhash=h ^ 0b11)
    es_store.upsert_mentions([*far, near])
    since = start - timedelta(days=1)
    many = es_store.find_near_duplicates_many([(h, since), (h ^ 0b1, since)], limit=2)
    assert [[m.id for m in found] for found in many] == [[near.id], [near.id]]
    assert [m.id for m in es_store.find_near_duplicates(h, since)] == [near.id]


@pytest.mark.elasticsearch
@needs_es
def test_an_index_of_the_previous_mapping_is_upgraded_on_first_use() -> None:
    """A monthly index made before per-brand sentiment (mapping version 1: no
    ``brand_sentiment``/``sentiment_labels``, documents without them) gets the new
    fields and its documents' derived fields on the store's first call: they are found
    by the sentiment toward a brand and can be corrected."""
    assert ES_URL
    prefix = f"radar-test-{uuid.uuid4().hex[:12]}"
    store = open_store(ES_URL, index_prefix=prefix)
    assert isinstance(store, ElasticStore)
    try:
        es = store._es
        old_properties = {
            k: v
            for k, v in maps.MENTION_PROPERTIES.items()
            if k not in ("brand_sentiment", "sentiment_labels")
        }
        index = store.month_index(JAN)
        es.indices.create(
            index=index,
            settings={"analysis": maps.ANALYSIS},
            mappings={"dynamic": False, "properties": old_properties},
            aliases={store.alias: {}},
        )
        m = mention("old", JAN)
        doc = m.model_dump(mode="json")
        doc["brands"] = [{"brand": "极光汽车", "keywords": ["极光"]}]
        doc.update(brand_names=["极光汽车"], sentiment_label="negative", story=m.id)
        es.index(index=index, id=m.id, document=doc, refresh=True)

        assert store.search(SearchRequest(query="brand:极光汽车 sentiment:negative")).total == 1
        assert store.search(SearchRequest(query="sentiment:negative")).total == 1
        meta = es.indices.get_mapping(index=index)[index]["mappings"].get("_meta", {})
        assert meta.get("radar_mapping_version") == maps.MENTION_MAPPING_VERSION
        changes, cursor = store.changes_since(0)  # numbered by the upgrade
        assert [(c.mention.id, c.what) for c in changes] == [(m.id, {"new"})]
        store.correct_sentiment(m.id, "极光汽车", "neutral", actor="alice")
        assert store.search(SearchRequest(query="brand:极光汽车 sentiment:negative")).total == 0
        assert store.search(SearchRequest(query="sentiment:neutral")).total == 1
        changes, _ = store.changes_since(cursor)
        assert [(c.mention.id, c.what) for c in changes] == [(m.id, {"correction"})]
    finally:
        store.drop_all()
        store.close()


@pytest.mark.elasticsearch
@needs_es
def test_an_index_of_mapping_3_is_folded_to_simplified_on_first_use() -> None:
    """Mapping 3 had no folded fields (刹车失灵 missed a stored 剎車失靈, brand:極光汽車
    found nothing): the upgrade derives them for the documents it holds."""
    assert ES_URL
    prefix = f"radar-test-{uuid.uuid4().hex[:12]}"
    store = open_store(ES_URL, index_prefix=prefix)
    assert isinstance(store, ElasticStore)
    new_fields = ("brand_keys", "brand_sentiment_keys", "folded_title", "folded_text")
    try:
        es = store._es
        index = store.month_index(JAN)
        es.indices.create(
            index=index,
            settings={"analysis": maps.ANALYSIS},
            mappings={
                "dynamic": False,
                "properties": {
                    k: v for k, v in maps.MENTION_PROPERTIES.items() if k not in new_fields
                },
                "_meta": {"radar_mapping_version": 3},
            },
            aliases={store.alias: {}},
        )
        m = mention("trad", JAN, text="我的車剎車失靈了")
        doc = {k: v for k, v in _mention_doc(m).items() if k not in new_fields}
        es.index(index=index, id=m.id, document=doc, refresh=True)

        assert store.search(SearchRequest(query="刹车失灵")).total == 1
        assert store.search(SearchRequest(query="brand:極光汽車 刹车")).total == 1
        meta = es.indices.get_mapping(index=index)[index]["mappings"].get("_meta", {})
        assert meta.get("radar_mapping_version") == maps.MENTION_MAPPING_VERSION == 5
    finally:
        store.drop_all()
        store.close()


@pytest.mark.elasticsearch
@needs_es
def test_an_index_of_mapping_4_unlinks_the_stories_of_its_comments_on_first_use() -> None:
    """Mapping-4 indices hold what text linking did before 1fbc05f: comments stored as
    copies of a post they quote, posts as copies of a comment. The store's first call
    unlinks the comments and re-homes the posts as SQLite's schema-9 upgrade does
    (tests/index/test_stories.py), each an update in the change feed ("other"), and a
    case naming a story named after a comment names it as it is now."""
    from tests.index.test_stories import (
        assert_repaired,
        cases_before_1fbc05f,
        linked_before_1fbc05f,
    )

    assert ES_URL
    prefix = f"radar-test-{uuid.uuid4().hex[:12]}"
    stored, repaired = linked_before_1fbc05f()
    cases, renamed = cases_before_1fbc05f()
    store = open_store(ES_URL, index_prefix=prefix)
    assert isinstance(store, ElasticStore)
    try:
        store.upsert_mentions(stored)
        for case in cases:
            store.save_case(case)
        _, cursor = store.changes_since(0)
        for index in store.mention_indices():
            store.es.indices.put_mapping(index=index, meta={"radar_mapping_version": 4})
        store.close()
        store = open_store(ES_URL, index_prefix=prefix)
        assert isinstance(store, ElasticStore)
        assert_repaired(store, stored, repaired)
        changes, cursor = store.changes_since(cursor)
        assert sorted((c.mention.id, c.what) for c in changes) == sorted(
            (mid, {"other"}) for mid in repaired
        )
        for index in store.mention_indices():
            meta = store.es.indices.get_mapping(index=index)[index]["mappings"].get("_meta")
            assert (meta or {}).get("radar_mapping_version") == maps.MENTION_MAPPING_VERSION
        about_first, about_p = (store.get_case(c.id) for c in cases)
        assert about_first == cases[0].model_copy(update={"trigger": renamed})
        assert about_p == cases[1]
        assert store._unlink_comment_stories() == 0  # idempotent
        assert store.changes_since(cursor) == ([], cursor)
        assert [store.get_case(c.id) for c in cases] == [about_first, about_p]
    finally:
        store.drop_all()
        store.close()


def test_a_write_block_is_reported_by_the_write_check(es_store: ElasticStore) -> None:
    es_store.upsert_mentions([mention("a", JAN)])
    jan_index = es_store.month_index(JAN)
    es_store.es.indices.put_settings(index=jan_index, settings={"index.blocks.write": True})
    try:
        assert jan_index in (es_store.check_writable() or "")
    finally:
        es_store.es.indices.put_settings(index=jan_index, settings={"index.blocks.write": False})
    assert es_store.check_writable() is None
