# ruff: noqa: E501 - fixture answers keep the real API's long lines
"""Zhihu fixture site: the web API's search, answers and a question's answers.

The content is our own; the structure is the real API's as public clients read it (see
the README next to this file):

* ``GET /api/v4/search_v3?t=general&q=&correction=1&offset=&limit=``: ``{"paging":
  {"is_end", "next"}, "data": [{"type": "search_result", "highlight": {...}, "object":
  {"type": "answer" | "question" | "article", "id", "excerpt", "voteup_count",
  "comment_count", "created_time", "updated_time", "author": {…}, "question": {"id",
  "name", "type": "question"}}}]}``; a question object has ``name`` (keyword in
  ``<em>``), ``answer_count``, ``follow_count``, ``created_time``.
* ``GET /api/v4/answers/{id}?include=…``: the answer with ``content`` (HTML).
* ``GET /api/v4/questions/{qid}/answers?include=…&limit=&offset=&sort_by=``: ``{"data":
  [answers], "paging": {"is_end", "is_start", "next", "previous", "totals"}}``.
* Errors: ``{"error": {"code", "message", "need_login", "redirect"}}`` — HTTP 403 with
  code 40352 and a redirect to ``/account/unhuman`` (the 安全验证 wall), HTTP 401 with
  ``need_login``.

Sites: ``/zhihu`` (极光汽车 2 search pages: a question with 25 answers, a long answer that
names the brand once, an article, a 北极光 question; 清泉乳业 one answer),
``/zhihu-captcha`` (search page 2 is the 40352 wall), ``/zhihu-login`` (the search
answers need_login), ``/zhihu-slow`` (12 search pages × 10 answers, each page delayed:
the kill test), ``/zhihu-bench`` (pages of 20 answers per keyword ``bench<lane>``:
bench/crawl.py).
"""

from __future__ import annotations

import time
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

H = 3600
PAGE = 4  # results per search page served (the spider asks 20; the site may give fewer)


@dataclass(frozen=True)
class Answer:
    id: int
    qid: int
    question: str
    age: int
    author: str
    content: str  # HTML
    votes: int = 0


@dataclass(frozen=True)
class Question:
    id: int
    title: str
    age: int
    excerpt: str
    answers: int


_FILLER = "<p>先说结论：买车之前一定要多试驾、多看口碑，别只看发布会。</p>" * 20
LONG = Answer(
    2300000001,
    3300000001,
    "二十万左右的SUV怎么选？",
    2 * H,
    "用车十年",
    _FILLER
    + "<p>我去年买的极光汽车，刹车异响修了三次都没好，4S店态度也很差，不推荐。</p>"
    + _FILLER,
    321,
)
BRAKES = Question(
    3300000002, "<em>极光汽车</em>X7的刹车异响普遍吗？", 3 * H, "提车两个月就开始响……", 25
)
NORTHERN = Question(3300000003, "在哪里能看到北极光？", 4 * H, "想去看北极光", 3)
MILK = Answer(
    2300000101,
    3300000101,
    "国产奶粉哪个牌子靠谱？",
    5 * H,
    "新手妈妈",
    "<p>我家一直喝清泉奶粉，宝宝没出过问题。</p>",
    12,
)
OLD = Answer(
    2300000002,
    3300000004,
    "新能源车值得买吗？",
    80 * H,
    "电车车主",
    "<p>开了一年极光汽车，电耗比宣传高不少。</p>",
    5,
)


def question_answers(q: Question) -> list[Answer]:
    """Newest first (``sort_by=created``)."""
    words = [
        "我的也响，4S店说正常",
        "换了刹车片就好了",
        "极光汽车售后拖了一个月",
        "没遇到过",
        "建议投诉",
    ]
    return [
        Answer(
            2400000000 + q.id % 1000 * 100 + n,
            q.id,
            q.title.replace("<em>", "").replace("</em>", ""),
            60 * (n + 1),
            f"车主{n}",
            f"<p>{words[n % 5]}</p>",
            n,
        )
        for n in range(q.answers)
    ]


def _article() -> dict[str, Any]:
    return {
        "type": "search_result",
        "object": {
            "type": "article",
            "id": "9900000001",
            "title": "<em>极光汽车</em>年度评测",
            "excerpt": "……",
            "created": 1700000000,
            "author": {"name": "汽车专栏"},
        },
    }


def search_results(keyword: str) -> list[Any]:
    if keyword == "极光汽车":
        return [LONG, BRAKES, "article", NORTHERN, OLD]
    if keyword == "清泉乳业":
        return [MILK]
    return []


def slow_results() -> list[Answer]:
    return [
        Answer(
            2500000000 + n,
            3500000000 + n,
            f"极光汽车问题{n}",
            n * 600,
            f"答主{n}",
            f"<p>第{n}条：极光汽车的保养费用是多少？</p>",
            n,
        )
        for n in range(120)
    ]


_BRANDS = ["极光汽车", "清泉乳业", "星辰手机"]


def bench_answer(aid: int) -> Answer:
    """Benchmark answers (``/zhihu-bench``): id = 2600000000 + lane * 10**6 + n."""
    n = aid % 10**6
    brand = _BRANDS[n % 3]
    body = (
        f"<p>{brand}用了半年，说说真实感受。</p>"
        + "<p>续航、做工和售后都聊一聊，整体还算满意，但客服响应偏慢。</p>" * 8
    )
    return Answer(
        aid, 3600000000 + n, f"{brand}值得买吗？（{n}）", n * 60, f"答主{n % 97}", body, n % 50
    )


def _author(name: str) -> dict[str, Any]:
    key = zlib.crc32(name.encode())
    return {
        "id": f"a{key:010d}",
        "url_token": f"user-{key % 10**6}",
        "name": name,
        "headline": "",
        "type": "people",
        "avatar_url": "https://pic1.zhimg.example/v2-abc.jpg",
        "follower_count": 120,
        "gender": 1,
        "is_org": False,
    }


def answer_object(a: Answer, start: datetime, full: bool) -> dict[str, Any]:
    t = int((start - timedelta(seconds=a.age)).timestamp())
    obj: dict[str, Any] = {
        "id": str(a.id),
        "type": "answer",
        "url": f"https://api.zhihu.example/answers/{a.id}",
        "author": _author(a.author),
        "created_time": t,
        "updated_time": t,
        "voteup_count": a.votes,
        "comment_count": a.votes // 3,
        "excerpt": a.content.replace("<p>", "").replace("</p>", "")[:60],
        "question": {
            "id": str(a.qid),
            "type": "question",
            "name": a.question,
            "title": a.question,
            "url": f"https://api.zhihu.example/questions/{a.qid}",
        },
    }
    if full:
        obj["content"] = a.content
    return obj


def question_object(q: Question, start: datetime) -> dict[str, Any]:
    return {
        "id": str(q.id),
        "type": "question",
        "name": q.title,
        "url": f"https://api.zhihu.example/questions/{q.id}",
        "excerpt": q.excerpt,
        "answer_count": q.answers,
        "follow_count": 40,
        "created_time": int((start - timedelta(seconds=q.age)).timestamp()),
        "author": _author("提问的人"),
    }


def _result(x: Any, start: datetime) -> dict[str, Any]:
    if x == "article":
        return _article()
    obj = (
        answer_object(x, start, full=False) if isinstance(x, Answer) else question_object(x, start)
    )
    return {"type": "search_result", "highlight": {"title": "", "description": ""}, "object": obj}


def handle(
    handler: Any, site: str, path: str, q: dict[str, str], start: datetime, delay: float
) -> None:
    if path == "/api/v4/search_v3":
        offset = int(q.get("offset", "0"))
        if site == "zhihu-login":
            return handler.send(
                401,
                b'{"error":{"code":100,"message":"\\u8bf7\\u5148\\u767b\\u5f55","need_login":true}}',
                "application/json",
            )
        if site == "zhihu-captcha" and offset >= 20:
            body = '{"error":{"code":40352,"message":"系统监测到您的网络环境存在异常，为保证您的正常访问，请点击下方验证按钮进行验证。","redirect":"https://www.zhihu.example/account/unhuman?type=unhuman&message=x&need_login=false","need_login":false}}'
            return handler.send(403, body.encode(), "application/json")
        if site == "zhihu-bench":
            lane = int(q.get("q", "").removeprefix("bench") or 0)
            base = 2600000000 + lane * 10**6 + offset
            shown = [bench_answer(base + i) for i in range(20)] if offset < 20000 else []
            return handler.json(
                {
                    "paging": {"is_end": offset + 20 >= 20000, "next": ""},
                    "data": [_result(a, start) for a in shown],
                }
            )
        if site == "zhihu-slow":
            time.sleep(delay)
            found: list[Any] = list(slow_results())
            per = 10
        else:
            found, per = search_results(q.get("q", "")), PAGE
        page = offset // 20
        shown = found[page * per : (page + 1) * per]
        is_end = (page + 1) * per >= len(found)
        return handler.json(
            {
                "paging": {
                    "is_end": is_end,
                    "next": f"https://www.zhihu.example/api/v4/search_v3?offset={offset + 20}&limit=20",
                },
                "data": [_result(x, start) for x in shown],
                "search_action_info": {
                    "lc_idx": offset + len(shown),
                    "search_hash_id": "d9f7c0b41027082f72f78a8df1706d87",
                },
            }
        )
    if path.startswith("/api/v4/answers/"):
        aid = int(path.rsplit("/", 1)[1])
        every = {a.id: a for a in [LONG, MILK, OLD, *slow_results()]}
        if site == "zhihu-bench":
            every = {aid: bench_answer(aid)}
        if aid not in every:
            return handler.send(
                404,
                b'{"error":{"code":404,"message":"\\u8d44\\u6e90\\u4e0d\\u5b58\\u5728"}}',
                "application/json",
            )
        return handler.json(answer_object(every[aid], start, full=True))
    if path.startswith("/api/v4/questions/") and path.endswith("/answers"):
        qid = int(path.split("/")[4])
        question = {x.id: x for x in (BRAKES, NORTHERN)}.get(qid)
        answers = question_answers(question) if question else []
        offset, limit = int(q.get("offset", "0")), min(int(q.get("limit", "20")), 20)
        shown = answers[offset : offset + limit]
        return handler.json(
            {
                "data": [answer_object(a, start, full=True) for a in shown],
                "paging": {
                    "is_end": offset + limit >= len(answers),
                    "is_start": offset == 0,
                    "next": "",
                    "previous": "",
                    "totals": len(answers),
                },
            }
        )
    return handler.send(404, b"not found", "text/plain")
