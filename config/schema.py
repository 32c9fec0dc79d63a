"""The shape of a Radar config file (YAML). See config/demo.yaml and
config/example-production.yaml for commented examples."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlparse

from pydantic import Field, field_validator, model_validator

from config.alerting import AlertsConfig, SlackConfig
from config.sources import SourceConfig
from config.types import (
    Duration,
    EnvRef,
    PositiveDuration,
    Strict,
    TimeZoneName,
    check_http_url,
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


class BrandConfig(Strict):
    name: str = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)  # phrases that mean this brand
    exclude: list[str] = Field(default_factory=list)  # phrases that look like it but are not
    description: str = ""

    @property
    def match_terms(self) -> list[str]:
        """Every string that marks a mention of this brand (name, aliases, keywords)."""
        seen: dict[str, None] = {}
        for term in [self.name, *self.aliases, *self.keywords]:
            if term.strip():
                seen.setdefault(term.strip(), None)
        return list(seen)


class UserConfig(Strict):
    name: str = Field(min_length=1)
    role: Literal["care", "pr", "exec", "admin"]
    # argon2 hash (``radar web hash-password``); plain passwords are never stored
    password_hash: str | EnvRef | None = None
    api_token_hash: str | None = None  # sha256 hex of an API token
    display_name: str = ""

    @field_validator("password_hash")
    @classmethod
    def _argon2(cls, v: str | EnvRef | None) -> str | EnvRef | None:
        # anything else would only show as "wrong password" at every login
        value = v.get() if isinstance(v, EnvRef) else v
        if value and not value.startswith("$argon2"):
            raise ValueError("not an argon2 hash: make one with `radar web hash-password`")
        return v

    @field_validator("api_token_hash")
    @classmethod
    def _sha256(cls, v: str | None) -> str | None:
        if v is not None and not re.fullmatch(r"[0-9a-fA-F]{64}", v.strip()):
            raise ValueError("not a SHA-256 hex digest: make one with `radar web new-token`")
        return v


class WebConfig(Strict):
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    public_url: str = ""  # used in Slack links; defaults to http://host:port
    secret_key: EnvRef | str | None = None  # session signing; generated per run if absent
    secure_cookies: bool = False  # set true behind HTTPS
    users: list[UserConfig] = Field(default_factory=list)

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, v: str) -> str:
        # the case page links in Slack; without a scheme Slack refuses the whole message
        return check_http_url(v) if v else v


class SchedulerConfig(Strict):
    alert_interval: PositiveDuration = 60.0
    outbox_interval: PositiveDuration = 15.0
    digest_time: str = Field(default="09:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    timezone: TimeZoneName = "Asia/Shanghai"
    max_concurrent_crawls: int = Field(default=2, ge=1)
    crawl_timeout: PositiveDuration = 600.0
    jobs_db: str = ""  # SQLite file for APScheduler's job store; default beside the store


class DemoConfig(Strict):
    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = Field(default=8765, ge=0, le=65535)
    crisis_brand: str = ""
    crisis_after: Duration = 120.0  # seconds after start when the scripted crisis begins
    posts_per_minute: float = 20.0
    seed: int = 7


class SentimentConfig(Strict):
    # complaint categories / risk signals lexicon (YAML, same sections as the shipped
    # sentiment/lexicon.yaml); empty = the shipped one
    lexicon_path: str = ""

    @field_validator("lexicon_path")
    @classmethod
    def _lexicon_exists(cls, v: str) -> str:
        if v and not Path(v).is_file():
            raise ValueError(f"lexicon file {v!r} does not exist")
        return v


class RadarConfig(Strict):
    store: StoreConfig = Field(default_factory=StoreConfig)
    brands: list[BrandConfig] = Field(default_factory=list)
    sources: list[SourceConfig] = Field(default_factory=list)
    alerts: AlertsConfig = Field(default_factory=AlertsConfig)
    slack: SlackConfig = Field(default_factory=SlackConfig)
    web: WebConfig = Field(default_factory=WebConfig)
    scheduler: SchedulerConfig = Field(default_factory=SchedulerConfig)
    demo: DemoConfig = Field(default_factory=DemoConfig)
    sentiment: SentimentConfig = Field(default_factory=SentimentConfig)
    timezone: TimeZoneName = "Asia/Shanghai"  # how local times in the UI and digests are shown

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
        if self.demo.crisis_brand and self.demo.crisis_brand not in names:
            raise ValueError(f"demo.crisis_brand: unknown brand {self.demo.crisis_brand!r}")
        return self

    def brand(self, name: str) -> BrandConfig | None:
        return next((b for b in self.brands if b.name == name), None)

    def source(self, name: str) -> SourceConfig | None:
        return next((s for s in self.sources if s.name == name), None)
