"""Stories first: the search page shows one card per story, ranked by reach, with
"N reposts/similar" that expands; the story page shows the first post, who spread it and
when, the repost tree and the comments; the case page links to its full search."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from index.base import Store
from index.models import Engagement, SourceKind
from radar.web.stories import COMMENTS_PER_PAGE, COPIES_SHOWN, SPREAD_OPEN
from tests.web.conftest import CASE_ID, NOW, form_post, mention

pytestmark = pytest.mark.anyio

ORIGINAL = "demo-weibo:1"


@pytest.fixture
def reposted(store: Store) -> Store:
    """demo-weibo:1 (the 大V's leak post) reposted twice (one repost of a repost) and
    commented on once."""
    repost = mention(
        21, "转发 极光汽车 X7 发动机漏油，4S店不给退款", minutes_ago=25, author="转发者甲"
    )
    again = mention(
        22, "//转发 极光汽车 X7 发动机漏油，4S店不给退款", minutes_ago=10, author="转发者乙"
    )
    comment = mention(23, "我的也漏油", minutes_ago=15, author="评论者")
    store.upsert_mentions(
        [
            repost.model_copy(update={"repost_of": ORIGINAL, "cluster_id": ORIGINAL}),
            again.model_copy(update={"repost_of": repost.id, "cluster_id": ORIGINAL}),
            comment.model_copy(update={"parent_id": ORIGINAL, "kind": "comment"}),
        ]
    )
    return store


async def test_search_page_groups_reposts_into_one_story_card(login, reposted) -> None:  # type: ignore[no-untyped-def]
    async with login("care") as client:
        r = await client.get("/search", params={"q": "漏油"})
    assert r.status_code == 200, r.text
    cards = re.findall(r'<article class="mention[^"]*" id="m-([^"]+)"', r.text)
    # one card for the story (its first post), not three copies; the 大V's story first
    assert cards[0] == ORIGINAL
    assert "demo-weibo:21" not in cards and "demo-weibo:22" not in cards
    assert "2 reposts/similar" in r.text
    assert 'data-src="/stories/demo-weibo%3A1/copies"' in r.text
    # the comment under the 大V's post is part of its story: a card, but no story
    count = re.search(r'<p class="story-count">([^<]*)</p>', r.text)
    assert count and count.group(1) == "4 stories and 1 comments from 7 mentions", count
    # the story counts are no filter link ("story:stories" is no filter)
    assert "story%3Astories" not in r.text and "story:stories" not in r.text


async def test_search_page_counts_comments_in_their_posts_story_and_pages_their_cards(  # type: ignore[no-untyped-def]
    login, store
) -> None:
    """A comment belongs to its post's story (as the overview and the digest count): 25
    comments under a post read '1 stories and 25 comments', not 26 stories, and the
    post's card counts no comment as a repost/similar; each comment keeps its own card,
    and the pager reaches them all (26 cards: 2 pages)."""
    post = mention(30, "极光汽车 天窗 漏水 泡了一夜", minutes_ago=50)
    comments = [
        mention(31 + i, f"极光汽车 天窗 也漏水 {i}", minutes_ago=40 - i).model_copy(
            update={"parent_id": post.id, "kind": "comment"}
        )
        for i in range(25)
    ]
    store.upsert_mentions([post, *comments])
    async with login("care") as client:
        first = await client.get("/search", params={"q": "天窗", "sort": "time"})
        second = await client.get("/search", params={"q": "天窗", "sort": "time", "page": "2"})
    assert "1 stories and 25 comments from 26 mentions" in first.text, first.text
    assert "page 1 of 2" in first.text and "page 2 of 2" in second.text
    cards = [
        re.findall(r'<article class="mention[^"]*" id="m-([^"]+)"', r.text) for r in (first, second)
    ]
    assert len(cards[0]) == 20 and set(cards[0] + cards[1]) == {post.id, *(c.id for c in comments)}
    assert "reposts/similar" not in first.text + second.text
    from radar.web.app import create_app
    from tests.web.conftest import log_in, make_config

    app = create_app(make_config("zh_CN"), store, clock=lambda: NOW)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        await log_in(client, "care")
        page = (await client.get("/search", params={"q": "天窗"})).text
    # the comments are among the mentions and in the story ('归为 1 个话题，另有 25 条评论'
    # added them up: a kind:评论 search read '2,307 条提及，归为 414 个话题，另有 2,307 条评论')
    assert "26 条提及（其中 25 条评论），属于 1 个话题" in page


async def test_a_comment_links_to_its_posts_story(login, reposted, store) -> None:  # type: ignore[no-untyped-def]
    """A comment's card (search, its own page, a case's evidence) links to the story of
    the post it answers — under a repost, the original's story —, not to a story of the
    comment alone; under a post never stored, to the comment's own (the only one)."""
    under_repost = mention(24, "极光汽车 漏油 我也遇到了", minutes_ago=5).model_copy(
        update={"parent_id": "demo-weibo:21", "kind": "comment"}
    )
    orphan = mention(25, "极光汽车 漏油 楼主说得对", minutes_ago=5).model_copy(
        update={"parent_id": "demo-weibo:404", "kind": "comment"}
    )
    store.upsert_mentions([under_repost, orphan])
    case = store.get_case(CASE_ID)
    store.save_case(case.model_copy(update={"evidence": [under_repost.id]}))
    original, own = "/stories/demo-weibo%3A1", "/stories/demo-weibo%3A25"
    async with login("care") as client:
        search = await client.get("/search", params={"q": "漏油", "sort": "time"})
        page = await client.get(f"/mentions/{under_repost.id}")
        alone = await client.get(f"/mentions/{orphan.id}")
    async with login("pr") as client:
        evidence = await client.get(f"/cases/{CASE_ID}")

    def link(html: str, card: str) -> str:
        after = html.split(f'id="m-{card}"', 1)[1]
        found = re.search(r'class="story-one"><a href="([^"]+)"', after)
        assert found, after[:2000]
        return found.group(1)

    assert link(search.text, under_repost.id) == original
    assert link(search.text, orphan.id) == own
    assert f'<a href="{original}">' in page.text and "/stories/demo-weibo%3A24" not in page.text
    assert f'<a href="{own}">' in alone.text
    assert link(evidence.text, under_repost.id) == original


async def test_search_page_can_show_every_mention(login, reposted) -> None:  # type: ignore[no-untyped-def]
    async with login("care") as client:
        r = await client.get("/search", params={"q": "漏油", "grouping": "chosen"})
    cards = re.findall(r'<article class="mention[^"]*" id="m-([^"]+)"', r.text)
    assert {"demo-weibo:21", "demo-weibo:22", ORIGINAL} <= set(cards)


async def test_story_page_shows_spread_tree_and_comments(login, reposted) -> None:  # type: ignore[no-untyped-def]
    async with login("care") as client:
        r = await client.get(f"/stories/{ORIGINAL}")
        fragment = await client.get(f"/stories/{ORIGINAL}/copies")
        missing = await client.get("/stories/demo-weibo:nothing")
    assert r.status_code == 200, r.text
    spread = r.text.split('class="spread"')[1].split("</table>")[0]
    # who amplified it, in the order it happened
    assert spread.index("汽车大V") < spread.index("转发者甲") < spread.index("转发者乙")
    assert "评论者" in r.text.split("story-comments")[1]
    assert re.search(r'margin-left: 2\.4em" id="t-demo-weibo:22"', r.text)  # repost of a repost
    assert fragment.status_code == 200 and "转发者乙" in fragment.text
    assert missing.status_code == 404


async def test_a_forum_first_post_has_no_figures_of_0(login, store) -> None:  # type: ignore[no-untyped-def]
    """The demo crisis's story began with a Tieba thread (no follower count, no engagement
    collected): its spread row read 粉丝 0, 覆盖 0 and its tree line 覆盖 0."""
    thread = mention(30, "极光X7 刹车失灵 首帖", followers=0, source="demo-tieba", minutes_ago=40)
    copy = mention(31, "极光X7 刹车失灵 首帖", followers=500, minutes_ago=30)
    store.upsert_mentions(
        [
            thread.model_copy(update={"engagement": Engagement(), "cluster_id": thread.id}),
            copy.model_copy(update={"repost_of": thread.id, "cluster_id": thread.id}),
        ]
    )
    async with login("care") as client:
        page = (await client.get(f"/stories/{thread.id}")).text
    first = page.split('class="spread"')[1].split("</tr>")[1]  # the row after the header's
    figures = re.findall(r"<td[^>]*>([^<]*)</td>", first)
    assert figures == ["—", "—", "0"], first
    # the row says what is known (who, where, when) and what the dash means: it read
    # 首发 — — 0 before the same author's Weibo copy
    assert "用户30</a> · demo-tieba · first post" in first, first
    assert "<time " in first
    assert "— : not given by the source" in page.split('class="story-spread"')[1]
    tree = page.split('class="tree"')[1].split("</ul>")[0]
    first_line = tree.split("</li>")[0]
    assert "reach" not in first_line and "reach 686" in tree.split("</li>")[1], tree


async def test_a_long_chinese_copy_is_cut_at_its_length_not_its_first_space(login, store) -> None:  # type: ignore[no-untyped-def]
    """Jinja's truncate cuts at the last space before the limit: a Chinese repost with one
    space near its start ('坐等 官方回应//@…') was cut there, with '...'; and a copy with no
    figure read '覆盖 0'."""
    long = "坐等 官方回应//@汽车圈老炮儿:" + "极光X7高速上刹车失灵，车主差点被追尾，" * 6
    original = mention(40, "极光X7 刹车失灵 首发", minutes_ago=40)
    copy = mention(41, long, minutes_ago=30, followers=0, source="demo-tieba")
    store.upsert_mentions(
        [
            original.model_copy(update={"cluster_id": original.id}),
            copy.model_copy(update={"repost_of": original.id, "cluster_id": original.id,
                                    "engagement": Engagement()}),
        ]
    )  # fmt: skip
    async with login("care") as client:
        fragment = (await client.get(f"/stories/{original.id}/copies")).text
    line = fragment.split("<li>")[1].split("</li>")[0]
    assert long[:79] + "…" in line and "..." not in line, line
    assert "reach" not in line, line


async def test_case_page_links_to_its_full_search(login, reposted) -> None:  # type: ignore[no-untyped-def]
    async with login("pr") as client:
        r = await client.get(f"/cases/{CASE_ID}")
        link = re.search(r'<a class="full-search" href="([^"]+)"', r.text)
        assert link, r.text
        query = parse_qs(urlsplit(link.group(1).replace("&amp;", "&")).query)
        assert query["q"] == ["brand:极光汽车 sentiment:negative"]
        found = await client.get(link.group(1).replace("&amp;", "&"))
    assert found.status_code == 200
    assert ORIGINAL in found.text
    assert NOW - timedelta(days=1)  # (the window starts a day before the case opened)


def comments_of(html: str) -> list[str]:
    """The ids of the comment cards of a story page, in order."""
    return re.findall(
        r'<article class="mention[^"]*" id="m-([^"]+)"', html.split('id="comments"')[1]
    )


async def test_a_story_pages_its_comments_newest_first_and_keeps_the_order(login, store) -> None:  # type: ignore[no-untyped-def]
    """A crisis post's comments (the demo's: 390, 100 of them in an 811 KB page 77,000 px
    tall on a phone) are shown 50 a page, newest or most engaged first; the pager keeps the
    order, ?all=1 shows them all on one page, and a page past the last goes to the last."""
    n = 2 * COMMENTS_PER_PAGE + 5
    comments = [
        mention(3000 + i, f"我的也漏油 {i}", author=f"评论者{i}").model_copy(
            update={"parent_id": ORIGINAL, "kind": "comment",
                    "published_at": NOW - timedelta(minutes=29) + timedelta(seconds=i),
                    "engagement": Engagement(likes=(i * 37) % n)}
        )
        for i in range(n)
    ]  # fmt: skip
    store.upsert_mentions(comments)
    newest = [c.id for c in sorted(comments, key=lambda c: c.published_at, reverse=True)]
    top = [c.id for c in sorted(comments, key=lambda c: -c.engagement.likes)]
    url = f"/stories/{ORIGINAL}"
    async with login("care") as client:
        first = (await client.get(url)).text
        second = (await client.get(url, params={"page": "2"})).text
        by_top = (await client.get(url, params={"order": "top", "page": "2"})).text
        every = (await client.get(url, params={"all": "1"})).text
        past = await client.get(url, params={"order": "top", "page": "9"})
        bad = await client.get(url, params={"order": "best"})
    assert comments_of(first) == newest[:COMMENTS_PER_PAGE]
    assert comments_of(second) == newest[COMMENTS_PER_PAGE : 2 * COMMENTS_PER_PAGE]
    assert comments_of(by_top) == top[COMMENTS_PER_PAGE : 2 * COMMENTS_PER_PAGE]
    assert "page 1 of 3" in first and "page 2 of 3" in second
    assert 'href="/stories/demo-weibo%3A1?page=2#comments"' in first
    # the pager keeps the other parameters; page 1 is no parameter
    assert 'href="/stories/demo-weibo%3A1?order=top&amp;page=3#comments"' in by_top
    assert 'href="/stories/demo-weibo%3A1?order=top#comments"' in by_top
    # a correction on a card of page 2 comes back to that card on page 2
    assert 'name="next" value="/stories/demo-weibo%3A1?page=2"' in second
    card = comments_of(second)[0]
    async with login("care") as client:
        fixed = await form_post(
            client,
            f"{url}?page=2",
            f"/mentions/{card}/sentiment",
            {"brand": "极光汽车", "label": "neutral", "next": "/stories/demo-weibo%3A1?page=2"},
        )
    assert fixed.status_code == 303
    assert fixed.headers["location"] == f"/stories/demo-weibo%3A1?page=2#m-{card}"
    assert (
        f"Show all {n} comments" in first
        and 'href="/stories/demo-weibo%3A1?all=1#comments"' in first
    )
    assert comments_of(every) == newest and "page 1 of" not in every
    assert f"Show {COMMENTS_PER_PAGE} comments a page" in every
    assert 'href="/stories/demo-weibo%3A1#comments"' in every  # back to the pages
    assert past.status_code == 303
    assert past.headers["location"] == "/stories/demo-weibo%3A1?order=top&page=3"
    assert bad.status_code == 422


async def test_a_story_with_more_reposts_than_shown_counts_them_all(login, store) -> None:  # type: ignore[no-untyped-def]
    """A real-browser session found a story card saying 806 reposts and its page 124: the
    store cut posts and comments together at 500, and comments came first. The page now
    counts every repost, lists the first SPREAD_OPEN, folds the next ones up to
    COPIES_SHOWN in a <details> and links to all; a copy is a row linking to its own page,
    not a card with its forms (the demo's story page carried 200 of them)."""
    n = COPIES_SHOWN + 5
    reposts = [
        mention(5000 + i, f"转发 极光汽车漏油 {i}", minutes_ago=20, author=f"转发者{i}").model_copy(
            update={"repost_of": ORIGINAL, "cluster_id": ORIGINAL}
        )
        for i in range(n)
    ]
    comments = [
        mention(7000 + i, f"我的也漏油 {i}", minutes_ago=30, author=f"评论者{i}").model_copy(
            update={"parent_id": ORIGINAL, "kind": "comment"}
        )
        for i in range(600)
    ]
    store.upsert_mentions([*comments, *reposts])
    async with login("care") as client:
        page = (await client.get(f"/stories/{ORIGINAL}")).text
        every = (await client.get(f"/stories/{ORIGINAL}", params={"all": "1"})).text
    assert f"{n:,} reposts/similar" in page.split("</h1>")[0]
    spread = page.split('class="story-spread"')[1].split("</section>")[0]
    shown, folded = spread.split('<details class="story-more spread-more">')
    assert shown.count("<tr class=") == SPREAD_OPEN  # the first post and the first copies
    folded = folded.split("</details>")[0]
    assert folded.count("<tr class=") == COPIES_SHOWN + 1 - SPREAD_OPEN
    assert f"Show the next {COPIES_SHOWN + 1 - SPREAD_OPEN} reposts and similar posts" in folded
    assert f"Show all {n:,} reposts and similar posts" in page
    assert '<a href="/mentions/demo-weibo%3A5000">' in shown  # a copy's row: its own page
    assert '<a href="#m-demo-weibo:1">' in shown  # the first post's: its card above
    # the first post and a page of comments are the only cards
    assert page.count("<article") == 1 + COMMENTS_PER_PAGE
    assert "Show all 600 comments" in page
    everything = every.split('class="story-spread"')[1].split("</section>")[0]
    assert everything.count("<tr class=") == n + 1 and "<details" not in everything
    assert every.count("<article") == 1 + 600


async def test_a_complaint_copying_a_weibo_post_is_similar_content_not_a_repost(  # type: ignore[no-untyped-def]
    login, store
) -> None:
    """index/dedupe.py sets repost_of on a near-copy too: a 黑猫投诉 complaint copying a
    Weibo post was badged 转发 and its page said 转发自. A repost is what the platform says
    is one (Weibo's retweeted_status: kind repost) or a typed //@ chain; a near-copy is
    相似内容, 与 … 内容相近."""
    original = mention(60, "极光X7 刹车失灵 高速上差点被追尾 4S店说正常", author="车主小王")
    complaint = mention(61, "极光X7 刹车失灵 高速上差点被追尾 4S店说正常！", minutes_ago=20,
                        source="demo-tousu", author="投诉人")  # fmt: skip
    repost = mention(62, "转发微博 刹车失灵", minutes_ago=10, author="转发者")
    chain = mention(
        63, "顶//@车主小王:极光X7 刹车失灵 高速上差点被追尾", minutes_ago=5, author="顶帖者"
    )
    linked = {"repost_of": original.id, "cluster_id": original.id}
    store.upsert_mentions(
        [
            original,
            complaint.model_copy(
                update={**linked, "kind": "complaint", "source_kind": SourceKind.tousu}
            ),
            repost.model_copy(update={**linked, "kind": "repost"}),
            chain.model_copy(update=linked),
        ]
    )
    async with login("care") as client:
        search = (await client.get("/search", params={"q": "刹车失灵", "grouping": "chosen"})).text
        post = (await client.get(f"/mentions/{complaint.id}")).text
        repost_page = (await client.get(f"/mentions/{repost.id}")).text
        story = (await client.get(f"/stories/{original.id}")).text

    def badges(html: str, card: str) -> list[str]:
        meta = html.split(f'id="m-{card}"', 1)[1].split('<div class="toward">', 1)[0]
        return re.findall(r'<span class="badge repost[^"]*">([^<]*)</span>', meta)

    assert badges(search, complaint.id) == ["similar content"]
    assert badges(search, "demo-weibo:62") == ["repost"]
    assert badges(search, "demo-weibo:63") == ["repost"]
    assert badges(search, original.id) == []
    heading = post.split('<section class="parent">')[1].split("</h2>")[0]
    assert "Similar content to the post by 车主小王 on demo-weibo" in heading, heading
    assert "Repost of" not in post
    assert "Repost of" in repost_page.split('<section class="parent">')[1].split("</h2>")[0]
    rows = story.split('class="spread"')[1].split("</table>")[0].split("</tr>")
    assert "车主小王</a> · demo-weibo · first post" in rows[1], rows[1]
    assert "投诉人</a> · demo-tousu · similar content" in rows[2], rows[2]
    assert "转发者</a> · demo-weibo · repost" in rows[3], rows[3]
