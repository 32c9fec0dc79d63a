"""The one query language of the search box, parsed once for both backends.

    漏油 退款                 both words (AND is implicit)
    漏油 OR 异响              either
    NOT 广告   /  -广告        without
    -(广告 OR 抽奖)            without any of the group (NOT (广告 OR 抽奖)); also -（ ）
    "发动机 漏油"              the exact phrase
    (漏油 OR 异响) 投诉        grouping (also （ ） as a Chinese input method types them)
    brand:极光汽车 sentiment:negative source:weibo-search author:某某   filters

Field filters may be quoted (``author:"Li Lei"``). ``AND``, ``OR`` and ``NOT`` are
operators only in upper case. Backends turn the tree into FTS5 MATCH expressions or
Elasticsearch bool queries; nothing here knows about either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

FILTER_FIELDS = ("brand", "sentiment", "source", "author", "category", "signal", "kind")
# the filters by the words the cards and the facets show (a care agent typed 情感:负面 and
# 品牌：极光汽车, with the input method's full-width colon): read as the English names
FIELD_NAMES_ZH = {
    "品牌": "brand",
    "情感": "sentiment",
    "来源": "source",
    "数据源": "source",
    "作者": "author",
    "类别": "category",
    "问题类别": "category",
    "投诉类别": "category",
    "风险信号": "signal",
    "信号": "signal",
    "类型": "kind",
}
_FIELD_NAME = re.compile(
    r"(?:(?<=^)|(?<=[\s(\-]))("
    + "|".join(sorted((*FIELD_NAMES_ZH, *FILTER_FIELDS), key=len, reverse=True))
    + r")[:：]"
)


def group_brackets(q: str) -> str:
    """``q`` with each full-width bracket that opens or closes a group (typed with a
    Chinese input method: ``（刹车 OR 漏油） 极光``) written as ``(`` or ``)``; the same
    length, so a position in one is the same in the other.

    A ``（`` opens a group only where a term starts (at the start, after a space, a
    bracket, a quoted phrase or a lone ``-``, as ``-(`` reads); inside a word or a filter's
    value it is text, and so is the ``）`` that closes it (``source:微博（演示）``). A ``）``
    not closing one of those closes a group when one is open, else it is text. Nothing
    between quotes changes."""
    if "（" not in q and "）" not in q:
        return q
    out = list(q)
    depth = 0  # groups open, of either kind of bracket
    inner = 0  # full-width brackets opened inside the current word
    word = ""  # the current word so far (only whether it is empty or "-" matters)
    quoted = False
    for i, c in enumerate(q):
        if c == '"':
            quoted = not quoted
            word, inner = "", 0
        elif quoted:
            continue
        elif c.isspace():
            word, inner = "", 0
        elif c == "(" or (c == "（" and word in ("", "-")):
            out[i] = "("
            depth += 1
            word, inner = "", 0
        elif c == "（":
            inner += 1
            word += c
        elif c == ")" or (c == "）" and not inner and depth):
            out[i] = ")"
            depth = max(depth - 1, 0)
            word, inner = "", 0
        else:
            if c == "）" and inner:
                inner -= 1
            word += c
    return "".join(out)


def english_fields(q: str) -> str:
    """``q`` with each filter named in Chinese (``情感:负面``, ``品牌：极光汽车``) or with a
    full-width colon (``brand：极光汽车``) written as the English filter (``sentiment:负面``);
    quoted phrases are left as they are, and so are full-width brackets (a filter after
    one that opens a group, ``（品牌：极光汽车 OR …）``, is written in English too)."""
    if q.count('"') % 2 or not any(c in q for c in ":："):
        return q
    parts = q.split('"')
    grouped = group_brackets(q).split('"')  # the same lengths: quotes never move
    for i in range(0, len(parts), 2):  # outside the quotes
        text, pos = [], 0
        for m in _FIELD_NAME.finditer(grouped[i]):
            text += [parts[i][pos : m.start()], FIELD_NAMES_ZH.get(m[1], m[1]), ":"]
            pos = m.end()
        parts[i] = "".join(text) + parts[i][pos:]
    return '"'.join(parts)


MAX_DEPTH = 32  # nested ( ) and NOT; deeper is no real query and would exhaust the stack


class QuerySyntaxError(ValueError):
    """The query string cannot be parsed; the message says where. It is ``template`` filled
    with ``params`` (``%(name)s``), so a page can say it in the reader's language
    (radar.web.filters.query_problem)."""

    def __init__(self, template: str, **params: object):
        self.template = template
        self.params = params
        super().__init__(template % params if params else template)


class UnknownFilter(QuerySyntaxError):
    """``foo:bar`` where ``foo`` is no filter: an error that lists the filters (a word with
    a colon used to be searched as text and silently found nothing)."""

    def __init__(self, name: str):
        self.name = name
        self.known = FILTER_FIELDS
        super().__init__(
            f"unknown filter '{name}:' (the filters are "
            f"{' '.join(f + ':' for f in FILTER_FIELDS)}; quote the word to search it as text)"
        )


@dataclass(frozen=True)
class Term:
    text: str


@dataclass(frozen=True)
class Phrase:
    text: str


@dataclass(frozen=True)
class Filter:
    field: str
    value: str


@dataclass(frozen=True)
class Not:
    node: Node


@dataclass(frozen=True)
class And:
    nodes: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    nodes: tuple[Node, ...]


Node = Term | Phrase | Filter | Not | And | Or


@dataclass
class ParsedQuery:
    """``tree`` is None for an empty query (match everything)."""

    tree: Node | None
    raw: str = ""
    text_terms: list[str] = field(default_factory=list)  # words/phrases to highlight


_TOKEN = re.compile(
    r'\s*(?:(?P<nlp>-\()|(?P<lp>\()|(?P<rp>\))|(?P<fneg>-)?(?P<field>[a-z]+):"(?P<fq>[^"]*)"'
    r'|(?P<neg>-)?"(?P<phrase>[^"]*)"|(?P<word>[^\s()"]+))'
)


def _tokens(q: str) -> list[tuple[str, str, str]]:
    if q.count('"') % 2:
        raise QuerySyntaxError('unbalanced quote (") in the query')
    out: list[tuple[str, str, str]] = []
    pos = 0
    while pos < len(q):
        if q[pos:].strip() == "":
            break
        m = _TOKEN.match(q, pos)
        if not m or m.end() == pos:
            raise QuerySyntaxError(
                "cannot read the query at position %(pos)s: %(text)s",
                pos=pos,
                text=repr(q[pos : pos + 20]),
            )
        pos = m.end()
        if m.group("nlp"):  # -(刹车 OR 漏油): NOT (刹车 OR 漏油)
            out.append(("-(", "", ""))
        elif m.group("lp"):
            out.append(("(", "", ""))
        elif m.group("rp"):
            out.append((")", "", ""))
        elif m.group("field") is not None:  # -brand:"云朵 外卖": NOT brand:"云朵 外卖"
            kind = "nfield" if m.group("fneg") else "field"
            out.append((kind, m.group("field"), m.group("fq")))
        elif m.group("phrase") is not None:
            out.append(("nphrase" if m.group("neg") else "phrase", m.group("phrase"), ""))
        else:
            out.append(("word", m.group("word"), ""))
    return out


_FILTER_WORD = re.compile(r"([a-z]+):(.*)")


def brand_lookup(brands: dict[str, list[str]]) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for name, aliases in brands.items():
        for term in (*aliases, name):
            lookup[term.strip().casefold()] = name
    return lookup


def canonical_brands(q: str, brands: dict[str, list[str]]) -> str:
    """``q`` with each ``brand:`` filter that names a configured brand by an alias (or by
    its name in another case) written with the brand's name. ``brands``: name -> aliases.
    Other values are left as they are: the store may hold brands no longer configured."""
    if not brands:
        return q
    return canonical_values(q, {"brand": brand_lookup(brands)})


def canonical_values(q: str, lookups: dict[str, dict[str, str]]) -> str:
    """``q`` with the value of each ``field:`` filter that ``lookups[field]`` knows (keyed
    by the value stripped and casefolded) written as the value it maps to: a brand's
    alias as its name, a label people read (``category:安全问题``) as the stored key
    (``category:safety``). Other values are left as they are."""
    q = english_fields(q)
    if not any(f"{field}:" in q for field in lookups):
        return q
    out, pos = [], 0
    for name, value, (start, end) in _spans(q):
        canonical = lookups.get(name, {}).get(value.strip().casefold())
        if canonical is None:
            continue
        plain = re.fullmatch(r'[^\s()"]+', canonical)  # a word stays bare
        out.append(q[pos:start] + (f"{name}:{canonical}" if plain else f'{name}:"{canonical}"'))
        pos = end
    return "".join(out) + q[pos:]


def unknown_brands(q: str, brands: dict[str, list[str]]) -> list[str]:
    """The ``brand:`` values of ``q`` that are neither a configured brand nor an alias."""
    lookup = brand_lookup(brands)
    return [
        value
        for kind, value, _ in _spans(q)
        if kind == "brand" and value.strip() and value.strip().casefold() not in lookup
    ]


def filter_values(q: str, field: str) -> list[str]:
    """The values of the ``field:`` filters of ``q`` (``kind:tousu`` → ``["tousu"]``)."""
    return [value for name, value, _ in _spans(q) if name == field]


def _spans(q: str) -> list[tuple[str, str, tuple[int, int]]]:
    """(filter name, value, (start, end)) of every ``name:value`` / ``name:"value"`` token
    of ``q`` (a leading ``-`` is kept outside the span); ``q`` as :func:`english_fields`
    writes it."""
    q = group_brackets(english_fields(q))  # the same positions as english_fields(q)
    if q.count('"') % 2:
        raise QuerySyntaxError('unbalanced quote (") in the query')
    found = []
    pos = 0
    while pos < len(q) and q[pos:].strip():
        m = _TOKEN.match(q, pos)
        if not m or m.end() == pos:
            break  # parse_query names the problem
        pos = m.end()
        if m.group("field") is not None:
            found.append((m.group("field"), m.group("fq"), (m.start("field"), m.end())))
        elif m.group("word") is not None:
            w = _FILTER_WORD.fullmatch(m.group("word").lstrip("-"))
            if w:
                found.append((w.group(1), w.group(2), (m.end() - len(w.group(0)), m.end())))
    return found


class _Parser:
    def __init__(self, tokens: list[tuple[str, str, str]]):
        self.toks = tokens
        self.i = 0
        self.depth = 0
        self.terms: list[str] = []

    def _nest(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise QuerySyntaxError(
                "the query nests ( ) or NOT more than %(depth)s deep", depth=MAX_DEPTH
            )

    def peek(self) -> tuple[str, str, str] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def parse(self) -> Node | None:
        if not self.toks:
            return None
        node = self.or_expr()
        if self.peek() is not None:
            raise QuerySyntaxError("unmatched ')' in the query")
        return node

    def or_expr(self) -> Node:
        nodes = [self.and_expr()]
        while (t := self.peek()) and t[0] == "word" and t[1] == "OR":
            self.i += 1
            nodes.append(self.and_expr())
        return nodes[0] if len(nodes) == 1 else Or(tuple(nodes))

    def and_expr(self) -> Node:
        nodes: list[Node] = []
        while (t := self.peek()) and t[0] != ")" and not (t[0] == "word" and t[1] == "OR"):
            if t[0] == "word" and t[1] == "AND":
                self.i += 1
                continue
            nodes.append(self.unary())
        if not nodes:
            prev = self.toks[self.i - 1][0] if self.i else None
            if t is None and prev == "(":
                raise QuerySyntaxError("missing ')' in the query")
            if t is not None and t[0] == ")" and prev in (None, "("):
                raise QuerySyntaxError(
                    "empty ( ) in the query" if prev else "unmatched ')' in the query"
                )
            raise QuerySyntaxError("an operator (OR/AND) is missing a word on one side")
        return nodes[0] if len(nodes) == 1 else And(tuple(nodes))

    def unary(self) -> Node:
        t = self.peek()
        assert t is not None
        if t[0] == "word" and t[1] == "NOT":
            self.i += 1
            if self.peek() is None:
                raise QuerySyntaxError("NOT at the end of the query has nothing to exclude")
            before = list(self.terms)
            self._nest()
            node = self.unary()
            self.depth -= 1
            self.terms = before  # excluded words are not highlighted
            return Not(node)
        if t[0] == "word" and t[1].startswith("-") and len(t[1]) > 1:
            self.i += 1
            self.toks.insert(self.i, ("word", t[1][1:], ""))
            return Not(self._negated_atom())
        if t[0] == "-(":  # the group that follows, excluded
            self.toks[self.i] = ("(", "", "")
            self._nest()
            node = self._negated_atom()
            self.depth -= 1
            return Not(node)
        return self.atom()

    def _negated_atom(self) -> Node:
        # the excluded term must not feed highlighting
        before = list(self.terms)
        node = self.atom()
        self.terms = before
        return node

    def atom(self) -> Node:
        t = self.toks[self.i]
        self.i += 1
        kind, a, b = t
        if kind == "(":
            self._nest()
            node = self.or_expr()
            self.depth -= 1
            if (c := self.peek()) is None or c[0] != ")":
                raise QuerySyntaxError("missing ')' in the query")
            self.i += 1
            return node
        if kind == ")":
            raise QuerySyntaxError("unexpected ')' in the query")
        if kind == "field":
            return self._filter(a, b)
        if kind == "nfield":
            return Not(self._filter(a, b))
        if kind in ("phrase", "nphrase"):
            phrase = Phrase(a.strip())
            if kind == "nphrase":
                return Not(phrase)
            self.terms.append(a.strip())
            return phrase
        m = _FILTER_WORD.fullmatch(a)
        if m and m.group(1) in FILTER_FIELDS:
            return self._filter(m.group(1), m.group(2))
        if m and m.group(2) and not m.group(2).startswith("//"):  # a URL is searched as text
            raise UnknownFilter(m.group(1))
        self.terms.append(a)
        return Term(a)

    def _filter(self, name: str, value: str) -> Node:
        if name not in FILTER_FIELDS:
            raise UnknownFilter(name)
        if not value:
            raise QuerySyntaxError("filter '%(name)s:' has no value", name=name)
        if name == "sentiment" and value not in ("negative", "neutral", "positive"):
            raise QuerySyntaxError("sentiment: must be negative, neutral or positive")
        return Filter(name, value)


def parse_query(q: str) -> ParsedQuery:
    """Parse a search-box string; raises QuerySyntaxError naming what is wrong."""
    q = english_fields((q or "").strip())
    parser = _Parser(_tokens(group_brackets(q)))
    tree = parser.parse()
    return ParsedQuery(tree=tree, raw=q, text_terms=[t for t in parser.terms if t])


BRAND_SENTIMENT = "brand+sentiment"  # the internal filter a paired brand: and sentiment: become


def pair_brand_sentiment(node: Node) -> Node:
    """``sentiment:X`` ANDed with exactly one ``brand:B`` means the sentiment toward B:
    the two become one ``brand+sentiment`` filter (value ``"B\\0X"``). Anywhere else
    ``sentiment:X`` finds a mention whose sentiment toward any brand it names is X (one
    without brands: its document sentiment). Both backends search the paired tree."""
    if isinstance(node, Not):
        return Not(pair_brand_sentiment(node.node))
    if isinstance(node, Or):
        return Or(tuple(pair_brand_sentiment(n) for n in node.nodes))
    if not isinstance(node, And):
        return node
    nodes = [pair_brand_sentiment(n) for n in node.nodes]
    brands = [n for n in nodes if isinstance(n, Filter) and n.field == "brand"]
    sentiments = [n for n in nodes if isinstance(n, Filter) and n.field == "sentiment"]
    if len(brands) == 1 and len(sentiments) == 1:
        nodes = [n for n in nodes if n is not brands[0] and n is not sentiments[0]]
        nodes.append(Filter(BRAND_SENTIMENT, f"{brands[0].value}\0{sentiments[0].value}"))
    return nodes[0] if len(nodes) == 1 else And(tuple(nodes))


def with_filters(tree: Node | None, filters: list[tuple[str, str | None]]) -> Node | None:
    """``tree`` ANDed with the request's own filters (field, value), brand and sentiment
    paired (see :func:`pair_brand_sentiment`); None when there is nothing to match."""
    nodes: list[Node] = []
    if tree is not None:
        nodes += list(tree.nodes) if isinstance(tree, And) else [tree]
    nodes += [Filter(name, value) for name, value in filters if value]
    if not nodes:
        return None
    return pair_brand_sentiment(nodes[0] if len(nodes) == 1 else And(tuple(nodes)))


def filtered_brand(tree: Node | None) -> str | None:
    """The one brand every match must name (``brand:`` ANDed at the top of the query),
    else None: the sentiment facet then counts that brand's labels."""
    if tree is None:
        return None
    names = set()
    for n in tree.nodes if isinstance(tree, And) else (tree,):
        if isinstance(n, Filter) and n.field == "brand":
            names.add(n.value)
        elif isinstance(n, Filter) and n.field == BRAND_SENTIMENT:
            names.add(n.value.partition("\0")[0])
    return names.pop() if len(names) == 1 else None
