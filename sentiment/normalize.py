"""Weibo text as the scorer sees it.

Crawled posts arrive as plain text after cleaning, but still carry Weibo's marks:
emoticon tags ``[怒]`` ``[泪]`` ``[哈哈]``, repost chains ``我的话//@某人:转发的话``,
topics ``#话题#`` (``{%#话题#%}`` in some exports), ``@mentions``, URLs, traditional
characters, runs like ``哈哈哈哈哈哈``. :func:`model_text` turns a post into the string
the model was trained on (the same function is used at training time):

- ``{%…%}`` embeds other than topics (video uploaders, check-in places, "网页链接") are
  dropped: uploader and place names said nothing about the author's mood but were
  learned as if they did (weibo2018 validation 0.875 → 0.881 for the weibo expert);
- zero-width characters (U+200B–U+200D, U+2060, BOM) are removed: 92% of the weibo2018
  export's posts end in U+200B and almost no other corpus's do, so the gate had learned
  "U+200B → Weibo" (its largest weight) and routed real Weibo posts, which lack it, away
  from the Weibo expert (weibo2018 validation with U+200B stripped fell 0.873 → 0.820);
- the author's own words are scored; when they are empty (a bare repost, "转发微博"),
  the first non-empty part of the repost chain is used instead;
- each emoticon tag becomes ONE private-use character (a stable hash of its name), so
  ``[泪]`` is a feature of its own, distinct from the character 泪 in the text;
- traditional characters go through SnowNLP's converter (``snownlp.normal.zh2hans``);
- full-width forms are folded (NFKC), Latin is lower-cased, URLs and @names dropped,
  character runs capped at three, and very long posts cut to :data:`MAX_CHARS`.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import sys
import unicodedata
import zlib
from pathlib import Path
from types import ModuleType

import numpy as np

MAX_CHARS = 2000  # a post's first 2,000 characters carry its sentiment; keeps 10k-char input fast
EMOTICON_BASE = 0xE000  # Unicode private-use area: emoticon tags map here
EMOTICON_SLOTS = 6000

_URL = re.compile(r"(?:https?://|www\.)[^\s\u4e00-\u9fff，。！？；：、]+|\bt\.cn/\w+", re.I)
_TOPIC_WRAPPER = re.compile(r"\{%(#[^#]{0,60}#)%\}")
# other embeds: {%某人的秒拍视频%}, {%南宁·胡桃里%} (check-in), {%网页链接%}
_EMBED = re.compile(r"\{%[^%]{0,80}%\}")
_ZERO_WIDTH = re.compile("[\u200b-\u200d\u2060\ufeff]")
_MENTION = re.compile(r"@[\w\u4e00-\u9fff\-]{1,30}[:：]?")
_REPOST_MARK = re.compile(r"//|@")
REPOST_SPLIT = re.compile(r"//\s*@[^:：\s]{1,30}[:：]")  # 我的话//@某人:转发的话
_EMOTICON = re.compile(r"\[([^\[\]\s]{1,8})\]")
_RUN = re.compile(r"(.)\1{3,}", re.S)
_SPACE = re.compile(r"\s+")
BARE_REPOSTS = {"", "转发微博", "转发", "repost", "轉發微博", "//", "分享"}


def _snownlp_converter() -> ModuleType:
    """SnowNLP's traditional→simplified converter (snownlp/normal/zh.py, the module behind
    ``snownlp.normal.zh2hans``), loaded without the rest of SnowNLP: ``import snownlp``
    loads its segmentation and tagging models (seconds) that scoring does not use."""
    if "snownlp.normal.zh" in sys.modules:
        return sys.modules["snownlp.normal.zh"]
    spec = importlib.util.find_spec("snownlp")
    root = Path(next(iter(spec.submodule_search_locations or []))) if spec else None
    if root is None or not (root / "normal" / "zh.py").exists():
        from snownlp.normal import zh

        return zh
    for name, folder in (("_snownlp_zh", root), ("_snownlp_zh.normal", root / "normal")):
        package = sys.modules.get(name) or ModuleType(name)
        package.__path__ = [str(folder)]
        sys.modules[name] = package
    return importlib.import_module("_snownlp_zh.normal.zh")


_ZH = _snownlp_converter()
# characters that only occur in traditional text: text without any skips the converter.
# SnowNLP's table also maps everyday simplified characters (余 → 馀, 覆 → 复, 著 → 着,
# 乾 → 干, 藉 → 借: 覆盖, 著名, 乾坤, 狼藉 are standard simplified words); they are no sign
# of traditional text. (覆 and 著 alone sent 5 % of the news corpus through the slow
# converter: half the time of scoring a 3,000-character article.)
_SIMPLIFIED_KEYS = {"余", "覆", "著", "乾", "藉"}
_TRADITIONAL = re.compile(
    "["
    + re.escape(
        "".join(
            sorted(
                {k for k, v in _ZH.zh2hans.items() if len(k) == 1 and k != v}
                - set(_ZH.zh2hans.values())
                - _SIMPLIFIED_KEYS
            )
        )
    )
    + "]"
)


def emoticon_char(name: str) -> str:
    """The single character standing for emoticon ``[name]`` (stable across runs)."""
    return chr(EMOTICON_BASE + zlib.crc32(name.encode("utf-8")) % EMOTICON_SLOTS)


def to_simplified(text: str) -> str:
    """Traditional → simplified with SnowNLP's converter, only when needed."""
    if _TRADITIONAL.search(text):
        return str(_ZH.transfer(text))
    return text


def own_words(text: str) -> str:
    """The author's own words of a post; the repost chain when they are empty.

    ``"太差了//@小王:这家店上热搜了"`` → ``"太差了"``; ``"转发微博//@小王:这家店上热搜了"``
    → ``"这家店上热搜了"``.
    """
    parts = REPOST_SPLIT.split(text)
    if len(parts) == 1:  # no repost chain (every article): nothing to choose from
        return text
    for part in parts:
        if _strip_marks(part).lower() not in BARE_REPOSTS:
            return part
    return parts[0]


def _strip_marks(text: str) -> str:
    text = _urls_out(text)
    text = _MENTION.sub(" ", text)
    return _SPACE.sub("", text)


def _nfkc_tables() -> tuple[np.ndarray, dict[int, str]]:
    """For each code point below :data:`_NFKC_LIMIT`, the one code point NFKC makes of it
    whatever surrounds it, or 0 where its NFKC depends on its neighbours (combining marks,
    the second half of a composition); and the characters NFKC expands ("…" → "...")."""
    table = np.arange(_NFKC_LIMIT, dtype=np.uint32)
    composes = set(range(0x1161, 0x1176)) | set(range(0x11A8, 0x11C3))  # Hangul V, T jamo
    expands = {}
    for code in range(_NFKC_LIMIT):
        char = chr(code)
        parts = unicodedata.decomposition(char).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            composes.add(int(parts[1], 16))
        if unicodedata.combining(char):
            table[code] = 0
            continue
        folded = unicodedata.normalize("NFKC", char)
        if len(folded) == 1:
            table[code] = ord(folded)
        elif folded != char:
            expands[code] = folded
    for code in range(_NFKC_LIMIT):  # folds into a combining or composing character
        if table[code] in composes or unicodedata.combining(chr(table[code])):
            table[code] = 0
    table[sorted(composes)] = 0
    table[0xD800:0xE000] = 0  # surrogates: left to unicodedata
    for code, folded in list(expands.items()):
        if not all(table[ord(x)] == ord(x) for x in folded):
            table[code] = 0
            del expands[code]
    return table, expands


_NFKC_LIMIT = 0x20000
_NFKC: tuple[np.ndarray, np.ndarray, dict[int, str]] | None = None
_NFKC_TABLE_FROM = 100  # characters (see nfkc)


def prepare() -> tuple[np.ndarray, np.ndarray, dict[int, str]]:
    """Build :func:`nfkc`'s tables (~0.1 s, once; the model's loading calls it, so the
    first batch of articles does not pay for it)."""
    global _NFKC
    if _NFKC is None:
        table, expands = _nfkc_tables()
        expanding = np.zeros(_NFKC_LIMIT, dtype=bool)
        expanding[list(expands)] = True
        _NFKC = table, expanding, expands
    return _NFKC


def nfkc(text: str) -> str:
    """``unicodedata.normalize("NFKC", text)``, fast on Chinese text: CPython's NFKC costs
    ~0.2 µs for each character of a text it has to change (every article, since one
    full-width comma is enough), twice per article scored. Characters whose NFKC is the
    same whatever surrounds them are mapped through a table with numpy; a text holding
    any other character that NFKC changes goes through unicodedata, and so does a text of
    fewer than :data:`_NFKC_TABLE_FROM` characters: there the table's fixed cost of numpy
    calls is the larger (a 50-character post 5.7 µs by unicodedata, ~10 by the table;
    equal at 100 characters, 47 vs 18 µs at 400)."""
    if text.isascii() or unicodedata.is_normalized("NFKC", text):
        return text
    if len(text) < _NFKC_TABLE_FROM:
        return unicodedata.normalize("NFKC", text)
    table, expanding, expands = _NFKC or prepare()
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    if int(codes.max()) >= _NFKC_LIMIT:
        return unicodedata.normalize("NFKC", text)
    mapped = table[codes]
    if not mapped.all():
        return unicodedata.normalize("NFKC", text)
    out = mapped.tobytes().decode("utf-32-le")
    at = np.flatnonzero(expanding[codes])
    if len(at):  # "…" → "...": one to several characters, few per text
        pieces, start = [], 0
        for i in at.tolist():
            pieces += [out[start:i], expands[int(codes[i])]]
            start = i + 1
        out = "".join(pieces) + out[start:]
    return out


def _urls_out(text: str) -> str:
    """URLs replaced by a space (the regex, case-insensitive with two alternatives, scans
    slowly: run it only on text that can hold a URL)."""
    low = text.lower()
    if "http" in low or "www." in low or "t.cn/" in low:
        return _URL.sub(" ", text)
    return text


_FOUR_SAME = re.compile(r"(.)\1\1\1", re.S)
_RUN_SCAN_FROM = 800  # characters; measured crossover of the two ways below


def _has_run(text: str) -> bool:
    """Whether a character repeats four times in a row (what :data:`_RUN` shortens).
    The regex tries a backreference at every position: on a long article several times
    slower than comparing code points with numpy, whose fixed cost (~6-15 µs a call) is
    the larger below ~800 characters (a post: regex 0.6-1.4 µs, numpy 6.7)."""
    if len(text) < 4:
        return False
    if len(text) < _RUN_SCAN_FROM:
        return _FOUR_SAME.search(text) is not None
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    same = codes[1:] == codes[:-1]
    return bool((same[:-2] & same[1:-1] & same[2:]).any())


def _emoticon(match: re.Match[str]) -> str:
    return emoticon_char(match.group(1))


def model_text(text: str, max_chars: int = MAX_CHARS, whole: bool = False) -> str:
    """The normalised string the model scores (see the module docstring).

    :mod:`sentiment.target` asks for ``whole`` texts with a larger ``max_chars``: it
    searches whole articles for a brand, so the repost chain is kept and @names keep
    their names (a brand is often @-mentioned); only the ``@`` and ``//`` go."""
    if not text:
        return ""
    text = text[: max_chars * 3]  # bound the work on huge inputs before any regex
    text = _ZERO_WIDTH.sub("", text)
    text = _TOPIC_WRAPPER.sub(r"\1", text)
    text = _EMBED.sub(" ", text)
    if whole:
        text = _urls_out(text)
        text = _REPOST_MARK.sub(" ", text)
    else:
        text = own_words(text)
        text = _urls_out(text)
        text = _MENTION.sub(" ", text)
    text = _EMOTICON.sub(_emoticon, text)
    text = nfkc(text)
    text = to_simplified(text).lower()
    if _has_run(text):
        text = _RUN.sub(r"\1\1\1", text)
    text = " ".join(text.split())  # = _SPACE.sub(" ", text).strip(), in C: same \s set
    return text[:max_chars]
