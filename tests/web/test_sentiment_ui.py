"""The sentiment toward each brand in the web UI: a chip per brand on every mention card
(the verdict; the model's score, its band, the complaint rule or a person's correction
with who and when in the chip's note, which a tap, a click or Enter opens; "≠ post" when it
differs from the post's sentiment), the one-click correction form (roles, CSRF, errors,
back to the card's anchor; the same code path as the JSON call) and the CSV column."""

from __future__ import annotations

import csv
import html
import io
import re
from urllib.parse import unquote

import pytest

from index.models import BrandMatch, Sentiment, SentimentLabel
from tests.web.conftest import CASE_ID, NOW, api_token, csrf_of, form_post, mention

pytestmark = pytest.mark.anyio
AURORA, DAIRY = "极光汽车", "清泉乳业"
EVIL_BRAND = '<img src=x onerror="window.__pwned=9">'
ACTION = "/mentions/demo-weibo:2/sentiment"


def auth(role: str = "care") -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token(role)}"}


def two_brands(n: int = 20):  # type: ignore[no-untyped-def]
    """Positive toward 极光汽车, negative toward 清泉乳业, neutral as a whole."""
    return mention(n, "极光汽车很好，清泉酸奶难喝", label="neutral").model_copy(
        update={
            "brands": [
                BrandMatch(
                    brand=AURORA, sentiment=Sentiment(score=0.9, label=SentimentLabel.positive)
                ),
                BrandMatch(
                    brand=DAIRY, sentiment=Sentiment(score=0.1, label=SentimentLabel.negative)
                ),
            ]
        }
    )


def card(page: str, mention_id: str) -> str:
    found = re.search(rf'<article [^>]*id="m-{re.escape(mention_id)}".*?</article>', page, re.S)
    assert found, f"no card of {mention_id}"
    return found.group(0)


def titles(card_html: str) -> dict[str, str]:
    """brand -> the note that opens under its chip, and "post" -> the post badge's."""
    out = {}
    badge = re.search(
        r'<summary class="badge s-[a-z]+">[^<]*</summary><span class="note" role="note">([^<]*)<',
        card_html,
    )
    if badge:
        out["post"] = html.unescape(badge.group(1))
    for brand, note in re.findall(
        r'data-brand="([^"]*)">\s*<details class="why"><summary class="chip-text">.*?</summary>'
        r'<span class="note" role="note">([^<]*)</span>',
        card_html,
        re.S,
    ):
        out[html.unescape(brand)] = html.unescape(note)
    return out


def chips(card_html: str) -> dict[str, str]:
    """brand -> the chip's visible text (tags dropped, whitespace folded)."""
    out = {}
    for brand, body in re.findall(
        r'<div class="chip[^"]*" data-brand="([^"]*)">(.*?)</div>', card_html, re.S
    ):
        body = re.sub(r"<form.*?</form>|<span class=\"note\".*?</span>", "", body, flags=re.S)
        out[html.unescape(brand)] = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())
    return out


async def test_a_chip_per_brand_with_the_correction_and_who_when(login, store) -> None:  # type: ignore[no-untyped-def]
    store.upsert_mentions([two_brands()])
    store.correct_sentiment("demo-weibo:20", DAIRY, "neutral", "care", NOW)
    async with login("care") as c:
        page = (await c.get("/search", params={"q": "极光汽车很好"})).text
    shown = card(page, "demo-weibo:20")
    # the verdict shows; the model's score is in its note, with where negative ends
    assert ">post neutral</summary>" in shown
    assert titles(shown)["post"].startswith(
        "The post as a whole: neutral. model score 0.50 (0 to 1, the lower the more negative)"
    )
    assert chips(shown) == {
        AURORA: f"{AURORA} · positive ≠ post",
        DAIRY: f"{DAIRY} · neutral ✎ corrected by hand",
    }
    assert titles(shown)[AURORA].startswith(
        f"Toward {AURORA}: positive. model score 0.90 (0 to 1, the lower the more negative)"
    )
    # "≠ post" is on the chip's face (a tap opens the note), the note says what it means:
    # it was only in a title, which no touch screen shows
    assert '<span class="differs">≠ post</span></summary>' in shown
    assert titles(shown)[AURORA].endswith(". ≠ post: the post as a whole reads neutral")
    assert 'title="the post as a whole' not in shown
    # who and when are in the note (02:00 UTC is 10:00 in the config's Asia/Shanghai),
    # not a score: the person's verdict decided it
    assert titles(shown)[DAIRY] == (
        f"Toward {DAIRY}: neutral. CARE user corrected it by hand, Nov 23, 2026 10:00; "
        "the model said negative"
    )
    # the mention's record lists the correction with the notes
    assert (
        f"<b>CARE user</b> corrected the sentiment toward {DAIRY} to neutral (the model: negative)"
        in shown
    )
    # care may correct: three buttons per chip, "clear correction" only where corrected
    assert shown.count('name="label" value="negative"') == 2
    assert shown.count('value="clear"') == 1


async def test_a_mention_scored_only_as_a_whole_shows_that_label(login) -> None:  # type: ignore[no-untyped-def]
    async with login("care") as c:
        page = (await c.get("/search", params={"q": "退款"})).text
    assert chips(card(page, "demo-weibo:1")) == {AURORA: f"{AURORA} · negative"}
    assert titles(card(page, "demo-weibo:1"))[AURORA].endswith(
        "(the post as a whole: no reading toward the brand stored)"
    )


async def test_exec_sees_the_chips_without_the_buttons(login, store) -> None:  # type: ignore[no-untyped-def]
    store.upsert_mentions([two_brands()])
    async with login("exec") as c:
        page = (await c.get("/search", params={"q": "极光汽车很好"})).text
        case_page = (await c.get(f"/cases/{CASE_ID}")).text
    assert set(chips(card(page, "demo-weibo:20"))) == {AURORA, DAIRY}
    assert 'class="correct"' not in page and 'class="correct"' not in case_page
    assert chips(card(case_page, "demo-weibo:2")) == {AURORA: f"{AURORA} · negative"}


async def test_one_click_correction_returns_to_the_card(login, anon, store) -> None:  # type: ignore[no-untyped-def]
    async def negative_facet() -> int:
        r = await anon.get("/api/search", params={"q": f"brand:{AURORA}"}, headers=auth())
        return r.json()["facets"]["sentiment"].get("negative", 0)

    async def summary_negative() -> int:
        r = await anon.get(
            f"/api/cases/{CASE_ID}/summary", params={"terms": "false"}, headers=auth("exec")
        )
        return r.json()["figures"]["negative"]

    facet, figure = await negative_facet(), await summary_negative()  # the figure is cached now
    back = "/search?q=%E6%BC%8F%E6%B2%B9&page=1"
    async with login("care") as c:
        r = await form_post(
            c, "/search?q=漏油", ACTION, {"brand": AURORA, "label": "neutral", "next": back + "#x"}
        )
        assert r.status_code == 303
        assert r.headers["location"] == back + "#m-demo-weibo:2"
        page = (await c.get(r.headers["location"].split("#")[0])).text
        assert f"Sentiment toward {AURORA} corrected to neutral." in page
        assert chips(card(page, "demo-weibo:2"))[AURORA].startswith(
            f"{AURORA} · neutral ✎ corrected by hand ≠ post"
        )
        match = store.get_mention("demo-weibo:2").brands[0]
        assert match.correction.label == "neutral" and match.correction.by == "care"
        assert await negative_facet() == facet - 1
        assert await summary_negative() == figure - 1  # the cached figures were dropped

        r = await form_post(c, "/search", ACTION, {"brand": AURORA, "label": "clear"})
        assert r.status_code == 303 and unquote(r.headers["location"]) == "/search#m-demo-weibo:2"
        page = (await c.get("/search")).text
        assert f"Correction of the sentiment toward {AURORA} cleared." in page
    assert store.get_mention("demo-weibo:2").brands[0].correction is None
    assert await negative_facet() == facet and await summary_negative() == figure


async def test_pr_corrects_from_the_case_evidence(login, store) -> None:  # type: ignore[no-untyped-def]
    async with login("pr") as c:
        page = f"/cases/{CASE_ID}"
        r = await form_post(
            c, page, "/mentions/demo-weibo:1/sentiment",
            {"brand": AURORA, "label": "positive", "next": page},
        )  # fmt: skip
        assert r.status_code == 303 and r.headers["location"] == f"{page}#m-demo-weibo:1"
        shown = card((await c.get(page)).text, "demo-weibo:1")
    assert "✎ corrected by hand" in chips(shown)[AURORA]
    assert "PR user corrected it by hand" in titles(shown)[AURORA]
    assert store.get_mention("demo-weibo:1").brand_sentiment(AURORA) == "positive"


async def test_the_form_checks_role_csrf_brand_and_label(login, store) -> None:  # type: ignore[no-untyped-def]
    data = {"brand": AURORA, "label": "positive", "next": "/search"}
    async with login("exec") as c:
        r = await form_post(c, "/search", ACTION, data)
        assert r.status_code == 403 and "correct_sentiment" in r.text
    async with login("care") as c:
        r = await c.post(ACTION, data=data)  # no token: not sent by this site's page
        assert r.status_code == 403 and "CSRF" in r.text
        token = csrf_of((await c.get("/search")).text)
        r = await c.post(ACTION, data={**data, "csrftoken": "forged"})
        assert r.status_code == 403 and "CSRF" in r.text
        r = await c.post(ACTION, data={**data, "brand": DAIRY, "csrftoken": token})
        assert r.status_code == 400
        assert f"does not name &#39;{DAIRY}&#39; (it names {AURORA})" in r.text
        r = await c.post(ACTION, data={**data, "brand": "", "csrftoken": token})
        assert r.status_code == 400
        r = await c.post(ACTION, data={**data, "label": "angry", "csrftoken": token})
        assert (
            r.status_code == 400 and "label: must be negative, neutral, positive or clear" in r.text
        )
        r = await c.post(ACTION, data={**data, "label": "", "csrftoken": token})
        assert r.status_code == 400  # an empty value never clears by accident
        r = await c.post("/mentions/demo-weibo:404/sentiment", data={**data, "csrftoken": token})
        assert r.status_code == 404
        assert store.get_mention("demo-weibo:2").brands[0].correction is None  # none went in
        r = await c.post(ACTION, data={**data, "next": "//evil.example/x", "csrftoken": token})
        assert r.status_code == 303 and r.headers["location"] == "/search#m-demo-weibo:2"
    assert store.get_mention("demo-weibo:2").brand_sentiment(AURORA) == "positive"


async def test_crawled_and_odd_values_stay_escaped_in_the_chips(login, store) -> None:  # type: ignore[no-untyped-def]
    odd = mention(21, "极光汽车 奇怪的品牌名 漏油").model_copy(
        update={"brands": [BrandMatch(brand=EVIL_BRAND)]}
    )
    store.upsert_mentions([odd])
    store.correct_sentiment("demo-weibo:21", EVIL_BRAND, "positive", '<b>"x"</b>', NOW)
    async with login("care") as c:
        page = (await c.get("/search", params={"q": "奇怪的品牌名"})).text
        shown = card(page, "demo-weibo:21")
        assert "<img" not in shown and '<b>"x"</b>' not in shown
        assert chips(shown) == {EVIL_BRAND: f"{EVIL_BRAND} · positive ✎ corrected by hand ≠ post"}
        # the note names them, escaped
        assert titles(shown)[EVIL_BRAND].startswith(
            f'Toward {EVIL_BRAND}: positive. <b>"x"</b> corrected it by hand'
        )
        assert '"note">Toward &lt;img src=x onerror=&#34;window.__pwned=9&#34;&gt;' in shown
        # the hidden brand field round-trips the name exactly
        r = await form_post(
            c, "/search?q=奇怪的品牌名", "/mentions/demo-weibo:21/sentiment",
            {"brand": EVIL_BRAND, "label": "negative"},
        )  # fmt: skip
        assert r.status_code == 303
    assert store.get_mention("demo-weibo:21").brand_sentiment(EVIL_BRAND) == "negative"


async def test_csv_has_the_sentiment_toward_each_brand(anon, store) -> None:  # type: ignore[no-untyped-def]
    store.upsert_mentions([two_brands()])
    store.correct_sentiment("demo-weibo:20", DAIRY, "neutral", "care", NOW)
    formula = mention(22, "清泉酸奶 公式", brand="=cmd|' /C calc'!A0", label="positive")
    store.upsert_mentions([formula])
    r = await anon.get("/api/search/export.csv", params={"range": "all"}, headers=auth())
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(r.content.decode("utf-8-sig")))}
    header = next(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert header[header.index("sentiment_score") + 1] == "sentiment_toward_brands"
    assert rows["demo-weibo:20"]["sentiment_toward_brands"] == (
        f"{AURORA}:positive; {DAIRY}:neutral (corrected by care 2026-11-23 10:00:00)"
    )
    assert rows["demo-weibo:20"]["sentiment"] == "neutral"
    assert rows["demo-weibo:1"]["sentiment_toward_brands"] == f"{AURORA}:negative"
    assert rows["demo-weibo:22"]["sentiment_toward_brands"] == "'=cmd|' /C calc'!A0:positive"


async def test_a_post_corrected_out_of_a_filtered_list_is_one_click_away(login, store) -> None:  # type: ignore[no-untyped-def]
    """On a list of negative posts, a post corrected to neutral leaves the list (seen in the
    demo: the page came back without the card): the message links to the post, where the
    correction shows and can be undone."""
    back = "/search?q=sentiment%3Anegative"
    async with login("care") as c:
        r = await form_post(c, back, ACTION, {"brand": AURORA, "label": "neutral", "next": back})
        page = (await c.get(r.headers["location"].split("#")[0])).text
        assert 'id="m-demo-weibo:2"' not in page  # gone from the list
        message = page.split('<p class="flash ok">')[1].split("</p>")[0]
        assert f"Sentiment toward {AURORA} corrected to neutral." in message
        link = re.search(r'<a href="([^"]+)">the post →</a>', message)
        assert link, message
        post = (await c.get(html.unescape(link.group(1)))).text
        assert "clear correction" in card(post, "demo-weibo:2")
