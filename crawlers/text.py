"""Crawled HTML fragments → plain text.

Emoticons are images whose ``alt`` is their name (m.weibo.cn: ``<span class="url-icon">
<img alt=[泪] …></span>``): the alt text is kept because it carries sentiment. Tieba's
client smileys (``<img class="BDE_Smiley" src="…/image_emoticon9.png">``) have no alt:
they are named from the image (``[泪]``, else ``[表情]``), and a Tieba photo
(``BDE_Image``) is the mark ``[图片]``, so a floor that is only a smiley or a photo is
still a post. Other images (photos, link icons without alt) are
dropped, ``<br>`` and block ends become newlines, and Weibo's "全文" (read more) link is
removed, and so are Weibo's embed cards (``<a data-url=…>`` "XXX的秒拍视频", "网页链接":
their label names the uploader, not what the poster said). The result is plain text;
whoever shows it escapes it.
"""

from __future__ import annotations

import html
import re

import lxml.html
from lxml import etree

_BLOCKS = {"p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre"}
_DROP = {"script", "style", "noscript", "template"}
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u3000]+")
_NEWLINES = re.compile(r"\s*\n\s*")
_MORE_LINKS = {"全文", "展开全文", "...全文", "展开"}
IMAGE_MARK = "[图片]"  # a photo in a post (Tieba BDE_Image): a photo-only floor is this
SMILEY_MARK = "[表情]"  # an emoticon we cannot name
_TIEBA_SMILEY = re.compile(r"image_emoticon(\d*)\.(?:png|gif)")
# Tieba's client emoticon set (image_emoticon = image_emoticon1, … 50, 61 … 84)
_SMILEYS_1 = (
    "呵呵 哈哈 吐舌 啊 酷 怒 开心 汗 泪 黑线 鄙视 不高兴 真棒 钱 疑问 阴险 吐 咦 委屈 花心 "
    "呼~ 笑眼 冷 太开心 滑稽 勉强 狂汗 乖 睡觉 惊哭 生气 惊讶 喷 爱心 心碎 玫瑰 礼物 彩虹 "
    "星星月亮 太阳 钱币 灯泡 茶杯 蛋糕 音乐 haha 胜利 大拇指 弱 OK"
)
_SMILEYS_61 = (
    "哼 吃瓜 扔便便 惊恐 哎呦 小乖 捂嘴笑 你懂的 what 酸爽 呀咩爹 笑尿 挖鼻 犀利 小红脸 "
    "懒得理 沙发 手纸 香蕉 便便 药丸 红领巾 蜡烛 三道杠"
)
_TIEBA_SMILEYS = dict(enumerate(_SMILEYS_1.split(" "), 1)) | dict(
    enumerate(_SMILEYS_61.split(" "), 61)
)
# labels of Weibo embed cards (video, article, live stream, web link)
_CARD_LABEL = re.compile(r"的(?:秒拍|微博|快手|美拍)?视频$|的头条文章$|的微博直播$|^网页链接$")


def squeeze(text: str) -> str:
    """Collapse runs of spaces, keep single line breaks, strip the ends."""
    text = _SPACES.sub(" ", text)
    return _NEWLINES.sub("\n", text).strip()


def html_to_text(fragment: str) -> str:
    if "<" not in fragment:
        return squeeze(html.unescape(fragment))
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return squeeze(html.unescape(re.sub(r"<[^>]*>", " ", fragment)))
    return squeeze(element_text(root))


def element_text(root: lxml.html.HtmlElement) -> str:
    """Text of an element with the rules above (emoticon alt kept, breaks as newlines)."""
    parts: list[str] = []

    def walk(el: etree._Element) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in _DROP:
            if el.tail:
                parts.append(el.tail)
            return
        if tag == "img":
            alt = (el.get("alt") or "").strip()
            if alt and _is_emoticon(el, alt):
                parts.append(alt)
            elif "BDE_Smiley" in (el.get("class") or ""):
                parts.append(tieba_smiley(el))
            elif "BDE_Image" in (el.get("class") or ""):
                parts.append(IMAGE_MARK)
        elif tag == "br":
            parts.append("\n")
        elif tag == "a" and (
            (el.text_content() or "").strip() in _MORE_LINKS or _is_weibo_card(el)
        ):
            pass
        else:
            if el.text and tag:
                parts.append(el.text)
            for child in el:
                walk(child)
            if tag in _BLOCKS:
                parts.append("\n")
        if el.tail:
            parts.append(el.tail)

    if root.text:
        parts.append(root.text)
    for child in root:
        walk(child)
    return "".join(parts)


def tieba_smiley(img: etree._Element) -> str:
    """A Tieba client smiley has no alt: its name is in its image (``image_emoticon9.png``
    is 泪), written like Weibo's ``[泪]``; one we cannot name is ``[表情]``."""
    title = (img.get("title") or "").strip()
    if title:
        return title if title.startswith("[") else f"[{title}]"
    m = _TIEBA_SMILEY.search(img.get("src") or "")
    name = _TIEBA_SMILEYS.get(int(m.group(1) or 1)) if m else None
    return f"[{name}]" if name else SMILEY_MARK


def _is_weibo_card(a: etree._Element) -> bool:
    """A Weibo short-link card (``<a data-url="http://t.cn/…">`` with a
    ``timeline_card_small_*`` icon): its label is the embed's title, e.g. the uploader's
    name in "Dear-迪丽热巴的秒拍视频", not the poster's words, and a name in it must not
    match as a brand. A place card ("北京·三里屯") is kept: the place is what was said."""
    if not a.get("data-url"):
        return False
    for img in a.iter("img"):
        src = img.get("src") or ""
        if "timeline_card_small" in src:
            return "location" not in src
    return bool(_CARD_LABEL.search((a.text_content() or "").strip()))


def _is_emoticon(img: etree._Element, alt: str) -> bool:
    cls = img.get("class") or ""
    parent = img.getparent()
    parent_cls = (parent.get("class") or "") if parent is not None else ""
    return (
        (alt.startswith("[") and alt.endswith("]"))
        or "url-icon" in parent_cls
        or "Smiley" in cls
        or "smiley" in cls
        or "emoticon" in (img.get("src") or "")
    )
