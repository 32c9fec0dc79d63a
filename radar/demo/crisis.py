"""The demo's scripted crisis: what is said and by whom (when: ``world.CRISIS_TIMES``).

The arc follows how product complaints become media crises: one owner's complaint,
others echo it, a 大V (big-V account, millions of followers) amplifies it, reposts
snowball, someone's car catches fire, owners threaten exposure (曝光), 12315 and 维权,
and a news site picks the story up. ``crisis_script(brand)`` gives the car version for
极光汽车 and the same arc in general words for any other brand.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class CrisisScript:
    origin_author: str
    origin_title: str  # the forum thread / weibo hashtag
    origin_text: str  # long (weibo shows 全文)
    echoes: list[str]  # other customers, each its own story
    kol_name: str
    kol_reason: str  # verified_reason
    kol_followers: int
    kol_text: str  # the 大V's comment when reposting the origin
    repost_comments: list[str]  # what reposters add
    fire_text: str  # the second, worse incident
    threats: list[str]  # media / regulator / rights threats
    headline: str
    article: str
    angry_comments: list[str] = field(default_factory=list)
    reporter_name: str = "财经记者林一"
    reporter_followers: int = 1_560_000
    reporter_text: str = ""


_CAR = CrisisScript(
    origin_author="阿哲的X7日记",
    origin_title="极光X7高速刹车失灵，4S店说是正常现象？",
    origin_text=(
        "#极光X7刹车失灵# 昨天晚上在绕城高速上，我的极光X7踩刹车突然踩不下去，整个踏板是硬的，"
        "车速一百出头根本减不下来，最后拉了电子手刹才停在应急车道，后面的车差点追尾。"
        "今天一早开到极光4S店，检测了两个小时，告诉我系统没有故障码，是“正常现象”，让我回家继续开。"
        "车才提了四个月，一家老小天天坐，这叫正常现象？极光汽车请给个说法！"
    ),
    echoes=[
        "看到有人说极光X7刹车失灵，我上个月也遇到过一次，下坡的时候刹车突然变硬，吓出一身冷汗",
        "极光X7车主，刹车踏板偶尔会顶脚，4S店说要等厂家的技术通报，已经等了三周",
        "原来不是我一个人！极光X7低速刹车也出现过异响，后来就失灵了几秒",
        "极光X7刹车的问题在车友群里已经有十几个人反馈了，厂家一直没回应",
        "我家极光X7也是刹车失灵，售后只给换了个传感器，说不保证不再出现",
        "极光汽车能不能正面回应一下X7刹车的事，现在每天开车都提心吊胆",
        "刚提的极光X7，看完这些帖子不敢开了，刹车失灵这种事谁敢赌",
        "极光X7刹车失灵不是个例，我们车友群统计了二十多台，全是同一批次",
        "问了极光4S店，说X7刹车的问题“在排查”，排查了一个月了",
        "极光X7的电子刹车系统到底有没有问题？官方一句话都没有",
        "老公的极光X7昨天也刹车失灵了，幸好在小区里速度慢",
        "极光汽车客服电话打了五次，每次都说会有专人联系我，至今没人联系",
    ],
    kol_name="汽车圈老炮儿",
    kol_reason="知名汽车博主 微博汽车大V",
    kol_followers=3_280_000,
    kol_text=(
        "又一起！极光X7高速上刹车失灵，车主差点被追尾，4S店一句“正常现象”就打发了？"
        "这已经是我这周收到的第三条同类私信了。极光汽车，该出来说句话了。#极光X7刹车失灵#"
    ),
    repost_comments=[
        "转发微博",
        "太可怕了",
        "刹车都能失灵？",
        "极光汽车出来解释",
        "求扩散",
        "我朋友也买了这车",
        "这要是出事谁负责",
        "幸好没买",
        "支持车主",
        "坐等官方回应",
        "已转给买了X7的同事",
        "离谱",
    ],
    fire_text=(
        "刚刚我们小区地库一台极光X7自燃了，浓烟把整层都熏黑了，消防来了才扑灭，"
        "幸好车里没人，不然后果不敢想。这车到底还有多少问题？#极光X7自燃#"
    ),
    threats=[
        "已经打了12315投诉极光X7刹车失灵，也联系了电视台的记者，厂家再不给说法就曝光到底",
        "极光X7车主维权群已经两百多人了，大家一起集体投诉，明天去极光4S店门口拉横幅",
        "向市场监管局反映了极光X7刹车问题，律师说可以起诉，人身安全不能拿来开玩笑",
        "极光汽车再装死，我们就把所有刹车失灵的视频发给媒体曝光，这关系到人身安全",
        "12315和消协都投诉了，极光X7刹车失灵必须召回，大家一起维权",
    ],
    headline="多名车主投诉极光X7高速刹车失灵 极光汽车回应称“正在核实”",
    article=(
        "近日，多名极光X7车主在社交平台反映，车辆在高速行驶中出现刹车踏板变硬、制动失灵的情况。"
        "一位车主称，其在绕城高速上刹车失效，依靠电子手刹才停在应急车道，随后4S店检测称“系统无故障码”。"
        "记者注意到，该话题经知名汽车博主转发后迅速发酵，相关微博转发量已超过一万次，"
        "另有网友发布视频称小区地库内一辆极光X7发生自燃。多位车主表示已向12315投诉。"
        "截至发稿，极光汽车客服回应称“正在核实相关情况”，暂未给出技术说明。"
    ),
    angry_comments=[
        "同款车，刹车也软过",
        "已转，支持维权",
        "极光汽车赶紧召回吧",
        "这种车谁还敢买",
        "4S店的态度太恶心了",
        "求官方回应",
        "人没事就好，必须追责",
        "我退订了",
        "坐等后续",
    ],
    reporter_text=(
        "我们正在联系多位反映极光X7刹车失灵的车主，也已向极光汽车发出采访函。"
        "有类似遭遇的车主可以私信我，稿件会尽快刊发。"
    ),
)


def crisis_script(brand: str, product: str) -> CrisisScript:
    """The scripted crisis for ``brand``; ``product`` is a matchable product name."""
    if brand == "极光汽车":
        return _CAR
    p = product
    return CrisisScript(
        origin_author="一个普通消费者2024",
        origin_title=f"{p}出了严重质量问题，客服踢皮球",
        origin_text=(
            f"#{p}质量问题# 上周买的{p}出了严重的质量问题，家里老人用了以后身体不舒服去了医院。"
            f"联系客服，先说让我等，再说要我自己寄检测，到现在一个星期了没有任何结果。"
            f"我不要赔偿，只要一个说法，{brand}请给个交代！"
        ),
        echoes=[
            f"{p}我也遇到过同样的问题，客服一样推来推去",
            f"原来不是个例，{p}这批次是不是有问题",
            f"看到{p}的帖子后去查了家里的，也是同一批",
            f"{brand}到现在都没有正面回应，太让人失望了",
            f"{p}的质量问题群里已经很多人反馈了",
            f"买了{p}的朋友们注意一下，先别用了",
            f"{brand}客服说在调查，已经调查一周了",
            f"{p}出这种问题，官方一句话都没有",
        ],
        kol_name="消费观察老周",
        kol_reason="知名消费博主 微博大V",
        kol_followers=2_450_000,
        kol_text=f"{p}又出事了，客服踢皮球，消费者只想要个说法。{brand}，该出来回应了。#{p}质量问题#",
        repost_comments=["转发微博", "太离谱了", "求扩散", "坐等官方回应", "支持", "还敢买吗"],
        fire_text=f"又一位{p}的用户说家人用了以后住院了，人身安全出了问题谁负责？",
        threats=[
            f"已经向12315投诉{p}，也联系了记者，不给说法就曝光",
            f"{p}用户维权群已经上百人，大家一起集体投诉",
            f"找了律师准备起诉{brand}，市场监管局也反映了",
        ],
        headline=f"多名消费者投诉{p}质量问题 {brand}称“正在调查”",
        article=(
            f"近日，多名消费者在社交平台反映{p}存在质量问题，部分消费者称家人使用后身体不适。"
            f"话题经消费类博主转发后迅速发酵，多位消费者表示已向12315投诉。"
            f"截至发稿，{brand}客服回应称“正在调查”。"
        ),
        angry_comments=["支持维权", "必须给个说法", "不敢买了", "坐等后续", "已转"],
        reporter_text=f"正在采访反映{p}质量问题的消费者，有类似经历的可以私信我。",
    )
