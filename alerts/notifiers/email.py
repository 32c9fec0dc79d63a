"""Email over SMTP (Python's smtplib and email packages): the daily digest, escalations to
executives, and — through :meth:`EmailNotifier.send_mail` — documents such as the brief
export.

``security``: ``tls`` is implicit TLS (SMTPS, port 465), ``starttls`` upgrades a plain
connection (port 587) and refuses to log in if the server does not offer it; both verify
the server's certificate against the system's CAs. The login comes from environment
variables. Each message's ``Message-ID`` is derived from its outbox key, so a receiving
system can tell a retried message from a new one. A 4xx answer or a lost connection is
retried; a 5xx answer (login refused, every recipient refused) is a refusal for good."""

from __future__ import annotations

import hashlib
import html
import smtplib
import ssl
from collections.abc import Callable
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any
from zoneinfo import ZoneInfo

from alerts.notifiers import markup
from alerts.notifiers.base import Notifier, Refused
from config.i18n import N_, gettext_for, use_locale
from config.notify import EmailConfig, MailingList
from index.base import Notification

SUBJECT_PREFIX = N_("[Opinion Radar]")


class EmailNotifier(Notifier):
    def __init__(
        self,
        config: EmailConfig,
        mailing_list: MailingList,
        tz: str,
        locale: str = "zh_CN",
        ssl_context: ssl.SSLContext | None = None,
    ):
        self.config = config
        self.list = mailing_list
        self.name = f"email:{mailing_list.name}"
        self.tz = tz
        self.locale = locale
        self.gettext = gettext_for(locale)  # the deployment's language
        self.ssl_context = ssl_context or ssl.create_default_context()
        self.case_url: Callable[[str], str] | None = None  # set by Targets

    def send(
        self, notification: Notification, channel: str, thread_ts: str | None = None
    ) -> dict[str, Any]:
        notice = markup.notice_of(notification.payload, self.case_url)
        with use_locale(self.locale):  # its dates and zone name too (markup.local_time)
            text, rich = render(notice, self.tz, self.gettext)
        message_id = f"<{hashlib.sha1(notification.key.encode()).hexdigest()}@opinion-radar>"
        subject = f"{self.gettext(SUBJECT_PREFIX)} {markup.title(notice, self.gettext)}"
        refused = self.send_mail(self.list.to, subject, text, rich, message_id=message_id)
        return {"channel": self.name, "ts": message_id, "refused": sorted(refused)}

    def send_mail(
        self,
        to: list[str],
        subject: str,
        text: str,
        rich: str | None = None,
        *,
        message_id: str | None = None,
        attachments: list[tuple[str, bytes, str]] | None = None,
    ) -> dict[str, Any]:
        """Send one mail; returns the recipients the server refused (the rest took it).
        ``attachments``: (file name, content, MIME type like application/pdf)."""
        msg = EmailMessage()
        msg["From"] = self.config.sender
        msg["To"] = ", ".join(to)
        msg["Subject"] = subject
        # the deployment's zone, as the text's times (+0800); formatdate(localtime=False)
        # wrote -0000, "zone unknown" in RFC 5322
        msg["Date"] = format_datetime(datetime.now(ZoneInfo(self.tz)))
        if message_id:
            msg["Message-ID"] = message_id
        msg.set_content(text)
        if rich:
            msg.add_alternative(rich, subtype="html")
        for filename, content, mime in attachments or []:
            maintype, _, subtype = mime.partition("/")
            msg.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
        try:
            with self._connect() as smtp:
                if self.config.username and self.config.password:
                    smtp.login(self.config.username.get() or "", self.config.password.get() or "")
                return dict(smtp.send_message(msg))
        except smtplib.SMTPAuthenticationError as exc:
            raise Refused(f"{self.name}: login refused ({exc.smtp_code})") from exc
        except smtplib.SMTPRecipientsRefused as exc:
            raise Refused(f"{self.name}: every recipient refused") from exc
        except smtplib.SMTPResponseException as exc:
            if 500 <= exc.smtp_code < 600:
                raise Refused(f"{self.name}: {exc.smtp_code} {exc.smtp_error!r}") from exc
            raise

    def _connect(self) -> smtplib.SMTP:
        c = self.config
        if c.security == "tls":
            return smtplib.SMTP_SSL(c.host, c.port, timeout=c.timeout, context=self.ssl_context)
        smtp = smtplib.SMTP(c.host, c.port, timeout=c.timeout)
        if c.security == "starttls":
            try:
                smtp.starttls(context=self.ssl_context)
            except smtplib.SMTPNotSupportedError as exc:
                smtp.close()
                raise Refused(f"{self.name}: {c.host} does not offer STARTTLS") from exc
        return smtp


def render(notice: dict[str, Any], tz: str, _: markup.Gettext) -> tuple[str, str]:
    """(plain text, HTML) of a notice; crawled text is HTML-escaped in the HTML part."""
    lines = markup.lines(notice, tz, _)
    evidence = [(e.get("text", ""), e.get("url", ""), *markup.evidence_line(e, _))
                for e in notice.get("evidence") or []]  # fmt: skip
    url, label = notice.get("url", ""), markup.link_label(notice, _)
    by = markup.WHO_REACH
    text = "\n".join(
        [*lines, *(f"- {t} — {_(by) % {'who': who, 'reach': reach}} {u}"
                   for t, u, who, reach in evidence),
         f"\n{label}: {url}"]
    )  # fmt: skip
    items = "".join(f"<p>{html.escape(line)}</p>" for line in lines)
    shown = []
    for t, u, who, reach in evidence:
        href = markup.safe_link(u)
        post = f'<a href="{html.escape(href)}">{html.escape(t)}</a>' if href else html.escape(t)
        source = _(by) % {"who": html.escape(who), "reach": html.escape(reach)}
        shown.append(f"<li>{post} — {source}</li>")
    if shown:
        items += f"<ul>{''.join(shown)}</ul>"
    page = markup.safe_link(url)
    button = f'<p><a href="{html.escape(page)}">{html.escape(label)}</a></p>' if page else ""
    head = html.escape(markup.title(notice, _))
    return text, f"<html><body><h3>{head}</h3>{items}{button}</body></html>"
