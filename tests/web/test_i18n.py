"""The Chinese interface: the catalogue is complete and compiled, pages are Chinese by
default, a user's or the header's choice of English wins, numbers and times follow the
locale's conventions."""

from __future__ import annotations

import gettext
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from config import i18n
from radar.web.app import create_app
from tests.web.conftest import NOW, csrf_of, log_in, make_config

ROOT = Path(__file__).resolve().parents[2]
PO = i18n.LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")


def _catalogue():  # type: ignore[no-untyped-def]
    with PO.open("rb") as fh:
        return read_po(fh, locale="zh_CN")


def _source_msgids() -> set[str]:
    """What `make messages` extracts (same mapping file, same keywords)."""
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
    ids = set()
    for top in ("radar", "alerts", "config"):
        for _file, _line, msg, _comments, _ctx in extract_from_dir(
            ROOT / top, method_map, options_map, keywords=keywords
        ):
            ids.add(msg if isinstance(msg, str) else msg[0])
    return ids


def test_every_source_string_is_in_the_catalogue_and_translated() -> None:
    cat = _catalogue()
    missing = sorted(m for m in _source_msgids() if m not in cat)
    assert not missing, f"not in messages.po (run `make messages` and translate): {missing}"
    untranslated = [m.id for m in cat if m.id and not (m.string[0] if m.pluralizable else m.string)]
    assert not untranslated, f"untranslated in messages.po: {untranslated}"
    fuzzy = [m.id for m in cat if m.id and m.fuzzy]
    assert not fuzzy, f"fuzzy (check, then drop the flag): {fuzzy}"


def test_the_compiled_catalogue_is_the_po_file() -> None:
    with MO.open("rb") as fh:
        mo = gettext.GNUTranslations(fh)
    for m in _catalogue():
        if not m.id:
            continue
        if m.pluralizable:
            assert mo.ngettext(m.id[0], m.id[1], 1) == m.string[0], f"stale .mo: {m.id[0]!r}"
        else:
            assert mo.gettext(m.id) == m.string, f"stale .mo (run `make messages`): {m.id!r}"


def test_placeholders_survive_translation() -> None:
    import re

    names = re.compile(r"%\((\w+)\)[sd]")
    for m in _catalogue():
        if m.id and not m.pluralizable:
            assert set(names.findall(m.id)) == set(names.findall(m.string)), m.id


def test_locale_formats_numbers_dates_and_relative_times() -> None:
    at = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    with i18n.use_locale("zh_CN"):
        assert i18n.format_datetime(at, "Asia/Shanghai") == "2026年11月23日 10:00"
        assert i18n.format_datetime(at, "Asia/Shanghai", "day") == "11月23日"
        assert i18n.format_relative(timedelta(minutes=5)) == "5分钟前"
        assert i18n.format_number(1234567) == "1,234,567"
    with i18n.use_locale("en"):
        assert i18n.format_datetime(at, "Asia/Shanghai") == "Nov 23, 2026 10:00"
        assert i18n.format_relative(timedelta(minutes=5)) == "5 minutes ago"
    assert i18n.gettext("Log out") == "Log out"  # no locale chosen: the source strings
    assert i18n.gettext_for("zh_CN")("Log out") == "退出登录"


def test_the_zone_is_named_as_its_readers_call_it() -> None:
    """The footer read 'Asia/Shanghai 时区' to Chinese readers."""
    winter = datetime(2026, 12, 4, tzinfo=UTC)
    with i18n.use_locale("zh_CN"):
        assert i18n.zone_name("Asia/Shanghai") == "北京时间"
        assert i18n.zone_name("Asia/Tokyo") == "日本时间"
        assert i18n.zone_name("Etc/GMT-8", winter) == "UTC+08:00"
        assert i18n.zone_name("UTC", winter) == "UTC+00:00"
    with i18n.use_locale("en"):
        assert i18n.zone_name("Asia/Shanghai") == "Asia/Shanghai"


@pytest.mark.anyio
async def test_the_footer_names_beijing_time_in_chinese(store) -> None:  # type: ignore[no-untyped-def]
    config = make_config(locale="zh_CN")
    config.web.users[0].locale = "en"  # care
    app = create_app(config, store, clock=lambda: NOW)
    async with _client(app) as c:
        await log_in(c, "pr")
        assert "<footer>时间均为北京时间</footer>" in (await c.get("/cases")).text
        assert "（北京时间）生成" in (await c.get("/digest")).text
    async with _client(app) as c:
        await log_in(c, "care")
        assert "<footer>Times in Asia/Shanghai</footer>" in (await c.get("/search")).text


def _client(app) -> httpx.AsyncClient:  # type: ignore[no-untyped-def]
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


@pytest.mark.anyio
async def test_pages_are_chinese_by_default(store) -> None:  # type: ignore[no-untyped-def]
    app = create_app(make_config(locale="zh_CN"), store, clock=lambda: NOW)
    async with _client(app) as c:
        page = await c.get("/login")
        assert '<html lang="zh-CN">' in page.text
        await log_in(c, "care")
        page = await c.get("/search")
        assert "退出登录" in page.text and "客服" in page.text and "Log out" not in page.text


@pytest.mark.anyio
async def test_a_user_may_read_english_and_switch_back(store) -> None:  # type: ignore[no-untyped-def]
    config = make_config(locale="zh_CN")
    config.web.users[0].locale = "en"  # care
    app = create_app(config, store, clock=lambda: NOW)
    async with _client(app) as c:
        await log_in(c, "care")
        page = await c.get("/search")
        assert "Log out" in page.text and '<html lang="en">' in page.text
        r = await c.post(
            "/locale",
            data={"locale": "zh_CN", "csrftoken": csrf_of(page.text)},
            headers={"referer": "http://testserver/search?q=x"},
        )
        assert r.status_code == 303 and r.headers["location"] == "/search?q=x"
        assert "退出登录" in (await c.get("/search")).text
        # an unknown choice changes nothing; an off-site referer goes home
        page = await c.get("/search")
        r = await c.post(
            "/locale",
            data={"locale": "fr", "csrftoken": csrf_of(page.text)},
            headers={"referer": "http://evil.example/search"},
        )
        assert r.headers["location"] == "/" and "退出登录" in (await c.get("/search")).text


def test_the_deployment_language_is_configured() -> None:
    from config.schema import RadarConfig

    assert RadarConfig().locale == "zh_CN"
    with pytest.raises(ValueError, match="locale"):
        RadarConfig.model_validate({"locale": "fr"})


@pytest.mark.anyio
async def test_the_language_picked_before_login_stays(store) -> None:  # type: ignore[no-untyped-def]
    app = create_app(make_config(locale="zh_CN"), store, clock=lambda: NOW)
    async with _client(app) as c:
        page = await c.get("/login")
        r = await c.post(
            "/locale",
            data={"locale": "en", "csrftoken": csrf_of(page.text)},
            headers={"referer": "http://testserver/login"},
        )
        assert r.headers["location"] == "/login" and "Log in" in (await c.get("/login")).text
        await log_in(c, "care")
        assert "Log out" in (await c.get("/search")).text


@pytest.mark.anyio
async def test_the_api_browser_page_is_in_the_readers_language(store) -> None:  # type: ignore[no-untyped-def]
    """/api/docs is a page under /api/: its header and text follow the reader, while the
    JSON API beside it keeps its English messages."""
    app = create_app(make_config(locale="zh_CN"), store, clock=lambda: NOW)
    async with _client(app) as c:
        await log_in(c, "admin")
        page = await c.get("/api/docs")
        assert '<html lang="zh-CN">' in page.text and "退出登录" in page.text
        assert "Log out" not in page.text
        assert 'href="/admin/tokens"' in page.text  # where an admin makes the token
        # Chinese sentences end in 。, after the link and the header too (read '/openapi.json.')
        assert '接口文档：<a href="/openapi.json">/openapi.json</a>。' in page.text
        assert "<code>Authorization: Bearer &lt;token&gt;</code>。" in page.text
        problem = (await c.get("/api/v1/cases/no-such-case")).json()
        assert problem["detail"].isascii()


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("role", "home"), [("care", "/search"), ("pr", "/cases"), ("exec", "/overview")]
)
async def test_only_admin_sees_the_api_browser_in_the_header(store, role: str, home: str) -> None:  # type: ignore[no-untyped-def]
    """A header link reading "API" is an engineer's word to a PR lead or an executive
    (real-browser walk); the API browser is admin's (user guide), named 接口文档 there."""
    app = create_app(make_config(locale="zh_CN"), store, clock=lambda: NOW)
    async with _client(app) as c:
        await log_in(c, role)
        page = (await c.get(home)).text
        assert 'href="/api/docs"' not in page and ">API<" not in page
        assert (await c.get("/api/docs")).status_code == 200  # still there, by its address
    async with _client(app) as c:
        await log_in(c, "admin")
        page = (await c.get("/cases")).text
        assert '<a href="/api/docs">API 接口文档</a>' in page
        assert "<title>API 接口文档 · 舆情雷达</title>" in (await c.get("/api/docs")).text
