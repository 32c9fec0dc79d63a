"""Generated mentions for benchmarks: realistic Chinese posts of mixed lengths about 20
fictional brands over a time span, built from phrase templates written here (no rows
from any crawled data set).

    from bench.mentions_gen import generate_mentions
    for m in generate_mentions(100_000, brands=20, days=90, seed=0): ...

Deterministic for a given (n, brands, days, seed, end). Authors have heavy-tailed
follower counts (Pareto), engagement grows with followers, about a third of posts are
negative complaints with a category and sometimes risk signals, one in ten repeats an
earlier post (repost, same story). Simhashes are random 64-bit values (near-identical
for reposts) so that the store carries the same index load as in production without
depending on the crawler's hashing code.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from index.models import Mention

# (brand name, industry) — all fictional
BRANDS: list[tuple[str, str]] = [
    ("极光汽车", "car"),
    ("星河手机", "phone"),
    ("飞鱼外卖", "delivery"),
    ("青禾乳业", "food"),
    ("云途航空", "airline"),
    ("北辰电器", "appliance"),
    ("蓝鲸快递", "parcel"),
    ("晨曦奶茶", "food"),
    ("远山新能源", "car"),
    ("锦程银行", "bank"),
    ("橙果平板", "phone"),
    ("海豚出行", "ride"),
    ("松果家居", "appliance"),
    ("白鹭酒店", "hotel"),
    ("赤焰游戏", "game"),
    ("月光美妆", "beauty"),
    ("风行电动车", "car"),
    ("禾苗母婴", "food"),
    ("天枢宽带", "telecom"),
    ("金穗超市", "retail"),
]

PARTS = {
    "car": ["发动机", "变速箱", "刹车", "车机", "空调", "底盘", "天窗", "电池", "方向盘", "轮胎"],
    "phone": ["屏幕", "电池", "信号", "摄像头", "充电器", "系统", "主板", "扬声器", "指纹"],
    "delivery": ["外卖", "骑手", "餐品", "包装", "配送", "红包", "会员"],
    "food": ["牛奶", "奶茶", "包装", "保质期", "口感", "配料", "吸管", "瓶盖"],
    "airline": ["航班", "行李", "值机", "座位", "餐食", "里程", "登机口"],
    "appliance": ["冰箱", "洗衣机", "空调", "热水器", "电源", "遥控器", "压缩机"],
    "parcel": ["快递", "包裹", "快递员", "网点", "运单", "驿站"],
    "bank": ["信用卡", "贷款", "APP", "客服电话", "手续费", "网点", "积分"],
    "ride": ["司机", "订单", "车费", "路线", "APP", "优惠券"],
    "hotel": ["房间", "前台", "床单", "早餐", "空调", "热水", "预订"],
    "game": ["服务器", "充值", "账号", "客服", "版本", "活动", "匹配"],
    "beauty": ["面霜", "口红", "包装", "成分", "专柜", "赠品"],
    "telecom": ["宽带", "网速", "路由器", "套餐", "装维师傅", "话费"],
    "retail": ["收银台", "会员卡", "生鲜", "价签", "购物车", "小票"],
}

FAULTS = {
    "car": ["漏油", "异响", "抖动", "断电", "失灵", "生锈", "死机", "漏水", "自燃"],
    "phone": ["发热", "黑屏", "断流", "卡顿", "掉帧", "鼓包", "死机", "闪退", "绿线"],
    "delivery": ["超时", "洒了", "送错", "少送", "冷掉", "漏送"],
    "food": ["变质", "异物", "胀包", "发霉", "异味", "过期"],
    "airline": ["延误", "取消", "超售", "丢失", "破损", "改签失败"],
    "appliance": ["漏水", "异响", "不制冷", "跳闸", "漏电", "噪音大"],
    "parcel": ["丢件", "破损", "延误", "错发", "被签收"],
    "bank": ["乱扣费", "无法登录", "被冻结", "多扣款", "利息不对"],
    "ride": ["绕路", "乱收费", "爽约", "态度差", "多扣款"],
    "hotel": ["有异味", "不干净", "漏水", "噪音大", "订单被取消"],
    "game": ["掉线", "卡顿", "封号", "充值不到账", "闪退"],
    "beauty": ["过敏", "烂脸", "假货", "变质", "刺痛"],
    "telecom": ["断网", "网速慢", "乱扣费", "掉线", "信号差"],
    "retail": ["过期", "缺斤短两", "价格不符", "变质", "多收钱"],
}

OPENERS = [
    "家人们谁懂啊，",
    "吐槽一下",
    "真的无语了，",
    "说一下我的经历：",
    "今天",
    "刚刚",
    "气死我了！",
    "求助：",
    "分享一下，",
    "",
    "",
    "",
    "上周",
    "第三次了，",
    "路过说一句，",
]
NEG_CORE = [
    "{brand}的{part}{fault}了",
    "买了{brand}才三个月{part}就{fault}",
    "{brand}{part}{fault}，找售后一直推脱",
    "新买的{brand}，{part}{fault}问题很严重",
    "{part}又{fault}了，{brand}到底管不管",
    "用了{brand}的{part}，结果{fault}",
]
NEG_FOLLOW = [
    "客服一直不回复",
    "要求退款被拒绝",
    "售后推来推去",
    "等了一个多星期没人处理",
    "态度非常差",
    "说是人为损坏不给保修",
    "电话打了十几次都没人接",
    "承诺的补偿一直没到账",
    "门店说要寄回厂家检测",
    "退款申请被驳回了三次",
    "维修费比新的还贵",
    "工作人员还挂我电话",
]
NEG_CATEGORY = {
    "quality": ["质量太差了", "这质量真的不行", "品控有问题"],
    "service": ["服务太差了", "客服态度恶劣", "售后形同虚设"],
    "delivery": ["物流慢得离谱", "送货拖了十天", "配送一塌糊涂"],
    "billing": ["乱扣费", "多收了钱不退", "账单对不上"],
    "safety": ["差点出事故", "孩子差点受伤", "冒烟了太吓人"],
    "fraud": ["感觉被骗了", "虚假宣传", "霸王条款"],
    "other": ["太失望了", "再也不买了", "真的心累"],
}
SIGNALS = {
    "regulator": ["已经打了12315投诉", "准备向市场监管局举报", "已向消协投诉"],
    "legal": ["准备找律师起诉", "律师函已经发了", "打算走法律途径"],
    "media": ["已经联系了记者", "希望媒体曝光一下", "电视台已经来采访了"],
    "rights": ["一定要维权到底", "维权太难了"],
    "collective": ["大家一起集体投诉吧", "群里已经有两百多个车主遇到同样问题"],
    "safety": ["差点出人命", "车子直接起火了", "孩子受伤住院了"],
}
POS_CORE = [
    "{brand}的{part}体验很好",
    "入手{brand}一个月，{part}很满意",
    "{brand}客服态度很好，问题很快解决了",
    "给{brand}点个赞，{part}比想象中好",
    "{brand}这次的{part}升级很给力",
    "第二次买{brand}了，一如既往的靠谱",
]
POS_FOLLOW = [
    "性价比很高",
    "推荐给大家",
    "售后响应很快",
    "做工扎实",
    "细节处理得不错",
    "会继续支持",
    "朋友也说好用",
    "物流也很快",
]
NEU_CORE = [
    "有没有人用过{brand}的{part}？",
    "请问{brand}的{part}保修多久",
    "{brand}发布了新款，{part}有升级",
    "据报道，{brand}第三季度营收同比增长",
    "{brand}和另一家比，{part}哪个好",
    "{brand}门店今天开业，{part}有活动",
    "看到新闻说{brand}要调价了",
]
NEU_FOLLOW = [
    "想听听大家的意见",
    "纠结中",
    "坐等评测",
    "具体以官方公告为准",
    "有了解的朋友说一下",
    "价格还没公布",
    "蹲一个后续",
]
FILLER = [
    "当时是在门店买的",
    "发票和合同都在",
    "之前一直挺信任这个牌子",
    "身边朋友也有类似情况",
    "周末专门请假跑了一趟",
    "来回折腾了好几次",
    "也不知道该找谁",
    "希望有关部门重视",
    "先记录一下",
    "后续有进展再更新",
    "图片在评论区",
    "视频已经存证",
    "整个过程非常糟心",
    "说明书上也没写清楚",
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董"
NAME_PARTS = ["小", "大", "阿", "老", "", "", ""]
NICK_WORDS = [
    "爱吃鱼",
    "不加糖",
    "的日常",
    "在路上",
    "今天也要加油",
    "carlover",
    "_2020",
    "酱",
    "同学",
    "说车",
    "数码控",
    "测评",
    "观察",
    "财经",
]
SOURCES = [  # (source, source kind, mention kind, share)
    ("weibo-search", "weibo", "post", 0.45),
    ("weibo-comments", "weibo", "comment", 0.2),
    ("tieba-forums", "forum", "reply", 0.15),
    ("discuz-bbs", "forum", "post", 0.1),
    ("news-feed", "feed", "article", 0.1),
]


@dataclass
class _Author:
    id: str
    name: str
    followers: int
    verified: bool


def _authors(rng: random.Random, count: int) -> list[_Author]:
    out = []
    for i in range(count):
        followers = min(int(rng.paretovariate(1.1) * 30) - 30, 60_000_000)
        name = (
            rng.choice(NAME_PARTS)
            + rng.choice(SURNAMES)
            + rng.choice(NICK_WORDS)
            + (str(rng.randint(1, 999)) if rng.random() < 0.4 else "")
        )
        out.append(_Author(f"u{100000 + i}", name, max(0, followers), followers > 200_000))
    return out


def _sentence(rng: random.Random, brand: str, industry: str, sentiment: str) -> list[str]:
    fill = {"brand": brand, "part": rng.choice(PARTS[industry]), "fault": ""}
    if sentiment == "negative":
        fill["fault"] = rng.choice(FAULTS[industry])
        return [rng.choice(NEG_CORE).format(**fill), rng.choice(NEG_FOLLOW)]
    if sentiment == "positive":
        return [rng.choice(POS_CORE).format(**fill), rng.choice(POS_FOLLOW)]
    return [rng.choice(NEU_CORE).format(**fill), rng.choice(NEU_FOLLOW)]


ARRIVAL_JITTER_S = 600


def generate_mentions(
    n: int,
    brands: int = 20,
    days: int = 90,
    seed: int = 0,
    end: datetime | None = None,
    arrival_order: bool = False,
) -> Iterator[Mention]:
    """``n`` mentions published over ``days`` days before ``end`` (default: now, to the
    hour), about ``brands`` brands (at most 20). Their publish times are random (a
    back-fill: every batch lands all over the time range), or with ``arrival_order`` as
    a crawler running all along would bring them in: oldest first, each up to ten
    minutes off its place. The same mentions but for their times either way."""
    rng = random.Random(seed)
    end = end or datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    span = days * 86_400
    chosen = BRANDS[: max(1, min(brands, len(BRANDS)))]
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(chosen))]  # a few big brands
    authors = _authors(rng, max(100, n // 20))
    author_weights = list(  # big accounts post more; cumulative: choices() is O(log n) then
        itertools.accumulate(1 + (a.followers > 10_000) * 2 for a in authors)
    )
    sources = [s[:3] for s in SOURCES]
    source_weights = [s[3] for s in SOURCES]
    recent: list[Mention] = []  # candidates for reposts
    for i in range(n):
        source, source_kind, kind = rng.choices(sources, source_weights)[0]
        author = rng.choices(authors, cum_weights=author_weights)[0]
        offset = rng.randrange(span)
        if arrival_order:
            offset = max(0, span - span * i // n - offset % ARRIVAL_JITTER_S)
        published = end - timedelta(seconds=offset)
        engagement_scale = 1 + author.followers // 2_000
        engagement = {
            "reposts": int(rng.expovariate(1) * engagement_scale * 0.3),
            "comments": int(rng.expovariate(1) * engagement_scale * 0.5),
            "likes": int(rng.expovariate(1) * engagement_scale * 2),
        }
        mid = f"{source}:{seed}-{i}"
        if recent and rng.random() < 0.1:  # a repost / near-copy of an earlier story
            orig = rng.choice(recent)
            flips = rng.sample(range(64), rng.randint(0, 2))
            simhash = orig.simhash or 0
            for bit in flips:
                simhash ^= 1 << bit
            yield Mention.model_validate(
                {
                    **orig.model_dump(exclude={"id", "native_id", "author", "engagement"}),
                    "id": mid,
                    "native_id": f"{seed}-{i}",
                    "source": source,
                    "source_kind": source_kind,
                    "kind": kind,
                    "text": rng.choice(["转发：", "//转发微博 ", "同样遇到了！", ""]) + orig.text,
                    "author": author.__dict__,
                    "engagement": engagement,
                    "published_at": max(published, orig.published_at),
                    "repost_of": orig.id,
                    "cluster_id": orig.cluster_id or orig.id,
                    "simhash": simhash,
                }
            )
            continue

        picked = rng.choices(range(len(chosen)), weights)[0]
        brand_list = [chosen[picked]]
        if rng.random() < 0.1:
            other = chosen[rng.randrange(len(chosen))]
            if other != brand_list[0]:
                brand_list.append(other)
        name, industry = brand_list[0]
        roll = rng.random()
        sentiment = "negative" if roll < 0.35 else "neutral" if roll < 0.75 else "positive"
        parts = [rng.choice(OPENERS) + "，".join(_sentence(rng, name, industry, sentiment))]
        category = None
        signals: list[str] = []
        if sentiment == "negative":
            category = rng.choices(list(NEG_CATEGORY), [30, 25, 10, 12, 5, 8, 10])[0]
            parts.append(rng.choice(NEG_CATEGORY[category]))
            if rng.random() < 0.08:
                signal = rng.choice(list(SIGNALS))
                signals.append(signal)
                parts.append(rng.choice(SIGNALS[signal]))
        # mixed lengths: mostly short posts, some paragraphs, a few long articles
        length = rng.choices([0, 2, 6, 14], [45, 30, 18, 7])[0]
        for _ in range(length):
            if rng.random() < 0.5:
                parts.append(rng.choice(FILLER))
            else:
                parts += _sentence(rng, *rng.choice([(name, industry), *brand_list[1:]]), sentiment)
        if len(brand_list) > 1:
            parts.append(f"对比过{brand_list[1][0]}")
        text = "，".join(parts) + rng.choice(["。", "！", "！！", "？", "", "。。。"])
        title = ""
        if kind == "article":
            title = f"{name}{rng.choice(['回应', '被曝', '发布', '宣布', '陷入'])}" + rng.choice(
                ["质量争议", "新品", "投诉风波", "服务升级", "召回计划"]
            )
        low, high = {"negative": (0.0, 0.35), "neutral": (0.35, 0.65), "positive": (0.65, 1.0)}[
            sentiment
        ]
        mention = Mention.model_validate(
            {
                "id": mid,
                "source": source,
                "source_kind": source_kind,
                "native_id": f"{seed}-{i}",
                "kind": kind,
                "url": f"https://{source}.example/{seed}-{i}",
                "title": title,
                "text": text,
                "author": author.__dict__,
                "published_at": published,
                "crawled_at": end,
                "engagement": engagement,
                "brands": [{"brand": b, "keywords": [b]} for b, _ in brand_list],
                "sentiment": {"score": round(rng.uniform(low, high), 3), "label": sentiment},
                "complaint_category": category,
                "risk_signals": signals,
                "cluster_id": mid,
                "simhash": rng.getrandbits(64),
            }
        )
        if len(recent) < 2000:
            recent.append(mention)
        else:
            recent[rng.randrange(2000)] = mention
        yield mention
