"""The daily digest's figures on every backend (SQLite always, Elasticsearch when
RADAR_ES_URL is set: ``.ci/with-es-standin``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alerts.engine import AlertEngine
from index.base import SearchRequest, Store
from tests.alerts.conftest import make_config
from tests.index.conftest import store  # noqa: F401  (both backends)
from tests.index.test_store_contract import BRAND, comment, mention, s

UNTIL = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)  # 11-21 00:00 in Shanghai
DAY = UNTIL - timedelta(days=1)
UTC_NOW = UNTIL + timedelta(minutes=20)


def test_the_digest_counts_each_story_of_the_day_once(store: Store) -> None:  # noqa: F811
    """The digest summed count_buckets' hourly stories: a story with mentions in 3 hours
    counted 3 times (the demo's day: 3,511 for 3,123 distinct), and a post of the day
    before whose comments are the day's only mentions counted none (the overview: 1).
    It now counts the day's distinct stories as the overview, the brief and the search
    page do (a grouped search: a comment is in its post's story); count_buckets, the
    alert baselines' new stories per hour, keeps its meaning."""
    spring = ("清泉乳业",)
    old = mention("old", "清泉乳业 新包装", brands=spring, published=DAY - timedelta(hours=3))
    store.upsert_mentions(
        [
            mention("p", "极光汽车 车机黑屏", published=DAY + timedelta(hours=1)),
            mention("rp", "转发 车机黑屏", published=DAY + timedelta(hours=3), repost_of=s("p"),
                    cluster_id=s("p")),
            mention("cp", "极光汽车 车机黑屏！", published=DAY + timedelta(hours=6),
                    repost_of=s("p"), cluster_id=s("p")),
            comment("c", s("p"), published=DAY + timedelta(hours=7)),
            old,
            *[comment(f"q{i}", old.id, brands=spring, published=DAY + timedelta(hours=i))
              for i in range(3)],
        ]
    )  # fmt: skip
    digest = AlertEngine(make_config(), store, pull=False).daily_digest(UTC_NOW, queue=False)
    aurora, quan = digest["brands"][BRAND], digest["brands"]["清泉乳业"]
    assert (aurora["mentions"], aurora["stories"]) == (4, 1)
    assert (quan["mentions"], quan["stories"]) == (3, 1)
    assert (quan["previous"]["mentions"], quan["previous"]["stories"]) == (1, 1)
    for brand, row in ((BRAND, aurora), ("清泉乳业", quan)):  # the overview's count
        grouped = SearchRequest(brand=brand, since=DAY, until=UNTIL, group_stories=True)
        assert store.search(grouped).stories == row["stories"]
    # the alert baselines' hourly new stories are as before: one an hour it has a post in
    hourly = store.count_buckets(DAY, UNTIL, 3600, brand=BRAND)
    assert [(b.start - DAY, b.stories) for b in hourly] == [
        (timedelta(hours=h), n) for h, n in ((1, 1), (3, 1), (6, 1), (7, 0))
    ]
    assert sum(b.stories for b in store.count_buckets(DAY, UNTIL, 3600, brand="清泉乳业")) == 0
