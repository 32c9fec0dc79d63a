"""``radar search QUERY``: search the configured store from the command line."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from config.schema import RadarConfig
from config.types import parse_duration
from index import StoreError
from index.base import SORTS, SearchRequest, SearchResult
from index.models import BrandMatch, Mention, Sentiment, utcnow
from index.query import QuerySyntaxError, unknown_brands
from radar.commands.options import config_option, load_or_exit
from radar.web.filters import brand_aliases, checked_query, configured_brand, label_lookups


def _since(value: str | None) -> datetime | None:
    """The start of the last ``value`` (a duration) as a UTC time."""
    if value is None:
        return None
    try:
        return utcnow() - timedelta(seconds=parse_duration(value))
    except ValueError as exc:
        raise click.BadParameter(f"{exc} (e.g. 30m, 24h, 7d)", param_hint="--since") from None
    except OverflowError:
        raise click.BadParameter(
            f"{value!r} reaches back before year 1; leave --since out to search all time",
            param_hint="--since",
        ) from None


def _brands(cfg: RadarConfig, query: str, brand: str | None) -> tuple[str, str | None]:
    """``query`` read as the search box and the API read it (radar.web.filters.checked_query:
    filters named in Chinese or with a full-width colon, ``情感:负面``, ``sentiment：负面``,
    labels as the cards show them, a source's title, ``brand:`` aliases) and ``--brand`` with
    a configured alias meaning its brand (``极光SUV`` is 极光汽车); a brand that is neither is
    still searched (the store may hold brands no longer configured) and named on stderr with
    the configured ones."""
    aliases = brand_aliases(cfg)
    query = checked_query(cfg, query)
    unknown = unknown_brands(query, aliases) if aliases else []
    if brand is not None:
        named = configured_brand(cfg, brand)
        if named:
            brand = named
        elif aliases:
            unknown.append(brand)
    for value in unknown:
        click.echo(
            f"note: brand {value!r} is not a configured brand or alias "
            f"(the brands: {', '.join(aliases)})",
            err=True,
        )
    return query, brand


def _sentiment(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """``--sentiment`` as the stored label: the label itself or as the cards show it
    (``负面``), through the lookup ``sentiment:负面`` in the query is read with
    (radar.web.filters.label_lookups)."""
    if value is None:
        return None
    labels = label_lookups()["sentiment"]
    key = labels.get(value.strip().casefold())
    if key is None:
        raise click.BadParameter(f"{value!r} is not one of {', '.join(labels)}")
    return key


def _as_json(result: SearchResult) -> str:
    return json.dumps(
        {
            "total": result.total,
            "facets": result.facets,
            "hits": [
                {
                    "score": hit.score,
                    "highlight": hit.highlight,
                    "mention": hit.mention.model_dump(mode="json"),
                }
                for hit in result.hits
            ],
        },
        ensure_ascii=False,
    )


def _label(sentiment: Sentiment | None) -> str:
    return sentiment.label.value if sentiment is not None else "-"


def _toward(m: Mention, match: BrandMatch) -> str:
    """``brand: label`` toward that brand, ``*`` when a person corrected it."""
    mark = "*" if match.correction is not None else ""
    return f"{match.brand}: {_label(m.sentiment_toward(match.brand))}{mark}"


def _print_table(result: SearchResult, shown_from: int) -> None:
    console = Console()
    table = Table(show_lines=False, expand=True)
    table.add_column("published (UTC)", no_wrap=True)
    table.add_column("source", no_wrap=True)
    table.add_column("brand: sentiment toward it")
    table.add_column("text", ratio=1)
    for hit in result.hits:
        m = hit.mention
        table.add_row(
            m.published_at.strftime("%Y-%m-%d %H:%M"),
            escape(m.source),
            escape(", ".join(_toward(m, b) for b in m.brands) or _label(m.sentiment)),
            escape(m.text[:140] + ("…" if len(m.text) > 140 else "")),
        )
    console.print(table)
    if any(b.correction for hit in result.hits for b in hit.mention.brands):
        console.print("* corrected by a person")
    last = shown_from + len(result.hits)
    summary = f"{shown_from + 1 if result.hits else 0}–{last} of {result.total} mentions"
    for name, counts in result.facets.items():
        if counts:
            top = sorted(counts.items(), key=lambda kv: -kv[1])[:6]
            summary += f"\n{name}: " + ", ".join(f"{escape(k)} {v}" for k, v in top)
    console.print(summary)


@click.command("search")
@click.argument("query", default="")
@click.option("--brand", help="Only mentions of this brand.")
@click.option(
    "--sentiment",
    metavar="LABEL",
    callback=_sentiment,
    help="Only this label: negative, neutral or positive, or as the cards show it (负面 …).",
)
@click.option("--since", "since", help="Only mentions published in this period, e.g. 24h, 7d.")
@click.option("--source", help="Only mentions from this configured source.")
@click.option(
    "--limit", default=20, show_default=True, type=click.IntRange(1, 1000), help="Hits shown."
)
@click.option(
    "--offset", default=0, show_default=True, type=click.IntRange(0), help="Hits skipped first."
)
@click.option(
    "--sort",
    type=click.Choice(SORTS),  # the public sorts, as the API's: not the Store's own "oldest"
    default="time",
    show_default=True,
    help="time: newest first; relevance; reach: widest spread first.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@config_option
def search(
    query: str,
    brand: str | None,
    sentiment: str | None,
    since: str | None,
    source: str | None,
    limit: int,
    offset: int,
    sort: str,
    as_json: bool,
    config_path: str | None,
) -> None:
    """Search stored mentions. QUERY uses the search-box language: words (AND is
    implicit), OR, NOT / -word, "exact phrase", (grouping) and brand:, sentiment:,
    source:, author:, category:, signal:, kind: filters.

    \b
    Examples:
      radar search 漏油 --brand 极光汽车 --since 7d
      radar search '"发动机 漏油" OR 异响 -广告' --sort relevance --json
    """
    since_at = _since(since)
    cfg = load_or_exit(config_path)
    try:
        query, brand = _brands(cfg, query, brand)
    except QuerySyntaxError as exc:
        click.echo(f"query error: {exc}", err=True)
        sys.exit(2)
    request = SearchRequest(
        query=query,
        brand=brand,
        sentiment=sentiment,
        source=source,
        since=since_at,
        sort=sort,
        limit=limit,
        offset=offset,
    )
    try:
        with cfg.store.open() as store:
            result = store.search(request)
    except QuerySyntaxError as exc:
        click.echo(f"query error: {exc}", err=True)
        sys.exit(2)
    except StoreError as exc:
        click.echo(f"store error: {exc}", err=True)
        sys.exit(1)
    if as_json:
        click.echo(_as_json(result))
    else:
        _print_table(result, offset)


commands = [search]
