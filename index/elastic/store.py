"""``ElasticStore``: the Store on Elasticsearch, the parts of this package combined."""

from __future__ import annotations

from index.elastic.analytics import ElasticAnalytics
from index.elastic.cases import ElasticCases
from index.elastic.crawl import ElasticCrawlState
from index.elastic.feed import ElasticChangeFeed
from index.elastic.mentions import ElasticMentions
from index.elastic.outbox import ElasticOutbox
from index.elastic.search import ElasticMentionSearch


class ElasticStore(
    ElasticMentions,
    ElasticChangeFeed,
    ElasticMentionSearch,
    ElasticAnalytics,
    ElasticCases,
    ElasticCrawlState,
    ElasticOutbox,
):
    """Store on an Elasticsearch 8.x/9.x cluster. Index names start with ``index_prefix``.

    Nothing touches the network until the first call; the first call installs the index
    template and creates the small indices (idempotent, safe from several processes).
    """
