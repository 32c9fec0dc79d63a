"""Stories: one original mention plus its reposts and near-copies.

A repost storm is one story with its reach, not a thousand stories. Three layers:

* the same id twice is one mention (the Store upserts by id);
* a repost whose original is known (weibo ``retweeted_status``) names it in
  ``repost_of`` before it gets here and joins the original's cluster;
* a copy-paste of the same text (small edits, an added "转发" or emoticon) is found by a
  64-bit simhash within 3 bits of an earlier mention's and linked to it.

The simhash is the classic algorithm (Charikar): every character 3-gram of the text is
hashed to 64 bits (BLAKE2b, so values are stable across runs and processes) and each bit
of the result is the majority vote of the features' bits. It is a dozen lines, written
here with numpy instead of taking the ``simhash`` package: that package (last release
2022) took ~2x the time per text and its index re-creates an object per candidate, which
dominated the crawl benchmark. Candidates are found by the usual band trick: two 64-bit
hashes within 3 bits agree exactly on at least one of four 16-bit bands.

Texts shorter than ``MIN_SIMHASH_CHARS`` word characters still get a simhash but are
never linked by it: two different "支持！" comments are not a copy of each other's story.
"""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict, defaultdict
from datetime import timedelta

import numpy as np

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
    features = _shingles(text)
    digests = b"".join(hashlib.blake2b(f.encode(), digest_size=8).digest() for f in features)
    bits = np.unpackbits(
        np.frombuffer(digests, dtype=np.uint8).reshape(len(features), 8),
        axis=1,
        bitorder="little",
    )
    majority = bits.sum(axis=0, dtype=np.int32) * 2 > len(features)
    return int.from_bytes(np.packbits(majority, bitorder="little").tobytes(), "little")


def _bands(value: int) -> list[tuple[int, int]]:
    return [(i, (value >> (16 * i)) & 0xFFFF) for i in range(4)]


class RecentStories:
    """Mentions of this crawl run not yet in the Store, so near-copies inside one batch are
    linked too. Bounded: the oldest entries are forgotten (they are stored by then)."""

    def __init__(self, capacity: int = 20_000):
        self.capacity = capacity
        self._mentions: OrderedDict[str, Mention] = OrderedDict()
        self._bands: defaultdict[tuple[int, int], set[str]] = defaultdict(set)

    def add(self, mention: Mention) -> None:
        if mention.id in self._mentions or mention.simhash is None:
            return
        self._mentions[mention.id] = mention
        if len(_features_text(mention.text)) >= MIN_SIMHASH_CHARS:
            for band in _bands(mention.simhash):
                self._bands[band].add(mention.id)
        while len(self._mentions) > self.capacity:
            old_id, old = self._mentions.popitem(last=False)
            for band in _bands(old.simhash or 0):
                self._bands.get(band, set()).discard(old_id)

    def get(self, mention_id: str) -> Mention | None:
        return self._mentions.get(mention_id)

    def near(self, simhash: int) -> list[Mention]:
        ids = set().union(*(self._bands.get(band, set()) for band in _bands(simhash)))
        found = [self._mentions[i] for i in ids if i in self._mentions]
        return [
            m
            for m in found
            if m.simhash is not None and (m.simhash ^ simhash).bit_count() <= MAX_DISTANCE
        ]


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
