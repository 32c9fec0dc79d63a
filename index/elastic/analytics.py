"""Counting mentions on Elasticsearch: the time buckets of the alert baselines and the
digest (per brand and effective sentiment, or each mention once), the top authors and
top terms of a window, and near-duplicate lookups by simhash bands (one or many at
once).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from index import es_mappings as maps
from index.base import MOST_NEGATIVE_FIRST, Bucket, StoreError
from index.elastic.base import ElasticBase
from index.elastic.client import _ANY_INDEX, _chunks, _guarded
from index.elastic.documents import _mention_from_source, simhash_bands
from index.es_query import LABELS, brand_label
from index.es_query import es_date as _iso
from index.models import Mention, as_utc
from index.text import top_words

MAX_BUCKETS_PER_REQUEST = 20_000  # count_buckets slices its window to stay under this
TOP_TERMS_SAMPLE = 2_000  # newest mentions segmented per top_terms call (as on SQLite)
NEAR_PAGE = 500  # near-duplicate candidates per page, oldest first
NEAR_SORT = [{"published_at": "asc"}, {"id": "asc"}]
NEAR_MSEARCH = 100  # near-duplicate lookups per _msearch request


class ElasticAnalytics(ElasticBase):
    """Counts, top authors and terms, near duplicates (the rest of MentionSearch)."""

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
