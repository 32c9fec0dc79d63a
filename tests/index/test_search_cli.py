"""``radar search`` on the configured store."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from click.testing import CliRunner

from index import open_store
from index.models import Mention, utcnow
from radar.cli import cli


@pytest.fixture
def config_file(tmp_path):
    db = tmp_path / "radar.db"
    now = utcnow()
    with open_store(f"sqlite:///{db}") as store:
        store.upsert_mentions(
            [
                Mention(
                    id="weibo-search:1",
                    source="weibo-search",
                    text="<b>发动机漏油</b>，4S店不给退款",
                    published_at=now - timedelta(days=1),
                    brands=[{"brand": "极光汽车"}],
                    sentiment={"score": 0.1, "label": "negative"},
                ),
                Mention(
                    id="tieba-car:2",
                    source="tieba-car",
                    text="漏油的问题修好了，很满意",
                    published_at=now - timedelta(days=20),
                    brands=[{"brand": "极光汽车"}],
                    sentiment={"score": 0.9, "label": "positive"},
                ),
            ]
        )
    path = tmp_path / "radar.yaml"
    path.write_text(f"store:\n  url: sqlite:///{db}\n", encoding="utf-8")
    return str(path)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_search_json_with_filters(config_file: str) -> None:
    code, out, _ = run("search", "漏油", "--since", "7d", "--json", "--config", config_file)
    assert code == 0
    data = json.loads(out)
    assert data["total"] == 1
    assert data["hits"][0]["mention"]["id"] == "weibo-search:1"
    assert "&lt;b&gt;" in data["hits"][0]["highlight"]
    assert data["facets"]["sentiment"] == {"negative": 1}
    code, out, _ = run(
        "search", "漏油", "--sentiment", "positive", "--source", "tieba-car",
        "--brand", "极光汽车", "--json", "--config", config_file,
    )  # fmt: skip
    assert [h["mention"]["id"] for h in json.loads(out)["hits"]] == ["tieba-car:2"]


def test_search_table_output(config_file: str) -> None:
    code, out, _ = run("search", "退款", "--config", config_file)
    assert code == 0
    assert "weibo-search" in out and "1 of 1 mentions" in out


def test_query_syntax_error_exits_2(config_file: str) -> None:
    code, _, err = run("search", '"漏油', "--config", config_file)
    assert code == 2
    assert "query error" in err


@pytest.mark.parametrize("since", ["1000000d", "99999999999d"])
def test_since_beyond_year_one_is_a_usage_error(config_file: str, since: str) -> None:
    code, _, err = run("search", "漏油", "--since", since, "--config", config_file)
    # durations are capped at ten years (config.types.MAX_DURATION) before any date math
    assert code == 2 and "at most 3650d" in err and "Traceback" not in err


def test_bad_since_is_a_usage_error(config_file: str) -> None:
    code, _, err = run("search", "漏油", "--since", "soon", "--config", config_file)
    assert code == 2
    assert "--since" in err


def test_the_table_shows_the_sentiment_toward_each_brand_and_corrections(config_file) -> None:
    import yaml

    with open(config_file, encoding="utf-8") as fh:
        url = yaml.safe_load(fh)["store"]["url"]
    with open_store(url) as store:
        store.correct_sentiment("tieba-car:2", "极光汽车", "negative", "care")
    code, out, _ = run("search", "漏油", "--config", config_file)
    assert code == 0, out
    assert "极光汽车: negative*" in out and "corrected by a person" in out
    assert "极光汽车: negative" in out.replace("negative*", "")
