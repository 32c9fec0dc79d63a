"""The crisis brief executives read: an account in plain words from stored figures, each
sentence linking to the posts it rests on, no internal keys; the chart's window, baseline
and markers; terms distinctive against the brand's normal days."""

from __future__ import annotations

import html
import json
import re
from datetime import timedelta

import httpx
import pytest

from index.models import CaseEvent, Engagement
from index.text import top_words
from radar.web.brief import Marker, held_since, markers
from radar.web.render import Formatter
from radar.web.terms import log_odds
from tests.web.conftest import CASE_ID, NOW, mention

pytestmark = pytest.mark.anyio


def claims(page: str) -> list[tuple[str, str]]:
    """(sentence text, link) of each claim of the account."""
    found = re.findall(r'<li class="claim claim-(\w+)">(.*?)</li>', page, re.S)
    out = []
    for topic, body in found:
        link = re.search(r'<a href="([^"]+)"', body)
        out.append((topic, html.unescape(link.group(1)) if link else ""))
    return out


async def test_the_account_answers_the_six_questions_with_links(login) -> None:  # type: ignore[no-untyped-def]
    async with login("exec") as c:
        r = await c.get(f"/cases/{CASE_ID}/summary")
        assert r.status_code == 200, r.text
        got = claims(r.text)
        assert [t for t, _ in got] == ["what", "since", "size", "who", "done", "next"]
        for topic, link in got:
            assert link, f"the {topic} claim links to nothing"
            target = await c.get(link)
            assert target.status_code == 200, (topic, link)
            if "#" in link:  # "the timeline →" lands on the case page's timeline
                assert f'id="{link.split("#", 1)[1]}"' in target.text, (topic, link)
    account = r.text.split('id="account"')[1].split("</section>")[0]
    # the leak post of the 大V spread furthest; the numbers are the stored ones
    assert "汽车大V" in account and "2,000,000" in account
    assert "4 negative mentions" in account


async def test_no_internal_keys_or_none(login, store) -> None:  # type: ignore[no-untyped-def]
    store.append_case_event(
        CaseEvent(case_id=CASE_ID, at=NOW, kind="notified", text="routed: #crisis-p1")
    )
    async with login("exec") as c:
        page = (await c.get(f"/cases/{CASE_ID}/summary")).text
    text = re.sub(r"<script.*?</script>", "", page, flags=re.S)
    for leak in ("None", "negative_surge", "routed:", "high_reach", "rule "):
        assert leak not in text, leak
    assert "<script>window.__pwned" not in page


async def test_chart_is_the_crisis_window_with_a_baseline(login) -> None:  # type: ignore[no-untyped-def]
    async with login("exec") as c:
        page = (await c.get(f"/cases/{CASE_ID}/summary")).text
    data = json.loads(
        re.search(r'<script type="application/json" id="brief-data">(.*?)</script>', page, re.S)[1]
    )
    # six hours before the case opened until now: the crisis is not one bar at the edge
    assert 20 <= len(data["labels"]) <= 96
    assert sum(data["negative"]) == 4
    assert data["baseline"] >= 0
    assert [m["text"] for m in data["markers"]] == ["P1 alert"]


def test_markers_close_together_go_on_different_rows() -> None:
    fmt = Formatter("Asia/Shanghai")
    at = NOW - timedelta(hours=3)
    events = [
        CaseEvent(case_id="c", kind="alerted", at=at),
        CaseEvent(case_id="c", kind="escalated", at=at + timedelta(minutes=2)),  # same point
        CaseEvent(case_id="c", kind="resolved", at=at + timedelta(minutes=30)),
        CaseEvent(case_id="c", kind="reopened", at=at + timedelta(minutes=45)),
        CaseEvent(case_id="c", kind="note", at=at + timedelta(minutes=50)),  # no marker
    ]
    from index.models import Case

    case = Case(id="c", brand="b", rule="negative_surge", severity="P1")
    got = markers(fmt, events, NOW - timedelta(hours=6), NOW, 900, case)
    assert [(m.text, m.row) for m in got] == [
        ("P1 alert · escalated", 0),
        ("resolved", 1),
        ("reopened", 2),
    ]
    assert all(isinstance(m, Marker) for m in got)


def test_filler_is_no_term() -> None:
    posts = ["记录 一下 x5 同款 坐等 不错 试试 随手 同问 刹车 失灵"] * 3
    assert dict(top_words(posts)) == {"刹车": 3, "失灵": 3}
    # the demo brief's 网友新出现的说法 read 已转 ×60 and 必须 ×58 among 刹车 and 召回
    assert dict(top_words(["已转，支持维权", "必须追责 召回"] * 2)) == {
        "支持": 2, "维权": 2, "追责": 2, "召回": 2,
    }  # fmt: skip
    # the demo overview's 热词 read 差不多 ×45, 答案 ×42, 个人 ×37, 需求 ×37, 有人 ×28
    # ('坐等答案', '看个人需求吧', '差不多吧', '有人开过吗') beside 刹车 and 召回
    said = ["坐等答案", "看个人需求吧", "差不多吧", "有人 刹车 失灵"] * 2
    assert dict(top_words(said)) == {"刹车": 2, "失灵": 2}


def test_distinctive_terms_beat_always_frequent_ones() -> None:
    crisis = [("客服", 40), ("刹车", 30), ("失灵", 25), ("试驾", 3)]
    baseline = [("客服", 400), ("试驾", 100), ("刹车", 5)]
    got = [t for t, _, _ in log_odds(crisis, baseline)]
    assert set(got[:2]) == {"失灵", "刹车"}
    assert "客服" not in got and "试驾" not in got


async def test_distinctive_terms_endpoint(login) -> None:  # type: ignore[no-untyped-def]
    async with login("exec") as c:
        r = await c.get(f"/cases/{CASE_ID}/summary/terms")
        care = await httpx.AsyncClient(transport=c._transport, base_url="http://testserver").get(
            f"/cases/{CASE_ID}/summary/terms"
        )
    assert r.status_code == 200
    body = r.json()
    assert isinstance(body["terms"], list) and body["none"]
    assert care.status_code in (303, 401)  # not logged in


@pytest.mark.parametrize("status", ["resolved", "acknowledged"])
async def test_other_cases_read_as_plainly(login, store, status: str) -> None:  # type: ignore[no-untyped-def]
    from index.models import Case, Severity

    case = Case(
        id=f"src-{status}", brand="source:demo-tieba", rule="source_health",
        severity=Severity.P3, status=status, opened_at=NOW - timedelta(hours=3),
        acknowledged_by="pr", acknowledged_at=NOW - timedelta(hours=2),
        resolved_at=NOW - timedelta(hours=1) if status == "resolved" else None,
    )  # fmt: skip
    store.save_case(case)
    async with login("exec") as c:
        r = await c.get(f"/cases/{case.id}/summary")
        pdf = await c.get(f"/cases/{case.id}/report.pdf")
    assert r.status_code == 200 and pdf.status_code == 200
    text = re.sub(r"<script.*?</script>", "", r.text, flags=re.S)
    assert "None" not in text
    got = dict(claims(r.text))
    assert "what" in got and "next" in got and "done" in got


def test_the_normal_level_counts_only_days_the_store_holds(store) -> None:  # type: ignore[no-untyped-def]
    """A young store (the demo holds one day of history) must not divide by a week: its
    normal level starts on the first day with mentions of the brand."""
    week_ago = NOW - timedelta(days=7)
    # the oldest 极光汽车 mention is three days old; 清泉乳业's is an hour old
    assert held_since(store, "极光汽车", week_ago, NOW) == NOW - timedelta(days=3)
    assert held_since(store, "清泉乳业", week_ago, NOW) == NOW - timedelta(days=1)
    assert held_since(store, "无此品牌", week_ago, NOW) == NOW - timedelta(days=1)


async def test_the_chart_names_the_days_its_normal_level_rests_on(login) -> None:  # type: ignore[no-untyped-def]
    async with login("exec") as c:
        page = (await c.get(f"/cases/{CASE_ID}/summary")).text
    data = json.loads(
        re.search(r'<script type="application/json" id="brief-data">(.*?)</script>', page, re.S)[1]
    )
    assert "3 days before" in data["names"]["baseline"], data["names"]


async def test_an_author_without_a_follower_count_is_not_called_a_nobody(login, store) -> None:  # type: ignore[no-untyped-def]
    """Forums report no followers (0): the account names the author without "0 followers"."""
    thread = mention(9000, "极光汽车 X7 刹车失灵，车主集体维权", followers=0, author="贴吧车主",
                     source="demo-tieba", minutes_ago=10)  # fmt: skip
    # a thread that very many answered: its reach is its engagement
    thread.engagement = Engagement(reposts=3_000_000, comments=0, likes=0)
    store.upsert_mentions([thread])
    async with login("exec") as c:
        page = (await c.get(f"/cases/{CASE_ID}/summary")).text
    what = re.search(r'<li class="claim claim-what">(.*?)</li>', page, re.S)
    assert what and "贴吧车主" in what.group(1), page
    assert "0 followers" not in what.group(1) and "followers" not in what.group(1)


async def test_a_reopened_case_says_it_was_reopened_not_that_nobody_acted(login, store) -> None:  # type: ignore[no-untyped-def]
    for minutes, kind in ((20, "acknowledged"), (15, "resolved"), (5, "reopened")):
        store.append_case_event(
            CaseEvent(case_id=CASE_ID, at=NOW - timedelta(minutes=minutes), kind=kind, text=kind)
        )
    async with login("exec") as c:
        page = (await c.get(f"/cases/{CASE_ID}/summary")).text
    done = re.search(r'<li class="claim claim-done">(.*?)</li>', page, re.S)
    assert done and "A new wave reopened the case at Nov 23, 2026 09:55" in done.group(1), page
    assert "Nobody has taken the case yet" not in done.group(1)


async def test_the_timeline_tells_the_severity_raised(login, store) -> None:  # type: ignore[no-untyped-def]
    """The brief's title read P1 and its timeline only 'alerted: P2 …' (updates are left to
    the case page): the update that raised the severity is told, the others still not."""
    for minutes, severity, text in ((30, "P2", "P2 surge"), (25, "P1", "severity raised P2 → P1"),
                                    (20, "P1", "growing: 60 stories")):  # fmt: skip
        store.append_case_event(
            CaseEvent(case_id=CASE_ID, at=NOW - timedelta(minutes=minutes),
                      kind="alerted" if minutes == 30 else "updated", text=text,
                      data={"severity": severity})
        )  # fmt: skip
    async with login("exec") as c:
        page = (await c.get(f"/cases/{CASE_ID}/summary")).text
    timeline = re.search(r'<ol class="timeline">(.*?)</ol>', page, re.S)
    assert timeline is not None
    assert "P2 surge" in timeline.group(1)
    assert "severity raised P2 → P1" in timeline.group(1)
    assert "growing: 60 stories" not in timeline.group(1)


async def test_an_escalated_case_nobody_took_says_so(login, store) -> None:  # type: ignore[no-untyped-def]
    """Once escalated, the acknowledge deadline is gone: the brief's next step said 'next
    update due by <tomorrow>' and the case page no longer said anything was late."""
    case = store.get_case(CASE_ID)
    store.save_case(case.model_copy(update={"ack_due_at": None, "escalation_level": 1,
                                            "update_due_at": NOW + timedelta(days=1)}))  # fmt: skip
    async with login("pr") as c:
        brief = (await c.get(f"/cases/{CASE_ID}/summary")).text
        page = (await c.get(f"/cases/{CASE_ID}")).text
    step = re.search(r'<li class="claim claim-next">(.*?)</li>', brief, re.S)
    assert step and "escalated (×1) and nobody has taken it yet" in step.group(1)
    assert "Next update due" not in step.group(1)
    info = re.search(r'<p class="caseinfo">(.*?)</p>', page, re.S)
    assert info and "escalated ×1" in info.group(1)


async def test_an_assignee_has_the_case_since_it_was_assigned(login, store) -> None:  # type: ignore[no-untyped-def]
    """PR acknowledged at 09:40 and handed the case to the admin at 09:55: the brief said
    the admin had it since 09:40 (the acknowledgement's time, seen in the demo)."""
    from alerts import actions

    actions.acknowledge(store, CASE_ID, "pr", now=NOW - timedelta(minutes=20))
    actions.assign(store, CASE_ID, "pr", "admin", now=NOW - timedelta(minutes=5))
    async with login("exec") as c:
        page = (await c.get(f"/cases/{CASE_ID}/summary")).text
    done = re.search(r'<li class="claim claim-done">(.*?)</li>', page, re.S)
    assert done and "ADMIN user has the case since Nov 23, 2026 09:55." in done.group(1), page


async def test_a_raise_by_hand_is_told_with_its_reason(login, store) -> None:  # type: ignore[no-untyped-def]
    """The PR lead raised the case P2 → P1 saying why: the brief's 处置进展 still said only
    'nobody has taken the case yet', as if the team had not acted, and left out the reason
    (only on the case page). Crawled or typed, the reason is escaped."""
    store.append_case_event(
        CaseEvent(case_id=CASE_ID, at=NOW - timedelta(minutes=5), kind="raised", actor="pr",
                  text="raised", data={"severity": "P1", "from": "P2",
                                       "reason": "<b>CCTV</b> called"})
    )  # fmt: skip
    async with login("exec") as c:
        page = (await c.get(f"/cases/{CASE_ID}/summary")).text
    done = re.search(r'<li class="claim claim-done">(.*?)</li>', page, re.S)
    assert done, page
    said = html.unescape(re.sub(r"<[^>]+>", "", done.group(1)))
    assert 'PR user raised it to P1 at Nov 23, 2026 09:55: "<b>CCTV</b> called".' in said, said
    assert "<b>CCTV" not in done.group(1)  # escaped


async def test_the_spreaders_named_are_those_who_posted_negatively(login, store) -> None:  # type: ignore[no-untyped-def]
    """The demo's brief said 'spread mostly by 汽车圈老炮儿、用户3601005801、橙子不吃香菜'
    where 橙子不吃香菜 had no negative post (the table beside it says 负面 0)."""
    praise = mention(9200, "极光X7 很好开", label="positive", followers=5_000_000,
                     author="夸夸大V", minutes_ago=10)  # fmt: skip
    store.upsert_mentions([praise])
    async with login("exec") as c:
        page = (await c.get(f"/cases/{CASE_ID}/summary")).text
    who = re.search(r'<li class="claim claim-who">(.*?)</li>', page, re.S)
    assert who and "夸夸大V" not in who.group(1) and "汽车大V" in who.group(1), page
    assert "夸夸大V" in page.split('class="spreaders"')[1]  # still in the table


async def test_a_case_opened_by_hand_is_told_as_one(login, store) -> None:  # type: ignore[no-untyped-def]
    """A case care opened from a post read '清泉乳业出现人工新建' ('Opened by hand about …'),
    'the alert went out at …' (none did) and '暂无记录' beside the timeline that holds its
    opening."""
    from tests.web.conftest import form_post

    async with login("care") as c:
        r = await form_post(c, "/search", "/mentions/demo-tieba%3A4/new-case",
                            {"brand": "清泉乳业", "next": "/search"})  # fmt: skip
        case_id = r.headers["location"].removeprefix("/cases/")
    async with login("exec") as c:
        page = (await c.get(f"/cases/{case_id}/summary")).text
    said = {t: re.sub(r"<[^>]+>", "", b) for t, b in
            re.findall(r'<li class="claim claim-(\w+)">(.*?)</li>', page, re.S)}  # fmt: skip
    assert "An issue a person raised about 清泉乳业." in said["what"], said["what"]
    assert "alert" not in said["since"], said["since"]
    assert 'class="ev-opened"' in page.split('id="timeline"')[1]


def test_a_crisis_past_its_peak_is_not_still_at_its_peak() -> None:
    """Forty minutes after the demo crisis's peak (654 in 5 min, then 340, 220 … 20) the
    brief read 'Negative posts are still at their peak': its last hour held the peak. It is
    the pace of the last quarter hour now; a crisis still climbing is still at its peak."""
    from index.models import Case, Severity
    from radar.web.brief import Point, _next

    case = Case(id="c1", brand="极光汽车", rule="negative_surge", severity=Severity.P1,
                status="acknowledged", opened_at=NOW, updated_at=NOW)  # fmt: skip
    fmt = Formatter("Asia/Shanghai")
    falling = [0] * 24 + [654, 340, 220, 180, 150, 100, 60, 50, 40, 30, 25, 20]
    rising = [0] * 24 + [10, 20, 40, 60, 90, 130, 180, 240, 300, 360, 420, 480]
    for series, said in ((falling, "Negative posts are down 84% from the peak hour."),
                         (rising, "Negative posts are still at their peak.")):  # fmt: skip
        points = [Point(str(i), n, n) for i, n in enumerate(series)]
        peak = max(range(len(points)), key=lambda i: points[i].negative)
        assert _next(fmt, case, points, peak, 300).text.startswith(said)


async def test_comments_under_a_post_that_does_not_match_are_its_story(login, store) -> None:  # type: ignore[no-untyped-def]
    """Angry comments under a neutral post of two days ago are the only negative
    mentions of a case: the brief read "3 negative mentions in 0 stories". A comment
    belongs to its post's story, matching or not: the brief, the overview and the search
    page all say 1 story."""
    from index.models import Case, Severity

    post = mention(9100, "清泉酸奶 新包装", brand="清泉乳业", label="neutral",
                   minutes_ago=2 * 24 * 60)  # fmt: skip
    comments = [
        mention(9101 + i, f"清泉酸奶 喝完拉肚子 {i}", brand="清泉乳业", minutes_ago=20 - i)
        .model_copy(update={"kind": "comment", "parent_id": post.id})
        for i in range(3)
    ]  # fmt: skip
    store.upsert_mentions([post, *comments])
    case = Case(id="case-qq", brand="清泉乳业", rule="negative_surge", severity=Severity.P2,
                opened_at=NOW - timedelta(minutes=10))  # fmt: skip
    store.save_case(case)
    async with login("exec") as c:
        brief = (await c.get(f"/cases/{case.id}/summary")).text
        overview = (await c.get("/overview", params={"brand": "清泉乳业", "days": 1})).text
        search = (await c.get("/search", params={"q": "brand:清泉乳业 sentiment:negative"})).text
    size = re.search(r'<li class="claim claim-size">(.*?)</li>', brief, re.S)
    assert size and "3 negative mentions in 1 stories" in size.group(1), brief
    # the day's stories: the seeded positive post's and the commented post's
    assert "<div><b>2</b><span>distinct stories</span></div>" in overview, overview
    count = re.search(r'<p class="story-count">([^<]*)</p>', search)
    assert count and count.group(1) == "1 stories and 3 comments from 3 mentions", search


async def test_a_comment_with_a_large_reach_is_no_top_story(login, store) -> None:  # type: ignore[no-untyped-def]
    """A 大V's angry comment under a post is part of that post's story, not a story of its
    own: the brief's stories spreading furthest (and the post it names), the brand
    report's leading story and its story table list posts with their reposts only."""
    from radar.web.render import Formatter
    from radar.web.report import brand_report

    loud = mention(9200, "极光汽车 我也漏油了 大家别买", minutes_ago=15, followers=50_000_000,
                   author="评论大V").model_copy(
        update={"kind": "comment", "parent_id": "demo-weibo:2"}
    )  # fmt: skip
    store.upsert_mentions([loud])
    async with login("exec") as c:
        page = (await c.get(f"/cases/{CASE_ID}/summary")).text
    top = page.split('<ol class="brief-stories">')[1].split("</ol>")[0]
    assert "评论大V" not in top and "汽车大V" in top, top
    what = re.search(r'<li class="claim claim-what">(.*?)</li>', page, re.S)
    assert what and "汽车大V" in what.group(1) and "评论大V" not in what.group(1), page
    made = brand_report(store, Formatter("Asia/Shanghai"), "极光汽车", 1, NOW, "")
    leading = [text for heading, text, _, _ in made.claims if heading == "Leading negative story"]
    assert leading and "评论大V" not in leading[0], made.claims
    [stories] = [rows for heading, _, rows in made.tables if "stories" in heading]
    assert stories and all("评论大V" not in " ".join(row) for row in stories), stories


async def test_a_case_resolved_at_its_peak_is_not_said_to_have_calmed_down(login, store) -> None:  # type: ignore[no-untyped-def]
    """PR marked the demo's crisis resolved while its last bars were the highest: the
    brief's next step read '舆情已平息，于 07:47 标记解决' (it calmed down) beside them. It
    says where negative posts stand at the chart's end and who resolved it."""
    from alerts import actions

    store.upsert_mentions([mention(9300 + i, f"极光X7 刹车失灵 又一起 {i}", minutes_ago=1 + i % 12)
                           for i in range(40)])  # fmt: skip
    actions.acknowledge(store, CASE_ID, "pr", now=NOW - timedelta(minutes=3))
    actions.resolve(store, CASE_ID, "pr", now=NOW - timedelta(minutes=1))
    async with login("exec") as c:
        page = (await c.get(f"/cases/{CASE_ID}/summary")).text
    step = re.search(r'<li class="claim claim-next">(.*?)</li>', page, re.S)
    assert step, page
    said = re.sub(r"<[^>]+>", "", step.group(1))
    assert "calmed" not in said
    assert "Negative posts are still at their peak." in said, said
    assert "PR user marked it resolved at Nov 23, 2026 09:59" in said, said


def test_the_next_step_of_a_resolved_case_in_chinese() -> None:
    """The same sentence in the Chinese catalogue: no '舆情已平息' of a case still at its
    peak; a crisis that did calm down says so by its figures."""
    from config.i18n import use_locale
    from index.models import Case, Severity
    from radar.web.brief import Point, _next

    case = Case(id="c1", brand="极光汽车", rule="negative_surge", severity=Severity.P1,
                status="resolved", opened_at=NOW, updated_at=NOW, resolved_at=NOW)  # fmt: skip
    events = [CaseEvent(case_id="c1", at=NOW, kind="resolved", actor="pr")]
    fmt = Formatter("Asia/Shanghai")
    peaking = [0] * 24 + [10, 20, 40, 60, 90, 130, 180, 240, 300, 360, 420, 480]
    calmed = [0] * 24 + [654, 340, 220, 180, 150, 100, 60, 0, 0, 0, 0, 0]
    with use_locale("zh_CN"):
        for series, said in ((peaking, "负面帖子仍处于高峰。"),
                             (calmed, "负面帖子已从高峰时段降至 0")):  # fmt: skip
            points = [Point(str(i), n, n) for i, n in enumerate(series)]
            peak = max(range(len(points)), key=lambda i: points[i].negative)
            text = _next(fmt, case, points, peak, 300, events, {"pr": "公关 PR"}.get).text
            assert text.startswith(said), text
            assert "舆情已平息" not in text
            assert "。 " not in text, text  # no space after a Chinese full stop
            done = "公关 PR 于 2026年11月23日 10:00 标记解决；如出现新一轮发酵将重新打开事件。"
            assert text.endswith(done), text


def test_chinese_sentences_follow_without_a_space() -> None:
    """The brief's 处置进展 and 下一步 read '…负责处置。 最新进展：…' and '负面帖子仍处于
    高峰。 须在 … 前有人接手': a space after a Chinese full stop; English keeps its space."""
    from radar.web.brief import _sentences

    assert _sentences("负面帖子仍处于高峰。", "", "须在 10:00 前有人接手。") == (
        "负面帖子仍处于高峰。须在 10:00 前有人接手。"
    )
    assert _sentences("Still at the peak.", "Take it by 10:00.") == (
        "Still at the peak. Take it by 10:00."
    )
    assert _sentences("", "只有一句。") == "只有一句。"


async def test_the_leading_stories_say_they_count_negative_posts(login, store) -> None:  # type: ignore[no-untyped-def]
    """The brief listed the demo's brake story as '404 条转发/相似 · 话题覆盖 574,076', the
    story page as '682 条转发/相似 · 覆盖 5,429,948': the brief counts the story's negative
    posts (a grouped search of them), the story page every post. It says so, and the
    PDF/Word tables name their columns alike."""
    neutral = mention(9400, "转发微博", label="neutral", followers=3_000_000, minutes_ago=5)
    store.upsert_mentions(
        [neutral.model_copy(update={"cluster_id": "demo-weibo:1", "repost_of": "demo-weibo:1"})]
    )
    async with login("exec") as c:
        page = (await c.get(f"/cases/{CASE_ID}/summary")).text
        story = (await c.get("/stories/demo-weibo:1")).text
    stories = page.split('<ol class="brief-stories">')[1].split("</ol>")[0]
    assert "Negative stories spreading furthest" in page
    first = re.sub(r"<[^>]+>", " ", stories.split("</li>")[0])
    assert "negative posts" in first and "negative reach" in first, first
    assert "story reach" not in stories and "reposts/similar" not in stories
    reach = int(re.search(r"negative reach ([\d,]+)", first)[1].replace(",", ""))
    assert reach < 3_000_000  # the neutral repost is the story page's, not the brief's
    head = re.sub(r"<[^>]+>", " ", story.split("</h1>")[0])
    whole = max(int(n.replace(",", "")) for n in re.findall(r"\d[\d,]*", head))
    assert whole > 3_000_000, head  # …and counted there
    from radar.web.report import _story_columns

    assert _story_columns()[2:] == ["Negative posts", "Negative reach"]
