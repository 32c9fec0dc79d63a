"""The Elasticsearch backend of the Store, through the official ``elasticsearch`` client.

Layout (names in ``index/es_mappings.py``): mentions in monthly indices
``<prefix>-mentions-YYYY.MM`` (the month of ``published_at``) behind the alias
``<prefix>-mentions``; every read goes through the alias, so dropping an old month is
deleting one index (``drop_mentions_before``). Cases, case events, cursors, source
health, crawl runs and the outbox live in one small index each.

Writes use ``refresh="wait_for"``: the call returns once the next periodic refresh
(``refresh_interval``, 1 s by default) has made the documents searchable. The contract
wants a write visible to the next read (the alert engine reads what a crawl just wrote,
the web UI re-lists after "mark handled"), and unlike ``refresh=true`` this does not
force a tiny Lucene segment per request, so indexing keeps its throughput. An
``upsert_mentions`` call of many bulk requests waits only on its last one (a refresh
covers every earlier write of the shard). Back-fills can pass
``wait_for_refresh=False`` and call ``refresh()`` once at the end.

The change feed (``changes_since``) numbers each material write of a mention from one
counter document: see feed.py.

Connection failures become ``StoreUnavailable`` naming the URL; every mention is
written with one atomic update, so a failed request leaves whole documents or nothing,
and retrying an upsert is safe (it is idempotent by id).

The package, by concern (each part a mixin on ``ElasticBase``, combined in store.py):
client.py (transport, errors, limits), documents.py (a mention as a document),
base.py (client, names, setup, mapping upgrades, checks), mentions.py (upserts, reads,
handling, notes, corrections), feed.py (the change feed), search.py (search, stories),
analytics.py (counts, top authors and terms, near duplicates), cases.py, crawl.py
(cursors, source health, crawl runs), outbox.py (notification outbox).
"""

from index.elastic.client import _ANY_INDEX
from index.elastic.documents import _mention_doc, _mention_from_source
from index.elastic.store import ElasticStore

__all__ = ["_ANY_INDEX", "ElasticStore", "_mention_doc", "_mention_from_source"]
