"""What a Chinese deployment shows for the keys the pipeline stores: complaint categories
and risk signals on the cards, the alert moments on the charts, the trigger's per-rule
figures on the case page, the collection-gap ranges, the owner on the case board — found
by a new user reading the demo in Chinese (each one was shown as the stored English key)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from html import unescape
from urllib.parse import unquote

import pytest

from config import i18n
from config.schema import RadarConfig
from radar.web.digest import gap_ranges
from radar.web.filters import kind_hint
from radar.web.render import Formatter, trigger_rows
from tests.web.conftest import CASE_ID, NOW, api_token, form_post, make_config, mention

pytestmark = pytest.mark.anyio


@pytest.fixture
def config() -> RadarConfig:
    return make_config(locale="zh_CN")


async def test_cards_name_the_complaint_category_and_risk_signals_in_chinese(login) -> None:  # type: ignore[no-untyped-def]
    async with login("care") as c:
        page = (await c.get("/search", params={"q": "发动机", "range": "7d"})).text
    badges = re.findall(r'<span class="badge (?:cat|risk)"[^>]*>([^<]*)</span>', page)
    assert "质量问题" in badges and "⚠ 媒体曝光" in badges, badges
    assert 'title="category:quality"' in page  # the filter key stays at hand
    assert ">quality<" not in page and "⚠ media<" not in page


async def test_a_complaint_card_reads_its_status_and_demands(login, store) -> None:  # type: ignore[no-untyped-def]
    """The overview counts complaints by their platform status (处理中 5) and links to them,
    but no card showed a status, against whom, the demands or the amount."""
    from index.models import Complaint

    filed = mention(40, "极光汽车 刹车失灵 投诉 <b>x</b>", source="demo-tousu").model_copy(
        update={"kind": "complaint", "complaint": Complaint(
            status="处理中", company="极光汽车", issue="质量问题", demands="退款,<i>道歉</i>",
            amount=2200.5)}
    )  # fmt: skip
    plain = mention(41, "极光汽车 刹车失灵 投诉 只有状态", source="demo-tousu").model_copy(
        update={"kind": "complaint", "complaint": Complaint(status="已完成")}
    )
    store.upsert_mentions([filed, plain])
    async with login("care") as c:
        page = (await c.get("/search", params={"q": "kind:complaint", "range": "7d"})).text
    lines = dict(
        re.findall(r'id="m-demo-tousu:(\d+)".*?<p class="complaint">([^<]*)</p>', page, re.S)
    )
    assert unescape(lines["40"]) == (
        "投诉状态：处理中 · 投诉对象：极光汽车 · 投诉问题：质量问题 · 诉求：退款,<i>道歉</i>"
        " · 涉诉金额：2,200.50 元"
    )
    assert "<i>道歉" not in page  # crawled text stays text
    assert unescape(lines["41"]) == "投诉状态：已完成"


async def test_kind_takes_the_chinese_word(login, store) -> None:  # type: ignore[no-untyped-def]
    """kind:评论 found nothing (the kinds are stored in English, and the hint says values
    may be written in Chinese): kind:评论 is kind:comment, kind:投诉 kind:complaint."""
    comment = mention(42, "极光汽车 刹车 评论一条").model_copy(update={"kind": "comment"})
    store.upsert_mentions([comment])
    async with login("care") as c:
        for q in ("kind:评论 极光汽车", "kind:comment 极光汽车"):
            page = (await c.get("/search", params={"q": q, "range": "7d"})).text
            assert 'id="m-demo-weibo:42"' in page, q
            assert 'id="m-demo-weibo:1"' not in page, q  # a post
        page = (await c.get("/search", params={"q": "kind:帖子 极光汽车", "range": "7d"})).text
        assert 'id="m-demo-weibo:42"' not in page and 'id="m-demo-weibo:1"' in page


async def test_the_sort_options_say_they_are_an_order(login) -> None:  # type: ignore[no-untyped-def]
    """The sort picker read a bare 覆盖 (its default) beside the filters 最近 24 小时 and
    处理状态不限, as if it were one more filter."""
    async with login("care") as c:
        page = (await c.get("/search", params={"q": "发动机"})).text
    picker = re.search(r'<select name="sort".*?</select>', page, re.S)
    assert picker is not None
    options = re.findall(r"<option [^>]*>([^<]*)</option>", picker.group(0))
    assert options == ["按时间排序", "按相关度排序", "按覆盖排序"]
    assert re.search(r'<option value="reach" selected>按覆盖排序<', picker.group(0))


async def test_chart_alert_moments_are_in_the_readers_language(login) -> None:  # type: ignore[no-untyped-def]
    async with login("exec") as c:
        page = (await c.get("/overview", params={"days": 7})).text
    found = re.search(r'<script type="application/json" id="chart-data">(.*?)</script>', page, re.S)
    assert found
    moments = [m["text"] for m in json.loads(found.group(1))["moments"]]
    assert moments == ["P1 已预警"], moments


def test_trigger_figures_per_rule_are_named_not_keyed() -> None:
    peak = {"ratio": 8.37, "reach:high_reach": 6_563_344, "stories:sharp": 15, "rate:x": 2.0}
    with i18n.use_locale("zh_CN"):
        ((name, text),) = trigger_rows({"peak": peak}, Formatter("Asia/Shanghai"))
    assert name == "峰值"
    # full-width parentheses in Chinese, as every other line of the page (were "覆盖 (…)")
    assert "覆盖（高传播帖子） 6,563,344" in text and "话题数（骤增） 15" in text
    assert "每小时转评（x） 2" in text  # an unknown measure is shown as stored
    assert "reach:" not in text and "stories:" not in text


def test_a_resolved_cases_title_rule_is_no_figure() -> None:
    """A resolved case's trigger keeps the rule its title named (title_rule): the case
    page listed it as 'title rule negative_surge' among the figures (real-browser walk)."""
    trigger = {"title_rule": "negative_surge", "peak": {"stories:sharp": 26}}
    with i18n.use_locale("zh_CN"):
        rows = trigger_rows(trigger, Formatter("Asia/Shanghai"))
    assert [name for name, _ in rows] == ["峰值"]
    assert "negative_surge" not in str(rows) and "title" not in str(rows)


def test_a_high_reach_peak_has_no_zero_ratio_and_chinese_separators() -> None:
    """The demo's high-reach case read '为平时的倍数 0, 覆盖 …' on the case page while its
    brief said 112.4 times: a rule that measures no ratio records 0."""
    peak = {"ratio": 0, "reach:high_reach": 3_282_625, "rate:high_reach": 5036}
    with i18n.use_locale("zh_CN"):
        ((_, text),) = trigger_rows({"peak": peak}, Formatter("Asia/Shanghai"))
    assert text == "覆盖（高传播帖子） 3,282,625；每小时转评（高传播帖子） 5,036"


def test_a_collection_gap_over_midnight_names_both_days() -> None:
    fmt = Formatter("Asia/Shanghai")
    start = datetime(2026, 12, 2, 18, tzinfo=UTC)  # 12-03 02:00 in Shanghai
    morning = {start + timedelta(hours=h): ["demo-weibo"] for h in range(6)}
    with i18n.use_locale("zh_CN"):
        assert gap_ranges(morning, fmt) == ["2026年12月3日 02:00–08:00（demo-weibo）"]
    whole_day = {start + timedelta(hours=h): ["demo-weibo"] for h in range(24)}
    with i18n.use_locale("zh_CN"):  # was 02:00–02:00
        assert gap_ranges(whole_day, fmt) == [
            "2026年12月3日 02:00 → 2026年12月4日 02:00（demo-weibo）"
        ]


async def test_the_board_names_who_took_a_case(login) -> None:  # type: ignore[no-untyped-def]
    async with login("pr") as c:
        r = await form_post(c, f"/cases/{CASE_ID}", f"/cases/{CASE_ID}/acknowledge", {})
        assert r.status_code == 303
        board = (await c.get("/cases")).text
    owner = re.search(r'<td data-label="负责人">([^<]*)</td>', board)
    assert owner and owner.group(1) == "PR user", board  # the display name, not the login


async def test_the_boards_count_says_it_is_the_evidence(login) -> None:  # type: ignore[no-untyped-def]
    """The board's 帖子数 9 of a crisis with 1,533 negative posts on its brief: the column
    counts the evidence the engine keeps (a few), and says so (real-browser walk)."""
    async with login("pr") as c:
        board = (await c.get("/cases")).text
    assert '<td data-label="证据帖子">' in board and ">证据帖子</th>" in board
    assert 'title="预警时选作证据的帖子，不是事件的全部帖子"' in board
    assert "帖子数" not in board


def test_kind_of_a_source_in_kind_filter_points_to_source() -> None:
    """``kind: tousu`` in the config is the kind of source; ``kind:tousu`` in the search box
    (the type of post) finds nothing — the page says to use ``source:``."""
    config = RadarConfig.model_validate(
        {
            "sources": [
                {"name": "demo-tousu", "kind": "tousu", "mode": "search",
                 "base_url": "http://127.0.0.1:9/tousu", "query": ["极光汽车"]},
            ]
        }
    )  # fmt: skip
    with i18n.use_locale("zh_CN"):
        hint = kind_hint(config, "刹车 kind:tousu")
        assert hint and "source:demo-tousu" in hint and "帖子类型" in hint
        assert kind_hint(config, "kind:post") is None and kind_hint(config, "刹车") is None


# the parser's messages, and the store's for a query the parser takes but the index cannot
# run ('！！', a lone '-'): 'brand:' read "filter 'brand:' has no value", '！！' "q: '！！' has
# no letters or characters to search for" on the Chinese page
@pytest.mark.parametrize(
    "q",
    ["(刹车", "刹车)", '"刹车', "刹车 OR", "刹车 NOT", "sentiment:bad", "brand:", 'author:""',
     "()", "(" * 40 + "刹车" + ")" * 40, "！！", "刹车 -", '""'],
)  # fmt: skip
async def test_a_query_the_parser_refuses_is_explained_in_chinese(login, q: str) -> None:  # type: ignore[no-untyped-def]
    async with login("care") as c:
        r = await c.get("/search", params={"q": q})
    assert r.status_code == 400
    problem = re.search(r"无法识别检索式：([^<]*)<", r.text)
    assert problem and re.search(r"[\u4e00-\u9fff]", problem.group(1)), r.text
    assert not re.search(
        r"the query|must be|missing|operator|nothing|has no|letters|deep|empty|q: ",
        problem.group(1),
    )


async def test_the_api_keeps_the_query_problems_in_english(anon) -> None:  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {api_token('care')}"}
    for q, said in (("brand:", "q: filter 'brand:' has no value"),
                    ("！！", "q: '！！' has no letters or characters to search for")):  # fmt: skip
        r = await anon.get("/api/v1/search", params={"q": q}, headers=headers)
        assert r.status_code == 400 and r.json()["detail"] == said


async def test_a_correction_reads_as_one_chinese_phrase(login, store) -> None:  # type: ignore[no-untyped-def]
    store.correct_sentiment("demo-weibo:1", "极光汽车", "neutral", "care", NOW)
    async with login("care") as c:
        page = (await c.get("/search", params={"q": "发动机", "range": "7d"})).text
    by = re.search(
        r'<span class="by">([^<]*)</span><span class="differs">≠ 全文</span></summary>'
        r'<span class="note" role="note">([^<]*)<',
        page,
    )
    assert by and by.group(1) == "✎ 已人工更正", by
    # who and when in the note under the chip, one Chinese phrase (was "已修正, 11月23日")
    assert unescape(by.group(2)) == (
        "对极光汽车的情感：中性。CARE user 于 2026年11月23日 10:00 人工更正；模型原判为负面"
        "。≠ 全文：整篇帖子读来是负面"
    )


async def test_an_empty_result_offers_the_same_search_over_any_time(login) -> None:  # type: ignore[no-untyped-def]
    """The default range is 24 hours: a complaint from three days ago is found by the link."""
    async with login("care") as c:
        page = (await c.get("/search", params={"q": "异响"})).text
        empty = re.search(r'<p class="empty">.*?</p>', page, re.S)
        assert empty and "没有符合条件的提及" in empty.group(0), page
        link = re.search(r'href="(/search\?[^"]*range=all[^"]*)"', empty.group(0))
        assert link and "改为不限时间检索" in empty.group(0)
        found = (await c.get(link.group(1).replace("&amp;", "&"))).text
    assert 'id="m-demo-weibo:7"' in found


async def test_the_webhook_form_says_what_its_ticks_mean(login) -> None:  # type: ignore[no-untyped-def]
    async with login("admin") as c:
        page = (await c.get("/admin/webhooks")).text
    form = page.split('action="/admin/webhooks"')[1].split("</form>")[0]
    assert "都不勾选即推送全部" in form
    assert "<b>品牌</b>" in form and "<b>事件类型</b>" in form and "P1 一级" in form, form


async def test_escalated_case_in_chinese_beside_a_stored_english_one(login, store, config) -> None:  # type: ignore[no-untyped-def]
    from alerts.engine import AlertEngine
    from tests.alerts.conftest import surge_finding

    engine = AlertEngine(config, store, pull=False)
    with i18n.use_locale(config.locale):
        [opened] = engine.cases.apply("清泉乳业", [surge_finding("清泉乳业")], NOW, None)
    engine.check_escalations(NOW + timedelta(hours=2))
    async with login("pr") as c:
        new = (await c.get(f"/cases/{opened.case_id}")).text
        old = (await c.get(f"/cases/{CASE_ID}")).text
        board = (await c.get("/cases")).text
    assert "清泉乳业：负面激增" in new and "内无人确认接手" in new
    assert "Not acknowledged" not in new
    assert "negative surge 4.5× baseline" in old  # stored in English before: shown as stored
    assert "清泉乳业：负面激增" in board


async def test_the_timeline_names_the_alert_engine_in_chinese(login) -> None:  # type: ignore[no-untyped-def]
    """The engine's events were signed 'system' on the Chinese case page, brief and overview."""
    async with login("pr") as c:
        for path in (f"/cases/{CASE_ID}", f"/cases/{CASE_ID}/summary"):
            page = (await c.get(path)).text
            assert '<span class="actor">系统</span>' in page and ">system<" not in page, path


async def test_the_alert_count_counts_alerts_not_every_chart_moment(login, store) -> None:  # type: ignore[no-untyped-def]
    """The demo's overview read 预警次数 2 for one case alerted and then escalated: the
    escalation (and a resolution) is marked on the chart but is no alert."""
    from index.models import CaseEvent

    for minutes, kind in ((20, "escalated"), (10, "resolved")):
        store.append_case_event(
            CaseEvent(case_id=CASE_ID, at=NOW - timedelta(minutes=minutes), kind=kind, text=kind)
        )
    async with login("exec") as c:
        page = (await c.get("/overview", params={"brand": "极光汽车"})).text
    kpi = re.search(r"<div><b>(\d+)</b><span>预警次数</span></div>", page)
    assert kpi and kpi.group(1) == "1", kpi


def test_the_rules_ratio_is_not_called_the_normal_level() -> None:
    """The brief says a peak 'is N times the normal level' (是平时的 N 倍, against the days
    before); the case page's ratio is the rule's observed/expected in its window — a
    different figure, so a different name."""
    with i18n.use_locale("zh_CN"):
        ((_, text),) = trigger_rows({"peak": {"ratio": 6.87}}, Formatter("Asia/Shanghai"))
    assert text == "预期的 6.87 倍" and "平时" not in text  # was 为规则预期数的倍数 6.87


async def test_what_an_action_writes_for_the_team_is_in_the_deployments_language(
    anon, store, login
) -> None:  # type: ignore[no-untyped-def]
    """The JSON API speaks English and a reader may read English, but what their action
    writes to the case's timeline text and Slack thread is for the whole (Chinese) team:
    an acknowledgement through the API posted "✅ Acknowledged by PR user" to a Chinese
    channel. Each reader's page still renders the line in their own language."""
    from alerts import outbox
    from tests.web.conftest import api_token

    r = await anon.post(
        f"/api/v1/cases/{CASE_ID}/acknowledge",
        headers={"Authorization": f"Bearer {api_token('pr')}"},
    )
    assert r.status_code == 200, r.text
    (event,) = [e for e in store.case_events(CASE_ID) if e.kind == "acknowledged"]
    assert event.text == "✅ PR user 已确认接手"  # by display name
    sent = store.get_notification(outbox.event_key(CASE_ID, event.seq))
    assert sent is not None and sent.payload["text"] == "✅ PR user 已确认接手"
    r = await anon.post(
        f"/api/v1/cases/{CASE_ID}/notes",
        json={"text": "已联系车主"},
        headers={"Authorization": f"Bearer {api_token('pr')}"},
    )
    assert r.status_code == 200, r.text
    note = [e for e in store.case_events(CASE_ID) if e.kind == "note"][-1]
    sent = store.get_notification(outbox.event_key(CASE_ID, note.seq))
    assert sent is not None and sent.payload["text"] == "📝 *PR user*: 已联系车主"


async def test_the_time_ranges_read_as_chinese(login) -> None:  # type: ignore[no-untyped-def]
    """The range picker read '最近 1h', '最近 24h', '最近 7d'."""
    async with login("care") as c:
        page = (await c.get("/search")).text
    picker = re.search(r'<select name="range"[^>]*>(.*?)</select>', page, re.S)
    assert picker, page
    options = re.findall(r"<option[^>]*>([^<]*)</option>", picker.group(1))
    assert options == ["最近 1 小时", "最近 24 小时", "最近 7 天", "最近 30 天", "不限时间"]


def flashes(page: str) -> list[str]:
    return re.findall(r'<p class="flash error">([^<]*)', page)


async def test_a_refused_case_action_says_why_in_chinese(login) -> None:  # type: ignore[no-untyped-def]
    """A case page left open while a colleague acted, or a blank note: the flash read
    '操作未完成：case case-aurora-1 was already acknowledged by pr' and
    '操作未完成：note: a note needs some text'."""
    page_url = f"/cases/{CASE_ID}"
    async with login("pr") as c:
        said = []
        steps = [("acknowledge", {}), ("acknowledge", {}), ("note", {"value": "  "}),
                 ("assign", {"value": "nobody"}), ("resolve", {}), ("resolve", {}),
                 ("close", {}), ("close", {}), ("note", {"value": "补一句"})]  # fmt: skip
        for action, data in steps:
            r = await form_post(c, page_url, f"{page_url}/{action}", data)
            said += flashes((await c.get(r.headers["location"])).text)
    assert said == [
        f"操作未完成：事件 {CASE_ID} 已由 PR user 确认接手",
        "操作未完成：备注不能为空",
        "操作未完成：“nobody”不是处置事件的用户（可指派：pr, admin）",
        f"操作未完成：事件 {CASE_ID} 当前为「已解决」，只有待处理或已确认的事件可以标记解决",
        f"操作未完成：事件 {CASE_ID} 已关闭",
        f"操作未完成：事件 {CASE_ID} 已关闭，不能再添加备注",
    ], said


async def test_assigning_the_assignee_again_says_so_in_chinese(login) -> None:  # type: ignore[no-untyped-def]
    """It said 已指派。 though nothing changed."""
    page_url = f"/cases/{CASE_ID}"
    async with login("pr") as c:
        for _ in range(2):
            r = await form_post(c, page_url, f"{page_url}/assign", {"value": "admin"})
        page = (await c.get(r.headers["location"])).text
    assert '<p class="flash notice">ADMIN user 本来就是负责人，未作更改。</p>' in page
    assert "已指派。" not in page


async def test_attaching_to_a_case_closed_meanwhile_is_refused_in_chinese(login, store) -> None:  # type: ignore[no-untyped-def]
    """The bulk bar and a card's picker offer the cases open when the page was shown; the
    case closed since: the bulk attach was a 500, a card's said it in English."""
    async with login("pr") as c:
        for action in ("resolve", "close"):
            await form_post(c, f"/cases/{CASE_ID}", f"/cases/{CASE_ID}/{action}", {})
    async with login("care") as c:
        bulk = {"ids": "demo-weibo:6", "action": "attach", "case_id": CASE_ID, "next": "/search"}
        r = await form_post(c, "/search", "/mentions/bulk", bulk)
        assert r.status_code == 303
        said = flashes((await c.get(r.headers["location"])).text)
        one = {"case_id": CASE_ID, "next": "/search"}
        r = await form_post(c, "/search", "/mentions/demo-weibo:6/attach", one)
        said += flashes((await c.get(r.headers["location"])).text)
    assert said == [f"未能加入：事件 {CASE_ID} 已关闭，不能再加入帖子"] * 2, said
    assert "demo-weibo:6" not in store.get_case(CASE_ID).evidence


async def test_a_token_without_a_name_is_refused_in_chinese(login) -> None:  # type: ignore[no-untyped-def]
    """The admin page read 'name: give the integration a name (1-100 characters)'."""
    async with login("admin") as c:
        r = await form_post(c, "/admin/tokens", "/admin/tokens", {"name": "   ", "scope": "read"})
        said = flashes((await c.get(r.headers["location"])).text)
    assert said == ["请填写对接系统的名称（1–100 个字）"], said


async def test_the_digest_says_when_its_open_cases_were_open(login) -> None:  # type: ignore[no-untyped-def]
    """The digest lists the cases open when its day ended: under '待处理的危机事件' its
    '无。' read as if nothing were open while a case opened since was being worked."""
    async with login("exec") as c:
        page = (await c.get("/digest")).text
    window = re.search(r"<small>(.*?) → (.*?)，", page)
    heading = re.search(r"<h2>截至 (.*?) 未结的危机事件</h2>", page)
    assert window and heading, page
    assert heading.group(1) == window.group(2)  # the end of the digest's day


async def test_a_case_opened_by_hand_reads_in_chinese(login) -> None:  # type: ignore[no-untyped-def]
    """A case care opened from a post read '清泉乳业 · manual' and, in its timeline,
    'opened 客服 客服 根据 <post> 新建了事件'."""
    async with login("care") as c:
        r = await form_post(c, "/search", "/mentions/demo-tieba%3A4/new-case",
                            {"brand": "清泉乳业", "next": "/search"})  # fmt: skip
        page = (await c.get(r.headers["location"])).text
    info = page.split('<p class="caseinfo">')[1].split("</p>")[0]
    assert "清泉乳业 · 人工新建 ·" in info and "manual" not in info, info
    assert "P3</span> 清泉乳业：清泉酸奶" in page and "清泉乳业: " not in page  # its title
    line = page.split('class="ev-opened"')[1].split("</li>")[0]
    assert "已新建" in line and line.count("CARE user") == 1 and "根据帖子 " in line, line
    assert "opened" not in line.replace('class="ev-opened"', ""), line
    # its figures say why there are none, not '无记录' (nothing recorded)
    figures = page.split('<table class="kv">')[1].split("</table>")[0]
    assert "根据帖子人工新建，没有预警规则的触发数据" in figures and "无记录" not in figures


async def test_a_tokens_scope_reads_in_chinese(login) -> None:  # type: ignore[no-untyped-def]
    """The token list and the scope picker read the keys 'read' / 'cases' only."""
    async with login("admin") as c:
        await form_post(c, "/admin/tokens", "/admin/tokens", {"name": "BI 大屏", "scope": "read"})
        page = (await c.get("/admin/tokens")).text
    picker = re.search(r'<select name="scope">(.*?)</select>', page, re.S)
    assert picker and re.findall(r">([^<]+)</option>", picker.group(1)) == [
        "只读 (read)", "可处理帖子和事件 (cases)"]  # fmt: skip
    assert '<td data-label="范围">只读 <code>read</code></td>' in page


async def test_crafted_addresses_are_refused_in_chinese_and_the_api_keeps_english(login) -> None:  # type: ignore[no-untyped-def]
    """An unknown case action, report format or sentiment label, a brand the post does
    not name, a post that does not exist: the pages said these in English."""
    async with login("pr") as c:
        r = await form_post(c, f"/cases/{CASE_ID}", f"/cases/{CASE_ID}/frobnicate", {})
        assert r.status_code == 404 and "危机事件没有 'frobnicate' 这项操作" in unescape(r.text)
        for page in (f"/cases/{CASE_ID}/report.xls", "/reports/brand.xls?brand=极光汽车"):
            r = await c.get(page)
            assert r.status_code == 404
            assert "没有 'xls' 格式的报告：请选 pdf 或 docx" in unescape(r.text)
        sentiment = "/mentions/demo-weibo%3A1/sentiment"
        r = await form_post(c, "/search", sentiment, {"brand": "极光汽车", "label": "angry"})
        assert r.status_code == 400 and "只能是 negative（负面）" in r.text
        r = await form_post(c, "/search", sentiment, {"brand": "清泉乳业", "label": "negative"})
        assert r.status_code == 400
        assert "没有提到 '清泉乳业'（它提到的是：极光汽车）" in unescape(r.text)
        assert "does not name" not in r.text
        r = await form_post(c, "/search", "/mentions/nope%3A1/sentiment", {"label": "negative"})
        assert r.status_code == 404 and "没有编号为 'nope:1' 的帖子" in unescape(r.text)
        api = {"Authorization": f"Bearer {api_token('pr')}"}
        r = await c.post(f"/api{sentiment}", json={"brand": "清泉乳业", "label": "negative"},
                         headers=api)  # fmt: skip
        assert r.json()["detail"] == (
            "brand: mention 'demo-weibo:1' does not name '清泉乳业' (it names 极光汽车)"
        )
        r = await c.get("/api/mentions/nope:1", headers=api)
        assert r.json()["detail"] == "no mention with id 'nope:1'"


async def test_the_briefs_title_takes_the_chinese_colon(login) -> None:  # type: ignore[no-untyped-def]
    """The crisis brief's window title read '危机简报: 极光汽车'."""
    async with login("exec") as c:
        page = (await c.get(f"/cases/{CASE_ID}/summary")).text
    assert "<title>危机简报：极光汽车 · 舆情雷达</title>" in page


async def test_the_digest_names_both_columns_of_the_day_before(login) -> None:  # type: ignore[no-untyped-def]
    """The digest's table read 提及数 · 前一天 · 负面 · 前一天: two columns of one name
    (real-browser walk of an executive)."""
    async with login("exec") as c:
        page = (await c.get("/digest")).text
    heads = re.findall(r"<th>([^<]*)</th>", page)
    assert "前一天提及数" in heads and "前一天负面" in heads and "前一天" not in heads
    assert len(heads) == len(set(heads))


async def test_the_board_and_the_case_page_say_a_cases_age_alike(login) -> None:  # type: ignore[no-untyped-def]
    """The board read '(28秒钟前)' with ASCII parentheses beside the case page's '（41秒前）'
    (real-browser walk of a PR lead)."""
    async with login("pr") as c:
        board = (await c.get("/cases")).text
        case = (await c.get(f"/cases/{CASE_ID}")).text
    age = re.search(r"<small>（([^）<]+前)）</small>", board)
    assert age, board
    assert f"（{age.group(1)}）" in case
    assert "<small>(" not in board


async def test_facet_links_write_the_filter_as_the_cards_show_it_and_once(login) -> None:  # type: ignore[no-untyped-def]
    """Clicking 负面 under 情感 put 'sentiment:负面 sentiment:negative' in a Chinese box
    (real-browser walk of a care agent): the link now writes the label the card shows, and
    a facet the query already filters by is no link."""
    async with login("care") as c:
        page = (await c.get("/search", params={"q": "发动机", "range": "7d"})).text
        facets = page.split('<aside class="facets">', 1)[1].split("</aside>", 1)[0]
        links = {
            unescape(text): unquote(unescape(href))
            for href, text in re.findall(r'<a href="(/search\?[^"]+)">([^<]+)</a>', facets)
        }
        assert "q=发动机+sentiment:负面&" in links["负面"].replace("%3A", ":"), links
        assert "sentiment:negative" not in links["负面"]
        narrowed = (await c.get(links["负面"])).text
    assert 'id="m-demo-weibo:1"' in narrowed
    facets = narrowed.split('<aside class="facets">', 1)[1].split("</aside>", 1)[0]
    assert '<b aria-current="true">负面</b>' in facets and ">负面</a>" not in facets


async def test_a_clean_bulk_attach_says_nothing_of_skipped_posts(login) -> None:  # type: ignore[no-untyped-def]
    """It read '已将 3 条加入极光汽车的事件；跳过 0 条（已在事件中或与极光汽车无关）。'."""
    async with login("care") as c:
        bulk = {"ids": "demo-weibo:6", "action": "attach", "case_id": CASE_ID, "next": "/search"}
        r = await form_post(c, "/search", "/mentions/bulk", bulk)
        page = (await c.get(r.headers["location"])).text
    said = re.findall(r'<p class="flash[^"]*">([^<]*)', page)
    assert said == ["已将 1 条加入极光汽车的事件。"], said


async def test_the_search_box_reads_in_chinese_to_eyes_and_screen_readers(login) -> None:  # type: ignore[no-untyped-def]
    """The box's example ended 'sentiment:negative', and the handled select was named
    已处理 (its own third option) for a screen reader (keyboard walk of a care agent)."""
    async with login("care") as c:
        page = (await c.get("/search")).text
    box = re.search(r'<input name="q"[^>]*>', page)
    assert box and "sentiment:负面" in box.group(0) and "negative" not in box.group(0)
    assert '<select name="handled" aria-label="处理状态">' in page


async def test_the_case_page_names_its_evidence_reach_not_the_storys(login, store) -> None:  # type: ignore[no-untyped-def]
    """The case page summed the reach of the story's posts in the evidence and called it
    话题覆盖, as the search card and the story page call the whole story's reach: the demo
    crisis post read 话题覆盖 3,297,242 there and 3,454,579 on the other two (real-browser
    walk of a care agent). It is 证据覆盖 now."""
    repost = mention(40, "//@汽车大V: 极光汽车 X7 发动机漏油", followers=900_000)
    store.upsert_mentions(
        [repost.model_copy(update={"cluster_id": "demo-weibo:1", "repost_of": "demo-weibo:1"})]
    )
    async with login("care") as c:
        case_page = (await c.get(f"/cases/{CASE_ID}")).text
        search = (await c.get("/search", params={"q": "漏油", "sort": "reach"})).text
    link = re.search(r'<a href="/stories/demo-weibo%3A1">([^<]*)</a>', case_page)
    assert link and "证据覆盖 2,000,006" in link.group(1) and "话题覆盖" not in link.group(1)
    story = re.search(r"话题覆盖 ([\d,]+)", search)  # the story's reach, its repost counted
    assert story and int(story.group(1).replace(",", "")) > 2_900_000, story
