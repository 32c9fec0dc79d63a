"""The care desk's workflow: forms come back to the card, bulk actions on ticked cards,
the case picker offers only cases of the post's brand and can open a new one, the post
view shows a post with its parent and replies."""

from __future__ import annotations

import html
import itertools
import re
from datetime import timedelta

import httpx
import pytest

from index.models import Case, Severity
from tests.web.conftest import CASE_ID, NOW, csrf_of, mention

pytestmark = pytest.mark.anyio


def card(page: str, mention_id: str) -> str:
    m = re.search(rf'<article[^>]*id="m-{re.escape(mention_id)}".*?</article>', page, re.S)
    assert m, f"no card for {mention_id}"
    return m.group(0)


async def post(c: httpx.AsyncClient, page_url: str, action: str, data: dict) -> httpx.Response:  # type: ignore[type-arg]
    page = await c.get(page_url)
    return await c.post(action, data={**data, "csrftoken": csrf_of(page.text)})


async def test_marking_handled_comes_back_to_the_card(login) -> None:  # type: ignore[no-untyped-def]
    async with login("care") as c:
        page = (await c.get("/search", params={"q": "漏油", "range": "all"})).text
        form = re.search(r'action="/mentions/demo-weibo%3A2/handled">.*?</form>', page, re.S)
        assert form and 'name="next" value="/search?q=' in form.group(0)
        nxt = re.search(r'name="next" value="([^"]+)"', form.group(0)).group(1)  # type: ignore[union-attr]
        assert nxt.endswith("#m-demo-weibo:2")
        r = await post(
            c, "/search", "/mentions/demo-weibo%3A2/handled", {"next": nxt.replace("&amp;", "&")}
        )
        assert r.status_code == 303 and r.headers["location"].endswith("#m-demo-weibo:2")


async def test_bulk_handle_marks_every_ticked_card(login, store) -> None:  # type: ignore[no-untyped-def]
    async with login("care") as c:
        page = (await c.get("/search", params={"q": "极光汽车", "range": "all"})).text
        assert '<form id="bulk"' in page and 'form="bulk"' in card(page, "demo-weibo:1")
        r = await post(
            c,
            "/search",
            "/mentions/bulk",
            {"ids": ["demo-weibo:1", "demo-weibo:2"], "action": "handle", "next": "/search"},
        )
        assert r.status_code == 303
        assert "2 posts marked handled." in (await c.get("/search")).text
    assert {m.id for m in store.get_mentions(["demo-weibo:1", "demo-weibo:2"]) if m.handled} == {
        "demo-weibo:1",
        "demo-weibo:2",
    }


async def test_bulk_handle_in_an_unhandled_list_links_to_where_to_undo(login, store) -> None:  # type: ignore[no-untyped-def]
    """The ticked cards leave a 未处理 list: the message links to the same search with
    已处理 chosen, where each card has its undo (the flash was a dead end)."""
    async with login("care") as c:
        here = "/search?q=%E6%9E%81%E5%85%89%E6%B1%BD%E8%BD%A6&range=all&handled=no&page=2"
        r = await post(
            c, "/search", "/mentions/bulk",
            {"ids": ["demo-weibo:1", "demo-weibo:2"], "action": "handle", "next": here},
        )  # fmt: skip
        assert r.status_code == 303
        assert r.headers["location"] == here
        page = (await c.get("/cases")).text  # the message shows on the next page
        flash = re.search(r'<p class="flash ok">(.*?)</p>', page, re.S)
        assert flash, page
        link = re.search(r'href="([^"]+)"', flash.group(1))
        assert link and "the handled posts (undo there)" in flash.group(1)
        view = html.unescape(link.group(1))
        assert "handled=yes" in view and "range=all" in view and "page=" not in view
        shown = (await c.get(view)).text
        assert 'action="/mentions/demo-weibo%3A1/unhandled"' in shown
        # a list that keeps handled cards needs no link
        bulk = {"ids": ["demo-weibo:3"], "action": "handle", "next": "/search?q=x"}
        await post(c, "/search", "/mentions/bulk", bulk)
        page = (await c.get("/search?q=x")).text
        assert "undo there" not in page


async def test_bulk_attach_skips_posts_of_another_brand(login, store) -> None:  # type: ignore[no-untyped-def]
    async with login("pr") as c:
        r = await post(
            c,
            "/cases",
            "/mentions/bulk",
            {"ids": ["demo-weibo:3", "demo-tieba:4"], "action": "attach", "case_id": CASE_ID},
        )
        assert r.status_code == 303
        shown = (await c.get("/cases")).text
    assert "1 attached to the case of 极光汽车; 1 skipped" in shown
    evidence = store.get_case(CASE_ID).evidence
    assert "demo-weibo:3" in evidence and "demo-tieba:4" not in evidence


async def test_bulk_attach_with_nothing_skipped_says_only_what_was_attached(login) -> None:  # type: ignore[no-untyped-def]
    """It read '1 attached …; 0 skipped (already there or not about 极光汽车).' (跳过 0 条)."""
    async with login("pr") as c:
        bulk = {"ids": ["demo-weibo:3"], "action": "attach", "case_id": CASE_ID}
        r = await post(c, "/cases", "/mentions/bulk", bulk)
        assert r.status_code == 303
        shown = (await c.get("/cases")).text
    assert "1 attached to the case of 极光汽车." in shown and "skipped" not in shown


async def test_bulk_needs_the_csrf_token_and_the_handle_permission(login) -> None:  # type: ignore[no-untyped-def]
    async with login("care") as c:
        r = await c.post("/mentions/bulk", data={"ids": "demo-weibo:1", "action": "handle"})
        assert r.status_code == 403
    async with login("exec") as c:
        r = await post(
            c, "/overview", "/mentions/bulk", {"ids": "demo-weibo:1", "action": "handle"}
        )
        assert r.status_code == 403


async def test_the_case_picker_offers_only_the_posts_brand_and_a_new_case(login, store) -> None:  # type: ignore[no-untyped-def]
    async with login("pr") as c:
        page = (
            await c.get("/search", params={"range": "all", "group": "", "grouping": "chosen"})
        ).text
        aurora, dairy = card(page, "demo-weibo:1"), card(page, "demo-tieba:4")
        assert f'value="{CASE_ID}"' in aurora and "/new-case" not in aurora
        assert CASE_ID not in dairy and "/mentions/demo-tieba%3A4/new-case" in dairy
        r = await post(c, "/search", "/mentions/demo-tieba%3A4/new-case", {"brand": "清泉乳业"})
        assert r.status_code == 303 and r.headers["location"].startswith("/cases/")
        case_page = (await c.get(r.headers["location"])).text
        assert "清泉乳业" in case_page and "Case opened for 清泉乳业." in case_page
        # one active case per brand: a second one is refused and says which to use
        r = await post(c, "/search", "/mentions/demo-weibo%3A3/new-case", {"brand": "极光汽车"})
        assert r.headers["location"].endswith("#m-demo-weibo:3")
        assert f"already has an open case ({CASE_ID})" in (await c.get("/search")).text
    [new] = store.list_cases(brand="清泉乳业")
    assert new.evidence == ["demo-tieba:4"] and new.assignee == "pr" and new.rule == "manual"


async def test_the_post_view_shows_parent_and_replies(login, store) -> None:  # type: ignore[no-untyped-def]
    reply = mention(20, "回复：极光汽车 我也漏油了", minutes_ago=10)
    reply.parent_id, reply.cluster_id = "demo-weibo:1", "demo-weibo:1"
    store.upsert_mentions([reply])
    async with login("care") as c:
        page = await c.get("/mentions/demo-weibo:1")
        assert page.status_code == 200
        assert 'id="m-demo-weibo:1"' in page.text and "回复：极光汽车 我也漏油了" in page.text
        child = (await c.get("/mentions/demo-weibo:20")).text
        parent_section = child.split('class="this-post"')[0]
        assert "In reply to" in parent_section and "极光汽车 X7 发动机漏油" in parent_section
        # the parent and the replies carry the sentiment buttons, as on the story page,
        # and a correction comes back to this page (the replies had none)
        assert 'action="/mentions/demo-weibo%3A1/sentiment"' in parent_section
        assert 'name="next" value="/mentions/demo-weibo:20"' in parent_section
        replies = page.text.split('class="replies"')[1]
        assert 'action="/mentions/demo-weibo%3A20/sentiment"' in replies
        assert (await c.get("/mentions/nope:1")).status_code == 404
        # the post's own card has no link to itself; the way back is the search it came from
        own = child.split('class="this-post"')[1].split('class="replies"')[0]
        assert 'href="/mentions/demo-weibo%3A20"' not in own
        came = "http://testserver/search?q=%E6%BC%8F%E6%B2%B9&range=7d"
        page = (await c.get("/mentions/demo-weibo:20", headers={"referer": came})).text
        assert '<a href="/search?q=%E6%BC%8F%E6%B2%B9&amp;range=7d">' in page
        elsewhere = (
            await c.get(
                "/mentions/demo-weibo:20", headers={"referer": "http://evil.example/search?q=x"}
            )
        ).text
        assert '<a href="/search">' in elsewhere


async def test_a_post_with_hundreds_of_replies_shows_the_first_and_links_to_all(
    login, store
) -> None:  # type: ignore[no-untyped-def]
    """The story page's rows link to each post's page; the demo crisis's posts' pages held
    every reply (200 cards with their sentiment buttons, 450 KB). The first REPLIES_SHOWN
    and a link to all; there a correction comes back to ?all=1."""
    from radar.web.care import REPLIES_SHOWN

    n = REPLIES_SHOWN + 3
    replies = [
        mention(4000 + i, f"我的也漏油 {i}", minutes_ago=29).model_copy(
            update={"parent_id": "demo-weibo:1", "cluster_id": "demo-weibo:1", "kind": "comment"}
        )
        for i in range(n)
    ]
    store.upsert_mentions(replies)
    async with login("care") as c:
        page = (await c.get("/mentions/demo-weibo:1")).text.split('class="replies"')[1]
        every = (await c.get("/mentions/demo-weibo:1", params={"all": "1"})).text
    assert page.count("<article") == REPLIES_SHOWN
    assert f"Show all {n} replies" in page and 'href="?all=1#replies"' in page
    rest = every.split('class="replies"')[1]
    assert rest.count("<article") == n and "Show all" not in rest
    assert 'name="next" value="/mentions/demo-weibo:1?all=1"' in rest


async def test_a_copy_collected_before_an_earlier_post_is_not_called_its_original(
    login, store
) -> None:  # type: ignore[no-untyped-def]
    """Stories never move once stored, so an earlier post crawled after its near-copy
    joins the copy's story; its page said "Repost of" the later post (14:42 "reposted
    from" 22:58). The heading says what it is; a real repost still reads "Repost of"."""
    later = mention(30, "极光汽车 X7 刹车失灵 车主维权 求扩散", minutes_ago=20)
    earlier = mention(31, "极光汽车 X7 刹车失灵 车主维权 求扩散！", minutes_ago=500)
    earlier.repost_of = earlier.cluster_id = later.id
    repost = mention(32, "转发 极光汽车 X7 刹车失灵 车主维权 求扩散", minutes_ago=5)
    repost.repost_of = repost.cluster_id = later.id
    repost.kind = "repost"  # as Weibo's retweeted_status (repost_of alone: a near-copy)
    store.upsert_mentions([later, earlier, repost])
    async with login("care") as c:
        first = (await c.get(f"/mentions/{earlier.id}")).text.split('class="this-post"')[0]
        copy = (await c.get(f"/mentions/{repost.id}")).text.split('class="this-post"')[0]
    assert "Same content as (posted later, collected first)" in first
    assert "Repost of" not in first
    assert "Repost of" in copy


async def test_every_card_links_to_its_post_view(login) -> None:  # type: ignore[no-untyped-def]
    async with login("care") as c:
        page = (await c.get("/search", params={"q": "漏油", "range": "all"})).text
        assert 'href="/mentions/demo-weibo%3A1"' in card(page, "demo-weibo:1")


async def test_brand_filters_take_aliases_and_name_the_brands(store) -> None:  # type: ignore[no-untyped-def]
    from radar.web.app import create_app
    from tests.web.conftest import NOW, api_token, log_in, make_config

    config = make_config(locale="zh_CN")
    config.brands[0].aliases = ["极光SUV"]
    app = create_app(config, store, clock=lambda: NOW)
    auth = {"Authorization": f"Bearer {api_token('care')}"}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as c:
        by_alias = await c.get(
            "/api/search", params={"q": "brand:极光SUV", "range": "all"}, headers=auth
        )
        by_name = await c.get(
            "/api/search", params={"q": "brand:极光汽车", "range": "all"}, headers=auth
        )
        assert (
            by_alias.status_code == 200 and by_alias.json()["total"] == by_name.json()["total"] > 0
        )
        r = await c.get("/api/search", params={"q": "brand:极光"}, headers=auth)
        assert r.status_code == 200 and r.json()["total"] == 0  # searched as written
        r = await c.get("/api/search", params={"q": "foo:bar"}, headers=auth)
        assert r.status_code == 400 and "unknown filter 'foo:'" in r.json()["detail"]
        await log_in(c, "care")
        page = await c.get("/search", params={"q": "foo:bar"})
        assert page.status_code == 400 and "没有 foo: 这个筛选条件" in page.text
        assert "brand: sentiment: source:" in page.text
        page = await c.get("/search", params={"q": "brand:极光"})
        assert page.status_code == 200 and "已配置的品牌：极光汽车、清泉乳业" in page.text
        page = await c.get("/search", params={"q": "brand:极光SUV", "range": "all"})
        assert "已配置的品牌" not in page.text and "article" in page.text


async def test_the_bulk_picker_offers_only_cases_the_shown_posts_may_join(login, store) -> None:  # type: ignore[no-untyped-def]
    """Not a source-health case, not another brand's case (the demo offered 'source:demo-tousu'
    and 极光汽车's case above a page of 清泉乳业 complaints)."""
    store.save_case(
        Case(id="case-source", brand="source:demo-tousu", rule="source_health",
             severity=Severity.P3, title="source:demo-tousu: crawl crashed",
             opened_at=NOW - timedelta(minutes=5), updated_at=NOW - timedelta(minutes=5))
    )  # fmt: skip

    def bulk_options(page: str) -> list[str]:
        form = re.search(r'<form id="bulk".*?</form>', page, re.S)
        assert form, "no bulk form"
        return re.findall(r'<option value="([^"]+)"', form.group(0))

    async with login("pr") as c:
        aurora = (await c.get("/search", params={"q": "漏油", "range": "all"})).text
        dairy = (await c.get("/search", params={"q": "清泉酸奶", "range": "all"})).text
    assert bulk_options(aurora) == [CASE_ID]
    assert bulk_options(dairy) == []


async def test_the_case_pickers_name_the_brand_once(login) -> None:  # type: ignore[no-untyped-def]
    """The pickers put the brand before the case's title, which starts with it: 'P1 极光汽车
    — 极光汽车：风险信号 — 60 分钟内带风险信号的负面…' (the demo)."""
    async with login("pr") as c:
        page = (await c.get("/search", params={"q": "漏油", "range": "all"})).text
    options = re.findall(rf'<option value="{CASE_ID}">([^<]*)</option>', page)
    assert len(options) >= 2, page  # the bulk bar's and the cards'
    for text in options:
        assert text.startswith("P1 极光汽车") and text.count("极光汽车") == 1, text


def handled_next(page: str, mention_id: str) -> str:
    """Where the card's mark-handled form comes back to."""
    action = re.escape(mention_id.replace(":", "%3A"))
    form = re.search(rf'action="/mentions/{action}/handled">.*?</form>', page, re.S)
    assert form, mention_id
    found = re.search(r'name="next" value="([^"]+)"', form.group(0))
    assert found
    return found.group(1)


async def test_in_the_unhandled_list_handling_lands_on_the_next_card(login) -> None:  # type: ignore[no-untyped-def]
    """Working down the unhandled posts, the handled card leaves the list: the page came
    back to its anchor, which was gone, i.e. to the top of the list."""
    async with login("care") as c:
        params = {"q": "极光汽车", "range": "all", "handled": "no", "sort": "time"}
        page = (await c.get("/search", params=params)).text
        ids = re.findall(r'<article[^>]*id="m-([^"]+)"', page)
        assert len(ids) >= 3
        for this, following in itertools.pairwise(ids):
            assert handled_next(page, this).endswith(f"#m-{following}"), this
        assert handled_next(page, ids[-1]).endswith(f"#m-{ids[-1]}")  # the last: its place
        everything = (await c.get("/search", params={**params, "handled": ""})).text
        assert handled_next(everything, ids[0]).endswith(f"#m-{ids[0]}")  # stays listed


async def test_a_case_care_opens_waits_for_the_pr_team(login, store, config) -> None:  # type: ignore[no-untyped-def]
    """Care opened a case from a complaint and it was acknowledged by and assigned to care,
    who can neither note, assign nor resolve it (case actions are PR's), and the board
    showed it as in hand: it now waits for PR to take it within the P3 deadline, and
    escalates like an alert's case when nobody does."""
    async with login("care") as c:
        r = await post(c, "/search", "/mentions/demo-tieba%3A4/new-case", {"brand": "清泉乳业"})
        assert r.status_code == 303 and r.headers["location"].startswith("/cases/")
        page = (await c.get(r.headers["location"])).text
        assert "Case opened for 清泉乳业: the PR team is to take it by Nov 23, 2026 12:00." in page
        assert "/acknowledge" not in page  # care still has no case buttons
    [case] = store.list_cases(brand="清泉乳业")
    assert case.status == "open" and case.assignee is None and case.acknowledged_by is None
    assert case.ack_due_at == NOW + timedelta(hours=2)  # alerts.ack_deadline.P3
    async with login("pr") as c:
        board = (await c.get("/cases")).text
        row = board.split(f'href="/cases/{case.id}"')[1].split("</tr>")[0]
        assert "acknowledge within 2h" in row and "CARE user" not in row, row
        page = (await c.get(f"/cases/{case.id}")).text
        assert f'action="/cases/{case.id}/acknowledge"' in page
    # nobody took it in time: it escalates to the channel like an alert's case
    from alerts.engine import AlertEngine
    from alerts.notifiers import ConsoleNotifier

    engine = AlertEngine(config, store, ConsoleNotifier())
    events = engine.check_escalations(NOW + timedelta(hours=2, minutes=1))
    assert (case.id, "escalated") in [(e.case_id, e.kind) for e in events]


async def test_a_timeline_line_naming_a_post_links_to_it(login, store) -> None:  # type: ignore[no-untyped-def]
    """'已新建 客服 根据帖子 http://127.0.0.1:8775/weibo/status/…' and '📎 加入了 http://…'
    were the post's address as text: the line links to the post's page in the app, its
    crawled address still escaped."""
    odd = mention(77, "清泉酸奶 有异味", brand="清泉乳业", url='https://x.cn/"><script>1</script>')
    store.upsert_mentions([odd])
    async with login("pr") as c:
        r = await post(c, "/search", "/mentions/demo-tieba%3A4/new-case", {"brand": "清泉乳业"})
        case_url = r.headers["location"]
        await post(c, "/search", f"/mentions/{odd.id}/attach",
                   {"case_id": case_url.removeprefix("/cases/")})  # fmt: skip
        page = (await c.get(case_url)).text
    timeline = page.split('<ol class="timeline">')[1].split("</ol>")[0]
    opened = timeline.split('class="ev-opened"')[1].split("</li>")[0]
    assert '<a class="post" href="/mentions/demo-tieba%3A4">' in opened, opened
    attached = timeline.split('class="ev-evidence"')[1].split("</li>")[0]
    assert '<a class="post" href="/mentions/demo-weibo%3A77">' in attached, attached
    assert "<script>1" not in timeline and "&lt;script&gt;" in attached


async def test_marking_handled_can_be_undone(login, store) -> None:  # type: ignore[no-untyped-def]
    """A mis-click on 标记已处理 had no way back (the card leaves the unhandled list, and a
    handled card offered nothing): the flash links the post, whose card undoes it."""
    async with login("care") as c:
        r = await post(c, "/search", "/mentions/demo-weibo%3A1/handled",
                       {"next": "/search?handled=no"})  # fmt: skip
        listed = (await c.get(r.headers["location"])).text
        assert '<a href="/mentions/demo-weibo%3A1">the post (undo there) →</a>' in listed
        page = (await c.get("/mentions/demo-weibo:1")).text
        assert 'action="/mentions/demo-weibo%3A1/unhandled"' in page
        r = await post(c, "/mentions/demo-weibo:1", "/mentions/demo-weibo%3A1/unhandled",
                       {"next": "/mentions/demo-weibo:1"})  # fmt: skip
        assert r.status_code == 303
        page = (await c.get(r.headers["location"])).text
        assert "Marked not handled again." in page
        assert 'action="/mentions/demo-weibo%3A1/unhandled"' not in page
    got = store.get_mention("demo-weibo:1")
    assert got is not None and not got.handled and got.handled_by is None
    async with login("exec") as c:  # readers cannot
        r = await post(c, "/search", "/mentions/demo-weibo%3A1/unhandled", {})
        assert r.status_code == 403
