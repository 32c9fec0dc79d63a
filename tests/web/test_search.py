"""Customer care: search, filters, highlights, untrusted text, CSV export, handling."""

from __future__ import annotations

import csv
import html
import io
import re
from urllib.parse import unquote

import httpx
import pytest

from index.models import Engagement
from radar.web.app import create_app
from radar.web.render import safe_highlight, safe_url
from radar.web.search import EXPORT_COLUMNS
from tests.web.conftest import (
    CASE_ID,
    NOW,
    SEED,
    XSS_URL,
    api_token,
    csrf_of,
    form_post,
    log_in,
    make_config,
    mention,
)

pytestmark = pytest.mark.anyio


def auth(role: str = "care") -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token(role)}"}


async def ids(client: httpx.AsyncClient, **params: str) -> set[str]:
    r = await client.get("/api/search", params=params, headers=auth())
    assert r.status_code == 200, r.text
    return {h["mention"]["id"] for h in r.json()["hits"]}


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("漏油", {1, 2, 5, 6}),
        ("漏油 退款", {1}),
        ("退款 OR 异响", {1, 7}),
        ("漏油 NOT 售后", {1, 5, 6}),
        ("漏油 -售后", {1, 5, 6}),
        ('"发动机漏油"', {1}),
        ("brand:清泉乳业", {4}),
        ("sentiment:positive", {3, 4}),
        ("source:demo-tieba", {4}),
        ("author:汽车大V", {1}),
        ("brand:极光汽车 sentiment:negative category:quality", {1, 7}),
        ("signal:regulator", {7}),
    ],
)
async def test_query_language_filters(anon: httpx.AsyncClient, q: str, expected: set[int]) -> None:
    found = await ids(anon, q=q, range="all")
    assert found == {f"demo-{'tieba' if n == 4 else 'weibo'}:{n}" for n in expected}


@pytest.mark.parametrize(
    ("label_q", "key_q"),
    [
        ("category:质量问题", "category:quality"),  # the card's badge reads 质量问题
        ("signal:向监管投诉", "signal:regulator"),  # ⚠ 向监管投诉
        ("sentiment:正面", "sentiment:positive"),
        ("brand:极光汽车 sentiment:负面 category:质量问题",
         "brand:极光汽车 sentiment:negative category:quality"),
        ('NOT category:"quality issue"', "-category:quality"),  # the English interface's label
    ],
)  # fmt: skip
async def test_filters_take_the_labels_the_cards_show(
    anon: httpx.AsyncClient, label_q: str, key_q: str
) -> None:
    """A Chinese reader types the badge's words: category:质量问题 found nothing and
    sentiment:负面 was a syntax error (real-browser walk of a PR lead)."""
    found = await ids(anon, q=label_q, range="all")
    assert found and found == await ids(anon, q=key_q, range="all")


async def test_the_search_page_takes_a_chinese_label(login) -> None:  # type: ignore[no-untyped-def]
    async with login("care") as c:
        await c.post(
            "/locale", data={"locale": "zh_CN", "csrftoken": csrf_of((await c.get("/search")).text)}
        )
        page = (await c.get("/search", params={"q": "signal:向监管投诉", "range": "all"})).text
        assert 'data-id="demo-weibo:7"' in page and "无法识别检索式" not in page
        page = (await c.get("/search", params={"q": "sentiment:负面", "range": "all"})).text
        assert "无法识别检索式" not in page and 'data-id="demo-weibo:7"' in page
        # and the hint under the box says so
        assert "值可写卡片上的中文，如 情感:负面。" in page and "筛选条件 品牌: 来源:" in page


async def test_time_range(anon: httpx.AsyncClient) -> None:
    assert "demo-weibo:7" in await ids(anon, q="异响", range="7d")
    assert await ids(anon, q="异响") == set()  # the default range is the last 24 hours
    assert "demo-weibo:7" in await ids(anon, q="异响", range="all")
    # naive times are the configured zone (Asia/Shanghai): 09:25-09:45 local = 01:25-01:45 UTC
    assert await ids(anon, since="2026-11-23T09:25", until="2026-11-23T09:45") == {
        "demo-weibo:1", "demo-weibo:5"
    }  # fmt: skip
    assert await ids(anon, since="2026-11-23T01:25+00:00", until="2026-11-23T01:35Z") == {
        "demo-weibo:1"
    }


async def test_search_api_shape_facets_and_paging(anon: httpx.AsyncClient) -> None:
    r = await anon.get("/api/search", params={"q": "漏油", "limit": 2}, headers=auth())
    body = r.json()
    assert body["total"] == 4 and len(body["hits"]) == 2
    assert body["facets"]["sentiment"] == {"negative": 4}
    hit = body["hits"][0]
    assert "<mark>漏油</mark>" in hit["highlight"] and hit["reach"] > 0
    page2 = await anon.get(
        "/api/search", params={"q": "漏油", "limit": 2, "offset": 2}, headers=auth()
    )
    both = {h["mention"]["id"] for h in body["hits"] + page2.json()["hits"]}
    assert len(both) == 4


async def test_bad_query_is_explained(anon: httpx.AsyncClient, login) -> None:  # type: ignore[no-untyped-def]
    r = await anon.get("/api/search", params={"q": '"unclosed'}, headers=auth())
    assert r.status_code == 400 and r.json()["detail"].startswith("q: ")
    r = await anon.get("/api/search", params={"q": "colour:red"}, headers=auth())
    # not a filter: a 400 that lists the filters (was searched as a word, found nothing)
    assert r.status_code == 400 and "unknown filter 'colour:'" in r.json()["detail"]
    assert "brand: sentiment: source:" in r.json()["detail"]
    r = await anon.get("/api/search", params={"since": "yesterday"}, headers=auth())
    assert r.status_code == 422 and "yesterday" in r.json()["detail"]
    assert r.json()["errors"][0]["loc"] == ["query", "since"]
    # far-away times (were 500s) mean "from the start" / "to the end"
    for far in ({"since": "0001-01-01T00:00"}, {"until": "9999-12-31T23:59"}):
        r = await anon.get("/api/search", params={**far, "range": "all"}, headers=auth())
        assert r.status_code == 200 and r.json()["total"] == len(SEED), r.text
    backwards = {"since": "2026-11-24T00:00", "until": "2026-11-20T00:00"}
    r = await anon.get("/api/search", params=backwards, headers=auth())
    assert r.status_code == 400 and r.json()["detail"] == "until: must be after since"
    async with login("care") as c:
        page = await c.get("/search", params={"q": "sentiment:angry"})
        assert page.status_code == 400 and "sentiment: must be negative" in page.text


async def test_facet_links_quote_values_the_query_language_would_split(login, store) -> None:  # type: ignore[no-untyped-def]
    store.upsert_mentions([mention(20, "星辰手机 电池鼓包", brand="星辰 (中国)")])
    store.upsert_mentions([mention(21, "电池鼓包 无品牌括号", brand="ABC(中国)")])
    async with login("care") as c:
        page = (await c.get("/search", params={"q": "鼓包"})).text
        links = re.findall(r'<a href="(/search\?[^"]+)">([^<]+)</a>', page)
        by_value = {html.unescape(label): html.unescape(href) for href, label in links}
        for brand, mid in (("星辰 (中国)", "demo-weibo:20"), ("ABC(中国)", "demo-weibo:21")):
            follow = await c.get(by_value[brand])
            assert follow.status_code == 200
            assert f'data-id="{mid}"' in follow.text, brand


async def test_search_page_shows_the_hit(login) -> None:  # type: ignore[no-untyped-def]
    async with login("care") as c:
        r = await c.get("/search", params={"q": "退款"})
        assert r.status_code == 200
        page = r.text
        assert "<mark>退款</mark>" in page
        assert "汽车大V" in page and "2,000,000 followers" in page
        assert "quality" in page and "media" in page
        assert "Nov 23, 2026 09:30" in page  # 01:30 UTC shown in Asia/Shanghai
        assert 'href="https://weibo.example/1"' in page
        assert "Export CSV" in page


async def test_crawled_html_and_javascript_urls_are_inert(login) -> None:  # type: ignore[no-untyped-def]
    async with login("care") as c:
        for url in ("/search", "/search?q=漏油", f"/cases/{CASE_ID}"):
            page = (await c.get(url)).text
            assert "<script>window.__pwned" not in page
            assert "<img src=x" not in page
            assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in page
            assert 'href="javascript:' not in page.replace(" ", "")
            assert "javascript:window.__pwned=3" in page  # shown, as text only
        case_page = (await c.get(f"/cases/{CASE_ID}")).text
        assert "&lt;b&gt;not bold&lt;/b&gt;" in case_page


def test_highlight_is_trusted_only_when_escaped() -> None:
    assert str(safe_highlight("a <mark>b</mark> &lt;c&gt;", "x")) == "a <mark>b</mark> &lt;c&gt;"
    assert str(safe_highlight("<mark>b</mark><script>x</script>", "<i>t</i>")) == (
        "&lt;i&gt;t&lt;/i&gt;"
    )
    assert str(safe_highlight("<mark>b", "t")) == "t"


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://weibo.example/1", True),
        ("http://bbs.example/t?id=1", True),
        (XSS_URL, False),
        (" JavaScript:alert(1)", False),
        ("java\nscript:alert(1)", False),
        ("data:text/html,<script>", False),
        ("//evil.example", False),
        ("/relative", False),
        ("", False),
    ],
)
def test_only_http_links_are_links(url: str, ok: bool) -> None:
    assert (safe_url(url) is not None) is ok


async def test_csv_export_whole_result_set_without_formulas(login, anon) -> None:  # type: ignore[no-untyped-def]
    async with login("care") as c:
        r = await c.get("/search/export.csv", params={"q": "brand:极光汽车", "range": "7d"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    text = r.content.decode("utf-8-sig")
    lines = io.StringIO(text)
    next(lines)  # the page's header is for people (see the next test): read by position
    rows = list(csv.DictReader(lines, fieldnames=EXPORT_COLUMNS))
    assert len(rows) == 6
    formula = next(row for row in rows if row["id"] == "demo-weibo:6")
    assert formula["text"].startswith("'=HYPERLINK")
    xss = next(row for row in rows if row["id"] == "demo-weibo:5")
    assert xss["url"] == XSS_URL  # data, not a link, in a spreadsheet
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "@")), value
    api = await anon.get("/api/search/export.csv", params={"q": "漏油"}, headers=auth())
    assert len(list(csv.DictReader(io.StringIO(api.content.decode("utf-8-sig"))))) == 4


async def test_the_pages_csv_export_speaks_the_readers_language(store) -> None:  # type: ignore[no-untyped-def]
    """Care staff open the page's export in Excel: Chinese headers and 是/否 (was the
    column keys and True/False); the API's export, which integrators parse, is unchanged."""
    store.mark_handled("demo-weibo:1", "care")
    store.correct_sentiment("demo-weibo:2", "极光汽车", "neutral", "care", NOW)
    app = create_app(make_config(locale="zh_CN"), store, clock=lambda: NOW)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        await log_in(c, "care")
        page = await c.get("/search/export.csv", params={"q": "brand:极光汽车", "range": "7d"})
        api = await c.get(
            "/api/v1/search/export.csv", params={"q": "brand:极光汽车"}, headers=auth()
        )
    assert page.content.startswith("\ufeff".encode()) and api.content.startswith("\ufeff".encode())
    header, *rows = list(csv.reader(io.StringIO(page.content.decode("utf-8-sig"))))
    # the zone of the times is named: the file leaves the page whose footer says 北京时间
    assert header[:3] == ["编号", "发布时间（北京时间）", "来源"] and header[-1] == "正文"
    assert all(not cell.isascii() for cell in header)
    by_id = {row[0]: dict(zip(EXPORT_COLUMNS, row, strict=True)) for row in rows}
    assert by_id["demo-weibo:1"]["handled"] == "是" and by_id["demo-weibo:2"]["handled"] == "否"
    assert {row["verified"] for row in by_id.values()} <= {"是", "否"}
    assert by_id["demo-weibo:6"]["text"].startswith("'=HYPERLINK")  # still no formula
    # the stored keys read as the page shows them (were negative / quality / rights)
    assert {row["sentiment"] for row in by_id.values()} <= {"负面", "中性", "正面", ""}
    assert any(row["sentiment"] == "负面" for row in by_id.values())
    assert all(row["sentiment_toward_brands"].startswith("极光汽车:") for row in by_id.values())
    assert all(row["sentiment_toward_brands"].isascii() is False for row in by_id.values())
    # people by the names the pages show them by (were the logins: care)
    assert by_id["demo-weibo:1"]["handled_by"] == "CARE user"
    assert by_id["demo-weibo:2"]["sentiment_toward_brands"].startswith(
        "极光汽车:中性 (CARE user 已修正，"
    )
    shown = [row[c] for row in by_id.values() for c in ("complaint_category", "risk_signals")]
    assert any(shown) and not any(cell.isascii() and cell for cell in shown)
    api_header, *api_rows = list(csv.reader(io.StringIO(api.content.decode("utf-8-sig"))))
    assert tuple(api_header) == (*EXPORT_COLUMNS, "handled_by_name")
    api_by_id = {row[0]: dict(zip(api_header, row, strict=True)) for row in api_rows}
    assert api_by_id["demo-weibo:1"]["handled"] == "True"
    assert api_by_id["demo-weibo:2"]["handled"] == "False"
    # integrators keep the login (a stable id) and get the name beside it
    assert api_by_id["demo-weibo:1"]["handled_by"] == "care"
    assert api_by_id["demo-weibo:1"]["handled_by_name"] == "CARE user"
    assert api_by_id["demo-weibo:2"]["handled_by_name"] == ""


async def test_csv_export_of_a_query_the_store_refuses_is_a_400(anon) -> None:  # type: ignore[no-untyped-def]
    """'¨' parses but folds to no searchable term: the store refuses it; the export said
    so with a 500 half-way into the stream (found by the API fuzz test)."""
    r = await anon.get("/api/v1/search/export.csv", params={"q": "¨"}, headers=auth())
    assert r.status_code == 400, r.text
    assert "q:" in r.json()["detail"]


async def test_mark_handled_and_note_through_the_page(login, store) -> None:  # type: ignore[no-untyped-def]
    async with login("care") as c:
        r = await form_post(
            c, "/search?q=退款", "/mentions/demo-weibo:1/handled",
            {"note": "已电话联系车主", "next": "/search?q=退款"},
        )  # fmt: skip
        assert r.status_code == 303 and unquote(r.headers["location"]) == "/search?q=退款"
        page = (await c.get(r.headers["location"])).text
        # by the name people read (web.users[].display_name), not the login
        assert "handled by CARE user" in page and "Marked handled." in page
        r = await form_post(
            c, "/search", "/mentions/demo-weibo:2/notes", {"text": "转售后跟进", "next": "/x"}
        )
        assert r.status_code == 303 and r.headers["location"] == "/x"
    m1, m2 = store.get_mention("demo-weibo:1"), store.get_mention("demo-weibo:2")
    assert m1.handled and m1.handled_by == "care" and m1.notes[0]["text"] == "已电话联系车主"
    assert not m2.handled and m2.notes[0]["text"] == "转售后跟进"
    handled = await _handled_ids(store)
    assert handled == {"demo-weibo:1"}


async def test_handled_and_notes_are_dated_by_the_app_clock(login, anon, store) -> None:  # type: ignore[no-untyped-def]
    """The page, the bulk form and the API date care work by the app's clock (the tests'
    NOW, days before the wall clock), as they date case events; they read the wall clock."""
    from datetime import datetime

    async with login("care") as c:
        await form_post(c, "/search", "/mentions/demo-weibo:1/handled", {"note": "已联系"})
        await form_post(c, "/search", "/mentions/demo-weibo:1/notes", {"text": "已退款"})
        await form_post(
            c, "/search", "/mentions/bulk", {"ids": ["demo-weibo:2"], "action": "handle"}
        )
    r = await anon.post("/api/mentions/demo-weibo:3/handled", json={"note": "好评"}, headers=auth())
    assert r.status_code == 200 and r.json()["handled_at"] == "2026-11-23T02:00:00Z"
    r = await anon.post(
        "/api/mentions/demo-weibo:3/notes", json={"text": "无需处理"}, headers=auth()
    )
    assert [n["at"] for n in r.json()["notes"]] == ["2026-11-23T02:00:00Z"] * 2
    for mention_id in ("demo-weibo:1", "demo-weibo:2", "demo-weibo:3"):
        m = store.get_mention(mention_id)
        assert m.handled_at == NOW, mention_id
        assert {datetime.fromisoformat(n["at"]) for n in m.notes} <= {NOW}, mention_id
    assert len(store.get_mention("demo-weibo:1").notes) == 2


async def _handled_ids(store) -> set[str]:  # type: ignore[no-untyped-def]
    from index.base import SearchRequest

    return {h.mention.id for h in store.search(SearchRequest(handled=True)).hits}


async def test_mention_api_actions(anon: httpx.AsyncClient, store) -> None:  # type: ignore[no-untyped-def]
    r = await anon.post(
        "/api/mentions/demo-weibo:3/handled", json={"note": "好评，无需处理"}, headers=auth()
    )
    assert r.status_code == 200 and r.json()["handled_by"] == "care"
    # the note is optional: a script may send no body at all
    r = await anon.post("/api/mentions/demo-weibo:2/handled", headers=auth())
    assert r.status_code == 200 and r.json()["handled"] and r.json()["notes"] == []
    r = await anon.post("/api/mentions/demo-weibo:3/notes", headers=auth())
    assert r.status_code == 422
    assert (
        r.json()["detail"]
        == "request body: required: a JSON object (Content-Type: application/json)"
    )
    r = await anon.post(
        "/api/mentions/demo-weibo:3/notes",
        content=b"{not json",
        headers={**auth(), "content-type": "application/json"},
    )
    assert r.status_code == 422 and r.json()["detail"] == "request body: JSON decode error"
    r = await anon.post("/api/mentions/demo-weibo:3/notes", json={"text": ""}, headers=auth())
    assert r.status_code == 422 and "text" in r.json()["detail"]
    r = await anon.get("/api/mentions/demo-weibo:404", headers=auth())
    assert r.status_code == 404 and "demo-weibo:404" in r.json()["detail"]
    r = await anon.get("/api/search", params={"handled": "no", "q": "极光汽车"}, headers=auth())
    assert "demo-weibo:3" not in {h["mention"]["id"] for h in r.json()["hits"]}


async def test_attach_a_mention_to_a_case(login, anon, store) -> None:  # type: ignore[no-untyped-def]
    async with login("care") as c:
        r = await form_post(
            c, "/search", "/mentions/demo-weibo:6/attach", {"case_id": CASE_ID, "next": "/search"}
        )
        assert r.status_code == 303
    assert "demo-weibo:6" in store.get_case(CASE_ID).evidence
    r = await anon.post(
        "/api/mentions/demo-weibo:7/attach", json={"case_id": CASE_ID}, headers=auth("pr")
    )
    assert r.status_code == 200 and "demo-weibo:7" in r.json()["evidence"]
    r = await anon.post(
        "/api/mentions/demo-weibo:7/attach", json={"case_id": "no-such-case"}, headers=auth()
    )
    assert r.status_code in (404, 409)
    # a post about 清泉乳业 is no evidence of 极光汽车's case (the care desk never offers it)
    r = await anon.post(
        "/api/v1/mentions/demo-tieba:4/attach", json={"case_id": CASE_ID}, headers=auth("pr")
    )
    assert r.status_code == 400, r.text
    assert r.json()["detail"] == (
        f"case_id: case '{CASE_ID}' is about '极光汽车'; mention 'demo-tieba:4' does not name "
        "it (it names 清泉乳业)"
    )
    assert "demo-tieba:4" not in store.get_case(CASE_ID).evidence
    # nor through the post's own attach form (it took any case_id posted)
    async with login("care") as c:
        r = await form_post(
            c, "/search", "/mentions/demo-tieba:4/attach", {"case_id": CASE_ID, "next": "/search"}
        )
        assert r.status_code == 303
        page = (await c.get("/search")).text
    assert "demo-tieba:4" not in store.get_case(CASE_ID).evidence
    assert "does not name it (it names 清泉乳业)" in page


async def test_search_starts_with_the_last_day(anon: httpx.AsyncClient, store) -> None:  # type: ignore[no-untyped-def]
    store.upsert_mentions([mention(8, "极光汽车 异响 旧帖", minutes_ago=10 * 24 * 60)])
    assert await ids(anon, q="旧帖") == set()
    assert await ids(anon, q="旧帖", range="all") == {"demo-weibo:8"}
    r = await anon.get("/api/search", params={"range": "forever"}, headers=auth())
    assert r.status_code == 422 and "range" in r.json()["detail"]


@pytest.mark.parametrize(
    ("sort", "back", "on"), [("time", "newer", "older"), ("reach", "previous page", "next page")]
)
async def test_the_pager_names_pages_by_the_order_shown(login, store, sort, back, on) -> None:  # type: ignore[no-untyped-def]
    """'newer'/'older' only when the results are in time order; ordered by reach or
    relevance, page 2 is not older than page 1."""
    posts = [mention(900 + i, f"极光汽车 异响 {i}", minutes_ago=i + 1) for i in range(45)]
    store.upsert_mentions(posts)
    async with login("care") as c:
        page = (await c.get("/search", params={"q": "异响", "sort": sort, "page": 2})).text
    pager = re.search(r'<nav class="pager">(.*?)</nav>', page, re.S)
    assert pager, "no pager on page 2 of 3"
    assert f"← {back}</a>" in pager.group(1) and f"{on} →</a>" in pager.group(1)


async def test_a_forum_post_without_a_follower_count_is_not_0_followers(login, store) -> None:  # type: ignore[no-untyped-def]
    """Forums report no followers (0): the card read '粉丝 0' for the demo crisis's first
    Tieba thread, as if its author were a nobody (the brief already leaves it out)."""
    thread = mention(9100, "极光X7 刹车失灵 贴吧首发", followers=0, author="贴吧车主",
                     source="demo-tieba", minutes_ago=10)  # fmt: skip
    store.upsert_mentions([thread])
    async with login("care") as c:
        page = (await c.get("/search", params={"q": "贴吧首发"})).text
    card = page.split('id="m-demo-tieba:9100"')[1].split("</article>")[0]
    assert "贴吧车主" in card and "followers" not in card, card


async def test_a_post_with_no_figure_at_all_reads_no_reach_0(login, store) -> None:  # type: ignore[no-untyped-def]
    """The demo crisis's first Tieba thread — no follower count, no engagement collected —
    read '覆盖 0' on its card, as if nobody saw the post that started the crisis."""
    thread = mention(9101, "极光X7 刹车失灵 贴吧首帖", followers=0, source="demo-tieba")
    store.upsert_mentions([thread.model_copy(update={"engagement": Engagement()})])
    async with login("care") as c:
        page = (await c.get("/search", params={"q": "贴吧首帖"})).text
    card = page.split('id="m-demo-tieba:9101"')[1].split("</article>")[0]
    assert "reach" not in card and "0 reposts" in card, card
    # a post with both figures keeps the space before each · (bfa7217 wrote
    # '粉丝 546,800· 覆盖 546,805': the template's trimmed block lines took it)
    async with login("care") as c:
        page = (await c.get("/search", params={"q": "退款"})).text
    assert re.search(r"2,000,000 followers\s+·\s+reach [\d,]+\s+·", page), page


async def test_a_page_past_the_last_goes_to_the_last(login, store) -> None:  # type: ignore[no-untyped-def]
    """?page=3000 of 3 pages read '没有符合条件的提及' (there were matches) under
    '第 3000 / 3 页' with a link to search any time; a pager link of a list that has
    shrunk since (posts marked handled under 未处理) lands there too."""
    posts = [mention(900 + i, f"极光汽车 异响 {i}", minutes_ago=i + 1) for i in range(45)]
    store.upsert_mentions(posts)
    async with login("care") as c:
        r = await c.get("/search", params={"q": "异响", "sort": "time", "page": 3000})
        assert r.status_code == 303
        assert r.headers["location"] == "/search?q=%E5%BC%82%E5%93%8D&sort=time&page=3"
        last = await c.get(r.headers["location"])
    assert last.status_code == 200 and 'class="empty"' not in last.text
    assert "data-id=" in last.text


async def test_the_export_is_named_in_the_zone_its_rows_are_written_in(login, anon) -> None:  # type: ignore[no-untyped-def]
    """The file's stamp was UTC: 'radar-search-20261204-1724.csv' for rows of 2026-12-05
    01:19 in Shanghai (NOW is 02:00 UTC, 10:00 in Asia/Shanghai)."""
    async with login("care") as c:
        page = await c.get("/search/export.csv", params={"q": "漏油", "range": "all"})
    api = await anon.get("/api/v1/search/export.csv", params={"q": "漏油"}, headers=auth())
    for r in (page, api):
        assert r.status_code == 200, r.text
        assert 'filename="radar-search-20261123-1000.csv"' in r.headers["content-disposition"]


async def test_the_pages_export_keeps_the_pages_order(login, anon, store) -> None:  # type: ignore[no-untyped-def]
    """The page's CSV was always in time order, even of a page sorted by reach (覆盖, the
    default of the grouped page): it now keeps the page's order — its export link names
    the sort the page used. The API's export keeps its documented time order."""
    from datetime import timedelta

    from index.base import SearchRequest
    from tests.web.conftest import NOW

    def ids(response: httpx.Response) -> list[str]:
        lines = io.StringIO(response.content.decode("utf-8-sig"))
        next(lines)
        return [row["id"] for row in csv.DictReader(lines, fieldnames=EXPORT_COLUMNS)]

    def order(sort: str) -> list[str]:
        request = SearchRequest(
            query="brand:极光汽车", since=NOW - timedelta(days=7), until=NOW, limit=50,
            sort=sort, facets=False, highlight=False, group_stories=False,
        )  # fmt: skip
        return [h.mention.id for h in store.search(request).hits]

    by_reach, by_time = order("reach"), order("time")
    assert by_reach != by_time  # the fixture tells the two orders apart
    async with login("care") as c:
        page = (await c.get("/search", params={"q": "brand:极光汽车", "range": "7d"})).text
        link = html.unescape(re.search(r'href="(/search/export\.csv\?[^"]*)"', page).group(1))
        assert "sort=reach" in link
        assert ids(await c.get(link)) == by_reach
        params = {"q": "brand:极光汽车", "range": "7d", "sort": "reach", "grouping": "chosen"}
        assert ids(await c.get("/search/export.csv", params=params)) == by_reach
        params["sort"] = "time"
        assert ids(await c.get("/search/export.csv", params=params)) == by_time
    api = await anon.get(
        "/api/v1/search/export.csv",
        params={"q": "brand:极光汽车", "sort": "reach"},
        headers=auth(),
    )
    rows = [r["id"] for r in csv.DictReader(io.StringIO(api.content.decode("utf-8-sig")))]
    assert rows == [i for i in by_time if i in rows] != [i for i in by_reach if i in rows]


@pytest.mark.parametrize(
    ("zh_q", "key_q"),
    [
        ("情感:负面", "sentiment:negative"),
        ("品牌：极光汽车 情感：负面", "brand:极光汽车 sentiment:negative"),
        ("风险信号:向监管投诉", "signal:regulator"),
        ("-情感:负面", "-sentiment:negative"),
    ],
)  # fmt: skip
async def test_filters_take_the_names_people_read(
    anon: httpx.AsyncClient, zh_q: str, key_q: str
) -> None:
    """A care agent typed 情感:负面 and 品牌：极光汽车 (the facets' words, the input method's
    full-width colon): the search read them as text and found nothing."""
    found = await ids(anon, q=zh_q, range="all")
    assert found and found == await ids(anon, q=key_q, range="all")


async def test_a_wrong_sentiment_value_is_named_as_the_box_takes_it(store) -> None:  # type: ignore[no-untyped-def]
    """情感:很差 in a Chinese search box was answered 'sentiment: 只能是 negative（负面）…',
    the English key and values first, though the box takes 情感:负面 (and the hint under it
    says so): the Chinese filter name and the card labels come first, the keys after."""
    app = create_app(make_config(locale="zh_CN"), store, clock=lambda: NOW)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        await log_in(c, "care")
        page = (await c.get("/search", params={"q": "情感:很差", "range": "all"})).text
    assert "情感: 只能是 负面、中性或正面" in html.unescape(page), page
    assert "sentiment: 只能是" not in html.unescape(page)


async def test_a_brand_that_names_none_is_named_in_chinese(store) -> None:  # type: ignore[no-untyped-def]
    """品牌：不存在 found nothing and the notice said 'brand:不存在 不是已配置的品牌或别名',
    the English filter name in a Chinese sentence the reader did not type."""
    app = create_app(make_config(locale="zh_CN"), store, clock=lambda: NOW)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        await log_in(c, "care")
        page = (await c.get("/search", params={"q": "品牌：不存在", "range": "all"})).text
    notice = re.search(r'<p class="flash notice">(.*?)</p>', page, re.S)
    assert notice and html.unescape(notice.group(1)).startswith(
        "品牌:不存在 不是已配置的品牌或别名。已配置的品牌："
    ), page
