"""The demo's world: who posts what, where and when — deterministic for a seed and start.

Time is cut into one-minute slots; each slot's ordinary posts come from a RNG seeded with
``(seed, slot)``, so the stream is the same on every run and after a restart (the start
time is kept in a state file by the server), and a post never changes once published
except for its engagement, which grows towards its final figures as time passes.

- history: the ``history`` (26 h) before ``start`` is backfilled with ordinary traffic (with a
  day/night rhythm), published in the past, so rules that compare with a baseline have one;
- steady traffic: ``posts_per_minute`` on average, over the brands, across the Weibo-style
  site (70 %), the Tieba-style forum (25 %) and the news feed (a few articles an hour);
- the scripted crisis for ``crisis_brand`` starts ``crisis_after`` seconds after ``start``
  (see ``crisis.py``).
"""

from __future__ import annotations

import math
import random
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from radar.demo import vocab
from radar.demo.crisis import CrisisScript, crisis_script

SHANGHAI = ZoneInfo("Asia/Shanghai")
SLOT = 60  # seconds
# the crisis's beats, in seconds after it begins: compressed so that the demo shows a
# whole arc within a few minutes of ``crisis_after``
CRISIS_TIMES = {
    "forum": 8,  # the owner also posts in the brand's forum
    "echoes": 10,  # other owners: "me too", one every ``echo_every`` seconds
    "echo_every": 12,
    "kol": 25,  # the 大V reposts it; reposts of that snowball from here on
    "fire": 50,  # a second, worse incident
    "threats": 70,  # 12315 / 曝光 / 维权, one every ``threat_every`` seconds
    "threat_every": 25,
    "reporter": 120,  # a journalist asks for owners' stories
    "news": 150,  # a news site runs the story
}
_EPOCH_BASE = 1_700_000_000  # keeps generated ids short but increasing with time


@dataclass(frozen=True)
class DemoAuthor:
    id: int
    name: str
    followers: int
    verified: bool = False
    reason: str = ""


@dataclass
class DemoPost:
    """One post, forum floor or article as the demo publishes it."""

    platform: str  # weibo | tieba | news
    id: str  # the site's native id (weibo mid, tieba post id, article id)
    brand: str
    intent: str  # praise | neutral | complaint | crisis (what the demo meant; never served)
    text: str  # plain text; weibo emoticons as [赞]
    published: datetime
    author: DemoAuthor
    title: str = ""
    reposts: int = 0  # final figures; engagement() grows towards them
    comments: int = 0
    likes: int = 0
    tau: float = 1800.0  # seconds for engagement to reach ~63 % of final
    repost_of: str | None = None  # weibo: the root original's id
    thread_id: str = ""  # tieba: the thread this floor belongs to
    floor: int = 1  # tieba: 1 = the thread's first post
    forum: str = ""  # tieba forum (吧) name
    crisis: bool = False
    tags: list[str] = field(default_factory=list)

    def engagement(self, now: datetime) -> tuple[int, int, int]:
        """(reposts, comments, likes) as shown at ``now``."""
        age = (now - self.published).total_seconds()
        if age <= 0:
            return 0, 0, 0
        f = 1.0 - math.exp(-age / self.tau)
        return int(self.reposts * f), int(self.comments * f), int(self.likes * f)

    def comment_time(self, i: int) -> datetime:
        """When the ``i``-th comment (0-based) was written: where the growth curve passes i+1."""
        frac = min((i + 1) / max(self.comments, 1), 0.999)
        return self.published + timedelta(seconds=-self.tau * math.log(1.0 - frac))


def _poisson(rng: random.Random, lam: float) -> int:
    """Knuth's method; lam is small (a few posts a minute)."""
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _diurnal(at: datetime) -> float:
    """Activity by local hour: quiet at night, busy in the evening (mean about 0.8)."""
    h = at.astimezone(SHANGHAI).hour
    if 1 <= h < 7:
        return 0.25
    if 7 <= h < 9 or h in (0, 23):
        return 0.7
    if 19 <= h < 23:
        return 1.3
    return 1.0


class DemoWorld:
    """Everything the demo sources have published up to a moment."""

    def __init__(
        self,
        brands: list[str],
        start: datetime,
        *,
        seed: int = 7,
        posts_per_minute: float = 4.0,
        crisis_brand: str = "",
        crisis_after: float = 90.0,
        history: timedelta = timedelta(hours=26),
    ) -> None:
        if not brands:
            raise ValueError("the demo needs at least one brand")
        self.brands = brands
        self.start = start.astimezone(UTC).replace(microsecond=0)
        self.seed = seed
        self.rate = posts_per_minute
        self.crisis_brand = crisis_brand
        self.crisis_start = self.start + timedelta(seconds=crisis_after)
        self.history_start = self.start - history
        self._users = self._make_users(600)
        self._lock = threading.Lock()
        self._slots_done = math.floor(self.history_start.timestamp() / SLOT) - 1
        self._steady: list[DemoPost] = []
        self._threads: dict[str, list[DemoPost]] = {}  # forum -> its threads' first floors
        self._floors: dict[str, list[DemoPost]] = {}  # tieba thread id -> floors
        self._crisis = self._make_crisis() if crisis_brand else []
        self._by_id: dict[str, DemoPost] = {p.id: p for p in self._crisis}

    # -- public -----------------------------------------------------------------------
    def published(self, now: datetime, platform: str | None = None) -> list[DemoPost]:
        """Posts published at or before ``now``, oldest first."""
        self._generate_until(now)
        posts = [p for p in self._steady if p.published <= now]
        posts += [p for p in self._crisis if p.published <= now]
        if platform:
            posts = [p for p in posts if p.platform == platform]
        posts.sort(key=lambda p: (p.published, p.id))
        return posts

    def get(self, post_id: str, now: datetime) -> DemoPost | None:
        """The post with this native id, if published by ``now``."""
        self._generate_until(now)
        post = self._by_id.get(post_id)
        return post if post is not None and post.published <= now else None

    def crisis_posts(self) -> list[DemoPost]:
        return list(self._crisis)

    def thread(self, thread_id: str, now: datetime) -> list[DemoPost]:
        """A tieba thread's floors visible at ``now``, in floor order."""
        return [p for p in self.published(now, "tieba") if p.thread_id == thread_id]

    def product(self, brand: str) -> str:
        return vocab.profile_for(brand).products[0]

    # -- people -----------------------------------------------------------------------
    def _make_users(self, n: int) -> list[DemoAuthor]:
        rng = random.Random(f"{self.seed}:users")
        users = []
        for i in range(n):
            style = rng.random()
            if style < 0.2:
                name = f"用户{rng.randint(1_000_000_000, 7_999_999_999)}"
            else:
                name = rng.choice(vocab.NICK_HEADS) + rng.choice(vocab.NICK_TAILS)
                if rng.random() < 0.4:
                    name += str(rng.randint(1, 999))
            followers = min(int(rng.lognormvariate(6.0, 1.6)), 600_000)
            verified = followers > 50_000 and rng.random() < 0.6
            users.append(
                DemoAuthor(
                    id=1_800_000_000 + i * 7919,
                    name=name,
                    followers=followers,
                    verified=verified,
                    reason="生活博主" if verified else "",
                )
            )
        return users

    # -- ordinary traffic ----------------------------------------------------------------
    def _generate_until(self, now: datetime) -> None:
        last = math.floor(now.timestamp() / SLOT)
        with self._lock:
            while self._slots_done < last:
                self._slots_done += 1
                fresh = self._slot(self._slots_done)
                self._steady.extend(fresh)
                self._by_id.update((p.id, p) for p in fresh)

    def _slot(self, slot: int) -> list[DemoPost]:
        rng = random.Random(f"{self.seed}:{slot}")
        begin = datetime.fromtimestamp(slot * SLOT, UTC)
        lam = self.rate * _diurnal(begin)
        posts: list[DemoPost] = []
        for k in range(_poisson(rng, lam)):
            at = begin + timedelta(seconds=rng.randrange(SLOT))
            if at < self.history_start:
                continue
            brand = rng.choice(self.brands)
            if rng.random() < 0.72:
                posts.append(self._weibo_post(rng, brand, at, k))
            else:
                posts.append(self._tieba_post(rng, brand, at, k))
        if rng.random() < 0.05 * _diurnal(begin):  # a few articles an hour
            at = begin + timedelta(seconds=rng.randrange(SLOT))
            if at >= self.history_start:
                posts.append(self._news_post(rng, rng.choice(self.brands), at, 99))
        return posts

    def _intent(self, rng: random.Random) -> str:
        r = rng.random()
        return "praise" if r < 0.38 else "neutral" if r < 0.78 else "complaint"

    def _fill(self, rng: random.Random, template: str, brand: str) -> str:
        profile = vocab.profile_for(brand)
        values = {k: rng.choice(v) for k, v in profile.slots.items()}
        values.update(
            product=rng.choice(profile.products),
            city=rng.choice(vocab.CITIES),
            days=rng.choice(vocab.DAYS),
            time=rng.choice(vocab.TIMES),
        )
        text = template
        for _ in range(2):  # slot values may hold slots themselves ({days} in an issue)
            text = text.format_map(_Default(values))
        return text

    def _sentence(self, rng: random.Random, brand: str, intent: str, opener: bool = True) -> str:
        profile = vocab.profile_for(brand)
        body = self._fill(rng, rng.choice(getattr(profile, intent)), brand)
        emoticons = {
            "praise": vocab.PRAISE_EMOTICONS,
            "neutral": vocab.NEUTRAL_EMOTICONS,
            "complaint": vocab.COMPLAINT_EMOTICONS,
        }[intent]
        start = rng.choice(vocab.OPENERS) if opener else ""
        closer = rng.choice(vocab.CLOSERS) if opener else "。"
        if body.endswith(("？", "?")):
            closer = ""
        return f"{start}{body}{closer}{rng.choice(emoticons)}"

    def _weibo_post(self, rng: random.Random, brand: str, at: datetime, k: int) -> DemoPost:
        intent = self._intent(rng)
        text = self._sentence(rng, brand, intent)
        if rng.random() < 0.1:  # some posts run long (weibo shows 全文 past 140)
            while len(text) <= 150:
                text += self._sentence(rng, brand, intent, opener=False)
        author = rng.choice(self._users)
        popular = rng.random() < 0.08
        return DemoPost(
            platform="weibo",
            id=_weibo_id(at, k),
            brand=brand,
            intent=intent,
            text=text,
            published=at,
            author=author,
            reposts=rng.randint(5, 80) if popular else rng.choice([0, 0, 0, 1, 2]),
            comments=rng.randint(3, 25) if popular else rng.choice([0, 0, 0, 0, 1, 2]),
            likes=rng.randint(20, 400) if popular else rng.randint(0, 12),
            tau=rng.uniform(600, 3600),
        )

    def _tieba_post(self, rng: random.Random, brand: str, at: datetime, k: int) -> DemoPost:
        forum = brand
        author = rng.choice(self._users)
        recent = [
            t for t in self._threads.get(forum, []) if (at - t.published).total_seconds() < 6 * 3600
        ]
        pid = str(_tieba_id(150_000_000_000, at, k))
        if recent and rng.random() < 0.6:
            first = rng.choice(recent[-20:])
            floors = self._thread_floors(first.thread_id)
            intent = first.intent
            if rng.random() < 0.5:
                text = rng.choice(vocab.COMMENTS[intent])
            else:
                text = self._sentence(rng, brand, intent)
            post = DemoPost(
                platform="tieba",
                id=pid,
                brand=brand,
                intent=intent,
                text=text,
                published=at,
                author=author,
                title=first.title,
                thread_id=first.thread_id,
                floor=len(floors) + 1,
                forum=forum,
            )
            floors.append(post)
            return post
        intent = self._intent(rng)
        profile = vocab.profile_for(brand)
        title = self._fill(rng, rng.choice(profile.thread_titles[intent]), brand)
        tid = str(_tieba_id(9_000_000_000, at, k))
        post = DemoPost(
            platform="tieba",
            id=pid,
            brand=brand,
            intent=intent,
            text=self._sentence(rng, brand, intent),
            published=at,
            author=author,
            title=title,
            thread_id=tid,
            floor=1,
            forum=forum,
        )
        self._threads.setdefault(forum, []).append(post)
        self._thread_floors(tid).append(post)
        return post

    def _thread_floors(self, tid: str) -> list[DemoPost]:
        return self._floors.setdefault(tid, [])

    def _news_post(self, rng: random.Random, brand: str, at: datetime, k: int) -> DemoPost:
        profile = vocab.profile_for(brand)
        title = self._fill(rng, rng.choice(profile.headlines), brand)
        said = self._fill(rng, rng.choice(profile.neutral), brand).rstrip("？?")
        body = f"{title}。据了解，{said}。业内人士表示，消费者对{brand}的关注度近期保持平稳。"
        return DemoPost(
            platform="news",
            id=str(_tieba_id(880_000_000, at, k)),
            brand=brand,
            intent="neutral",
            text=body,
            published=at,
            title=title,
            author=DemoAuthor(id=1, name="科技消费日报", followers=0),
        )

    # -- the scripted crisis -----------------------------------------------------------
    def _make_crisis(self) -> list[DemoPost]:
        brand = self.crisis_brand
        script = crisis_script(brand, self.product(brand))
        rng = random.Random(f"{self.seed}:crisis")
        t0 = self.crisis_start
        posts: list[DemoPost] = []

        def at(seconds: float) -> datetime:
            return t0 + timedelta(seconds=seconds)

        def weibo(seconds: float, text: str, author: DemoAuthor, k: int, **kw: object) -> DemoPost:
            p = DemoPost(
                platform="weibo",
                id=_weibo_id(at(seconds), 500 + k),
                brand=brand,
                intent="crisis",
                text=text,
                published=at(seconds),
                author=author,
                crisis=True,
                **kw,  # type: ignore[arg-type]
            )
            posts.append(p)
            return p

        origin_author = DemoAuthor(id=2_600_000_001, name=script.origin_author, followers=860)
        origin = weibo(
            0,
            script.origin_text,
            origin_author,
            0,
            reposts=2600,
            comments=900,
            likes=5200,
            tau=1500,
        )
        kol = DemoAuthor(
            id=2_600_000_002,
            name=script.kol_name,
            followers=script.kol_followers,
            verified=True,
            reason=script.kol_reason,
        )
        kol_post = weibo(
            CRISIS_TIMES["kol"],
            script.kol_text,
            kol,
            1,
            reposts=26000,
            comments=5200,
            likes=31000,
            tau=1800,
            repost_of=origin.id,
        )
        for i, text in enumerate(script.echoes):
            weibo(
                CRISIS_TIMES["echoes"] + i * CRISIS_TIMES["echo_every"] + rng.uniform(0, 6),
                text,
                rng.choice(self._users),
                10 + i,
                reposts=rng.randint(3, 60),
                comments=rng.randint(2, 30),
                likes=rng.randint(10, 200),
                tau=900,
            )
        fire_author = DemoAuthor(id=2_600_000_003, name="地库邻居小周", followers=2300)
        weibo(
            CRISIS_TIMES["fire"],
            script.fire_text,
            fire_author,
            40,
            reposts=1800,
            comments=600,
            likes=2400,
            tau=1200,
        )
        for i, text in enumerate(script.threats):
            weibo(
                CRISIS_TIMES["threats"] + i * CRISIS_TIMES["threat_every"] + rng.uniform(0, 8),
                text,
                rng.choice(self._users),
                50 + i,
                reposts=rng.randint(20, 200),
                comments=rng.randint(10, 80),
                likes=rng.randint(50, 400),
                tau=900,
            )
        reporter = DemoAuthor(
            id=2_600_000_004,
            name=script.reporter_name,
            followers=script.reporter_followers,
            verified=True,
            reason="财经媒体记者",
        )
        weibo(
            CRISIS_TIMES["reporter"],
            script.reporter_text,
            reporter,
            60,
            reposts=3100,
            comments=700,
            likes=4100,
            tau=1500,
        )
        # reposts of the 大V's post snowball, then fade (rate per second over time)
        t, k = float(CRISIS_TIMES["kol"] + 5), 0
        while t < 2400:
            rate = min(0.5, 0.05 * math.exp((t - CRISIS_TIMES["kol"]) / 60))
            if t > 1200:
                rate *= math.exp(-(t - 1200) / 600)
            t += rng.expovariate(rate)
            comment = rng.choice(script.repost_comments)
            text = f"{comment}//@{script.kol_name}:{script.kol_text}"
            weibo(
                t,
                text,
                rng.choice(self._users),
                100 + k,
                repost_of=origin.id,
                likes=rng.randint(0, 5),
            )
            k += 1
        # the forum thread: the origin's story, owners piling in
        forum_at = CRISIS_TIMES["forum"]
        tid = str(_tieba_id(9_000_000_000, at(forum_at), 500))
        forum_texts = [
            script.origin_text,
            *script.echoes[:6],
            script.fire_text,
            *script.threats[:3],
            *script.angry_comments,
        ]
        for floor, text in enumerate(forum_texts, start=1):
            seconds = forum_at + (floor - 1) * 15 + rng.uniform(0, 5) * (floor > 1)
            posts.append(
                DemoPost(
                    platform="tieba",
                    id=str(_tieba_id(150_000_000_000, at(seconds), 500 + floor)),
                    brand=brand,
                    intent="crisis",
                    text=text,
                    published=at(seconds),
                    author=origin_author if floor == 1 else rng.choice(self._users),
                    title=script.origin_title,
                    thread_id=tid,
                    floor=floor,
                    forum=brand,
                    crisis=True,
                )
            )
        posts.append(
            DemoPost(
                platform="news",
                id=str(_tieba_id(880_000_000, at(CRISIS_TIMES["news"]), 500)),
                brand=brand,
                intent="crisis",
                text=script.article,
                published=at(CRISIS_TIMES["news"]),
                title=script.headline,
                author=DemoAuthor(id=1, name="科技消费日报", followers=0),
                crisis=True,
            )
        )
        self.crisis_kol_post_id = kol_post.id
        self.crisis_origin_id = origin.id
        self.crisis_script_used: CrisisScript = script
        return posts


class _Default(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _weibo_id(at: datetime, k: int) -> str:
    """16-digit, increasing with time like real weibo mids."""
    return str(4_800_000_000_000_000 + (int(at.timestamp()) - _EPOCH_BASE) * 10_000 + k)


def _tieba_id(base: int, at: datetime, k: int) -> int:
    return base + (int(at.timestamp()) - _EPOCH_BASE) * 10_000 + k
