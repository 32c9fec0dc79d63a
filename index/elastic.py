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

The change feed (``changes_since``): each material write of a mention (index/changes.py)
stores a sequence number in its indexed ``change_seq`` field, and readers page through
``change_seq`` in order. The numbers come from one counter document (``<prefix>-feed``,
id ``mentions``): a writer reserves a block for a bulk request with an update
conditional on the counter's ``_seq_no`` (optimistic concurrency: a writer that loses
the race reads the counter again), and the block stays listed there as *open* until its
documents are readable, when the writer removes it. A reader never passes the first
open block, so a slow writer's numbers are not skipped because a faster writer's larger
ones became searchable first; nothing depends on when a refresh happens. A block is
leased for ``FEED_LEASE``: a writer that dies mid-write holds readers back that long at
most (its documents, if any were written, are readable by then). Time-based numbers
would need no counter but would let a reader pass a write still in flight, or hold
every reader back by a guessed margin. The counter costs two small requests per bulk
request (a get is real-time, so neither needs a refresh).

Connection failures become ``StoreUnavailable`` naming the URL; every mention is
written with one atomic update, so a failed request leaves whole documents or nothing,
and retrying an upsert is safe (it is idempotent by id).
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import urlparse, urlunparse

from elastic_transport import Transport
from elasticsearch import (
    ApiError,
    AuthenticationException,
    AuthorizationException,
    BadRequestError,
    ConflictError,
    Elasticsearch,
    NotFoundError,
    TransportError,
)
from elasticsearch import __versionstr__ as client_version
from pydantic import ValidationError

from index import es_mappings as maps
from index.base import (
    MOST_NEGATIVE_FIRST,
    Bucket,
    Notification,
    SearchHit,
    SearchRequest,
    SearchResult,
    SourceHealth,
    Store,
    StoreError,
    StoreUnavailable,
    UpsertResult,
    checked_sort,
    paging,
)
from index.changes import CORRECTION, NEW, Change, changed_fields
from index.dedupe import renamed_case_stories, renamed_stories, unlinked_comment_stories
from index.es_query import (
    FACETS,
    LABELS,
    brand_label,
    highlight_body,
    node_query,
    request_filters,
    snippet,
)
from index.es_query import es_date as _iso
from index.models import (
    Case,
    CaseEvent,
    Mention,
    SentimentCorrection,
    SentimentLabel,
    as_utc,
    utcnow,
)
from index.query import filtered_brand, parse_query, with_filters
from index.text import fold_chinese, has_traditional, text_or_title_snippet, top_words

T = TypeVar("T")

CLIENT_MAJOR = int(client_version.split(".")[0])

BULK_CHUNK = 500  # mentions per bulk request
MAX_READ_BATCH = 1000  # ids per lookup request
MAX_RESULT_WINDOW = 10_000  # index.max_result_window default: from + size may not pass it
# stories ranked by reach are the buckets of a terms aggregation: a page past this many
# stories is empty (a person pages through the first few hundred at most)
MAX_STORY_PAGE = 10_000
STORY_PRECISION = 40_000  # cardinality counts of stories are exact below this many
MAX_BUCKETS_PER_REQUEST = 20_000  # count_buckets slices its window to stay under this
TOP_TERMS_SAMPLE = 2_000  # newest mentions segmented per top_terms call (as on SQLite)
FEED_LEASE = timedelta(minutes=5)  # a reserved block of change numbers holds readers back
FEED_COUNTER = "mentions"  # id of the counter document in the feed index
_PREFIX_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,100}$")
# the parts of a mention that care staff own: a re-crawl never overwrites them
CARE_FIELDS = ("handled", "handled_by", "handled_at", "notes")


class _CompatTransport(Transport):
    """Lets the 9.x client talk to an 8.x cluster: the client marks every request
    ``compatible-with=<client major>``, which an 8.x server refuses; once the server's
    major version is known, the marker is rewritten to it (REST API compatibility)."""

    server_major: int | None = None

    def perform_request(self, method: str, target: str, **kwargs: Any) -> Any:
        headers = kwargs.get("headers")
        if self.server_major is not None and headers:
            marker = f"compatible-with={self.server_major}"
            kwargs["headers"] = {
                k: re.sub(r"compatible-with=\d+", marker, v) if isinstance(v, str) else v
                for k, v in dict(headers).items()
            }
        return super().perform_request(method, target, **kwargs)


def _public_url(url: str) -> str:
    """The URL without a password, for error messages and ``store.url``."""
    parts = urlparse(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunparse(parts._replace(netloc=netloc))


def _es_error(err: ApiError) -> str:
    info = err.info if isinstance(err.info, dict) else {}
    cause = info.get("error", {})
    if isinstance(cause, dict):
        return f"{err.meta.status} {cause.get('type', '')}: {cause.get('reason', '')}".strip()
    return f"{err.meta.status} {err.message}"


def _guarded(method: Callable[..., T]) -> Callable[..., T]:
    """Turn client errors into StoreUnavailable / StoreError naming the cluster URL."""

    @functools.wraps(method)
    def wrapper(self: ElasticStore, *args: Any, **kwargs: Any) -> T:
        try:
            return method(self, *args, **kwargs)
        except TransportError as err:  # connection refused, timeout, TLS, DNS
            raise StoreUnavailable(
                f"Elasticsearch at {self.url} is unreachable ({type(err).__name__}: {err}); "
                "retry later (every document is written whole or not at all, and upserts "
                "are idempotent by id)"
            ) from err
        except (AuthenticationException, AuthorizationException) as err:
            raise StoreError(
                f"Elasticsearch at {self.url} refused the credentials: {_es_error(err)} "
                "(check store.username/password/api_key)"
            ) from err
        except ApiError as err:
            raise StoreError(
                f"Elasticsearch at {self.url} failed {method.__name__}: {_es_error(err)}"
            ) from err

    return wrapper


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


_ANY_INDEX: dict[str, Any] = {
    "ignore_unavailable": True,
    "allow_no_indices": True,
}  # none yet: no hits
NEAR_PAGE = 500  # near-duplicate candidates per page, oldest first
NEAR_SORT = [{"published_at": "asc"}, {"id": "asc"}]
NEAR_MSEARCH = 100  # near-duplicate lookups per _msearch request


def simhash_bands(simhash: int) -> list[int]:
    """The four 16-bit bands of a 64-bit simhash, lowest first. Two hashes within 3 bits
    share at least one band (pigeonhole), so a terms query on the bands finds every
    candidate and the exact Hamming distance is checked on the client."""
    return [(simhash >> (16 * i)) & 0xFFFF for i in range(maps.SIMHASH_BANDS)]


def _mention_doc(mention: Mention) -> dict[str, Any]:
    doc = mention.model_dump(mode="json", warnings=False)
    doc["simhash"] = None if mention.simhash is None else str(mention.simhash)
    doc["brand_names"] = mention.brand_names
    doc["sentiment_label"] = mention.sentiment.label.value if mention.sentiment else ""
    doc.update(_sentiment_fields(mention))
    doc["brand_keys"] = [fold_chinese(b) for b in mention.brand_names]
    doc["folded_title"] = fold_chinese(mention.title) if has_traditional(mention.title) else None
    doc["folded_text"] = fold_chinese(mention.text) if has_traditional(mention.text) else None
    doc["story"] = mention.cluster_id or mention.id
    doc["author_key"] = mention.author.id or mention.author.name
    doc["reach"] = mention.reach
    doc["engagement_total"] = mention.engagement.total
    bands = simhash_bands(mention.simhash) if mention.simhash is not None else [None] * 4
    doc.update(zip(maps.BAND_FIELDS, bands, strict=True))
    return doc


def _snippet(hit: dict[str, Any], mention: Mention, terms: list[str]) -> str:
    """The server's highlight; for a document holding traditional characters, which the
    folded query matched in its folded copy, the same marks made here on its own text."""
    source = hit["_source"]
    if terms and (source.get("folded_text") or source.get("folded_title")):
        return text_or_title_snippet(mention.text, mention.title, terms)
    return snippet(hit.get("highlight", {}))


def _sentiment_fields(mention: Mention) -> dict[str, Any]:
    """The derived fields of the effective sentiment toward each brand (a correction
    wins over the model's label toward the brand, which wins over the document's)."""
    labels = mention.brand_labels
    return {
        "brand_sentiment": [brand_label(b, label) for b, label in labels.items()],
        "brand_sentiment_keys": [
            brand_label(fold_chinese(b), label) for b, label in labels.items()
        ],
        "sentiment_labels": mention.sentiment_labels or [""],
    }


def _corrections(source: dict[str, Any]) -> dict[str, SentimentCorrection]:
    """brand -> correction, from the ``brands`` of a stored document."""
    found: dict[str, SentimentCorrection] = {}
    for match in source.get("brands") or []:
        if match.get("correction"):
            correction = SentimentCorrection.model_validate(match["correction"])
            found.setdefault(match["brand"], correction)
    return found


@dataclass
class _Placed:
    """Where a mention of an upsert call is stored and the corrections it has there."""

    index: str
    corrections: dict[str, SentimentCorrection]
    version: tuple[int, int] | None = None  # (seq_no, primary_term) as read; None: new
    stored: dict[str, Any] | None = None  # the document as stored (None: new), to compare


def _what(doc: dict[str, Any], stored: dict[str, Any] | None) -> frozenset[str]:
    """What writing ``doc`` (a ``_mention_doc``) over ``stored`` changes; empty: nothing."""
    if stored is None:
        return frozenset({NEW})
    new = {k: v for k, v in doc.items() if k not in _NOT_STORED}
    old = {k: v for k, v in stored.items() if k not in _NOT_STORED}
    return changed_fields(new, old)


_NOT_STORED = maps.DERIVED_MENTION_FIELDS | maps.FEED_FIELDS


def _mention_from_source(source: dict[str, Any]) -> Mention:
    data = {k: v for k, v in source.items() if k not in _NOT_STORED}
    if data.get("simhash") is not None:
        data["simhash"] = int(data["simhash"])
    return Mention.model_validate(data)


def _batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _item_error(err: dict[str, Any]) -> str:
    reason = f"{err.get('type', 'error')}: {err.get('reason', '')}"
    if isinstance(err.get("caused_by"), dict):
        reason += f" ({err['caused_by'].get('reason', '')})"
    return reason


def _validation_reason(err: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'mention'}: {e['msg']}" for e in err.errors()
    )


class ElasticStore(Store):
    """Store on an Elasticsearch 8.x/9.x cluster. Index names start with ``index_prefix``.

    Nothing touches the network until the first call; the first call installs the index
    template and creates the small indices (idempotent, safe from several processes).
    """

    def __init__(
        self,
        url: str,
        index_prefix: str = "radar",
        username: str | None = None,
        password: str | None = None,
        api_key: str | None = None,
        verify_certs: bool = True,
        ca_certs: str | None = None,
        request_timeout: float = 30.0,
        max_retries: int = 2,
        shards: int | None = None,
        replicas: int | None = None,
        refresh_interval: str = "1s",
        bulk_chunk: int = BULK_CHUNK,
        wait_for_refresh: bool = True,
    ):
        if not _PREFIX_RE.match(index_prefix):
            raise StoreError(
                f"index_prefix {index_prefix!r} is not a valid Elasticsearch index name "
                "prefix (lower-case letters, digits, '-', '_', '.'; not starting with '-')"
            )
        self.url = _public_url(url)
        self.prefix = index_prefix
        self.alias = f"{index_prefix}-mentions"
        self.template_name = f"{index_prefix}-mentions"
        self.bulk_chunk = bulk_chunk
        # False for bulk back-fills: mention writes return before they are searchable and
        # refresh() is called at the end (the contract's read-your-writes needs True)
        self.wait_for_refresh = wait_for_refresh
        self._shards, self._replicas, self._refresh_interval = shards, replicas, refresh_interval
        auth: dict[str, Any] = {"ca_certs": ca_certs} if ca_certs else {}
        if api_key:
            auth["api_key"] = api_key
        elif username:
            auth["basic_auth"] = (username, password or "")
        self._es = Elasticsearch(
            url,
            verify_certs=verify_certs,
            request_timeout=request_timeout,
            max_retries=max_retries,
            retry_on_timeout=True,
            transport_class=_CompatTransport,
            **auth,
        )
        self._ready = False
        self._known_indices: set[str] = set()
        self._unreleased: list[int] = []  # change-number blocks written without a refresh
        self.server_info: dict[str, Any] = {}

    # -- names and setup ------------------------------------------------------------------
    def _small(self, name: str) -> str:
        return f"{self.prefix}-{name}"

    def month_index(self, published_at: datetime) -> str:
        """The monthly index a mention published at ``published_at`` is written to."""
        at = as_utc(published_at)
        return f"{self.alias}-{at.year:04d}.{at.month:02d}"

    @property
    def es(self) -> Elasticsearch:
        """The client, set up on first use (template, small indices, version check)."""
        if not self._ready:
            self._setup()
        return self._es

    def _setup(self) -> None:
        transport = self._es.transport
        try:
            info = self._es.info().body
        except BadRequestError as err:
            # an 8.x server refuses the 9.x client's compatible-with=9: ask again as 8
            if err.error != "media_type_header_exception" or not isinstance(
                transport, _CompatTransport
            ):
                raise
            transport.server_major = 8
            info = self._es.info().body
        self.server_info = dict(info)
        number = str(info.get("version", {}).get("number", "0"))
        major = int(number.split(".")[0] or 0)
        if major < 8:
            raise StoreError(f"Elasticsearch at {self.url} is {number}; radar needs 8.x or 9.x")
        if isinstance(transport, _CompatTransport) and major < CLIENT_MAJOR:
            transport.server_major = major
        es = self._es
        es.indices.put_index_template(
            name=self.template_name,
            **maps.mentions_template(
                self.prefix, self._shards, self._replicas, self._refresh_interval
            ),
        )
        settings = maps.index_settings(self._shards, self._replicas, self._refresh_interval)
        for name, properties in maps.SMALL_INDICES.items():
            self._create_index(self._small(name), settings, maps.mappings(properties))
        # the current month exists from the start, so the read alias always resolves
        self._create_index(self.month_index(utcnow()))
        self._ready = True  # the upgrade reads through self.es
        try:
            self._upgrade_mentions()
        except BaseException:
            self._ready = False
            raise

    def _upgrade_mentions(self) -> None:
        """Bring mention indices made by an older mapping (``_meta``'s
        ``radar_mapping_version``) up to ``MENTION_MAPPING_VERSION``: put the current
        properties (adding fields is allowed on a live index), rewrite the derived fields
        of every document from its ``_source`` (an index below version 4), repair the
        story links (below 5), then record the version. Idempotent; an
        interrupted run starts over on the next start. Version 2 derives the sentiment
        toward each brand, which for an older document is its document label. Version 3
        gives every document without one a change number (the change feed starts with
        them all, as "new"). Version 5 derives nothing new: it repairs the story links
        of stored comments and of the posts linked to them (:meth:`_unlink_comment_stories`,
        over the alias once for all the older indices)."""
        es = self._es
        found = es.options(ignore_status=404).indices.get_mapping(index=f"{self.alias}-*")
        if found.meta.status != 200:
            return
        older: list[str] = []
        for index, body in sorted(found.body.items()):
            if not isinstance(body, dict) or "mappings" not in body:
                continue
            meta = body["mappings"].get("_meta") or {}
            version = meta.get("radar_mapping_version", 1)
            if version >= maps.MENTION_MAPPING_VERSION:
                continue
            older.append(index)
            es.indices.put_mapping(index=index, properties=maps.MENTION_PROPERTIES)
            if version >= 4:  # 4 -> 5 changes no derived field
                continue
            sort = [{"id": "asc"}]
            leases: list[int] = []
            for hits in self._pages(index, {"match_all": {}}, sort, 500, seq_no_primary_term=True):
                body_ops: list[dict[str, Any]] = []
                unnumbered = [h for h in hits if "change_seq" not in h["_source"]]
                first = self._reserve(len(unnumbered)) if unnumbered else 0
                if unnumbered:
                    leases.append(first)
                numbers = {h["_id"]: first + k for k, h in enumerate(unnumbered)}
                for hit in hits:
                    doc = _mention_doc(_mention_from_source(hit["_source"]))
                    meta_op = {"_index": index, "_id": hit["_id"]}
                    meta_op.update(if_seq_no=hit["_seq_no"], if_primary_term=hit["_primary_term"])
                    derived = {k: v for k, v in doc.items() if k in maps.DERIVED_MENTION_FIELDS}
                    if hit["_id"] in numbers:
                        derived.update(change_seq=numbers[hit["_id"]], change_what=[NEW])
                    body_ops += [{"update": meta_op}, {"doc": derived}]
                # a conflict means a newer write, which derived its fields itself
                es.bulk(operations=body_ops, refresh=False)
            es.indices.refresh(index=index)
            self._release(leases)
        if older:
            self._unlink_comment_stories()
        for index in older:
            es.indices.put_mapping(
                index=index, meta={"radar_mapping_version": maps.MENTION_MAPPING_VERSION}
            )

    def _unlink_comment_stories(self) -> int:
        """Mapping 4 -> 5: text linking made stored comments copies of a post they
        quoted and posts copies of a comment they repeated (before 1fbc05f). Every stored
        mention with ``repost_of`` is read (its links only), the mentions they name are
        asked whether they are comments, and those whose links
        ``dedupe.unlinked_comment_stories`` changes are written again as an ordinary
        update (``other`` in the change feed; handling and corrections kept, ``story``
        derived again). The stored cases that name a story the repair renames are
        rewritten first with its new name (:meth:`_rename_case_stories`: a run broken
        off after the mentions would not find the old names again). Returns how many
        mentions were rewritten; a second run finds none."""
        fields = ["id", "parent_id", "repost_of", "cluster_id"]
        linked: dict[str, tuple[bool, str, str | None]] = {}
        for hits in self._pages(
            self.alias,
            {"exists": {"field": "repost_of"}},
            [{"id": "asc"}],
            1000,
            source=fields,
            ignore_unavailable=True,
            allow_no_indices=True,
        ):
            for hit in hits:
                doc = hit["_source"]
                if doc.get("repost_of"):
                    linked[doc["id"]] = (
                        doc.get("parent_id") is not None,
                        doc["repost_of"],
                        doc.get("cluster_id"),
                    )
        named = {v for _, target, cluster in linked.values() for v in (target, cluster) if v}
        comments = {
            hit["_id"]: hit["_source"].get("parent_id") is not None
            for chunk in _chunks(sorted(named - set(linked)), MAX_READ_BATCH)
            for hit in self._search_ids(chunk, source={"includes": ["parent_id"]})
        }
        links = unlinked_comment_stories(linked, comments)
        if not links:
            return 0
        self._rename_case_stories(renamed_stories(linked, comments, links))
        batch = [
            m.model_copy(update=dict(zip(("repost_of", "cluster_id"), links[m.id], strict=True)))
            for m in self.get_mentions(sorted(links))
        ]
        result = self.upsert_mentions(batch)
        if not self.wait_for_refresh:
            self.refresh()
        return result.updated

    def _rename_case_stories(self, renamed: dict[str, str]) -> int:
        """Mapping 4 -> 5, before the mentions' repair: the cases whose trigger names a
        story named after a comment (``renamed``: old id -> new, dedupe.renamed_stories)
        name it as it is now (dedupe.renamed_case_stories), so the engine's findings
        after the repair are not news to them. Written conditionally on the version read
        (a case saved meanwhile is left as its writer saved it). Returns how many cases
        were rewritten."""
        if not renamed:
            return 0
        index = self._small("cases")
        changed = 0
        for hits in self._pages(
            index, {"match_all": {}}, [{"id": "asc"}], 500, seq_no_primary_term=True
        ):
            ops: list[dict[str, Any]] = []
            for hit in hits:
                source = hit["_source"]
                trigger = renamed_case_stories(source.get("trigger") or {}, renamed)
                if trigger != (source.get("trigger") or {}):
                    meta = {"_index": index, "_id": hit["_id"]}
                    meta.update(if_seq_no=hit["_seq_no"], if_primary_term=hit["_primary_term"])
                    ops += [{"index": meta}, {**source, "trigger": trigger}]
            if ops:
                response = self.es.bulk(operations=ops, refresh="wait_for")
                changed += sum(
                    1 for item in response["items"] if item["index"].get("status") in (200, 201)
                )
        return changed

    def _create_index(
        self,
        name: str,
        settings: dict[str, Any] | None = None,
        mappings: dict[str, Any] | None = None,
    ) -> None:
        if name in self._known_indices:
            return
        try:
            self._es.indices.create(index=name, settings=settings, mappings=mappings)
        except ApiError as err:
            if err.error != "resource_already_exists_exception":
                raise
        self._known_indices.add(name)

    @property
    def is_emulator(self) -> bool:
        """True on the noida-db ES-API stand-in used by CI (not a real cluster)."""
        if not self._ready:
            self._guarded_setup()
        info = self.server_info
        return (
            info.get("name") == "noida-db" or info.get("version", {}).get("build_hash") == "noida"
        )

    @_guarded
    def _guarded_setup(self) -> None:
        self._setup()

    @_guarded
    def drop_all(self) -> None:
        """Delete every index and the template of this prefix (tests, decommissioning)."""
        es = self._es
        names = [self._small(n) for n in maps.SMALL_INDICES]
        found = es.options(ignore_status=404).indices.get(
            index=f"{self.alias}-*", expand_wildcards="all"
        )
        if found.meta.status == 200:
            names += list(found.body)
        for chunk in _chunks(names, 50):
            es.options(ignore_status=404).indices.delete(
                index=",".join(chunk), ignore_unavailable=True
            )
        es.options(ignore_status=404).indices.delete_index_template(name=self.template_name)
        self._ready = False
        self._known_indices.clear()

    @_guarded
    def mention_indices(self) -> list[str]:
        """The monthly mention indices behind the alias, oldest first."""
        found = self.es.options(ignore_status=404).indices.get_alias(name=self.alias)
        return sorted(found.body) if found.meta.status == 200 else []

    @_guarded
    def drop_mentions_before(self, month_start: datetime) -> list[str]:
        """Delete the monthly indices of months that end on or before ``month_start``
        (e.g. keep 13 months: pass the first day of the month 12 months ago)."""
        cutoff = self.month_index(month_start)
        old = [name for name in self.mention_indices() if name < cutoff]
        if old:
            self.es.indices.delete(index=",".join(old))
            self._known_indices.difference_update(old)
        return old

    def close(self) -> None:
        self._es.close()

    # -- mentions ---------------------------------------------------------------------
    @_guarded
    def upsert_mentions(self, mentions: Iterable[Mention]) -> UpsertResult:
        """Bulk requests of ``bulk_chunk`` mentions. Only the last request of the call
        waits for a refresh (a refresh makes every earlier write of its shard visible
        too), so a large call costs one refresh wait, not one per request."""
        result = UpsertResult()
        placed: dict[str, _Placed] = {}  # mention id -> where, across the chunks of this call
        dirty: set[str] = set()  # indices written by the chunks before the last
        leases: list[int] = []  # change-number blocks reserved by this call
        previous: list[Mention] | None = None
        for chunk in _batched(self._validated(mentions, result), self.bulk_chunk):
            if previous is not None:
                dirty |= self._write_chunk(previous, result, placed, leases, wait=False)
            previous = chunk
        if previous is not None:
            covered = self._write_chunk(
                previous, result, placed, leases, wait=self.wait_for_refresh
            )
            if self.wait_for_refresh and dirty - covered:
                # written earlier in this call, untouched by the last request: make visible
                self.es.indices.refresh(index=",".join(sorted(dirty - covered)))
        if self.wait_for_refresh:
            self._release(leases)  # every write of this call is readable now
        else:
            self._unreleased += leases  # readable once refresh() has run
        return result

    @staticmethod
    def _validated(
        items: Iterable[Mention | dict[str, Any]], result: UpsertResult
    ) -> Iterator[Mention]:
        """Mentions as given; dicts are validated and a bad one is reported, not raised."""
        for item in items:
            if isinstance(item, Mention):
                yield item
                continue
            try:
                yield Mention.model_validate(item)
            except ValidationError as err:
                mid = item.get("id", "?") if isinstance(item, dict) else "?"
                result.errors.append((str(mid), _validation_reason(err)))

    def _write_chunk(
        self,
        batch: list[Mention],
        result: UpsertResult,
        placed: dict[str, _Placed],
        leases: list[int],
        wait: bool,
    ) -> set[str]:
        """One bulk request of partial updates (upsert when new) that leave the care-staff
        fields alone and keep the stored sentiment corrections. An update of a mention
        read here is conditional on the version read (a correction made meanwhile is
        read again, never overwritten). A mention with nothing material to change
        (index/changes.py) is not written; the others get change numbers from a block
        reserved here (appended to ``leases``). Returns the indices it changed."""
        es = self.es
        # a mention stays in the index it was first written to (found through the alias)
        placed.update(self._stored([m.id for m in batch if m.id not in placed]))
        for mention in batch:
            if mention.id not in placed:
                index = self.month_index(mention.published_at)
                placed[mention.id] = _Placed(index, mention.corrections)
            self._create_index(placed[mention.id].index)
        changed: set[str] = set()
        seqs: dict[int, int] = {}  # batch position -> change number
        pending = list(range(len(batch)))
        for attempt in range(4):
            body: list[dict[str, Any]] = []
            sent: list[int] = []
            docs: dict[int, dict[str, Any]] = {}
            for i in pending:
                mention, where = batch[i], placed[batch[i].id]
                full = _mention_doc(mention.keeping_corrections(where.corrections))
                what = _what(full, where.stored)
                if not what:
                    result.unchanged += 1
                    continue
                docs[i] = full
                full["change_what"] = sorted(what)
            missing = [i for i in docs if i not in seqs]
            if missing:
                first = self._reserve(len(missing))
                leases.append(first)
                seqs.update((i, first + k) for k, i in enumerate(missing))
            for i, full in docs.items():
                mention, where = batch[i], placed[batch[i].id]
                full["change_seq"] = seqs[i]
                meta: dict[str, Any] = {"_index": where.index, "_id": mention.id}
                if where.version is None:  # new, or written by an earlier chunk of this call
                    meta["retry_on_conflict"] = 3
                else:
                    meta["if_seq_no"], meta["if_primary_term"] = where.version
                partial = {k: v for k, v in full.items() if k not in CARE_FIELDS}
                body += [{"update": meta}, {"doc": partial, "upsert": full}]
                sent.append(i)
            if not sent:
                break
            pending = sent
            response = es.bulk(operations=body, refresh="wait_for" if wait else False)
            retry: list[int] = []
            busy = False
            for i, item in zip(pending, response["items"], strict=True):
                outcome = item["update"]
                mid, where = batch[i].id, placed[batch[i].id]
                if outcome.get("status") == 429 and attempt < 3:  # cluster busy: back off
                    retry.append(i)
                    busy = True
                elif outcome.get("status") == 409 and where.version is not None and attempt < 3:
                    placed[mid] = self._stored_now(mid, where.index)  # changed since read
                    retry.append(i)
                elif "error" in outcome:
                    result.errors.append((mid, _item_error(outcome["error"])))
                elif outcome.get("result") == "noop":
                    result.unchanged += 1
                else:
                    changed.add(where.index)
                    where.stored = docs[i]
                    if outcome.get("result") == "created":
                        result.new += 1
                    else:
                        result.updated += 1
            for i in pending:  # a later chunk of this call writes over this version
                if i not in retry:
                    placed[batch[i].id].version = None
            if not retry:
                break
            pending = retry
            if busy:
                time.sleep(0.5 * 2**attempt)
        return changed

    @_guarded
    def refresh(self) -> None:
        """Make every write searchable now (after writing with wait_for_refresh=False)."""
        names = [self.alias, *(self._small(n) for n in maps.SMALL_INDICES)]
        self.es.indices.refresh(index=",".join(names), ignore_unavailable=True)
        leases, self._unreleased = self._unreleased, []
        self._release(leases)

    def _stored(self, ids: Sequence[str]) -> dict[str, _Placed]:
        """mention id -> its index, corrections, version and document, for the ids
        that exist."""
        found: dict[str, _Placed] = {}
        for chunk in _chunks(list(dict.fromkeys(ids)), MAX_READ_BATCH):
            for hit in self._search_ids(chunk, seq_no=True):
                version = (hit["_seq_no"], hit["_primary_term"])
                source = hit["_source"]
                found[hit["_id"]] = _Placed(hit["_index"], _corrections(source), version, source)
        return found

    def _stored_now(self, mention_id: str, index: str) -> _Placed:
        """The latest version of one mention (a get is real-time; a search sees only what
        was refreshed)."""
        doc = self.es.get(index=index, id=mention_id)
        source = doc["_source"]
        return _Placed(index, _corrections(source), (doc["_seq_no"], doc["_primary_term"]), source)

    def _search_ids(
        self, ids: Sequence[str], source: bool | dict[str, Any] = True, seq_no: bool = False
    ) -> list[dict[str, Any]]:
        response = self.es.search(
            index=self.alias,
            query={"ids": {"values": list(ids)}},
            size=len(ids),
            source=source,
            seq_no_primary_term=seq_no or None,
            ignore_unavailable=True,
            allow_no_indices=True,
        )
        return list(response["hits"]["hits"])

    @_guarded
    def get_mention(self, mention_id: str) -> Mention | None:
        hits = self._search_ids([mention_id])
        return _mention_from_source(hits[0]["_source"]) if hits else None

    @_guarded
    def get_mentions(self, ids: Sequence[str]) -> list[Mention]:
        by_id: dict[str, Mention] = {}
        for chunk in _chunks(list(dict.fromkeys(ids)), MAX_READ_BATCH):
            for hit in self._search_ids(chunk):
                by_id[hit["_id"]] = _mention_from_source(hit["_source"])
        return [by_id[i] for i in ids if i in by_id]

    def _pages(
        self,
        index: str,
        query: dict[str, Any],
        sort: list[Any],
        size: int,
        *,
        after: list[Any] | None = None,
        **options: Any,
    ) -> Iterator[list[dict[str, Any]]]:
        """Every hit of ``query`` in ``sort`` order (which must end in a unique field),
        ``size`` at a time, continuing with search_after past what ``from + size`` allows
        (index.max_result_window); ends after the first short page. Each request is
        guarded on its own, so a caller may stop early."""
        while True:
            hits = self._search_page(index, query, sort, size, after, options)
            if hits:
                yield hits
            if len(hits) < size:
                return
            after = hits[-1]["sort"]

    @_guarded
    def _search_page(
        self,
        index: str,
        query: dict[str, Any],
        sort: list[Any],
        size: int,
        after: list[Any] | None,
        options: dict[str, Any],
    ) -> list[dict[str, Any]]:
        response = self.es.search(
            index=index,
            query=query,
            sort=sort,
            size=size,
            search_after=after,
            track_total_hits=False,
            **options,
        )
        return list(response["hits"]["hits"])

    def iter_mentions(self, batch_size: int = 1000) -> Iterator[list[Mention]]:
        sort = [{"published_at": "asc"}, {"id": "asc"}]  # oldest first
        size = min(batch_size, MAX_RESULT_WINDOW)
        for hits in self._pages(self.alias, {"match_all": {}}, sort, size, **_ANY_INDEX):
            yield [_mention_from_source(h["_source"]) for h in hits]

    def _update_checked(
        self, mention_id: str, make_doc: Callable[[dict[str, Any]], dict[str, Any]], what: str
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Read-modify-write of one mention: ``make_doc(source)`` builds the partial
        document, written only if nobody changed the mention since it was read (seq_no;
        read again and retried on conflict, so a concurrent re-crawl or note is never
        lost). Returns the source read and the document written."""
        for _ in range(10):
            hits = self._search_ids([mention_id], seq_no=True)
            if not hits:
                raise KeyError(f"no mention with id {mention_id!r}")
            hit = hits[0]
            doc = make_doc(hit["_source"])
            try:
                self.es.update(
                    index=hit["_index"],
                    id=mention_id,
                    doc=doc,
                    if_seq_no=hit["_seq_no"],
                    if_primary_term=hit["_primary_term"],
                    refresh="wait_for",
                )
            except ConflictError:
                continue
            return hit["_source"], doc
        raise StoreError(f"mention {mention_id!r} kept changing while being {what}; try again")

    def _care_update(self, mention_id: str, change: Callable[[dict[str, Any]], None]) -> Mention:
        """Change one mention's care-staff fields (``change`` edits them in place)."""

        def make_doc(source: dict[str, Any]) -> dict[str, Any]:
            doc = {k: source.get(k) for k in CARE_FIELDS}
            doc["notes"] = list(doc.get("notes") or [])
            change(doc)
            return doc

        source, doc = self._update_checked(mention_id, make_doc, "updated")
        source.update(doc)
        return _mention_from_source(source)

    @_guarded
    def mark_handled(
        self, mention_id: str, by: str, note: str = "", at: datetime | None = None
    ) -> Mention:
        now = as_utc(at) if at else utcnow()

        def change(doc: dict[str, Any]) -> None:
            doc.update(handled=True, handled_by=by, handled_at=_iso(now))
            if note:
                doc["notes"].append({"by": by, "text": note, "at": _iso(now)})

        return self._care_update(mention_id, change)

    @_guarded
    def add_mention_note(
        self, mention_id: str, by: str, text: str, at: datetime | None = None
    ) -> Mention:
        now = as_utc(at) if at else utcnow()
        return self._care_update(
            mention_id, lambda doc: doc["notes"].append({"by": by, "text": text, "at": _iso(now)})
        )

    @_guarded
    def correct_sentiment(
        self,
        mention_id: str,
        brand: str,
        label: SentimentLabel | str | None,
        actor: str,
        at: datetime | None = None,
    ) -> Mention:
        """The brands and the derived sentiment fields, read-modify-write like the
        care-staff fields (a concurrent re-crawl is read again); a change of the feed
        ("correction")."""
        seq: int | None = None
        changed: Mention | None = None

        def make_doc(source: dict[str, Any]) -> dict[str, Any]:
            nonlocal seq, changed
            changed = _mention_from_source(source).corrected(brand, label, actor, at)
            doc = {"brands": changed.model_dump(mode="json", warnings=False)["brands"]}
            doc.update(_sentiment_fields(changed))
            if seq is None:
                seq = self._reserve(1)
            doc.update(change_seq=seq, change_what=[CORRECTION])
            return doc

        try:
            self._update_checked(mention_id, make_doc, "corrected")
        finally:  # written or not, its number holds nobody back any more
            if seq is not None:
                self._release([seq])
        assert changed is not None
        return changed

    # -- change feed ------------------------------------------------------------------
    def _feed_state(self) -> tuple[dict[str, Any], tuple[int, int] | None]:
        """The counter document (real-time get) and its version; None when absent."""
        try:
            doc = self.es.get(index=self._small("feed"), id=FEED_COUNTER)
        except NotFoundError:
            return {"next": 1, "open": {}}, None
        return dict(doc["_source"]), (doc["_seq_no"], doc["_primary_term"])

    def _change_counter(self, change: Callable[[dict[str, Any], datetime], Any]) -> Any:
        """Apply ``change`` to the counter document (it edits the state in place and
        returns a value) with an update conditional on the version read; read again
        and retried when another writer got there first."""
        index = self._small("feed")
        for _ in range(100):
            state, version = self._feed_state()
            now = utcnow()
            state["open"] = {  # a lease past its expiry holds nobody back any more
                first: until
                for first, until in (state.get("open") or {}).items()
                if (_parse_dt(until) or now) > now
            }
            value = change(state, now)
            state["updated_at"] = _iso(now)
            try:
                if version is None:
                    self.es.create(index=index, id=FEED_COUNTER, document=state)
                else:
                    seq_no, term = version
                    self.es.index(
                        index=index,
                        id=FEED_COUNTER,
                        document=state,
                        if_seq_no=seq_no,
                        if_primary_term=term,
                    )
            except ConflictError:
                continue
            return value
        raise StoreUnavailable(
            f"the change-feed counter of {self.url} ({index}) kept changing under this "
            "writer; too many writers at once, try again"
        )

    def _reserve(self, n: int) -> int:
        """Reserve ``n`` consecutive change numbers, open until released; the first."""

        def take(state: dict[str, Any], now: datetime) -> int:
            first = int(state["next"])
            state["next"] = first + n
            state["open"][str(first)] = _iso(now + FEED_LEASE)
            return first

        return int(self._change_counter(take))

    def _release(self, firsts: Sequence[int]) -> None:
        """The writes of these blocks are readable: readers may pass them."""
        if not firsts:
            return

        def close(state: dict[str, Any], _now: datetime) -> None:
            for first in firsts:
                state["open"].pop(str(first), None)

        self._change_counter(close)

    @_guarded
    def changes_since(self, cursor: int = 0, limit: int = 500) -> tuple[list[Change], int]:
        """Mentions by ``change_seq`` after ``cursor`` up to the first open block (see
        the module docstring), so no write still in flight is passed."""
        state, _ = self._feed_state()
        now = utcnow()
        open_firsts = [
            int(first)
            for first, until in (state.get("open") or {}).items()
            if (_parse_dt(until) or now) > now
        ]
        horizon = min(open_firsts, default=int(state["next"])) - 1
        if horizon <= cursor or limit <= 0:
            return [], cursor
        response = self.es.search(
            index=self.alias,
            query={"range": {"change_seq": {"gt": cursor, "lte": horizon}}},
            sort=[{"change_seq": "asc"}],
            search_after=[cursor],
            size=min(limit, MAX_RESULT_WINDOW),
            track_total_hits=False,
            ignore_unavailable=True,
            allow_no_indices=True,
        )
        changes = [
            Change(
                int(hit["_source"]["change_seq"]),
                _mention_from_source(hit["_source"]),
                frozenset(hit["_source"].get("change_what") or (NEW,)),
            )
            for hit in response["hits"]["hits"]
        ]
        return changes, (changes[-1].seq if changes else cursor)

    @_guarded
    def count_mentions(self) -> int:
        response = self.es.count(index=self.alias, ignore_unavailable=True, allow_no_indices=True)
        return int(response["count"])

    @_guarded
    def check_writable(self) -> str | None:
        """A write block on any radar index (set by hand, or by the cluster when its disk
        filled: ``read_only_allow_delete``) refuses writes there."""
        settings = self.es.indices.get_settings(index=f"{self.prefix}-*", expand_wildcards="open")
        blocked = []
        for index, body in sorted(settings.body.items()):
            blocks = body.get("settings", {}).get("index", {}).get("blocks", {})
            kinds = [k for k in ("write", "read_only", "read_only_allow_delete") if
                     str(blocks.get(k, "false")).lower() == "true"]  # fmt: skip
            if kinds:
                blocked.append(f"{index} ({', '.join(kinds)})")
        return f"indices refuse writes: {'; '.join(blocked)}" if blocked else None

    @_guarded
    def check_integrity(self, full: bool = False) -> list[str]:
        """Shards the cluster cannot serve (health red: some documents are unreadable)."""
        health = self.es.cluster.health(index=f"{self.prefix}-*")
        if health["status"] == "red":
            return [f"cluster health red for {self.prefix}-*: {health['unassigned_shards']} "
                    "unassigned shards"]  # fmt: skip
        return []

    # -- search -----------------------------------------------------------------------
    @_guarded
    def search(self, request: SearchRequest) -> SearchResult:
        parsed = parse_query(request.query)
        paired = [("brand", request.brand), ("sentiment", request.sentiment)]
        tree = with_filters(parsed.tree, paired)
        must: list[dict[str, Any]] = []
        if tree is not None:
            must.append(node_query(tree))
        query = {"bool": {"must": must, "filter": request_filters(request)}}
        order = checked_sort(request)
        if order == "relevance":
            sort: list[Any] = ["_score", {"published_at": "desc"}, {"id": "desc"}]
        elif order == "reach":
            sort = [{"reach": "desc"}, {"published_at": "desc"}, {"id": "desc"}]
        else:
            sort = [{"published_at": "desc"}, {"id": "desc"}]
        offset, limit = paging(request)
        body: dict[str, Any] = {
            "query": query,
            "sort": sort,
            "from_": offset,
            "size": limit,
            "track_total_hits": True,
            "track_scores": True,
        }
        if offset + limit > MAX_RESULT_WINDOW:  # deep page: continue after the offset-th hit
            after = self._sort_values_at(query, sort, offset)
            body["from_"] = 0
            if after is None:
                body["size"] = 0  # fewer hits than the offset: an empty page
            else:
                body["search_after"] = after
        only = filtered_brand(tree)
        if request.facets:
            body["aggs"] = {
                name: {"terms": {"field": field, "size": 200, "exclude": [""]}}
                for name, field in FACETS.items()
            }
            if only is not None:  # as the filter reads: the labels toward that brand
                values = [brand_label(fold_chinese(only), label) for label in LABELS]
                toward = {"field": "brand_sentiment_keys", "size": 200, "include": values}
                body["aggs"]["sentiment"] = {"terms": toward}
        if request.group_stories:
            body.update(size=0, from_=0, aggs=body.get("aggs") or {})
            body.pop("search_after", None)
            distinct = {"cardinality": {"field": "story", "precision_threshold": STORY_PRECISION}}
            body["aggs"]["story_count"] = distinct  # the groups: a comment is one of its own
            # the stories of the posts, reposts and copies (a comment, parent_id, is part
            # of its post's story: _comment_stories adds those no matching post is in)
            body["aggs"]["story_posts"] = {
                "filter": {"bool": {"must_not": [{"exists": {"field": "parent_id"}}]}},
                "aggs": {"distinct": distinct},
            }
            if order == "reach":
                # the stand-in ignores a terms order by a sub-aggregation: it gets every
                # story (up to MAX_STORY_PAGE) and they are ordered here
                size = MAX_STORY_PAGE if self.is_emulator else min(offset + limit, MAX_STORY_PAGE)
                body["aggs"]["story_page"] = {
                    "terms": {
                        "field": "story",
                        "size": max(size, 1),
                        "order": [{"reach": "desc"}, {"_key": "asc"}],
                    },
                    "aggs": {"reach": {"sum": {"field": "reach"}}},
                }
        elif request.highlight:
            body["highlight"] = highlight_body(parsed.text_terms)
        response = self.es.search(
            index=self.alias, ignore_unavailable=True, allow_no_indices=True, **body
        )
        hits = []
        for hit in response["hits"]["hits"]:
            mention = _mention_from_source(hit["_source"])
            marked = _snippet(hit, mention, parsed.text_terms) if request.highlight else ""
            hits.append(
                SearchHit(
                    mention=mention,
                    highlight=marked,
                    score=hit["_score"] or 0.0,
                    story=mention.cluster_id or mention.id,
                    story_reach=mention.reach,
                )
            )
        stories: int | None = None
        groups: int | None = None
        posts = 0  # the matching posts, reposts and copies (not comments)
        if request.group_stories:
            groups = int(response["aggregations"]["story_count"]["value"])
            stories = int(response["aggregations"]["story_posts"]["distinct"]["value"])
            posts = int(response["aggregations"]["story_posts"]["doc_count"])
            if order == "reach":
                buckets = sorted(
                    response["aggregations"]["story_page"]["buckets"],
                    key=lambda b: (-(b["reach"]["value"] or 0), b["key"]),
                )
                keys = [b["key"] for b in buckets][offset : offset + limit]
            else:
                keys = self._story_keys(query, sort, offset, limit)
            hits = self._story_hits(query, keys, parsed.text_terms if request.highlight else ())
        post_stories = stories
        if stories is not None and response["hits"]["total"]["value"] > posts:
            stories += self._comment_stories(query)
        facets: dict[str, dict[str, int]] = {}
        for name in FACETS if request.facets else ():
            buckets = response["aggregations"][name]["buckets"]
            facets[name] = {b["key"]: b["doc_count"] for b in buckets}
        if only is not None and request.facets:  # (the stand-in ignores "include")
            facets["sentiment"] = {
                label: n
                for key, n in facets["sentiment"].items()
                for name, _, label in [key.rpartition("\0")]
                if name == fold_chinese(only) and label
            }
        total = response["hits"]["total"]["value"]
        if stories is not None and request.facets:
            facets["story"] = {
                "stories": post_stories or 0,
                "copies": max(posts - (post_stories or 0), 0),
                "comments": max(total - posts, 0),
            }
        return SearchResult(
            total=total,
            hits=self._in_post_stories(hits),
            facets=facets,
            stories=stories,
            groups=groups,
        )

    def _comment_stories(self, query: dict[str, Any]) -> int:
        """The stories the comments matching ``query`` add: those of the posts they
        answer (a post not stored: its id) that no matching post, repost or copy is in."""
        comments = {"bool": {"must": [query], "filter": [{"exists": {"field": "parent_id"}}]}}
        response = self.es.search(
            index=self.alias,
            query=comments,
            size=0,
            aggs={"posts": {"terms": {"field": "parent_id", "size": MAX_STORY_PAGE}}},
            ignore_unavailable=True,
            allow_no_indices=True,
        )
        parents = [b["key"] for b in response["aggregations"]["posts"]["buckets"]]
        if not parents:
            return 0
        keys = sorted(set(self._answered_stories(parents).values()))
        posts = {
            "bool": {
                "must": [query],
                "filter": [{"terms": {"story": keys}}],
                "must_not": [{"exists": {"field": "parent_id"}}],
            }
        }
        response = self.es.search(
            index=self.alias,
            query=posts,
            size=0,
            aggs={"stories": {"terms": {"field": "story", "size": len(keys)}}},
            ignore_unavailable=True,
            allow_no_indices=True,
        )
        counted = {b["key"] for b in response["aggregations"]["stories"]["buckets"]}
        return len(set(keys) - counted)

    def _answered_stories(self, parents: Sequence[str]) -> dict[str, str]:
        """The story each of ``parents`` (posts that comments answer) counts in: a stored
        post's cluster; for a stored comment (the comment answered a comment) the story
        of the post that one answers, up to a reply to a reply to a comment (as
        ``post_stories``); a post not stored: its id."""
        at = {p: p for p in parents}
        found: dict[str, str] = {}
        for hop in range(3):
            stored = {m.id: m for m in self.get_mentions(sorted(set(at.values())))}
            up: dict[str, str] = {}
            for parent, mid in at.items():
                m = stored.get(mid)
                if m is not None and m.parent_id and hop < 2:
                    up[parent] = m.parent_id
                else:
                    found[parent] = mid if m is None else m.cluster_id or m.id
            if not up:
                break
            at = up
        return found

    def _story_keys(
        self, query: dict[str, Any], sort: list[Any], offset: int, limit: int
    ) -> list[str]:
        """The stories of a page in ``sort`` order of their best mention (collapse on
        ``story``: each story once, where its first mention in that order falls)."""
        if offset + limit > MAX_RESULT_WINDOW:
            raise StoreError(
                f"stories past the first {MAX_RESULT_WINDOW:,} cannot be paged to: narrow "
                "the search"
            )
        response = self.es.search(
            index=self.alias,
            query=query,
            sort=sort,
            collapse={"field": "story"},
            from_=offset,
            size=limit,
            source={"includes": ["story"]},
            track_total_hits=False,
            ignore_unavailable=True,
            allow_no_indices=True,
        )
        return [h["_source"]["story"] for h in response["hits"]["hits"]]

    def _story_hits(
        self, query: dict[str, Any], keys: list[str], terms: Sequence[str]
    ) -> list[SearchHit]:
        """For each story of ``keys`` (in that order): its matching mentions' count and
        reach and its earliest matching mention, highlighted like the SQLite store does."""
        if not keys:
            return []
        response = self.es.search(
            index=self.alias,
            query={"bool": {"must": [query], "filter": [{"terms": {"story": keys}}]}},
            size=0,
            aggs={
                "stories": {
                    "terms": {"field": "story", "size": len(keys)},
                    "aggs": {
                        "reach": {"sum": {"field": "reach"}},
                        "first": {
                            "top_hits": {
                                "size": 1,
                                "sort": [{"published_at": "asc"}, {"id": "asc"}],
                            }
                        },
                    },
                }
            },
            ignore_unavailable=True,
            allow_no_indices=True,
        )
        found = {b["key"]: b for b in response["aggregations"]["stories"]["buckets"]}
        hits = []
        for key in keys:
            bucket = found.get(key)
            if bucket is None or not bucket["first"]["hits"]["hits"]:
                continue
            mention = _mention_from_source(bucket["first"]["hits"]["hits"][0]["_source"])
            hits.append(
                SearchHit(
                    mention=mention,
                    highlight=text_or_title_snippet(mention.text, mention.title, terms),
                    story=key,
                    story_size=int(bucket["doc_count"]),
                    story_reach=int(bucket["reach"]["value"] or 0),
                )
            )
        return hits

    @_guarded
    def story(self, story_id: str, limit: int = 500) -> list[Mention]:
        size = max(1, min(limit, MAX_RESULT_WINDOW))

        def oldest_first(query: dict[str, Any]) -> list[dict[str, Any]]:
            return list(
                self.es.search(
                    index=self.alias,
                    query=query,
                    sort=[{"published_at": "asc"}, {"id": "asc"}],
                    size=size,
                    ignore_unavailable=True,
                    allow_no_indices=True,
                )["hits"]["hits"]
            )

        members = oldest_first({"term": {"story": story_id}})
        ids = [h["_id"] for h in members]
        comments = oldest_first({"terms": {"parent_id": ids}}) if ids else []
        found = {h["_id"]: _mention_from_source(h["_source"]) for h in [*members, *comments]}
        return sorted(found.values(), key=lambda m: (m.published_at, m.id))

    def _sort_values_at(
        self, query: dict[str, Any], sort: list[Any], offset: int
    ) -> list[Any] | None:
        """Sort values of the ``offset``-th hit, walked with search_after in windows the
        cluster allows (``from + size`` may not pass index.max_result_window); None when
        there are fewer hits."""
        if offset <= 0:
            return None
        size = min(MAX_RESULT_WINDOW, offset)
        seen = 0
        for hits in self._pages(self.alias, query, sort, size, source=False, **_ANY_INDEX):
            if seen + len(hits) >= offset:
                return list(hits[offset - seen - 1]["sort"])
            seen += len(hits)
        return None

    # -- analytics --------------------------------------------------------------------
    def _window(self, since: datetime, until: datetime, brand: str | None) -> list[dict]:
        filters: list[dict[str, Any]] = [
            {"range": {"published_at": {"gte": _iso(since), "lt": _iso(until)}}}
        ]
        if brand:
            filters.append({"term": {"brand_names": brand}})
        return filters

    @_guarded
    def count_buckets(
        self,
        since: datetime,
        until: datetime,
        interval_seconds: int,
        brand: str | None = None,
        each_brand: bool = True,
    ) -> list[Bucket]:
        """One date_histogram per (brand, effective sentiment toward it); not
        ``each_brand``, per label a mention counted once takes (``_mention_slice``).
        Long windows with fine intervals are asked for in slices that end on interval
        boundaries, so no request comes near the cluster's ``search.max_buckets``
        (65,536 by default): 28 days of hourly buckets for 20 brands and 4 sentiment
        values would already be 53,760."""
        if interval_seconds <= 0:
            raise StoreError("interval_seconds must be positive")
        since, until = as_utc(since), as_utc(until)
        once = brand is None and not each_brand
        brands = 1 if brand or once else self._distinct_brands(since, until)
        per_request = max(1, MAX_BUCKETS_PER_REQUEST // (4 * max(brands, 1)))  # intervals
        out: list[Bucket] = []
        start = since
        while start < until:
            first = int(start.timestamp()) // interval_seconds * interval_seconds
            end = min(until, datetime.fromtimestamp(first + per_request * interval_seconds, UTC))
            if once:
                out += self._mention_slice(start, end, interval_seconds)
            else:
                out += self._bucket_slice(start, end, interval_seconds, brand)
            start = end
        out.sort(key=lambda x: (x.start, x.brand, x.sentiment))
        return out

    def _distinct_brands(self, since: datetime, until: datetime) -> int:
        response = self.es.search(
            index=self.alias,
            size=0,
            query={"bool": {"filter": self._window(since, until, None)}},
            aggs={"brands": {"cardinality": {"field": "brand_names"}}},
            ignore_unavailable=True,
            allow_no_indices=True,
        )
        return int(response["aggregations"]["brands"]["value"] or 0)

    @staticmethod
    def _per_time(interval_seconds: int) -> dict[str, Any]:
        """The date_histogram of count_buckets, with each bucket's stories and reach.
        Stories are those of the posts, reposts and copies: a comment (``parent_id``,
        mapped from the first mapping version, so every stored document has it or not)
        is part of its post's story and adds none of its own."""
        # approximate only beyond 3,000 distinct stories in one bucket
        distinct = {"cardinality": {"field": "story", "precision_threshold": 3000}}
        per_time = {
            "stories": {
                "filter": {"bool": {"must_not": [{"exists": {"field": "parent_id"}}]}},
                "aggs": {"distinct": distinct},
            },
            "reach": {"sum": {"field": "reach"}},
        }
        # fixed intervals are rounded from the Unix epoch
        histogram = {
            "field": "published_at",
            "fixed_interval": f"{interval_seconds}s",
            "min_doc_count": 1,
        }
        return {"time": {"date_histogram": histogram, "aggs": per_time}}

    @staticmethod
    def _time_buckets(time: dict[str, Any], brand: str, label: str) -> list[Bucket]:
        return [
            Bucket(
                start=datetime.fromtimestamp(t["key"] / 1000, UTC),
                brand=brand,
                sentiment=label,
                count=t["doc_count"],
                stories=int(t["stories"]["distinct"]["value"]),
                reach=int(t["reach"]["value"]),
            )
            for t in time["buckets"]
        ]

    def _mention_slice(self, since: datetime, until: datetime, interval: int) -> list[Bucket]:
        """Every brand's mentions, each once, under the most negative label it has
        toward a brand it names: one filter per label, each leaving out the labels
        before it (``sentiment_labels`` holds the label toward each brand)."""
        filters: dict[str, Any] = {}
        before: list[str] = []
        for label in MOST_NEGATIVE_FIRST:
            none_before = [{"terms": {"sentiment_labels": [*before]}}] if before else []
            is_label = [{"term": {"sentiment_labels": label}}] if label else []
            filters[label or "unscored"] = {"bool": {"filter": is_label, "must_not": none_before}}
            before.append(label)
        query = [*self._window(since, until, None), {"exists": {"field": "brand_names"}}]
        response = self.es.search(
            index=self.alias,
            size=0,
            query={"bool": {"filter": query}},
            aggs={"label": {"filters": {"filters": filters}, "aggs": self._per_time(interval)}},
            ignore_unavailable=True,
            allow_no_indices=True,
        )
        out: list[Bucket] = []
        for key, found in response["aggregations"]["label"]["buckets"].items():
            out += self._time_buckets(found["time"], "", "" if key == "unscored" else key)
        return out

    def _bucket_slice(
        self, since: datetime, until: datetime, interval_seconds: int, brand: str | None
    ) -> list[Bucket]:
        # (brand, label) pairs: "<brand>\0<effective label toward it>"
        pairs: dict[str, Any] = {"field": "brand_sentiment", "size": 4 * 10_000}
        if brand:
            pairs["include"] = [brand_label(brand, label) for label in ("", *LABELS)]
        aggs = {"pair": {"terms": pairs, "aggs": self._per_time(interval_seconds)}}
        response = self.es.search(
            index=self.alias,
            size=0,
            query={"bool": {"filter": self._window(since, until, brand)}},
            aggs=aggs,
            ignore_unavailable=True,
            allow_no_indices=True,
        )
        out: list[Bucket] = []
        for p in response["aggregations"]["pair"]["buckets"]:
            name, _, label = p["key"].rpartition("\0")
            if brand and name != brand:  # the other brands of multi-brand mentions
                continue
            out += self._time_buckets(p["time"], name, label)
        return out

    @_guarded
    def top_authors(
        self, brand: str | None, since: datetime, until: datetime, limit: int = 10
    ) -> list[dict[str, Any]]:
        """Ranked by followers + engagement. A terms aggregation cannot order by the sum
        of two metrics, so the candidates are the top authors by followers and the top by
        engagement. The ranking is exact once its last score is at least the followers of
        the last follower-candidate plus the engagement of the last engagement-candidate
        (no author outside both lists can beat that); otherwise the lists grow."""
        query = {"bool": {"filter": self._window(since, until, brand)}}
        size = max(limit * 3, 30)
        while True:
            response = self.es.search(
                index=self.alias,
                size=0,
                query=query,
                aggs={
                    "by_followers": _authors_by("followers", size, brand),
                    "by_engagement": _authors_by("engagement", size, brand),
                },
                ignore_unavailable=True,
                allow_no_indices=True,
            )
            by_followers = response["aggregations"]["by_followers"]["buckets"]
            by_engagement = response["aggregations"]["by_engagement"]["buckets"]
            authors = {b["key"]: _author(b) for b in by_followers + by_engagement}
            ranking = sorted(
                authors.values(),
                key=lambda a: (-(a["followers"] + a["engagement"]), -a["mentions"], a["id"]),
            )[:limit]
            if len(by_followers) < size or len(by_engagement) < size:
                return ranking  # every author of the window is a candidate
            bound = (by_followers[-1]["followers"]["value"] or 0) + (
                by_engagement[-1]["engagement"]["value"] or 0
            )
            if (
                len(ranking) == limit
                and ranking[-1]["followers"] + ranking[-1]["engagement"] >= bound
            ):
                return ranking
            size *= 4

    @_guarded
    def top_terms(
        self, brand: str | None, since: datetime, until: datetime, limit: int = 20
    ) -> list[tuple[str, int]]:
        """Counted like the SQLite backend: over the newest ``TOP_TERMS_SAMPLE`` mentions
        of the window, segmented on the client (``index.text.top_words``, jieba), so no
        analysis plugin is needed and both backends name the same words, once per story."""
        response = self.es.search(
            index=self.alias,
            query={"bool": {"filter": self._window(since, until, brand)}},
            sort=[{"published_at": "desc"}, {"id": "desc"}],
            size=TOP_TERMS_SAMPLE,
            source={"includes": ["title", "text", "brands", "story"]},
            ignore_unavailable=True,
            allow_no_indices=True,
        )
        texts: list[str] = []
        stories: list[str] = []
        exclude: set[str] = set()
        for hit in response["hits"]["hits"]:
            doc = hit["_source"]
            title, text = doc.get("title") or "", doc.get("text") or ""
            texts.append(f"{title}\n{text}" if title else text)
            stories.append(doc.get("story") or hit["_id"])
            for match in doc.get("brands") or []:
                if brand is None or match.get("brand") == brand:
                    exclude.add(match.get("brand", ""))
                    exclude.update(match.get("keywords") or [])
        return top_words(texts, exclude=exclude, limit=limit, stories=stories)

    @staticmethod
    def _near_query(simhash: int, since: datetime, max_distance: int) -> dict[str, Any]:
        """Mentions since ``since`` that share a simhash band with ``simhash`` (the
        candidates; the Hamming distance is checked on the client)."""
        band_filter: dict[str, Any]
        if max_distance < maps.SIMHASH_BANDS:
            bands = simhash_bands(simhash)
            band_filter = {
                "bool": {
                    "should": [
                        {"term": {field: band}}
                        for field, band in zip(maps.BAND_FIELDS, bands, strict=True)
                    ],
                    "minimum_should_match": 1,
                }
            }
        else:  # bands no longer guarantee a shared value: check every hashed mention
            band_filter = {"exists": {"field": maps.BAND_FIELDS[0]}}
        return {
            "bool": {"filter": [band_filter, {"range": {"published_at": {"gte": _iso(since)}}}]}
        }

    def _near_page(
        self, simhash: int, hits: list[dict[str, Any]], max_distance: int
    ) -> list[Mention]:
        return [
            _mention_from_source(hit["_source"])
            for hit in hits
            if (int(hit["_source"]["simhash"]) ^ simhash).bit_count() <= max_distance
        ]

    @_guarded
    def find_near_duplicates(
        self, simhash: int, since: datetime, max_distance: int = 3, limit: int = 5
    ) -> list[Mention]:
        return self._near_duplicates(simhash, since, max_distance, limit)

    def _near_duplicates(
        self,
        simhash: int,
        since: datetime,
        max_distance: int,
        limit: int,
        found: list[Mention] | None = None,
        after: list[Any] | None = None,
    ) -> list[Mention]:
        """Candidates page by page (oldest first) until ``limit`` matches; ``found`` and
        ``after`` continue a scan whose first page came from :meth:`find_near_duplicates_many`."""
        found = list(found or [])
        query = self._near_query(simhash, since, max_distance)
        pages = self._pages(self.alias, query, NEAR_SORT, NEAR_PAGE, after=after, **_ANY_INDEX)
        for hits in pages:
            if len(found) >= limit:
                break
            found += self._near_page(simhash, hits, max_distance)
        return found[:limit]

    @_guarded
    def find_near_duplicates_many(
        self, queries: Sequence[tuple[int, datetime]], max_distance: int = 3, limit: int = 5
    ) -> list[list[Mention]]:
        """The first candidate page of up to 100 lookups in one ``_msearch`` round trip (a
        crawl batch asks for hundreds at once); a lookup whose first page is full but
        holds fewer than ``limit`` matches, or whose search failed, goes on alone."""
        answers: list[list[Mention]] = []
        header = {"index": self.alias, "ignore_unavailable": True, "allow_no_indices": True}
        for chunk in _chunks(list(queries), NEAR_MSEARCH):
            searches: list[dict[str, Any]] = []
            for simhash, since in chunk:
                query = self._near_query(simhash, since, max_distance)
                searches += [header, {"query": query, "size": NEAR_PAGE, "sort": NEAR_SORT}]
            responses = self.es.msearch(searches=searches)["responses"]
            for (simhash, since), response in zip(chunk, responses, strict=True):
                if "error" in response:  # one failed search: ask again alone, errors raise
                    answers.append(self._near_duplicates(simhash, since, max_distance, limit))
                    continue
                hits = response["hits"]["hits"]
                found = self._near_page(simhash, hits, max_distance)
                if len(found) < limit and len(hits) == NEAR_PAGE:
                    found = self._near_duplicates(
                        simhash, since, max_distance, limit, found, hits[-1]["sort"]
                    )
                answers.append(found[:limit])
        return answers

    # -- cases ------------------------------------------------------------------------
    @_guarded
    def save_case(self, case: Case) -> Case:
        self.es.index(
            index=self._small("cases"),
            id=case.id,
            document=case.model_dump(mode="json", warnings=False),
            refresh="wait_for",
        )
        return case

    @_guarded
    def get_case(self, case_id: str) -> Case | None:
        try:
            doc = self.es.get(index=self._small("cases"), id=case_id)
        except NotFoundError:
            return None
        return Case.model_validate(doc["_source"])

    @_guarded
    def list_cases(
        self, status: Sequence[str] | None = None, brand: str | None = None, limit: int = 100
    ) -> list[Case]:
        filters: list[dict[str, Any]] = []
        if status is not None:
            if not status:  # no status at all: no case (not "any status")
                return []
            filters.append({"terms": {"status": [str(s) for s in status]}})
        if brand:
            filters.append({"term": {"brand": brand}})
        response = self.es.search(
            index=self._small("cases"),
            query={"bool": {"filter": filters}},
            sort=[{"opened_at": "desc"}, {"id": "desc"}],
            size=limit,
        )
        return [Case.model_validate(h["_source"]) for h in response["hits"]["hits"]]

    @_guarded
    def append_case_event(self, event: CaseEvent) -> CaseEvent:
        """seq = last seq + 1, claimed with create-if-absent on ``<case>#<seq>``: two
        writers racing for the same seq get a conflict and the loser takes the next."""
        index = self._small("case-events")
        response = self.es.search(
            index=index,
            query={"term": {"case_id": event.case_id}},
            sort=[{"seq": "desc"}],
            size=1,
            source={"includes": ["seq"]},
        )
        hits = response["hits"]["hits"]
        seq = (hits[0]["_source"]["seq"] if hits else 0) + 1
        while True:
            stored = event.model_copy(update={"seq": seq})
            try:
                self.es.create(
                    index=index,
                    id=f"{event.case_id}#{seq:09d}",
                    document=stored.model_dump(mode="json", warnings=False),
                    refresh="wait_for",
                )
                return stored
            except ConflictError:
                seq += 1

    @_guarded
    def case_events(self, case_id: str) -> list[CaseEvent]:
        query = {"term": {"case_id": case_id}}
        pages = self._pages(self._small("case-events"), query, [{"seq": "asc"}], 1000)
        return [CaseEvent.model_validate(h["_source"]) for hits in pages for h in hits]

    # -- cursors, health, crawl runs ----------------------------------------------------
    @_guarded
    def get_cursor(self, source: str) -> dict[str, Any] | None:
        try:
            doc = self.es.get(index=self._small("cursors"), id=source)
        except NotFoundError:
            return None
        return dict(doc["_source"]["cursor"])

    @_guarded
    def set_cursor(self, source: str, cursor: dict[str, Any]) -> None:
        self.es.index(
            index=self._small("cursors"),
            id=source,
            document={"source": source, "cursor": cursor, "updated_at": _iso(utcnow())},
            refresh="wait_for",
        )

    @_guarded
    def set_source_health(self, health: SourceHealth) -> None:
        self.es.index(
            index=self._small("source-health"),
            id=health.source,
            document={
                "source": health.source,
                "state": health.state,
                "reason": health.reason,
                "since": _iso(health.since),
                "paused_until": _iso(health.paused_until),
                "detail": health.detail,
            },
            refresh="wait_for",
        )

    @_guarded
    def get_source_health(self, source: str | None = None) -> list[SourceHealth]:
        query = {"term": {"source": source}} if source else {"match_all": {}}
        response = self.es.search(
            index=self._small("source-health"), query=query, sort=[{"source": "asc"}], size=10_000
        )
        out = []
        for hit in response["hits"]["hits"]:
            d = hit["_source"]
            out.append(
                SourceHealth(
                    source=d["source"],
                    state=d["state"],
                    reason=d.get("reason") or "",
                    since=_parse_dt(d.get("since")),
                    paused_until=_parse_dt(d.get("paused_until")),
                    detail=dict(d.get("detail") or {}),
                )
            )
        return out

    @_guarded
    def record_crawl_run(self, source: str, stats: dict[str, Any]) -> None:
        self.es.index(
            index=self._small("crawl-runs"),
            document={
                "source": source,
                "recorded_at": _iso(utcnow()),
                "order": time.time_ns(),
                "stats": stats,
            },
            refresh="wait_for",
        )

    @_guarded
    def crawl_runs(self, source: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
        query = {"term": {"source": source}} if source else {"match_all": {}}
        response = self.es.search(
            index=self._small("crawl-runs"), query=query, sort=[{"order": "desc"}], size=limit
        )
        return [
            {**h["_source"]["stats"], "source": h["_source"]["source"]}
            for h in response["hits"]["hits"]
        ]

    # -- notification outbox -------------------------------------------------------------
    def _outbox(self) -> str:
        return self._small("outbox")

    @_guarded
    def enqueue_notification(self, notification: Notification) -> bool:
        doc = _notification_doc(notification)
        doc["created_at"] = doc["created_at"] or _iso(utcnow())
        doc["order"] = time.time_ns()
        try:
            self.es.create(
                index=self._outbox(), id=notification.key, document=doc, refresh="wait_for"
            )
        except ConflictError:
            return False
        return True

    @_guarded
    def due_notifications(self, now: datetime, limit: int = 50) -> list[Notification]:
        query = {
            "bool": {
                "must_not": [{"exists": {"field": "delivered_at"}}],
                "should": [
                    {"bool": {"must_not": [{"exists": {"field": "next_attempt_at"}}]}},
                    {"range": {"next_attempt_at": {"lte": _iso(now)}}},
                ],
                "minimum_should_match": 1,
            }
        }
        response = self.es.search(
            index=self._outbox(),
            query=query,
            sort=[{"created_at": "asc"}, {"order": "asc"}],
            size=limit,
        )
        return [_notification_from(h["_source"]) for h in response["hits"]["hits"]]

    def _update_notification(self, key: str, change: Callable[[dict[str, Any]], None]) -> None:
        for _ in range(10):
            try:
                doc = self.es.get(index=self._outbox(), id=key)
            except NotFoundError:
                return  # gone (as on SQLite, updating an unknown key changes nothing)
            source = dict(doc["_source"])
            change(source)
            try:
                self.es.index(
                    index=self._outbox(),
                    id=key,
                    document=source,
                    if_seq_no=doc["_seq_no"],
                    if_primary_term=doc["_primary_term"],
                    refresh="wait_for",
                )
                return
            except ConflictError:
                continue
        raise StoreError(f"notification {key!r} kept changing while being updated; try again")

    @_guarded
    def mark_notification_delivered(
        self, key: str, at: datetime, result: dict[str, Any] | None = None
    ) -> None:
        def change(doc: dict[str, Any]) -> None:
            doc["delivered_at"] = _iso(at)
            doc["result"] = result or {}

        self._update_notification(key, change)

    @_guarded
    def mark_notification_failed(self, key: str, error: str, retry_at: datetime) -> None:
        def change(doc: dict[str, Any]) -> None:
            doc["attempts"] = int(doc.get("attempts") or 0) + 1
            doc["last_error"] = error
            doc["next_attempt_at"] = _iso(retry_at)

        self._update_notification(key, change)

    @_guarded
    def get_notification(self, key: str) -> Notification | None:
        try:
            doc = self.es.get(index=self._outbox(), id=key)
        except NotFoundError:
            return None
        return _notification_from(doc["_source"])


def _authors_by(metric: str, size: int, brand: str | None) -> dict[str, Any]:
    """Authors (``author_key``: id, else name) ordered by one metric, with the figures
    ``top_authors`` reports; negative: toward ``brand`` (None: toward any brand)."""
    negative = (
        {"term": {"brand_sentiment": brand_label(brand, "negative")}}
        if brand
        else {"term": {"sentiment_labels": "negative"}}
    )
    return {
        "terms": {
            "field": "author_key",
            "size": size,
            "shard_size": size * 2,
            "exclude": [""],
            "order": [{metric: "desc"}, {"_key": "asc"}],
        },
        "aggs": {
            "followers": {"max": {"field": "author.followers"}},
            "engagement": {"sum": {"field": "engagement_total"}},
            "negative": {"filter": negative},
            "latest": {
                "top_hits": {
                    "size": 1,
                    "sort": [{"published_at": "desc"}],
                    "_source": {"includes": ["author"]},
                }
            },
        },
    }


def _author(bucket: dict[str, Any]) -> dict[str, Any]:
    author = bucket["latest"]["hits"]["hits"][0]["_source"]["author"]
    return {
        "id": bucket["key"],
        "name": author.get("name", ""),
        "followers": int(bucket["followers"]["value"] or 0),
        "verified": bool(author.get("verified", False)),
        "mentions": bucket["doc_count"],
        "negative": bucket["negative"]["doc_count"],
        "engagement": int(bucket["engagement"]["value"] or 0),
    }


# -- small documents ------------------------------------------------------------------------


def _parse_dt(value: str | None) -> datetime | None:
    return None if not value else as_utc(datetime.fromisoformat(value))


def _notification_doc(n: Notification) -> dict[str, Any]:
    return {
        "key": n.key,
        "channel": n.channel,
        "payload": n.payload,
        "case_id": n.case_id,
        "created_at": _iso(n.created_at),
        "attempts": n.attempts,
        "next_attempt_at": _iso(n.next_attempt_at),
        "delivered_at": _iso(n.delivered_at),
        "last_error": n.last_error,
        "result": n.result,
    }


def _notification_from(d: dict[str, Any]) -> Notification:
    return Notification(
        key=d["key"],
        channel=d["channel"],
        payload=dict(d.get("payload") or {}),
        case_id=d.get("case_id"),
        created_at=_parse_dt(d.get("created_at")),
        attempts=int(d.get("attempts") or 0),
        next_attempt_at=_parse_dt(d.get("next_attempt_at")),
        delivered_at=_parse_dt(d.get("delivered_at")),
        last_error=d.get("last_error") or "",
        result=dict(d.get("result") or {}),
    )
