"""Who may use the web UI and API, and what each role may do.

Users come from ``web.users`` in the config. Passwords are stored only as argon2 hashes
(``radar web hash-password``); API tokens only as their SHA-256 (``radar web new-token``),
sent as ``Authorization: Bearer <token>``. Browsers log in once and carry a signed,
HttpOnly, SameSite=Lax session cookie (Starlette's SessionMiddleware) whose session id
must still be live on the server (radar/web/sessions.py: logout ends it).

A request authenticates by exactly one of the two: one with an ``Authorization`` header
by that token alone (an invalid or blank one is a 401, never the session), any other by
its session, whose unsafe requests carry the session's CSRF token (radar/web/csrf.py).

An argon2 check takes 64 MiB for its duration (the library's default memory cost): at
most :data:`CONCURRENT_PASSWORD_CHECKS` run at once, so a flood of logins queues instead
of taking the server's memory (16 concurrent wrong logins took it from 84 MiB to 1 GiB).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass
from typing import Annotated, Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from config.schema import UserConfig
from config.types import EnvRef
from radar.web.sessions import SessionStore

ROLES = ("care", "pr", "exec", "admin")
SESSION_ID = "sid"  # the session cookie's key for the server-side session id

# permission -> roles holding it. Everyone may read search results and case pages;
# changing a case's state is for the PR team; executives read summaries.
PERMISSIONS: dict[str, frozenset[str]] = {
    "search": frozenset({"care", "pr", "exec", "admin"}),  # search, mentions, CSV export
    "handle": frozenset({"care", "pr", "admin"}),  # mark a mention handled, note on it
    "attach": frozenset({"care", "pr", "admin"}),  # attach a mention to a case
    "correct_sentiment": frozenset({"care", "pr", "admin"}),  # the sentiment toward a brand
    "cases": frozenset({"care", "pr", "exec", "admin"}),  # case board and case pages
    "case_action": frozenset({"pr", "admin"}),  # acknowledge, assign, note, resolve, close
    "summary": frozenset({"exec", "pr", "admin"}),  # crisis summaries, overview, digest
}

_hasher = PasswordHasher()
CONCURRENT_PASSWORD_CHECKS = 2
_password_checks = threading.BoundedSemaphore(CONCURRENT_PASSWORD_CHECKS)
# verified against when the user name is unknown, so a wrong name costs as long as a
# wrong password and timing does not tell which names exist
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    """An argon2id hash for ``web.users[].password_hash``."""
    return _hasher.hash(password)


def token_hash(token: str) -> str:
    """The SHA-256 hex digest kept in ``web.users[].api_token_hash``."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class User:
    name: str
    role: str
    display_name: str = ""

    def can(self, permission: str) -> bool:
        return self.role in PERMISSIONS[permission]

    @property
    def permissions(self) -> list[str]:
        return [p for p in PERMISSIONS if self.can(p)]

    @property
    def label(self) -> str:
        return self.display_name or self.name


class Users:
    """The configured users, looked up by name or by API token."""

    def __init__(self, configs: list[UserConfig]):
        self._users: dict[str, User] = {}
        self._password_hashes: dict[str, str] = {}
        self._token_hashes: dict[str, str] = {}  # sha256 hex -> user name
        for c in configs:
            self._users[c.name] = User(c.name, c.role, c.display_name)
            ph = c.password_hash
            stored = ph.get() if isinstance(ph, EnvRef) else ph
            if stored:
                self._password_hashes[c.name] = stored
            if c.api_token_hash:
                self._token_hashes[c.api_token_hash.strip().lower()] = c.name

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._users.values())

    def get(self, name: str | None) -> User | None:
        return self._users.get(name) if name else None

    def authenticate(self, name: str, password: str) -> User | None:
        stored = self._password_hashes.get(name)
        try:
            with _password_checks:
                _hasher.verify(stored or _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            return None
        return self._users[name] if stored else None

    def by_token(self, token: str) -> User | None:
        digest = token_hash(token)
        for known, name in self._token_hashes.items():
            if hmac.compare_digest(known, digest):
                return self._users.get(name)
        return None


class NotAuthenticated(Exception):
    """No valid session or token: pages redirect to /login, the API answers 401."""


class Forbidden(Exception):
    """Logged in, but the role lacks the permission: 403."""

    def __init__(self, permission: str):
        super().__init__(permission)
        self.permission = permission


bearer = HTTPBearer(
    auto_error=False,
    description="an integration's API token (`/admin/tokens` or `radar web token create`, "
    "scope read or cases) or a configured user's (`radar web new-token`)",
)


def current_user(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> User:
    # ``credentials`` documents the scheme in OpenAPI; the raw header decides, since
    # HTTPBearer reads a malformed header ("Bearer \xa0") as no header at all
    users: Users = request.app.state.users
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, token = header.partition(" ")
        token = token.strip()
        user = users.by_token(token) if scheme.lower() == "bearer" and token else None
    else:
        sessions: SessionStore = request.app.state.sessions
        user = users.get(sessions.user_of(request.session.get(SESSION_ID)))
    if user is None:
        raise NotAuthenticated()
    request.state.user = user
    return user


def require(permission: str) -> Any:
    """A dependency: the logged-in user, who must hold ``permission``."""
    if permission not in PERMISSIONS:
        raise KeyError(permission)

    def dependency(user: Annotated[User, Depends(current_user)]) -> User:
        if not user.can(permission):
            raise Forbidden(permission)
        return user

    dependency.permission = permission  # type: ignore[attr-defined]  # radar.web.api.resolved
    return Depends(dependency)


# route parameter types: ``user: Searcher`` = logged in and allowed to search
LoggedIn = Annotated[User, Depends(current_user)]
Searcher = Annotated[User, require("search")]
Handler = Annotated[User, require("handle")]
Attacher = Annotated[User, require("attach")]
SentimentCorrector = Annotated[User, require("correct_sentiment")]
CaseReader = Annotated[User, require("cases")]
CaseWorker = Annotated[User, require("case_action")]
ExecReader = Annotated[User, require("summary")]
