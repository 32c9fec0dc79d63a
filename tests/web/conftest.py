"""Web tests run the app in-process through httpx's ASGI transport against a temporary
SQLite store holding a few crafted mentions and one open case."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from argon2 import PasswordHasher

from config.schema import RadarConfig
from index import Store, open_store
from index.models import (
    Author,
    BrandMatch,
    Case,
    CaseEvent,
    Engagement,
    Mention,
    Sentiment,
    Severity,
)
from radar.web.app import create_app
from radar.web.auth import token_hash

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in Asia/Shanghai
ROLES = ("care", "pr", "exec", "admin")
PASSWORD = "correct horse battery"
# cheap argon2 parameters keep the suite fast; production hashes use the defaults
_hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
XSS_TEXT = '极光汽车 漏油 <script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'
XSS_URL = "javascript:window.__pwned=3"


def api_token(role: str) -> str:
    return f"test-token-for-{role}"


def make_config(locale: str = "en") -> RadarConfig:
    """The test deployment; English unless asked (the product's default is zh_CN: the tests
    of what pages do read the English source strings, tests/web/test_i18n.py the Chinese)."""
    return RadarConfig.model_validate(
        {
            "locale": locale,
            "brands": [
                {"name": "极光汽车", "keywords": ["极光X7"]},
                {"name": "清泉乳业", "keywords": ["清泉酸奶"]},
            ],
            "web": {
                "secret_key": "test-secret-key-not-for-production",
                "users": [
                    {
                        "name": role,
                        "role": role,
                        "display_name": f"{role.upper()} user",
                        "password_hash": _hasher.hash(PASSWORD),
                        "api_token_hash": token_hash(api_token(role)),
                    }
                    for role in ROLES
                ],
            },
        }
    )


def mention(
    n: int,
    text: str,
    *,
    brand: str = "极光汽车",
    label: str = "negative",
    minutes_ago: int = 30,
    url: str | None = None,
    followers: int = 100,
    source: str = "demo-weibo",
    author: str | None = None,
    signals: list[str] | None = None,
    category: str | None = None,
) -> Mention:
    score = {"negative": 0.1, "neutral": 0.5, "positive": 0.9}[label]
    return Mention(
        id=f"{source}:{n}",
        source=source,
        native_id=str(n),
        url=url if url is not None else f"https://weibo.example/{n}",
        text=text,
        author=Author(id=f"u{n}", name=author or f"用户{n}", followers=followers),
        published_at=NOW - timedelta(minutes=minutes_ago),
        engagement=Engagement(reposts=n, comments=2 * n, likes=3 * n),
        brands=[BrandMatch(brand=brand, keywords=[brand])],
        sentiment=Sentiment(score=score, label=label),
        complaint_category=category,
        risk_signals=signals or [],
        cluster_id=f"{source}:{n}",
    )


SEED = [
    mention(1, "极光汽车 X7 发动机漏油，4S店不给退款", category="quality", followers=2_000_000,
            signals=["media"], author="汽车大V"),
    mention(2, "极光汽车 的售后 态度很差 漏油 问题拖了一个月", category="service", minutes_ago=40),
    mention(3, "极光汽车 新车开起来很舒服，推荐", label="positive", minutes_ago=50),
    mention(4, "清泉酸奶 味道不错", brand="清泉乳业", label="positive", minutes_ago=60,
            source="demo-tieba"),
    mention(5, XSS_TEXT, url=XSS_URL, minutes_ago=20),
    mention(6, "=HYPERLINK(\"http://evil.example\") 极光汽车 漏油 公式", minutes_ago=70),
    mention(7, "极光汽车 异响 投诉 12315", signals=["regulator"], category="quality",
            minutes_ago=3 * 24 * 60),
]  # fmt: skip

CASE_ID = "case-aurora-1"


@pytest.fixture
def store(tmp_path) -> Iterator[Store]:
    s = open_store(f"sqlite:///{tmp_path}/radar.db")
    s.upsert_mentions(SEED)
    s.save_case(
        Case(
            id=CASE_ID,
            brand="极光汽车",
            rule="negative_surge",
            severity=Severity.P1,
            title="极光汽车 负面激增: 漏油 <b>not bold</b>",
            opened_at=NOW - timedelta(minutes=25),
            updated_at=NOW - timedelta(minutes=25),
            trigger={"stories": 12, "ratio": 4.5, "negative_share": 0.8},
            evidence=["demo-weibo:1", "demo-weibo:2", "demo-weibo:5"],
            ack_due_at=NOW + timedelta(minutes=5),
        )
    )
    s.append_case_event(
        CaseEvent(
            case_id=CASE_ID,
            at=NOW - timedelta(minutes=25),
            kind="alerted",
            text="negative surge 4.5× baseline",
        )
    )
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def config() -> RadarConfig:
    return make_config()


@pytest.fixture
def app(config: RadarConfig, store: Store):  # type: ignore[no-untyped-def]
    return create_app(config, store, clock=lambda: NOW)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def anon(app) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


CSRF_FIELD = re.compile(r'name="csrftoken" value="([^"]+)"')


def csrf_of(html: str) -> str:
    m = CSRF_FIELD.search(html)
    assert m, "page has no CSRF token field"
    return m.group(1)


async def log_in(client: httpx.AsyncClient, name: str, password: str = PASSWORD) -> httpx.Response:
    page = await client.get("/login")
    return await client.post(
        "/login",
        data={"name": name, "password": password, "next": "/", "csrftoken": csrf_of(page.text)},
    )


@pytest.fixture
def login(app) -> Callable[[str], object]:  # type: ignore[no-untyped-def]
    """``async with login("pr") as client``: a client logged in with that role."""
    import contextlib

    @contextlib.asynccontextmanager
    async def _login(role: str) -> AsyncIterator[httpx.AsyncClient]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            r = await log_in(c, role)
            assert r.status_code == 303, r.text
            yield c

    return _login


async def form_post(client: httpx.AsyncClient, page_url: str, action: str, data: dict[str, str]):  # type: ignore[no-untyped-def]
    """Submit a form the way a browser does: take the CSRF token from the page first."""
    page = await client.get(page_url)
    assert page.status_code == 200, page.text
    return await client.post(action, data={**data, "csrftoken": csrf_of(page.text)})
