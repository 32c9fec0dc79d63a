"""The ``radar run`` banner printed the demo's crisis in the machine's time with no zone
('crisis for 极光汽车 at 01:31:30' on a server kept on UTC, for a crisis the web UI showed
at 09:31 北京时间). It now prints it in ``scheduler.timezone``, the zone named as the pages
and digests name it, with its offset."""

from __future__ import annotations

import io
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from radar import service
from radar.service import Service, local_clock

from .conftest import demo_config, free_port

CRISIS = datetime(2026, 12, 5, 1, 31, 30, tzinfo=UTC)  # 09:31:30 in Beijing
NOW = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)  # the same year everywhere


@pytest.fixture(autouse=True)
def today_is_the_crisis_day(monkeypatch: pytest.MonkeyPatch) -> None:
    """The banner dates the crisis without its year in the year it is read in."""
    monkeypatch.setattr(service, "_now", lambda: NOW)


@pytest.fixture
def machine_on_utc() -> Iterator[None]:
    """The machine's own zone is UTC (as on most servers), not the configured one."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


def _banner(tmp_path: Path, **config: object) -> str:
    data = {**demo_config(tmp_path, free_port()), **config}
    path = tmp_path / "radar.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    out = io.StringIO()
    service = Service(str(path), out=out)
    service.demo = SimpleNamespace(
        url="http://127.0.0.1:1", world=SimpleNamespace(crisis_start=CRISIS)
    )
    service._banner({"kept": [], "added": [], "removed": []})
    return out.getvalue()


@pytest.mark.usefixtures("machine_on_utc")
def test_the_banner_gives_the_demo_crisis_in_the_configured_zone_named(tmp_path: Path) -> None:
    shown = _banner(tmp_path)
    assert "crisis for 极光汽车 at 12月5日 09:31:30 北京时间 (+08:00)" in shown, shown
    assert "01:31:30" not in shown


@pytest.mark.parametrize(
    ("tz", "locale", "said"),
    [
        ("Asia/Shanghai", "zh_CN", "12月5日 09:31:30 北京时间 (+08:00)"),
        ("Asia/Shanghai", "en", "Dec 5 09:31:30 Asia/Shanghai (+08:00)"),
        ("Asia/Tokyo", "zh_CN", "12月5日 10:31:30 日本时间 (+09:00)"),
        ("UTC", "zh_CN", "12月5日 01:31:30 UTC+00:00"),  # the offset is its name
        ("UTC", "en", "Dec 5 01:31:30 UTC"),
        ("America/New_York", "en", "Dec 4 20:31:30 America/New_York (-05:00)"),  # the day before,
    ],
)
def test_local_clock(tz: str, locale: str, said: str) -> None:
    assert local_clock(CRISIS, tz, locale, now=NOW) == said


@pytest.mark.parametrize(
    ("locale", "said"),
    [
        ("zh_CN", "2026年12月5日 09:31:30 北京时间 (+08:00)"),
        ("en", "Dec 5, 2026 09:31:30 Asia/Shanghai (+08:00)"),
    ],
)
def test_local_clock_gives_the_year_when_it_is_not_this_year(locale: str, said: str) -> None:
    """A moment of another year there (the banner's clock read on 2 January) is dated with
    its year, as the pages date one."""
    next_year = datetime(2027, 1, 1, 16, 30, tzinfo=UTC)  # 00:30 on 2 January in Beijing
    assert local_clock(CRISIS, "Asia/Shanghai", locale, now=next_year) == said


@pytest.mark.usefixtures("machine_on_utc")
def test_the_scheduler_zone_is_the_one_shown(tmp_path: Path) -> None:
    shown = _banner(tmp_path, scheduler={"timezone": "Asia/Tokyo"}, locale="en")
    assert "crisis for 极光汽车 at Dec 5 10:31:30 Asia/Tokyo (+09:00)" in shown, shown


class _StoppedAtOnce:
    """threading.Event for `radar demo-sources`: its serve loop ends at the first wait."""

    def set(self) -> None:
        pass

    def wait(self, timeout: float) -> bool:
        return True


@pytest.mark.usefixtures("machine_on_utc")
def test_demo_sources_gives_the_crisis_as_the_banner_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`radar demo-sources` printed the crisis as a UTC ISO timestamp
    (2026-12-05T01:31:30+00:00) where `radar run` says 09:31:30 北京时间 (+08:00)."""
    from click.testing import CliRunner

    from radar.cli import cli
    from radar.commands import service as command
    from radar.demo import server

    class Sources:
        url = "http://127.0.0.1:1"
        world = SimpleNamespace(crisis_brand="极光汽车", crisis_start=CRISIS)

        def __init__(self, *_: object) -> None:
            pass

        def start(self) -> None:
            pass

        def stop(self) -> None:
            pass

    monkeypatch.setattr(server, "DemoSources", Sources)
    monkeypatch.setattr(command, "threading", SimpleNamespace(Event=_StoppedAtOnce))
    cases: list[tuple[dict[str, str], str]] = [
        ({}, "12月5日 09:31:30 北京时间 (+08:00)"),
        ({"locale": "en"}, "Dec 5 09:31:30 Asia/Shanghai (+08:00)"),
    ]
    for config, said in cases:
        path = tmp_path / "radar.yaml"
        data = {**demo_config(tmp_path, free_port()), **config}
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        res = CliRunner().invoke(cli, ["demo-sources", "--config", str(path)])
        assert res.exit_code == 0, res.output
        assert f"scripted crisis for 极光汽车 at {said}" in res.output, res.output
        assert "01:31:30" not in res.output
