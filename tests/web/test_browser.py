"""A real browser (Debian's headless Chromium, driven by Playwright) uses the app served
by uvicorn on 127.0.0.1: each role does its main task in Chinese — care searches, marks
posts handled (one, keeping its place; two at once) and opens a post in its thread, PR
takes a case, an executive reads the crisis brief, admin gets a Chinese 404 — and the case
board, case page and brief fit a 390 px phone; care and PR correct the sentiment toward a
brand with one click and the facets and case figures follow; a crawled ``<script>``
stays text. Screenshots go to var/screenshots/ (not committed)."""

from __future__ import annotations

import random
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from index.models import BrandMatch, Mention
from tests.web.api_server import on_loopback
from tests.web.conftest import CASE_ID, NOW, PASSWORD, mention

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="needs Debian's Chromium at /usr/bin/chromium (apt-get install chromium); "
        "browsers are never downloaded",
    ),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

TEXTS = {
    "negative": ["{b} 发动机漏油，4S店推脱责任", "{b} 售后电话一直打不通，投诉无门",
                 "{b} 刚提车就异响，要求退车", "{b} 漏油问题集体投诉，大家一起维权"],
    "neutral": ["{b} 新款什么时候上市", "有人开过 {b} 吗 想了解一下油耗"],
    "positive": ["{b} 开起来很稳，推荐", "{b} 的服务态度很好，点赞"],
}  # fmt: skip


def traffic(brand: str, start: int, hours: int, crisis: bool) -> list[Mention]:
    """Two days of everyday posts, and for the crisis brand a negative surge at the end."""
    rng = random.Random(start)
    out = []
    for i in range(hours * 3):
        minutes_ago = rng.randint(60, hours * 60)
        label = rng.choices(["negative", "neutral", "positive"], [2, 3, 3])[0]
        out.append(
            mention(start + i, rng.choice(TEXTS[label]).format(b=brand), brand=brand,
                    label=label, minutes_ago=minutes_ago, followers=rng.randint(10, 50_000),
                    source=rng.choice(["demo-weibo", "demo-tieba", "demo-news"]))
        )  # fmt: skip
    if crisis:
        for i in range(60):
            out.append(
                mention(start + 1000 + i, rng.choice(TEXTS["negative"]).format(b=brand),
                        brand=brand, minutes_ago=rng.randint(1, 55),
                        followers=rng.choice([120, 800, 5_000, 1_200_000]),
                        signals=rng.choice([[], ["media"], ["rights"]]), category="quality")
            )  # fmt: skip
    return out


@pytest.fixture
def server(app, store) -> Iterator[str]:  # type: ignore[no-untyped-def]
    store.upsert_mentions(traffic("极光汽车", 100, 48, crisis=True))
    store.upsert_mentions(traffic("清泉乳业", 5000, 48, crisis=False))
    with on_loopback(app) as url:
        yield url


@pytest.fixture
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            yield b
        finally:
            b.close()


def open_as(browser, base: str, role: str, viewport: dict[str, int] | None = None,  # type: ignore[no-untyped-def]
            touch: bool = False):  # fmt: skip
    """A fresh browser context logged in as ``role``; console errors are collected.
    ``touch``: a touch screen (taps; no hover)."""
    context = browser.new_context(
        viewport=viewport or {"width": 1360, "height": 1000},
        locale="zh-CN",
        is_mobile=viewport is not None and viewport["width"] < 600,
        has_touch=touch,
    )
    page = context.new_page()
    page.errors = []  # type: ignore[attr-defined]
    page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto(f"{base}/cases")
    assert "/login" in page.url  # not logged in yet: sent to the login form
    page.fill("input[name=name]", role)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")  # not the language switch of the header
    page.wait_for_load_state("load")
    return page


def shot(page, tmp_path: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, SCREENSHOTS / path.name)


PHONE = {"width": 390, "height": 844}
# how many lines an element's text is laid out on
LINES_OF = """e => { const r = document.createRange(); r.selectNodeContents(e);
  return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size }"""


def fits_the_phone(page) -> None:  # type: ignore[no-untyped-def]
    """Nothing wider than the screen: no sideways scrolling."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url}: {width} px wide on a {PHONE['width']} px phone"


def test_each_role_in_a_real_browser(server: str, app, browser, tmp_path: Path, store) -> None:  # type: ignore[no-untyped-def]
    """Each role's main task, in Chinese as deployed (the fixture's deployment is English)."""
    app.state.config.locale = "zh_CN"

    # admin lands on the case board; the API docs are the vendored Swagger UI (no CDN);
    # an unknown address is a Chinese 404 page, not JSON
    admin = open_as(browser, server, "admin")
    assert admin.url.endswith("/cases")  # the page asked for before logging in
    assert admin.locator("html").get_attribute("lang") == "zh-CN"
    assert "退出登录" in admin.locator("header").inner_text()
    admin.goto(f"{server}/api/docs")
    admin.wait_for_selector(".swagger-ui .opblock")
    assert admin.errors == [], admin.errors
    response = admin.goto(f"{server}/no/such/page")
    assert response is not None and response.status == 404
    assert "页面不存在" in admin.locator("h1").inner_text()

    # care: searches, marks a card far down the page handled and stays at it, ticks two
    # cards and marks them handled at once, opens a post in its thread
    care = open_as(browser, server, "care")
    care.goto(f"{server}/search")
    assert "舆情检索" in care.locator("header nav").inner_text()
    care.fill("input[name=q]", "漏油 brand:极光汽车")
    care.select_option("select[name=sort]", "time")  # newest first (default: reach)
    care.press("input[name=q]", "Enter")
    care.wait_for_selector("article.mention")
    assert care.locator("article.mention mark").count() > 0
    assert care.evaluate("window.__pwned") is None
    assert care.locator("article.mention script, article.mention img").count() == 0
    assert care.locator("a[href^='javascript:']").count() == 0
    assert care.get_by_text("<script>window.__pwned=1</script>", exact=False).count() >= 1
    assert care.get_by_text("javascript:window.__pwned=3").count() == 1
    care.fill("input[name=q]", "brand:极光汽车")
    care.press("input[name=q]", "Enter")
    care.wait_for_selector("article.mention")
    far = care.locator("article.mention:not(.handled)").nth(8)
    far_id = far.get_attribute("data-id")
    far.locator("button:has-text('标记已处理')").click()
    care.wait_for_load_state("load")
    assert care.url.endswith(f"#m-{far_id}")
    assert care.evaluate("window.scrollY") > 300  # not back at the top of the page
    box = care.locator(f"article[data-id='{far_id}']").bounding_box()
    assert box is not None and 0 <= box["y"] < 1000  # the card is in view
    assert store.get_mention(far_id).handled
    ticked = [care.locator("article.mention:not(.handled)").nth(i) for i in (0, 1)]
    ids = [card.get_attribute("data-id") for card in ticked]
    for card in ticked:
        card.locator("input.pick").check()
    care.click("form#bulk button[value=handle]")
    care.wait_for_selector("text=已将 2 条帖子标记为已处理。")
    assert all(store.get_mention(i).handled for i in ids)
    shot(care, tmp_path, "search")
    care.locator("article.mention a:has-text('帖子详情')").first.click()
    care.wait_for_selector("section.this-post article.mention")
    assert "回复" in care.locator("section.replies h2").inner_text()
    assert care.errors == [], care.errors  # no CSP violation, no script error

    # PR: opens the case from the board and takes it
    pr = open_as(browser, server, "pr")
    assert pr.url.endswith("/cases")
    assert "待处理的危机事件" in pr.locator("h1").inner_text()
    pr.click(f"a[href='/cases/{CASE_ID}']")
    pr.wait_for_selector("text=相关帖子")
    pr.click("button:has-text('确认接手')")
    pr.wait_for_load_state("load")
    assert "PR user 于" in pr.locator(".caseinfo").inner_text()  # the display name
    assert store.get_case(CASE_ID).status == "acknowledged"
    assert pr.evaluate("window.__pwned") is None
    shot(pr, tmp_path, "case")
    assert pr.errors == [], pr.errors

    # the executive reads the crisis brief and the overview
    exec_page = open_as(browser, server, "exec")
    exec_page.goto(f"{server}/")
    assert exec_page.url.endswith("/overview")
    exec_page.goto(f"{server}/cases/{CASE_ID}/summary")
    exec_page.wait_for_selector("body[data-brief-ready='1']")
    assert exec_page.locator("#brief-chart canvas").count() == 1
    assert "发生了什么" in exec_page.locator("#account").inner_text()
    assert exec_page.evaluate("window.__pwned") is None
    shot(exec_page, tmp_path, "summary")
    exec_page.goto(f"{server}/overview")
    exec_page.wait_for_selector("body[data-charts-ready='4']")
    shot(exec_page, tmp_path, "overview")
    assert exec_page.errors == [], exec_page.errors

    # on a 390 px phone: the case board, the case page, the brief, the search page (its case
    # pickers show a long engine title), the digest and the overview fit the screen, the
    # header's user name and log-out stay inside the dark bar
    long_title = "极光汽车：高传播帖子 — negative post by 汽车圈老炮儿 with 3,280,000 followers"
    big_v = {"author": "汽车圈老炮儿", "followers": 3_280_000, "big_accounts": 1,
             "reach": 3_280_370, "reposts_per_hour": 6493.2, "story_mentions": 42}  # fmt: skip
    risk = {"stories": 8, "window_minutes": 60,
            "signals": {"rights": 4, "media": 3, "regulator": 3, "safety": 4}}  # fmt: skip
    trigger = {"rules": {"high_reach": big_v, "risk_signal": risk}}
    store.save_case(
        store.get_case(CASE_ID).model_copy(update={"title": long_title, "trigger": trigger})
    )
    phone = open_as(browser, server, "pr", viewport=PHONE)
    for path, name in (
        ("/cases", "phone-cases"),
        (f"/cases/{CASE_ID}", "phone-case"),
        (f"/cases/{CASE_ID}/summary", "phone-summary"),
        ("/search?q=漏油&range=7d", "phone-search"),
        ("/digest", "phone-digest"),
        ("/overview", "phone-overview"),
    ):
        phone.goto(f"{server}{path}")
        phone.wait_for_load_state("load")
        fits_the_phone(phone)
        header = phone.locator("header.top").bounding_box()
        who = phone.locator("header.top .who").bounding_box()
        assert header is not None and who is not None
        assert who["x"] + who["width"] <= PHONE["width"]
        assert (
            header["y"] <= who["y"] and who["y"] + who["height"] <= header["y"] + header["height"]
        )
        shot(phone, tmp_path, name)
        if name == "phone-case":  # the figures' headings are words, not a column of characters
            for th in phone.locator("table.kv th").all():
                lines = th.evaluate(LINES_OF)
                assert lines == 1, (th.inner_text(), lines)
        if name == "phone-summary":  # the brand beside the brief's title is not cut in two
            brand = phone.locator(".brief-title small").bounding_box()
            assert brand is not None and brand["height"] < 30, brand
    assert phone.errors == [], phone.errors

    for name in ("search", "case", "summary", "phone-cases", "phone-case"):
        assert (SCREENSHOTS / f"{name}.png").stat().st_size > 10_000


EVIL_BRAND = '<img src=x onerror="window.__pwned=9">'


def negative_facet(page) -> int:  # type: ignore[no-untyped-def]
    """The search page's sentiment facet count of ``negative``."""
    item = page.locator(".facets h4:text-is('sentiment') + ul li:has(a:text-is('negative')) span")
    return int(item.inner_text().replace(",", ""))


def negative_kpi(page) -> int:  # type: ignore[no-untyped-def]
    """The negative mentions the crisis brief counts."""
    return int(page.locator("#account").get_attribute("data-negative"))


def test_correcting_the_sentiment_toward_a_brand(
    server: str, browser, tmp_path: Path, store
) -> None:  # type: ignore[no-untyped-def]
    odd = mention(90, "极光汽车 漏油 奇怪的品牌名", minutes_ago=5).model_copy(
        update={"brands": [BrandMatch(brand=EVIL_BRAND)]}
    )
    store.upsert_mentions([odd])
    store.correct_sentiment(odd.id, EVIL_BRAND, "neutral", "<script>window.__pwned=8</script>", NOW)

    # PR has the crisis summary open (its figures are cached for a minute)
    pr = open_as(browser, server, "pr")
    pr.goto(f"{server}/cases/{CASE_ID}/summary")
    summary_before = negative_kpi(pr)

    # care searches: a chip per brand; a crawled or odd value in a chip stays text
    care = open_as(browser, server, "care")
    care.goto(f"{server}/search?q=奇怪的品牌名")
    care.wait_for_selector("article.mention .chip")
    assert care.locator(".toward img, .toward script").count() == 0
    chip = care.locator(".chip").first
    assert chip.locator("b").inner_text() == EVIL_BRAND
    assert "corrected by hand" in chip.inner_text()  # who and when: in its note, as text
    assert "<script>window.__pwned=8</script> corrected it by hand" in (
        chip.locator(".note").text_content() or ""
    )
    assert care.evaluate("window.__pwned") is None
    care.goto(f"{server}/search?q=brand:极光汽车")
    facet_before = negative_facet(care)

    # one click on a card far down the page: back at that card, corrected, facets follow
    card = care.locator("article.mention:has(.chip[data-brand='极光汽车'].s-negative)").nth(8)
    mention_id = card.get_attribute("data-id")
    card.locator(".chip[data-brand='极光汽车'] button[value=positive]").click()
    care.wait_for_selector("text=Sentiment toward 极光汽车 corrected to positive.")
    assert care.url.endswith(f"#m-{mention_id}")
    card = care.locator(f"article[data-id='{mention_id}']")
    box = card.bounding_box()
    assert care.evaluate("window.scrollY") > 300  # not the top of the page
    assert box is not None and 0 <= box["y"] < 1000  # the card is in view
    chip = card.locator(".chip[data-brand='极光汽车']")
    assert "positive" in chip.inner_text() and "corrected by hand" in chip.inner_text()
    assert "CARE user corrected it by hand" in (chip.locator(".note").text_content() or "")
    assert "corrected the sentiment toward 极光汽车 to positive" in card.inner_text()
    assert negative_facet(care) == facet_before - 1
    assert store.get_mention(mention_id).brand_sentiment("极光汽车") == "positive"
    care.goto(f"{server}/search?q=漏油")
    shot(care, tmp_path, "search-sentiment")
    assert care.errors == [], care.errors

    # PR: the crisis summary counts it at once, and PR corrects from the case evidence
    pr.reload()
    assert negative_kpi(pr) == summary_before - 1
    pr.goto(f"{server}/cases/{CASE_ID}")
    evidence = pr.locator("article[data-id='demo-weibo:2']")
    evidence.locator(".chip[data-brand='极光汽车'] button[value=neutral]").click()
    pr.wait_for_selector("text=Sentiment toward 极光汽车 corrected to neutral.")
    assert pr.url.endswith(f"/cases/{CASE_ID}#m-demo-weibo:2")
    chip = pr.locator("article[data-id='demo-weibo:2'] .chip")
    assert "corrected by hand" in chip.inner_text()
    assert "PR user corrected it by hand" in (chip.locator(".note").text_content() or "")
    shot(pr, tmp_path, "case-sentiment")
    pr.goto(f"{server}/cases/{CASE_ID}/summary")
    assert negative_kpi(pr) == summary_before - 2
    assert pr.evaluate("window.__pwned") is None
    assert pr.errors == [], pr.errors


def test_admin_pages_fit_a_phone(server: str, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The admin's token and webhook pages — their forms included — fit a 390 px phone,
    and their table rows, shown as cards there, label each figure."""
    phone = open_as(browser, server, "admin", viewport=PHONE)
    phone.goto(f"{server}/admin/tokens")
    phone.fill("input[name=name]", "bi-dashboard")
    phone.click("main button.primary")
    phone.wait_for_load_state("load")
    phone.goto(f"{server}/admin/webhooks")
    phone.fill("input[name=url]", "http://127.0.0.1:9/hook")
    phone.click("main button.primary")
    phone.wait_for_load_state("load")
    for path in ("/admin/tokens", "/admin/webhooks"):
        phone.goto(f"{server}{path}")
        labels = phone.locator("table.board tbody td[data-label]").evaluate_all(
            "cells => cells.map(c => c.dataset.label)"
        )
        assert len(labels) >= 4 and all(labels), (path, labels)
    for path, name in (("/admin/tokens", "phone-tokens"), ("/admin/webhooks", "phone-webhooks")):
        phone.goto(f"{server}{path}")
        phone.wait_for_load_state("load")
        shot(phone, tmp_path, name)
        fits_the_phone(phone)
    assert phone.errors == [], phone.errors


def test_search_filters_leave_room_on_a_phone(server: str, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """On a phone the filter lists stood one value per line above the results, a screen of
    their own: they are rows of chips now, and the first post is on the first screen."""
    phone = open_as(browser, server, "care", viewport=PHONE)
    phone.goto(f"{server}/search?q=极光汽车&range=7d")
    phone.wait_for_load_state("load")
    shot(phone, tmp_path, "phone-search-filters")
    fits_the_phone(phone)
    facets = phone.locator("aside.facets").bounding_box()
    first = phone.locator("article.mention").first.bounding_box()
    assert facets is not None and first is not None
    assert facets["height"] < 0.35 * PHONE["height"], facets  # was 327 px of 844
    assert first["y"] + 60 < PHONE["height"], first  # its first lines show (was at 843 px)
    assert phone.errors == [], phone.errors


def test_a_card_come_back_to_shows_below_the_bulk_bar(server: str, browser) -> None:  # type: ignore[no-untyped-def]
    """Every card action comes back to the card (#m-<id>), which was scrolled to the top of
    the window under the sticky bulk bar: its checkbox and badges were hidden there."""
    for viewport in ({"width": 1360, "height": 1000}, PHONE):
        page = open_as(browser, server, "care", viewport=viewport)
        page.goto(f"{server}/search?q=极光汽车&range=7d")
        third = page.locator("article.mention").nth(2).get_attribute("id")
        page.goto(f"{server}/search?q=极光汽车&range=7d#{third}")
        page.wait_for_load_state("load")
        bar = page.locator("form.bulk").bounding_box()
        card = page.locator(f"[id='{third}']").bounding_box()
        assert bar is not None and card is not None
        assert page.evaluate("window.scrollY") > 0  # scrolled to it, the bar stuck at the top
        assert card["y"] >= bar["y"] + bar["height"], (viewport, bar, card)
        assert page.errors == [], page.errors


def test_a_case_status_on_the_board_is_one_word(server: str, browser, store) -> None:  # type: ignore[no-untyped-def]
    """A long case title took the row's width and the status wrapped, 已确 / 认 (demo)."""
    case = store.get_case(CASE_ID)
    long_title = "极光汽车：风险信号 — " + "、".join(f"维权 ×{n}" for n in range(40))
    store.save_case(case.model_copy(update={"title": long_title, "status": "acknowledged"}))
    page = open_as(browser, server, "pr", viewport={"width": 1024, "height": 800})
    page.goto(f"{server}/cases")
    status = page.locator("table.board tbody td[data-label]").nth(3)
    assert status.inner_text().strip() in ("acknowledged", "已确认")
    assert status.evaluate(LINES_OF) == 1
    assert page.errors == [], page.errors


# the elements that scroll sideways in a box of their own (a wide table in overflow: auto)
SIDEWAYS = """() => [...document.querySelectorAll('main *')].filter(e =>
  ['auto', 'scroll'].includes(getComputedStyle(e).overflowX) && e.scrollWidth > e.clientWidth + 1
).map(e => e.tagName.toLowerCase() + '.' + e.className + ' ' + e.scrollWidth + ' px')"""


def test_the_story_digest_and_header_fit_a_phone(browser, store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """At 390 px the story page's spread table and the digest's table scrolled sideways in
    their own boxes (the page itself fit) and an executive's header put "English" on a
    line of its own: the rows are cards of labelled figures now (the digest's day-before
    counts left to its change) and a long name is cut, not the language switch moved."""
    from radar.web.app import create_app
    from tests.web.conftest import make_config

    config = make_config(locale="zh_CN")
    [exec_user] = [u for u in config.web.users if u.name == "exec"]
    exec_user.display_name = "高管 Exec (demo)"  # the demo's: 高管 Exec (demo) · 管理层
    store.upsert_mentions(traffic("极光汽车", 100, 48, crisis=True))
    store.upsert_mentions(
        [mention(9001, "转发：极光汽车 发动机漏油", minutes_ago=20, followers=2_000_000)
         .model_copy(update={"repost_of": "demo-weibo:1", "cluster_id": "demo-weibo:1"})]
    )  # fmt: skip
    app = create_app(config, store, clock=lambda: NOW)
    with on_loopback(app) as server:
        phone = open_as(browser, server, "exec", viewport=PHONE)
        for path, name in (("/stories/demo-weibo:1", "phone-story"), ("/digest", "phone-digest")):
            phone.goto(f"{server}{path}")
            phone.wait_for_load_state("load")
            shot(phone, tmp_path, name)
            fits_the_phone(phone)
            assert phone.evaluate(SIDEWAYS) == [], path
            brand = phone.locator("header.top .brand").bounding_box()
            switch = phone.locator("header.top form.lang").bounding_box()
            nav = phone.locator("header.top nav").bounding_box()
            assert brand is not None and switch is not None and nav is not None
            assert abs(switch["y"] - brand["y"]) < 12, (brand, switch)  # one line, the first
            assert switch["x"] + switch["width"] <= PHONE["width"] and switch["y"] < nav["y"]
            # the name whole: the role is left out on a phone, not the name cut (it read
            # '高管 Exec (demo) · 管…')
            name = phone.locator("header.top .who > span").first
            assert name.inner_text() == "高管 Exec (demo)", name.inner_text()
            assert name.evaluate("e => e.scrollWidth <= e.clientWidth"), path
            labels = phone.locator("main table td[data-label]").evaluate_all(
                "cells => cells.map(c => c.dataset.label)"
            )
            assert labels and all(labels), (path, labels)
        assert "前一天" not in phone.locator("table.digest").inner_text()  # left to 负面变化
        assert phone.errors == [], phone.errors
        desk = open_as(browser, server, "exec")  # a desktop names the role too
        who = desk.locator("header.top .who > span").first.inner_text()
        assert who == "高管 Exec (demo) · 管理层", who


def test_why_a_chip_reads_so_opens_on_a_tap_a_click_and_enter(
    server: str, app, browser, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """A chip's score, band and who decided were only in a title, which no touch screen
    shows: they are a note under the chip (a <details>) that a tap opens on a 390 px
    phone, inside the screen, and a mouse's hover or the keyboard's Enter on a desktop."""
    app.state.config.locale = "zh_CN"
    phone = open_as(browser, server, "care", viewport=PHONE, touch=True)
    phone.goto(f"{server}/search?q=漏油 brand:极光汽车&range=7d")
    card = phone.locator("article.mention").first
    chip = card.locator(".chip[data-brand='极光汽车']")
    note = chip.locator(".note")
    assert not note.is_visible()
    chip.locator("summary").tap()
    assert note.is_visible() and note.inner_text().startswith("对极光汽车的情感：")
    assert "模型分数" in note.inner_text()
    box = note.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    fits_the_phone(phone)
    badge = card.locator(".meta details.why")
    badge.locator("summary").tap()
    assert badge.locator(".note").inner_text().startswith("全文的情感：")
    shot(phone, tmp_path, "phone-chip-why")
    chip.locator("summary").tap()  # a second tap closes it
    assert not note.is_visible()
    assert phone.errors == [], phone.errors

    desk = open_as(browser, server, "care")
    desk.goto(f"{server}/search?q=漏油 brand:极光汽车&range=7d")
    chip = desk.locator("article.mention").first.locator(".chip[data-brand='极光汽车']")
    summary, note = chip.locator("summary"), chip.locator(".note")
    assert not note.is_visible()
    summary.hover()  # a tooltip, as the title was
    assert note.is_visible()
    face, tip = summary.bounding_box(), note.bounding_box()
    assert face is not None and tip is not None and tip["y"] >= face["y"] + face["height"]
    desk.mouse.move(0, 0)
    assert not note.is_visible()
    summary.focus()
    desk.keyboard.press("Enter")
    assert note.is_visible() and "模型分数" in note.inner_text()
    desk.keyboard.press("Enter")
    assert not note.is_visible()
    assert desk.errors == [], desk.errors


def test_a_chips_note_stays_inside_a_narrow_desktop_window(
    server: str, app, browser, store, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """A note opened under a chip at the right of its row (a post naming three brands) in a
    mouse-driven 640 px window ran past the window's edge and added a sideways scroll: it
    is placed in the chip's row, right under the chip. The "≠ 全文" beside a verdict was
    explained only in a title: it is on the chip's face, and the note says what it means."""
    from index.models import Sentiment, SentimentLabel

    app.state.config.locale = "zh_CN"
    toward = {"极光汽车": 0.9, "清泉乳业": 0.1, "星辰手机": 0.9}
    three = mention(7001, "极光汽车 很好，清泉酸奶 难喝，星辰手机 不错 三个品牌", label="neutral")
    store.upsert_mentions([three.model_copy(update={"brands": [
        BrandMatch(brand=b, sentiment=Sentiment(score=s, label=SentimentLabel(
            "positive" if s > 0.5 else "negative")))
        for b, s in toward.items()
    ]})])  # fmt: skip
    window = {"width": 640, "height": 800}
    desk = open_as(browser, server, "exec", viewport=window)  # no buttons: 3 chips a row
    desk.goto(f"{server}/search?q=三个品牌&range=7d")
    last = desk.locator("article.mention .chip[data-brand='星辰手机']")
    summary, note = last.locator("summary"), last.locator(".note")
    summary.click()
    assert note.is_visible()
    face, box = summary.bounding_box(), note.bounding_box()
    assert face is not None and box is not None
    assert face["x"] + 360 > window["width"]  # a note from the chip's own left would run off
    assert box["x"] >= 0 and box["x"] + box["width"] <= window["width"]
    assert face["y"] + face["height"] <= box["y"] <= face["y"] + face["height"] + 8  # under it
    width = desk.evaluate("document.documentElement.scrollWidth")
    assert width <= window["width"], f"{width} px wide in a {window['width']} px window"
    assert note.inner_text().endswith("≠ 全文：整篇帖子读来是中性")
    shot(desk, tmp_path, "desk-640-chip-why")
    assert desk.errors == [], desk.errors

    phone = open_as(browser, server, "care", viewport=PHONE, touch=True)
    phone.goto(f"{server}/search?q=三个品牌&range=7d")
    chip = phone.locator("article.mention .chip[data-brand='清泉乳业']")
    chip.locator(".differs").tap()  # the marker itself opens the note
    assert chip.locator(".note").is_visible()
    assert "≠ 全文：整篇帖子读来是中性" in chip.locator(".note").inner_text()
    fits_the_phone(phone)
    assert phone.errors == [], phone.errors


def test_the_header_and_case_board_fit_a_tablet_window(server: str, app, browser) -> None:  # type: ignore[no-untyped-def]
    """Between a phone and a desktop (700 px): the header's links were squeezed beside the
    brand and the user, a word broken a line (舆情 / 检索), and the case board kept its
    table, the event column 48 px wide and the page 719 px wide. The links are a line of
    their own and the board's rows cards, as on a phone; at 1360 px both are as before."""
    app.state.config.locale = "zh_CN"
    for width in (700, 860):
        page = open_as(browser, server, "exec", viewport={"width": width, "height": 800})
        page.goto(f"{server}/cases")
        links = page.locator("header.top nav a")
        assert links.count() >= 4
        for i in range(links.count()):
            assert links.nth(i).evaluate(LINES_OF) == 1, links.nth(i).inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        event = page.locator("table.board tbody td[data-label]").nth(1).bounding_box()
        assert event is not None and event["width"] > width / 2
        assert page.errors == [], page.errors
    desk = open_as(browser, server, "exec")
    desk.goto(f"{server}/cases")
    assert desk.locator("table.board thead").is_visible()  # a table on a desktop
    header = desk.locator("header.top").bounding_box()
    assert header is not None and header["height"] < 60  # one line


def test_the_search_form_is_one_line_on_a_desktop(server: str, app, browser) -> None:  # type: ignore[no-untyped-def]
    """At 1360 px in Chinese the search box, its filters, the sort (按覆盖排序, an order)
    and the button are one line: the button wrapped under the box alone."""
    app.state.config.locale = "zh_CN"
    page = open_as(browser, server, "pr")
    page.goto(f"{server}/search?q=漏油")
    box = page.locator(".searchbox input[name=q]").bounding_box()
    button = page.locator(".searchbox button[type=submit]").bounding_box()
    assert box is not None and button is not None
    assert abs((button["y"] + button["height"] / 2) - (box["y"] + box["height"] / 2)) < 4
    assert box["width"] >= 240


def test_the_login_pages_language_switch_is_at_the_right(server: str, browser) -> None:  # type: ignore[no-untyped-def]
    """Logged out, 'English' sat beside the brand; logged in it is at the header's right."""
    for viewport in (PHONE, {"width": 1360, "height": 800}):
        context = browser.new_context(viewport=viewport, locale="zh-CN")
        page = context.new_page()
        page.goto(f"{server}/login")
        switch = page.locator("header.top form.lang").bounding_box()
        assert switch is not None
        assert switch["x"] + switch["width"] >= viewport["width"] - 40, (viewport, switch)
        context.close()
