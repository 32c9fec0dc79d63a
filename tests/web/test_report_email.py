"""The 舆情简报 mailed on a schedule (``reports:``): made as PDF and Word, sent once per
period to the executive list through the email notifier, against aiosmtpd on loopback."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pypdf
import pytest

from config.loader import ConfigError
from radar import scheduler
from radar.reports import send_report
from tests.alerts.conftest import make_config as alerts_config
from tests.alerts.smtp_server import smtp_stand_in
from tests.alerts.test_email import cert, email_notify  # noqa: F401 - cert: a fixture
from tests.web.conftest import NOW

WEEKLY = {"name": "weekly", "to": "email:execs", "brands": ["极光汽车"], "days": 7,
          "at": "08:30", "weekday": "mon", "formats": ["pdf", "docx"]}  # fmt: skip


def config(port: int, **report: Any):  # type: ignore[no-untyped-def]
    return alerts_config(notify=email_notify(port), reports=[{**WEEKLY, **report}])


def test_weekly_report_is_mailed_once_with_pdf_and_docx(cert, store) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    with smtp_stand_in(*cert) as (port, mail):
        cfg = config(port)
        first = send_report(cfg, store, "weekly", NOW)
        again = send_report(cfg, store, "weekly", NOW + timedelta(hours=1))
    assert first["sent"] and not again["sent"]
    assert len(mail.messages) == 1
    msg = mail.messages[0]
    assert mail.envelopes[0][1] == ["ceo@brand.example", "pr@brand.example"]
    assert "Weekly report" in msg["Subject"]
    files = {p.get_filename(): p.get_content() for p in msg.iter_attachments()}
    assert sorted(name.rsplit(".", 1)[1] for name in files) == ["docx", "pdf"]
    pdf = next(content for name, content in files.items() if name.endswith(".pdf"))
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert "极光汽车" in reader.pages[0].extract_text()
    assert len(reader.pages[0].images) >= 1
    body = msg.get_body(preferencelist=("plain",)).get_content()
    assert "https://radar.example/cases/" in body  # the case of the week, linked


def test_a_report_to_an_unknown_list_is_a_config_error(cert) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    with pytest.raises(ConfigError, match=r"reports\[0\]\.to.*email:board"):
        config(2525, to="email:board")


def test_the_scheduler_runs_each_report_at_its_time(cert) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    specs = {s.id: s for s in scheduler.wanted_jobs(config(2525), "radar.yaml")}
    job = specs["report:weekly"]
    assert job.args == ("radar.yaml", "weekly")
    assert "day_of_week='mon'" in str(job.trigger) and "hour='8'" in str(job.trigger)
