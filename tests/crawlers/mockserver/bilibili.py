# ruff: noqa: E501 - fixture answers keep the real API's long lines
"""Bilibili fixture site: the video search and reply (comment) APIs.

The content is our own; the structure is the real API's as SocialSisterYi's
bilibili-API-collect documents it (docs/search/search_request.md, search_response.md,
docs/comment/list.md) and as saved answers in public repositories show it (see the
README next to this file):

* ``GET /x/web-interface/nav`` (anonymous): ``{"code": -101, "message": "账号未登录",
  "ttl": 1, "data": {"isLogin": false, "wbi_img": {"img_url":
  "https://i0.hdslb.com/bfs/wbi/<img_key>.png", "sub_url": "…/<sub_key>.png"}}}``
  (docs/misc/sign/wbi.md), with keys of our own.
* Search and replies are WBI-signed: a query whose ``w_rid`` is not the MD5 of its
  other parameters (sorted, percent-encoded with ``%20``) followed by the mixin key of
  the site's keys is answered -352 with a ``v_voucher``, as the real API answers it.
* ``GET /x/web-interface/wbi/search/type?search_type=video&keyword=&order=&page=``:
  ``{"code": 0, "message": "0", "ttl": 1, "data": {"seid", "page", "pagesize",
  "numResults", "numPages", …, "result": [{"type": "video", "id", "author", "mid",
  "typeid", "typename", "arcurl", "aid", "bvid", "title" (keyword in
  ``<em class="keyword">``), "description", "pic", "play", "video_review", "favorites",
  "tag", "review", "pubdate", "senddate", "duration", …}]}}``.
* ``GET /x/v2/reply/wbi/main?oid=&type=1&mode=2&pagination_str={"offset":""}&plat=1``:
  ``{"code": 0, …, "data": {"cursor": {"is_begin", "prev", "next", "is_end", "mode",
  "mode_text", "all_count", "name", "pagination_reply": {"next_offset"}, "session_id"},
  "replies": [{"rpid", "oid", "type", "mid", "root", "parent", "count", "rcount",
  "ctime", "like", "member": {"mid", "uname", …}, "content": {"message", "plat",
  "members", "emote", …}, "replies": [...]}], "top", "top_replies", "upper", "config",
  "control", …}}``; the next page is asked with the ``next_offset`` handed out (an
  opaque JSON string; ours holds the page number as the real one does in time order);
  12002 "评论区已关闭".
* Blocks: -412 "请求被拦截" with HTTP 412, -352 "风控校验失败" with a ``v_voucher``.

Sites: ``/bilibili`` (极光汽车 2 pages, 清泉乳业 1 page, 极光热议 one video with 7 reply
pages), ``/bilibili-412`` (search page 2 is the 412 ban), ``/bilibili-352`` (search is
the risk-control answer), ``/bilibili-rotate`` (as ``/bilibili``, but the keys nav gives
first are yesterday's: requests signed with them get -352 until the keys are read
again), ``/bilibili-slow`` (12 search pages × 10 videos, each page
delayed: the kill test), ``/bilibili-bench`` (pages of 20 videos with 20 replies each per
keyword ``bench<lane>``: bench/crawl.py).
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from crawlers.wbi import WbiKeys

H = 3600
# the site's WBI keys (our own values, in the real format: 32 hex characters each)
KEYS = WbiKeys("c4e2a1f07b3d4e9a8f1b2c3d4e5f6a7b", "9d8c7b6a5f4e4d3c8b2a1f0e9d8c7b6a")
YESTERDAYS_KEYS = WbiKeys("0a1b2c3d4e5f4a6b8c7d9e0f1a2b3c4d", "e5f6a7b8c9d04e1f8a2b3c4d5e6f7a8b")
_NAV_ANSWERS: dict[str, int] = {}  # site -> nav answers given (bilibili-rotate)


@dataclass(frozen=True)
class Video:
    aid: int
    bvid: str
    age: int
    title: str
    description: str
    author: str
    mid: int
    replies: int  # how many replies the fixture serves (``review``)
    closed: bool = False  # the comment area is closed (12002)


@dataclass(frozen=True)
class Reply:
    rpid: int
    age: int
    uname: str
    mid: int
    message: str
    like: int = 0
    nested: tuple[Reply, ...] = ()


# fmt: off
JIGUANG_1 = [
    Video(1150000001, "BV1Jg4y1a7k1", 1 * H, "极光X7车主：刹车异响半年维权实录", "半年跑了六趟4S店，刹车异响还是没解决，记录一下维权过程。", "维权车主阿杰", 300001, 45),
    Video(1150000002, "BV1Jg4y1a7k2", 3 * H, "<em class=\"keyword\">极光汽车</em>新车试驾体验", "周末去试驾了极光汽车的新款SUV，动力不错。", "汽车小白", 300002, 0),
    Video(1150000003, "BV1Jg4y1a7k3", 5 * H, "北极光延时摄影教程", "教你拍北极光，器材和参数都在简介里。", "摄影师老周", 300003, 12),
    Video(1150000004, "BV1Jg4y1a7k4", 6 * H, "<em class=\"keyword\">极光汽车</em>4S店售后对比", "三家极光4S店保养价格对比。", "懂车小陈", 300004, 5, closed=True),
]
JIGUANG_2 = [
    Video(1150000005, "BV1Jg4y1a7k5", 50 * H, "<em class=\"keyword\">极光汽车</em>召回说明解读", "", "汽车评论员", 300005, 0),
    Video(1150000006, "BV1Jg4y1a7k6", 60 * H, "开<em class=\"keyword\">极光汽车</em>自驾川西", "一路上车况很稳定。", "旅行者小北", 300006, 0),
]
QINGQUAN = [
    Video(1150000101, "BV1Qq4y1a7q1", 2 * H, "<em class=\"keyword\">清泉乳业</em>工厂探访", "清泉牛奶的生产线第一次对外开放。", "食品观察", 300101, 3),
]
HOT = [Video(1150000201, "BV1Hh4y1a7h1", 2 * H, "<em class=\"keyword\">极光热议</em>：极光汽车刹车门", "极光汽车刹车问题汇总。", "汽车调查员", 300201, 140)]
# fmt: on
SEARCH = {"极光汽车": [JIGUANG_1, JIGUANG_2], "清泉乳业": [QINGQUAN], "极光热议": [HOT]}
_WORDS = [
    "极光汽车的刹车确实有问题",
    "我的也响[doge]",
    "4S店说正常现象",
    "建议直接投诉12315",
    "同款问题，求解决",
]


def replies_of(v: Video) -> list[Reply]:
    """Newest first (``sort=0``): ``v.replies`` top-level replies, a minute apart."""
    out = []
    for n in range(v.replies):
        nested: tuple[Reply, ...] = ()
        if n == 0:
            nested = (
                Reply(
                    v.aid * 1000 + 900,
                    30,
                    "楼中楼网友",
                    400900,
                    "回复 @车主甲 :一样，刹车片换了也没用",
                ),
                Reply(
                    v.aid * 1000 + 901, 20, "维权车主阿杰", 300001, "回复 @楼中楼网友 :一起去投诉吧"
                ),
            )
        out.append(
            Reply(
                v.aid * 1000 + n,
                60 * (n + 1),
                f"车主{'甲乙丙丁戊'[n % 5]}{n}",
                400000 + n,
                _WORDS[n % 5],
                like=v.replies - n,
                nested=nested,
            )
        )
    return out


def slow_pages() -> list[list[Video]]:
    return [
        [
            Video(
                1160000000 + p * 10 + i,
                f"BV1Ss4y1{p:02d}{i:02d}",
                (p * 10 + i) * 600,
                f'<em class="keyword">极光汽车</em>视频{p}-{i}',
                f"第{p}页第{i}个：极光汽车用车记录。",
                f"UP主{p}{i}",
                500000 + p * 10 + i,
                7,
            )
            for i in range(10)
        ]
        for p in range(12)
    ]


_BRANDS = ["极光汽车", "清泉乳业", "星辰手机"]


def bench_video(aid: int) -> Video:
    """Benchmark videos (``/bilibili-bench``): aid = 1170000000 + lane * 10**6 + n, 20
    replies each (one page)."""
    n = aid % 10**6
    brand = _BRANDS[n % 3]
    return Video(
        aid,
        f"BV1Bb{aid:010d}",
        n * 60,
        f'<em class="keyword">{brand}</em>使用体验第{n}期',
        f"{brand}用了一个月的真实感受，第{n}期。",
        f"UP主{n % 97}",
        600000 + n % 97,
        20,
    )


def bench_page(lane: int, page: int) -> list[Video]:
    return [bench_video(1170000000 + lane * 10**6 + page * 20 + i) for i in range(20)]


def _video(v: Video, start: datetime) -> dict[str, Any]:
    pubdate = int((start - timedelta(seconds=v.age)).timestamp())
    return {
        "type": "video",
        "id": v.aid,
        "author": v.author,
        "mid": v.mid,
        "typeid": "258",
        "typename": "汽车生活",
        "arcurl": f"http://www.bilibili.example/video/av{v.aid}",
        "aid": v.aid,
        "bvid": v.bvid,
        "title": v.title,
        "description": v.description,
        "arcrank": "0",
        "pic": f"//i0.hdslb.example/bfs/archive/{v.aid}.jpg",
        "play": 1000 + v.aid % 997,
        "video_review": 12,
        "favorites": 30 + v.aid % 7,
        "tag": "汽车,用车,维权",
        "review": v.replies,
        "pubdate": pubdate,
        "senddate": pubdate + 1,
        "duration": "5:20",
        "badgepay": False,
        "hit_columns": ["title"],
        "view_type": "",
        "is_pay": 0,
        "is_union_video": 0,
        "rec_tags": None,
        "new_rec_tags": [],
        "rank_score": 1000,
    }


def search_answer(
    videos: list[Video], page: int, pages: int, total: int, start: datetime
) -> dict[str, Any]:
    return {
        "code": 0,
        "message": "0",
        "ttl": 1,
        "data": {
            "seid": "9339963973663795027",
            "page": page,
            "pagesize": 20,
            "numResults": total,
            "numPages": pages,
            "suggest_keyword": "",
            "rqt_type": "search",
            "cost_time": {"total": "0.077996"},
            "exp_list": {"5520": True},
            "egg_hit": 0,
            "result": [_video(v, start) for v in videos],
            "show_column": 0,
        },
    }


def _reply(r: Reply, aid: int, start: datetime, root: int = 0) -> dict[str, Any]:
    return {
        "rpid": r.rpid,
        "oid": aid,
        "type": 1,
        "mid": r.mid,
        "root": root,
        "parent": root,
        "dialog": root,
        "count": len(r.nested),
        "rcount": len(r.nested),
        "state": 0,
        "fansgrade": 0,
        "attr": 0,
        "ctime": int((start - timedelta(seconds=r.age)).timestamp()),
        "rpid_str": str(r.rpid),
        "root_str": str(root),
        "parent_str": str(root),
        "like": r.like,
        "action": 0,
        "member": {
            "mid": str(r.mid),
            "uname": r.uname,
            "sex": "保密",
            "sign": "",
            "avatar": "http://i0.hdslb.example/bfs/face/member/noface.jpg",
            "rank": "10000",
            "level_info": {"current_level": 4, "current_min": 0, "current_exp": 0, "next_exp": 0},
            "official_verify": {"type": -1, "desc": ""},
            "vip": {"vipType": 0, "vipStatus": 0},
        },
        "content": {
            "message": r.message,
            "plat": 2,
            "device": "",
            "members": [],
            "jump_url": {},
            "max_line": 6,
        },
        "replies": [_reply(x, aid, start, r.rpid) for x in r.nested] or None,
        "assist": 0,
        "folder": {"has_folded": False, "is_folded": False, "rule": ""},
        "up_action": {"like": False, "reply": False},
        "show_follow": False,
        "invisible": False,
    }


def _offset(pn: int) -> str:
    return json.dumps({"type": 1, "direction": 1, "data": {"pn": pn}}, separators=(",", ":"))


def reply_answer(v: Video, pn: int, ps: int, start: datetime) -> dict[str, Any]:
    everything = replies_of(v)
    shown = everything[(pn - 1) * ps : pn * ps]
    is_end = pn * ps >= len(everything)
    return {
        "code": 0,
        "message": "0",
        "ttl": 1,
        "data": {
            "cursor": {
                "is_begin": pn == 1,
                "prev": pn,
                "next": pn + 1,
                "is_end": is_end,
                "mode": 2,
                "mode_text": "最新评论",
                "all_count": len(everything) + 2,
                "support_mode": [1, 2, 3],
                "name": "最新评论",
                "pagination_reply": {} if is_end else {"next_offset": _offset(pn + 1)},
                "session_id": "",
            },
            "replies": [_reply(r, v.aid, start) for r in shown],
            "top": {"admin": None, "upper": None, "vote": None},
            "top_replies": [],
            "upper": {"mid": v.mid},
            "config": {"showtopic": 1, "show_up_flag": True, "read_only": False},
            "note": 1,
            "esports_grade_card": None,
            "callbacks": None,
            "context_feature": "",
            "control": {
                "input_disable": False,
                "root_input_text": "发一条友善的评论",
                "child_input_text": "",
                "answer_guide_text": "需要升级成为lv2会员后才可以评论",
            },
        },
    }


def _videos() -> dict[int, Video]:
    found = {v.aid: v for pages in SEARCH.values() for page in pages for v in page}
    for page in slow_pages():
        found.update({v.aid: v for v in page})
    return found


def nav_answer(keys: WbiKeys) -> dict[str, Any]:
    """``/x/web-interface/nav`` as an anonymous caller gets it (the document's example)."""
    return {
        "code": -101,
        "message": "账号未登录",
        "ttl": 1,
        "data": {
            "isLogin": False,
            "wbi_img": {
                "img_url": f"https://i0.hdslb.com/bfs/wbi/{keys.img_key}.png",
                "sub_url": f"https://i0.hdslb.com/bfs/wbi/{keys.sub_key}.png",
            },
        },
    }


def handle(
    handler: Any, site: str, path: str, q: dict[str, str], start: datetime, delay: float
) -> None:
    if path == "/x/web-interface/nav":
        given = _NAV_ANSWERS[site] = _NAV_ANSWERS.get(site, 0) + 1
        keys = YESTERDAYS_KEYS if site == "bilibili-rotate" and given == 1 else KEYS
        return handler.json(nav_answer(keys))
    if path in ("/x/web-interface/wbi/search/type", "/x/v2/reply/wbi/main") and (
        site == "bilibili-352" or not _signed(q, KEYS)
    ):
        return handler.json(
            {
                "code": -352,
                "message": "风控校验失败",
                "ttl": 1,
                "data": {"v_voucher": "voucher_0f4a3c2e-8b1d-4e5f-9a6b-2c7d8e9f0a1b"},
            }
        )
    if path == "/x/web-interface/wbi/search/type":
        page = int(q.get("page", "1"))
        if site == "bilibili-412" and page >= 2:
            body = (
                b'{"code":-412,"message":"\\u8bf7\\u6c42\\u88ab\\u62e6\\u622a","ttl":1,"data":null}'
            )
            return handler.send(412, body, "application/json; charset=utf-8")
        if q.get("search_type") != "video" or q.get("order") != "pubdate":
            return handler.json({"code": -400, "message": "请求错误", "ttl": 1})
        if site == "bilibili-bench":
            lane = int(q.get("keyword", "").removeprefix("bench") or 0)
            shown = bench_page(lane, page) if page <= 1000 else []
            return handler.json(search_answer(shown, page, 1000, 20000, start))
        if site == "bilibili-slow":
            time.sleep(delay)
            pages = slow_pages()
        else:
            pages = SEARCH.get(q.get("keyword", ""), [])
        shown = pages[page - 1] if page <= len(pages) else []
        return handler.json(
            search_answer(shown, page, len(pages), sum(len(p) for p in pages), start)
        )
    if path == "/x/v2/reply/wbi/main":
        oid = int(q.get("oid", "0"))
        v = bench_video(oid) if site == "bilibili-bench" else _videos().get(oid)
        if v is None:
            return handler.json({"code": -404, "message": "啥都木有", "ttl": 1})
        if v.closed:
            return handler.json({"code": 12002, "message": "评论区已关闭", "ttl": 1})
        if q.get("mode") != "2" or q.get("type") != "1":
            return handler.json({"code": -400, "message": "请求错误", "ttl": 1})
        offset = json.loads(q.get("pagination_str") or '{"offset":""}').get("offset") or ""
        pn = int(json.loads(offset)["data"]["pn"]) if offset else 1
        return handler.json(reply_answer(v, pn, 20, start))
    return handler.send(404, b"not found", "text/plain")


def _signed(q: dict[str, str], keys: WbiKeys) -> bool:
    """Whether ``q`` carries the WBI signature of its other parameters: the query
    encoded here from the document's description, not with the spider's code (the mixin
    key is the one the reference test pins)."""
    params = sorted((k, v) for k, v in q.items() if k != "w_rid")
    query = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in params)
    expected = hashlib.md5((query + keys.mixin_key).encode(), usedforsecurity=False).hexdigest()
    return "wts" in q and q.get("w_rid") == expected
