"""aiosmtpd on 127.0.0.1 standing in for the mail relay: STARTTLS with a self-signed
certificate made for the test, AUTH LOGIN/PLAIN checked against one user, and a switch
to answer 451 (try later) to every message."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

USER, PASSWORD = "radar", "mail-pass-1"


@dataclass
class MailState:
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    busy: bool = False  # answer 451 to every message
    logins: list[str] = field(default_factory=list)


class _Handler:
    def __init__(self, state: MailState):
        self.state = state

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.state.busy:
            return "451 4.3.0 try again later"
        msg = message_from_bytes(envelope.original_content, policy=policy.default)
        self.state.messages.append(msg)  # type: ignore[arg-type]
        self.state.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key (PEM files in ``folder``)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def smtp_stand_in(
    cert_file: Path, key_file: Path, port: int | None = None
) -> Iterator[tuple[int, MailState]]:
    """Yields (port, state): a STARTTLS-only server requiring login, with this
    certificate (``self_signed``)."""
    state = MailState()
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert_file, key_file)

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any):
        ok = isinstance(data, LoginPassword) and (data.login.decode(), data.password.decode()) == (
            USER,
            PASSWORD,
        )
        if ok:
            state.logins.append(data.login.decode())
        return AuthResult(success=ok, handled=False)

    port = port or free_port()
    controller = Controller(
        _Handler(state),
        hostname="127.0.0.1",
        port=port,
        tls_context=tls,
        require_starttls=True,
        authenticator=authenticator,
        auth_require_tls=True,
        ready_timeout=5,
    )
    controller.start()
    try:
        yield port, state
    finally:
        controller.stop()
