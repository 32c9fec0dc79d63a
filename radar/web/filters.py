"""The search box's filters as the care desk means them: ``brand:`` takes a configured
alias (and a brand that matches none is named with the configured ones when nothing is
found), ``sentiment:`` ``category:`` ``signal:`` take the labels the cards show
(``category:安全问题`` is ``category:safety``), and a query the parser refuses is
explained in the reader's language (the JSON API keeps the parser's English message)."""

from __future__ import annotations

from functools import cache

from fastapi import HTTPException

from config.i18n import LOCALES, N_, _, translations
from config.schema import RadarConfig
from index.query import (
    QuerySyntaxError,
    UnknownFilter,
    brand_lookup,
    canonical_values,
    filter_values,
    parse_query,
    unknown_brands,
)
from radar.web.render import LABELS, label


def brand_aliases(config: RadarConfig) -> dict[str, list[str]]:
    return {b.name: list(b.aliases) for b in config.brands}


def configured_brand(config: RadarConfig, value: str) -> str | None:
    """The configured brand ``value`` names, by its name or an alias (any case), else None."""
    key = value.strip().casefold()
    for b in config.brands:
        if key in {t.strip().casefold() for t in (b.name, *b.aliases)}:
            return b.name
    return None


def brand_named(config: RadarConfig, value: str) -> str:
    """The configured brand ``value`` names (its name or an alias, as the search box and
    corrections take it); 404 naming the value when it names none."""
    name = configured_brand(config, value)
    if name is None:
        raise HTTPException(404, _("brand %(brand)s is not configured") % {"brand": repr(value)})
    return name


def brand_filter(config: RadarConfig, value: str) -> str | None:
    """The ``brand`` parameter of the overview, the terms and the case board: None (all
    brands) when it is empty or only spaces, else the configured brand it names (404
    naming the value when it names none)."""
    return brand_named(config, value) if value.strip() else None


# the filters whose stored keys the cards show by a label (radar.web.render.LABELS)
LABELLED_FILTERS = ("sentiment", "category", "signal", "kind")


@cache
def label_lookups() -> dict[str, dict[str, str]]:
    """filter -> {label in any language, casefolded: stored key}: the badge reads 安全问题
    (title category:safety), and category:安全问题 is what a reader types."""
    lookups: dict[str, dict[str, str]] = {}
    for field in LABELLED_FILTERS:
        lookup = lookups.setdefault(field, {})
        for key, msgid in LABELS[field].items():
            if not key:
                continue
            for locale in LOCALES:
                lookup.setdefault(translations(locale).gettext(msgid).casefold(), key)
    return lookups


def source_lookup(config: RadarConfig) -> dict[str, str]:
    """{a source's title, casefolded: its name}: the cards read 微博（演示）, and
    ``source:微博（演示）`` finds what ``source:demo-weibo`` finds."""
    return {s.title.casefold(): s.name for s in config.sources if s.title}


def canonical_query(config: RadarConfig, q: str) -> str:
    """The search box's query with ``brand:`` aliases replaced by the brand's name,
    ``source:`` titles by the source's name, and the labels of ``sentiment:``
    ``category:`` ``signal:`` by their stored keys."""
    lookups = dict(label_lookups())
    if config.brands:
        lookups["brand"] = brand_lookup(brand_aliases(config))
    if titles := source_lookup(config):
        lookups["source"] = titles
    return canonical_values(q, lookups)


def brand_hint(config: RadarConfig, q: str) -> str | None:
    """Why ``brand:X`` may have found nothing: X is not a configured brand or alias
    (the store may still hold it: it is searched all the same)."""
    unknown = unknown_brands(q, brand_aliases(config)) if config.brands else []
    if not unknown:
        return None
    return _("brand:%(value)s is not a configured brand or alias. The brands: %(brands)s.") % {
        "value": unknown[0],
        "brands": _(", ").join(b.name for b in config.brands),
    }


def unknown_sources(config: RadarConfig, q: str) -> list[str]:
    """The ``source:`` values of ``q`` that are neither a configured source's name nor its
    title (``source:微博`` where the cards read 微博（演示）)."""
    names, titles = {s.name for s in config.sources}, source_lookup(config)
    return [
        v
        for v in (value.strip() for value in filter_values(q, "source"))
        if v and v not in names and v.casefold() not in titles
    ]


def source_hint(config: RadarConfig, q: str) -> str | None:
    """Why ``source:X`` may have found nothing: X names no configured source (say which
    are, as the cards name them: ``source:`` takes that too)."""
    unknown = unknown_sources(config, q) if config.sources else []
    if not unknown:
        return None
    return _("source:%(value)s is not a configured source. The sources: %(sources)s.") % {
        "value": unknown[0],
        "sources": _(", ").join(config.source_titles().values()),
    }


def api_notes(config: RadarConfig, q: str) -> list[str]:
    """The JSON API's ``notes`` (English, as its other messages): the ``brand:`` and
    ``source:`` values of ``q`` that name nothing configured — searched all the same (the
    store may hold them from before), but a typo there otherwise reads as "no mentions" —
    and a ``kind:`` that is the kind of a configured source (the page's kind_hint)."""
    notes = []
    if config.brands:
        notes += [
            f"brand:{value} is not a configured brand or alias "
            f"(the brands: {', '.join(b.name for b in config.brands)})"
            for value in unknown_brands(q, brand_aliases(config))
        ]
    sources = [s.name for s in config.sources]
    if sources:
        notes += [
            f"source:{value} is not a configured source (the sources: {', '.join(sources)})"
            for value in unknown_sources(config, q)
        ]
    # kind:tousu is the kind of a source, not of a post: the search page says so (kind_hint)
    for value in filter_values(q, "kind"):
        names = [s.name for s in config.sources if str(s.kind) == value.strip()]
        if names:
            notes.append(
                f"kind:{value} is the type of post (post, repost, comment, reply, article, "
                f"complaint…), not the kind of source: search the {value} sources with "
                + ", ".join(f"source:{n}" for n in names)
            )
    return notes


def kind_hint(config: RadarConfig, q: str) -> str | None:
    """Why ``kind:X`` may have found nothing: ``kind:`` is the type of post, and X is the
    kind of a configured source (``kind: tousu`` in the config) — ``source:`` finds those."""
    for value in filter_values(q, "kind"):
        names = [s.name for s in config.sources if str(s.kind) == value.strip()]
        if names:
            return _(
                "kind: is the type of post (post, repost, comment, reply, article, complaint…), "
                "not the kind of source. The %(kind)s sources: search them with %(filters)s."
            ) % {"kind": value, "filters": _(", ").join(f"source:{n}" for n in names)}
    return None


# the parser's fixed messages (index/query.py), translated where the search page shows
# them; a message not listed here is shown as the parser wrote it
PARSER_MESSAGES = (
    N_('unbalanced quote (") in the query'),
    N_("unmatched ')' in the query"),
    N_("missing ')' in the query"),
    N_("unexpected ')' in the query"),
    N_("an operator (OR/AND) is missing a word on one side"),
    N_("NOT at the end of the query has nothing to exclude"),
    N_("sentiment: must be negative, neutral or positive"),
    N_("empty ( ) in the query"),
    N_("filter '%(name)s:' has no value"),
    N_("the query nests ( ) or NOT more than %(depth)s deep"),
    N_("cannot read the query at position %(pos)s: %(text)s"),
    # the store's (index/sqlite/): a query the parser took but the index cannot run
    N_("%(text)s has no letters or characters to search for"),
    N_("cannot search for that: %(error)s"),
    N_("the search is too complex: %(error)s"),
)


def query_problem(exc: QuerySyntaxError) -> str:
    """What the search page says about a query it cannot run, in the reader's language
    (the JSON API keeps the parser's English message)."""
    if isinstance(exc, UnknownFilter):
        return _(
            "Unknown filter %(name)s: — the filters are %(known)s "
            '(put the word in quotes to search it as text: "%(name)s:…").'
        ) % {"name": exc.name, "known": " ".join(f + ":" for f in exc.known)}
    problem = str(exc)
    if exc.template in PARSER_MESSAGES:
        problem = _(exc.template) % exc.params if exc.params else _(exc.template)
    return _("The query cannot be read: %(problem)s") % {"problem": problem}


def facet_query(config: RadarConfig, q: str, field: str, value: str) -> str | None:
    """The query of a facet's link: ``q`` narrowed to ``field:value``, the value written
    as the cards show it (``sentiment:负面``, not ``sentiment:negative`` in a Chinese
    box); None when ``q`` already has that filter (the link would only repeat it)."""
    try:
        canonical = canonical_query(config, q)
        present = value in filter_values(canonical, field) and " OR " not in f" {q} "
    except QuerySyntaxError:
        present = False
    if present:
        return None
    shown = label(value, field) if field in LABELLED_FILTERS else value
    if field == "source":
        shown = config.source_titles().get(value, value)
    written = f'"{shown}"' if any(c in shown for c in " ()") else shown
    return f"{q} {field}:{written}".strip()


def checked_query(config: RadarConfig, q: str) -> str:
    """``q`` parsed (raises :class:`QuerySyntaxError` naming the problem) and with brand
    aliases replaced: what the store is asked."""
    canonical = canonical_query(config, q.strip())
    parse_query(canonical)
    return canonical


def page_problem(config: RadarConfig, q: str) -> str | None:
    """What the search page says about ``q`` when it cannot be run, else None."""
    try:
        checked_query(config, q)
    except QuerySyntaxError as exc:
        return query_problem(exc)
    return None
