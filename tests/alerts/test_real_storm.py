"""bench/real_storm.py: a public Weibo repost corpus event → replay lines → figures."""

from __future__ import annotations

import argparse
import json
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bench import real_storm as storm_script

TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def real_storm():
    return storm_script


def checked_event(root: Path, post_id: str = "p1") -> Path:
    """A CHECKED-layout post: 300 angry reposts in 20 minutes, then a trickle."""
    start = datetime(2020, 6, 18, 7, 10)
    reposts = [
        {
            "id": f"r{i}",
            "date": f"{start + timedelta(minutes=i // 15):%Y-%m-%d %H:%M}",
            "user_id": f"u{i}",
            "text": f"极光汽车刹车失灵还不召回，太气人了，必须给个说法 {i}" if i % 3 else "",
            "pic_url": "",
        }
        for i in range(300)
    ]
    reposts += [
        {
            "id": f"t{i}",
            "date": f"{start + timedelta(hours=3, minutes=7 * i):%Y-%m-%d %H:%M}",
            "user_id": "d41d8cd98f00b204e9800998ecf8427e",  # md5 of "": no user
            "text": "转发微博",
            "pic_url": "",
        }
        for i in range(10)
    ]
    comments = [
        {"id": "c1", "date": "2020-06-18 07:20", "user_id": "u9", "text": "退钱！"},
        {"id": "c2", "date": "2020-06-18 07:31", "user_id": "u8", "text": "太差了"},
    ]
    post = {
        "label": "real",
        "id": post_id,
        "date": f"{start:%Y-%m-%d %H:%M}",
        "user_id": "media",
        "text": "【极光汽车多地车主投诉刹车失灵】多名车主称车辆刹车失灵，极光汽车尚未回应。",
        "repost_num": "320",
        "comment_num": "5",
        "reposts": reposts,
        "comments": comments,
    }
    folder = root / "dataset" / "real_news"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{post_id}.json"
    path.write_text(json.dumps(post, ensure_ascii=False), encoding="utf-8")
    return path


def test_checked_post_becomes_reposts_and_comments_of_it(real_storm, tmp_path: Path) -> None:
    checked_event(tmp_path)
    post = real_storm.find_event(tmp_path, "p1", TZ)
    assert post.at == datetime(2020, 6, 18, 7, 10, tzinfo=TZ)
    assert (post.reported_reposts, post.reported_comments) == (320, 5)
    until = post.at + timedelta(days=1)
    lines = real_storm.lines_for(post, "极光汽车", "reposts", timedelta(minutes=10), until)
    assert lines[0]["id"] == "p1" and lines[0]["brand"] == "极光汽车"
    reposts = [x for x in lines if x.get("repost_of") == "p1"]
    comments = [x for x in lines if x.get("parent_id") == "p1"]
    assert len(reposts) == 310 and len(comments) == 2
    assert all(x["text"] for x in lines)  # an empty repost reads as Weibo shows it
    assert reposts[0]["id"] == "r0" and reposts[0]["text"] == real_storm.EMPTY_REPOST
    assert reposts[-1]["author"] == ""  # CHECKED's hash of a missing user
    no_comments = real_storm.lines_for(
        post, "极光汽车", "reposts", timedelta(minutes=10), until, False
    )
    assert len(no_comments) == 1 + 310


def test_recrawl_view_is_the_post_again_with_growing_counts(real_storm, tmp_path: Path) -> None:
    checked_event(tmp_path)
    post = real_storm.find_event(tmp_path, "p1", TZ)
    lines = real_storm.lines_for(
        post, "极光汽车", "recrawl", timedelta(minutes=10), post.at + timedelta(days=1)
    )
    assert {x["id"] for x in lines} == {"p1"}
    assert lines[0]["reposts"] == 0 and "observed_at" not in lines[0]
    seen = [datetime.fromisoformat(x["observed_at"]) for x in lines[1:]]
    assert seen == sorted(seen) and seen[0] == post.at + timedelta(minutes=10)
    counts = [(x["reposts"], x["comments"]) for x in lines]
    assert counts == sorted(counts) and counts[-1] == (310, 2)
    assert (lines[1]["reposts"], lines[1]["comments"]) == (165, 1)  # 07:10 … 07:20, 15 a minute


def test_rumdect_event_is_read(real_storm, tmp_path: Path) -> None:
    t0 = 1_300_000_000
    rows = [
        {"mid": "e1", "t": t0, "text": "原帖", "uid": "a", "followers_count": 900_000,
         "reposts_count": 2, "comments_count": 0, "parent": None},
        {"mid": "e2", "t": t0 + 60, "text": "", "uid": "b", "followers_count": 5, "parent": "e1"},
        {"mid": "e3", "t": t0 + 120, "original_text": "转发理由", "uid": "c", "parent": "e2"},
    ]  # fmt: skip
    (tmp_path / "Weibo").mkdir()
    (tmp_path / "Weibo" / "e1.json").write_text(json.dumps(rows), encoding="utf-8")
    post = real_storm.find_event(tmp_path, "e1", TZ)
    assert post.followers == 900_000 and post.reported_reposts == 2
    assert [(i.id, i.text, i.kind) for i in post.items] == [
        ("e2", real_storm.EMPTY_REPOST, "repost"),
        ("e3", "转发理由", "repost"),
    ]
    with pytest.raises(SystemExit):
        real_storm.find_event(tmp_path, "missing", TZ)


def test_storm_alerts_within_minutes_and_is_not_reopened(real_storm, tmp_path: Path) -> None:
    checked_event(tmp_path)
    args = argparse.Namespace(
        data=str(tmp_path), event_ids=["p1"], brand="极光汽车", keyword=[], view="reposts",
        every=10, days=0.5, no_comments=False, hours=4, jsonl=None, events=None,
    )  # fmt: skip
    out = real_storm.run(args)
    assert out["first_post"] == "2020-06-18 07:10" and out["unmatched"] == []
    assert out["alert_delay_min"] is not None and out["alert_delay_min"] <= 30
    assert out["cases_opened"] == 1 and out["reopens"] == []
    rows = out["hourly"]["rows"]
    assert rows[0] == ["06-18 07:00", 1, 300, 2] and len(rows) == 4
    assert sum(r[2] for r in rows) == 300 + 8  # the trickle: 10:10 … 10:59, 7 min apart
