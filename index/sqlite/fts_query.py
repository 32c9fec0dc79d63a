"""A parsed query (index/query.py) as SQLite conditions: the FTS5 MATCH expression for
what the full-text index holds (words as phrases of their characters, filter values as
tags of the ``tags`` column), SQL over the mentions table (``m``) for what it does not
(``author:``, a NOT on its own). Pure functions of the query tree; search.py puts them
into one statement.
"""

from __future__ import annotations

from typing import Any

from index.base import SearchRequest
from index.query import (
    BRAND_SENTIMENT,
    And,
    Filter,
    Node,
    Not,
    Or,
    Phrase,
    QuerySyntaxError,
    Term,
    parse_query,
    with_filters,
)
from index.sqlite.rows import tag
from index.text import fold_chinese, query_tokens

_TEXT_COLUMNS = "{title text}"


def _fts_phrase(text: str) -> str:
    tokens = query_tokens(text)
    if not tokens:
        raise QuerySyntaxError(
            "%(text)s has no letters or characters to search for", text=repr(text)
        )
    return f'{_TEXT_COLUMNS} : "{" ".join(tokens)}"'


def fts_expr(node: Node) -> str | None:
    """The FTS5 MATCH expression for ``node``, or None when FTS5 cannot express it on
    its own (a NOT with nothing positive beside it)."""
    if isinstance(node, Term | Phrase):
        return _fts_phrase(node.text)
    if isinstance(node, Filter):
        if node.field == "author":  # not in the FTS index: see sql_condition
            return None
        value = node.value
        if node.field in ("brand", BRAND_SENTIMENT):  # indexed folded (schema 7)
            value = fold_chinese(value)
        return f"tags : {tag(node.field, value)}"
    if isinstance(node, Or):
        parts = [fts_expr(n) for n in node.nodes]
        if any(p is None for p in parts):
            return None
        return "(" + " OR ".join(f"({p})" for p in parts) + ")"
    if isinstance(node, And):
        positive = [fts_expr(n) for n in node.nodes if not isinstance(n, Not)]
        negative = [fts_expr(n.node) for n in node.nodes if isinstance(n, Not)]
        if not positive or any(p is None for p in positive + negative):
            return None
        expr = "(" + " AND ".join(f"({p})" for p in positive) + ")"
        for n in negative:
            expr = f"({expr} NOT ({n}))"
        return expr
    return None  # Not on its own


# author:X is the author's id or name: the key (id, else name) of the mention's author
# is X, or X is a name the author posted under
_AUTHOR_CONDITION = (
    "m.author_key IN (SELECT ? UNION ALL SELECT author_key FROM authors WHERE name = ?)"
)


_FTS_PROBE = (
    "EXISTS (SELECT 1 FROM mention_fts WHERE mention_fts MATCH ? AND mention_fts.rowid = m.rowid)"
)


def _author_first(tree: Node) -> bool:
    """Whether the query ANDs an ``author:`` filter with the rest (then it drives)."""
    return isinstance(tree, And) and any(
        isinstance(n, Filter) and n.field == "author" for n in tree.nodes
    )


def sql_condition(node: Node) -> tuple[str, list[Any]]:
    """A WHERE condition over ``m`` (mentions) for any query node."""
    if isinstance(node, Filter) and node.field == "author":
        return _AUTHOR_CONDITION, [node.value, node.value]
    expr = fts_expr(node)
    if expr is not None:
        return "m.rowid IN (SELECT rowid FROM mention_fts WHERE mention_fts MATCH ?)", [expr]
    if isinstance(node, Not):
        inner, params = sql_condition(node.node)
        return f"NOT ({inner})", params
    assert isinstance(node, And | Or)
    parts = [sql_condition(n) for n in node.nodes]
    joiner = " AND " if isinstance(node, And) else " OR "
    return "(" + joiner.join(p for p, _ in parts) + ")", [x for _, ps in parts for x in ps]


def request_tree(request: SearchRequest) -> tuple[Node | None, list[str]]:
    """The parsed query with the request's own filters ANDed in, and the words to
    highlight."""
    parsed = parse_query(request.query)
    names = ("brand", "sentiment", "source", "author")
    filters = [(name, getattr(request, name)) for name in names]
    return with_filters(parsed.tree, filters), parsed.text_terms
