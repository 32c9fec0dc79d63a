"""Search on SQLite (MentionSearch: search and story pages). A query compiled by
fts_query.py is one statement: FTS5 drives when it can express the query, the author
index when the query names an author (an author has few mentions), SQL over the
mentions table otherwise; the time window is a rowid range. Grouped by story, the
matching rows fold by their cluster, read from mention_brands by its primary key.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

from index.base import SearchHit, SearchRequest, SearchResult, checked_sort, paging
from index.models import Mention
from index.query import And, Not, filtered_brand
from index.sqlite.base import IN_CHUNK, SQLiteBase, _read_in
from index.sqlite.fts_query import (
    _FTS_PROBE,
    _author_first,
    fts_expr,
    request_tree,
    sql_condition,
)
from index.sqlite.rows import _SEP, labels_of, time_key, to_us
from index.text import fold_chinese, text_or_title_snippet

# the story (dedupe cluster) of the row ``m`` of mentions. An original (no repost_of) is
# its own story (index/dedupe.py gives it its own id as cluster); a repeat's cluster is
# the cluster column of its first brand's mention_brands row, found by that table's
# primary key (a seek per repeat, not per row: at 1M mentions grouping a day's 12,000
# matches took 500 ms seeking for every row). A repeat that names no brand is a story
# of its own.
# the mention_brands row of the first brand of the row ``m`` of mentions (its primary key)
_FIRST_BRAND_ROW = (
    "FROM mention_brands mb WHERE mb.brand = "
    "substr(m.brands, 1, instr(m.brands || char(31), char(31)) - 1) "
    "AND mb.published_at = m.published_at AND mb.mention = m.rowid"
)
_STORY = (
    "CASE WHEN m.is_repost = 0 THEN m.id ELSE "
    f"COALESCE((SELECT mb.cluster {_FIRST_BRAND_ROW}), m.id) END"
)
# 1 when the row ``m`` of mentions is a comment (parent_id): the comment mark of its first
# brand's mention_brands row, found by that table's primary key; a mention that names no
# brand has no such row and is read from its document (json_extract, rare)
_COMMENT = (
    "CASE WHEN m.brands = '' THEN (SELECT json_extract(CAST(d.doc AS TEXT), '$.parent_id') "
    "IS NOT NULL FROM mention_docs d WHERE d.rowid = m.doc_id) ELSE "
    f"COALESCE((SELECT mb.comment {_FIRST_BRAND_ROW}), 0) END"
)
# the story of the post a comment answers, by ``pid`` (its parent_id), as _STORY reads the
# post's row ``p``: NULL when the post is not stored
_POST_STORY = (
    "(SELECT CASE WHEN p.is_repost = 0 THEN p.id ELSE COALESCE((SELECT mb.cluster "
    "FROM mention_brands mb WHERE mb.brand = "
    "substr(p.brands, 1, instr(p.brands || char(31), char(31)) - 1) "
    "AND mb.published_at = p.published_at AND mb.mention = p.rowid), p.id) END "
    "FROM mentions p WHERE p.id = pid)"
)
# the post a reply answers, by ``pid`` (its parent_id): the parent_id of the mention
# ``pid`` when that is a stored comment (its comment mark; from its document when it names
# no brand), else NULL
_UP = (
    "(SELECT CASE WHEN p.brands = '' OR (SELECT mb.comment FROM mention_brands mb "
    "WHERE mb.brand = substr(p.brands, 1, instr(p.brands || char(31), char(31)) - 1) "
    "AND mb.published_at = p.published_at AND mb.mention = p.rowid) "
    "THEN (SELECT json_extract(CAST(d.doc AS TEXT), '$.parent_id') FROM mention_docs d "
    "WHERE d.rowid = p.doc_id) END FROM mentions p WHERE p.id = pid)"
)
STORY_SPAN = timedelta(days=30)  # how long after its first post a story's rows are read
COMMENT_SPAN = timedelta(days=3)  # how long after a story's first post comments are read


def _snippet(m: Mention, terms: Sequence[str]) -> str:
    return text_or_title_snippet(m.text, m.title, terms)


class SQLiteMentionSearch(SQLiteBase):
    """MentionSearch's search and story on SQLite."""

    def search(self, request: SearchRequest) -> SearchResult:
        sort = checked_sort(request)
        tree, terms = request_tree(request)
        where: list[str] = []
        params: list[Any] = []
        driving: str | None = None
        if tree is not None and _author_first(tree):
            # an author has few mentions: read them through the author index and probe
            # FTS5 per mention (rowid + MATCH), instead of filtering every keyword match
            assert isinstance(tree, And)
            for n in tree.nodes:
                expr = fts_expr(n)  # None for the author filter: see sql_condition
                if expr is not None:
                    where.append(_FTS_PROBE)
                    params.append(expr)
                else:
                    cond, ps = sql_condition(n)
                    where.append(cond)
                    params += ps
        elif tree is not None:
            driving = fts_expr(tree)
            if driving is None and isinstance(tree, And):
                # FTS5 drives with the positive parts it can express; the rest (NOTs,
                # author filters) becomes SQL
                positive = [
                    n for n in tree.nodes if not isinstance(n, Not) and fts_expr(n) is not None
                ]
                if positive:
                    driving = fts_expr(positive[0] if len(positive) == 1 else And(tuple(positive)))
                if driving is not None:
                    for n in tree.nodes:
                        if not any(n is p for p in positive):
                            cond, ps = sql_condition(n)
                            where.append(cond)
                            params += ps
            if driving is None:
                cond, ps = sql_condition(tree)
                where.append(cond)
                params += ps

        # the time window is a rowid range (see time_key) plus the exact bounds
        key = "mention_fts.rowid" if driving is not None else "m.rowid"
        if request.since is not None:
            since = to_us(request.since)
            where += [f"{key} >= ?", "m.published_at >= ?"]
            params += [time_key(since), since]
        if request.until is not None:
            until = to_us(request.until)
            where += [f"{key} < ?", "m.published_at < ?"]
            params += [time_key(until) + 2000, until]  # + slots probed past the millisecond
        if request.handled is not None:
            where.append("m.handled = ?")
            params.append(int(request.handled))
        if not request.include_reposts:
            where.append("m.is_repost = 0")
        if not request.include_comments:
            where.append(f"{_COMMENT} = 0")

        if driving is not None:
            source = "mention_fts CROSS JOIN mentions m ON m.rowid = mention_fts.rowid"
            where.insert(0, "mention_fts MATCH ?")
            params.insert(0, driving)
        else:
            source = "mentions m"
        clause = (" WHERE " + " AND ".join(where)) if where else ""

        facets: dict[str, dict[str, int]] = {}
        if request.facets:
            total = 0
            sentiment: dict[str, int] = {}
            sources: dict[str, int] = {}
            brands: dict[str, int] = {}
            # as the sentiment: filter reads: toward the one brand filtered, else each
            # distinct label toward the mention's brands counts once
            only = filtered_brand(tree)
            for sent, src, brand_list, n in self._read(
                f"SELECT m.sentiment, m.source, m.brands, count(*) FROM {source}{clause} "
                "GROUP BY 1, 2, 3",
                params,
            ):
                total += n
                if _SEP not in sent:  # the same toward every brand
                    labels: Iterable[str] = (sent,)
                elif only is None:
                    labels = set(sent.split(_SEP))
                else:
                    folded = {fold_chinese(b): x for b, x in labels_of(sent, brand_list).items()}
                    labels = (folded.get(fold_chinese(only), ""),)
                for label in labels:
                    if label:
                        sentiment[label] = sentiment.get(label, 0) + n
                sources[src] = sources.get(src, 0) + n
                for b in brand_list.split(_SEP) if brand_list else ():
                    brands[b] = brands.get(b, 0) + n
            # the most first, ties by name: as Elasticsearch's terms aggregation orders them
            facets = {
                name: dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
                for name, counts in (
                    ("sentiment", sentiment),
                    ("source", sources),
                    ("brand", brands),
                )
            }
        else:
            total = self._read(f"SELECT count(*) FROM {source}{clause}", params)[0][0]

        score = "0.0"
        if sort == "relevance" and driving is not None:
            score = "-bm25(mention_fts, 2.0, 1.0, 0.0)"
        if request.group_stories:
            return self._search_stories(
                request, source, clause, params, score, terms, total, facets
            )
        if sort == "relevance" and driving is not None:
            order = f"score DESC, {key} DESC"
        elif sort == "reach":
            order = f"m.followers + m.engagement DESC, {key} DESC"
        elif sort == "oldest":  # the rowid is the time key: index order, backwards
            order = f"{key} ASC"
        else:
            order = f"{key} DESC"
        page = self._read(
            f"SELECT m.doc_id, {score} AS score FROM {source}{clause} ORDER BY {order} "
            "LIMIT ? OFFSET ?",
            [*params, *reversed(paging(request))],
        )
        hits = []
        for m, (_, value) in zip(self._docs([d for d, _ in page]), page, strict=True):
            hits.append(
                SearchHit(
                    mention=m,
                    highlight=_snippet(m, terms) if request.highlight else "",
                    score=float(value),
                    story=m.cluster_id or m.id,
                    story_reach=m.reach,
                )
            )
        return SearchResult(total=total, hits=self._in_post_stories(hits), facets=facets)

    def _search_stories(
        self,
        request: SearchRequest,
        source: str,
        clause: str,
        params: list[Any],
        score: str,
        terms: Sequence[str],
        total: int,
        facets: dict[str, dict[str, int]],
    ) -> SearchResult:
        """One hit per story among the matches (SearchRequest.group_stories): the matching
        rows grouped by their cluster (read from mention_brands by its primary key, so
        the mentions table needs no column of its own), a page of groups in the order
        asked, then the earliest matching mention of each. A matching comment is a hit of
        its own (grouped by its own cluster) and counts in its post's story
        (``SearchResult.stories``): one more story only when no matching post is in it."""
        order = {
            "reach": "reach DESC, last DESC",
            "relevance": "best DESC, last DESC",
            "time": "last DESC",
            "oldest": "earliest ASC",
        }[request.sort]
        grouped = (
            f"SELECT {_STORY} AS story, {_COMMENT} AS c, m.rowid AS k, "
            f"m.followers + m.engagement AS r, {score} AS s FROM {source}{clause}"
        )
        # over every group: the groups, the stories (a group of comments only is none)
        # and the comments
        counts = "count(*) OVER (), sum(min(c) = 0) OVER (), sum(sum(c)) OVER ()"
        rows = self._read(
            "SELECT story, count(*), sum(r) AS reach, min(k) AS earliest, max(k) AS last, "
            "max(s) AS best, "
            f"{counts} FROM ({grouped}) GROUP BY story ORDER BY {order} LIMIT ? OFFSET ?",
            [*params, *reversed(paging(request))],
        )
        if rows:
            groups, stories, comments = rows[0][6:]
        else:
            groups, stories, comments = self._read(
                "SELECT count(DISTINCT story), count(DISTINCT CASE WHEN c = 0 THEN story END), "
                f"coalesce(sum(c), 0) FROM ({grouped})",
                params,
            )[0]
        post_stories = stories
        if comments:
            # a matching comment adds the story of its post when no matching post did
            # (its post's id when the post is not stored): read from the documents of
            # the matching comments only
            parent = (
                "CASE WHEN c = 1 THEN (SELECT json_extract(CAST(d.doc AS TEXT), "
                "'$.parent_id') FROM mention_docs d WHERE d.rowid = doc_row) END"
            )
            rows_of = (
                f"SELECT {_STORY} AS story, {_COMMENT} AS c, m.doc_id AS doc_row "
                f"FROM {source}{clause}"
            )
            # a reply to a comment counts in the story of the post that comment answers,
            # up to a reply to a reply to a comment (as Store.post_stories links it):
            # each distinct parent goes up twice while it is a stored comment
            stories = self._read(
                f"WITH r AS MATERIALIZED (SELECT story, c, {parent} AS pid FROM ({rows_of})), "
                "p1 AS MATERIALIZED (SELECT DISTINCT pid FROM r WHERE c = 1), "
                f"p2 AS MATERIALIZED (SELECT COALESCE({_UP}, pid) AS pid FROM p1), "
                f"p3 AS MATERIALIZED (SELECT COALESCE({_UP}, pid) AS pid FROM p2) "
                "SELECT count(DISTINCT story) FROM (SELECT story FROM r WHERE c = 0 "
                f"UNION ALL SELECT COALESCE({_POST_STORY}, pid) FROM p3)",
                params,
            )[0][0]
        first_of = self._by_rowids([r[3] for r in rows])
        hits = []
        for story, n, reach, first, _, best, *_ in rows:
            m = first_of.get(first)
            if m is None:  # deleted between the two reads
                continue
            hits.append(
                SearchHit(
                    mention=m,
                    highlight=_snippet(m, terms) if request.highlight else "",
                    score=float(best or 0.0),
                    story=story,
                    story_size=n,
                    story_reach=reach or 0,
                )
            )
        if request.facets:
            copies = total - comments - post_stories
            facets = {
                **facets,
                "story": {"stories": post_stories, "copies": copies, "comments": comments},
            }
        return SearchResult(
            total=total,
            hits=self._in_post_stories(hits),
            facets=facets,
            stories=stories,
            groups=groups,
        )

    def story(self, story_id: str, limit: int = 500) -> list[Mention]:
        root = self.get_mention(story_id)
        if root is not None and root.brand_names:
            # a story spreads after its first post: its brands' rows from then on
            lo = to_us(root.published_at)
            hi = to_us(root.published_at + STORY_SPAN)
            rowids = [
                r[0]
                for brand in dict.fromkeys(root.brand_names)
                for r in self._read(
                    "SELECT mention FROM mention_brands WHERE brand = ? AND published_at >= ? "
                    "AND published_at < ? AND cluster = ?",
                    (brand, lo, hi, story_id),
                )
            ]
        else:  # the original is not stored: every brand row of the cluster
            rowids = [
                r[0]
                for r in self._read(
                    "SELECT DISTINCT mention FROM mention_brands WHERE cluster = ?", (story_id,)
                )
            ]
        members = list(self._by_rowids(sorted(set(rowids))[:limit]).values())
        if not members and root is not None:
            members = [root]
        ids = [m.id for m in members][:IN_CHUNK]
        comments: list[Mention] = []
        if ids:
            # comments come after their post: the docs of the days after the first, whose
            # parent_id is read from the JSON (no column of its own; a page, not a search)
            lo = to_us(members[0].published_at)
            hi = to_us(members[0].published_at + COMMENT_SPAN)
            found = self._read(
                "SELECT m.doc_id FROM mentions m JOIN mention_docs d ON d.rowid = m.doc_id "
                "WHERE m.rowid >= ? AND m.rowid < ? "
                "AND json_extract(CAST(d.doc AS TEXT), '$.parent_id') "
                f"IN ({','.join('?' * len(ids))})",
                [time_key(lo), time_key(hi), *ids],
            )
            member_ids = set(ids)
            comments = sorted(
                (m for m in self._docs([r[0] for r in found]) if m.id not in member_ids),
                key=lambda m: (m.published_at, m.id),
            )[:limit]
        seen: set[str] = set()
        out = []
        for m in sorted([*members, *comments], key=lambda m: (m.published_at, m.id)):
            if m.id not in seen:
                seen.add(m.id)
                out.append(m)
        return out

    def _by_rowids(self, rowids: Sequence[int]) -> dict[int, Mention]:
        """Mentions by mentions.rowid (those that exist), in the order given."""
        sql = "SELECT rowid, doc_id FROM mentions WHERE rowid IN ({})"
        doc_of = dict(_read_in(self._read, sql, rowids))
        found = self._doc_map([doc_of[r] for r in rowids if r in doc_of])
        return {r: found[doc_of[r]] for r in rowids if r in doc_of and doc_of[r] in found}
