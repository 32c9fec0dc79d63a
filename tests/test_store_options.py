"""Every entry point opens the configured store with its settings: an Elasticsearch
``index_prefix``, credentials from ``{$env: NAME}`` and ``verify_certs`` (only ``radar
search`` and ``radar store copy`` passed them; the service, status, web, alerts and the
crawlers connected without credentials, to the default prefix)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import index.elastic
from index.base import StoreUnavailable
from radar.cli import cli

EXPECTED = {
    "index_prefix": "qa-radar",
    "username": "qa-user",
    "password": "qa-secret",
    "api_key": None,
    "verify_certs": False,
}


@pytest.fixture
def opened(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, list[dict[str, Any]]]:
    """A config naming an Elasticsearch store, and the options each open received (the
    stand-in refuses to connect, so every command stops right there)."""
    calls: list[dict[str, Any]] = []

    class RecordingStore:
        def __init__(self, url: str, **options: Any) -> None:
            calls.append(options)
            raise StoreUnavailable(f"stand-in for {url}: not connecting")

    monkeypatch.setattr(index.elastic, "ElasticStore", RecordingStore)
    monkeypatch.setenv("RADAR_QA_ES_USER", "qa-user")
    monkeypatch.setenv("RADAR_QA_ES_PASSWORD", "qa-secret")
    config = tmp_path / "radar.yaml"
    config.write_text(
        "store:\n"
        "  url: http://127.0.0.1:9\n"
        "  index_prefix: qa-radar\n"
        "  username: {$env: RADAR_QA_ES_USER}\n"
        "  password: {$env: RADAR_QA_ES_PASSWORD}\n"
        "  verify_certs: false\n"
        "brands: [{name: 极光汽车}]\n"
        "sources: [{name: s, kind: feed, base_url: 'http://127.0.0.1:9', feeds: [/rss.xml]}]\n"
        f"scheduler: {{jobs_db: '{tmp_path}/jobs.db'}}\n",
        encoding="utf-8",
    )
    return str(config), calls


@pytest.mark.parametrize(
    "args",
    [
        ["status"],
        ["alerts", "evaluate"],
        ["alerts", "deliver"],
        ["web", "serve"],
        ["crawl", "s"],
        ["run"],
    ],
    ids=" ".join,
)
def test_cli_commands_pass_the_store_settings(
    opened: tuple[str, list[dict[str, Any]]], args: list[str]
) -> None:
    config, calls = opened
    result = CliRunner().invoke(cli, [*args, "--config", config])
    assert result.exit_code == 1 and "stand-in for http://127.0.0.1:9" in result.output
    assert calls and all(c == EXPECTED for c in calls), calls


def test_service_and_jobs_pass_the_store_settings(
    opened: tuple[str, list[dict[str, Any]]],
) -> None:
    from radar import jobs
    from radar.service import Service

    config, calls = opened
    jobs.unregister(config)
    with pytest.raises(StoreUnavailable):
        jobs.context(config)  # a job run outside the service
    service = Service(config)
    with pytest.raises(StoreUnavailable):
        service.start()
    service.stop()
    assert len(calls) == 2 and all(c == EXPECTED for c in calls), calls


def test_spiders_pass_the_store_settings(opened: tuple[str, list[dict[str, Any]]]) -> None:
    from scrapy.utils.test import get_crawler

    from crawlers.spiders.feed import FeedSpider

    config, calls = opened
    with pytest.raises(StoreUnavailable):
        FeedSpider.from_crawler(get_crawler(FeedSpider), source="s", config=config)
    assert calls == [EXPECTED]


def test_alert_jobs_log_one_line_while_the_store_is_down(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The scheduler runs these every few seconds: an unreachable store is one warning
    per run (the next run retries), not a chained traceback."""
    from config import load_config
    from radar import jobs

    class DownEngine:
        def _down(self, *args: object, **kwargs: object) -> Any:
            raise StoreUnavailable("Elasticsearch at http://es:9200 is unreachable")

        evaluate = deliver_outbox = check_escalations = daily_digest = _down

    config = tmp_path / "radar.yaml"
    config.write_text(f"store: {{url: 'sqlite:///{tmp_path}/radar.db'}}\n")
    ctx = jobs.ServiceContext(str(config), load_config(config), store=None)  # type: ignore[arg-type]
    ctx.engine = DownEngine()
    jobs.register(ctx)
    try:
        for job in (
            jobs.evaluate_alerts,
            jobs.deliver_outbox,
            jobs.check_escalations,
            jobs.daily_digest,
        ):
            caplog.clear()
            assert job(str(config)) is None
            (record,) = caplog.records
            assert record.levelname == "WARNING" and record.exc_info is None
            assert f"{job.__name__} skipped" in record.getMessage()
            assert "http://es:9200 is unreachable" in record.getMessage()
    finally:
        jobs.unregister(str(config))
