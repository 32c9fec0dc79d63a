# ruff: noqa: E501 - fixture pages keep the real site's long HTML lines
"""黑猫投诉 (tousu.sina.com.cn) fixture site: the signed search API and complaint pages.

The content is our own; the structure is the real site's as public crawler projects
read it (the README next to this file names them):

* ``GET /api/index/s?ts=&rs=&signature=&keywords=&page_size=&page=`` answers
  ``{"result": {"status": {"code": 0, "msg": "ok"}, "timestamp": …, "data": {"lists":
  [{"main": {sn, title (keyword in <span class="code-red">), summary, cotitle, issue,
  appeal, cost, status, timestamp, url, uid, …}, "author": {title, avatar, wb_profile}}],
  "pager": {"current", "page_amount", "item_count"}}}}``; a wrong signature is answered
  ``code`` -2, as a failed signature check.
* ``GET /complaint/view/<sn>/``: ``div.ts-d-question`` (``h1.article``, ``.ts-q-user``
  with ``u-name``/``u-date``, ``ul.ts-q-list`` rows ``<label>投诉对象：</label>…``, the
  status in ``<b>``) and ``div.ts-d-steplist`` of ``div.ts-d-item`` steps (``u-name``,
  ``u-status``, ``u-date``, ``div.ts-d-cont``), newest step first.

Also ``GET /api/company/received_complaints?ts=&rs=&signature=&couid=&type=1&page_size=
&page=`` (what a company received: ``result.data.complaints``, null past the last page).

Sites: ``/tousu`` (search: 极光汽车 2 pages, 清泉乳业 1 page, anything else empty; the
complaints against couid 1040000000 (极光汽车) 5 a page), ``/tousu-moving``
(极光汽车 plus a third page with a 20-day-old complaint 17390000199; each
``GET /tousu-moving/_next_run`` is a later run: complaint 17390000101 goes 处理中 → 已回复 →
已完成, and 17390000199, on no page a later run reads, is 已回复 from the second run), ``/tousu-visitor`` (page 2 is Sina's visitor wall),
``/tousu-login`` (the search redirects to Sina's login), ``/tousu-bad`` (page 2 a broken
complaint page), ``/tousu-slow`` (12 pages × 10 complaints, each page delayed: the kill
test), ``/tousu-salt`` (every signature is refused, as after the site changes its
script's constant), ``/tousu-needlogin`` (the search's status message asks to log in: our
assumption of its wording), ``/tousu-bench`` (1000 pages × 10 complaints per keyword ``bench<lane>``:
bench/crawl.py).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

CST = ZoneInfo("Asia/Shanghai")
SALT = "$d6eb7ff91ee257475%"
STATUS_CODE = {"通过审核": 1, "待分配": 3, "处理中": 4, "已回复": 6, "已完成": 7, "已关闭": 8}


@dataclass(frozen=True)
class Complaint:
    sn: int
    age: int  # seconds before the server started
    title: str
    company: str
    issue: str
    demands: str
    cost: str  # as the API gives it ("0" when none)
    status: str
    author: str
    text: str
    replies: list[tuple[str, str]] = field(default_factory=list)  # (status, text) after 发起投诉


H = 3600
# fmt: off
JIGUANG_1 = [
    Complaint(17390000101, 1 * H, "4S店刹车异响拖着不修", "极光汽车", "售后服务", "维修,道歉", "0", "处理中", "黑猫用户5831", "新车提了两个月刹车一直咯吱响，去4S店三次都说正常现象，要求厂家派人检测，否则我就去12315。"),
    Complaint(17390000102, 2 * H, "极光X7车机黑屏无法导航", "极光汽车", "质量问题", "维修,换货", "0", "已回复", "夜跑的猫", "车机在高速上黑屏两次，导航和倒车影像全没了，太危险。", [("商家已回复", "您好，已安排服务专员联系您，预约免费检测。")]),
    Complaint(17390000103, 3 * H, "定金不退", "极光汽车", "退款问题", "退款", "5,000.00", "处理中", "黑猫用户0927", "交了5000元定金，一直交不了车，门店说定金不退，这是霸王条款。"),
    Complaint(17390000104, 4 * H, "延保服务被强制捆绑", "极光汽车", "霸王条款", "退款,道歉", "1999.00", "已完成", "维权的老王", "买车时销售说必须买1999元延保才能提车，现在要求退还。", [("商家已回复", "已为您办理延保退款。"), ("确认完成", "收到退款，问题解决。")]),
    Complaint(17390000105, 5 * H, "售后电话打不通", "极光汽车", "售后服务", "解释", "0", "待分配", "黑猫用户3310", "客服电话打了一整天都是忙音，车辆故障灯亮了没人管。"),
    Complaint(17390000106, 6 * H, "北极光露营装备漏水", "北极光户外", "质量问题", "退款", "399.00", "处理中", "露营爱好者", "北极光帐篷第一次用就漏水，要求退款。"),
    Complaint(17390000107, 7 * H, "保养收费不透明", "极光汽车", "乱收费", "退款,解释", "860.00", "已回复", "黑猫用户7764", "首保说免费，结账却收了860元工时费，明细也不给。", [("商家已回复", "门店已核实，多收费用将原路退回。")]),
]
JIGUANG_2 = [
    Complaint(17390000108, 30 * H, "充电桩安装一拖再拖", "极光汽车", "服务问题", "安装", "0", "处理中", "黑猫用户1205", "买车时承诺免费安装家用充电桩，两个月过去了还没人上门。"),
    Complaint(17390000109, 50 * H, "车漆起泡", "极光汽车", "质量问题", "维修", "0", "已关闭", "黑猫用户6650", "新车车门漆面起泡，门店让我自费补漆。"),
    Complaint(17390000110, 70 * H, "金融贷款被多收服务费", "极光汽车金融", "乱收费", "退款", "3200.00", "处理中", "黑猫用户2048", "办车贷被收了3200元金融服务费，合同里根本没有写。"),
]
QINGQUAN = [
    Complaint(17390000201, 2 * H, "奶粉罐里有异物", "清泉乳业", "食品安全", "退款,赔偿", "268.00", "处理中", "宝妈小雨", "清泉奶粉新开的一罐里有黑色颗粒，客服让我寄回检测，至今没有结果。"),
    Complaint(17390000202, 9 * H, "酸奶临期发货", "清泉乳业", "商品问题", "退款", "59.90", "已完成", "黑猫用户8812", "网上买的清泉酸奶到货只剩两天保质期。", [("商家已回复", "已全额退款并补发新品。"), ("确认完成", "满意。")]),
]
SEARCH = {"极光汽车": [JIGUANG_1, JIGUANG_2], "清泉乳业": [QINGQUAN]}
# /tousu-moving: the first complaint's status by run, and an old unsettled one
MOVING = ["处理中", "已回复", "已完成"]
OLD_OPEN = Complaint(17390000199, 20 * 24 * H, "车辆召回迟迟不通知", "极光汽车", "召回问题", "解释", "0", "处理中", "黑猫用户4501", "看新闻才知道我的车在召回范围内，门店一直没通知。")
# fmt: on
_runs = {"moving": 0}
COMPANIES = {"1040000000": "极光汽车"}  # couid → company (/api/company/received_complaints)


def slow_pages() -> list[list[Complaint]]:
    return [
        [
            Complaint(
                17391000000 + p * 10 + i,
                (p * 10 + i) * 600,
                f"极光汽车投诉{p}-{i}",
                "极光汽车",
                "售后服务",
                "维修",
                "0",
                "处理中",
                f"黑猫用户{p}{i}",
                f"第{p}页第{i}条：极光汽车售后承诺的维修一直没有落实。",
            )
            for i in range(10)
        ]
        for p in range(12)
    ]


_BRANDS = ["极光汽车", "清泉乳业", "星辰手机"]
_MOODS = ["质量太差，要求退货", "客服半天不回复", "用了一周就坏了", "承诺的赔偿一直不到账"]


def bench_complaint(sn: int) -> Complaint:
    """Benchmark complaints (``/tousu-bench``): sn = 1760000000000 + lane * 10**6 + n."""
    n = sn % 10**6
    brand = _BRANDS[n % 3]
    return Complaint(
        sn,
        n * 60,
        f"{brand}{_MOODS[n % 4]}",
        brand,
        "售后服务",
        "退款",
        str(n % 900),
        "处理中",
        f"黑猫用户{n}",
        f"{brand}{_MOODS[n % 4]}，第{n}号投诉人的经历：多次联系客服无果，要求尽快处理。",
    )


def bench_page(lane: int, page: int) -> list[Complaint]:
    return [bench_complaint(1760000000000 + lane * 10**6 + page * 10 + i) for i in range(10)]


def signature_ok(q: dict[str, str]) -> bool:
    """Every parameter but the signature, and the constant, signed (search or company)."""
    parts = [v for k, v in q.items() if k != "signature"] + [SALT]
    return q.get("signature") == hashlib.sha256("".join(sorted(parts)).encode()).hexdigest()


def _main(c: Complaint, start: datetime, keyword: str) -> dict[str, Any]:
    marked = (
        escape(c.title).replace(escape(keyword), f'<span class="code-red">{escape(keyword)}</span>')
        if keyword
        else escape(c.title)
    )
    return {
        "main": {
            "sn": str(c.sn),
            "title": marked,
            "summary": c.text[:40],
            "cotitle": escape(c.company),
            "issue": c.issue,
            "appeal": c.demands,
            "cost": c.cost.replace(",", ""),
            "status": STATUS_CODE[c.status],
            "timestamp": str(int((start - timedelta(seconds=c.age)).timestamp())),
            "url": f"//tousu.sina.example/complaint/view/{c.sn}/",
            "uid": str(5000000000 + c.sn % 100000),
            "couid": "1040000000",
            "evaluate_u": None,
            "upvote_amount": 3,
            "share_amount": 0,
            "comment_amount": 0,
        },
        "author": {
            "title": c.author,
            "avatar": "//tvax1.sinaimg.example/default/images/default_avatar_male_50.gif",
            "wb_profile": f"//weibo.com/u/{5000000000 + c.sn % 100000}",
        },
    }


def search_answer(
    complaints: list[Complaint], page: int, pages: int, total: int, start: datetime, keyword: str
) -> dict[str, Any]:
    return {
        "result": {
            "status": {"code": 0, "msg": "ok"},
            "timestamp": datetime.now(UTC).strftime("%a %b %d %H:%M:%S +0800 %Y"),
            "data": {
                "lists": [_main(c, start, keyword) for c in complaints],
                "pager": {"current": page, "page_amount": pages, "item_count": total},
            },
        }
    }


def _shown(t: datetime) -> str:
    return t.astimezone(CST).strftime("%Y-%m-%d %H:%M")


def detail_page(c: Complaint, start: datetime, broken: bool = False) -> str:
    t = start - timedelta(seconds=c.age)
    amount = f"{c.cost}元" if c.cost != "0" else "无"
    steps = [
        (name, status, t + timedelta(hours=n + 1), text)
        for n, (status, text) in enumerate(c.replies)
        for name in [c.company if "商家" in status else c.author]
    ]
    steps.reverse()  # newest first
    steps += [
        ("黑猫投诉", "投诉已分配", t + timedelta(minutes=30), f"已分配至{c.company}"),
        (c.author, "发起投诉", t, c.text),
    ]
    items = "".join(
        f"""<div class="ts-d-item"><div class="ts-d-user clearfix"><span class="u-img"><img src="//tvax1.sinaimg.example/avatar.gif"></span><span class="u-name">{escape(name)}</span><span class="u-status">{escape(status)}</span><span class="u-date">{_shown(when)}</span></div>
<div class="ts-d-cont"><p>{escape(text)}</p></div></div>"""
        for name, status, when, text in steps
    )
    question = f"""<div class="ts-d-question"><h1 class="article">{escape(c.title)}</h1>
<div class="ts-q-user clearfix"><span class="u-img"><img src="//tvax1.sinaimg.example/avatar.gif"></span><span class="u-name">{escape(c.author)}</span><span class="u-date">{_shown(t)}</span></div>
<ul class="ts-q-list">
<li><label>投诉编号：</label>{c.sn}</li>
<li><label>投诉对象：</label><a href="//tousu.sina.example/company/view/?couid=1040000000" target="_blank">{escape(c.company)}</a></li>
<li><label>投诉问题：</label>{escape(c.issue)}</li>
<li><label>投诉要求：</label>{escape(c.demands)}</li>
<li><label>涉诉金额：</label>{amount}</li>
<li><label>投诉进度：</label><b>{escape(c.status)}</b></li>
</ul></div>"""
    if broken:  # the page layout changed: no question block
        question = f'<div class="ts-new-layout"><h2>{escape(c.title)}</h2></div>'
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{escape(c.title)}_黑猫投诉</title></head>
<body><div class="ts-header"><a href="//tousu.sina.example/">黑猫投诉</a></div>
<div class="ts-wrap clearfix"><div class="ts-d-left">{question}
<div class="ts-d-steplist">{items}</div></div></div></body></html>"""


def all_complaints() -> dict[int, Complaint]:
    found = {c.sn: c for pages in SEARCH.values() for page in pages for c in page}
    found[OLD_OPEN.sn] = OLD_OPEN
    for page in slow_pages():
        found.update({c.sn: c for c in page})
    return found


def handle(
    handler: Any, site: str, path: str, q: dict[str, str], start: datetime, delay: float
) -> None:
    if path == "/api/index/s":
        if site == "tousu-login":
            return handler.redirect("https://login.sina.example/signin/login.php?entry=tousu")
        if site == "tousu-needlogin":  # assumed wording: a status message asking to log in
            return handler.json({"result": {"status": {"code": -1, "msg": "请先登录"}, "data": {}}})
        if not signature_ok(q) or site == "tousu-salt":  # tousu-salt: the site changed its salt
            return handler.json({"result": {"status": {"code": -2, "msg": "签名错误"}, "data": {}}})
        keyword, page = q.get("keywords", ""), int(q.get("page", "1"))
        if site == "tousu-visitor" and page >= 2:
            return handler.html(
                "<html><head><title>Sina Visitor System</title></head><body><script>window.location.href='//passport.weibo.example/visitor/visitor'</script></body></html>"
            )
        if site == "tousu-bench":
            lane = int(keyword.removeprefix("bench") or 0)
            shown = bench_page(lane, page) if page <= 1000 else []
            return handler.json(search_answer(shown, page, 1000, 10000, start, keyword))
        if site == "tousu-slow":
            time.sleep(delay)
            pages = slow_pages()
        else:
            pages = SEARCH.get(keyword, [])
        if site == "tousu-moving" and keyword == "极光汽车":
            pages = [[moving(c) for c in p] for p in [*pages, [OLD_OPEN]]]
        total = sum(len(p) for p in pages)
        shown = pages[page - 1] if page <= len(pages) else []
        return handler.json(search_answer(shown, page, len(pages), total, start, keyword))
    if path == "/api/company/received_complaints":
        if not signature_ok(q) or q.get("type") != "1":
            return handler.json({"result": {"status": {"code": -2, "msg": "签名错误"}, "data": {}}})
        page = int(q.get("page", "1"))
        company = COMPANIES.get(q.get("couid", ""), "")
        every = sorted(
            (c for c in all_complaints().values() if c.company == company and c.sn < 17391000000),
            key=lambda c: c.age,
        )
        pages = [every[i : i + 5] for i in range(0, len(every), 5)]  # 5 a page here
        answer = search_answer(
            pages[page - 1] if page <= len(pages) else [], page, len(pages), len(every), start, ""
        )
        data = answer["result"]["data"]
        data["complaints"] = data.pop("lists") or None  # null past the last page
        return handler.json(answer)
    if path == "/_next_run":  # /tousu-moving: what the site shows moves on a run
        _runs["moving"] += 1
        return handler.json({"run": _runs["moving"] + 1})
    if path.startswith("/complaint/view/"):
        sn = int(path.removeprefix("/complaint/view/").strip("/") or 0)
        c = bench_complaint(sn) if site == "tousu-bench" else all_complaints().get(sn)
        if c is None:
            return handler.send(404, b"not found", "text/html")
        if site == "tousu-moving":
            c = moving(c)
        return handler.html(detail_page(c, start, broken=site == "tousu-bad" and sn == 17390000108))
    return handler.send(404, b"not found", "text/plain")


def moving(c: Complaint) -> Complaint:
    run = _runs["moving"] + 1
    if c.sn == 17390000101:
        status = MOVING[min(run, len(MOVING)) - 1]
        replies = [("商家已回复", "已安排技师上门检测刹车。")] if run >= 2 else []
        if run >= 3:
            replies.append(("确认完成", "更换刹车片后异响消失。"))
        return replace(c, status=status, replies=replies)
    if c.sn == OLD_OPEN.sn and run >= 2:
        return replace(c, status="已回复", replies=[("商家已回复", "已电话通知召回安排。")])
    return c
