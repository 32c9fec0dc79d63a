"""Webhook subscribers: URL, secret, filters. Managed by ``radar webhooks`` and the admin
page, so they live in the store (not in the YAML config), as one named record of the
store's durable state (``Store.get_cursor("webhooks:subscribers")`` — the same JSON
records the crawl and alert cursors use), read by every process that delivers.

A secret is shown once, when it is made (``add``, ``rotate``). After a rotation the
previous secret keeps signing beside the new one for the grace period
(``webhooks.rotation_grace``), so a receiver can switch at its own pace without losing
an event (see README, "Outbound webhooks")."""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlparse

from index.base import CrawlState

RECORD = "webhooks:subscribers"
EVENT_KINDS = (
    "case.opened",
    "case.updated",
    "case.escalated",
    "case.resolved",
    "source.health",
    "digest.ready",
)
SEVERITIES = ("P1", "P2", "P3")


@dataclass
class Subscriber:
    id: str
    url: str
    secret: str
    brands: list[str] = field(default_factory=list)  # empty: every brand
    severities: list[str] = field(default_factory=list)  # empty: every severity
    events: list[str] = field(default_factory=list)  # empty: every kind
    description: str = ""
    created_at: str = ""
    previous_secret: str = ""
    previous_until: str = ""  # ISO time the previous secret stops signing

    def signing_secrets(self, now: datetime) -> list[str]:
        """The current secret, and the previous one while its grace period runs."""
        out = [self.secret]
        until = self.previous_until
        if self.previous_secret and until and now < datetime.fromisoformat(until):
            out.append(self.previous_secret)
        return out

    def wants(self, kind: str, brand: str | None, severity: str | None) -> bool:
        if self.events and kind not in self.events:
            return False
        if brand is not None and self.brands and brand not in self.brands:
            return False
        return severity is None or not self.severities or severity in self.severities

    def public(self) -> dict[str, Any]:
        """What lists show: everything but the secrets (a fingerprint instead)."""
        data = asdict(self)
        data.pop("secret")
        data.pop("previous_secret")
        data["secret_hint"] = self.secret[:4] + "…"
        return data


def check_url(url: str) -> str:
    u = urlparse(url)
    try:
        port_ok = u.port is None or u.port > 0  # a port that is no number raises
    except ValueError:
        port_ok = False
    # a space or control character (https://a b.com) is no address: every delivery failed
    blank = any(c.isspace() or ord(c) < 32 for c in url)
    if u.scheme not in ("http", "https") or not u.hostname or blank or not port_ok:
        raise ValueError(f"not an http(s) URL with a host: {url!r}")
    return url


def check_filters(brands: list[str], severities: list[str], events: list[str]) -> None:
    bad = [s for s in severities if s not in SEVERITIES]
    if bad:
        raise ValueError(f"unknown severity {bad[0]!r} (one of {', '.join(SEVERITIES)})")
    bad = [e for e in events if e not in EVENT_KINDS]
    if bad:
        raise ValueError(f"unknown event kind {bad[0]!r} (one of {', '.join(EVENT_KINDS)})")


def load(store: CrawlState) -> list[Subscriber]:
    record = store.get_cursor(RECORD) or {}
    return [Subscriber(**s) for s in record.get("subscribers", [])]


def _save(store: CrawlState, subs: list[Subscriber]) -> None:
    store.set_cursor(RECORD, {"subscribers": [asdict(s) for s in subs]})


def get(store: CrawlState, sub_id: str) -> Subscriber | None:
    return next((s for s in load(store) if s.id == sub_id), None)


def add(
    store: CrawlState,
    url: str,
    *,
    brands: list[str] | None = None,
    severities: list[str] | None = None,
    events: list[str] | None = None,
    description: str = "",
    now: datetime | None = None,
) -> Subscriber:
    check_url(url)
    check_filters(brands or [], severities or [], events or [])
    subs = load(store)
    sub = Subscriber(
        id=f"wh{secrets.token_hex(4)}",
        url=url,
        secret=secrets.token_urlsafe(32),
        brands=list(brands or []),
        severities=list(severities or []),
        events=list(events or []),
        description=description,
        created_at=(now or datetime.now(UTC)).isoformat(),
    )
    _save(store, [*subs, sub])
    return sub


def remove(store: CrawlState, sub_id: str) -> bool:
    subs = load(store)
    kept = [s for s in subs if s.id != sub_id]
    _save(store, kept)
    return len(kept) != len(subs)


def rotate(store: CrawlState, sub_id: str, grace: float, now: datetime | None = None) -> Subscriber:
    """A new secret; the old one signs beside it for ``grace`` seconds."""
    subs = load(store)
    sub = next((s for s in subs if s.id == sub_id), None)
    if sub is None:
        raise KeyError(f"no webhook subscriber {sub_id!r} (see `radar webhooks list`)")
    now = now or datetime.now(UTC)
    sub.previous_secret, sub.secret = sub.secret, secrets.token_urlsafe(32)
    sub.previous_until = (now + timedelta(seconds=grace)).isoformat()
    _save(store, subs)
    return sub
