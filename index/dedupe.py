"""Stories: one original mention plus its reposts and near-copies.

A repost storm is one story with its reach, not a thousand stories. Three layers:

* the same id twice is one mention (the Store upserts by id);
* a repost whose original is known (weibo ``retweeted_status``) names it in
  ``repost_of`` before it gets here and joins the original's cluster;
* a copy-paste of the same text (small edits, an added "转发" or emoticon) is found by a
  64-bit simhash within 3 bits of an earlier mention's and linked to it.

The simhash comes from the ``simhash`` package (character 3-gram features hashed with
MD5, so the value is stable across runs and processes). Texts shorter than
``MIN_SIMHASH_CHARS`` word characters still get a simhash but are never linked by it:
two different "支持！" comments are not a copy of each other's story.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from datetime import timedelta

from simhash import Simhash, SimhashIndex

from index.base import Store
from index.models import Mention

MIN_SIMHASH_CHARS = 20
MAX_DISTANCE = 3
SHINGLE = 3
_WORD = re.compile(r"[\w\u4e00-\u9fff]+")
_NOISE = re.compile(r"https?://\S+|//@[^:：]{1,30}[:：]|@[\w\u4e00-\u9fff-]{1,30}|\[[^\]]{1,8}\]")


def _features_text(text: str) -> str:
    """Word characters of the text without URLs, @names and [emoticons], lower-cased."""
    return "".join(_WORD.findall(_NOISE.sub(" ", text).lower()))


def _shingles(text: str) -> list[str]:
    """Character 3-grams: on short Chinese posts they move fewest bits for a small edit
    (an added "【转】" or "！！") while unrelated texts stay ~30 bits apart."""
    t = _features_text(text) or text
    return [t[i : i + SHINGLE] for i in range(max(len(t) - SHINGLE + 1, 1))]


def simhash64(text: str) -> int:
    """64-bit simhash of ``text`` (unsigned, 0 ≤ value < 2**64), stable across processes."""
    return int(Simhash(_shingles(text), f=64).value)


class RecentStories:
    """Mentions of this crawl run not yet in the Store, so near-copies inside one batch are
    linked too. Bounded: the oldest entries are forgotten once they are stored anyway."""

    def __init__(self, capacity: int = 20_000):
        self.capacity = capacity
        self._mentions: OrderedDict[str, Mention] = OrderedDict()
        self._index = SimhashIndex([], f=64, k=MAX_DISTANCE)

    def add(self, mention: Mention) -> None:
        if mention.id in self._mentions or mention.simhash is None:
            return
        self._mentions[mention.id] = mention
        if len(_features_text(mention.text)) >= MIN_SIMHASH_CHARS:
            self._index.add(mention.id, Simhash(mention.simhash, f=64))
        while len(self._mentions) > self.capacity:
            old_id, old = self._mentions.popitem(last=False)
            if old.simhash is not None:
                self._index.delete(old_id, Simhash(old.simhash, f=64))

    def get(self, mention_id: str) -> Mention | None:
        return self._mentions.get(mention_id)

    def near(self, simhash: int) -> list[Mention]:
        ids = self._index.get_near_dups(Simhash(simhash, f=64))
        return [self._mentions[i] for i in ids if i in self._mentions]


def _root(m: Mention) -> str:
    return m.cluster_id or m.id


def assign_story(
    mention: Mention,
    store: Store,
    window_hours: float = 72,
    recent: RecentStories | None = None,
) -> Mention:
    """Set ``simhash``, ``cluster_id`` and (for copies) ``repost_of`` on ``mention``.

    A mention already in the store keeps the story it was given then, so re-crawls never
    move it. ``recent`` holds this run's not-yet-stored mentions."""
    mention.simhash = simhash64(mention.text)
    if mention.repost_of:
        original = (recent.get(mention.repost_of) if recent else None) or store.get_mention(
            mention.repost_of
        )
        mention.cluster_id = _root(original) if original else mention.repost_of
        return mention
    known = (recent.get(mention.id) if recent else None) or store.get_mention(mention.id)
    if known is not None:
        mention.cluster_id = known.cluster_id or mention.id
        mention.repost_of = known.repost_of
        return mention
    mention.cluster_id = mention.id
    if len(_features_text(mention.text)) < MIN_SIMHASH_CHARS:
        return mention
    since = mention.published_at - timedelta(hours=window_hours)
    candidates = [
        m
        for m in [
            *store.find_near_duplicates(mention.simhash, since, max_distance=MAX_DISTANCE),
            *(recent.near(mention.simhash) if recent else []),
        ]
        if m.id != mention.id and m.published_at >= since
    ]
    if candidates:
        original = min(candidates, key=lambda m: (m.published_at, m.id))
        mention.repost_of = original.id
        mention.cluster_id = _root(original)
    return mention
