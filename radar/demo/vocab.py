"""What the demo's fictional people write: brand profiles, post templates and word lists.

All text here was written for the project (no rows from any corpus). A post is a
template whose ``{slots}`` are filled from the brand's profile and the shared lists, then
wrapped with an optional opener/closer and emoticon, so a few dozen templates give
thousands of different, natural-sounding posts. Ordinary complaints deliberately avoid
the risk-signal words (曝光, 12315, 维权, 起诉, 受伤, 大家一起 …): in the demo only the
scripted crisis carries them.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class BrandProfile:
    """How people talk about one kind of brand."""

    products: list[str]  # product names that contain a brand keyword (matchable)
    praise: list[str]
    neutral: list[str]
    complaint: list[str]
    slots: dict[str, list[str]] = field(default_factory=dict)
    thread_titles: dict[str, list[str]] = field(default_factory=dict)  # by intent
    headlines: list[str] = field(default_factory=list)  # news, ordinary days


OPENERS = [
    "",
    "",
    "",
    "",
    "说实话，",
    "有一说一，",
    "家人们，",
    "讲真，",
    "分享一下：",
    "记录一下，",
    "刚刚看到自己的记录，",
    "随手发一条，",
    "憋了好久，",
    "跟大家说一下，",
]
CLOSERS = [
    "",
    "",
    "",
    "",
    "。",
    "！",
    "～",
    "，就这样吧。",
    "，大家怎么看？",
    "，先这样。",
    "，有同感的吗？",
    "，记录生活。",
    "，下次再说。",
]
PRAISE_EMOTICONS = ["[赞]", "[哈哈]", "[心]", "[太开心]", "[可爱]", "[鼓掌]", "[耶]", "[笑cry]"]
NEUTRAL_EMOTICONS = ["[思考]", "[doge]", "[吃瓜]", "[微笑]", "[允悲]", "", ""]
COMPLAINT_EMOTICONS = ["[怒]", "[失望]", "[衰]", "[抓狂]", "[汗]", "[泪]", "[费解]", "[生病]"]
CITIES = [
    "北京",
    "上海",
    "广州",
    "深圳",
    "杭州",
    "成都",
    "武汉",
    "南京",
    "西安",
    "重庆",
    "苏州",
    "长沙",
    "郑州",
    "天津",
    "青岛",
    "合肥",
    "厦门",
    "昆明",
]
DAYS = ["两", "三", "四", "五", "七", "十"]
TIMES = ["早上", "中午", "下午", "晚上", "半夜", "周末"]

# nickname parts for the demo's ordinary users
NICK_HEADS = [
    "小鹿",
    "阿哲",
    "橙子",
    "大白",
    "柚子",
    "木木",
    "老王",
    "小林",
    "阿May",
    "七七",
    "米粒",
    "南风",
    "北北",
    "糖糖",
    "大鹏",
    "小鱼",
    "阿杰",
    "Lily",
    "豆豆",
    "团子",
    "一只",
    "老陈",
]
NICK_TAILS = [
    "不吃香菜",
    "在路上",
    "的日常",
    "爱喝奶茶",
    "_",
    "今天也要加油",
    "想睡觉",
    "的小号",
    "是个打工人",
    "爱旅行",
    "碎碎念",
    "去哪儿",
    "2017",
    "88",
    "_Official",
    "同学",
    "酱",
]

_CAR = BrandProfile(
    products=["极光X7", "极光X5", "极光SUV", "极光新能源"],
    slots={
        "part": ["车机", "座椅", "空调", "大灯", "悬挂", "后备箱", "隔音", "辅助驾驶"],
        "issue": [
            "车机经常卡顿",
            "空调异味很大",
            "后备箱关不严",
            "胎噪有点大",
            "OTA升级后蓝牙连不上",
            "车门密封条有异响",
            "提车晚了一个月",
            "保养价格比说好的贵",
        ],
        "trip": ["自驾去川西", "跑了趟高速回老家", "带娃去郊区露营", "周末去海边", "上下班通勤"],
        "spec": ["续航", "电耗", "百公里加速", "空间", "做工"],
    },
    praise=[
        "{product}提车一个月了，{spec}真的超出预期，{trip}一点不累",
        "开着{product}{trip}，{part}体验很好，家里人都说舒服",
        "{product}的{part}调校得不错，这个价位很难找到对手",
        "在{city}极光4S店做的首保，服务顾问很耐心，还帮我洗了车",
        "{product}冬天{spec}也还行，比我想象的靠谱",
        "试驾了{product}，{part}和{spec}都挺惊艳，准备下定了",
        "第二台车还是选了极光汽车，{product}开了{days}个月没出过毛病",
    ],
    neutral=[
        "纠结{product}和别家的同级车，{spec}差不多，大家会怎么选？",
        "{product}下个月有新配色，不知道会不会降价",
        "路上看到一台{product}，真人比图片大",
        "有没有{city}的{product}车主，想问问{part}实际用起来怎么样",
        "极光汽车好像要出新款了，{product}老车主要不要等等",
        "今天去极光4S店看了一圈，{product}现车不多，要排队",
        "{product}的{spec}官方数据和实测差多少？求真实车主回答",
    ],
    complaint=[
        "{product}{issue}，去了两次店里都没解决",
        "吐槽一下{product}，{issue}，等了{days}天也没个准信",
        "{city}这家极光4S店服务态度太差了，{issue}，问就是等通知",
        "{product}才开三个月{issue}，售后说要返厂，真是无语",
        "买{product}之前没人说{issue}，现在只能自己忍着",
        "{product}的{part}做工一般，{issue}，这个价位不应该",
    ],
    thread_titles={
        "praise": ["{product}提车作业，分享一下", "{product}{trip}记录", "说说{product}的优点"],
        "neutral": ["{product}和竞品怎么选", "{city}有{product}车友吗", "{product}新款什么时候出"],
        "complaint": [
            "{product}{issue}有人遇到过吗",
            "吐槽{city}极光4S店",
            "{product}售后体验很差",
        ],
    },
    headlines=[
        "极光汽车{product}本月交付量环比增长",
        "极光汽车发布{product}年度OTA升级计划",
        "{city}车展：极光汽车展台人气不错，{product}新配色亮相",
        "极光汽车宣布在{city}新增两家极光4S店",
    ],
)

_DAIRY = BrandProfile(
    products=["清泉酸奶", "清泉牛奶", "清泉奶粉", "清泉乳业低脂奶"],
    slots={
        "flavor": ["原味", "草莓味", "黄桃味", "无糖", "燕麦"],
        "issue": [
            "送到的时候已经快过期了",
            "包装漏了好几盒",
            "味道比以前淡了",
            "涨价了但分量变少",
            "网店客服半天不回",
            "盖子很难拧开",
        ],
        "meal": ["早餐", "健身后", "下午茶", "宵夜"],
    },
    praise=[
        "{meal}来一杯{flavor}{product}，口感很浓，孩子也爱喝",
        "囤了一箱{product}，{flavor}的真的好喝，回购第{days}次了",
        "{product}的{flavor}新品太好喝了吧，强烈推荐",
        "{city}超市{product}在打折，顺手带了两箱，性价比很高",
        "喝了这么多牌子还是清泉乳业最稳定",
    ],
    neutral=[
        "{product}和别家的酸奶差别大吗？想换个牌子试试",
        "超市新上了{flavor}{product}，有人喝过吗",
        "{product}保质期多久啊，一次买多了怕喝不完",
        "清泉乳业好像出了新包装，{meal}喝正好",
    ],
    complaint=[
        "这次买的{product}{issue}，有点失望",
        "网上买的{product}{issue}，联系客服也没用",
        "{product}{issue}，以后不买了",
        "最近的{product}{issue}，是换配方了吗",
    ],
    thread_titles={
        "praise": ["安利{flavor}{product}"],
        "neutral": ["{product}哪个口味好喝"],
        "complaint": ["{product}{issue}"],
    },
    headlines=["清泉乳业推出{flavor}{product}新品", "清泉乳业发布年度质量报告"],
)

_DELIVERY = BrandProfile(
    products=["云朵外卖", "云朵App", "云朵骑手"],
    slots={
        "food": ["麻辣烫", "奶茶", "黄焖鸡", "寿司", "煎饼果子", "烧烤", "螺蛳粉", "轻食沙拉"],
        "issue": [
            "送晚了四十分钟",
            "汤洒了一半",
            "少送了一份饮料",
            "骑手把餐放错楼",
            "退款一直在审核",
            "优惠券用不了",
        ],
        "mins": ["十五", "二十", "二十五", "三十"],
    },
    praise=[
        "云朵外卖今天{mins}分钟就把{food}送到了，还是热的",
        "给云朵骑手小哥点个赞，下雨天送{food}还把袋子包得好好的",
        "云朵App的会员红包真划算，{food}便宜了好多",
        "半夜点{food}，云朵外卖居然{mins}分钟送到，太快了",
    ],
    neutral=[
        "大家点外卖用云朵App多还是别家多？",
        "云朵外卖的{food}店铺哪家好吃，求推荐",
        "云朵App更新了界面，有点不习惯",
        "中午点{food}还是自己做，这是个问题",
    ],
    complaint=[
        "云朵外卖点的{food}{issue}，客服就会复制粘贴",
        "今天云朵外卖{issue}，{food}都凉透了",
        "云朵App{issue}，联系了三次都没解决",
        "第二次遇到云朵外卖{issue}了，真的会谢",
    ],
    thread_titles={
        "praise": ["夸夸云朵骑手"],
        "neutral": ["云朵外卖{food}推荐"],
        "complaint": ["云朵外卖{issue}"],
    },
    headlines=["云朵外卖上线夜宵专区", "云朵外卖在{city}试点骑手休息站"],
)

_PHONE = BrandProfile(
    products=["星辰S3", "星辰Pro", "星辰手机"],
    slots={
        "feature": ["拍照", "续航", "屏幕", "信号", "快充", "系统流畅度", "手感"],
        "issue": [
            "更新系统后耗电变快",
            "屏幕边缘有点发黄",
            "玩游戏发烫",
            "信号时有时无",
            "充电口有点松",
            "售后修屏等了{days}天",
        ],
    },
    praise=[
        "{product}的{feature}真的绝了，夜景随手一拍就很好看",
        "换了{product}一个月，{feature}比上一台强太多",
        "{product}{feature}给满分，这个价格很香",
        "用{product}拍的{city}晚霞，原图直出",
    ],
    neutral=[
        "{product}和上一代比{feature}提升大吗？",
        "等{product}降价再入手，有人知道什么时候有活动吗",
        "{product}有几个配色？实体店看一下",
        "星辰手机发布会定在下周，坐等新品",
    ],
    complaint=[
        "{product}{issue}，有点后悔",
        "{product}用了两个月{issue}，去售后说是正常现象",
        "星辰手机{issue}，客服让我重启试试……",
        "{product}的{feature}还行，就是{issue}",
    ],
    thread_titles={
        "praise": ["{product}{feature}样张分享"],
        "neutral": ["{product}值得买吗"],
        "complaint": ["{product}{issue}怎么办"],
    },
    headlines=["星辰手机{product}开售首日销量公布", "星辰手机推送新系统版本，优化{feature}"],
)

PROFILES: dict[str, BrandProfile] = {
    "极光汽车": _CAR,
    "清泉乳业": _DAIRY,
    "云朵外卖": _DELIVERY,
    "星辰手机": _PHONE,
}


def generic_profile(brand: str) -> BrandProfile:
    """For a brand the demo has no profile for: plain everyday posts naming it."""
    return BrandProfile(
        products=[brand],
        slots={"issue": ["质量一般", "客服回复很慢", "发货太慢", "价格又涨了"]},
        praise=[
            "{product}用下来挺满意的，推荐",
            "第二次买{product}了，还是那么好",
            "{city}门店的{product}服务不错",
        ],
        neutral=[
            "有人用过{product}吗？想了解一下",
            "{product}最近在做活动",
            "{product}和别家比怎么样",
        ],
        complaint=[
            "{product}{issue}，有点失望",
            "这次的{product}{issue}",
            "{product}{issue}，不会再买了",
        ],
        thread_titles={
            "praise": ["{product}好评"],
            "neutral": ["{product}怎么样"],
            "complaint": ["{product}{issue}"],
        },
        headlines=["{product}发布新品"],
    )


def profile_for(brand: str) -> BrandProfile:
    return PROFILES.get(brand) or generic_profile(brand)


# comments under ordinary posts, by the post's tone
COMMENTS = {
    "praise": [
        "同款，确实不错",
        "看着好心动",
        "求链接",
        "羡慕了",
        "我也觉得挺好",
        "马住",
        "真的吗，想试试",
    ],
    "neutral": ["坐等答案", "我也想知道", "蹲一个", "看个人需求吧", "同问", "差不多吧"],
    "complaint": [
        "我也遇到过",
        "抱抱，太糟心了",
        "客服确实不行",
        "换个门店试试",
        "同款问题+1",
        "后来解决了吗",
    ],
}
