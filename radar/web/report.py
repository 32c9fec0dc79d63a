"""舆情简报 as files to forward to a leader: the crisis brief of a case and the daily or
weekly report of a brand, as PDF (reportlab) and Word (python-docx), with the chart drawn
on the server (matplotlib).

One :class:`Report` (title, the account's sentences with the links they rest on, a chart,
tables) is rendered by both writers, so the two files say the same thing.

Fonts: the chart needs a Chinese font file (``fonts-noto-cjk`` on Debian); without one
:class:`ReportError` says what to install instead of drawing empty boxes. The PDF embeds
the glyphs it uses of a TrueType Chinese font (``fonts-wqy-microhei`` on Debian): a
reader without Chinese fonts of its own (a phone, a bare Linux viewer) shows the text,
where a font only named in the file — the Adobe-GB1 CID font ``STSong-Light`` it used —
showed empty boxes; reportlab embeds TrueType outlines only, not the CFF ones of Noto
CJK. Word documents name ``Microsoft YaHei`` / ``Noto Sans CJK SC``, which Word and
LibreOffice substitute.
"""

from __future__ import annotations

import io
import re
import threading
import unicodedata
from collections.abc import Callable, Container, Iterable
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import matplotlib
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from alerts.coverage import collection_gaps, enabled_sources
from alerts.messages import headline
from config.i18n import N_, format_number, gettext, percent_change, zone_name
from index.base import SearchHit, SearchRequest, Store
from index.models import CaseEvent
from radar.web import timeline
from radar.web.auth import ExecReader
from radar.web.brief import Brief, Point, brief_or_404, crisis_terms, search_url
from radar.web.figures import _align, cases_in_window, local_buckets, pick_interval, zone_shift
from radar.web.filters import brand_named
from radar.web.render import Formatter, display_names, event_line, label

# loaded with the app, not by the first export (seconds on a busy machine); Agg draws
# without a display
matplotlib.use("Agg")
from matplotlib import font_manager
from matplotlib import pyplot as plt

pages = APIRouter(include_in_schema=False)

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# Chinese fonts looked for, by file name, in the system's font folders
CJK_FONT_FILES = (
    "NotoSansCJK-Regular.ttc",
    "NotoSansCJKsc-Regular.otf",
    "NotoSerifCJK-Regular.ttc",
    "SourceHanSansSC-Regular.otf",
    "wqy-microhei.ttc",
    "wqy-zenhei.ttc",
    "DroidSansFallbackFull.ttf",
)
FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", str(Path.home() / ".fonts"))
# TrueType Chinese fonts the PDF can embed (reportlab reads glyf outlines, not CFF)
PDF_FONT_FILES = ("wqy-microhei.ttc", "wqy-zenhei.ttc", "DroidSansFallbackFull.ttf")
PDF_FONT = "RadarCJK"
DOCX_FONT = "Microsoft YaHei"


class ReportError(RuntimeError):
    """A report cannot be made on this machine (e.g. no Chinese font for the chart)."""


@dataclass
class Report:
    title: str
    subtitle: str
    # (heading, sentence, absolute link, what the link opens: "the timeline", "the posts" …)
    claims: list[tuple[str, str, str, str]]
    chart: bytes  # PNG
    tables: list[tuple[str, list[str], list[list[str]]]] = field(default_factory=list)
    # after the tables: (heading, a note under it, lines) — the brief's terms and timeline
    sections: list[tuple[str, str, list[str]]] = field(default_factory=list)
    filename: str = "report"


# -- the chart ------------------------------------------------------------------------------


def _font_file(names: tuple[str, ...], what: str, package: str) -> Path:
    """The first of ``names`` under the system's font folders; ReportError naming the
    package to install."""
    for folder in FONT_DIRS:
        root = Path(folder)
        if not root.is_dir():
            continue
        for name in names:
            found = next(root.rglob(name), None)
            if found is not None:
                return found
    raise ReportError(
        f"no Chinese font for {what}: install {package} (Debian/Ubuntu: apt-get install "
        f"{package}) or put one of {', '.join(names)} under /usr/share/fonts"
    )


@cache
def cjk_font() -> Path:
    """A font file with Chinese glyphs for the chart."""
    return _font_file(CJK_FONT_FILES, "the report's chart", "fonts-noto-cjk")


_pdf_font_lock = threading.Lock()


def pdf_font() -> str:
    """The name of the TrueType Chinese font the PDF embeds, registered with reportlab
    once (loading it takes about half a second)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    with _pdf_font_lock:
        if PDF_FONT not in pdfmetrics.getRegisteredFontNames():
            path = _font_file(PDF_FONT_FILES, "the PDF's text", "fonts-wqy-microhei")
            pdfmetrics.registerFont(TTFont(PDF_FONT, str(path), subfontIndex=0))
            # one weight: <b> (a claim's heading) is set in it, as the CID font did
            pdfmetrics.registerFontFamily(
                PDF_FONT, normal=PDF_FONT, bold=PDF_FONT, italic=PDF_FONT, boldItalic=PDF_FONT
            )
    return PDF_FONT


# Emoji as Weibo writes its own (``[怒]``), for characters the embedded fonts lack; any
# other such character reads as its Unicode name (``[flamingo]``)
EMOJI_WORDS = {
    "😡": "怒", "😠": "怒", "🤬": "怒骂", "😤": "哼", "🔥": "火", "👍": "赞", "👎": "踩",
    "😭": "大哭", "😢": "泪", "😂": "笑哭", "🤣": "笑哭", "😅": "汗", "🙄": "白眼",
    "😱": "惊恐", "🤮": "吐", "💩": "便便", "❤": "心", "💔": "心碎", "🙏": "祈祷",
    "👏": "鼓掌", "🐶": "狗头", "🚗": "汽车", "⚠": "警告", "❗": "叹号", "❓": "问号",
}  # fmt: skip
SKIN_TONES = range(0x1F3FB, 0x1F400)  # shape the emoji before them, as do Cf/Mn/Me marks


def readable(text: str, has: Container[int]) -> str:
    """``text`` with each character the font lacks (``has``: the code points it has)
    written as a word in brackets (``极光汽车😡`` → ``极光汽车[怒]``): a PDF would show
    an empty box. Whitespace stays; invisible marks the font lacks (a zero-width joiner or
    space, a variation selector, a skin tone) and control characters are left out."""

    def shown(ch: str) -> bool:  # a control character is never set (the font maps NUL)
        return ch.isspace() or (ord(ch) in has and unicodedata.category(ch) != "Cc")

    if all(shown(ch) for ch in text):
        return text
    out = []
    for ch in text:
        if shown(ch):
            out.append(ch)
        elif ord(ch) not in SKIN_TONES and unicodedata.category(ch) not in ("Cc", "Cf", "Mn", "Me"):
            word = EMOJI_WORDS.get(ch) or unicodedata.name(ch, "").lower() or f"U+{ord(ch):04X}"
            out.append(f"[{word}]")
    return "".join(out)


@cache
def _chart_glyphs() -> frozenset[int]:
    """The code points the chart's font has (its cmap, read with fontTools)."""
    from fontTools.ttLib import TTFont

    with TTFont(str(cjk_font()), fontNumber=0, lazy=True) as font:
        return frozenset(font.getBestCmap())


_draw_lock = threading.Lock()  # matplotlib's pyplot state is global


def chart_png(
    points: list[Point], baseline: float, markers: list[tuple[str, str]], title: str
) -> bytes:
    """Bars of negative and other mentions per point, the normal level as a dashed line,
    markers (label of the point, text) as vertical lines: a PNG for the documents."""
    font = font_manager.FontProperties(fname=str(cjk_font()))
    has = _chart_glyphs()
    title, markers = readable(title, has), [(at, readable(t, has)) for at, t in markers]
    labels = [p.label for p in points]
    negative = [p.negative for p in points]
    other = [p.total - p.negative for p in points]
    with _draw_lock:
        fig, ax = plt.subplots(figsize=(8, 3.2), dpi=110)
        try:
            x = range(len(points))
            edges = [i - 0.5 for i in range(len(points) + 1)]
            stacked = [n + o for n, o in zip(negative, other, strict=True)]
            # two filled step outlines, not one rectangle per bar: a week at 2-hour points
            # is 168 bars, and matplotlib's per-patch cost made that most of an export
            ax.stairs(negative, edges, fill=True, color="#d9534f",
                      label=gettext("negative mentions"))  # fmt: skip
            ax.stairs(stacked, edges, baseline=negative, fill=True, color="#cfd6dd",
                      label=gettext("other mentions"))  # fmt: skip
            ax.axhline(baseline, color="#555", linestyle="--", linewidth=1,
                       label=gettext("normal level (negative)"))  # fmt: skip
            top = max([*stacked, 1])
            for row, (at, text) in enumerate(markers):
                if at in labels:
                    i = labels.index(at)
                    ax.axvline(i, color="#b30000", linewidth=1)
                    # on a white ground, reading away from the nearer edge: the brief's
                    # 'P1 预警 · 已确认' and '已解决 · 重新打开' were struck through by the
                    # next markers' lines and printed over the peak bars
                    ax.text(i, top * (0.95 - 0.1 * (row % 3)), text, fontproperties=font,
                            fontsize=8, color="#b30000",
                            ha="right" if i > len(labels) / 2 else "left", zorder=5,
                            bbox={"facecolor": "white", "edgecolor": "none"})  # fmt: skip
            step = max(1, len(labels) // 8)
            ax.set_xticks(list(x)[::step], labels[::step], fontproperties=font, fontsize=7)
            ax.set_title(title, fontproperties=font, fontsize=10)
            ax.legend(prop=font, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.1),
                      ncol=3, frameon=False)  # fmt: skip
            ax.spines[["top", "right"]].set_visible(False)
            fig.tight_layout()
            out = io.BytesIO()
            fig.savefig(out, format="png")
            return out.getvalue()
        finally:
            plt.close(fig)


# -- what the reports say ---------------------------------------------------------------------


def base_url(request: Request) -> str:
    """Where the links of a forwarded document point: web.public_url, else this server."""
    configured = request.app.state.config.web.public_url
    return (configured or str(request.base_url)).rstrip("/")


def case_report(
    b: Brief,
    fmt: Formatter,
    base: str,
    terms: Iterable[tuple[str, int, float]] = (),
    people: Callable[[str], str] = str,
) -> Report:
    """The crisis brief as a document, in the page's order (brief.html): the account, the
    chart, the stories and spreaders, the distinctive terms (``terms``: brief.crisis_terms)
    and the timeline (``people``: login name -> the name people read)."""
    from radar.web.brief import TOPICS

    c = b.case
    title = gettext("Crisis brief") + f" · {c.brand} · {c.severity}"
    claims = [
        (gettext(TOPICS[cl.topic]), cl.text, base + cl.link if cl.link else "", cl.link_text)
        for cl in b.claims
    ]
    chart = chart_png(b.points, b.baseline, [(m.label, m.text) for m in b.markers], b.title)
    stories, spreaders = _story_rows(b.top_stories), _author_rows(b.spreaders)
    # each as static/brief.js lists it: "刹车 ×12、召回 ×12"
    words = gettext(", ").join(f"{t} ×{n}" for t, n, _ in terms)
    words = words or gettext("Nothing stands out.")
    note, lines = timeline_lines(b.events, fmt, people)
    zone = gettext("Times in %(zone)s") % {"zone": zone_name(fmt.tz_name, b.until)}
    return Report(
        title=title,
        subtitle=f"{b.title} · {fmt.span(b.since, b.until)} · {zone}",
        claims=claims,
        chart=chart,
        tables=[
            (gettext("Negative stories spreading furthest"), _story_columns(), stories),
            (gettext("Who is spreading it"), _author_columns(), spreaders),
        ],
        sections=[
            (gettext("What people say that they do not usually say"), "", [words]),
            # "Timeline" (处置时间线), as on the case page: the account's claim above is
            # already headed 处置进展, and the brief said it twice
            (gettext("Timeline"), note, lines),
        ],
        filename=f"brief-{c.id}",
    )


def timeline_lines(
    events: list[CaseEvent], fmt: Formatter, people: Callable[[str], str] = str
) -> tuple[str, list[str]]:
    """(note, lines) of a timeline as _timeline.html writes them, one line per
    timeline.rows row: time, kind, actor, the event's line, ×N, where it was sent."""
    rows = timeline.rows(events)
    logged = list(dict.fromkeys(channel for row in rows for channel in row.logged))
    note = (
        gettext("Not sent to %(channels)s: no Slack is connected, so the lines marked "
                "“log only” are in the service log only.") % {"channels": ", ".join(logged)}
        if logged
        else ""
    )  # fmt: skip
    lines = []
    for row in rows:
        e = row.event
        actor = label(e.actor, "actor")
        words = [fmt.when(e.at), label(e.kind, "event"), people(actor) if actor else "",
                 event_line(e, people)]  # fmt: skip
        line = " ".join(w for w in words if w)
        if row.times > 1:
            line += f" ×{row.times}"
        if row.sent_to:
            line += " → " + gettext("sent to %(channels)s") % {"channels": ", ".join(row.sent_to)}
        if row.logged:
            line += " → " + gettext("log only")
        lines.append(line)
    return note, lines or [gettext("Nothing yet.")]


def _story_rows(hits: list[SearchHit]) -> list[list[str]]:
    return [
        [
            _clip(h.mention.title or h.mention.text, 50),
            h.mention.author.name or h.mention.author.id or "",
            format_number(h.story_size),
            format_number(h.story_reach),
        ]
        for h in hits
    ]


def _author_rows(authors: list[dict[str, Any]]) -> list[list[str]]:
    return [
        [
            str(a.get("name") or a.get("id") or ""),
            format_number(a.get("followers", 0)),
            format_number(a.get("mentions", 0)),
            format_number(a.get("negative", 0)),
        ]
        for a in authors
    ]


def _story_columns() -> list[str]:
    # a grouped search of the negative posts: their count and reach, not the whole
    # story's (its story page counts the neutral reposts too)
    return [
        gettext("Post"),
        gettext("Author"),
        gettext("Negative posts"),
        gettext("Negative reach"),
    ]


def _author_columns() -> list[str]:
    return [gettext("Author"), gettext("Followers"), gettext("Posts"), gettext("Negative")]


def _clip(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


PERIODS = {1: N_("Daily report"), 7: N_("Weekly report")}


def brand_report(
    store: Store,
    fmt: Formatter,
    brand: str,
    days: int,
    now: datetime,
    base: str,
    sources: Iterable[tuple[str, float]] = (),
) -> Report:
    """The daily (``days`` 1) or weekly (7) report of a brand, ending at ``now``: volume
    and negative share against the period before, the leading negative stories, the
    cases of the period and the people spreading them. ``sources`` (name, interval): the
    crawled sources, whose collection gaps (alerts.coverage) are said, and rule out the
    change against a period before that was not wholly collected, as the digest does."""
    until = now
    since = until - timedelta(days=days)
    sources = list(sources)
    gaps_now = collection_gaps(store, sources, since, until)
    gaps_before = collection_gaps(store, sources, since - timedelta(days=days), since)
    interval = pick_interval(since, until)
    shift = zone_shift(fmt.tz, until, interval)  # points start on the zone's clock
    buckets = local_buckets(store, since - timedelta(days=days), until, interval, shift, brand)
    per: dict[datetime, list[int]] = {}
    prev = [0, 0]  # negative, total in the period before
    for bk in buckets:
        if bk.start < _align(since, interval, shift):
            prev[1] += bk.count
            prev[0] += bk.count if bk.sentiment == "negative" else 0
            continue
        counts = per.setdefault(bk.start, [0, 0])
        counts[1] += bk.count
        counts[0] += bk.count if bk.sentiment == "negative" else 0
    points = []
    start = _align(since, interval, shift)
    while start < until:
        neg, total = per.get(start, [0, 0])
        tick = fmt.tick(start, interval)
        points.append(Point(tick, neg, total))
        start += timedelta(seconds=interval)
    total = sum(p.total for p in points)
    negative = sum(p.negative for p in points)
    baseline = prev[0] / max(len(points), 1)
    negative_q = f'brand:"{brand}" sentiment:negative'
    grouped = store.search(
        SearchRequest(query=negative_q, since=since, until=until, group_stories=True,
                      sort="reach", limit=5, facets=False, highlight=False,
                      include_comments=False)  # stories of posts: no comment leads
    )  # fmt: skip
    cases = cases_in_window(store, brand, since, until)
    spreaders = store.top_authors(brand, since, until, 5)
    period = gettext(PERIODS.get(days, N_("Report")))
    claims: list[tuple[str, str, str, str]] = []
    volume = gettext("%(total)s mentions, %(negative)s of them negative (%(share)s).") % {
        "total": format_number(total),
        "negative": format_number(negative),
        "share": f"{round(100 * negative / total)}%" if total else "0%",
    }
    if gaps_before:
        volume += " " + gettext("The period before was not fully collected: no change shown.")
    elif prev[1]:
        change = percent_change(total / prev[1] - 1)  # some left: not -100%
        if change is None:  # "较上一周期 -100%": say it went to none
            volume += " " + gettext("Down to 0 from %(before)s in the period before.") % {
                "before": format_number(prev[1])
            }
        else:
            volume += " " + gettext("%(change)s against the period before.") % {
                "change": f"{change:+d}%"
            }
    if gaps_now:
        volume += " " + gettext("Collection was incomplete for %(n)s hours: counts are low.") % {
            "n": len(gaps_now)
        }
    search = base + search_url(fmt, f'brand:"{brand}"', since, until)
    claims.append((gettext("Volume"), volume, search, gettext("the posts")))
    if grouped.hits:
        h = grouped.hits[0]
        claims.append(
            (
                gettext("Leading negative story"),
                gettext('"%(text)s" (%(author)s): %(n)s negative posts, reaching %(reach)s.')
                % {
                    "text": _clip(h.mention.title or h.mention.text, 50),
                    "author": h.mention.author.name or h.mention.author.id or "",
                    "n": format_number(h.story_size),
                    "reach": format_number(h.story_reach),
                },
                base + "/stories/" + quote(h.story, safe=":"),
                gettext("the post and how it spread"),
            )
        )
    for case in cases[:5]:
        claims.append(
            (
                gettext("Case"),
                gettext("%(severity)s %(title)s, opened %(at)s, now %(status)s.")
                % {
                    "severity": case.severity,
                    "title": headline(case),
                    "at": fmt.when(case.opened_at),
                    "status": label(case.status, "status"),
                },
                base + f"/cases/{quote(case.id)}/summary",
                gettext("the crisis brief"),
            )
        )
    if not cases:
        claims.append((gettext("Case"), gettext("No crisis case in this period."), "", ""))
    stories, authors = _story_rows(grouped.hits), _author_rows(spreaders)
    window = fmt.span(since, until)
    # the zone its times are in, as the crisis brief says it (时间均为北京时间)
    zone = gettext("Times in %(zone)s") % {"zone": zone_name(fmt.tz_name, until)}
    return Report(
        title=f"舆情简报 · {period} · {brand}",
        subtitle=f"{window} · {zone}",
        claims=claims,
        chart=chart_png(points, baseline, [], f"{brand} · {window}"),
        tables=[
            (gettext("Negative stories spreading furthest"), _story_columns(), stories),
            (gettext("Who is spreading it"), _author_columns(), authors),
        ],
        filename=f"report-{brand}-{days}d-{fmt.local(until, '%Y%m%d')}",
    )


# -- writers -----------------------------------------------------------------------------------


def to_pdf(report: Report) -> bytes:
    from xml.sax.saxutils import escape as xml_escape

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.platypus import (
        Image,
        KeepTogether,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    body = ParagraphStyle("body", fontName=pdf_font(), fontSize=10.5, leading=16, wordWrap="CJK")
    has = pdfmetrics.getFont(PDF_FONT).face.charToGlyph

    def escape(text: str) -> str:  # what the font has, escaped for reportlab's markup
        return xml_escape(readable(text, has))

    title = ParagraphStyle("title", parent=body, fontSize=17, leading=24, spaceAfter=4)
    small = ParagraphStyle("small", parent=body, fontSize=9, leading=13, textColor="#555555")
    head = ParagraphStyle("head", parent=body, fontSize=12, leading=18, spaceBefore=8)
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm,
        bottomMargin=16 * mm, title=report.title, author="舆情雷达 Opinion Radar",
    )  # fmt: skip
    flow: list[Any] = [
        Paragraph(escape(report.title), title),
        Paragraph(escape(report.subtitle), small),
    ]
    flow.append(Spacer(1, 4 * mm))
    for heading, text, link, link_text in report.claims:
        more = ""
        if link:
            more = f' <a href="{xml_escape(link)}" color="#1f5fa8">→ {escape(link_text)}</a>'
        flow.append(Paragraph(f"<b>{escape(heading)}</b>　{escape(text)}{more}", body))
    flow.append(Spacer(1, 4 * mm))
    width = A4[0] - 36 * mm
    flow.append(Image(io.BytesIO(report.chart), width=width, height=width * 0.4))
    for caption, columns, rows in report.tables:
        data = [[Paragraph(escape(c), small) for c in columns]]
        data += [[Paragraph(escape(v), small) for v in row] for row in rows]
        # a table that reaches the page's end starts on the next with its caption (a last
        # row alone on a page, without its header, read as a table of its own); one longer
        # than a page repeats its header
        table = Table(
            data, colWidths=[width * 0.46, width * 0.22, width * 0.14, width * 0.18], repeatRows=1
        )
        table.setStyle(
            TableStyle(
                [
                    ("LINEBELOW", (0, 0), (-1, -1), 0.3, colors.HexColor("#cccccc")),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f2f2f2")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        flow.append(KeepTogether([Paragraph(escape(caption), head), table]))
    for heading, note, lines in report.sections:
        # the heading never ends a page: it goes to the next with its first line
        first = [Paragraph(escape(heading), head)]
        first += [Paragraph(escape(note), small)] if note else []
        flow.append(KeepTogether(first + [Paragraph(escape(line), body) for line in lines[:1]]))
        flow += [Paragraph(escape(line), body) for line in lines[1:]]
    doc.build(flow)
    return out.getvalue()


# characters XML 1.0 has no place for: a crawled post's control character (a backspace
# pasted into a Weibo post) made python-docx raise, and the Word export answer 500
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(value: Any) -> Any:
    """``value`` — a string, or lists and tuples of them — without what XML forbids."""
    if isinstance(value, str):
        return _NOT_XML.sub("", value)
    if isinstance(value, list | tuple):
        return type(value)(_xml_text(v) for v in value)
    return value


def to_docx(report: Report) -> bytes:
    import docx
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt, RGBColor

    report = Report(**{f.name: _xml_text(getattr(report, f.name)) for f in fields(report)})
    document = docx.Document()
    style = document.styles["Normal"]
    style.font.name = DOCX_FONT
    style.font.size = Pt(10.5)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), DOCX_FONT)
    document.core_properties.title = report.title
    document.core_properties.author = "舆情雷达 Opinion Radar"
    document.add_heading(report.title, level=1)
    document.add_paragraph(report.subtitle)
    for heading, text, link, link_text in report.claims:
        p = document.add_paragraph()
        p.add_run(heading + "　").bold = True
        p.add_run(text + " ")
        if link:
            rel = p.part.relate_to(link, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
            anchor = OxmlElement("w:hyperlink")
            anchor.set(qn("r:id"), rel)
            run = OxmlElement("w:r")
            props = OxmlElement("w:rPr")
            color = OxmlElement("w:color")
            color.set(qn("w:val"), "1F5FA8")
            underline = OxmlElement("w:u")
            underline.set(qn("w:val"), "single")
            props.append(color)
            props.append(underline)
            run.append(props)
            label = OxmlElement("w:t")
            label.text = "→ " + link_text
            run.append(label)
            anchor.append(run)
            p._p.append(anchor)
    document.add_picture(io.BytesIO(report.chart), width=Cm(16))
    for caption, columns, rows in report.tables:
        document.add_heading(caption, level=2)
        table = document.add_table(rows=1, cols=len(columns))
        table.style = "Light Grid Accent 1"
        for cell, name in zip(table.rows[0].cells, columns, strict=True):
            cell.text = name
        for row in rows:
            cells = table.add_row().cells
            for cell, value in zip(cells, row, strict=True):
                cell.text = value
        for paragraph in (p for r in table.rows for c in r.cells for p in c.paragraphs):
            for run in paragraph.runs:
                run.font.size = Pt(9)
                run.font.color.rgb = RGBColor(0x22, 0x22, 0x22)
    for heading, note, lines in report.sections:
        document.add_heading(heading, level=2)
        if note:
            document.add_paragraph(note).runs[0].font.size = Pt(9)
        for line in lines:
            document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


WRITERS = {"pdf": (to_pdf, PDF), "docx": (to_docx, DOCX)}


def file_response(report: Report, kind: str) -> Response:
    write, mime = WRITERS[kind]
    try:
        content = write(report)
    except ReportError as exc:
        raise HTTPException(503, str(exc)) from None
    name = quote(f"{report.filename}.{kind}")
    return Response(
        content,
        media_type=mime,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"},
    )


# -- pages ---------------------------------------------------------------------------------------


def _no_format(kind: str) -> str:
    return gettext("no such report format %(kind)s: use pdf or docx") % {"kind": repr(kind)}


@pages.get("/cases/{case_id}/report.{kind}")
def case_report_file(request: Request, user: ExecReader, case_id: str, kind: str) -> Response:
    if kind not in WRITERS:
        raise HTTPException(404, _no_format(kind))
    b = brief_or_404(request, case_id)
    try:
        report = case_report(
            b, request.app.state.formatter, base_url(request), crisis_terms(request, b),
            display_names(request),
        )  # fmt: skip
    except ReportError as exc:
        raise HTTPException(503, str(exc)) from None
    return file_response(report, kind)


@pages.get("/reports/brand.{kind}")
def brand_report_file(
    request: Request,
    user: ExecReader,
    kind: str,
    brand: str = Query(description="a configured brand"),
    days: int = Query(1, ge=1, le=31, description="1: daily, 7: weekly"),
) -> Response:
    if kind not in WRITERS:
        raise HTTPException(404, _no_format(kind))
    brand = brand_named(request.app.state.config, brand)
    try:
        report = brand_report(
            request.app.state.store, request.app.state.formatter, brand, days,
            request.app.state.clock(), base_url(request),
            enabled_sources(request.app.state.config),
        )  # fmt: skip
    except ReportError as exc:
        raise HTTPException(503, str(exc)) from None
    return file_response(report, kind)
