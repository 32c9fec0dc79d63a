"""Mentions on Elasticsearch: upserts in bulk requests (a re-crawl keeps the care-staff
fields and the sentiment corrections, and writes nothing when nothing material changed),
reads by id and in full, and the read-modify-write of one mention: handling, notes and
sentiment corrections. Every write takes its change numbers from the change feed's
counter (feed.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from elasticsearch import ConflictError
from pydantic import ValidationError

from index.base import StoreError, UpsertResult
from index.changes import CORRECTION, NEW, changed_fields
from index.elastic.base import ElasticBase
from index.elastic.client import _ANY_INDEX, MAX_READ_BATCH, MAX_RESULT_WINDOW, _chunks, _guarded
from index.elastic.documents import (
    _NOT_STORED,
    _mention_doc,
    _mention_from_source,
    _sentiment_fields,
)
from index.es_query import es_date as _iso
from index.models import Mention, SentimentCorrection, SentimentLabel, as_utc, utcnow

T = TypeVar("T")

# the parts of a mention that care staff own: a re-crawl never overwrites them
CARE_FIELDS = ("handled", "handled_by", "handled_at", "notes")


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


class ElasticMentions(ElasticBase):
    """The mentions (MentionStore) on Elasticsearch."""

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
    def mark_unhandled(self, mention_id: str) -> Mention:
        return self._care_update(
            mention_id, lambda doc: doc.update(handled=False, handled_by=None, handled_at=None)
        )

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

    @_guarded
    def count_mentions(self) -> int:
        response = self.es.count(index=self.alias, ignore_unavailable=True, allow_no_indices=True)
        return int(response["count"])
