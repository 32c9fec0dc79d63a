from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from alerts import summaries
from alerts.activity import Fact
from alerts.rules.base import Finding
from config.loader import validate_data
from config.schema import RadarConfig
from index import open_store
from index.base import Store
from tests.alerts.slack_server import SlackState, slack_stand_in

T0 = datetime(2026, 9, 15, 6, 0, tzinfo=UTC)  # 14:00 in Shanghai, a Tuesday
TOKEN_ENV, SECRET_ENV = "RADAR_TEST_SLACK_TOKEN", "RADAR_TEST_SLACK_SECRET"
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"

LADDER = [
    {"name": "duty officer", "channel": "#duty", "mention": ["U0DUTY"]},
    {"name": "PR manager", "channel": "#pr-managers", "mention": ["U0PRMGR"]},
    {"name": "executive", "channel": "#exec", "mention": ["S0EXECS"]},
]


def make_config(slack: dict[str, Any] | None = None, **sections: Any) -> RadarConfig:
    data: dict[str, Any] = {
        "locale": "en",  # the messages' source strings; tests/alerts/test_messages_zh.py: zh_CN
        "brands": [
            {"name": "极光汽车", "keywords": ["极光汽车"]},
            {"name": "清泉乳业", "keywords": ["清泉乳业"]},
        ],
        "web": {"public_url": "https://radar.example"},
        "slack": {
            "default_channel": "#crisis",
            "routes": [{"channel": "#crisis-p1", "severities": ["P1"]}],
            "escalation": LADDER,
            **(slack or {}),
        },
        **sections,
    }
    return validate_data(data, "test.yaml")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    st = open_store(f"sqlite:///{tmp_path / 'radar.db'}")
    yield st
    st.close()


@pytest.fixture
def slack(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, SlackState]]:
    monkeypatch.setenv(TOKEN_ENV, "xoxb-test-token")
    monkeypatch.setenv(SECRET_ENV, SECRET)
    with slack_stand_in() as server:
        yield server


def slack_config(base_url: str, **slack: Any) -> RadarConfig:
    return make_config(
        {
            "token": {"$env": TOKEN_ENV},
            "signing_secret": {"$env": SECRET_ENV},
            "base_url": base_url,
            "timeout": "3s",
            "retry_base": "10s",
            **slack,
        }
    )


def fact(
    n: int, text: str = "刹车失灵，4S店推脱", followers: int = 1000, signals: tuple[str, ...] = ()
) -> Fact:
    return Fact(
        id=f"weibo:{n}",
        minute=int(T0.timestamp() // 60),
        cluster=f"weibo:{n}",
        repost=False,
        scored=True,
        negative=True,
        negativity=0.9,
        followers=followers,
        reposts=0,
        reach=followers,
        age_hours=0.1,
        signals=signals,
        author=f"车主{n}",
        url=f"https://weibo.example/{n}",
        text=text,
    )


def surge_finding(
    brand: str = "极光汽车",
    ratio: float = 4.0,
    stories: int | None = None,
    evidence: list[Fact] | None = None,
) -> Finding:
    """A sharp surge against 3.0 expected (``stories``: ratio × 3 unless given)."""
    stories = round(3.0 * ratio) if stories is None else stories
    return Finding(
        rule="negative_surge",
        brand=brand,
        key="negative_surge:sharp",
        summary=f"{stories} new negative stories in 10 min vs 3.0 expected ({ratio:.1f}×)",
        figures={"shape": "sharp", "stories": stories, "expected": 3.0, "ratio": ratio},
        ratio=ratio,
        reach=sum(f.reach for f in evidence or []),
        evidence=evidence or [fact(1), fact(2)],
    )


def big_v_finding(followers: int) -> Finding:
    """A 大V's negative post, its line as the high-reach rule builds it."""
    figures = {"author": "汽车圈老炮儿", "followers": followers, "big_accounts": 1}
    return Finding(
        rule="high_reach",
        brand="极光汽车",
        key="high_reach:weibo:1",
        summary=summaries.high_reach(figures),
        figures=figures,
        reach=followers,
        evidence=[fact(1, followers=followers)],
    )


def sharp_surge_finding(stories: int, ratio: float) -> Finding:
    """A sharp surge with every figure its line needs (rendered again for a reader)."""
    figures = {
        "shape": "sharp",
        "stories": stories,
        "window_minutes": 10,
        "expected": round(stories / ratio, 2),
        "ratio": ratio,
        "negative_share": 0.9,
    }
    return Finding(
        rule="negative_surge",
        brand="极光汽车",
        key="negative_surge",
        summary=summaries.negative_surge(figures),
        figures=figures,
        ratio=ratio,
        evidence=[fact(2)],
    )
