"""Filters that mean something or say why not: an unknown ``foo:`` is an error listing the
filters; ``brand:`` takes a configured alias and names the brands when it matches none."""

from __future__ import annotations

import pytest

from index.query import (
    FILTER_FIELDS,
    Filter,
    Not,
    QuerySyntaxError,
    UnknownFilter,
    canonical_brands,
    canonical_values,
    parse_query,
    unknown_brands,
)

BRANDS = {"极光汽车": ["极光SUV", "Aurora"], "云朵 外卖": []}


@pytest.mark.parametrize("query", ["foo:bar", '漏油 foo:"x y"', "(漏油 OR nope:1)", "-foo:bar"])
def test_an_unknown_filter_lists_the_filters(query: str) -> None:
    with pytest.raises(UnknownFilter) as err:
        parse_query(query)
    assert err.value.name in ("foo", "nope") and err.value.known == FILTER_FIELDS
    assert "brand: sentiment: source:" in str(err.value)
    assert isinstance(err.value, QuerySyntaxError)  # the API and the page answer it as 400


@pytest.mark.parametrize(
    "query", ["https://weibo.example/1", "漏油 10:30", "看看:这个", "http://x"]
)
def test_urls_times_and_chinese_colons_are_still_text(query: str) -> None:
    assert parse_query(query).tree is not None


@pytest.mark.parametrize(
    ("query", "canonical"),
    [
        ("brand:极光SUV 漏油", "brand:极光汽车 漏油"),
        ("brand:aurora", "brand:极光汽车"),  # aliases and names ignore case
        ('brand:"极光SUV" OR 刹车', "brand:极光汽车 OR 刹车"),
        ("-brand:极光SUV 漏油", "-brand:极光汽车 漏油"),
        ('-brand:"aurora" 漏油', "-brand:极光汽车 漏油"),
        ("brand:云朵 外卖", "brand:云朵 外卖"),  # an unquoted word stops at the space: "云朵"
        ('brand:"云朵 外卖"', 'brand:"云朵 外卖"'),
        ("漏油 source:demo-weibo", "漏油 source:demo-weibo"),
    ],
)
def test_brand_aliases_become_the_configured_name(query: str, canonical: str) -> None:
    assert canonical_brands(query, BRANDS) == canonical


def test_the_alias_filter_parses_to_the_brand() -> None:
    tree = parse_query(canonical_brands("-brand:Aurora", BRANDS)).tree
    assert tree == Not(Filter("brand", "极光汽车"))


def test_a_brand_that_is_not_configured_is_kept_and_named() -> None:
    # the store may hold brands no longer configured: they are searched as written
    assert canonical_brands("brand:极光 漏油", BRANDS) == "brand:极光 漏油"
    assert unknown_brands('brand:极光 OR brand:aurora OR brand:"云朵 外卖" brand:云朵', BRANDS) == [
        "极光",
        "云朵",
    ]


def test_without_brands_configured_the_query_is_untouched() -> None:
    assert canonical_brands("brand:whatever", {}) == "brand:whatever"
    assert canonical_brands("brand:", BRANDS) == "brand:"  # parse_query says it has no value


def test_canonical_values_rewrites_only_the_known_values_of_the_named_fields() -> None:
    lookups = {"category": {"安全问题": "safety"}, "sentiment": {"负面": "negative"}}
    q = '刹车 category:安全问题 OR (sentiment:负面 -category:其他) author:安全 "category:安全"'
    assert canonical_values(q, lookups) == (
        '刹车 category:safety OR (sentiment:negative -category:其他) author:安全 "category:安全"'
    )
    assert canonical_values("sentiment:负面", {}) == "sentiment:负面"


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("情感:负面", "sentiment:负面"),
        ("品牌：极光汽车 情感:负面", "brand:极光汽车 sentiment:负面"),  # the IME's ：
        ("brand：极光汽车", "brand:极光汽车"),
        ("漏油 -来源:微博（演示）", "漏油 -source:微博（演示）"),
        ("(作者:张三 OR 类型:complaint)", "(author:张三 OR kind:complaint)"),
        ("风险信号:维权 类别:安全问题", "signal:维权 category:安全问题"),
        ('"情感:负面" 漏油', '"情感:负面" 漏油'),  # a quoted phrase is text
        ("时间:下午", "时间:下午"),  # no filter of that name: text, as before
        ("看极光汽车:好", "看极光汽车:好"),
    ],
)
def test_filters_named_in_chinese(typed: str, read: str) -> None:
    """A care agent typed the facets' words, 情感:负面 or 品牌：极光汽车 (the input method's
    full-width colon): the search read them as text and found nothing."""
    from index.query import english_fields

    assert english_fields(typed) == read
    lookups = {"sentiment": {"负面": "negative"}, "brand": {"极光汽车": "极光汽车"}}
    said = canonical_values("品牌：极光汽车 情感:负面", lookups)
    assert said == "brand:极光汽车 sentiment:negative"
    assert parse_query("品牌：极光汽车 情感:negative").tree == parse_query(said).tree
