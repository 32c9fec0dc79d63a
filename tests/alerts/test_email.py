"""Email through the outbox against aiosmtpd on loopback (tests/alerts/smtp_server.py):
STARTTLS with a verified certificate, login from env vars, escalations and the digest to
a mail list, crawled text escaped in the HTML part; a refused login or a busy or absent
server loses nothing and sends nothing twice."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from alerts.cases import CaseManager
from alerts.engine import AlertEngine
from alerts.notifiers import ConsoleNotifier
from tests.alerts.conftest import T0, fact, make_config, surge_finding
from tests.alerts.smtp_server import PASSWORD, USER, free_port, self_signed, smtp_stand_in

NASTY = '<script>alert(1)</script> 刹车失灵 "><img src=x onerror=alert(2)>'


@pytest.fixture
def cert(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> tuple[Path, Path]:
    monkeypatch.setenv("RADAR_TEST_SMTP_USER", USER)
    monkeypatch.setenv("RADAR_TEST_SMTP_PASSWORD", PASSWORD)
    cert_file, key_file = self_signed(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))  # the relay's certificate is trusted
    return cert_file, key_file


def email_notify(port: int) -> dict[str, Any]:
    """``notify:`` with the relay on ``port`` and the list ``execs`` (also used by the
    scheduled report test, tests/web/test_report_email.py)."""
    return {
        "email": {
            "host": "127.0.0.1",
            "port": port,
            "security": "starttls",
            "username": {"$env": "RADAR_TEST_SMTP_USER"},
            "password": {"$env": "RADAR_TEST_SMTP_PASSWORD"},
            "sender": "舆情雷达 <radar@radar.example>",
            "timeout": "5s",
            "lists": [{"name": "execs", "to": ["ceo@brand.example", "pr@brand.example"]}],
        },
        "routes": [{"targets": ["email:execs"], "severities": ["P3"]}],
        "escalation": [{"step": "PR manager", "targets": ["email:execs"]}],
        "digest": ["email:execs"],
    }


def config_for(port: int) -> Any:
    return make_config(locale="zh_CN", notify=email_notify(port))


def open_case(config: Any, store: Any) -> Any:
    finding = surge_finding(evidence=[fact(1, NASTY)])
    events = CaseManager(config, store).apply("极光汽车", [finding], T0, None)
    return store.get_case(events[0].case_id)


def deliver(config: Any, store: Any, at: Any) -> int:
    return AlertEngine(config, store, ConsoleNotifier()).deliver_outbox(at)


def test_case_escalation_and_digest_by_mail(cert, store) -> None:
    with smtp_stand_in(*cert) as (port, mail):
        config = config_for(port)
        engine = AlertEngine(config, store, ConsoleNotifier())
        case = open_case(config, store)
        engine.check_escalations(case.ack_due_at)
        engine.deliver_outbox(case.ack_due_at)
        engine.daily_digest(T0 + timedelta(hours=20))
        engine.deliver_outbox(T0 + timedelta(hours=20))
        engine.deliver_outbox(T0 + timedelta(hours=21))  # nothing twice
    assert mail.logins == [USER, USER, USER]
    subjects = [m["Subject"] for m in mail.messages]
    assert len(subjects) == 3, subjects  # case message, escalation, digest: no updates
    assert "舆情告警" in subjects[0] and "升级提醒" in subjects[1] and "每日简报" in subjects[2]
    assert mail.envelopes[0] == ("radar@radar.example", ["ceo@brand.example", "pr@brand.example"])
    first = mail.messages[0]
    rich = first.get_body(("html",)).get_content()
    plain = first.get_body(("plain",)).get_content()
    assert "<script>" not in rich and "&lt;script&gt;" in rich and "<img" not in rich
    assert f"https://radar.example/cases/{case.id}" in rich and case.id in plain
    # the times as the web writes them, the zone named (was 09-15 14:00, no zone)
    assert "开始 9月15日 14:00 北京时间，确认期限 9月15日 16:00 北京时间" in plain
    assert "截至 2026年9月16日 10:00 北京时间" in subjects[2]
    assert first["Message-ID"].endswith("@opinion-radar>")
    assert first["Date"].endswith("+0800")  # the deployment's zone (was -0000: unknown)
    # the post's author and reach in Chinese punctuation (was "车主1 (粉丝 1,000)")
    assert "— 车主1（粉丝 1,000）" in plain and "— 车主1（粉丝 1,000）</li>" in rich


def test_refused_login_is_kept_then_sent_once(cert, store, monkeypatch) -> None:
    monkeypatch.setenv("RADAR_TEST_SMTP_PASSWORD", "wrong")
    with smtp_stand_in(*cert) as (port, mail):
        config = config_for(port)
        case = open_case(config, store)
        deliver(config, store, T0)
        entry = store.get_notification(f"{case.id}:alert@email:execs")
        assert entry.delivered_at is None and "login refused" in entry.last_error
        assert entry.next_attempt_at == T0 + timedelta(seconds=config.slack.retry_max)
        monkeypatch.setenv("RADAR_TEST_SMTP_PASSWORD", PASSWORD)
        deliver(config, store, entry.next_attempt_at)
        deliver(config, store, entry.next_attempt_at + timedelta(hours=1))
    assert len(mail.messages) == 1


def test_busy_or_absent_relay_is_retried_and_sends_once(cert, store) -> None:
    port = free_port()
    config = config_for(port)
    case = open_case(config, store)
    deliver(config, store, T0)  # nobody listens on the port
    entry = store.get_notification(f"{case.id}:alert@email:execs")
    assert "ConnectionRefusedError" in entry.last_error
    with smtp_stand_in(*cert, port=port) as (_, mail):
        mail.busy = True  # 451: try later
        at = entry.next_attempt_at
        deliver(config, store, at)
        entry = store.get_notification(entry.key)
        assert "451" in entry.last_error and entry.delivered_at is None
        mail.busy = False
        deliver(config, store, entry.next_attempt_at)
        deliver(config, store, entry.next_attempt_at + timedelta(hours=1))
    assert len(mail.messages) == 1


def test_a_document_goes_as_an_attachment(cert) -> None:
    from alerts.notifiers.email import EmailNotifier

    with smtp_stand_in(*cert) as (port, mail):
        email = config_for(port).notify.email
        notifier = EmailNotifier(email, email.lists[0], "Asia/Shanghai")
        pdf = b"%PDF-1.7 brief"
        refused = notifier.send_mail(
            ["ceo@brand.example"],
            "舆情简报",
            "见附件",
            attachments=[("简报.pdf", pdf, "application/pdf")],
        )
    assert refused == {}
    [part] = list(mail.messages[0].iter_attachments())
    assert part.get_filename() == "简报.pdf" and part.get_content() == pdf
