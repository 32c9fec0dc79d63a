"""The search-box language (index/query.py)."""

from __future__ import annotations

import pytest

from index.query import (
    And,
    Filter,
    Not,
    Or,
    Phrase,
    QuerySyntaxError,
    Term,
    canonical_values,
    parse_query,
)


@pytest.mark.parametrize(
    ("query", "tree"),
    [
        ("", None),
        ("漏油", Term("漏油")),
        ("漏油 退款", And((Term("漏油"), Term("退款")))),
        ("漏油 AND 退款", And((Term("漏油"), Term("退款")))),
        ("漏油 OR 异响", Or((Term("漏油"), Term("异响")))),
        ("漏油 退款 OR 异响", Or((And((Term("漏油"), Term("退款"))), Term("异响")))),
        ("NOT 广告", Not(Term("广告"))),
        ("漏油 -广告", And((Term("漏油"), Not(Term("广告"))))),
        ('"发动机 漏油"', Phrase("发动机 漏油")),
        ('漏油 -"修复剂"', And((Term("漏油"), Not(Phrase("修复剂"))))),
        ("(漏油 OR 异响) 投诉", And((Or((Term("漏油"), Term("异响"))), Term("投诉")))),
        ("brand:极光汽车", Filter("brand", "极光汽车")),
        ('author:"Li Lei"', Filter("author", "Li Lei")),
        (
            "sentiment:negative source:weibo-search 漏油",
            And(
                (
                    Filter("sentiment", "negative"),
                    Filter("source", "weibo-search"),
                    Term("漏油"),
                )
            ),
        ),
        ("-brand:星河手机", Not(Filter("brand", "星河手机"))),
        # a quoted filter negated with a minus, as with NOT (was "filter 'brand:' has no value")
        ('-brand:"云朵 外卖"', Not(Filter("brand", "云朵 外卖"))),
        ('漏油 -author:"Li Lei"', And((Term("漏油"), Not(Filter("author", "Li Lei"))))),
        ('漏油 - brand:"云朵 外卖"', And((Term("漏油"), Term("-"), Filter("brand", "云朵 外卖")))),
        (
            "category:billing signal:media kind:reply",
            And(
                (
                    Filter("category", "billing"),
                    Filter("signal", "media"),
                    Filter("kind", "reply"),
                )
            ),
        ),
        ('"url:http"', Phrase("url:http")),  # quoted: text (unquoted: UnknownFilter)
        ("or and", And((Term("or"), Term("and")))),  # operators are upper case only
    ],
)
def test_parse(query: str, tree: object) -> None:
    assert parse_query(query).tree == tree


@pytest.mark.parametrize(
    ("query", "tree"),
    [
        # typed with a Chinese input method: （ ） group where a term starts or ends
        ("（漏油 OR 异响） 投诉", And((Or((Term("漏油"), Term("异响"))), Term("投诉")))),
        ("（漏油 OR 异响 ） 投诉", And((Or((Term("漏油"), Term("异响"))), Term("投诉")))),
        ("投诉 （（漏油） OR 异响）", And((Term("投诉"), Or((Term("漏油"), Term("异响")))))),
        ("NOT （漏油 OR 异响）", Not(Or((Term("漏油"), Term("异响"))))),
        ("(漏油 OR 异响） 投诉", And((Or((Term("漏油"), Term("异响"))), Term("投诉")))),
        (
            '（"发动机 漏油"）投诉',
            And((Phrase("发动机 漏油"), Term("投诉"))),
        ),
        (
            "（品牌：极光汽车 OR 来源:微博） 漏油",
            And((Or((Filter("brand", "极光汽车"), Filter("source", "微博"))), Term("漏油"))),
        ),
        # inside a value, a word or a quoted phrase they are text
        ("source:微博（演示）", Filter("source", "微博（演示）")),
        ("来源：微博（演示）", Filter("source", "微博（演示）")),
        (
            "（source:微博（演示） OR 漏油）",
            Or((Filter("source", "微博（演示）"), Term("漏油"))),
        ),
        (
            "（漏油 OR source:微博（演示））",
            Or((Term("漏油"), Filter("source", "微博（演示）"))),
        ),
        ('author:"（某）" 漏油', And((Filter("author", "（某）"), Term("漏油")))),
        ('"（漏油 OR 异响）"', Phrase("（漏油 OR 异响）")),
        ("极光（北京）", Term("极光（北京）")),
        ("漏油）", Term("漏油）")),  # no group is open: text, as it always was
    ],
)
def test_full_width_brackets_group_where_a_term_starts(query: str, tree: object) -> None:
    assert parse_query(query).tree == tree


@pytest.mark.parametrize(
    ("query", "tree"),
    [
        ("-(刹车 OR 漏油)", Not(Or((Term("刹车"), Term("漏油"))))),
        ("-（刹车 OR 漏油）", Not(Or((Term("刹车"), Term("漏油"))))),
        ("极光 -（刹车 OR 漏油）", And((Term("极光"), Not(Or((Term("刹车"), Term("漏油"))))))),
        ("极光 -(刹车 漏油)", And((Term("极光"), Not(And((Term("刹车"), Term("漏油"))))))),
        (
            "-(brand:极光汽车 OR 来源:微博) 漏油",
            And((Not(Or((Filter("brand", "极光汽车"), Filter("source", "微博")))), Term("漏油"))),
        ),
        ("-(漏油)", Not(Term("漏油"))),
    ],
)
def test_a_minus_before_a_group_excludes_the_group(query: str, tree: object) -> None:
    # was the word '-' and the group, which the store refused ("'-' has no letters")
    assert parse_query(query).tree == tree
    assert parse_query(query.replace("-", "NOT ", 1)).tree == tree
    assert parse_query('"-(漏油)"').tree == Phrase("-(漏油)")  # quoted: text


def test_a_negated_group_is_not_highlighted() -> None:
    assert parse_query("极光 -(刹车 OR 漏油)").text_terms == ["极光"]
    assert parse_query("-（刹车 OR 漏油） 异响").text_terms == ["异响"]


def test_full_width_brackets_keep_filter_positions_for_canonical_values() -> None:
    lookups = {"source": {"微博（演示）": "demo-weibo"}, "brand": {"极光suv": "极光汽车"}}
    typed = "（source:微博（演示） OR brand:极光SUV） 漏油"
    assert canonical_values(typed, lookups) == "（source:demo-weibo OR brand:极光汽车） 漏油"


def test_nesting_up_to_the_limit_parses() -> None:
    assert parse_query("(" * 32 + "漏油" + ")" * 32).tree == Term("漏油")
    assert parse_query("NOT " * 32 + "漏油").tree is not None
    assert parse_query("(漏油 OR 异响) NOT (广告 OR (NOT 投诉))").tree is not None


def test_highlight_terms_leave_out_excluded_words() -> None:
    parsed = parse_query('漏油 "发动机 异响" -广告 NOT 修复剂 brand:极光汽车')
    assert parsed.text_terms == ["漏油", "发动机 异响"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ('"漏油', "unbalanced quote"),
        ("(漏油 OR 异响", "missing ')'"),
        ("漏油)", "unmatched ')'"),
        ("漏油 OR", "missing a word"),
        ("OR 漏油", "missing a word"),
        ("漏油 NOT", "nothing to exclude"),
        ('colour:"red"', "unknown filter 'colour:'"),
        ("sentiment:angry", "negative, neutral or positive"),
        ('brand:""', "has no value"),
        ("brand:", "has no value"),
        ("漏油 author:", "has no value"),
        ("(", "missing ')'"),
        (")", "unmatched ')'"),
        ("漏油 ( )", "empty ( )"),
        ("（漏油 OR 异响", "missing ')'"),
        ("漏油 （ ）", "empty ( )"),
        ("漏油 -()", "empty ( )"),
        ("漏油 -（ ）", "empty ( )"),
        ("漏油 -(异响", "missing ')'"),
        ("漏油 -（异响", "missing ')'"),
        ("-(" * 33 + "漏油" + ")" * 33, "more than 32 deep"),
        ("(" * 33 + "漏油" + ")" * 33, "more than 32 deep"),
        ("NOT " * 33 + "漏油", "more than 32 deep"),
        ("(" * 5000 + "漏油" + ")" * 5000, "more than 32 deep"),  # was a RecursionError
        ("NOT " * 5000 + "漏油", "more than 32 deep"),
    ],
)
def test_syntax_errors_say_what_is_wrong(query: str, message: str) -> None:
    with pytest.raises(QuerySyntaxError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_query(query)
