"""Searching mentions on Elasticsearch: the search box's query with its filters,
sorts, facets, highlights and deep pages, grouped by story (a story's count, reach and
earliest matching mention; the stories a matching comment adds through its post), and
one story's mentions with their comments.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from index.base import SearchHit, SearchRequest, SearchResult, StoreError, checked_sort, paging
from index.elastic.base import ElasticBase
from index.elastic.client import _ANY_INDEX, MAX_RESULT_WINDOW, _guarded
from index.elastic.documents import _mention_from_source
from index.es_query import (
    FACETS,
    LABELS,
    brand_label,
    highlight_body,
    node_query,
    request_filters,
    snippet,
)
from index.models import Mention
from index.query import filtered_brand, parse_query, with_filters
from index.text import fold_chinese, text_or_title_snippet

# stories ranked by reach are the buckets of a terms aggregation: a page past this many
# stories is empty (a person pages through the first few hundred at most)
MAX_STORY_PAGE = 10_000
STORY_PRECISION = 40_000  # cardinality counts of stories are exact below this many


def _snippet(hit: dict[str, Any], mention: Mention, terms: list[str]) -> str:
    """The server's highlight; for a document holding traditional characters, which the
    folded query matched in its folded copy, the same marks made here on its own text."""
    source = hit["_source"]
    if terms and (source.get("folded_text") or source.get("folded_title")):
        return text_or_title_snippet(mention.text, mention.title, terms)
    return snippet(hit.get("highlight", {}))


class ElasticMentionSearch(ElasticBase):
    """Search and stories (MentionSearch: search, story) on Elasticsearch."""

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
        elif order == "oldest":  # a story collapses where its oldest matching mention is
            sort = [{"published_at": "asc"}, {"id": "asc"}]
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
