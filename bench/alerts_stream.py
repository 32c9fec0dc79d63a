"""A generated stream of brand mentions with injected incidents, for bench/alerts.py.

Background traffic per brand: a daily volume (log-uniform across brands), a daily shape
with a night lull and an evening peak (deliberately not the engine's prior shape),
quieter and later weekends, day-to-day and hour-to-hour overdispersion, small harmless
bursts (a news item brings a few posts), reposts, a few complaint posts naming 12315 or
维权, and big accounts that mention brands without complaining. Incidents of four shapes
are injected after a warm-up week: sharp surge, slow climb over six hours, a single
negative post by a 大V (with its reposts), and a repost storm of one post. Two more,
each brand one of them, on a day of its own and drawn from a generator of their own (so
the four above are the same stream as before they were added): a *late arrival*, a
sharp surge of posts published 3–6 hours before a search surfaces them
(``observed_at``), and a *re-crawl storm*, one negative post whose reposts and comments
grow from a few dozen to thousands while it is re-crawled every 8 minutes (the same id
again with ``observed_at`` and the counts then; only a handful of copies are crawled as
mentions of their own).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

# local (UTC+8) hour → relative activity; a lull 2–6 h, steep morning ramp, evening peak
SHAPE = (
    0.7,
    0.45,
    0.25,
    0.15,
    0.1,
    0.12,
    0.3,
    0.7,
    1.2,
    1.4,
    1.4,
    1.35,
    1.5,
    1.3,
    1.2,
    1.25,
    1.3,
    1.3,
    1.25,
    1.4,
    1.7,
    1.8,
    1.5,
    1.1,
)
SHAPE_MEAN = sum(SHAPE) / 24
LOCAL = timedelta(hours=8)
SHAPES = (
    "sharp_surge",
    "slow_climb",
    "big_v_post",
    "repost_storm",
    "late_arrival",
    "recrawl_storm",
)
EXTRA_SHAPES = SHAPES[4:]  # one per brand, from a generator of their own
RECRAWL_EVERY = timedelta(minutes=8)

SUBJECTS = [
    "新款",
    "客服",
    "售后",
    "门店",
    "快递",
    "APP",
    "会员",
    "价格",
    "包装",
    "质量",
    "活动",
    "退款",
    "配送",
    "新品",
    "说明书",
    "保修",
    "赠品",
    "服务",
    "发票",
    "物流",
]
GOOD = [
    "挺好用的",
    "体验不错",
    "值得推荐",
    "比想象中好",
    "很满意",
    "回购了",
    "点赞",
    "服务很贴心",
    "性价比高",
    "包装精美",
]
NEUTRAL = [
    "有人用过吗",
    "今天看到广告",
    "路过门店看了看",
    "求推荐型号",
    "问一下价格",
    "朋友说还行",
    "看到新闻",
    "在考虑要不要买",
    "和别家比较一下",
    "晒一下",
]
BAD = [
    "太差了",
    "一直没人处理",
    "质量有问题",
    "客服态度恶劣",
    "退款拖了半个月",
    "根本没法用",
    "再也不买了",
    "坑人",
    "投诉无门",
    "出了故障",
]
SIGNAL_BAD = [
    ("已经打12315投诉了", "regulator"),
    ("准备找律师起诉", "legal"),
    ("大家一起维权", "rights"),
    ("找媒体曝光", "media"),
    ("差点起火受伤", "safety"),
]
CITIES = [
    "北京",
    "上海",
    "广州",
    "深圳",
    "成都",
    "杭州",
    "武汉",
    "西安",
    "南京",
    "重庆",
    "天津",
    "苏州",
    "长沙",
    "郑州",
    "青岛",
    "沈阳",
    "厦门",
    "昆明",
    "大连",
    "合肥",
]


@dataclass
class Incident:
    brand: str
    shape: str
    onset: datetime
    end: datetime  # when the injected extra traffic stops
    # when its first post could be seen: published (a late arrival's: surfaced). The
    # onset is when its traffic starts; on a quiet brand the first complaint of a
    # surge may come minutes later, and nothing can be detected before it
    first_post: datetime | None = None


@dataclass
class BrandTraffic:
    name: str
    daily: float  # mentions per day
    negative_share: float


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, int(rng.gauss(lam, math.sqrt(lam)) + 0.5))
    threshold, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= threshold:
            return k
        k += 1


class StreamBuilder:
    def __init__(
        self,
        brands: int = 20,
        days: int = 30,
        seed: int = 0,
        start: datetime = datetime(2026, 8, 31, 16, 0, tzinfo=UTC),
    ):
        self.rng = random.Random(seed)
        self.seed = seed
        self.days = days
        self.start = start  # 2026-09-01 00:00 local
        self.brands = [
            BrandTraffic(
                f"品牌{i + 1:02d}",
                math.exp(self.rng.uniform(math.log(30), math.log(600))),
                self.rng.uniform(0.12, 0.3),
            )
            for i in range(brands)
        ]
        self.seq = 0
        self.incidents: list[Incident] = []

    def brand(self, name: str) -> BrandTraffic:
        return next(b for b in self.brands if b.name == name)

    # -- one mention -------------------------------------------------------------------
    def _text(self, brand: str, mood: str, signal: str | None = None) -> str:
        r = self.rng
        phrase = {"positive": GOOD, "neutral": NEUTRAL, "negative": BAD}[mood]
        parts = [
            f"{brand}{r.choice(SUBJECTS)}{r.choice(phrase)}",
            f"在{r.choice(CITIES)}",
            r.choice(phrase),
            f"第{r.randint(1, 999)}次",
            r.choice(SUBJECTS),
        ]
        if signal:
            parts.append(signal)
        r.shuffle(parts[1:])
        return "，".join(parts) + r.choice(["。", "！", "？", "…"])

    def mention(
        self,
        brand: str,
        at: datetime,
        mood: str,
        followers: int | None = None,
        signal: tuple[str, str] | None = None,
        repost_of: str | None = None,
        reposts: int = 0,
        text: str | None = None,
    ) -> dict[str, Any]:
        self.seq += 1
        r = self.rng
        mid = f"m{self.seq}"
        score = {
            "negative": r.uniform(0.01, 0.3),
            "neutral": r.uniform(0.4, 0.6),
            "positive": r.uniform(0.7, 0.99),
        }[mood]
        return {
            "id": mid,
            "source": "gen",
            "published_at": at.isoformat(),
            "text": text or self._text(brand, mood, signal[0] if signal else None),
            "brand": brand,
            "sentiment": {"label": mood, "score": round(score, 3)},
            "risk_signals": [signal[1]] if signal else [],
            "followers": followers
            if followers is not None
            else int(math.exp(r.gauss(5.5, 1.6))) % 200_000,
            "reposts": reposts,
            "url": f"https://weibo.example/{mid}",
            "author": f"用户{r.randint(1, 10**6)}",
            **({"repost_of": repost_of} if repost_of else {}),
        }

    # -- background --------------------------------------------------------------------
    def background(self, brand: BrandTraffic) -> Iterator[dict[str, Any]]:
        r = self.rng
        recent: list[str] = []
        for day in range(self.days):
            day_start = self.start + timedelta(days=day)
            weekday = (day_start + LOCAL).weekday()
            weekend = weekday >= 5
            level = math.exp(r.gauss(0, 0.15)) * (0.8 if weekend else 1.0)
            bursts = {r.randrange(24 * 60) for _ in range(_poisson(r, 1.0))}
            for hour in range(24):
                shape_hour = max(0, hour - 1) if weekend else hour  # later weekend mornings
                hourly = brand.daily / 24 * SHAPE[shape_hour] / SHAPE_MEAN * level
                hourly *= r.gammavariate(8, 1 / 8)  # hour-to-hour overdispersion
                for minute in range(60):
                    at = day_start + timedelta(hours=hour, minutes=minute)
                    n = _poisson(r, hourly / 60)
                    if hour * 60 + minute in bursts:
                        n += r.randint(3, 6)
                    for _ in range(n):
                        yield self._background_one(brand, at, recent)

    def _background_one(
        self, brand: BrandTraffic, at: datetime, recent: list[str]
    ) -> dict[str, Any]:
        r = self.rng
        at = at + timedelta(seconds=r.randrange(60))
        x = r.random()
        mood = (
            "negative"
            if x < brand.negative_share
            else "neutral"
            if x < brand.negative_share + 0.45
            else "positive"
        )
        if recent and r.random() < 0.12:
            return self.mention(
                brand.name,
                at,
                mood,
                repost_of=r.choice(recent),
                text=f"转发微博 {r.randint(1, 10**6)}",
            )
        signal = r.choice(SIGNAL_BAD) if mood == "negative" and r.random() < 0.03 else None
        followers = (
            r.randint(600_000, 5_000_000) if mood != "negative" and r.random() < 0.002 else None
        )
        m = self.mention(brand.name, at, mood, followers=followers, signal=signal)
        recent.append(m["id"])
        del recent[:-50]
        return m

    # -- incidents ------------------------------------------------------------------------
    def neg_per_minute(self, brand: BrandTraffic, at: datetime) -> float:
        hour = (at + LOCAL).hour
        return brand.daily * brand.negative_share / 24 * SHAPE[hour] / SHAPE_MEAN / 60

    def incident(
        self, brand: BrandTraffic, shape: str, onset: datetime
    ) -> Iterator[dict[str, Any]]:
        r = self.rng
        if shape == "sharp_surge":
            minutes = r.randint(60, 180)
            self.incidents.append(
                Incident(brand.name, shape, onset, onset + timedelta(minutes=minutes))
            )
            for m in range(minutes):
                at = onset + timedelta(minutes=m)
                peak = max(6 * self.neg_per_minute(brand, at), 1.2)
                rate = peak * (1.0 if m < 60 else math.exp(-(m - 60) / 40))
                for _ in range(_poisson(r, rate)):
                    sig = r.choice(SIGNAL_BAD) if r.random() < 0.05 else None
                    yield self.mention(
                        brand.name, at + timedelta(seconds=r.randrange(60)), "negative", signal=sig
                    )
        elif shape == "slow_climb":
            minutes = 8 * 60
            self.incidents.append(
                Incident(brand.name, shape, onset, onset + timedelta(minutes=minutes))
            )
            for m in range(minutes):
                at = onset + timedelta(minutes=m)
                full = max(3 * self.neg_per_minute(brand, at), 0.25)
                rate = full * min(1.0, m / 360)
                for _ in range(_poisson(r, rate)):
                    yield self.mention(
                        brand.name, at + timedelta(seconds=r.randrange(60)), "negative"
                    )
        elif shape == "big_v_post":
            self.incidents.append(Incident(brand.name, shape, onset, onset + timedelta(hours=1)))
            post = self.mention(
                brand.name, onset, "negative", followers=r.randint(1_000_000, 20_000_000), reposts=0
            )
            yield post
            for _ in range(r.randint(10, 40)):
                at = onset + timedelta(seconds=r.randrange(3600))
                yield self.mention(
                    brand.name,
                    at,
                    "negative",
                    repost_of=post["id"],
                    text=f"转发微博 //@{post['author']} {r.randint(1, 10**6)}",
                )
        elif shape == "late_arrival":
            minutes = r.randint(60, 120)
            self.incidents.append(
                Incident(brand.name, shape, onset, onset + timedelta(minutes=minutes))
            )
            for m in range(minutes):
                seen = onset + timedelta(minutes=m)
                peak = max(6 * self.neg_per_minute(brand, seen), 1.2)
                for _ in range(_poisson(r, peak * (1.0 if m < 45 else 0.3))):
                    late = timedelta(minutes=r.randint(180, 360))
                    line = self.mention(brand.name, seen - late, "negative")
                    line["observed_at"] = (seen + timedelta(seconds=r.randrange(60))).isoformat()
                    yield line
        elif shape == "recrawl_storm":
            minutes = 120
            self.incidents.append(
                Incident(brand.name, shape, onset, onset + timedelta(minutes=minutes))
            )
            post = self.mention(brand.name, onset, "negative", followers=r.randint(500, 5000))
            total, tau = r.randint(3000, 8000), r.uniform(25, 50)
            at = onset + timedelta(minutes=r.uniform(2, 6))  # first crawled
            while at < onset + timedelta(minutes=minutes):
                grown = 1 - math.exp(-(at - onset).total_seconds() / 60 / tau)
                reposts = 30 + int((total - 30) * grown)
                yield {
                    **post,
                    "reposts": reposts,
                    "comments": reposts // 5,
                    "observed_at": at.isoformat(),
                }
                at += RECRAWL_EVERY
            for _ in range(r.randint(0, 5)):
                copied = onset + timedelta(seconds=r.randrange(minutes * 60))
                yield self.mention(
                    brand.name,
                    copied,
                    "negative",
                    repost_of=post["id"],
                    text=f"转发微博 {r.choice(BAD)} {r.randint(1, 10**6)}",
                )
        elif shape == "repost_storm":
            minutes = 120
            self.incidents.append(
                Incident(brand.name, shape, onset, onset + timedelta(minutes=minutes))
            )
            post = self.mention(brand.name, onset, "negative", followers=r.randint(2000, 60_000))
            yield post
            total = r.randint(800, 2000)
            for _ in range(total):
                at = onset + timedelta(seconds=int(r.expovariate(1 / 1800)) % (minutes * 60))
                mood = "negative" if r.random() < 0.6 else "neutral"
                yield self.mention(
                    brand.name,
                    at,
                    mood,
                    repost_of=post["id"],
                    text=f"转发微博 {r.choice(BAD)} {r.randint(1, 10**6)}",
                )

    def _injected(self, lines: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """An incident's lines, noting on it (the last one recorded) when its first post
        could be seen."""
        for line in lines:
            inc = self.incidents[-1]
            key = "observed_at" if inc.shape == "late_arrival" else "published_at"
            at = datetime.fromisoformat(line[key])
            if inc.first_post is None or at < inc.first_post:
                inc.first_post = at
            yield line

    def build(self, warmup_days: int = 7) -> list[dict[str, Any]]:
        """The whole stream, sorted by time; ``self.incidents`` lists what was injected.

        Each brand gets 2–3 incidents of different shapes on different days after the
        warm-up, at random local times between 08:00 and 21:00 (or any time for 大V)."""
        # up to 3 shapes and 1 late/re-crawl storm per brand, each on its own day after
        # the warm-up, and a last day left for the incidents' tails
        if self.days < warmup_days + 5:
            raise ValueError(
                f"a stream of {self.days} days is too short: {warmup_days} warm-up days, "
                f"up to 4 incident days per brand and a last day need at least "
                f"{warmup_days + 5} days"
            )
        out: list[dict[str, Any]] = []
        r = self.rng
        for brand in self.brands:
            out.extend(self.background(brand))
        used: dict[str, set[int]] = {}
        for i, brand in enumerate(self.brands):
            shapes = [SHAPES[i % 4], SHAPES[(i + 1 + r.randrange(3)) % 4]]
            if r.random() < 0.5:
                shapes.append(SHAPES[(i + 2) % 4])
            days = r.sample(range(warmup_days, self.days - 1), len(shapes))
            used[brand.name] = set(days)
            for shape, day in zip(shapes, days, strict=True):
                first = 8 if shape != "slow_climb" else 7
                hour = r.randint(first, 14 if shape == "slow_climb" else 21)
                onset = self.start + timedelta(days=day, hours=hour, minutes=r.randrange(60))
                out.extend(self._injected(self.incident(brand, shape, onset)))
        # the late-arrival and re-crawl storms: a generator of their own, after the rest
        kept, self.rng = self.rng, random.Random(f"{self.seed}:feed")
        for i, brand in enumerate(self.brands):
            free = [d for d in range(warmup_days, self.days - 1) if d not in used[brand.name]]
            day, hour = self.rng.choice(free), self.rng.randint(8, 21)
            onset = self.start + timedelta(days=day, hours=hour, minutes=self.rng.randrange(60))
            out.extend(self._injected(self.incident(brand, EXTRA_SHAPES[i % 2], onset)))
        self.rng = kept
        out.sort(key=lambda m: (m.get("observed_at", m["published_at"]), m["id"]))
        return out
