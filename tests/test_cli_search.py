"""``radar search`` reads ``brand:`` as the search box does: a configured alias means its
brand, in the query and in ``--brand``; a brand that is neither is named on stderr with the
configured ones; ``--sort reach`` as in the API."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from index import open_store
from index.models import Author, BrandMatch, Engagement, Mention, Sentiment, utcnow
from radar.cli import cli


def _mention(n: int, brand: str, followers: int) -> Mention:
    return Mention(
        id=f"s:{n}",
        source="s",
        native_id=str(n),
        url=f"https://weibo.example/{n}",
        text=f"{brand} 漏油 {n}",
        author=Author(id=f"u{n}", name=f"用户{n}", followers=followers),
        published_at=utcnow() - timedelta(minutes=n),
        engagement=Engagement(),
        brands=[BrandMatch(brand=brand, keywords=[brand])],
        sentiment=Sentiment(score=0.1, label="negative"),
        cluster_id=f"s:{n}",
    )


@pytest.fixture
def config(tmp_path: Path) -> Path:
    db = tmp_path / "radar.db"
    with open_store(f"sqlite:///{db}") as store:
        store.upsert_mentions(
            [
                _mention(1, "极光汽车", 10),
                _mention(2, "极光汽车", 5_000),
                _mention(3, "清泉乳业", 1),
            ]
        )
    path = tmp_path / "radar.yaml"
    path.write_text(
        f"store: {{url: 'sqlite:///{db}'}}\n"
        "brands: [{name: 极光汽车, aliases: [极光SUV]}, {name: 清泉乳业}]\n",
        encoding="utf-8",
    )
    return path


def _search(config: Path, *args: str) -> tuple[list[str], str]:
    result = CliRunner().invoke(cli, ["search", *args, "--json", "--config", str(config)])
    assert result.exit_code == 0, result.output
    return [h["mention"]["id"] for h in json.loads(result.stdout)["hits"]], result.stderr


@pytest.mark.parametrize(
    "args",
    [("brand:极光SUV",), ("--brand", "极光SUV"), ("--brand", "极光汽车"), ("brand:极光suv",)],
)
def test_an_alias_means_its_brand(config: Path, args: tuple[str, ...]) -> None:
    ids, err = _search(config, *args)
    assert ids == ["s:1", "s:2"]
    assert err == ""


@pytest.mark.parametrize("args", [("brand:极光",), ("--brand", "极光")])
def test_an_unconfigured_brand_is_named_with_the_configured_ones(
    config: Path, args: tuple[str, ...]
) -> None:
    ids, err = _search(config, *args)
    assert ids == []
    assert "brand '极光' is not a configured brand or alias (the brands: 极光汽车, 清泉乳业)" in err


def test_sort_by_reach(config: Path) -> None:
    ids, _ = _search(config, "--sort", "reach")
    assert ids[0] == "s:2"


@pytest.mark.parametrize(
    "query",
    [
        "sentiment:负面",
        "情感:负面",
        "情感：负面",
        "sentiment：negative",
        "情感:负面 品牌：极光SUV",
        '情感:"负面"',
    ],
)
def test_filters_named_in_chinese_read_as_in_the_search_box(config: Path, query: str) -> None:
    """The search box and the API take the facets' words and the full-width colon (6075bf5);
    the CLI reads its QUERY through the same code, not refusing 'sentiment: must be …'."""
    ids, err = _search(config, query)
    expected = ["s:1", "s:2"] if "品牌" in query else ["s:1", "s:2", "s:3"]
    assert ids == expected
    assert err == ""


def test_a_chinese_filter_with_no_such_label_is_still_refused(config: Path) -> None:
    result = CliRunner().invoke(cli, ["search", "情感:很差", "--config", str(config)])
    assert result.exit_code == 2
    assert "query error: sentiment: must be negative, neutral or positive" in result.stderr


@pytest.mark.parametrize("label", ["负面", "negative", " 负面 ", "Negative"])
def test_the_sentiment_option_takes_the_labels_the_cards_show(config: Path, label: str) -> None:
    """--sentiment reads 负面/中性/正面 as sentiment:负面 in the query does (32a817a)."""
    assert _search(config, "--sentiment", label)[0] == ["s:1", "s:2", "s:3"]
    assert _search(config, "--sentiment", "正面")[0] == []
    assert _search(config, "--sentiment", "中性")[0] == []


def test_the_sentiment_option_refuses_another_word(config: Path) -> None:
    result = CliRunner().invoke(cli, ["search", "--sentiment", "很差", "--config", str(config)])
    assert result.exit_code == 2
    assert "'很差' is not one of 负面, negative, 中性, neutral, 正面, positive" in result.stderr
