"""Which text tells how a repost or a comment stands toward a brand.

A repost or a comment is read with what it reposts or answers. "已转，支持维权", "同款，也遇到了"
or "求扩散" under a brake-failure complaint are the complaint again, said louder: bad for
the brand although their own words sound upbeat. "哈哈哈" under a joke is not. So a post
whose own words *echo* what it passes on (short, and containing one of the lexicon's
``echoes`` terms, or nothing of its own at all) takes its polarity toward a brand from
that context: the reposted chain (``我的话//@某人:转发的话``) or, for a comment, the post it
answers. Anything else is read on its own words — "这车真不错" under a complaint is the
commenter's own view.

Rules, not a model, like the complaint lexicon: a PR team can see why a repost counted
as negative, and the echo terms are adjustable in the lexicon file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sentiment.complaints import Lexicon, fold
from sentiment.normalize import BARE_REPOSTS, REPOST_SPLIT

# emoticon tags, @names, punctuation and spaces ("+1" keeps its plus)
_NOT_WORDS = re.compile(r"\[[^\[\]\s]{1,8}\]|@[\w\u4e00-\u9fff\-]{1,30}[:：]?|[^\w+]+|_+")
ECHO_MAX_CHARS = 24  # own words longer than this say something of their own


@dataclass(frozen=True)
class Reading:
    """The text to score toward the brands, and why it was chosen."""

    text: str
    from_context: bool  # True when the polarity comes from the reposted/answered text


def split_repost(text: str) -> tuple[str, str]:
    """``(own words, reposted chain)`` of a post; the chain is "" for an original post."""
    match = REPOST_SPLIT.search(text)
    if match is None:
        return text, ""
    return text[: match.start()], text[match.start() :]


def is_echo(own: str, lexicon: Lexicon) -> bool:
    """The author's own words only pass on what they repost or answer."""
    if len(own) > 8 * ECHO_MAX_CHARS:  # however much markup, too long to be an echo
        return False
    words = _NOT_WORDS.sub("", fold(own))
    if words in BARE_REPOSTS:
        return True
    if len(words) > ECHO_MAX_CHARS:
        return False
    return lexicon.has_echo(words)


def reading(text: str, context: str | None, lexicon: Lexicon) -> Reading:
    """The text whose polarity toward the brands is this post's (see the module doc)."""
    own, chain = split_repost(text or "")
    passed_on = REPOST_SPLIT.sub(" ", chain).strip() or (context or "").strip()
    if passed_on and is_echo(own, lexicon):
        return Reading(passed_on, from_context=True)
    return Reading(text or "", from_context=False)
