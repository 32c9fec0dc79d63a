# ruff: noqa: E501 - fixture pages keep the real sites' long HTML lines
"""A local HTTP server of fixture sites with the real sites' structure (m.weibo.cn JSON,
Tieba and Discuz! X HTML, RSS/Atom), like Scrapy's tests/mockserver.

Run ``python -m tests.crawlers.mockserver [--port N]``: prints ``PORT`` on its first line
and serves until killed. Sites (each is a ``base_url`` prefix):

==================  =====================================================================
/weibo              search (极光汽车 3 pages, 清泉乳业, 热搜 truncated, anything else empty),
                    timeline of 1900000005, statuses/extend, comments/hotflow
/weibo-ban          page 1 fine, page 2 → HTTP 418
/weibo-login        302 to a passport signin page
/weibo-auth         like /weibo, but only with cookie SUB=test-cookie and X-Radar-Test: hello
/weibo-bad          page 1 fine, page 2 a broken (non-JSON) body
/weibo-abnormal     page 1 fine, page 2 m.weibo.cn's "404错误" 帐号存在异常 (20003) page
/weibo-busy         page 1 fine, page 2 m.weibo.cn's 网络繁忙 page (blockpages.py)
/weibo-sso          Sina's GBK login page, refreshing to localhost (another host)
/weibo-offsite      page 1 fine, page 2 redirects to the same path on localhost
/weibo-growing      like /weibo, the crisis post gains a top comment with each run
/_seen              every request so far as [Host header, path]
/slow               12 search pages, each delayed ``SLOW_DELAY`` (the kill test)
/bench              1000 search pages of 10 posts (benchmark)
/tieba, /tieba-captcha, /discuz, /generic, /news
/tousu…             黑猫投诉 search API and complaint pages (tousu.py)
/bilibili…          Bilibili video search and reply APIs (bilibili.py)
/zhihu…             Zhihu search, answers and question answers APIs (zhihu.py)
==================  =====================================================================
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlparse
from zoneinfo import ZoneInfo

from tests.crawlers.mockserver import bilibili, blockpages, tousu, zhihu
from tests.crawlers.mockserver import content as c

CST = ZoneInfo("Asia/Shanghai")
SLOW_DELAY = float(os.environ.get("MOCK_SLOW_DELAY", "0.4"))
# posts were written at START - age; pages show that instant the way the site does,
# relative ones ("5分钟前") relative to the moment the page is served
START = datetime.now(UTC)
# every request as (Host header, path): ``GET /_seen`` lists them (the offsite test)
SEEN: list[tuple[str, str]] = []
# /weibo-growing: each read of the first search page is a later run, and by then the
# crisis post has one more comment, at the top of its hot comments
GROWN = {"runs": 0}
_GROWING = 4990000000000001
# the sites that serve /weibo's search results with a block page in place of page 2
BLOCKED_PAGE_2 = {
    "weibo-abnormal": blockpages.weibo_account_abnormal,
    "weibo-busy": blockpages.weibo_busy,
}


# -- weibo -------------------------------------------------------------------------------
def weibo_time(age: int, style: str, now: datetime) -> str:
    t = (START - timedelta(seconds=age)).astimezone(CST)
    shown_age = int((now - t).total_seconds())
    if style == "now":
        return "刚刚"
    if style == "minutes":
        return f"{shown_age // 60}分钟前"
    if style == "hours":
        return f"{shown_age // 3600}小时前"
    if style == "yesterday":
        if t.date() == now.astimezone(CST).date() - timedelta(days=1):
            return "昨天 " + t.strftime("%H:%M")
        return t.strftime("%m-%d %H:%M")  # what the site shows for older days
    if style == "md":
        return t.strftime("%m-%d")
    if style == "ymd":
        return t.strftime("%Y-%m-%d")
    return t.strftime("%a %b %d %H:%M:%S +0800 %Y")


def weibo_user(uid: int) -> dict[str, Any]:
    u = c.USERS[uid]
    return {
        "id": u.id,
        "screen_name": u.name,
        "profile_image_url": f"https://tvax1.sinaimg.example/crop/{u.id}.jpg",
        "profile_url": f"https://m.weibo.cn/u/{u.id}?uid={u.id}",
        "statuses_count": 100 + u.id % 1000,
        "verified": u.verified,
        "verified_type": 0 if u.verified else -1,
        "verified_reason": u.reason,
        "close_blue_v": False,
        "description": "",
        "gender": "f" if u.id % 2 else "m",
        "mbtype": 0,
        "urank": 10,
        "mbrank": 0,
        "follow_me": False,
        "following": False,
        "followers_count": u.followers,
        "follow_count": 100,
        "like": False,
        "like_me": False,
    }


def mblog(p: c.Post, now: datetime) -> dict[str, Any]:
    m: dict[str, Any] = {
        "created_at": weibo_time(p.age, p.style, now),
        "id": str(p.id),
        "idstr": str(p.id),
        "mid": str(p.id),
        "can_edit": False,
        "show_additional_indication": 0,
        "text": p.text,
        "textLength": len(p.long_text or p.text),
        "source": "iPhone客户端",
        "favorited": False,
        "pic_types": "",
        "is_paid": False,
        "mblog_vip_type": 0,
        "user": weibo_user(p.user),
        "reposts_count": p.reposts,
        "comments_count": p.comments or sum(len(pg) for pg in c.COMMENTS.get(p.id, [])),
        "attitudes_count": p.likes,
        "pending_approval_count": 0,
        "isLongText": bool(p.long_text),
        "reward_exhibition_type": 0,
        "hide_flag": 0,
        "visible": {"type": 0, "list_id": 0},
        "mblogtype": 2 if p.top else 0,
        "more_info_type": 0,
        "content_auth": 0,
        "edit_config": {"edited": False},
        "weibo_position": 2 if p.retweet_of else 1,
        "show_attitude_bar": 0,
        "bid": f"N{p.id % 100000000:08d}",
    }
    if p.top:
        m["isTop"] = 1
    if p.retweet_of:
        m["retweeted_status"] = mblog(c.ORIGINALS[p.retweet_of], now)
        m["raw_text"] = p.text
    return m


def cards_page(
    posts: list[c.Post],
    page: int,
    total: int,
    has_next: bool,
    now: datetime,
    containerid: str,
    extra: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    cards: list[dict[str, Any]] = [
        {
            "card_type": 9,
            "itemid": f"{containerid}_-_{p.id}",
            "scheme": f"https://m.weibo.cn/status/{p.id}?mblogid={p.id}",
            "mblog": mblog(p, now),
        }
        for p in posts
    ]
    info: dict[str, Any] = {
        "containerid": containerid,
        "v_p": 42,
        "show_style": 1,
        "total": total,
        "page": page + 1 if has_next else None,
    }
    return {
        "ok": 1,
        "data": {
            "cardlistInfo": info,
            "cards": (extra or []) + cards,
            "scheme": f"sinaweibo://cardlist?containerid={containerid}",
        },
    }


EMPTY = {"ok": 0, "msg": "这里还没有内容", "data": {"cards": []}}


def weibo(handler: Handler, site: str, path: str, q: dict[str, str]) -> None:
    now = datetime.now(UTC)
    if path == "/api/container/getIndex":
        page = int(q.get("page", "1"))
        cid = q.get("containerid", "")
        if site == "weibo-login" or (
            site == "weibo-auth"
            and (
                "SUB=test-cookie" not in (handler.headers.get("Cookie") or "")
                or handler.headers.get("X-Radar-Test") != "hello"
            )
        ):
            return handler.redirect("https://passport.weibo.example/signin/login?r=x")
        if site == "weibo-ban" and page >= 2:
            return handler.send(418, b"", "text/html")
        if site in BLOCKED_PAGE_2 and page >= 2:  # HTTP 200, HTML where JSON belongs
            return handler.send(200, BLOCKED_PAGE_2[site](), "text/html; charset=utf-8")
        if site == "weibo-sso":  # the login page, refreshing to a login URL on another host
            port = handler.server.server_address[1]
            body = blockpages.sina_sso_login(f"http://localhost:{port}/passport/ajaxlogin.php")
            return handler.send(200, body, "text/html; charset=GBK")
        if site == "weibo-offsite" and page >= 2:  # a plain redirect to another host
            port = handler.server.server_address[1]
            return handler.redirect(f"http://localhost:{port}{handler.path}")
        if site == "weibo-bad" and page == 2:
            return handler.send(
                200, b'{"ok":1,"data":{"cards":[{"card_type":9,"mb', "application/json"
            )
        if cid.startswith("107603"):
            pages = c.TIMELINE.get(cid[6:], [])
            total = sum(len(p) for p in pages)
        else:
            kw = cid.split("q=", 1)[1] if "q=" in cid else ""
            if site == "slow":
                time.sleep(SLOW_DELAY)
                pages = c.slow_pages()
            elif site == "bench":
                if page > 1000:
                    return handler.json(EMPTY)
                lane = int(kw.removeprefix("bench") or 0)
                posts = c.bench_page(page, lane)
                return handler.json(cards_page(posts, page, 10000, True, now, cid))
            else:
                pages = c.SEARCH.get(kw, [])
                if site in ("weibo-ban", "weibo-bad", "weibo-offsite", *BLOCKED_PAGE_2):
                    pages = [c.SEARCH["极光汽车"][0], c.SEARCH["极光汽车"][1]]
            total = c.TRUNCATED_TOTAL if kw == "热搜" else sum(len(p) for p in pages)
            if kw == "热搜" and page <= len(pages):
                note = {"card_type": 4, "desc": c.OMITTED_NOTE} if page == 2 else None
                return handler.json(
                    cards_page(
                        pages[page - 1], page, total, True, now, cid, [note] if note else None
                    )
                )
        if site == "weibo-growing" and page == 1 and page <= len(pages):
            GROWN["runs"] += 1
            answer = cards_page(pages[0], 1, total, len(pages) > 1, now, cid)
            for card in answer["data"]["cards"]:
                if card["mblog"]["id"] == str(_GROWING):
                    card["mblog"]["comments_count"] += GROWN["runs"]
            return handler.json(answer)
        if page > len(pages):
            body = dict(EMPTY)
            if total:
                body = {
                    "ok": 0,
                    "msg": "这里还没有内容",
                    "data": {"cards": [], "cardlistInfo": {"total": total}},
                }
            return handler.json(body)
        return handler.json(cards_page(pages[page - 1], page, total, page < len(pages), now, cid))
    if path == "/statuses/extend":
        post = _find_post(int(q.get("id", "0")))
        if post is None or not post.long_text:
            return handler.json({"ok": 0, "msg": "微博不存在"})
        if post.id in c.EXTEND_FAILS:
            return handler.json({"ok": 0})
        return handler.json(
            {
                "ok": 1,
                "data": {"ok": 1, "longTextContent": post.long_text, "reposts_count": post.reposts},
            }
        )
    if path == "/comments/hotflow":
        pages = c.COMMENTS.get(int(q.get("id", "0")), [])
        idx = int(q.get("max_id", "0") or 0)
        idx = idx - 7000 if idx else 0
        if not pages or idx >= len(pages):
            return handler.json({"ok": 0, "msg": "快来发表你的评论吧"})
        nxt = 7000 + idx + 1 if idx + 1 < len(pages) else 0
        shown = pages[idx]
        if site == "weibo-growing" and int(q.get("id", "0")) == _GROWING and idx == 0:
            shown = [
                c.Comment(
                    4990000000900000 + n, 1900000002, f"第{n}轮新增：刚看到新闻，我也是受害者", 60
                )
                for n in range(GROWN["runs"], 0, -1)
            ] + shown
        return handler.json(
            {
                "ok": 1,
                "data": {
                    "data": [comment(x, now) for x in shown],
                    "total_number": sum(len(p) for p in pages),
                    "max_id": nxt,
                    "max": len(pages),
                    "max_id_type": 0,
                },
            }
        )
    return handler.send(404, b"not found", "text/plain")


def comment(x: c.Comment, now: datetime) -> dict[str, Any]:
    t = (START - timedelta(seconds=x.age)).astimezone(CST)
    return {
        "created_at": t.strftime("%a %b %d %H:%M:%S +0800 %Y"),
        "id": str(x.id),
        "rootid": str(x.id),
        "floor_number": 1,
        "text": x.text,
        "disable_reply": 0,
        "user": weibo_user(x.user),
        "mid": str(x.id),
        "readtimetype": "comment",
        "comments": [comment(r, now) for r in x.replies] or False,
        "max_id": 0,
        "total_number": len(x.replies),
        "isLikedByMblogAuthor": False,
        "like_count": x.likes,
    }


def _find_post(pid: int) -> c.Post | None:
    for pages in [*c.SEARCH.values(), *c.TIMELINE.values()]:
        for page in pages:
            for p in page:
                if p.id == pid:
                    return p
    return None


# -- tieba -------------------------------------------------------------------------------
def tieba(handler: Handler, site: str, path: str, q: dict[str, str]) -> None:
    if site == "tieba-captcha":
        return handler.html(
            "<html><head><title>百度安全验证</title></head><body>"
            "<div class='timeout-title'>网络不给力，请稍后重试</div></body></html>"
        )
    if path == "/f":
        kw = q.get("kw", "")
        pn = int(q.get("pn", "0"))
        pages = c.TIEBA.get(kw, [])
        page = pn // 50
        threads = pages[page] if page < len(pages) else []
        return handler.html(tieba_list(kw, threads, pn, page + 1 < len(pages)))
    if path.startswith("/p/"):
        tid = int(path[3:])
        pn = int(q.get("pn", "1"))
        for pages in c.TIEBA.values():
            for threads in pages:
                for t in threads:
                    if t.tid == tid and pn <= len(t.pages):
                        return handler.html(tieba_thread(t, pn))
    return handler.send(404, b"not found", "text/plain")


def _field(data: dict[str, Any]) -> str:
    return escape(json.dumps(data), quote=True)


def tieba_list(kw: str, threads: list[c.Thread], pn: int, has_next: bool) -> str:
    rows = []
    for i, t in enumerate(threads, 1):
        field = {
            "id": t.tid,
            "author_name": t.author,
            "author_nickname": None,
            "first_post_id": t.pages[0][0].pid,
            "reply_num": t.replies,
            "is_good": None,
            "is_top": None,
        }
        rows.append(f"""
    <li class=" j_thread_list clearfix thread_item_box" data-field='{_field(field)}'  data-tid='{t.tid}' data-thread-type="0" data-floor='{i}'>
        <div class="t_con cleafix">
            <div class="col2_left j_threadlist_li_left">
                <span class="threadlist_rep_num center_text" title="回复">{t.replies}</span>
            </div>
            <div class="col2_right j_threadlist_li_right ">
            <div class="threadlist_lz clearfix">
                <div class="threadlist_title pull_left j_th_tit ">
    <a rel="noopener" href="/p/{t.tid}" title="{escape(t.title)}" target="_blank" class="j_th_tit ">{escape(t.title)}</a>
</div><div class="threadlist_author pull_right">
    <span class="tb_icon_author " title="主题作者: {escape(t.author)}"><span class="frs-author-name-wrap"><a class="frs-author-name j_user_card " href="/home/main/?id=tb.1.x&fr=frs">{escape(t.author)}</a></span></span>
    <span class="pull-right is_show_create_time" title="创建时间">{t.last}</span>
</div>
            </div>
            <div class="threadlist_detail clearfix">
                <div class="threadlist_text pull_left">
                    <div class="threadlist_abs threadlist_abs_onlyline ">{escape(t.pages[0][0].text[:30])}</div>
                </div>
                <div class="threadlist_author pull_right">
                    <span class="threadlist_reply_date pull_right j_reply_data" title="最后回复时间">{t.last}</span>
                </div>
            </div>
            </div>
        </div>
    </li>""")
    enc = quote(kw)
    pager = f'<span class="pagination-current pagination-item ">{pn // 50 + 1}</span>'
    if has_next:
        pager += (
            f'<a href="//tieba.example/f?kw={enc}&ie=utf-8&pn={pn + 50}" '
            f'class="next pagination-item " >下一页&gt;</a>'
        )
    inner = f"""
<ul id="thread_list" class="threadlist_bright j_threadlist_bright">{"".join(rows)}
</ul>
<div class="thread_list_bottom clearfix">
<div id="frs_list_pager" class="pagination-default clearfix">{pager}</div></div>"""
    return f"""<!DOCTYPE html>
<!--STATUS OK-->
<html><head><meta charset="UTF-8"><title>{escape(kw)}吧-百度贴吧</title></head>
<body><div id="content_wrap">
<script>Bigpipe.register("frs-list/pagelet/thread_list").then(function(){{}});</script><code class="pagelet_html" id="pagelet_html_frs-list/pagelet/thread_list" style="display:none;"><!--
{inner}
--></code></div></body></html>"""


def tieba_thread(t: c.Thread, pn: int) -> str:
    floors = []
    for f in t.pages[pn - 1]:
        no = sum(len(p) for p in t.pages[: pn - 1]) + t.pages[pn - 1].index(f) + 1
        field = {
            "author": {
                "user_id": f.uid,
                "user_name": f.login or f.author,
                "props": None,
                "portrait": f"tb.1.{f.uid}",
                "user_nickname": f.nickname or None,
            },
            "content": {
                "post_id": f.pid,
                "is_anonym": False,
                "forum_id": 27927174,
                "thread_id": t.tid,
                "content": f.text,
                "post_no": no,
                "type": "0",
                "comment_num": 0,
                "is_fold": 0,
                "post_index": no - 1,
            },
        }
        floors.append(f"""<div class="l_post l_post_bright j_l_post clearfix  " data-field="{_field(field)}" data-pid="{f.pid}">
<div class="d_author"><ul class="p_author"><li class="d_name" data-field="{_field({"user_id": f.uid})}"><a class="p_author_name j_user_card" href="/home/main?id=tb.1.{f.uid}&amp;fr=pb">{escape(f.author)}</a></li></ul></div>
<div class="d_post_content_main {"d_post_content_firstfloor" if no == 1 else ""}"><div class="p_content  "><cc>
<div class="j_ueg_post_content p_forbidden_tip" style="display:none;">该楼层疑似违规已被系统折叠&nbsp;</div><div id="post_content_{f.pid}" class="d_post_content j_d_post_content " style="display:;">            {f.text}</div><br></cc><br></div>
<div class="core_reply j_lzl_wrapper"><div class="core_reply_tail clearfix"><div class="post-tail-wrap"><span>IP属地:广东</span><span class="tail-info">来自<a href="#">Android客户端</a></span><span class="tail-info">{no}楼</span><span class="tail-info">{f.when}</span><a href="#" class="p_reply p_reply_first">回复</a></div></div></div></div></div>""")
    links = "".join(
        f'<a href="/p/{t.tid}?pn={i}">{i}</a>\n' for i in range(1, len(t.pages) + 1) if i != pn
    )
    if pn < len(t.pages):
        links += f'<a href="/p/{t.tid}?pn={pn + 1}">下一页</a>\n'
    return f"""<html><head><meta charset="UTF-8"><title>{escape(t.title)}【极光汽车吧】_百度贴吧</title></head>
<body><div class="left_section"><div class="core_title_wrap_bright clearfix" id="j_core_title_wrap"><h3 class="core_title_txt pull-left text-overflow  " title="{escape(t.title)}" style="width: 416px;">        {escape(t.title)}</h3></div>
<div class="p_postlist" id="j_p_postlist">{"".join(floors)}</div>
<ul class="l_posts_num"><li class="l_pager pager_theme_4 pb_list_pager"><span class="tP">{pn}</span>
{links}</li><li class="l_reply_num"><span class="red">{t.replies}</span>回复贴，共<span class="red">{len(t.pages)}</span>页</li></ul>
</div></body></html>"""


# -- discuz ------------------------------------------------------------------------------
def discuz(handler: Handler, site: str, path: str, q: dict[str, str]) -> None:
    if path != "/forum.php":
        return handler.send(404, b"not found", "text/plain")
    mod = q.get("mod")
    page = int(q.get("page", "1"))
    if mod == "forumdisplay":
        pages = c.DISCUZ.get(q.get("fid", ""), [])
        threads = pages[page - 1] if page <= len(pages) else []
        rows = "".join(
            f"""
<tbody id="normalthread_{t.tid}"><tr><td class="icn"><a href="forum.php?mod=viewthread&amp;tid={t.tid}" title="新窗口打开" target="_blank"><img src="static/image/common/folder_common.gif" /></a></td>
<th class="common"><a href="forum.php?mod=viewthread&amp;tid={t.tid}&amp;extra=page%3D1" onclick="atarget(this)" class="s xst">{escape(t.title)}</a></th>
<td class="by"><cite><a href="home.php?mod=space&amp;uid=1" c="1">{escape(t.author)}</a></cite><em><span>{t.last}</span></em></td>
<td class="num"><a href="forum.php?mod=viewthread&amp;tid={t.tid}" class="xi2">{t.replies}</a><em>{t.replies * 20}</em></td>
<td class="by"><cite><a href="home.php?mod=space&amp;username=x" c="1">x</a></cite><em><a href="forum.php?mod=redirect&amp;tid={t.tid}&amp;goto=lastpost#lastpost">{t.last}</a></em></td></tr></tbody>"""
            for t in threads
        )
        nxt = (
            (
                f'<a href="forum.php?mod=forumdisplay&amp;fid={q.get("fid")}&amp;page={page + 1}"'
                f' class="nxt">下一页</a>'
            )
            if page < len(pages)
            else ""
        )
        return handler.html(f"""<!DOCTYPE html><html><head><meta charset="utf-8" /><title>星辰手机 - 数码论坛 - Powered by Discuz!</title></head><body>
<div id="threadlist" class="tl bm bmw"><div class="bm_c"><form method="post" name="moderate" id="moderate" action="forum.php?mod=topicadmin"><table summary="forum_2" cellspacing="0" cellpadding="0" id="threadlisttableid">
<tbody><tr><th colspan="2">全部主题</th></tr></tbody>{rows}
</table></form></div></div>
<div class="pg"><strong>{page}</strong>{nxt}</div></body></html>""")
    if mod == "viewthread":
        tid = int(q.get("tid", "0"))
        for pages in c.DISCUZ.values():
            for threads in pages:
                for t in threads:
                    if t.tid == tid and page <= len(t.pages):
                        return handler.html(discuz_thread(t, page))
        return handler.html(
            "<html><head><title>提示信息 - Powered by Discuz!</title></head><body>"
            '<div id="messagetext" class="alert_error"><p>抱歉，指定的主题不存在或已被删除</p></div></body></html>'
        )
    return handler.send(404, b"not found", "text/plain")


def discuz_thread(t: c.Thread, page: int) -> str:
    posts = []
    for f in t.pages[page - 1]:
        no = sum(len(p) for p in t.pages[: page - 1]) + t.pages[page - 1].index(f) + 1
        when = (
            '发表于 <span title="2026-1-5 14:00">3&nbsp;天前</span>'
            if f.when == "RELATIVE"
            else escape(f.when)
        )
        posts.append(f"""<div id="post_{f.pid}" ><table id="pid{f.pid}" class="plhin" summary="pid{f.pid}" cellspacing="0" cellpadding="0"><tr>
<td class="pls" rowspan="2"><div class="pi"><div class="authi"><a href="home.php?mod=space&amp;uid={f.uid}" target="_blank" class="xw1">{escape(f.author)}</a></div></div></td>
<td class="plc"><div class="pi"><strong><a href="forum.php?mod=redirect&amp;goto=findpost&amp;ptid={t.tid}&amp;pid={f.pid}" id="postnum{f.pid}" onclick="setCopy(this.href, '帖子地址复制成功');return false;"><em>{no}</em><sup>#</sup></a></strong>
<div class="pti"><div class="authi"><em id="authorposton{f.pid}">{when}</em></div></div></div>
<div class="pct"><div class="pcb"><div class="t_fsz"><table cellspacing="0" cellpadding="0"><tr><td class="t_f" id="postmessage_{f.pid}">
{f.text}</td></tr></table></div></div></div></td></tr></table></div>""")
    nxt = (
        f'<a href="forum.php?mod=viewthread&amp;tid={t.tid}&amp;page={page + 1}" class="nxt">下一页</a>'
        if page < len(t.pages)
        else ""
    )
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8" /><title>{escape(t.title)} - 星辰手机 - 数码论坛 - Powered by Discuz!</title></head><body>
<div id="pt" class="bm cl"></div>
<h1 class="ts"><span id="thread_subject">{escape(t.title)}</span></h1>
<div id="postlist" class="pl bm">{"".join(posts)}</div>
<div class="pgs mtm mbm cl"><div class="pg"><strong>{page}</strong>{nxt}</div></div></body></html>"""


# -- generic forum -----------------------------------------------------------------------
def generic(handler: Handler, site: str, path: str, q: dict[str, str]) -> None:
    if path in ("/", ""):
        # a script link and a mail link among the topic links, as real forum lists have
        links = (
            '<li class="topic"><a class="topic-link" href="javascript:;">发帖须知</a></li>'
            '<li class="topic"><a class="topic-link" href="mailto:admin@example.org">'
            "联系版主</a></li>"
        ) + "".join(
            f'<li class="topic"><a class="topic-link" href="/generic/t/{tid}">'
            f"{escape(title)}</a></li>"
            for tid, (title, _) in c.GENERIC_THREADS.items()
        )
        return handler.html(f"<html><body><ul class='topics'>{links}</ul></body></html>")
    if path.startswith("/t/"):
        tid = path[3:]
        if tid not in c.GENERIC_THREADS:
            return handler.send(404, b"not found", "text/plain")
        title, posts = c.GENERIC_THREADS[tid]
        body = "".join(
            f'<article class="msg" data-id="{pid}"><span class="who">{escape(a)}</span>'
            f'<time>{w}</time><div class="body">{escape(t)}</div></article>'
            for pid, a, t, w in posts
        )
        return handler.html(
            f"<html><body><h2 class='subject'>{escape(title)}</h2>{body}</body></html>"
        )
    return handler.send(404, b"not found", "text/plain")


# -- feeds -------------------------------------------------------------------------------
def news(handler: Handler, site: str, path: str, q: dict[str, str], base: str) -> None:
    now = START
    if path == "/rss.xml":
        items = []
        for n, (title, text) in c.ARTICLES.items():
            items.append(f"""<item><title>{escape(title)}</title><link>{base}/article/{n}.html</link>
<guid isPermaLink="false">news-{n}</guid><pubDate>{format_datetime(now - timedelta(hours=3 * n))}</pubDate>
<author>newsroom@example.org (新闻编辑部)</author><description>{escape(text[:40])}…</description></item>""")
        items.append(f"""<item><title>星辰手机发布会定档</title><link>{base}/article/9.html</link>
<guid>news-9</guid><pubDate>{format_datetime(now - timedelta(hours=5))}</pubDate>
<description>星辰手机发布会定档</description><content:encoded><![CDATA[<p>星辰手机宣布新品发布会将于下月举行，新机星辰S3 Pro将首次亮相，主打长续航与影像。</p>]]></content:encoded></item>""")
        items.append(f"""<item><title>本地天气预报</title><link>{base}/article/10.html</link><guid>news-10</guid>
<pubDate>{format_datetime(now - timedelta(hours=6))}</pubDate><description>明天晴转多云，气温回升。</description>
<content:encoded><![CDATA[<p>明天晴转多云，气温回升，适合出行。</p>]]></content:encoded></item>""")
        xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
<title>测试新闻</title><link>{base}/</link><description>财经与消费新闻</description><language>zh-cn</language>
{"".join(items)}</channel></rss>"""
        return handler.send(200, xml.encode(), "application/rss+xml; charset=utf-8")
    if path == "/atom.xml":
        stamp = (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        xml = f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>消费者之声</title><id>urn:test:voice</id><updated>{stamp}</updated>
<entry><title>清泉奶粉用户投诉集中在物流</title><id>urn:test:voice:1</id><link href="{base}/article/2.html"/>
<updated>{stamp}</updated><author><name>记者小李</name></author>
<summary>清泉乳业……</summary></entry>
<entry><title>极光汽车回应刹车异响</title><id>urn:test:voice:2</id><link href="{base}/article/3.html"/>
<updated>{stamp}</updated><content type="html">&lt;p&gt;极光汽车官方回应称，刹车异响系刹车片磨合所致，将为车主免费更换。&lt;/p&gt;</content></entry>
</feed>"""
        return handler.send(200, xml.encode(), "application/atom+xml; charset=utf-8")
    if path == "/odd-links.xml":  # links a feed may really carry: relative, javascript:
        stamp = format_datetime(now - timedelta(hours=2))
        xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>链接测试</title><link>{base}/</link><description>x</description>
<item><title>极光汽车车主联名维权</title><link>javascript:alert(1)</link><guid>odd-1</guid>
<pubDate>{stamp}</pubDate><description>极光汽车车主联名维权……</description></item>
<item><title>相对链接：极光汽车召回</title><link>article/1.html</link><guid>odd-2</guid>
<pubDate>{stamp}</pubDate><description>极光汽车召回……</description></item>
</channel></rss>"""
        return handler.send(200, xml.encode(), "application/rss+xml; charset=utf-8")
    if path == "/offsite.xml":  # an entry whose article lives on another host
        port = handler.server.server_address[1]
        xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>转载</title><link>{base}/</link><description>x</description>
<item><title>极光汽车召回（转载）</title><link>http://localhost:{port}/news/article/1.html</link>
<guid>offsite-1</guid><pubDate>{format_datetime(now - timedelta(hours=2))}</pubDate>
<description>极光汽车召回部分车型……</description></item>
</channel></rss>"""
        return handler.send(200, xml.encode(), "application/rss+xml; charset=utf-8")
    if path == "/dates.xml":  # times as real Chinese feeds print them: a bare date, no zone
        xml = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
<title>日期测试</title><link>http://news.example/</link><description>x</description>
<item><title>极光汽车门店开业</title><guid>dates-1</guid><pubDate>2025-11-23</pubDate>
<content:encoded><![CDATA[<p>极光汽车新门店今日开业，现场人气很旺。</p>]]></content:encoded></item>
<item><title>极光汽车售后升级</title><guid>dates-2</guid><pubDate>2025-11-23 10:30:00</pubDate>
<content:encoded><![CDATA[<p>极光汽车宣布售后服务升级，承诺两小时响应。</p>]]></content:encoded></item>
<item><title>极光汽车回应质疑</title><guid>dates-3</guid><pubDate>Sun, 23 Nov 2025 10:30:00 +0000</pubDate>
<content:encoded><![CDATA[<p>极光汽车就刹车异响质疑作出回应。</p>]]></content:encoded></item>
</channel></rss>"""
        return handler.send(200, xml.encode(), "application/rss+xml; charset=utf-8")
    if path == "/dates-atom.xml":
        xml = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>日期测试</title><id>urn:test:dates</id><updated>2025-11-24</updated>
<entry><title>清泉乳业新品上市</title><id>urn:test:dates:1</id><updated>2025-11-24</updated>
<content type="html">&lt;p&gt;清泉乳业推出新款酸奶。&lt;/p&gt;</content></entry>
</feed>"""
        return handler.send(200, xml.encode(), "application/atom+xml; charset=utf-8")
    if path == "/broken.xml":
        return handler.send(200, b"<html><body>Service Unavailable", "application/rss+xml")
    if path.startswith("/article/"):
        n = int(path.rsplit("/", 1)[1].split(".")[0])
        if n not in c.ARTICLES:
            return handler.send(404, b"not found", "text/plain")
        title, text = c.ARTICLES[n]
        paras = "".join(f"<p>{escape(s)}。</p>" for s in text.split("。") if s)
        return handler.html(f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{escape(title)}_测试新闻</title></head>
<body><header><nav><a href="/">首页</a> | <a href="/finance">财经</a> | <a href="/auto">汽车</a></nav></header>
<main><article><h1>{escape(title)}</h1><div class="meta">2026-01-05 10:00 来源：测试新闻</div>
<div class="content">{paras}</div></article>
<aside><h3>热门推荐</h3><ul><li><a href="/x">今日股市收评</a></li><li><a href="/y">周末去哪儿玩</a></li></ul></aside></main>
<footer>版权所有 © 测试新闻 联系我们 广告服务</footer></body></html>""")
    return handler.send(404, b"not found", "text/plain")


# -- plumbing ----------------------------------------------------------------------------
class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "mockserver/1.0"
    disable_nagle_algorithm = True  # headers and body go out at once on keep-alive

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def send(
        self, status: int, body: bytes, ctype: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def json(self, data: Any) -> None:
        self.send(
            200, json.dumps(data, ensure_ascii=False).encode(), "application/json; charset=utf-8"
        )

    def html(self, text: str) -> None:
        self.send(200, text.encode("utf-8"), "text/html; charset=utf-8")

    def redirect(self, location: str) -> None:
        self.send(302, b"", "text/html", {"Location": location})

    def do_GET(self) -> None:
        url = urlparse(self.path)
        q = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        parts = url.path.split("/", 2)
        site = parts[1] if len(parts) > 1 else ""
        rest = "/" + unquote(parts[2]) if len(parts) > 2 else "/"
        SEEN.append((self.headers.get("Host", ""), self.path))
        if url.path == "/_seen":
            return self.json(SEEN)
        if url.path == "/robots.txt":
            return self.send(200, b"User-agent: *\nDisallow: /private/\n", "text/plain")
        base = f"http://{self.headers.get('Host', '127.0.0.1')}/{site}"
        if site in (
            "weibo",
            "weibo-auth",
            "weibo-ban",
            "weibo-login",
            "weibo-bad",
            "weibo-abnormal",
            "weibo-busy",
            "weibo-sso",
            "weibo-offsite",
            "weibo-growing",
            "slow",
            "bench",
        ):
            return weibo(self, site, rest, q)
        if site in ("tieba", "tieba-captcha"):
            return tieba(self, site, rest, q)
        if site == "discuz":
            return discuz(self, site, rest, q)
        if site == "generic":
            return generic(self, site, rest, q)
        if site == "news":
            return news(self, site, rest, q, base)
        if site.startswith("tousu"):
            return tousu.handle(self, site, rest, q, START, SLOW_DELAY)
        if site.startswith("bilibili"):
            return bilibili.handle(self, site, rest, q, START, SLOW_DELAY)
        if site.startswith("zhihu"):
            return zhihu.handle(self, site, rest, q, START, SLOW_DELAY)
        return self.send(404, b"not found", "text/plain")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    sys.stdout.flush()
    server.serve_forever()


if __name__ == "__main__":
    main()
