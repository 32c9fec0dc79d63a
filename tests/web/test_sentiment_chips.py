"""What a care agent reads on a card's sentiment chips in Chinese: the verdict (负面 / 中性 /
正面, 已人工更正), never a bare model score. The score is in the chip's note (a <details>
that a tap, a click or Enter opens, not a title a phone cannot show), in Chinese, with
where negative ends — the post's band and a brand's differ, so one number can read 负面 for
the post and 中性 for the brand (reported: "这种车谁还敢买", 全文 负面 0.28 beside
极光汽车 · 中性 0.28) — and a brand labelled negative by the one-brand complaint rule
(sentiment._complaint_is_about_its_brand, up to 0.49) says the rule decided it. The
people's CSV names its raw score column in Chinese."""

from __future__ import annotations

import csv
import io
import re
from html import unescape

import pytest

from config.schema import RadarConfig
from index.models import BrandMatch, Sentiment, SentimentLabel
from radar.web.render import model_bands
from sentiment.model import DEFAULT_MODEL_PATH
from tests.web.conftest import NOW, make_config, mention

pytestmark = pytest.mark.anyio
AURORA, DAIRY = "极光汽车", "清泉乳业"
BANDS = model_bands(str(DEFAULT_MODEL_PATH))


@pytest.fixture
def config() -> RadarConfig:
    return make_config(locale="zh_CN")


def scored(n: int, text: str, post: tuple[float, str], *brands: tuple[str, float, str]):  # type: ignore[no-untyped-def]
    """A mention scored ``post`` as a whole and ``(brand, score, label)`` toward each brand."""
    return mention(n, text).model_copy(
        update={
            "sentiment": Sentiment(score=post[0], label=SentimentLabel(post[1])),
            "brands": [
                BrandMatch(brand=b, keywords=[b], sentiment=Sentiment(score=s, label=label))
                for b, s, label in brands
            ],
        }
    )


def card(page: str, mention_id: str) -> str:
    found = re.search(rf'<article [^>]*id="m-{re.escape(mention_id)}".*?</article>', page, re.S)
    assert found, f"no card of {mention_id}"
    return found.group(0)


def shown(card_html: str) -> dict[str, tuple[str, str]]:
    """ "post" and each brand -> (visible text, the note that opens under it)."""
    out = {}
    badge = re.search(
        r'<summary class="badge s-[a-z]+">([^<]*)</summary><span class="note" role="note">'
        r"([^<]*)</span>",
        card_html,
    )
    if badge:
        out["post"] = (unescape(badge.group(1)), unescape(badge.group(2)))
    for brand, body, note in re.findall(
        r'data-brand="([^"]*)">\s*<details class="why"><summary class="chip-text"><span>(.*?)'
        r'</span>.*?</summary><span class="note" role="note">([^<]*)</span>',
        card_html,
        re.S,
    ):
        text = " ".join(unescape(re.sub(r"<[^>]+>", "", body)).split())
        out[unescape(brand)] = (text, unescape(note))
    return out


def band_text(band: tuple[float, float]) -> str:
    return f"；低于 {band[0]:.2f} 判为负面，高于 {band[1]:.2f} 判为正面"


async def test_the_verdict_shows_and_the_score_explains_itself_in_the_note(login, store) -> None:  # type: ignore[no-untyped-def]
    assert BANDS is not None
    post_band, brand_band = BANDS
    store.upsert_mentions(
        [scored(30, "这种车谁还敢买 极光汽车", (0.28, "negative"), (AURORA, 0.28, "neutral"))]
    )
    async with login("care") as c:
        page = (await c.get("/search", params={"q": "谁还敢买", "range": "7d"})).text
    got = shown(card(page, "demo-weibo:30"))
    assert got["post"][0] == "全文 负面"
    assert got["post"][1] == (
        f"全文的情感：负面。模型分数 0.28（0–1，越低越负面）{band_text(post_band)}"
    )
    assert got[AURORA][0] == f"{AURORA} · 中性"
    assert got[AURORA][1] == (
        f"对{AURORA}的情感：中性。模型分数 0.28（0–1，越低越负面）{band_text(brand_band)}"
        "。≠ 全文：整篇帖子读来是负面"  # what the ≠ 全文 on the chip's face means
    )
    # the score is in the notes only, not in a title either (a phone shows no title)
    unopened = re.sub(
        r'<span class="note" role="note">[^<]*</span>', "", card(page, "demo-weibo:30")
    )
    assert "0.28" not in unopened


async def test_a_brand_made_negative_by_the_complaint_rule_says_so(login, store) -> None:  # type: ignore[no-untyped-def]
    assert BANDS is not None
    brand_band = BANDS[1]
    inside = round((max(brand_band[0], 0.45) + 0.49) / 2, 2)  # neutral by its score alone
    store.upsert_mentions(
        [
            scored(31, "极光汽车 刹车失灵 规则", (0.45, "neutral"), (AURORA, inside, "negative")),
            # two brands: the rule does not apply; a low score is the model's own verdict
            scored(
                32,
                "极光汽车 清泉酸奶 两个品牌 规则",
                (0.45, "neutral"),
                (AURORA, inside, "negative"),
                (DAIRY, 0.05, "negative"),
            ),
        ]
    )
    async with login("care") as c:
        page = (await c.get("/search", params={"q": "规则", "range": "7d"})).text
    one = shown(card(page, "demo-weibo:31"))[AURORA]
    assert one[0] == f"{AURORA} · 负面"
    assert one[1] == (
        f"对{AURORA}的情感：负面。按投诉规则判为负面：只提到这一个品牌并指出了具体问题的"
        f"投诉算负面，单看分数为中性。模型分数 {inside:.2f}（0–1，越低越负面）"
        f"{band_text(brand_band)}。≠ 全文：整篇帖子读来是中性"
    )
    two = shown(card(page, "demo-weibo:32"))
    assert "投诉规则" not in two[AURORA][1] and "投诉规则" not in two[DAIRY][1]
    assert two[DAIRY][1].startswith(f"对{DAIRY}的情感：负面。模型分数 0.05")


async def test_a_correction_reads_as_a_persons_verdict_not_a_score(login, store) -> None:  # type: ignore[no-untyped-def]
    store.upsert_mentions(
        [scored(33, "极光汽车 更正", (0.28, "negative"), (AURORA, 0.28, "neutral"))]
    )
    store.correct_sentiment("demo-weibo:33", AURORA, "negative", "care", NOW)
    async with login("care") as c:
        page = (await c.get("/search", params={"q": "更正", "range": "7d"})).text
    shown_card = card(page, "demo-weibo:33")
    text, title = shown(shown_card)[AURORA]
    assert text == f"{AURORA} · 负面"
    assert '<span class="by">✎ 已人工更正</span></summary>' in shown_card
    assert "人工更正；模型原判为中性" in title and "模型分数" not in title


async def test_without_the_models_bands_the_note_keeps_the_score(login, store, app) -> None:  # type: ignore[no-untyped-def]
    app.state.config.sentiment.model_path = "/nonexistent/model.npz"
    store.upsert_mentions(
        [scored(34, "极光汽车 没有分界", (0.28, "negative"), (AURORA, 0.45, "negative"))]
    )
    async with login("care") as c:
        page = (await c.get("/search", params={"q": "没有分界", "range": "7d"})).text
    text, title = shown(card(page, "demo-weibo:34"))[AURORA]
    assert text == f"{AURORA} · 负面"
    # no band known: no band, and no claim that the rule decided it
    assert title == f"对{AURORA}的情感：负面。模型分数 0.45（0–1，越低越负面）"


async def test_the_peoples_csv_names_the_raw_score_in_chinese(login) -> None:  # type: ignore[no-untyped-def]
    async with login("care") as c:
        r = await c.get("/search/export.csv", params={"range": "7d"})
    header = next(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert "全文情感模型分数（0–1，越低越负面）" in header and "情感分值" not in header
    assert header[header.index("全文情感模型分数（0–1，越低越负面）") - 1] == "整体情感"


async def test_a_score_at_a_band_edge_is_shown_on_its_side(login, store) -> None:  # type: ignore[no-untyped-def]
    """Seen in the demo: 负面 with "模型分数 0.27 … 低于 0.27 判为负面" (the score was 0.2687)."""
    assert BANDS is not None
    post_low, brand_low = BANDS[0][0], BANDS[1][0]
    store.upsert_mentions(
        [
            scored(35, "极光汽车 分界 边上", (post_low - 0.0004, "negative"),
                   (AURORA, brand_low - 0.0013, "negative")),
        ]
    )  # fmt: skip
    async with login("care") as c:
        page = (await c.get("/search", params={"q": "分界 边上", "range": "7d"})).text
    got = shown(card(page, "demo-weibo:35"))
    for key, low in (("post", post_low), (AURORA, brand_low)):
        figure = re.search(r"模型分数 ([0-9.]+)（", got[key][1])
        assert figure and float(figure.group(1)) < low, got[key]
    if (post_low, brand_low) == (0.38, 0.27):  # the shipped model's bands
        assert "模型分数 0.3796（" in got["post"][1] and "模型分数 0.269（" in got[AURORA][1]
