"""API tokens per integration (a ticketing system, a BI dashboard …), each with a scope,
made and revoked by an admin at ``/admin/tokens`` or with ``radar web token`` — without
editing the YAML config, whose ``web.users[].api_token_hash`` tokens keep working.

They live in the store as one named record of its durable state
(``Store.get_cursor("web:api-tokens")``, as the webhook subscribers do), so every web
process sees a revocation at the next request. Only each token's SHA-256 is kept; the
token itself is shown once, when it is made.

Scopes: ``read`` may search, export and read cases and summaries; ``cases`` may also work
mentions and cases (mark handled, note, attach, correct the sentiment, acknowledge,
assign, resolve, close).
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from config.i18n import N_, _
from config.schema import UserConfig
from index.base import CrawlState
from radar.web.auth import PERMISSIONS, Forbidden, LoggedIn, User, Users, new_token, token_hash
from radar.web.render import flash, render

RECORD = "web:api-tokens"
READ = frozenset({"search", "cases", "summary"})
SCOPES: dict[str, frozenset[str]] = {
    "read": READ,
    "cases": READ | {"handle", "attach", "correct_sentiment", "case_action"},
}
assert all(p in PERMISSIONS for scope in SCOPES.values() for p in scope)


@dataclass
class TokenRecord:
    id: str
    name: str  # the integration: "zendesk", "bi-dashboard" …
    scope: str
    hash: str  # sha256 hex of the token
    hint: str  # its first characters, to tell tokens apart
    created_at: str
    created_by: str
    revoked_at: str = ""
    revoked_by: str = ""

    def public(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("hash")
        return data


@dataclass(frozen=True)
class TokenUser(User):
    """The caller of an integration token: what it may do is its scope."""

    scope: str = "read"
    token_id: str = ""

    def can(self, permission: str) -> bool:
        return permission in SCOPES[self.scope]


def load(store: CrawlState) -> list[TokenRecord]:
    record = store.get_cursor(RECORD) or {}
    return [TokenRecord(**t) for t in record.get("tokens", [])]


def _save(store: CrawlState, tokens: list[TokenRecord]) -> None:
    store.set_cursor(RECORD, {"tokens": [asdict(t) for t in tokens]})


def create(
    store: CrawlState, name: str, scope: str, by: str, now: datetime | None = None
) -> tuple[TokenRecord, str]:
    """A new token for integration ``name``: its record and the token (shown once)."""
    name = name.strip()
    if not name or len(name) > 100:
        raise ValueError(N_("name: give the integration a name (1-100 characters)"))
    if scope not in SCOPES:
        raise ValueError(f"scope: one of {', '.join(SCOPES)}, not {scope!r}")
    token = new_token()
    record = TokenRecord(
        id=f"tok{secrets.token_hex(4)}",
        name=name,
        scope=scope,
        hash=token_hash(token),
        hint=token[:4] + "…",
        created_at=(now or datetime.now(UTC)).isoformat(),
        created_by=by,
    )
    _save(store, [*load(store), record])
    return record, token


def revoke(store: CrawlState, token_id: str, by: str, now: datetime | None = None) -> TokenRecord:
    """Revoke a token at once (kept in the list, marked revoked). KeyError if unknown."""
    tokens = load(store)
    found = next((t for t in tokens if t.id == token_id), None)
    if found is None:
        raise KeyError(f"no API token {token_id!r} (see `radar web token list`)")
    if not found.revoked_at:
        found.revoked_at = (now or datetime.now(UTC)).isoformat()
        found.revoked_by = by
        _save(store, tokens)
    return found


def user_for(store: CrawlState, token: str) -> TokenUser | None:
    digest = token_hash(token)
    for t in load(store):
        if hmac.compare_digest(t.hash, digest) and not t.revoked_at:
            return TokenUser(
                name=f"token:{t.name}",
                role="integration",
                display_name=t.name,
                scope=t.scope,
                token_id=t.id,
            )
    return None


class UsersAndTokens(Users):
    """The configured users (YAML) and the integration tokens kept in the store."""

    def __init__(self, configs: list[UserConfig], store: CrawlState):
        super().__init__(configs)
        self._store = store

    def by_token(self, token: str) -> User | None:
        return super().by_token(token) or user_for(self._store, token)


# -- admin page ---------------------------------------------------------------------------

pages = APIRouter(include_in_schema=False)
PAGE = "/admin/tokens"


def _admin(user: User) -> None:
    if user.role != "admin":
        raise Forbidden("admin")


def _page(request: Request, new: dict[str, str] | None = None, status_code: int = 200) -> Any:
    return render(
        request,
        "tokens.html",
        status_code=status_code,
        tokens=[t.public() for t in load(request.app.state.store)],
        scopes=list(SCOPES),
        new=new,
    )


@pages.get(PAGE)
def tokens_page(request: Request, user: LoggedIn):  # type: ignore[no-untyped-def]
    _admin(user)
    return _page(request)


@pages.post(PAGE)
def create_token(
    request: Request,
    user: LoggedIn,
    name: Annotated[str, Form(max_length=100)] = "",
    scope: Annotated[str, Form()] = "read",
):  # type: ignore[no-untyped-def]
    """The token is shown on this answer only (never kept, never redirected with)."""
    _admin(user)
    try:
        record, token = create(request.app.state.store, name, scope, user.name)
    except ValueError as exc:  # the page says it in the reader's language, the CLI as written
        flash(request, _(str(exc)), "error")
        return RedirectResponse(PAGE, status_code=303)
    return _page(request, {"id": record.id, "name": record.name, "token": token})


@pages.post(PAGE + "/{token_id}/revoke")
def revoke_token(request: Request, user: LoggedIn, token_id: str):  # type: ignore[no-untyped-def]
    _admin(user)
    try:
        record = revoke(request.app.state.store, token_id, user.name)
    except KeyError:
        flash(request, _("%(id)s: no such token") % {"id": token_id}, "error")
    else:
        flash(request, _("%(name)s: token revoked") % {"name": record.name})
    return RedirectResponse(PAGE, status_code=303)
