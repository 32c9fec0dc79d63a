"""The part of the Elasticsearch store every other part builds on: the client and the
index names, setting up on first use (version check, index template, the small
indices, the current month), creating indices, upgrading mention indices made by an
older mapping (and the story repairs that come with mapping 5), dropping indices,
``refresh``, ``close``, the write and integrity checks, and the read helpers the other
parts share (``_search_ids``, ``_pages``).

The mixins in this package (mentions.py, feed.py, search.py, analytics.py, cases.py,
crawl.py, outbox.py) each subclass ``ElasticBase`` and add one concern of the Store
interface; ``ElasticStore`` (store.py) combines them.
"""

from __future__ import annotations

import abc
import re
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from elasticsearch import ApiError, BadRequestError, Elasticsearch

from index import es_mappings as maps
from index.base import Store, StoreError
from index.changes import NEW
from index.dedupe import renamed_case_stories, renamed_stories, unlinked_comment_stories
from index.elastic.client import (
    CLIENT_MAJOR,
    MAX_READ_BATCH,
    _chunks,
    _CompatTransport,
    _guarded,
    _public_url,
)
from index.elastic.documents import _mention_doc, _mention_from_source
from index.models import as_utc, utcnow

BULK_CHUNK = 500  # mentions per bulk request
_PREFIX_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,100}$")


class ElasticBase(Store):
    """The client, the index names and the indices; the concern mixins subclass it."""

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

    @_guarded
    def refresh(self) -> None:
        """Make every write searchable now (after writing with wait_for_refresh=False)."""
        names = [self.alias, *(self._small(n) for n in maps.SMALL_INDICES)]
        self.es.indices.refresh(index=",".join(names), ignore_unavailable=True)
        leases, self._unreleased = self._unreleased, []
        self._release(leases)

    def close(self) -> None:
        self._es.close()

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

    # -- read helpers ---------------------------------------------------------------------
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

    # -- the change feed's counter (feed.py): the upgrade, refresh and writes use it ----------
    @abc.abstractmethod
    def _reserve(self, n: int) -> int:
        """Reserve ``n`` consecutive change numbers, open until released; the first."""

    @abc.abstractmethod
    def _release(self, firsts: Sequence[int]) -> None:
        """The writes of these blocks are readable: readers may pass them."""
