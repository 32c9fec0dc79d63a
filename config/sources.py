"""Config of one crawl source (a ``sources:`` entry). Owned with crawlers/."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from config.types import (
    Duration,
    EnvRef,
    PositiveDuration,
    Strict,
    TimeZoneName,
    check_http_url,
    check_list_items,
)


class ForumSelectors(Strict):
    """CSS/XPath selectors for the generic forum mode (a new forum is a config change)."""

    thread_links: str  # on the list page: links to threads
    next_page: str = ""  # on list and thread pages: link to the next page
    post: str  # on a thread page: one element per post/floor
    post_id: str = ""  # within a post: its id (attribute or text)
    post_text: str
    post_author: str = ""
    post_time: str = ""
    thread_title: str = ""


class SourceConfig(Strict):
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    # what people read (cards, facets, charts, reports, the people's CSV): e.g. 微博（演示）;
    # empty: the name. The name stays the id of the API, the JSON and source:NAME
    title: str = Field(default="", max_length=40)
    kind: Literal["weibo", "forum", "feed", "tousu", "bilibili", "zhihu"]
    base_url: str
    enabled: bool = True
    # weibo: search | timeline | comments; forum: tieba | discuz | generic; feed: rss;
    # tousu (黑猫投诉): search | company; bilibili and zhihu: search
    mode: str = ""
    # search keywords (weibo search, tieba kw, tousu, bilibili and zhihu search)
    query: list[str] = Field(default_factory=list)
    # weibo timelines; tousu company mode: the companies' couid (their 黑猫投诉 page)
    user_ids: list[str] = Field(default_factory=list)
    forum_ids: list[str] = Field(default_factory=list)  # discuz fid / tieba forum names
    feeds: list[str] = Field(default_factory=list)  # feed paths/URLs relative to base_url
    # the only hosts a crawl of this source requests are base_url's, the absolute feeds:'
    # and these (and their subdomains): e.g. a feed whose articles live on another host
    allowed_hosts: list[str] = Field(default_factory=list)
    interval: PositiveDuration = 300.0
    max_pages: int = Field(default=50, ge=1)
    fetch_comments: bool = True  # weibo hotflow, bilibili replies, zhihu question answers
    # comment pages per post/video (answer pages per question) and run
    max_comment_pages: int = Field(default=3, ge=1)
    max_thread_pages: int = Field(default=20, ge=1)  # forum: pages of floors per thread
    fetch_articles: bool = True  # feed: fetch the article page when the entry is a summary
    # incremental crawling: stop paging at posts older than the last complete run's
    # newest post minus this margin (covers late-indexed posts and clock skew)
    overlap: Duration = 3600.0
    # health: a ban/captcha/login page pauses the source this long, doubling on each
    # consecutive ban up to pause_max
    pause_base: Duration = 1800.0
    pause_max: Duration = 86400.0
    headers: dict[str, EnvRef] = Field(default_factory=dict)  # values from env vars only
    cookies: EnvRef | None = None  # a Cookie header value, from an env var
    obey_robots: bool = True
    download_delay: Duration = 1.0
    autothrottle: bool = True
    concurrency: int = Field(default=4, ge=1, le=64)  # concurrent requests to this source
    # how the site shows local times ("06-14", "昨天 12:30")
    timezone: TimeZoneName = "Asia/Shanghai"
    selectors: ForumSelectors | None = None  # forum kind, generic mode

    @field_validator("title")
    @classmethod
    def _title(cls, v: str) -> str:
        v = v.strip()
        if not v.isprintable():
            raise ValueError("a title is one line of printable text")
        return v

    @property
    def shown(self) -> str:
        """What people read: the title, else the name."""
        return self.title or self.name

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, v: str) -> str:
        return check_http_url(v).rstrip("/")

    @model_validator(mode="after")
    def _mode(self) -> SourceConfig:
        modes = {
            "weibo": ("search", "timeline", "comments"),
            "forum": ("tieba", "discuz", "generic"),
            "feed": ("rss", "atom", ""),
            "tousu": ("search", "company"),
            "bilibili": ("search",),
            "zhihu": ("search",),
        }[self.kind]
        for key in ("query", "user_ids", "forum_ids"):
            check_list_items(key, getattr(self, key))
        if not self.mode:
            self.mode = modes[0]
        if self.mode not in modes:
            raise ValueError(
                f"mode: {self.kind} sources take one of {', '.join(m for m in modes if m)}"
            )
        if self.kind == "forum" and self.mode == "generic" and self.selectors is None:
            raise ValueError("selectors: required for a forum source in generic mode")
        if self.kind == "weibo" and self.mode == "search" and not self.query:
            raise ValueError("query: a weibo search source needs at least one keyword")
        if self.kind in ("tousu", "bilibili", "zhihu") and self.mode == "search" and not self.query:
            raise ValueError(f"query: a {self.kind} search source needs at least one keyword")
        if self.kind == "tousu" and self.mode == "company" and not self.user_ids:
            raise ValueError("user_ids: a tousu company source needs at least one couid")
        if self.kind == "weibo" and self.mode == "timeline" and not self.user_ids:
            raise ValueError("user_ids: a weibo timeline source needs at least one user id")
        # without them the crawl requests nothing and ends 'finished', 0 new, health ok
        if self.kind == "weibo" and self.mode == "comments" and not self.query:
            raise ValueError(
                "query: a weibo comments source needs the ids of the posts whose comments "
                "it follows"
            )
        if self.kind == "forum" and self.mode in ("tieba", "discuz") and not self.forum_ids:
            what = "a 吧 name (贴吧 kw=…)" if self.mode == "tieba" else "a board's fid"
            raise ValueError(
                f"forum_ids: a {self.mode} forum source needs at least one board: {what}"
            )
        return self
