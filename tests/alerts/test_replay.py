"""``radar alerts replay``: the same pipeline in simulated time, JSON lines out."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from click.testing import CliRunner

from alerts.replay import parse_line
from radar.cli import cli

START = datetime(2026, 9, 13, 16, 0, tzinfo=UTC)  # Monday 00:00 in Shanghai
ONSET = START + timedelta(days=1, hours=14, minutes=3)


def stream(path: Path) -> None:
    lines = []
    n = 0
    at = START
    while at < START + timedelta(days=2):
        n += 1
        negative = at.minute == 0
        lines.append(
            {
                "id": str(n),
                "source": "weibo",
                "published_at": at.isoformat(),
                "text": f"极光汽车 第{n}条 {'太差了' if negative else '还可以'}",
                "brand": "极光汽车",
                "sentiment": "negative" if negative else "neutral",
            }
        )
        at += timedelta(minutes=15)
    for i in range(20):  # a sharp surge
        lines.append(
            {
                "id": f"s{i}",
                "source": "weibo",
                "brands": ["极光汽车"],
                "published_at": (ONSET + timedelta(seconds=15 * i)).isoformat(),
                "text": f"极光汽车刹车失灵第{i}例，4S店不管",
                "sentiment": {"label": "negative"},
                "followers": 1200,
                "reposts": 3,
            }
        )
    lines.append(
        {
            "id": "x1",
            "published_at": (ONSET - timedelta(hours=1)).isoformat(),
            "text": "极光汽车客服电话一直打不通，太失望了",
            "brand": "极光汽车",
        }
    )  # scored
    body = "\n".join(json.dumps(x, ensure_ascii=False) for x in lines)
    body += '\n{"text": "no time", "brand": "极光汽车"}\nnot json\n'
    path.write_text(body, encoding="utf-8")


def default_config(tmp_path: Path) -> str:
    path = tmp_path / "radar.yaml"
    path.write_text("brands: [{name: 极光汽车}]\n", encoding="utf-8")
    return str(path)


def test_replay_prints_case_events_with_simulated_time(tmp_path: Path) -> None:
    src = tmp_path / "mentions.jsonl"
    stream(src)
    result = CliRunner().invoke(
        cli, ["alerts", "replay", str(src), "--json", "--config", default_config(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    summary = records.pop()
    assert summary["summary"] and summary["mentions"] == 192 + 20 + 1
    assert summary["skipped"] == 2 and summary["cases"] == 1
    assert any("published_at: required" in e for e in summary["errors"])
    assert "line 215" in " ".join(summary["errors"])  # "not json" names its line
    alerted = records[0]
    assert alerted["event"] == "alerted" and alerted["brand"] == "极光汽车"
    at = datetime.fromisoformat(alerted["at"])
    assert ONSET < at <= ONSET + timedelta(minutes=10)
    assert alerted["rules"]["negative_surge"]["stories"] >= 8
    assert alerted["evidence"][0].startswith("weibo:s")
    kinds = [r["event"] for r in records]
    assert "escalated" in kinds  # nobody acknowledged in simulated time
    assert kinds[-2:] == ["resolution_proposed", "resolved"]  # calm, then confirmed
    assert "skipped line" in result.stderr


def test_replay_refuses_the_monitored_store(tmp_path: Path) -> None:
    """A backtest into the live store would put simulated cases on the case board and
    queue their messages for Slack."""
    src = tmp_path / "mentions.jsonl"
    stream(src)
    config = tmp_path / "radar.yaml"
    config.write_text(
        f"brands: [{{name: 极光汽车}}]\nstore: {{url: 'sqlite:///{tmp_path}/live.db'}}\n",
        encoding="utf-8",
    )
    live = f"sqlite:///{tmp_path}/./live.db"
    args = ["alerts", "replay", str(src), "--config", str(config), "--store"]
    refused = CliRunner().invoke(cli, [*args, live])
    assert refused.exit_code == 2
    assert "the store the service monitors" in refused.output
    assert not (tmp_path / "live.db").exists()
    other = CliRunner().invoke(cli, [*args, f"sqlite:///{tmp_path}/backtest.db"])
    assert other.exit_code == 0, other.output
    assert (tmp_path / "backtest.db").exists()


def test_replay_human_output_and_bad_file(tmp_path: Path) -> None:
    src = tmp_path / "mentions.jsonl"
    stream(src)
    result = CliRunner().invoke(
        cli,
        [
            "alerts",
            "replay",
            str(src),
            "--no-auto-resolve",
            "--tail",
            "30m",
            "--config",
            default_config(tmp_path),
        ],
    )
    assert result.exit_code == 0
    assert "alerted" in result.stdout and "resolved" not in result.stdout
    assert "replayed 213 mentions (2 skipped)" in result.stderr
    assert not result.stderr.startswith("\n")  # no progress bar (or its residue) in a pipe
    missing = CliRunner().invoke(cli, ["alerts", "replay", str(tmp_path / "nope.jsonl")])
    assert missing.exit_code == 2 and "No such file" in missing.output


def test_a_line_that_is_not_utf8_is_skipped_not_fatal(tmp_path: Path) -> None:
    src = tmp_path / "mentions.jsonl"
    stream(src)
    good = src.read_bytes()
    src.write_bytes(good + b'{"published_at": "2026-09-14T01:00:00Z", "text": "\xff\xfe"}\n')
    result = CliRunner().invoke(
        cli, ["alerts", "replay", str(src), "--json", "--config", default_config(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.splitlines()[-1])
    assert summary["mentions"] == 213 and summary["skipped"] == 3
    assert "line 216: not UTF-8 text" in summary["errors"]


def test_a_time_or_count_out_of_range_is_skipped_not_fatal(tmp_path: Path) -> None:
    src = tmp_path / "mentions.jsonl"
    stream(src)
    bad = [1e20, float("nan"), "0001-01-01T00:00:00", "9999-12-31T23:59:00"]
    line = {"published_at": "2026-09-14T01:00:00Z", "text": "极光汽车 漏油", "brand": "极光汽车"}
    counts = [{"followers": 1e400}, {"reposts": 10**23}, {"likes": float("nan")}]
    extra = "".join(json.dumps({**line, "published_at": t}) + "\n" for t in bad)
    extra += "".join(json.dumps({**line, **c}) + "\n" for c in counts)
    src.write_text(src.read_text(encoding="utf-8") + extra, encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["alerts", "replay", str(src), "--json", "--config", default_config(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.splitlines()[-1])
    assert summary["mentions"] == 213 and summary["skipped"] == 2 + len(bad) + len(counts)
    errors = "\n".join(summary["errors"])
    assert "line 216: published_at: not a time in epoch seconds: 1e+20" in errors
    assert "line 218: published_at: out of range: '0001-01-01T00:00:00'" in errors
    assert "line 220: followers: not a count: inf" in errors
    assert "line 221: reposts: not a count: 100000000000000000000000" in errors


def test_a_time_without_offset_is_local_time_in_the_configured_zone() -> None:
    line = {"published_at": "2026-09-14 09:00", "text": "极光汽车 漏油", "brand": "极光汽车"}
    shanghai = parse_line(line, 1, lambda score: "negative", ZoneInfo("Asia/Shanghai"))
    assert shanghai["published_at"] == datetime(2026, 9, 14, 1, 0, tzinfo=UTC)
    explicit = {**line, "published_at": "2026-09-14T09:00:00Z"}
    assert parse_line(explicit, 1, lambda score: "negative", ZoneInfo("Asia/Shanghai"))[
        "published_at"
    ] == datetime(2026, 9, 14, 9, 0, tzinfo=UTC)


def test_lines_without_sentiment_are_scored_toward_each_brand_with_their_context(
    tmp_path,
) -> None:
    """Replay scores as the crawl pipeline does (index/ingest.py): title + text, toward
    each brand, and a comment that only echoes its post (``parent_id`` in the same file)
    is read with it."""
    from alerts.replay import ReplayStats, _complete
    from index import open_store
    from index.dedupe import RecentStories

    lines = [
        {
            "id": "c1",
            "published_at": START.isoformat(),
            "title": "极光X7高速刹车失灵",
            "text": "4S店说是正常现象，我要投诉到12315，大家一起维权",
            "brands": [{"brand": "极光汽车", "keywords": ["极光X7"]}],
        },
        {
            "id": "c2",
            "parent_id": "c1",
            "published_at": (START + timedelta(minutes=1)).isoformat(),
            "text": "同款，也遇到了",
            "brand": "极光汽车",
        },
        {
            "id": "c3",
            "published_at": (START + timedelta(minutes=2)).isoformat(),
            "text": "极光汽车和清泉乳业都在搞活动",
            "brands": ["极光汽车", "清泉乳业"],
            "sentiment": "neutral",  # given: kept, nothing scored
        },
    ]
    docs = [parse_line(line, n, lambda s: "neutral") for n, line in enumerate(lines, 1)]
    with open_store(f"sqlite:///{tmp_path}/radar.db") as store:
        [mentions] = list(_complete(docs, ReplayStats(), store, RecentStories()))
    by_id = {m.id: m for m in mentions}
    assert by_id["replay:c1"].brand_sentiment("极光汽车") == "negative"
    assert by_id["replay:c1"].brands[0].sentiment is not None
    assert by_id["replay:c2"].brand_sentiment("极光汽车") == "negative"  # from its post
    assert all(b.sentiment is None for b in by_id["replay:c3"].brands)
    assert by_id["replay:c3"].brand_sentiment("清泉乳业") == "neutral"  # the given label


def test_hostile_lines_are_skipped_or_cut_and_named(tmp_path: Path) -> None:
    """Issue 16 probe 13: deep nesting aborted the whole replay (RecursionError); a 5 MB
    text was kept whole (1.85 GB peak); odd followers / risk_signals were coerced or
    dropped without a word."""
    src = tmp_path / "mentions.jsonl"
    stream(src)
    line = {"published_at": "2026-09-14T01:00:00Z", "text": "极光汽车 漏油", "brand": "极光汽车"}
    bad = [{"followers": -5}, {"followers": "many"}, {"risk_signals": "media"}]
    extra = "[" * 2000 + "\n"  # line 216
    extra += "".join(json.dumps({**line, **b}) + "\n" for b in bad)  # lines 217-219
    huge = {**line, "id": "huge", "text": "极光汽车 漏油 " + "长" * 5_000_000}
    extra += json.dumps(huge, ensure_ascii=False) + "\n"
    src.write_text(src.read_text(encoding="utf-8") + extra, encoding="utf-8")
    store = f"sqlite:///{tmp_path}/backtest.db"
    result = CliRunner().invoke(
        cli,
        ["alerts", "replay", str(src), "--json", "--config", default_config(tmp_path),
         "--store", store],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.splitlines()[-1])
    assert summary["mentions"] == 213 + 1 and summary["skipped"] == 2 + 1 + len(bad)
    errors = "\n".join(summary["errors"])
    assert "line 216: JSON nested too deeply" in errors
    assert "line 217: followers: not a count: -5" in errors
    assert "line 218: followers: not a count: 'many'" in errors
    assert "line 219: risk_signals: expected a list of signal names, got 'media'" in errors
    from index import open_store
    from index.models import MAX_TEXT

    with open_store(store) as s:
        assert len(s.get_mention("replay:huge").text) == MAX_TEXT


def test_digest_command_reports_yesterday_midnight_to_midnight(tmp_path: Path) -> None:
    """`radar alerts digest` reads the same day as the scheduled digest and the digest
    page: yesterday, midnight to midnight in the deployment's zone (was the last 24 h)."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    path = tmp_path / "radar.yaml"
    store = tmp_path / "store.db"
    path.write_text(
        f"brands: [{{name: 极光汽车}}]\ntimezone: Asia/Shanghai\nstore: {{url: 'sqlite:///{store}'}}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["alerts", "digest", "--json", "--config", str(path)])
    assert result.exit_code == 0, result.output
    digest = json.loads(result.stdout)
    until = datetime.fromisoformat(digest["until"]).astimezone(ZoneInfo("Asia/Shanghai"))
    since = datetime.fromisoformat(digest["since"]).astimezone(ZoneInfo("Asia/Shanghai"))
    assert (until.hour, until.minute, until.second) == (0, 0, 0)
    assert until - since == timedelta(days=1)
    assert until <= datetime.now(ZoneInfo("Asia/Shanghai")) < until + timedelta(days=1)
