"""The store pipeline's batches: handled when full, after RADAR_STORE_FLUSH_SECONDS and at
close; each batch linked, scored and stored before the cursor notes it; a failing model
stops storing instead of storing unscored mentions."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

import sentiment
from config.schema import RadarConfig
from crawlers.cursor import Cursor
from crawlers.items import MentionBatch, MentionItem
from crawlers.pipelines import StorePipeline
from index import open_store
from index.base import Store
from tests.crawlers.conftest import make_scenario
from tests.crawlers.mockserver import MockServer
from tests.crawlers.test_units import COMPLAINT, mention


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(f"sqlite:///{tmp_path}/radar.db")
    yield s
    s.close()


def pipeline(store: Store, **settings: object) -> StorePipeline:
    crawler = get_crawler(settings_dict={"RADAR_STORE_BATCH": 3, **settings})
    crawler.spider = SimpleNamespace(  # type: ignore[assignment]
        store=store, cursor=Cursor("s"), config=RadarConfig()
    )
    return StorePipeline(crawler)


def batch(*names: str) -> MentionBatch:
    return MentionBatch(
        [MentionItem(mention(n, f"{COMPLAINT}（{n}）", i)) for i, n in enumerate(names)]
    )


def test_batches_are_stored_when_full_after_the_time_bound_and_at_close(store: Store) -> None:
    async def crawl() -> None:
        p = pipeline(store, RADAR_STORE_FLUSH_SECONDS=0.05)
        p.process_item(batch("a", "b"))  # waits for more
        assert store.count_mentions() == 0
        await asyncio.sleep(0.2)  # a slow source: stored after the time bound anyway
        assert store.count_mentions() == 2
        p.process_item(batch("c", "d", "e", "f"))  # full: stored at once
        assert store.count_mentions() == 6
        p.process_item(batch("g"))
        p.close_spider()
        assert store.count_mentions() == 7
        assert p.spider.cursor.stored == 7

    asyncio.run(crawl())
    stored = store.get_mentions(["s:a", "s:b", "s:g"])
    assert all(m.sentiment is not None and m.simhash is not None for m in stored)
    assert [m.cluster_id for m in stored] == ["s:a", "s:a", "s:a"]  # near-copies: one story


def test_a_failing_model_stores_nothing_and_stops(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(texts: list[str], **_: object) -> list[object]:
        raise RuntimeError("model file unreadable")

    closed: list[str] = []

    async def close_spider_async(reason: str) -> None:
        closed.append(reason)

    async def crawl() -> StorePipeline:
        p = pipeline(store)
        p.crawler.engine = SimpleNamespace(close_spider_async=close_spider_async)  # type: ignore[assignment]
        monkeypatch.setattr(sentiment, "analyze_batch", broken)
        p.process_item(batch("a", "b", "c"))
        with pytest.raises(DropItem):
            p.process_item(batch("d"))
        p.close_spider()
        return p

    p = asyncio.run(crawl())
    assert store.count_mentions() == 0 and p.spider.cursor.stored == 0
    assert p.failed == "RuntimeError: model file unreadable"
    assert closed == ["score_failed"]  # the crawl ends; its cursor does not move
    assert p.stats.get_value("radar/errors/score") == 3
    assert p.stats.get_value("radar/items/not_stored") == 1


def test_gc_is_tuned_while_crawls_run_and_restored_after_the_last() -> None:
    import gc

    from crawlers.gc_tuning import CRAWL_THRESHOLDS, CrawlGarbageCollection

    before = gc.get_threshold()
    first, second = CrawlGarbageCollection(), CrawlGarbageCollection()
    first.engine_started()
    second.engine_started()
    assert gc.get_threshold() == CRAWL_THRESHOLDS and gc.get_freeze_count() > 0
    first.spider_closed()
    assert gc.get_threshold() == CRAWL_THRESHOLDS  # the other crawl still runs
    second.spider_closed()
    second.spider_closed()  # closing twice changes nothing
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_every_radar_spider_tunes_gc_while_it_crawls(
    mockserver: MockServer, tmp_path: Path
) -> None:
    import gc

    from scrapy import signals

    from crawlers.gc_tuning import CRAWL_THRESHOLDS
    from crawlers.spiders.weibo import WeiboSpider

    source = {"name": "t-gc", "site": "weibo", "kind": "weibo", "query": ["x"]}
    scenario = make_scenario(tmp_path, mockserver, source)
    crawler = get_crawler(WeiboSpider)
    spider = WeiboSpider.from_crawler(crawler, source="t-gc", config=str(scenario.config))
    gc.collect()  # the hook must outlive this: Scrapy's signals hold weak references
    before = gc.get_threshold()
    crawler.signals.send_catch_log(signals.engine_started)
    assert gc.get_threshold() == CRAWL_THRESHOLDS
    crawler.signals.send_catch_log(signals.spider_closed, spider=spider, reason="finished")
    assert gc.get_threshold() == before
    spider.store.close()


def test_the_spider_closes_the_store_it_opened_once_the_run_is_recorded(
    mockserver: MockServer, tmp_path: Path
) -> None:
    """One owner per resource: the spider opens the store, so the spider closes it (the
    store pipeline used to close it at spider_closed), after the pipeline recorded the
    run — at engine_stopped, which comes after every spider_closed handler."""
    from scrapy import signals

    from crawlers.spiders.weibo import WeiboSpider

    source = {"name": "t-own", "site": "weibo", "kind": "weibo", "query": ["x"]}
    scenario = make_scenario(tmp_path, mockserver, source)
    crawler = get_crawler(WeiboSpider)
    spider = WeiboSpider.from_crawler(crawler, source="t-own", config=str(scenario.config))
    crawler.spider = spider
    recorder = StorePipeline.from_crawler(crawler)  # signals hold weak references
    store, closed = spider.store, []
    close = store.close
    store.close = lambda: (closed.append(True), close())[1]  # type: ignore[method-assign]
    crawler.signals.send_catch_log(signals.spider_closed, spider=spider, reason="finished")
    assert not closed
    assert store.crawl_runs("t-own")[0]["finish_reason"] == "finished"
    crawler.signals.send_catch_log(signals.engine_stopped)
    assert closed == [True] and recorder.failed is None


def test_each_brand_gets_its_own_polarity_and_an_echo_is_read_with_its_post(
    store: Store,
) -> None:
    """The pipeline scores every mention toward each brand it names; a comment that only
    echoes its post ("同款，也遇到了") is read with that post (its context_text)."""
    from index.models import BrandMatch

    rival = mention("r", "极光汽车刹车失灵还不召回，车主维权无门；还是云朵外卖靠谱，送餐又快又热乎")
    rival.brands = [
        BrandMatch(brand="极光汽车", keywords=["极光汽车"]),
        BrandMatch(brand="云朵外卖", keywords=["云朵外卖"]),
    ]
    echo = mention("e", "同款，也遇到了", 1)
    echo.brands = [BrandMatch(brand="极光汽车", keywords=["极光X7"])]

    async def crawl() -> None:
        p = pipeline(store)
        p.process_item(
            MentionBatch([MentionItem(rival), MentionItem(echo, context_text=COMPLAINT)])
        )
        p.close_spider()

    asyncio.run(crawl())
    stored = {m.id: m for m in store.get_mentions(["s:r", "s:e"])}
    toward = {b.brand: b.sentiment for b in stored["s:r"].brands}
    assert toward["极光汽车"] is not None and toward["云朵外卖"] is not None
    assert toward["极光汽车"].score < toward["云朵外卖"].score
    assert stored["s:r"].brand_sentiment("极光汽车") == "negative"
    assert stored["s:e"].brand_sentiment("极光汽车") == "negative"
