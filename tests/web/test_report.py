"""舆情简报 export: the crisis brief and the brand report as PDF and Word, read back with
pypdf and python-docx — they open, hold the chart, and the account's sentences with links
to the posts they rest on."""

from __future__ import annotations

import html
import io
import re

import docx
import pypdf
import pytest
from docx.opc.constants import RELATIONSHIP_TYPE

from radar.web import report
from tests.web.conftest import CASE_ID

pytestmark = pytest.mark.anyio


def pdf_parts(content: bytes) -> tuple[str, list[str], int]:
    """(text, link targets, images) of a PDF."""
    reader = pypdf.PdfReader(io.BytesIO(content))
    text, links, images = "", [], 0
    for page in reader.pages:
        text += page.extract_text() or ""
        images += len(page.images)
        for annot in page.get("/Annots") or []:
            action = annot.get_object().get("/A") or {}
            if "/URI" in action:
                links.append(str(action["/URI"]))
    return text, links, images


def docx_parts(content: bytes) -> tuple[str, list[str], int]:
    """(text, hyperlink targets, pictures) of a Word document."""
    document = docx.Document(io.BytesIO(content))
    text = "\n".join(p.text for p in document.paragraphs)
    text += "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    links = [
        r.target_ref
        for r in document.part.rels.values()
        if r.reltype == RELATIONSHIP_TYPE.HYPERLINK
    ]
    return text, links, len(document.inline_shapes)


@pytest.mark.parametrize("kind", ["pdf", "docx"])
async def test_crisis_brief_export(login, kind: str) -> None:  # type: ignore[no-untyped-def]
    async with login("exec") as c:
        r = await c.get(f"/cases/{CASE_ID}/report.{kind}")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == report.WRITERS[kind][1]
    assert "attachment" in r.headers["content-disposition"]
    text, links, images = (pdf_parts if kind == "pdf" else docx_parts)(r.content)
    assert images >= 1  # the chart
    for heading in ("What happened", "Since when", "Who spreads it", "What is next"):
        assert heading in text, heading
    assert "汽车大V" in text and "None" not in text
    # the claims link to the posts they rest on, absolute (the file is forwarded)
    assert any(link.startswith("http://testserver/stories/") for link in links), links
    assert any("/search?" in link for link in links), links


@pytest.mark.parametrize("kind", ["pdf", "docx"])
async def test_weekly_brand_report(login, kind: str) -> None:  # type: ignore[no-untyped-def]
    async with login("exec") as c:
        r = await c.get(f"/reports/brand.{kind}", params={"brand": "极光汽车", "days": 7})
    assert r.status_code == 200, r.text
    text, links, images = (pdf_parts if kind == "pdf" else docx_parts)(r.content)
    assert images >= 1
    assert "Weekly report" in text and "极光汽车" in text
    assert "mentions" in text and "P1" in text  # the case of the week
    assert any(f"/cases/{CASE_ID}/summary" in link for link in links), links


async def test_report_requests_that_make_no_sense(login) -> None:  # type: ignore[no-untyped-def]
    async with login("exec") as c:
        assert (await c.get(f"/cases/{CASE_ID}/report.xls")).status_code == 404
        assert (await c.get("/cases/nope/report.pdf")).status_code == 404
        r = await c.get("/reports/brand.pdf", params={"brand": "无此品牌"})
        assert r.status_code == 404 and "无此品牌" in r.text
    async with login("care") as c:
        assert (await c.get(f"/cases/{CASE_ID}/report.pdf")).status_code == 403


def test_a_missing_chinese_font_is_named(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(report, "FONT_DIRS", (str(tmp_path),))
    report.cjk_font.cache_clear()
    try:
        with pytest.raises(report.ReportError, match="fonts-noto-cjk"):
            report.cjk_font()
    finally:
        report.cjk_font.cache_clear()


async def test_the_pdf_embeds_the_chinese_font_it_is_set_in(login) -> None:  # type: ignore[no-untyped-def]
    """A viewer without Chinese fonts of its own shows the text: the PDF carries the
    glyphs it uses (an embedded TrueType subset), not only a font's name, and its
    Chinese is extractable."""
    async with login("exec") as c:
        r = await c.get(f"/cases/{CASE_ID}/report.pdf")
    reader = pypdf.PdfReader(io.BytesIO(r.content))
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts") or [font]:
                descriptor = descendant.get_object().get("/FontDescriptor")
                if descriptor is not None:
                    fonts[str(font["/BaseFont"])] = descriptor.get_object()
    chinese = [name for name in fonts if "WenQuanYi" in name or "Fallback" in name]
    assert chinese, fonts.keys()
    assert all("/FontFile2" in fonts[name] for name in chinese)  # the glyphs are in the file
    assert "STSong" not in " ".join(fonts)
    text = "".join(page.extract_text() for page in reader.pages)
    assert "极光汽车" in text and "汽车大V" in text


def test_a_missing_font_for_the_pdf_is_named(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from reportlab.pdfbase import pdfmetrics

    monkeypatch.setattr(report, "FONT_DIRS", (str(tmp_path),))
    monkeypatch.setattr(report, "PDF_FONT", "RadarCJKTest")  # not registered yet
    with pytest.raises(report.ReportError, match="apt-get install fonts-wqy-microhei"):
        report.pdf_font()
    assert "RadarCJKTest" not in pdfmetrics.getRegisteredFontNames()


@pytest.mark.parametrize("kind", ["pdf", "docx"])
async def test_each_link_says_what_it_opens(login, kind: str) -> None:  # type: ignore[no-untyped-def]
    """Every claim's link read '→ the posts' (→ 查看帖子), also those opening the case's
    timeline or a crisis brief; the page says what each opens."""
    async with login("exec") as c:
        brief = (await c.get(f"/cases/{CASE_ID}/report.{kind}")).content
        weekly = await c.get(f"/reports/brand.{kind}", params={"brand": "极光汽车", "days": 7})
    text = (pdf_parts if kind == "pdf" else docx_parts)(brief)[0]
    assert "→ the timeline" in text and "→ the post and how it spread" in text
    weekly_text = (pdf_parts if kind == "pdf" else docx_parts)(weekly.content)[0]
    assert "→ the crisis brief" in " ".join(weekly_text.split())  # however the PDF wraps it


@pytest.mark.parametrize("days", [1, 7, 30])
async def test_the_brand_overview_links_its_report(login, days: int) -> None:  # type: ignore[no-untyped-def]
    """The brand report (PDF/Word) was reachable only by typing its address or by email."""
    async with login("exec") as c:
        page = (await c.get("/overview", params={"brand": "极光汽车", "days": days})).text
        links = re.findall(r'href="(/reports/brand\.(?:pdf|docx)\?[^"]+)"', page)
        assert len(links) == 2, links
        for link in links:
            r = await c.get(html.unescape(link))
            assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
        assert "/reports/brand" not in (await c.get("/overview")).text  # all brands: none


async def test_emoji_in_a_post_read_as_words_in_the_pdf(login, store) -> None:  # type: ignore[no-untyped-def]
    """The embedded Chinese font has no emoji: 😡🔥 in a crawled post were empty boxes.
    Every character the PDF sets is one the font has; an emoji reads as its name, as
    Weibo writes its own ([怒])."""
    from reportlab.pdfbase import pdfmetrics

    from tests.web.conftest import mention

    text, author = "极光汽车 刹车失灵😡🔥 4S店不管👍🏻", "车主🚗小李"
    angry = mention(30, text, followers=5_000_000, minutes_ago=10, author=author)
    store.upsert_mentions([angry])
    async with login("exec") as c:
        brief = (await c.get(f"/cases/{CASE_ID}/report.pdf")).content
        weekly = (await c.get("/reports/brand.pdf", params={"brand": "极光汽车"})).content
    has = pdfmetrics.getFont(report.pdf_font()).face.charToGlyph
    for content in (brief, weekly):
        text = pdf_parts(content)[0]
        missing = {ch for ch in text if ord(ch) not in has and not ch.isspace()}
        assert not missing, missing
        assert "刹车失灵[怒][火]" in text and "4S店不管[赞]" in text, text
        assert "车主[汽车]小李" in text, text


def test_a_character_the_font_lacks_reads_as_its_name() -> None:
    has = {ord(ch) for ch in "极光汽车好"}
    assert report.readable("极光汽车😡", has) == "极光汽车[怒]"
    assert report.readable("好❤️", has) == "好[心]"  # the variation selector goes with it
    assert report.readable("好🦩", has) == "好[flamingo]"  # no Chinese word: its name
    assert report.readable("极光汽车", has) == "极光汽车"
    # invisible marks the font lacks go: a zero-width space, a skin tone, a joiner
    assert report.readable("好\u200b👍🏽", has) == "好[赞]"
    assert report.readable("👨\u200d🔧", has) == "[man][wrench]"
    assert report.readable("好\x00好\x08", has | {0, 8}) == "好好"  # control characters


def test_a_table_in_the_pdf_never_leaves_a_row_alone_without_its_header() -> None:
    """A crisis brief's last spreader sat alone at the top of page 2, without the table's
    header or caption: a table that reaches the page's end starts on the next page with
    its caption. Whatever the length of the account above it, every page that shows a row
    shows the header too."""
    png = io.BytesIO()
    from PIL import Image

    Image.new("RGB", (10, 4), "white").save(png, "PNG")
    rows = [[f"作者{i}号", "1,000", "1", "0"] for i in range(5)]
    for n in range(8, 30):  # the table reaches the end of page 1 from n = 11 on
        claims = [("发生了什么", "极光汽车出现负面激增。" * 6, "", "")] * n
        content = report.to_pdf(
            report.Report("危机简报", "副标题", claims, png.getvalue(),
                          [("谁在传播", ["作者", "粉丝数", "帖子数", "负面"], rows)])
        )  # fmt: skip
        pages = [p.extract_text() or "" for p in pypdf.PdfReader(io.BytesIO(content)).pages]
        for page in (p for p in pages if "号" in p):
            assert "谁在传播" in page and "粉丝数" in page, (n, page)


def test_a_section_heading_never_ends_a_page() -> None:
    """The brief's terms and timeline follow its tables: a heading that would be the last
    line of a page goes to the next with its first line."""
    png = io.BytesIO()
    from PIL import Image

    Image.new("RGB", (10, 4), "white").save(png, "PNG")
    lines = [f"2026年11月23日 09:{i:02d} 备注 公关 第{i}行" for i in range(30)]
    for n in range(8, 40):  # the heading ends page 1 at n = 14 without the rule
        claims = [("发生了什么", "极光汽车出现负面激增。" * 6, "", "")] * n
        content = report.to_pdf(
            report.Report("危机简报", "副标题", claims, png.getvalue(),
                          sections=[("处置进展", "", lines)])
        )  # fmt: skip
        pages = [p.extract_text() or "" for p in pypdf.PdfReader(io.BytesIO(content)).pages]
        for page in (p for p in pages if "处置进展" in p):
            assert "第0行" in page, (n, page)


@pytest.mark.parametrize("kind", ["pdf", "docx"])
async def test_the_brief_file_holds_the_terms_and_the_timeline(login, store, kind: str) -> None:  # type: ignore[no-untyped-def]
    """The PDF and Word briefs lacked two sections of the page: what people say that they
    do not usually say (热词) and the timeline (处置时间线). Both follow the tables, in the
    page's order and words, from the same data: the terms endpoint's words, the page's
    timeline lines with times in the configured zone; crawled text escaped."""
    from datetime import timedelta

    from index.models import CaseEvent
    from tests.web.conftest import NOW, mention

    # words the brand's normal days (two days ago) do not have
    store.upsert_mentions(
        [mention(40 + i, f"极光汽车 刹车失灵 <b>召回</b> 第{i}位车主", minutes_ago=15 + i)
         for i in range(12)]
        + [mention(100 + i, "极光汽车 试驾 体验 舒服", label="positive",
                   minutes_ago=2 * 24 * 60 + i) for i in range(60)]
    )  # fmt: skip
    for minutes, kind_, actor, text, data in (
        (22, "updated", "system", "still P2", {"severity": "P2"}),
        (20, "acknowledged", "pr", "ack", {}),
        (15, "note", "pr", "已联系车主 <script>x</script> & 4S店", {}),
        (12, "updated", "system", "severity raised P2 → P1", {"severity": "P1"}),
        (10, "updated", "system", "growing: 60 stories", {"severity": "P1"}),
        (5, "resolved", "pr", "resolved", {}),
    ):
        store.append_case_event(
            CaseEvent(case_id=CASE_ID, at=NOW - timedelta(minutes=minutes), kind=kind_,
                      actor=actor, text=text, data=data)
        )  # fmt: skip
    async with login("exec") as c:
        terms = (await c.get(f"/cases/{CASE_ID}/summary/terms")).json()["terms"]
        content = (await c.get(f"/cases/{CASE_ID}/report.{kind}")).content
        page = (await c.get(f"/cases/{CASE_ID}/summary")).text
    assert terms, "the seeded crisis has distinctive words"
    shown = re.search(r'<ol class="timeline">(.*?)</ol>', page, re.S)
    assert shown is not None
    page_lines = [" ".join(html.unescape(re.sub(r"<[^>]+>", "", li)).split())
                  for li in re.findall(r"<li[^>]*>(.*?)</li>", shown.group(1), re.S)]  # fmt: skip
    assert len(page_lines) == 5, page_lines
    text = (pdf_parts if kind == "pdf" else docx_parts)(content)[0]
    flat = " ".join(text.split())
    for word, n in terms:
        assert f"{word} ×{n}" in flat, (word, flat)
    # the page's sections after its tables, in its order
    at = [flat.index(h) for h in ("Who is spreading it",
                                  "What people say that they do not usually say")]  # fmt: skip
    assert at == sorted(at)
    timeline = flat[flat.rindex("Timeline") :]
    assert at[-1] < flat.rindex("Timeline")
    # times in the configured zone (Asia/Shanghai: 09:35 is 01:35 UTC), people by name
    for line in (
        "Nov 23, 2026 09:35 alerted system negative surge 4.5× baseline",
        "Nov 23, 2026 09:40 acknowledged PR user",
        "Nov 23, 2026 09:45 note PR user 已联系车主 <script>x</script> & 4S店",
        "Nov 23, 2026 09:48 updated system severity raised P2 → P1",
        "Nov 23, 2026 09:55 resolved PR user",
    ):
        assert line in timeline, (line, timeline)
    for line in page_lines:  # word for word the page's lines
        assert line in timeline, (line, timeline)
    # as on the page: of the updates only the one that raised the severity
    assert "still P2" not in timeline and "growing: 60 stories" not in timeline
    assert "Times in Asia/Shanghai" in flat


@pytest.mark.parametrize("kind", ["pdf", "docx"])
async def test_a_control_character_in_crawled_text_is_left_out(login, store, kind: str) -> None:  # type: ignore[no-untyped-def]
    """A backspace or NUL in a crawled post (or a note) made python-docx raise — the Word
    brief answered 500; the PDF set NUL as a glyph of its font. Both leave them out."""
    from index.models import CaseEvent
    from tests.web.conftest import NOW, mention

    store.upsert_mentions([mention(30, "极光汽车 漏油\x08刹车\x00失灵", followers=9_000_000,
                                   minutes_ago=10, author="车主\x0b小李")])  # fmt: skip
    store.append_case_event(
        CaseEvent(case_id=CASE_ID, at=NOW, kind="note", actor="pr", text="已回复\x1b车主")
    )
    async with login("exec") as c:
        r = await c.get(f"/cases/{CASE_ID}/report.{kind}")
    assert r.status_code == 200, r.text
    text = " ".join((pdf_parts if kind == "pdf" else docx_parts)(r.content)[0].split())
    assert "漏油刹车失灵" in text and "已回复车主" in text, text
