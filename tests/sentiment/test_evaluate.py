"""``radar sentiment eval`` on entity,label,text files and ``radar sentiment score --brand``."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from click.testing import CliRunner

from radar.cli import cli


def _csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def test_eval_entity_file_reports_the_negative_class(tmp_path: Path) -> None:
    scandal = "极光汽车因涉嫌虚假宣传被市场监管部门罚款，消费者集体维权，云朵外卖未受影响"
    path = _csv(
        tmp_path / "e.csv",
        ["entity", "label", "text", "source"],
        [
            ["极光汽车", "1", scandal, "x"],
            ["云朵外卖", "0", scandal, "x"],
            ["", "1", "no entity: skipped", "x"],
            ["某公司", "7", "bad label: skipped", "x"],
        ],
    )
    result = CliRunner().invoke(cli, ["sentiment", "eval", str(path), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["mode"] == "entity"
    assert (report["rows"], report["skipped"]) == (2, 2)
    assert report["skipped_rows"] == ["line 4: no entity", "line 5: label '7' is not 0 or 1"]
    assert set(report["negative"]) == {"precision", "recall", "f1"}
    assert report["negative"]["recall"] == 1.0  # the scandal is negative for 极光汽车
    assert 0.0 <= report["accuracy"] <= 1.0


def test_eval_names_the_rows_it_leaves_out_and_averages_the_classes_it_saw(
    tmp_path: Path,
) -> None:
    """A polarity the file should not hold is named with its line (it was only counted),
    and macro-F1 averages the classes in the file or the predictions: one negative row
    read right is 1.0, not 1/3 (two absent classes counted as zeros)."""
    path = _csv(
        tmp_path / "p.csv",
        ["polarity", "text"],
        [["negative", "极光汽车刹车失灵，4S店不给处理，太坑了"], ["maybe", "说不好"]],
    )
    result = CliRunner().invoke(cli, ["sentiment", "eval", str(path), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["skipped_rows"] == [
        "line 3: polarity 'maybe' is not negative / neutral / positive"
    ]
    assert (report["accuracy"], report["macro_f1"]) == (1.0, 1.0)
    table = CliRunner().invoke(cli, ["sentiment", "eval", str(path)])
    assert f"skipped: {path}: line 3: polarity 'maybe'" in table.output


def test_eval_entity_table_output(tmp_path: Path) -> None:
    path = _csv(
        tmp_path / "e.csv", ["entity", "label", "text"], [["甲公司", "1", "甲公司涉嫌诈骗"]]
    )
    result = CliRunner().invoke(cli, ["sentiment", "eval", str(path)])
    assert result.exit_code == 0, result.output
    assert "negative f1" in result.output and "entity" in result.output


def test_score_toward_brands_json() -> None:
    result = CliRunner().invoke(
        cli,
        ["sentiment", "score", "极光汽车刹车失灵，车主要维权", "--brand", "极光汽车", "--json"],
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["brands"]["极光汽车"]["label"] == "negative"
    assert out["brands"]["极光汽车"]["from_context"] is False


def test_score_toward_brands_text() -> None:
    result = CliRunner().invoke(
        cli, ["sentiment", "score", "极光汽车刹车失灵", "--brand", "极光汽车"]
    )
    assert result.exit_code == 0, result.output
    assert "极光汽车: negative" in result.output


def test_praise_is_good_for_the_brand_it_names() -> None:
    """The target expert's finance part once read praise as negative for the brand."""
    result = CliRunner().invoke(
        cli, ["sentiment", "score", "极光汽车真不错，推荐", "--brand", "极光汽车", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["brands"]["极光汽车"]["label"] == "positive"


def test_corrections_are_exported_for_training_and_evaluation(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from index import open_store
    from index.models import Mention

    db = tmp_path / "radar.db"
    with open_store(f"sqlite:///{db}") as store:
        store.upsert_mentions(
            [
                Mention(
                    id=f"weibo:{n}",
                    source="weibo",
                    title="标题" if n == 1 else "",
                    text=f"极光汽车和清泉乳业 第{n}条",
                    published_at=datetime(2026, 9, 1, tzinfo=UTC),
                    brands=[{"brand": "极光汽车"}, {"brand": "清泉乳业"}],
                    sentiment={"score": 0.5, "label": "neutral"},
                )
                for n in (1, 2, 3)
            ]
        )
        store.correct_sentiment("weibo:1", "极光汽车", "negative", "care")
        store.correct_sentiment("weibo:2", "清泉乳业", "positive", "pr")
        store.correct_sentiment("weibo:3", "清泉乳业", "positive", "pr")
        store.correct_sentiment("weibo:3", "清泉乳业", None, "pr")  # cleared: not exported
    config = tmp_path / "radar.yaml"
    config.write_text(
        f"store:\n  url: sqlite:///{db}\n"
        "web:\n  users:\n    - {name: care, role: care, display_name: 客服小王}\n",
        encoding="utf-8",
    )
    out = tmp_path / "corrections.csv"
    result = CliRunner().invoke(
        cli, ["sentiment", "corrections", "--config", str(config), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "2 correction(s) exported" in result.stderr
    with out.open(encoding="utf-8", newline="") as fh:
        rows = sorted(csv.DictReader(fh), key=lambda r: r["mention_id"])
    # who: the login (a stable id) and the name the web shows (the login when unknown)
    assert [(r["entity"], r["polarity"], r["mention_id"], r["by"], r["by_name"]) for r in rows] == [
        ("极光汽车", "negative", "weibo:1", "care", "客服小王"),
        ("清泉乳业", "positive", "weibo:2", "pr", "pr"),
    ]
    assert rows[0]["text"] == "标题\n极光汽车和清泉乳业 第1条"
    # `radar sentiment eval` reads the export: the model against people, per brand
    result = CliRunner().invoke(cli, ["sentiment", "eval", str(out), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert (report["mode"], report["rows"]) == ("entity_three_way", 2)
    assert set(report["f1"]) == {"negative", "neutral", "positive"}
