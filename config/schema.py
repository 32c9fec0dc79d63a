"""The shape of a Radar config file (YAML). See config/demo.yaml and
config/example-production.yaml for commented examples."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlparse

from pydantic import Field, field_validator, model_validator

from config.alerting import AlertsConfig, SlackConfig
from config.i18n import DEFAULT_LOCALE, LocaleName
from config.notify import NotifyConfig, WebhooksConfig
from config.sources import SourceConfig
from config.types import (
    Duration,
    EnvRef,
    PositiveDuration,
    Strict,
    TimeOfDay,
    TimeZoneName,
    check_http_url,
    check_list_items,
)

if TYPE_CHECKING:
    from index.base import Store


class StoreConfig(Strict):
    url: str = "sqlite:///var/radar.db"
    # Elasticsearch only
    username: EnvRef | None = None
    password: EnvRef | None = None
    api_key: EnvRef | None = None
    index_prefix: str = "radar"
    verify_certs: bool = True

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        u = urlparse(v)
        if u.scheme == "sqlite":
            if not u.path or u.path == "/":
                raise ValueError("sqlite URL needs a file path, e.g. sqlite:///var/radar.db")
            return v
        if u.scheme in ("http", "https"):
            if not u.hostname:
                raise ValueError("Elasticsearch URL needs a host, e.g. http://localhost:9200")
            return v
        raise ValueError("must be sqlite:///path/radar.db or http(s)://host:9200")

    def open_options(self) -> dict[str, object]:
        """Keyword arguments for ``index.open_store(self.url, **options)``: the
        Elasticsearch settings, secrets read from the environment; none for SQLite."""
        if urlparse(self.url).scheme not in ("http", "https"):
            return {}
        return {
            "index_prefix": self.index_prefix,
            "username": self.username.get() if self.username else None,
            "password": self.password.get() if self.password else None,
            "api_key": self.api_key.get() if self.api_key else None,
            "verify_certs": self.verify_certs,
        }

    def open(self) -> Store:
        """The configured store, with its settings (every caller: one forgotten option set
        once made most commands ignore the Elasticsearch credentials and prefix)."""
        from index import open_store

        return open_store(self.url, **self.open_options())


def _folded(text: str) -> str:
    """A term as brand matching compares it (NFKC, case-folded; crawlers/brands.py)."""
    return unicodedata.normalize("NFKC", text).casefold().strip()


class BrandConfig(Strict):
    name: str = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)  # phrases that mean this brand
    exclude: list[str] = Field(default_factory=list)  # phrases that look like it but are not
    description: str = ""

    @model_validator(mode="after")
    def _terms(self) -> BrandConfig:
        """A brand matches posts by its terms: a blank name, a blank entry or an
        exclusion that is one of the terms is a brand (or a term) that never matches,
        which nothing would say until the first crisis went unseen."""
        if not self.name.strip():
            raise ValueError("name: a brand needs a name (it is blank)")
        for key in ("aliases", "keywords", "exclude"):
            if any(not t.strip() for t in getattr(self, key)):
                raise ValueError(f"{key}: a blank entry matches nothing; remove it")
            check_list_items(key, getattr(self, key))
        terms = {_folded(t): t for t in self.match_terms}
        for i, phrase in enumerate(self.exclude):
            if (term := terms.get(_folded(phrase))) is not None:
                raise ValueError(
                    f"exclude[{i}]: {phrase!r} is this brand's own term {term!r}: a post "
                    "naming it would never count; exclude longer phrases that contain a "
                    "term but mean something else (北极光 for 极光)"
                )
        return self

    @property
    def match_terms(self) -> list[str]:
        """Every string that marks a mention of this brand (name, aliases, keywords)."""
        seen: dict[str, None] = {}
        for term in [self.name, *self.aliases, *self.keywords]:
            if term.strip():
                seen.setdefault(term.strip(), None)
        return list(seen)


# an argon2 hash as `radar web hash-password` writes it, and one cut at its first comma
_ARGON2 = re.compile(
    r"^\$argon2(id|i|d)\$v=\d+\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$"
)
_ARGON2_CUT = re.compile(r"^\$argon2(id|i|d)\$v=\d+\$m=\d+$")


class UserConfig(Strict):
    name: str = Field(min_length=1)
    role: Literal["care", "pr", "exec", "admin"]
    # argon2 hash (``radar web hash-password``); plain passwords are never stored
    password_hash: str | EnvRef | None = None
    api_token_hash: str | None = None  # sha256 hex of an API token
    display_name: str = ""
    locale: LocaleName | None = None  # this user's language in the web UI; default `locale:`

    @field_validator("password_hash")
    @classmethod
    def _argon2(cls, v: str | EnvRef | None) -> str | EnvRef | None:
        # anything else would only show as "wrong password" at every login
        value = v.get() if isinstance(v, EnvRef) else v
        if value and _ARGON2_CUT.match(value):
            # {name: a, password_hash: $argon2id$v=19$m=65536,t=3,p=4$…}: inside { } YAML
            # splits the hash at its commas (loader.py drops the 't=3', 'p=4$…' keys)
            raise ValueError(
                "the argon2 hash is cut at its first comma (inside { } YAML splits "
                "$argon2id$v=19$m=65536,t=3,p=4$… at its commas): put the whole hash in "
                "quotes: password_hash: '$argon2id$…'"
            )
        if value and not _ARGON2.match(value.strip()):
            raise ValueError("not an argon2 hash: make one with `radar web hash-password`")
        return v

    @field_validator("api_token_hash")
    @classmethod
    def _sha256(cls, v: str | None) -> str | None:
        if v is not None and not re.fullmatch(r"[0-9a-fA-F]{64}", v.strip()):
            raise ValueError("not a SHA-256 hex digest: make one with `radar web new-token`")
        return v


# a session-signing key anyone could guess signs an admin's cookie: outside the demo it
# must be at least this long and not a repetition of a few characters
MIN_SECRET_KEY_CHARS = 32
MIN_SECRET_KEY_DISTINCT = 12


def weak_secret_key(value: str) -> str | None:
    """Why ``value`` is too weak to sign sessions, or None when it will do."""
    if len(value) < MIN_SECRET_KEY_CHARS:
        return f"is {len(value)} characters; at least {MIN_SECRET_KEY_CHARS} are needed"
    if len(set(value)) < MIN_SECRET_KEY_DISTINCT:
        return f"uses only {len(set(value))} distinct characters (too guessable)"
    return None


def check_file_path(value: str) -> str:
    """A file path for a database the service creates: a folder ("/", "var/") passed the
    check and crashed `radar run`."""
    if value and (value.endswith(("/", "\\")) or Path(value).is_dir()):
        raise ValueError(f"{value!r} is a folder; give a file path, e.g. var/radar-jobs.db")
    return value


class WebConfig(Strict):
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    public_url: str = ""  # used in Slack links; defaults to http://host:port
    # session signing; generated per run if absent (sessions then end at a restart).
    # Outside the demo a given key must be strong (weak_secret_key)
    secret_key: EnvRef | str | None = None
    secure_cookies: bool = False  # set true behind HTTPS
    users: list[UserConfig] = Field(default_factory=list)
    # SQLite file of the server-side login sessions (radar/web/sessions.py); default
    # beside the store (RadarConfig.local_file)
    sessions_db: str = ""
    # requests a minute (or "10/second", "1000/hour": the `limits` notation) each API
    # token (each user's browser session) may make, per web process (radar/web/api.py)
    api_rate_limit: str = "600/minute"

    _sessions_db_file = field_validator("sessions_db")(check_file_path)

    @field_validator("api_rate_limit")
    @classmethod
    def _rate(cls, v: str) -> str:
        from limits import parse

        try:
            parse(v)
        except ValueError:
            raise ValueError(
                f"not a rate limit: {v!r} (e.g. 600/minute, 10/second, 1000/hour)"
            ) from None
        return v

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, v: str) -> str:
        # the case page links in Slack; without a scheme Slack refuses the whole message
        return check_http_url(v) if v else v

    @model_validator(mode="after")
    def _unique_users(self) -> WebConfig:
        # a second entry of a name or a token would silently act as the other (the care
        # user's token then authenticated as pr)
        names: dict[str, int] = {}
        tokens: dict[str, int] = {}
        for i, user in enumerate(self.users):
            if user.name in names:
                raise ValueError(
                    f"users: user name {user.name!r} is given twice "
                    f"(entries {names[user.name]} and {i}, counting from 0)"
                )
            names[user.name] = i
            if user.api_token_hash:
                digest = user.api_token_hash.strip().lower()
                if digest in tokens:
                    raise ValueError(
                        f"users: the same api_token_hash is given to "
                        f"{self.users[tokens[digest]].name!r} and {user.name!r}; "
                        "make one token per user with `radar web new-token`"
                    )
                tokens[digest] = i
        return self

    def secret_key_value(self) -> str | None:
        value = self.secret_key
        return value.get() if isinstance(value, EnvRef) else value


class SchedulerConfig(Strict):
    alert_interval: PositiveDuration = 60.0
    outbox_interval: PositiveDuration = 15.0
    digest_time: TimeOfDay = "09:00"
    timezone: TimeZoneName = "Asia/Shanghai"
    max_concurrent_crawls: int = Field(default=2, ge=1)
    crawl_timeout: PositiveDuration = 600.0
    jobs_db: str = ""  # SQLite file for APScheduler's job store; default beside the store

    _jobs_db_file = field_validator("jobs_db")(check_file_path)


class DemoConfig(Strict):
    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = Field(default=8765, ge=0, le=65535)
    crisis_brand: str = ""
    crisis_after: Duration = 120.0  # seconds after start when the scripted crisis begins
    # bounded: 1e12 passed the check, then the demo source spun a CPU generating posts
    posts_per_minute: float = Field(default=20.0, gt=0, le=6000)
    seed: int = 7


class SentimentConfig(Strict):
    # complaint categories / risk signals lexicon (YAML, same sections as the shipped
    # sentiment/lexicon.yaml); empty = the shipped one
    lexicon_path: str = ""
    # a model trained for this deployment (`radar sentiment train --corrections ...`);
    # empty = the shipped sentiment/model.npz
    model_path: str = ""

    @field_validator("lexicon_path")
    @classmethod
    def _lexicon_exists(cls, v: str) -> str:
        if v and not Path(v).is_file():
            raise ValueError(f"lexicon file {v!r} does not exist")
        return v

    @field_validator("model_path")
    @classmethod
    def _model_loads(cls, v: str) -> str:
        if v:
            from sentiment.model import ModelFileError, SentimentModel

            try:
                SentimentModel.check_file(v)  # the header: the scorer loads the arrays
            except ModelFileError as exc:
                raise ValueError(str(exc)) from exc
        return v


ReportFormat = Literal["pdf", "docx"]


def _pdf_only() -> list[ReportFormat]:
    return ["pdf"]


class ReportSchedule(Strict):
    """A 舆情简报 (the brand report as PDF/Word) mailed on a schedule (radar/reports.py)."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    to: str = Field(pattern=r"^email:")  # a mailing list of notify.email, e.g. email:execs
    brands: list[str] = Field(default_factory=list)  # empty: every configured brand
    days: int = Field(default=1, ge=1, le=31)  # the period: 1 a daily report, 7 a weekly one
    at: TimeOfDay = "08:30"  # in scheduler.timezone
    weekday: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] | None = None  # None: daily
    formats: list[ReportFormat] = Field(default_factory=_pdf_only, min_length=1)


class RadarConfig(Strict):
    store: StoreConfig = Field(default_factory=StoreConfig)
    brands: list[BrandConfig] = Field(default_factory=list)
    sources: list[SourceConfig] = Field(default_factory=list)
    alerts: AlertsConfig = Field(default_factory=AlertsConfig)
    slack: SlackConfig = Field(default_factory=SlackConfig)
    notify: NotifyConfig = Field(default_factory=NotifyConfig)  # WeCom, DingTalk, Feishu, email
    webhooks: WebhooksConfig = Field(default_factory=WebhooksConfig)  # outbound webhooks
    web: WebConfig = Field(default_factory=WebConfig)
    scheduler: SchedulerConfig = Field(default_factory=SchedulerConfig)
    demo: DemoConfig = Field(default_factory=DemoConfig)
    sentiment: SentimentConfig = Field(default_factory=SentimentConfig)
    timezone: TimeZoneName = "Asia/Shanghai"  # how local times in the UI and digests are shown
    # the deployment's language: web UI default, Slack and other notifier texts, the digest
    locale: LocaleName = DEFAULT_LOCALE
    reports: list[ReportSchedule] = Field(default_factory=list)  # 舆情简报 mailed on a schedule

    @model_validator(mode="after")
    def _cross_checks(self) -> RadarConfig:
        names = [b.name for b in self.brands]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise ValueError(f"brands: duplicate brand name(s) {sorted(dup)}")
        snames = [s.name for s in self.sources]
        sdup = {n for n in snames if snames.count(n) > 1}
        if sdup:
            raise ValueError(f"sources: duplicate source name(s) {sorted(sdup)}")
        self._check_source_titles()
        self._check_brand_names(names, [s.name for s in self.sources])
        self.notify.check_steps([s.name for s in self.slack.escalation])
        for i, report in enumerate(self.reports):
            lists = sorted(t for t in self.notify.known_targets() if t.startswith("email:"))
            if report.to not in lists:
                raise ValueError(
                    f"reports[{i}].to: {report.to!r} is no mailing list of notify.email "
                    f"(known: {lists})"
                )
            unknown = [b for b in report.brands if b not in names]
            if unknown:
                raise ValueError(f"reports[{i}].brands: unknown brand(s) {unknown}")
        if self.demo.enabled and self.web.port and self.web.port == self.demo.port:
            # the demo binds first; the web UI then failed with "port in use?"
            raise ValueError(
                f"web.port: {self.web.port} is also demo.port: the web UI and the demo "
                "sources need a port each"
            )
        if self.demo.crisis_brand and self.demo.crisis_brand not in names:
            raise ValueError(f"demo.crisis_brand: unknown brand {self.demo.crisis_brand!r}")
        key = self.web.secret_key_value()
        if key and not self.demo.enabled and (weak := weak_secret_key(key)):
            raise ValueError(
                f"web.secret_key: {weak}; make one with "
                "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`"
            )
        return self

    def _check_source_titles(self) -> None:
        """A title is what people read and what ``source:`` also takes (like a brand's
        alias): one naming two sources would make both the cards and the filter ambiguous."""
        owner = {s.name: s.name for s in self.sources}
        for i, s in enumerate(self.sources):
            if s.title and owner.setdefault(s.title, s.name) != s.name:
                raise ValueError(
                    f"sources[{i}].title: {s.title!r} of {s.name!r} is already the name or "
                    f"title of {owner[s.title]!r}"
                )

    def source_titles(self) -> dict[str, str]:
        """Source name -> what people read (its title, else the name)."""
        return {s.name: s.shown for s in self.sources}

    def _check_brand_names(self, names: list[str], sources: list[str]) -> None:
        """An alias that is another brand's name or alias makes ``brand:X`` and matching
        ambiguous; a route naming no configured brand never matches (a typo there sends the
        brand's cases to the default channel without a word). Routes may also name a
        source-health case's ``source:NAME``; with no brands configured (a section checked
        alone) they are not checked."""
        owner: dict[str, str] = {n: n for n in names}
        for b in self.brands:
            for alias in b.aliases:
                if owner.setdefault(alias, b.name) != b.name:
                    raise ValueError(
                        f"brands: alias {alias!r} of {b.name!r} is already the name or an "
                        f"alias of {owner[alias]!r}"
                    )
        if not names:
            return
        known = set(names) | {f"source:{s}" for s in sources}
        routes = [("slack.routes", i, r.brands) for i, r in enumerate(self.slack.routes)]
        routes += [("notify.routes", i, r.brands) for i, r in enumerate(self.notify.routes)]
        for where, i, brands in routes:
            unknown = [b for b in brands if b not in known]
            if unknown:
                raise ValueError(
                    f"{where}[{i}].brands: unknown brand(s) {unknown} "
                    f"(the brands: {', '.join(names)})"
                )

    def local_file(self, kind: str) -> Path:
        """A local SQLite file of the service's own (``jobs``, ``sessions``): beside the
        SQLite store (``var/radar.db`` → ``var/radar-jobs.db``), else ``var/radar-<kind>.db``."""
        url = urlparse(self.store.url)
        if url.scheme == "sqlite":
            store_file = Path(self.store.url.removeprefix("sqlite:///"))
            return store_file.with_name(f"{store_file.stem}-{kind}.db")
        return Path(f"var/radar-{kind}.db")

    def login_warnings(self) -> list[str]:
        """Users who can neither sign in nor call the API (no password_hash, no
        api_token_hash): valid — a login kept but switched off — yet the start-up banner
        listed them as logins, and an admin who forgot the hash learnt it from the user."""
        return [
            f"web.users[{i}]: {u.name!r} has neither password_hash nor api_token_hash — "
            "this user cannot sign in (make a hash with `radar web hash-password`)"
            for i, u in enumerate(self.web.users)
            if u.password_hash is None and u.api_token_hash is None
        ]

    def brand_warnings(self) -> list[str]:
        """A term (name, alias or keyword) two brands share, as brand matching compares
        terms: valid, yet a mention naming it counts for both brands (a complaint about one
        lifts the other's negative share and may open its case)."""
        first: dict[str, tuple[str, str]] = {}  # folded term -> (brand, where)
        out: list[str] = []
        for i, b in enumerate(self.brands):
            mine: set[str] = set()
            places = [("name", b.name)]
            for k in ("aliases", "keywords"):
                places += [(f"{k}[{j}]", t) for j, t in enumerate(getattr(b, k))]
            for where, term in places:
                key = _folded(term)
                if not key or key in mine:
                    continue
                mine.add(key)
                other = first.setdefault(key, (b.name, f"brands[{i}].{where}"))
                if other[0] != b.name:
                    out.append(
                        f"brands[{i}].{where}: {term.strip()!r} is a term of both {other[0]!r} "
                        f"({other[1]}) and {b.name!r} — a mention naming it counts for both "
                        "brands; keep it in one, or use longer phrases"
                    )
        return out

    def brand(self, name: str) -> BrandConfig | None:
        return next((b for b in self.brands if b.name == name), None)

    def source(self, name: str) -> SourceConfig | None:
        return next((s for s in self.sources if s.name == name), None)
