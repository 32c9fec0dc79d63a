"""The 舆情简报 mailed on a schedule (``reports:`` in the config): at its time, each
schedule's brand reports (radar/web/report.py) are made as PDF and/or Word and sent as one
mail to its executive list through the email notifier of ``notify.email``.

Once per schedule and period: what was sent is recorded in the outbox under the key
``report:<name>:<local date>`` (delivered), so a job that runs again the same day (a
restart, a coalesced misfire) sends nothing twice. A mail that fails raises: nothing is
recorded, and the next run (or ``radar report send``) tries again.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from alerts.coverage import enabled_sources
from alerts.notifiers.email import EmailNotifier
from config.i18n import gettext, use_locale
from config.schema import RadarConfig, ReportSchedule
from index.base import Notification, Store
from radar.web.render import Formatter
from radar.web.report import PERIODS, WRITERS, brand_report

log = logging.getLogger(__name__)


def schedule(config: RadarConfig, name: str) -> ReportSchedule:
    found = next((r for r in config.reports if r.name == name), None)
    if found is None:
        known = ", ".join(r.name for r in config.reports) or "none"
        raise KeyError(f"no report schedule {name!r} in the config (known: {known})")
    return found


def report_key(sched: ReportSchedule, fmt: Formatter, now: datetime) -> str:
    return f"report:{sched.name}:{fmt.local(now, '%Y-%m-%d')}"


def send_report(
    config: RadarConfig, store: Store, name: str, now: datetime, force: bool = False
) -> dict[str, Any]:
    """Make and mail the reports of schedule ``name`` for the period ending ``now``."""
    sched = schedule(config, name)
    fmt = Formatter(config.timezone)
    key = report_key(sched, fmt, now)
    sent = store.get_notification(key)
    if sent is not None and sent.delivered_at is not None and not force:
        return {"key": key, "sent": False, "reason": "already sent for this period"}
    email = config.notify.email
    list_name = sched.to.partition(":")[2]
    mailing = next((m for m in email.lists if m.name == list_name), None) if email else None
    if email is None or mailing is None:  # the config check refuses this; a guard all the same
        raise KeyError(f"reports: {sched.to!r} is no mailing list of notify.email")
    base = (config.web.public_url or f"http://{config.web.host}:{config.web.port}").rstrip("/")
    brands = sched.brands or [b.name for b in config.brands]
    attachments: list[tuple[str, bytes, str]] = []
    lines: list[str] = []
    with use_locale(config.locale):
        for brand in brands:
            report = brand_report(store, fmt, brand, sched.days, now, base, enabled_sources(config))
            for kind in sched.formats:
                write, mime = WRITERS[kind]
                attachments.append((f"{report.filename}.{kind}", write(report), mime))
            lines.append(report.title)
            lines += [f"  {head}: {text} {link}".rstrip() for head, text, link, _ in report.claims]
        period = gettext(PERIODS.get(sched.days, "Report"))
        subject = f"[舆情雷达] {period} · {fmt.local(now, '%Y-%m-%d')}"
    notifier = EmailNotifier(email, mailing, config.timezone)
    refused = notifier.send_mail(mailing.to, subject, "\n".join(lines), attachments=attachments)
    store.enqueue_notification(
        # a record, not a message for the outbox job: marked delivered at once
        Notification(
            key=key, channel=f"report:{sched.to}", payload={"report": sched.name}, created_at=now
        )
    )
    store.mark_notification_delivered(key, now, {"refused": sorted(refused)})
    log.info("report %s sent to %s (%d files)", sched.name, sched.to, len(attachments))
    return {"key": key, "sent": True, "files": [a[0] for a in attachments], "refused": refused}
