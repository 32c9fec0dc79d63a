"""The Store contract: every backend (SQLite always, Elasticsearch when RADAR_ES_URL is
set) must pass these. Tests use only the Store interface; a backend makes its own writes
visible to the next read (Elasticsearch refreshes after writes)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from index import StoreError, open_store
from index.base import STORE_SORTS, Notification, SearchRequest, SourceHealth, Store
from index.models import Case, CaseEvent, CaseStatus, Mention
from index.query import QuerySyntaxError

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
BRAND = "极光汽车"
OTHER = "星河手机"


def mention(
    mid: str,
    text: str,
    *,
    brands: tuple[str, ...] = (BRAND,),
    sentiment: str | None = "negative",
    score: float | None = None,
    source: str = "weibo-search",
    author: str = "张三",
    author_id: str | None = None,
    followers: int = 100,
    published: datetime | None = None,
    kind: str = "post",
    category: str | None = None,
    signals: tuple[str, ...] = (),
    title: str = "",
    likes: int = 0,
    repost_of: str | None = None,
    cluster_id: str | None = None,
    simhash: int | None = None,
    toward: dict[str, str] | None = None,
) -> Mention:
    """``toward``: the model's sentiment toward some of the brands (brand -> label)."""
    data: dict[str, Any] = {
        "id": f"{source}:{mid}",
        "source": source,
        "native_id": mid,
        "kind": kind,
        "url": f"https://example.test/{mid}",
        "title": title,
        "text": text,
        "author": {
            "id": author_id or f"u-{author}",
            "name": author,
            "followers": followers,
        },
        "published_at": published or NOW - timedelta(hours=1),
        "crawled_at": NOW,
        "engagement": {"likes": likes},
        "brands": [
            {"brand": b, "keywords": [b], "sentiment": _sentiment(toward[b])}
            if toward and b in toward
            else {"brand": b, "keywords": [b]}
            for b in brands
        ],
        "complaint_category": category,
        "risk_signals": list(signals),
        "repost_of": repost_of,
        "cluster_id": cluster_id or f"{source}:{mid}",
        "simhash": simhash,
    }
    if sentiment is not None:
        default = {"negative": 0.1, "neutral": 0.5, "positive": 0.9}[sentiment]
        data["sentiment"] = {"score": default if score is None else score, "label": sentiment}
    return Mention.model_validate(data)


def _sentiment(label: str, score: float | None = None) -> dict[str, Any]:
    default = {"negative": 0.1, "neutral": 0.5, "positive": 0.9}[label]
    return {"score": default if score is None else score, "label": label}


def ids(result) -> list[str]:
    return [h.mention.id for h in result.hits]


def search(store: Store, query: str = "", **kw: Any) -> list[str]:
    return sorted(ids(store.search(SearchRequest(query=query, limit=100, **kw))))


# -- upsert --------------------------------------------------------------------------


def test_upsert_is_idempotent_and_refreshes_engagement(store: Store) -> None:
    m = mention("1", "发动机漏油，4S店不给退款", likes=3)
    first = store.upsert_mentions([m])
    assert (first.new, first.updated, first.unchanged, first.errors) == (1, 0, 0, [])
    again = store.upsert_mentions([m])
    assert (again.new, again.updated, again.unchanged) == (0, 0, 1)
    changed = m.model_copy(update={"engagement": m.engagement.model_copy(update={"likes": 40})})
    third = store.upsert_mentions([changed])
    assert (third.new, third.updated, third.unchanged) == (0, 1, 0)
    assert store.count_mentions() == 1
    got = store.get_mention(m.id)
    assert got is not None and got.engagement.likes == 40
    assert got.text == m.text and got.published_at == m.published_at
    assert got.author.name == "张三"


def test_same_id_twice_in_one_batch_is_one_document(store: Store) -> None:
    a = mention("1", "第一版文字", likes=1)
    b = mention("1", "第一版文字", likes=9)
    store.upsert_mentions([a, b])
    assert store.count_mentions() == 1
    got = store.get_mention(a.id)
    assert got is not None and got.engagement.likes == 9


def test_sentiment_refreshed_on_reupsert(store: Store) -> None:
    m = mention("1", "车机很卡", sentiment="neutral")
    store.upsert_mentions([m])
    store.upsert_mentions([mention("1", "车机很卡", sentiment="negative")])
    got = store.get_mention(m.id)
    assert got is not None and got.sentiment is not None
    assert got.sentiment.label == "negative"
    assert search(store, "sentiment:negative") == [m.id]
    assert search(store, "sentiment:neutral") == []


def test_handled_state_and_notes_survive_recrawl(store: Store) -> None:
    m = mention("1", "客服态度差，要求退款", likes=1)
    store.upsert_mentions([m])
    handled = store.mark_handled(m.id, by="alice", note="已私信联系")
    assert handled.handled and handled.handled_by == "alice" and handled.handled_at
    store.add_mention_note(m.id, by="bob", text="用户已同意退款")
    recrawled = mention("1", "客服态度差，要求退款", likes=99)
    assert not recrawled.handled and recrawled.notes == []
    result = store.upsert_mentions([recrawled])
    assert result.updated == 1
    got = store.get_mention(m.id)
    assert got is not None
    assert got.engagement.likes == 99
    assert got.handled and got.handled_by == "alice"
    texts = [n.get("text") for n in got.notes]
    assert "已私信联系" in texts and "用户已同意退款" in texts
    assert search(store, "", handled=True) == [m.id]
    assert search(store, "", handled=False) == []


def test_handled_can_be_undone_notes_stay(store: Store) -> None:
    """A care agent's mis-click on 标记已处理 (or on a whole page of them) is undone: the
    post is unhandled again, in the handled filter too; its notes stay."""
    m = mention("1", "客服态度差，要求退款")
    store.upsert_mentions([m])
    store.mark_handled(m.id, by="alice", note="已私信联系")
    undone = store.mark_unhandled(m.id)
    assert not undone.handled and undone.handled_by is None and undone.handled_at is None
    got = store.get_mention(m.id)
    assert got is not None and not got.handled and got.handled_by is None
    assert [n.get("text") for n in got.notes] == ["已私信联系"]
    assert search(store, "", handled=False) == [m.id]
    assert search(store, "", handled=True) == []
    with pytest.raises(KeyError):
        store.mark_unhandled("weibo-search:nope")


def test_reupsert_moves_time_brand_and_text(store: Store) -> None:
    """A re-crawl may correct the time, brands or text: every index follows."""
    old_time = NOW - timedelta(days=10)
    store.upsert_mentions([mention("1", "刹车异响", published=old_time, brands=(BRAND,))])
    store.mark_handled(s("1"), by="alice")
    store.upsert_mentions(
        [mention("1", "屏幕绿线", published=NOW - timedelta(hours=2), brands=(OTHER,))]
    )
    assert store.count_mentions() == 1
    recent = NOW - timedelta(days=1)
    assert search(store, "", since=recent) == [s("1")]
    assert search(store, "", until=recent) == []
    assert search(store, "绿线") == [s("1")] and search(store, "异响") == []
    assert search(store, f"brand:{OTHER}") == [s("1")] and search(store, f"brand:{BRAND}") == []
    buckets = store.count_buckets(NOW - timedelta(days=30), NOW, 86400)
    assert [(b.brand, b.count) for b in buckets] == [(OTHER, 1)]
    got = store.get_mention(s("1"))
    assert got is not None and got.handled and got.text == "屏幕绿线"


def test_handled_and_notes_take_the_time_they_are_given(store: Store) -> None:
    """The web app passes its clock's now (a test clock in tests), as for cases."""
    m = mention("1", "客服态度差，要求退款")
    store.upsert_mentions([m])
    handled_at, noted_at = NOW + timedelta(minutes=5), NOW + timedelta(minutes=9)
    store.mark_handled(m.id, by="alice", note="已私信联系", at=handled_at)
    store.add_mention_note(m.id, by="bob", text="用户已同意退款", at=noted_at)
    got = store.get_mention(m.id)
    assert got is not None and got.handled_at == handled_at
    assert [datetime.fromisoformat(n["at"]) for n in got.notes] == [handled_at, noted_at]


def test_mark_handled_unknown_mention_raises_key_error(store: Store) -> None:
    with pytest.raises(KeyError):
        store.mark_handled("weibo-search:nope", by="alice")
    with pytest.raises(KeyError):
        store.add_mention_note("weibo-search:nope", by="alice", text="x")


def test_bad_mention_in_batch_is_reported_and_rest_stored(store: Store) -> None:
    good1 = mention("1", "刹车异响")
    good2 = mention("2", "空调漏水")
    bad = good1.model_dump(mode="json")
    bad["id"] = "weibo-search:bad"
    del bad["published_at"]
    result = store.upsert_mentions([good1, bad, good2])  # type: ignore[list-item]
    assert result.new == 2
    assert len(result.errors) == 1
    bad_id, reason = result.errors[0]
    assert bad_id == "weibo-search:bad"
    assert "published_at" in reason
    assert store.count_mentions() == 2
    assert store.get_mention("weibo-search:bad") is None


def test_absurd_counts_are_reported_not_a_failed_batch(store: Store) -> None:
    """A crawled follower or like count beyond any real account (10**20 does not even fit
    a 64-bit integer column) is that mention's error; the rest of the batch is stored."""
    good = mention("1", "刹车异响")
    bad = good.model_dump(mode="json")
    bad["id"] = "weibo-search:bad"
    bad["author"]["followers"] = 10**20
    worse = {**bad, "id": "weibo-search:worse", "author": good.author.model_dump()}
    worse["engagement"] = {"likes": 10**16}
    result = store.upsert_mentions([bad, good, worse])  # type: ignore[list-item]
    assert result.new == 1
    assert [(i, "followers" in r or "likes" in r) for i, r in result.errors] == [
        ("weibo-search:bad", True),
        ("weibo-search:worse", True),
    ]
    assert store.count_mentions() == 1


def test_get_mentions_keeps_the_order_given_and_skips_missing(store: Store) -> None:
    store.upsert_mentions([mention(str(i), f"第{i}条") for i in range(3)])
    wanted = ["weibo-search:2", "weibo-search:missing", "weibo-search:0"]
    assert [m.id for m in store.get_mentions(wanted)] == ["weibo-search:2", "weibo-search:0"]
    assert store.get_mention("weibo-search:missing") is None


# -- full-text search ----------------------------------------------------------------


@pytest.fixture
def corpus(store: Store) -> Store:
    store.upsert_mentions(
        [
            mention("leak", "新买的车发动机漏油，去4S店投诉也没用", author="李雷"),
            mention("leak2", "漏油问题已经第三次了，要求退款", author="韩梅梅"),
            mention("apart", "漏了一点油，不过没关系", sentiment="neutral"),
            mention("refund", "客服答应退款但一直不到账", category="billing"),
            mention(
                "noise",
                "开了一个月，底盘异响很明显",
                brands=(OTHER,),
                source="tieba-car",
                kind="reply",
            ),
            mention("good", "续航很好，很满意", sentiment="positive", brands=(BRAND, OTHER)),
            mention("ad", "广告：低价卖漏油修复剂", sentiment="neutral"),
            mention(
                "media",
                "记者曝光：多名车主集体投诉发动机漏油",
                signals=("media", "collective"),
                category="quality",
                source="news-feed",
            ),
            mention("iphone", "iPhone 15 Pro 的屏幕有绿线", brands=(OTHER,)),
        ]
    )
    return store


def s(mid: str, source: str = "weibo-search") -> str:
    return f"{source}:{mid}"


def test_two_character_words_are_found(corpus: Store) -> None:
    assert search(corpus, "漏油") == sorted(
        [s("leak"), s("leak2"), s("ad"), s("media", "news-feed")]
    )
    assert search(corpus, "退款") == sorted([s("leak2"), s("refund")])
    assert search(corpus, "投诉") == sorted([s("leak"), s("media", "news-feed")])
    assert search(corpus, "异响") == [s("noise", "tieba-car")]


def test_phrases_and_latin_words(corpus: Store) -> None:
    assert search(corpus, '"发动机漏油"') == sorted([s("leak"), s("media", "news-feed")])
    assert search(corpus, '"漏油 问题"') == [s("leak2")]
    assert search(corpus, '"问题 漏油"') == []
    assert search(corpus, "iphone") == [s("iphone")]
    assert search(corpus, "IPHONE 屏幕") == [s("iphone")]


def test_boolean_operators(corpus: Store) -> None:
    assert search(corpus, "漏油 退款") == [s("leak2")]
    assert search(corpus, "漏油 AND 退款") == [s("leak2")]
    assert search(corpus, "异响 OR 退款") == sorted(
        [s("noise", "tieba-car"), s("leak2"), s("refund")]
    )
    assert search(corpus, "漏油 NOT 广告") == sorted(
        [s("leak"), s("leak2"), s("media", "news-feed")]
    )
    assert search(corpus, "漏油 -广告 -投诉") == [s("leak2")]
    assert search(corpus, '漏油 -"发动机漏油"') == sorted([s("leak2"), s("ad")])
    assert search(corpus, "(异响 OR 绿线) 屏幕") == [s("iphone")]
    assert s("ad") not in search(corpus, "NOT 广告")
    assert len(search(corpus, "NOT 广告")) == 8


def test_full_width_brackets_group_like_ascii_ones(corpus: Store) -> None:
    # typed with a Chinese input method; read as the words （异响 and 绿线） they found more
    assert search(corpus, "（异响 OR 绿线） 屏幕") == search(corpus, "(异响 OR 绿线) 屏幕")
    assert search(corpus, "（异响 OR 绿线） 屏幕") == [s("iphone")]
    assert search(corpus, "（（异响） OR 绿线） 屏幕") == [s("iphone")]
    assert search(corpus, "source:微博（演示）") == []  # a value, not a group


def test_a_minus_before_a_group_excludes_the_group(corpus: Store) -> None:
    # read as the word '-' and the group, the store refused it ("'-' has no letters")
    assert search(corpus, "漏油 -(广告 OR 投诉)") == [s("leak2")]
    assert search(corpus, "漏油 -(广告 OR 投诉)") == search(corpus, "漏油 NOT (广告 OR 投诉)")
    assert search(corpus, "漏油 -（广告 OR 投诉）") == [s("leak2")]
    assert search(corpus, "漏油 -(发动机 投诉)") == sorted([s("leak2"), s("ad")])
    # on its own (no positive part to drive the search) and with a filter inside
    alone = search(corpus, "-(广告 OR 投诉)")
    assert alone == search(corpus, "NOT (广告 OR 投诉)")
    assert not {s("ad"), s("leak"), s("media", "news-feed")} & set(alone)
    assert len(alone) == len(search(corpus, "NOT 广告")) - 2  # less leak and media
    assert search(corpus, f"漏油 -(brand:{OTHER} OR 广告)") == search(corpus, "漏油 -广告")


def test_query_filters(corpus: Store) -> None:
    assert search(corpus, f"brand:{OTHER}") == sorted(
        [s("noise", "tieba-car"), s("good"), s("iphone")]
    )
    assert search(corpus, f"漏油 brand:{OTHER}") == []
    assert search(corpus, "sentiment:positive") == [s("good")]
    assert search(corpus, "漏油 sentiment:neutral") == [s("ad")]
    assert search(corpus, "source:tieba-car") == [s("noise", "tieba-car")]
    assert search(corpus, "author:李雷") == [s("leak")]
    assert search(corpus, 'author:"韩梅梅" 退款') == [s("leak2")]
    assert search(corpus, 'author:"韩梅梅" 漏油 -退款') == []
    assert search(corpus, 'author:"韩梅梅" ("第三次" OR 广告)') == [s("leak2")]
    assert search(corpus, "author:李雷 author:韩梅梅") == []
    assert search(corpus, "category:billing") == [s("refund")]
    assert search(corpus, "signal:media") == [s("media", "news-feed")]
    assert search(corpus, "kind:reply") == [s("noise", "tieba-car")]
    assert search(corpus, f"brand:{OTHER} OR 退款") == sorted(
        [s("noise", "tieba-car"), s("good"), s("iphone"), s("leak2"), s("refund")]
    )
    assert s("good") not in search(corpus, f"-brand:{OTHER}")
    # a quoted filter negated with a minus is the NOT of it
    assert search(corpus, '退款 -author:"韩梅梅"') == search(corpus, '退款 NOT author:"韩梅梅"')
    assert search(corpus, '退款 -author:"韩梅梅"') != search(corpus, "退款")


def test_request_filters(corpus: Store) -> None:
    assert search(corpus, "漏油", sentiment="neutral") == [s("ad")]
    assert search(corpus, "", brand=OTHER, sentiment="negative") == sorted(
        [s("noise", "tieba-car"), s("iphone")]
    )
    assert search(corpus, "投诉", source="news-feed") == [s("media", "news-feed")]
    assert search(corpus, "", author="韩梅梅") == [s("leak2")]
    assert search(corpus, "", author="u-韩梅梅") == [s("leak2")]


def test_query_syntax_error_is_raised(corpus: Store) -> None:
    with pytest.raises(QuerySyntaxError):
        corpus.search(SearchRequest(query='"漏油'))
    with pytest.raises(QuerySyntaxError):
        corpus.search(SearchRequest(query="(漏油 OR"))


def test_time_range_and_time_sort(store: Store) -> None:
    store.upsert_mentions(
        [mention(str(i), f"退款 第{i}天", published=NOW - timedelta(days=i)) for i in range(6)]
    )
    r = store.search(SearchRequest(query="退款", since=NOW - timedelta(days=3), until=NOW))
    # since inclusive, until exclusive: day 0 (== NOW) is out, days 1..3 in
    assert ids(r) == [s("1"), s("2"), s("3")]
    assert r.total == 3
    newest_first = ids(store.search(SearchRequest(query="退款", sort="time")))
    assert newest_first == [s(str(i)) for i in range(6)]


def test_oldest_first_sort(store: Store) -> None:
    """The "oldest" sort: published first, for the store's callers (the digest's first day with
    data is the oldest mention's: one search); a story by its oldest matching mention."""
    store.upsert_mentions(
        [mention(str(i), f"退款 第{i}天", published=NOW - timedelta(days=i)) for i in range(6)]
        + [mention("rp", "退款 转发", published=NOW - timedelta(hours=1), repost_of=s("5"),
                   cluster_id=s("5"))]
    )  # fmt: skip
    oldest_first = ids(store.search(SearchRequest(query="退款", sort="oldest")))
    assert oldest_first == [s("5"), s("4"), s("3"), s("2"), s("1"), s("rp"), s("0")]
    window = {"since": NOW - timedelta(days=3), "until": NOW, "facets": False}
    first = store.search(SearchRequest(sort="oldest", limit=1, highlight=False, **window))
    assert ids(first) == [s("3")] and first.total == 4
    stories = store.search(SearchRequest(query="退款", sort="oldest", group_stories=True))
    assert ids(stories) == [s("5"), s("4"), s("3"), s("2"), s("1"), s("0")]
    assert stories.hits[0].story_size == 2  # with its repost of an hour ago


def test_relevance_sort(store: Store) -> None:
    store.upsert_mentions(
        [
            mention(
                "weak",
                "今天去提车，顺便问了问保养价格，销售很热情，最后聊到了退款政策，"
                "整体体验还行，路上堵车，晚饭吃了火锅，明天还要上班。",
                published=NOW - timedelta(minutes=1),
            ),
            mention("strong", "退款！退款！退款！", published=NOW - timedelta(days=2)),
        ]
    )
    r = store.search(SearchRequest(query="退款", sort="relevance"))
    assert ids(r) == [s("strong"), s("weak")]
    assert r.hits[0].score >= r.hits[1].score
    assert ids(store.search(SearchRequest(query="退款", sort="time"))) == [s("weak"), s("strong")]


def test_highlight_marks_matches_and_escapes_everything_else(store: Store) -> None:
    store.upsert_mentions([mention("x", '<script>alert("x")</script> 发动机漏油 & <b>退款</b>')])
    r = store.search(SearchRequest(query="漏油"))
    assert r.total == 1
    snippet = r.hits[0].highlight
    joined = snippet.replace("</mark><mark>", "")
    assert "<mark>漏油</mark>" in joined
    assert "<script>" not in snippet and "<b>" not in snippet
    assert "&lt;script&gt;" in snippet
    without_marks = snippet.replace("<mark>", "").replace("</mark>", "")
    assert "<" not in without_marks and ">" not in without_marks


def test_traditional_and_simplified_chinese_find_each_other(store: Store) -> None:
    """Issue 16 probe 3: 刹车失灵 missed a stored 剎車失靈, brand:極光汽車 found nothing."""
    store.upsert_mentions(
        [
            mention("trad", "我的車剎車失靈了，<b>太危險</b>", title="極光汽車 投訴"),
            mention("simp", "刹车失灵 又一起"),
            mention("tw-brand", "售後很好", brands=("華碩電腦",)),
            mention("other", "发动机漏油"),
        ]
    )
    for query in ("刹车失灵", "剎車失靈", "刹車失灵"):
        assert search(store, query) == ["weibo-search:simp", "weibo-search:trad"], query
    assert search(store, "投诉") == search(store, "投訴") == ["weibo-search:trad"]
    assert len(search(store, f"brand:{BRAND}")) == len(search(store, "brand:極光汽車")) == 3
    assert search(store, "brand:华硕电脑") == ["weibo-search:tw-brand"]
    assert search(store, "售后", brand="华硕电脑", sentiment="negative") == [
        "weibo-search:tw-brand"
    ]
    assert search(store, "brand:極光汽車 sentiment:negative -刹车") == ["weibo-search:other"]
    r = store.search(SearchRequest(query="刹车失灵", sort="time"))
    trad = next(h for h in r.hits if h.mention.id == "weibo-search:trad")
    assert "<mark>剎車失靈</mark>" in trad.highlight.replace("</mark><mark>", "")
    assert "<b>" not in trad.highlight
    assert trad.mention.text == "我的車剎車失靈了，<b>太危險</b>"  # stored as written
    facets = store.search(SearchRequest(query="brand:極光汽車")).facets
    assert facets["brand"] == {BRAND: 3} and facets["sentiment"] == {"negative": 3}


def test_highlight_without_text_query_is_escaped_text(store: Store) -> None:
    store.upsert_mentions([mention("x", "<img src=x onerror=alert(1)> 很好")])
    r = store.search(SearchRequest(query=f"brand:{BRAND}"))
    assert "<img" not in r.hits[0].highlight
    assert "&lt;img" in r.hits[0].highlight


def test_facets_cover_the_whole_result_set(corpus: Store) -> None:
    r = corpus.search(SearchRequest(query="漏油", limit=1))
    assert r.total == 4 and len(r.hits) == 1
    assert r.facets["sentiment"] == {"negative": 3, "neutral": 1}
    assert r.facets["source"] == {"weibo-search": 3, "news-feed": 1}
    assert r.facets["brand"] == {BRAND: 4}
    everything = corpus.search(SearchRequest(query="", limit=1))
    assert everything.total == 9
    assert everything.facets["brand"] == {BRAND: 7, OTHER: 3}
    # the most first, as Elasticsearch's terms order them (ties by name): the search
    # page's lists read 星辰手机 687 · 极光汽车 561 · 云朵外卖 528 · 清泉乳业 784 before
    assert list(everything.facets["source"].items()) == [
        ("weibo-search", 7), ("news-feed", 1), ("tieba-car", 1),
    ]  # fmt: skip
    assert list(everything.facets["sentiment"]) == ["negative", "neutral", "positive"]


def test_paging(store: Store) -> None:
    store.upsert_mentions(
        [mention(str(i), f"投诉{i}", published=NOW - timedelta(minutes=i)) for i in range(25)]
    )
    pages = [store.search(SearchRequest(query="投诉", offset=o, limit=10)) for o in (0, 10, 20)]
    assert [len(p.hits) for p in pages] == [10, 10, 5]
    assert all(p.total == 25 for p in pages)
    seen = [i for p in pages for i in ids(p)]
    assert seen == [s(str(i)) for i in range(25)]


def test_reposts_can_be_left_out(store: Store) -> None:
    store.upsert_mentions(
        [
            mention("orig", "漏油了"),
            mention("copy", "漏油了", repost_of=s("orig"), cluster_id=s("orig")),
        ]
    )
    assert search(store, "漏油") == [s("copy"), s("orig")]
    assert search(store, "漏油", include_reposts=False) == [s("orig")]


# -- analytics -----------------------------------------------------------------------


def test_count_buckets_by_brand_and_sentiment_aligned_to_interval(store: Store) -> None:
    base = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    store.upsert_mentions(
        [
            mention("a", "一", published=base + timedelta(minutes=5), followers=10, likes=1),
            mention(
                "b",
                "二",
                published=base + timedelta(minutes=50),
                followers=20,
                cluster_id=s("a"),
                repost_of=s("a"),
            ),
            mention("c", "三", published=base + timedelta(minutes=70), sentiment="positive"),
            mention("d", "四", published=base + timedelta(minutes=75), brands=(BRAND, OTHER)),
            mention("e", "五", published=base + timedelta(minutes=80), sentiment=None),
            mention("old", "旧", published=base - timedelta(hours=5)),
        ]
    )
    buckets = store.count_buckets(
        base - timedelta(minutes=30), base + timedelta(hours=3), interval_seconds=3600
    )
    got = {(b.start, b.brand, b.sentiment): b for b in buckets}
    h10, h11 = base, base + timedelta(hours=1)
    assert {k: b.count for k, b in got.items()} == {
        (h10, BRAND, "negative"): 2,
        (h11, BRAND, "positive"): 1,
        (h11, BRAND, "negative"): 1,
        (h11, OTHER, "negative"): 1,
        (h11, BRAND, ""): 1,
    }
    first = got[(h10, BRAND, "negative")]
    assert first.stories == 1  # b is a repost of a
    assert first.reach == 10 + 1 + 20
    only_other = store.count_buckets(base, base + timedelta(hours=3), 3600, brand=OTHER)
    assert [(b.start, b.brand, b.count) for b in only_other] == [(h11, OTHER, 1)]
    # 15-minute buckets start at multiples of 15 minutes since the epoch
    quarter = store.count_buckets(base, base + timedelta(hours=1), 900, brand=BRAND)
    assert sorted((b.start, b.count) for b in quarter) == [
        (base, 1),
        (base + timedelta(minutes=45), 1),
    ]


def test_every_brands_counts_take_a_mention_naming_two_brands_once(store: Store) -> None:
    """Totals of every brand count each mention once, under the most negative label it
    has toward a brand it names; the per-brand counts count it for each brand."""
    base = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    at = base + timedelta(minutes=5)
    store.upsert_mentions(
        [
            mention("one", "一", published=at, followers=10),
            # negative toward OTHER, positive toward BRAND: negative once
            mention(
                "two",
                "二",
                published=at,
                brands=(BRAND, OTHER),
                sentiment="positive",
                toward={OTHER: "negative"},
                followers=20,
            ),
            mention("both", "三", published=at, brands=(BRAND, OTHER), sentiment="neutral"),
            mention("none", "四", published=at, brands=(BRAND, OTHER), sentiment=None),
        ]
    )
    window = (base, base + timedelta(hours=1), 3600)
    per_brand = store.count_buckets(*window)
    assert sum(b.count for b in per_brand) == 7  # three of the four name both
    once = store.count_buckets(*window, each_brand=False)
    assert {(b.start, b.brand, b.sentiment): b.count for b in once} == {
        (base, "", "negative"): 2,
        (base, "", "neutral"): 1,
        (base, "", ""): 1,
    }
    negative = next(b for b in once if b.sentiment == "negative")
    assert negative.stories == 2 and negative.reach == 10 + 20
    # one brand's own counts are the same either way
    mine = store.count_buckets(*window, brand=OTHER, each_brand=False)
    assert mine == store.count_buckets(*window, brand=OTHER)


def comment(mid: str, post: str, **kw: Any) -> Mention:
    """A comment under the post ``post`` (its id)."""
    return mention(mid, "评论" + mid, kind="comment", **kw).model_copy(update={"parent_id": post})


def test_count_buckets_counts_a_comment_in_its_posts_story(store: Store) -> None:
    """``stories`` counts the stories of posts, reposts and copies; a comment is part of
    its post's story and adds none of its own (as the alert engine groups it), so an hour
    of comments only has stories 0; ``count`` still counts every mention."""
    base = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    at = base + timedelta(minutes=5)
    later = base + timedelta(hours=1, minutes=5)
    store.upsert_mentions(
        [
            mention("p1", "漏油", published=at),
            mention("p2", "异响", published=at),
            mention("rp", "转发", published=at, repost_of=s("p1"), cluster_id=s("p1")),
            mention("copy", "漏油", published=at, repost_of=s("p2"), cluster_id=s("p2")),
            *[comment(f"c{i}", s("p1"), published=at) for i in range(5)],
            comment("c5", s("p2"), published=at, brands=(BRAND, OTHER)),
            comment("c6", s("rp"), published=at),
            # the next hour: only comments (one of them under a post never stored)
            *[comment(f"d{i}", s("p2"), published=later) for i in range(3)],
            comment("d3", s("elsewhere"), published=later, sentiment="neutral"),
        ]
    )
    window = (base, base + timedelta(hours=2), 3600)
    got = {
        (b.start, b.brand, b.sentiment): (b.count, b.stories) for b in store.count_buckets(*window)
    }
    h10, h11 = base, base + timedelta(hours=1)
    assert got == {
        (h10, BRAND, "negative"): (4 + 7, 2),
        (h10, OTHER, "negative"): (1, 0),
        (h11, BRAND, "negative"): (3, 0),
        (h11, BRAND, "neutral"): (1, 0),
    }
    once = {
        (b.start, b.sentiment): (b.count, b.stories)
        for b in store.count_buckets(*window, each_brand=False)
    }
    assert once == {(h10, "negative"): (11, 2), (h11, "negative"): (3, 0), (h11, "neutral"): (1, 0)}
    # a comment updated by a re-crawl stays a comment
    grown = comment("d0", s("p2"), published=later, likes=9)
    assert store.upsert_mentions([grown]).updated == 1
    mine = store.count_buckets(*window, brand=BRAND)
    assert [(b.start, b.sentiment, b.count, b.stories) for b in mine] == [
        (h10, "negative", 11, 2),
        (h11, "negative", 3, 0),
        (h11, "neutral", 1, 0),
    ]


def test_grouped_search_counts_a_comment_in_its_posts_story(store: Store) -> None:
    """The stories a grouped search counts (the overview's 话题数, the brief's, the search
    page's) are the stories of the matching posts, reposts and copies, and of the posts
    the matching comments answer: a comment adds its post's story when its post does not
    match (one under a post not stored: that post's, by its id), none when it does (one
    naming two brands, one naming no brand included). A matching comment is still a hit
    of its own, so ``groups`` (what the hits page through) counts it; the story facet
    splits the mentions into the stories' first posts, copies and comments, and no comment
    counts as a copy."""
    at = NOW - timedelta(hours=1)
    store.upsert_mentions(
        [
            mention("p1", "漏油", published=at),
            mention("p2", "异响", published=at),
            mention("rp", "转发", published=at, repost_of=s("p1"), cluster_id=s("p1")),
            mention("copy", "漏油", published=at, repost_of=s("p2"), cluster_id=s("p2")),
            *[comment(f"c{i}", s("p1"), published=at) for i in range(5)],
            comment("c5", s("p2"), published=at, brands=(BRAND, OTHER)),
            comment("c6", s("elsewhere"), published=at),
            comment("c7", s("p2"), published=at, brands=()),
            comment("c8", s("rp"), published=at),
        ]
    )
    window = {"since": NOW - timedelta(days=1), "until": NOW}
    for brand, total in ((BRAND, 12), (None, 13)):
        result = store.search(
            SearchRequest(brand=brand, group_stories=True, limit=100, highlight=False, **window)
        )
        # p1's, p2's and the story of the post not stored
        assert (result.total, result.stories, result.groups) == (total, 3, total - 2)
        assert result.facets["story"] == {"stories": 2, "copies": 2, "comments": total - 4}
        # each comment is still a hit of its own; the posts' hits hold their copies only
        sizes = {h.story: h.story_size for h in result.hits if h.mention.parent_id is None}
        assert sizes[s("p1")] == sizes[s("p2")] == 2
        assert all(h.story_size == 1 for h in result.hits if h.mention.parent_id)
        assert len(result.hits) == result.groups
    buckets = store.count_buckets(window["since"], window["until"], 86400, BRAND)
    assert sum(b.stories for b in buckets) == 2
    # comments only: the stories of their posts, each comment a group; a page past the
    # end counts alike
    for offset in (0, 50):
        result = store.search(
            SearchRequest(query="评论", group_stories=True, offset=offset, **window)
        )
        assert (result.total, result.stories, result.groups) == (9, 3, 9)
        assert result.facets["story"] == {"stories": 0, "copies": 0, "comments": 9}
    # angry comments under a neutral post: one story, though the post does not match
    angry = mention("n", "天窗漏水", published=at, kind="comment")
    store.upsert_mentions(
        [
            mention("p3", "天窗", published=at, sentiment="neutral"),
            *[
                angry.model_copy(
                    update={"id": s(f"n{i}"), "cluster_id": s(f"n{i}"), "parent_id": s("p3")}
                )
                for i in range(3)
            ],
        ]
    )
    negative = store.search(
        SearchRequest(query="天窗 sentiment:negative", group_stories=True, **window)
    )
    assert (negative.total, negative.stories, negative.groups) == (3, 1, 3)
    under_p1 = store.search(SearchRequest(query="评论c1 OR 评论c8", group_stories=True, **window))
    assert (under_p1.total, under_p1.stories) == (2, 1)  # under p1 and under its repost
    assert store.search(SearchRequest(group_stories=False, **window)).groups is None


def test_a_comment_hit_is_in_its_posts_story(store: Store) -> None:
    """``SearchHit.story`` of a comment (what its card links to) is the story of the post
    it answers — a repost's is its original's —, grouped or not; the comment's own when
    its post is not stored (the only story page there is for it)."""
    at = NOW - timedelta(hours=1)
    store.upsert_mentions(
        [
            mention("p1", "漏油", published=at),
            mention("rp", "转发", published=at, repost_of=s("p1"), cluster_id=s("p1")),
            comment("c1", s("p1"), published=at),
            comment("c2", s("rp"), published=at),
            comment("c3", s("elsewhere"), published=at),
        ]
    )
    window = {"since": NOW - timedelta(days=1), "until": NOW}
    for grouped in (True, False):
        result = store.search(SearchRequest(query="评论", group_stories=grouped, **window))
        stories = {h.mention.id: h.story for h in result.hits}
        assert stories == {s("c1"): s("p1"), s("c2"): s("p1"), s("c3"): s("c3")}


def test_a_search_can_leave_the_comments_out(store: Store) -> None:
    """``include_comments=False``: the posts, reposts and copies only (the stories
    spreading furthest), grouped or not; a loud comment leads no story."""
    at = NOW - timedelta(hours=1)
    store.upsert_mentions(
        [
            mention("p1", "漏油", published=at),
            mention("rp", "漏油 转发", published=at, repost_of=s("p1"), cluster_id=s("p1")),
            comment("c1", s("p1"), published=at, followers=10**7),
        ]
    )
    window = {"since": NOW - timedelta(days=1), "until": NOW}
    for grouped in (True, False):
        request = SearchRequest(group_stories=grouped, sort="reach", **window)
        assert store.search(request).hits[0].mention.id == s("c1")
        request.include_comments = False
        result = store.search(request)
        assert {h.mention.id for h in result.hits} <= {s("p1"), s("rp")} and result.total == 2


def test_top_authors_by_reach(store: Store) -> None:
    store.upsert_mentions(
        [
            mention("1", "漏油", author="大V", followers=100000, likes=10),
            mention("2", "又漏油", author="大V", followers=100000, sentiment="neutral"),
            mention("3", "漏油", author="小号", followers=5, likes=2),
            mention("4", "漏油", author="中号", followers=3000, brands=(OTHER,)),
            mention(
                "5", "漏油", author="古早", followers=10**6, published=NOW - timedelta(days=30)
            ),
        ]
    )
    top = store.top_authors(BRAND, NOW - timedelta(days=1), NOW, limit=10)
    assert [a["name"] for a in top] == ["大V", "小号"]
    big = top[0]
    assert big["id"] == "u-大V" and big["followers"] == 100000
    assert big["mentions"] == 2 and big["negative"] == 1 and big["engagement"] == 10
    assert {"verified"} <= set(big)
    every_brand = store.top_authors(None, NOW - timedelta(days=1), NOW, limit=2)
    assert [a["name"] for a in every_brand] == ["大V", "中号"]


def test_top_terms(store: Store) -> None:
    """Counts are the number of mentions in which the word appears."""
    texts = [
        "极光汽车发动机漏油，售后拒绝退款",
        "发动机漏油太严重了，极光汽车不管",
        "第三次发动机漏油，必须退款",
        "漏油问题一直没解决",
        "车机卡顿",
    ]
    store.upsert_mentions([mention(str(i), t) for i, t in enumerate(texts)])
    store.upsert_mentions([mention("other", "屏幕绿线屏幕绿线", brands=(OTHER,))])
    terms = store.top_terms(BRAND, NOW - timedelta(days=1), NOW, limit=5)
    words = [w for w, _ in terms]
    counts = [c for _, c in terms]
    assert words[0] == "漏油" and counts[0] == 4
    assert "发动机" in words and "退款" in words
    assert BRAND not in words and "屏幕" not in words
    assert all(len(w) >= 2 for w in words)
    assert counts == sorted(counts, reverse=True)


def test_top_terms_count_a_story_once(store: Store) -> None:
    """A post reposted or copied many times is one story: its words count once."""
    copied = "客服一句私信就把我打发了"
    store.upsert_mentions(
        [
            mention("orig", copied),
            *(
                mention(f"copy{i}", copied, repost_of=s("orig"), cluster_id=s("orig"))
                for i in range(30)
            ),
            *(mention(f"own{i}", f"刹车失灵{'！' * i}", author=f"车主{i}") for i in range(3)),
        ]
    )
    terms = dict(store.top_terms(BRAND, NOW - timedelta(days=1), NOW, limit=10))
    assert terms["刹车"] == terms["失灵"] == 3
    assert terms["私信"] == terms["打发"] == 1


def test_find_near_duplicates(store: Store) -> None:
    h = 0xF0F0_1234_ABCD_0001  # top bit set: negative as a signed 64-bit integer
    store.upsert_mentions(
        [
            mention("same", "一", simhash=h, published=NOW - timedelta(hours=3)),
            mention("2bits", "二", simhash=h ^ 0b101, published=NOW - timedelta(hours=2)),
            mention("3bits", "三", simhash=h ^ (1 << 63 | 1 << 40 | 1 << 20)),
            mention("4bits", "四", simhash=h ^ 0b1111),
            mention("far", "五", simhash=h ^ 0xFFFF_FFFF),
            mention("old", "六", simhash=h, published=NOW - timedelta(days=10)),
            mention("nohash", "七"),
        ]
    )
    found = store.find_near_duplicates(h, since=NOW - timedelta(days=1))
    assert [m.id for m in found] == [s("same"), s("2bits"), s("3bits")]
    assert found[0].simhash == h
    assert [m.id for m in store.find_near_duplicates(h, NOW - timedelta(days=1), limit=1)] == [
        s("same")
    ]
    exact = store.find_near_duplicates(h, NOW - timedelta(days=30), max_distance=0)
    assert [m.id for m in exact] == [s("old"), s("same")]

    # the batch form answers each lookup as the single form does, in order
    day, month = NOW - timedelta(days=1), NOW - timedelta(days=30)
    probes = [(h, day), (h ^ 0xFFFF_FFFF, day), (0x0123_4567_89AB_CDEF, day), (h, month)]
    many = store.find_near_duplicates_many(probes, limit=2)
    assert [[m.id for m in found] for found in many] == [
        [m.id for m in store.find_near_duplicates(q, since, limit=2)] for q, since in probes
    ]
    assert [len(found) for found in many] == [2, 1, 0, 2]


# -- change feed ---------------------------------------------------------------------


def feed(store: Store, cursor: int = 0, limit: int = 500) -> tuple[list[tuple[str, set[str]]], int]:
    changes, after = store.changes_since(cursor, limit)
    seqs = [c.seq for c in changes]
    assert seqs == sorted(set(seqs)) and all(seq > cursor for seq in seqs)
    return [(c.mention.id, set(c.what)) for c in changes], after


def test_change_feed_has_each_insert_once(store: Store) -> None:
    assert store.changes_since(0) == ([], 0)
    store.upsert_mentions([mention("1", "刹车异响"), mention("2", "屏幕绿线")])
    store.upsert_mentions([mention("3", "客服不理人")])
    got, cursor = feed(store)
    # one upsert call's mentions come in any order, before the next call's
    assert sorted(got[:2]) == [(s("1"), {"new"}), (s("2"), {"new"})]
    assert got[2:] == [(s("3"), {"new"})]
    assert feed(store, cursor) == ([], cursor)
    changes, _ = store.changes_since(0)
    assert changes[2].mention.text == "客服不理人" and changes[2].is_new


def test_change_feed_leaves_out_an_unchanged_recrawl_and_care_staff_work(store: Store) -> None:
    m = mention("1", "刹车异响", likes=3)
    store.upsert_mentions([m])
    _, cursor = feed(store)
    later = m.model_copy(update={"crawled_at": NOW + timedelta(hours=1)})
    assert store.upsert_mentions([later]).unchanged == 1
    store.mark_handled(m.id, by="alice", note="已联系")
    store.add_mention_note(m.id, by="bob", text="已退款")
    assert feed(store, cursor) == ([], cursor)


def test_change_feed_has_a_count_change_with_what_changed(store: Store) -> None:
    m = mention("1", "刹车异响", likes=3)
    store.upsert_mentions([m, mention("2", "屏幕绿线")])
    _, cursor = feed(store)
    grown = m.model_copy(
        update={
            "engagement": m.engagement.model_copy(update={"reposts": 4000}),
            "crawled_at": NOW + timedelta(minutes=20),
        }
    )
    store.upsert_mentions([grown])
    got, after = feed(store, cursor)
    assert got == [(m.id, {"engagement"})] and after > cursor
    changes, _ = store.changes_since(cursor)
    assert changes[0].mention.engagement.reposts == 4000
    store.upsert_mentions([grown.model_copy(update={"text": "刹车异响，4S店不管"})])
    assert feed(store, after)[0] == [(m.id, {"text"})]


def test_change_feed_has_sentiment_changes_and_corrections(store: Store) -> None:
    m = mention("1", "车机很卡", sentiment="neutral")
    store.upsert_mentions([m])
    _, cursor = feed(store)
    store.upsert_mentions([mention("1", "车机很卡", sentiment="negative")])
    got, cursor = feed(store, cursor)
    assert got == [(m.id, {"sentiment"})]
    store.correct_sentiment(m.id, BRAND, "positive", actor="alice")
    got, cursor = feed(store, cursor)
    assert got == [(m.id, {"correction"})]
    changes, _ = store.changes_since(cursor - 1)
    assert changes[0].mention.brand_sentiment(BRAND) == "positive"
    store.upsert_mentions([mention("1", "车机很卡", brands=(BRAND, OTHER), sentiment="negative")])
    assert feed(store, cursor)[0] == [(m.id, {"brands"})]


def test_change_feed_pages_with_limit_and_a_mention_changed_again_moves_on(store: Store) -> None:
    store.upsert_mentions([mention(str(i), f"第{i}条投诉") for i in range(5)])
    first, cursor = feed(store, 0, limit=2)
    second, cursor = feed(store, cursor, limit=2)
    read = [mid for mid, _ in first + second]
    assert len(set(read)) == 4
    again = read[0].split(":")[1]
    store.upsert_mentions([mention(again, f"第{again}条投诉", likes=7)])
    rest, cursor = feed(store, cursor, limit=2)  # the one read first comes again, last
    assert [mid for mid, _ in rest] == [*({s(str(i)) for i in range(5)} - set(read)), read[0]]
    assert feed(store, cursor, limit=2) == ([], cursor)
    assert store.changes_since(cursor, limit=0) == ([], cursor)


def reopened(store: Store) -> Store:
    """A second handle on the same data (as after a restart)."""
    prefix = getattr(store, "prefix", None)
    return open_store(store.url, **({"index_prefix": prefix} if prefix else {}))


def test_change_feed_cursor_survives_reopening_the_store(store: Store) -> None:
    store.upsert_mentions([mention("1", "刹车异响"), mention("2", "屏幕绿线")])
    _, cursor = feed(store)
    store.set_cursor("alerts:engine", {"feed": cursor})
    with reopened(store) as again:
        kept = again.get_cursor("alerts:engine")
        assert kept == {"feed": cursor}
        assert feed(again, kept["feed"]) == ([], cursor)
        again.upsert_mentions([mention("3", "客服不理人")])
    got, _ = feed(store, cursor)
    assert got == [(s("3"), {"new"})]


# -- backend differences found in review -------------------------------------------------


def test_unknown_sort_is_an_error_naming_the_choices(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.upsert_mentions([mention("1", "刹车异响")])
    choices = "use 'time', 'relevance', 'reach' or 'oldest'"
    with pytest.raises(StoreError, match=f"unknown sort 'newest': {choices}"):
        store.search(SearchRequest(sort="newest"))
    # the choices are index.base.STORE_SORTS, not a second list beside it
    monkeypatch.setattr("index.base.STORE_SORTS", (*STORE_SORTS, "shortest"))
    with pytest.raises(StoreError, match=r"'reach', 'oldest' or 'shortest'$"):
        store.search(SearchRequest(sort="newest"))


def test_list_cases_with_no_status_lists_nothing(store: Store) -> None:
    store.save_case(case("c1"))
    assert store.list_cases(status=[]) == []
    assert [c.id for c in store.list_cases(status=None)] == ["c1"]


# -- cases ---------------------------------------------------------------------------


def case(cid: str, **kw: Any) -> Case:
    data: dict[str, Any] = {
        "id": cid,
        "brand": BRAND,
        "rule": "negative_surge",
        "title": f"{BRAND} 漏油投诉激增",
        "opened_at": NOW,
        "updated_at": NOW,
    }
    data.update(kw)
    return Case.model_validate(data)


def test_cases_save_get_list(store: Store) -> None:
    store.save_case(case("c1", opened_at=NOW - timedelta(hours=2), evidence=["weibo-search:1"]))
    store.save_case(case("c2", opened_at=NOW - timedelta(hours=1), brand=OTHER, severity="P1"))
    store.save_case(case("c3", opened_at=NOW, status="closed"))
    got = store.get_case("c1")
    assert got is not None and got.evidence == ["weibo-search:1"] and got.brand == BRAND
    assert store.get_case("nope") is None
    assert [c.id for c in store.list_cases()] == ["c3", "c2", "c1"]
    assert [c.id for c in store.list_cases(status=["open", "acknowledged"])] == ["c2", "c1"]
    assert [c.id for c in store.list_cases(brand=BRAND)] == ["c3", "c1"]
    assert [c.id for c in store.list_cases(limit=1)] == ["c3"]
    updated = got.model_copy(update={"status": CaseStatus.acknowledged, "acknowledged_by": "alice"})
    store.save_case(updated)
    again = store.get_case("c1")
    assert again is not None and again.status == "acknowledged"
    assert again.acknowledged_by == "alice"
    assert len(store.list_cases()) == 3


def test_a_closed_case_keeps_its_trigger_and_title_as_saved(store: Store) -> None:
    """The rule a case's title named when it was resolved (``title_rule``) and the figures
    under it come back as saved: pages show a closed case by them (alerts.messages)."""
    rules = {
        "negative_surge": {"stories": 40, "severity": "P1", "fired_at": NOW.isoformat()},
        "high_reach": {"followers": 3_280_000, "severity": "P2", "fired_at": NOW.isoformat()},
    }
    trigger = {"rules": rules, "title_rule": "negative_surge", "reopens": 1}
    store.save_case(case("c1", status="closed", trigger=trigger, closed_at=NOW))
    got = store.get_case("c1")
    assert got is not None and got.trigger == trigger and got.title == f"{BRAND} 漏油投诉激增"
    [listed] = store.list_cases(status=["closed"])
    assert listed.trigger == trigger


def test_case_events_are_appended_in_order(store: Store) -> None:
    store.save_case(case("c1"))
    store.save_case(case("c2"))
    kinds = ["alerted", "escalated", "acknowledged", "note"]
    seqs = [
        store.append_case_event(
            CaseEvent(case_id="c1", kind=k, at=NOW + timedelta(minutes=i), text=f"第{i}步")
        ).seq
        for i, k in enumerate(kinds)
    ]
    assert seqs == [1, 2, 3, 4]
    other = store.append_case_event(CaseEvent(case_id="c2", kind="alerted", data={"n": 5}))
    assert other.seq == 1
    events = store.case_events("c1")
    assert [(e.seq, e.kind) for e in events] == list(zip([1, 2, 3, 4], kinds, strict=True))
    assert events[3].text == "第3步" and events[0].at == NOW
    assert store.case_events("c2")[0].data == {"n": 5}
    assert store.case_events("none") == []


# -- cursors, health, crawl runs ------------------------------------------------------


def test_cursors(store: Store) -> None:
    assert store.get_cursor("weibo-search") is None
    store.set_cursor("weibo-search", {"page": 3, "since_id": "49"})
    store.set_cursor("weibo-search", {"page": 4, "since_id": "51", "seen": ["a", "b"]})
    store.set_cursor("tieba-car", {"pn": 50})
    assert store.get_cursor("weibo-search") == {"page": 4, "since_id": "51", "seen": ["a", "b"]}
    assert store.get_cursor("tieba-car") == {"pn": 50}


def test_source_health(store: Store) -> None:
    assert store.get_source_health() == []
    store.set_source_health(SourceHealth(source="weibo-search", state="ok", since=NOW))
    store.set_source_health(
        SourceHealth(
            source="tieba-car",
            state="paused",
            reason="captcha",
            since=NOW,
            paused_until=NOW + timedelta(hours=1),
            detail={"url": "https://example.test/verify", "status": 302},
        )
    )
    store.set_source_health(SourceHealth(source="weibo-search", state="failing", reason="http_429"))
    by_source = {h.source: h for h in store.get_source_health()}
    assert set(by_source) == {"weibo-search", "tieba-car"}
    assert by_source["weibo-search"].state == "failing"
    assert by_source["weibo-search"].reason == "http_429"
    paused = store.get_source_health("tieba-car")
    assert len(paused) == 1
    assert paused[0].paused_until == NOW + timedelta(hours=1)
    assert paused[0].since == NOW
    assert paused[0].detail == {"url": "https://example.test/verify", "status": 302}
    assert store.get_source_health("unknown") == []


def test_crawl_runs_newest_first(store: Store) -> None:
    for i in range(4):
        store.record_crawl_run(
            "weibo-search",
            {
                "pages": i,
                "items_new": 10 * i,
                "finished_at": (NOW + timedelta(minutes=i)).isoformat(),
            },
        )
    store.record_crawl_run("tieba-car", {"pages": 9, "errors": ["HTTP 500 on page 2"]})
    runs = store.crawl_runs("weibo-search")
    assert [r["pages"] for r in runs] == [3, 2, 1, 0]
    assert all(r["source"] == "weibo-search" for r in runs)
    assert runs[0]["items_new"] == 30
    assert [r["pages"] for r in store.crawl_runs("weibo-search", limit=2)] == [3, 2]
    everything = store.crawl_runs()
    assert len(everything) == 5 and everything[0]["source"] == "tieba-car"
    assert everything[0]["errors"] == ["HTTP 500 on page 2"]


# -- notification outbox ---------------------------------------------------------------


def note(key: str, **kw: Any) -> Notification:
    return Notification(
        key=key,
        channel="#crisis",
        payload={"text": f"案件 {key}", "blocks": [{"type": "section"}]},
        case_id="c1",
        created_at=kw.pop("created_at", NOW),
        **kw,
    )


def test_outbox_enqueue_is_idempotent_by_key(store: Store) -> None:
    assert store.enqueue_notification(note("c1:alert")) is True
    assert store.enqueue_notification(note("c1:alert")) is False
    dupe = Notification(key="c1:alert", channel="#other", payload={"text": "changed"})
    assert store.enqueue_notification(dupe) is False
    got = store.get_notification("c1:alert")
    assert got is not None
    assert got.channel == "#crisis" and got.payload["text"] == "案件 c1:alert"
    assert got.case_id == "c1" and got.attempts == 0 and got.delivered_at is None
    assert store.get_notification("nope") is None


def test_outbox_due_delivered_failed_and_retry(store: Store) -> None:
    store.enqueue_notification(note("a", created_at=NOW - timedelta(minutes=3)))
    store.enqueue_notification(note("b", created_at=NOW - timedelta(minutes=2)))
    store.enqueue_notification(
        note(
            "later", created_at=NOW - timedelta(minutes=1), next_attempt_at=NOW + timedelta(hours=1)
        )
    )
    assert [n.key for n in store.due_notifications(NOW)] == ["a", "b"]
    assert [n.key for n in store.due_notifications(NOW, limit=1)] == ["a"]

    store.mark_notification_failed("a", "slack: ratelimited", retry_at=NOW + timedelta(minutes=5))
    failed = store.get_notification("a")
    assert failed is not None
    assert failed.attempts == 1 and failed.last_error == "slack: ratelimited"
    assert failed.next_attempt_at == NOW + timedelta(minutes=5)
    assert [n.key for n in store.due_notifications(NOW)] == ["b"]
    assert [n.key for n in store.due_notifications(NOW + timedelta(minutes=6))] == ["a", "b"]

    store.mark_notification_delivered("b", NOW, result={"ts": "1700000000.0001", "channel": "C1"})
    done = store.get_notification("b")
    assert done is not None and done.delivered_at == NOW
    assert done.result == {"ts": "1700000000.0001", "channel": "C1"}
    assert [n.key for n in store.due_notifications(NOW + timedelta(hours=2))] == ["a", "later"]
    assert store.enqueue_notification(note("b")) is False  # delivered keys stay taken


def test_count_mentions(store: Store) -> None:
    assert store.count_mentions() == 0
    store.upsert_mentions([mention(str(i), "好") for i in range(7)])
    assert store.count_mentions() == 7


# -- sentiment toward each brand, and people's corrections -----------------------------


@pytest.fixture
def rivals(store: Store) -> Store:
    """``both`` praises BRAND and attacks OTHER (document label neutral); ``old`` was
    scored before per-brand sentiment (document label only, two brands)."""
    store.upsert_mentions(
        [
            mention(
                "both",
                "极光的售后很好，星河的屏幕太烂了",
                brands=(BRAND, OTHER),
                sentiment="neutral",
                toward={BRAND: "positive", OTHER: "negative"},
                author="对比党",
                published=NOW - timedelta(minutes=90),
            ),
            mention("old", "两家都一般", brands=(BRAND, OTHER), sentiment="neutral"),
            mention("plain", "极光刹车失灵", sentiment="negative", author="对比党"),
            mention("nobrand", "今天天气不好", brands=(), sentiment="negative"),
        ]
    )
    return store


def labels(store: Store, **kw: Any) -> dict[str, int]:
    return store.search(SearchRequest(limit=1, **kw)).facets["sentiment"]


def hourly(store: Store, brand: str | None = None) -> dict[tuple[str, str], int]:
    buckets = store.count_buckets(NOW - timedelta(days=1), NOW, 86_400, brand=brand)
    out: dict[tuple[str, str], int] = {}
    for b in buckets:
        out[(b.brand, b.sentiment)] = out.get((b.brand, b.sentiment), 0) + b.count
    return out


def test_sentiment_filter_applies_to_the_brand_filtered(rivals: Store) -> None:
    both, old, plain, nobrand = s("both"), s("old"), s("plain"), s("nobrand")
    assert search(rivals, f"brand:{BRAND} sentiment:negative") == [plain]
    assert search(rivals, f"brand:{OTHER} sentiment:negative") == [both]
    assert search(rivals, "", brand=OTHER, sentiment="negative") == [both]
    assert search(rivals, "sentiment:negative", brand=BRAND) == [plain]
    assert search(rivals, f"brand:{BRAND} sentiment:positive") == [both]
    assert search(rivals, f"brand:{OTHER} sentiment:neutral") == [old]
    # without a brand filter: toward any brand (no brands: the document's own label)
    assert search(rivals, "sentiment:negative") == sorted([both, plain, nobrand])
    assert search(rivals, "sentiment:positive") == [both]
    assert search(rivals, "sentiment:neutral") == [old]  # both is neutral only as a whole
    assert search(rivals, "屏幕 sentiment:negative") == [both]
    assert search(rivals, f"(brand:{OTHER} sentiment:negative) OR 刹车") == sorted([both, plain])


def test_sentiment_facet_agrees_with_the_filter(rivals: Store) -> None:
    for brand in (BRAND, OTHER, None):
        query = f"brand:{brand}" if brand else ""
        facet = labels(rivals, query=query)
        for label in ("negative", "neutral", "positive"):
            found = len(search(rivals, f"{query} sentiment:{label}".strip()))
            assert facet.get(label, 0) == found, (brand, label)
    assert labels(rivals, brand=OTHER) == {"negative": 1, "neutral": 1}
    assert labels(rivals, query=f"brand:{BRAND}") == {"positive": 1, "neutral": 1, "negative": 1}
    # every brand: a mention counts once under each distinct label toward its brands
    assert labels(rivals) == {"negative": 3, "positive": 1, "neutral": 1}


def test_buckets_and_top_authors_count_the_label_toward_each_brand(rivals: Store) -> None:
    assert hourly(rivals) == {
        (BRAND, "positive"): 1,
        (BRAND, "neutral"): 1,
        (BRAND, "negative"): 1,
        (OTHER, "negative"): 1,
        (OTHER, "neutral"): 1,
    }
    assert hourly(rivals, OTHER) == {(OTHER, "negative"): 1, (OTHER, "neutral"): 1}
    window = (NOW - timedelta(days=1), NOW)
    by_name = {a["name"]: a for a in rivals.top_authors(BRAND, *window)}
    assert by_name["对比党"]["mentions"] == 2 and by_name["对比党"]["negative"] == 1
    by_name = {a["name"]: a for a in rivals.top_authors(OTHER, *window)}
    assert by_name["对比党"]["negative"] == 1
    by_name = {a["name"]: a for a in rivals.top_authors(None, *window)}
    assert by_name["对比党"]["negative"] == 2


def test_mention_reports_the_effective_sentiment_toward_each_brand(rivals: Store) -> None:
    both = rivals.get_mention(s("both"))
    assert both is not None
    assert both.brand_sentiment(BRAND) == "positive" and both.brand_sentiment(OTHER) == "negative"
    assert both.sentiment is not None and both.sentiment.label == "neutral"
    old = rivals.get_mention(s("old"))
    assert old is not None and old.brand_sentiment(OTHER) == "neutral"  # the document's
    assert old.brand_sentiment("无关品牌") is None


def test_a_correction_wins_everywhere_at_once(rivals: Store) -> None:
    at = NOW - timedelta(minutes=5)
    got = rivals.correct_sentiment(s("both"), OTHER, "neutral", actor="alice", at=at)
    match = next(b for b in got.brands if b.brand == OTHER)
    assert match.correction is not None
    assert (match.correction.label, match.correction.by, match.correction.at) == (
        "neutral",
        "alice",
        at,
    )
    assert match.sentiment is not None and match.sentiment.label == "negative"  # the model's
    assert got.brand_sentiment(OTHER) == "neutral"
    stored = rivals.get_mention(s("both"))
    assert stored is not None and stored.brand_sentiment(OTHER) == "neutral"
    assert search(rivals, f"brand:{OTHER} sentiment:negative") == []
    assert search(rivals, f"brand:{OTHER} sentiment:neutral") == sorted([s("both"), s("old")])
    assert search(rivals, "sentiment:negative") == sorted([s("plain"), s("nobrand")])
    assert labels(rivals, brand=OTHER) == {"neutral": 2}
    assert labels(rivals) == {"negative": 2, "positive": 1, "neutral": 2}
    assert hourly(rivals, OTHER) == {(OTHER, "neutral"): 2}
    window = (NOW - timedelta(days=1), NOW)
    negative = {a["name"]: a["negative"] for a in rivals.top_authors(OTHER, *window)}
    assert negative == {"对比党": 0, "张三": 0}
    # the corrected brand of a mention without per-brand scores
    rivals.correct_sentiment(s("old"), BRAND, "negative", actor="bob")
    assert search(rivals, f"brand:{BRAND} sentiment:negative") == sorted([s("old"), s("plain")])
    assert search(rivals, f"brand:{OTHER} sentiment:neutral") == sorted([s("both"), s("old")])


def test_a_correction_survives_a_recrawl_and_clearing_restores_the_model(rivals: Store) -> None:
    rivals.mark_handled(s("both"), by="carol")
    rivals.correct_sentiment(s("both"), OTHER, "positive", actor="alice")
    recrawled = mention(
        "both",
        "极光的售后很好，星河的屏幕太烂了",
        brands=(BRAND, OTHER, "飞鱼外卖"),
        sentiment="neutral",
        toward={BRAND: "neutral", OTHER: "negative", "飞鱼外卖": "negative"},
        author="对比党",
        published=NOW - timedelta(minutes=90),
        likes=50,
    )
    assert rivals.upsert_mentions([recrawled]).updated == 1
    got = rivals.get_mention(s("both"))
    assert got is not None and got.handled and got.engagement.likes == 50
    by_brand = {b.brand: b for b in got.brands}
    assert by_brand[OTHER].correction is not None and by_brand[OTHER].correction.by == "alice"
    assert by_brand[OTHER].sentiment is not None and by_brand[OTHER].sentiment.label == "negative"
    assert by_brand[BRAND].correction is None and got.brand_sentiment(BRAND) == "neutral"
    assert by_brand["飞鱼外卖"].correction is None  # new on this crawl: uncorrected
    assert got.brand_sentiment(OTHER) == "positive"
    assert search(rivals, f"brand:{OTHER} sentiment:positive") == [s("both")]
    assert rivals.upsert_mentions([recrawled]).unchanged == 1  # the correction is no change

    cleared = rivals.correct_sentiment(s("both"), OTHER, None, actor="alice")
    assert cleared.brand_sentiment(OTHER) == "negative"
    assert all(b.correction is None for b in cleared.brands)
    assert search(rivals, f"brand:{OTHER} sentiment:negative") == [s("both")]
    assert search(rivals, f"brand:{OTHER} sentiment:positive") == []
    assert hourly(rivals, OTHER) == {(OTHER, "negative"): 1, (OTHER, "neutral"): 1}
    got = rivals.get_mention(s("both"))
    assert got is not None and got.handled  # the handling stays


def test_correct_sentiment_errors_name_the_problem(rivals: Store) -> None:
    with pytest.raises(KeyError, match="weibo-search:nope"):
        rivals.correct_sentiment("weibo-search:nope", BRAND, "negative", actor="alice")
    with pytest.raises(ValueError, match="does not name brand '飞鱼外卖'"):
        rivals.correct_sentiment(s("both"), "飞鱼外卖", "negative", actor="alice")
    with pytest.raises(ValueError, match="must be negative, neutral or positive"):
        rivals.correct_sentiment(s("both"), BRAND, "angry", actor="alice")
    got = rivals.get_mention(s("both"))
    assert got is not None and all(b.correction is None for b in got.brands)


def test_a_healthy_store_is_writable_and_intact(store: Store) -> None:
    store.upsert_mentions([mention("1", "刹车异响")])
    assert store.check_writable() is None
    assert store.check_integrity() == [] and store.check_integrity(full=True) == []
    assert store.count_mentions() == 1  # the write probe left nothing behind


def test_an_absurd_offset_or_limit_is_an_empty_or_bounded_page(store: Store) -> None:
    """Issue 16 probe 11: ?offset=100000000000000000000 was a 500 (OverflowError)."""
    store.upsert_mentions([mention("1", "刹车异响")])
    far = store.search(SearchRequest(offset=10**20))
    assert far.hits == [] and far.total == 1
    for group in (False, True):
        assert len(store.search(SearchRequest(limit=10**20, group_stories=group)).hits) == 1
