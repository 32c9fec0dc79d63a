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

The crawler links a batch at a time (:func:`assign_stories`): the batch's simhashes in
one numpy pass (each distinct 3-gram hashed once and remembered), and the Store read in
three queries for the whole batch instead of two or three per mention.

Texts shorter than ``MIN_SIMHASH_CHARS`` word characters still get a simhash but are
never linked by it: two different "支持！" comments are not a copy of each other's story.
Nor is a comment (``parent_id``), however long: it belongs to the story of the post it
answers, so a comment quoting a post is no copy of it and a post repeating a comment is
no copy of the comment (its simhash is kept all the same).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, OrderedDict
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

import numpy as np

from index.base import Store
from index.models import Mention

MIN_SIMHASH_CHARS = 20
MAX_DISTANCE = 3
# stored near-copies read per linkable mention, oldest first: the first post among them is
# its original (comments are none; a post preceded by more comments than this is missed)
STORED_CANDIDATES = 5
SHINGLE = 3
_WORD = re.compile(r"[\w\u4e00-\u9fff]+")
_NOISE = re.compile(r"https?://\S+|//@[^:：]{1,30}[:：]|@[\w\u4e00-\u9fff-]{1,30}|\[[^\]]{1,8}\]")


def _features_text(text: str) -> str:
    """Word characters of the text without URLs, @names and [emoticons], lower-cased."""
    return "".join(_WORD.findall(_NOISE.sub(" ", text).lower()))


def _shingles(features: str, text: str) -> list[str]:
    """Character 3-grams of ``features`` (``_features_text(text)``; ``text`` itself when
    that is empty): on short Chinese posts they move fewest bits for a small edit (an
    added "【转】" or "！！") while unrelated texts stay ~30 bits apart."""
    t = features or text
    return [t[i : i + SHINGLE] for i in range(max(len(t) - SHINGLE + 1, 1))]


_DIGESTS: dict[str, bytes] = {}  # 3-gram → its 8-byte BLAKE2b digest
_DIGEST_CACHE_SIZE = 500_000  # about 60 MB; cleared when full


def _digest(feature: str) -> bytes:
    digest = _DIGESTS.get(feature)
    if digest is None:
        if len(_DIGESTS) >= _DIGEST_CACHE_SIZE:
            _DIGESTS.clear()
        digest = _DIGESTS[feature] = hashlib.blake2b(feature.encode(), digest_size=8).digest()
    return digest


def simhash64(text: str) -> int:
    """64-bit simhash of ``text`` (unsigned, 0 ≤ value < 2**64), stable across processes."""
    return simhash64_many([text])[0]


def simhash64_many(texts: Sequence[str]) -> list[int]:
    """``[simhash64(t) for t in texts]`` in one vectorised pass."""
    return _simhashes(texts, [_features_text(t) for t in texts])


def _simhashes(texts: Sequence[str], features: Sequence[str]) -> list[int]:
    """:func:`simhash64_many` of ``texts`` whose ``_features_text`` the caller has."""
    if not texts:
        return []
    digests: list[bytes] = []
    starts: list[int] = []
    known = _DIGESTS.get
    for text, feature_text in zip(texts, features, strict=True):
        starts.append(len(digests))
        # at least one 3-gram each
        digests += [known(f) or _digest(f) for f in _shingles(feature_text, text)]
    bits = np.unpackbits(
        np.frombuffer(b"".join(digests), dtype=np.uint8).reshape(len(digests), 8),
        axis=1,
        bitorder="little",
    )
    votes = np.add.reduceat(bits, starts, axis=0, dtype=np.int32)  # (texts, 64)
    sizes = np.diff(np.append(starts, len(digests)))
    majority = votes * 2 > sizes[:, np.newaxis]
    packed = np.packbits(majority, axis=1, bitorder="little")  # (texts, 8) little-endian
    return [int(v) for v in packed.view("<u8").ravel()]


def close_pairs(
    queries: Sequence[int] | np.ndarray,
    candidates: Sequence[int] | np.ndarray,
    max_distance: int = MAX_DISTANCE,
) -> list[tuple[int, int]]:
    """``(query index, candidate index)`` of every pair of unsigned 64-bit hashes within
    ``max_distance`` (at most 3) bits, sorted. Vectorised band join: such a pair agrees on
    one of the four 16-bit bands, so per band the candidates are sorted once and each
    query's equal run is found by binary search; only those pairs are compared."""
    if max_distance > 3:
        raise ValueError("the band join finds pairs within 3 bits at most")
    if len(queries) == 0 or len(candidates) == 0:
        return []
    q = np.asarray(queries, dtype=np.uint64)
    c = np.asarray(candidates, dtype=np.uint64)
    found_q, found_c = [], []
    for k in range(4):
        shift, low = np.uint64(16 * k), np.uint64(0xFFFF)
        q_band, c_band = (q >> shift) & low, (c >> shift) & low
        order = np.argsort(c_band, kind="stable")
        sorted_band = c_band[order]
        lo = np.searchsorted(sorted_band, q_band, side="left")
        counts = np.searchsorted(sorted_band, q_band, side="right") - lo
        total = int(counts.sum())
        if total:
            firsts = np.repeat(lo - (np.cumsum(counts) - counts), counts)
            found_q.append(np.repeat(np.arange(len(q)), counts))
            found_c.append(order[firsts + np.arange(total)])
    if not found_q:
        return []
    # compared before deduplicating: a pair agreeing on several bands is listed once per
    # band, and on look-alike posts most band matches are far apart; sorting only the
    # close ones halved this function's time on the crawl bench
    qi, ci = np.concatenate(found_q), np.concatenate(found_c)
    x = q[qi] ^ c[ci]
    one = np.uint64(1)
    for _ in range(max_distance):  # clearing the lowest set bit that often leaves 0
        x &= x - one  # exactly when at most that many bits differ
    keep = x == 0
    keys = np.unique(qi[keep] * len(c) + ci[keep])
    return list(zip((keys // len(c)).tolist(), (keys % len(c)).tolist(), strict=True))


def _linkable(mention: Mention) -> bool:
    """Linked by its simhash: a post (a comment belongs to the story of the post it
    answers, never linked by its text) long enough to tell copies apart."""
    return mention.parent_id is None and len(_features_text(mention.text)) >= MIN_SIMHASH_CHARS


class RecentStories:
    """Mentions of this crawl run not yet in the Store, so near-copies inside one batch are
    linked too. Bounded: the oldest entries are forgotten (they are stored by then)."""

    def __init__(self, capacity: int = 20_000):
        self.capacity = capacity
        self._mentions: OrderedDict[str, Mention] = OrderedDict()
        self._hashes: dict[str, int] = {}  # the linkable ones: id → simhash

    def add(self, mention: Mention, linkable: bool | None = None) -> None:
        """Remember ``mention``; ``linkable`` (long enough to be linked by its simhash) is
        worked out from the text when not given."""
        if mention.id in self._mentions or mention.simhash is None:
            return
        self._mentions[mention.id] = mention
        if linkable if linkable is not None else _linkable(mention):
            self._hashes[mention.id] = mention.simhash
        while len(self._mentions) > self.capacity:
            old_id, _ = self._mentions.popitem(last=False)
            self._hashes.pop(old_id, None)

    def get(self, mention_id: str) -> Mention | None:
        return self._mentions.get(mention_id)

    def near_many(self, hashes: Sequence[int | None]) -> list[list[Mention]]:
        """For each hash (None: skip), the remembered linkable mentions within
        MAX_DISTANCE bits."""
        wanted = [(n, h) for n, h in enumerate(hashes) if h is not None]
        ids = list(self._hashes)
        answers: list[list[Mention]] = [[] for _ in hashes]
        for qi, ci in close_pairs([h for _, h in wanted], list(self._hashes.values())):
            answers[wanted[qi][0]].append(self._mentions[ids[ci]])
        return answers


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
    move it. ``recent`` holds this run's not-yet-stored mentions; ``mention`` joins it."""
    return assign_stories([mention], store, window_hours, recent)[0]


def assign_stories(
    mentions: Sequence[Mention],
    store: Store,
    window_hours: float = 72,
    recent: RecentStories | None = None,
) -> Sequence[Mention]:
    """:func:`assign_story` for each mention in order, reading the Store once per batch.

    Each mention joins ``recent`` as it is linked, so a mention of the batch can link to
    one published before it exactly as if they had come one by one, oldest first."""
    recent = RecentStories() if recent is None else recent
    texts = [m.text for m in mentions]
    features = [_features_text(t) for t in texts]  # once: for the hash and for linkable
    for m, value in zip(mentions, _simhashes(texts, features), strict=True):
        m.simhash = value
    # every stored mention the batch may need: itself (a re-crawl) or its original
    fetched = {key: None for m in mentions if recent.get(key := m.repost_of or m.id) is None}
    stored = {m.id: m for m in store.get_mentions(list(fetched))} if fetched else {}

    def lookup(mention_id: str) -> Mention | None:
        found = recent.get(mention_id) or stored.get(mention_id)
        if found is None and mention_id not in fetched:  # left ``recent`` during the batch
            found = store.get_mention(mention_id)
        return found

    window = timedelta(hours=window_hours)
    # as _linkable(m): a comment is neither a copy (of a post it quotes) nor an original
    # (of a post quoting it)
    linkable = [
        m.parent_id is None and len(f) >= MIN_SIMHASH_CHARS
        for f, m in zip(features, mentions, strict=True)
    ]
    asks = [
        i
        for i, m in enumerate(mentions)
        if linkable[i] and not m.repost_of and m.id not in stored and recent.get(m.id) is None
    ]
    answers = store.find_near_duplicates_many(
        [(mentions[i].simhash or 0, mentions[i].published_at - window) for i in asks],
        max_distance=MAX_DISTANCE,
        # oldest first: the earliest stored post is the only one that can win; stored
        # comments (they have a simhash too) before it are passed over
        limit=STORED_CANDIDATES,
    )
    near_stored = {
        i: [c for c in found if c.parent_id is None][:1]
        for i, found in zip(asks, answers, strict=True)
    }
    # near-copies among this run's earlier mentions: those remembered before the batch,
    # and the batch's own earlier ones (each joins ``recent`` below as it is linked)
    hashes = [m.simhash if linkable[i] else None for i, m in enumerate(mentions)]
    near_recent = recent.near_many(hashes)
    joins = [linkable[i] and recent.get(m.id) is None for i, m in enumerate(mentions)]
    first = {m.id: i for i, m in reversed(list(enumerate(mentions)))}
    # the batch is linked in order of publication, not of crawling: a search page lists
    # the newest first, and its earlier copy of a post must not become the later one's
    # repost (the same id twice keeps its crawl order: sorted() is stable)
    order = sorted(range(len(mentions)), key=lambda i: mentions[i].published_at)
    rank = {i: r for r, i in enumerate(order)}
    listed = [i for i, h in enumerate(hashes) if h is not None]
    for qi, ci in close_pairs([hashes[i] or 0 for i in listed], [hashes[i] or 0 for i in listed]):
        q, c = listed[qi], listed[ci]
        if rank[c] < rank[q] and joins[c] and first[mentions[c].id] == c:
            near_recent[q].append(mentions[c])

    for i in order:
        m = mentions[i]
        if m.repost_of:
            original = lookup(m.repost_of)
            m.cluster_id = _root(original) if original else m.repost_of
        elif (known := lookup(m.id)) is not None:
            m.cluster_id = known.cluster_id or m.id
            m.repost_of = known.repost_of
        else:
            m.cluster_id = m.id
            if linkable[i]:
                since = m.published_at - window
                candidates = [
                    c
                    for c in [*near_stored.get(i, ()), *near_recent[i]]
                    if c.id != m.id and c.published_at >= since
                ]
                if candidates:
                    original = min(candidates, key=lambda c: (c.published_at, c.id))
                    m.repost_of = original.id
                    m.cluster_id = _root(original)
        recent.add(m, linkable[i])
    return mentions


def unlinked_comment_stories(
    linked: Mapping[str, tuple[bool, str, str | None]], comments: Mapping[str, bool]
) -> dict[str, tuple[str | None, str]]:
    """The story links stored before comments were left out of text linking, repaired
    (the upgrade of each backend): ``linked`` is every stored mention with ``repost_of``
    (id -> (is a comment, repost_of, cluster_id)), ``comments`` says for the stored
    mentions those name (id -> is a comment). Returns id -> (repost_of, cluster_id) for
    the mentions whose links change:

    * a comment is neither a copy nor a repost: ``(None, its id)`` (it belongs to its
      post's story through ``parent_id``; no crawler sets ``repost_of`` on a comment);
    * a post that copied a comment becomes the original of a story of its own;
    * a post that copied such a post (in its story then) stays its copy and follows it
      into its new story; a post in a story named after a comment whose original is
      not stored (or is an original post) is in the story of the post it copied;
    * every other link is kept as it is.
    """
    fixed: dict[str, tuple[str | None, str]] = {}

    def is_comment(mid: str) -> bool:
        return linked[mid][0] if mid in linked else comments.get(mid, False)

    def fix(mid: str) -> tuple[str | None, str]:
        comment, target, cluster = linked[mid]
        story = cluster or mid
        if comment or is_comment(target):
            return None, mid
        if target in linked:
            old_target = linked[target][2] or target
            new_target = fixed.get(target, (target, old_target))[1]
            if new_target != old_target and story == old_target:
                return target, new_target
        elif is_comment(story):
            return target, target
        return target, cluster or mid

    for start in linked:
        path: list[str] = []  # the repost_of chain up to a link already fixed, or its end
        mid = start
        while mid in linked and mid not in fixed and mid not in path:
            path.append(mid)
            mid = linked[mid][1]
        for mid in reversed(path):
            fixed[mid] = fix(mid)
    return {
        mid: new for mid, new in fixed.items() if new != (linked[mid][1], linked[mid][2] or mid)
    }


def renamed_stories(
    linked: Mapping[str, tuple[bool, str, str | None]],
    comments: Mapping[str, bool],
    links: Mapping[str, tuple[str | None, str]],
) -> dict[str, str]:
    """The stories named after a comment that the repair (``links``, what
    :func:`unlinked_comment_stories` returns for ``linked`` and ``comments``) takes
    apart, each with the story most of its posts are in after it (between equals the
    smaller id): old story id -> new. The alert engine named a story by its posts'
    ``cluster_id`` (``alerts.activity.story_of``), and cases keep that name (see
    :func:`renamed_case_stories`). A story named after a post keeps its name."""

    def is_comment(mid: str) -> bool:
        return linked[mid][0] if mid in linked else comments.get(mid, False)

    votes: dict[str, Counter[str]] = {}
    for mid, (comment, _, cluster) in linked.items():
        old = cluster or mid
        if not comment and mid in links and is_comment(old):
            votes.setdefault(old, Counter())[links[mid][1]] += 1
    return {old: min(new, key=lambda s: (-new[s], s)) for old, new in votes.items()}


def renamed_case_stories(trigger: Any, renamed: Mapping[str, str]) -> Any:
    """A case's ``trigger`` (the JSON the alert engine keeps, alerts/trigger.py) with
    the story ids of :func:`renamed_stories` named as they are now: a rule's ``story``
    figure and the ids in the high-reach rule's finding keys (``key``, ``keys``:
    ``high_reach:<ids>``). Mention ids (evidence, evidence weights) stay: the repair
    changes no mention id. A copy; equal to ``trigger`` when nothing is renamed."""

    def key(value: Any) -> Any:
        rule, colon, ids = value.partition(":") if isinstance(value, str) else ("", "", "")
        if rule != "high_reach" or not colon:
            return value
        return "high_reach:" + ",".join(sorted(renamed.get(i, i) for i in ids.split(",")))

    def walk(name: str, value: Any) -> Any:
        if name == "story" and isinstance(value, str):
            return renamed.get(value, value)
        if name == "key":
            return key(value)
        if name == "keys" and isinstance(value, list):
            return [key(k) for k in value]
        if isinstance(value, dict):
            return {k: walk(k, v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk("", v) for v in value]
        return value

    return walk("", trigger)
