# ruff: noqa: E501 - fixture pages keep the real sites' long HTML lines
"""Fixture content of the mock sites: invented posts about the fictional brands of the
test config (极光汽车, 清泉乳业, 星辰手机), written for these tests.

Times are ages in seconds before the moment a page is served, with the shape the site
prints them in (``style``), so relative dates ("5分钟前", "昨天 12:30") are exercised.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Post:
    id: int
    user: int
    text: str
    age: int  # seconds before the response time
    style: str = "full"  # full | md | ymd | hours | minutes | now | yesterday
    reposts: int | str = 0
    comments: int | str = 0
    likes: int | str = 0
    long_text: str = ""  # non-empty: isLongText, served by statuses/extend
    retweet_of: int | None = None  # id of the original (a Post in ORIGINALS)
    top: bool = False


@dataclass
class User:
    id: int
    name: str
    followers: int | str
    verified: bool = False
    reason: str = ""


USERS = {
    u.id: u
    for u in [
        User(1900000001, "车评人老周", 2_350_000, True, "知名汽车博主"),
        User(1900000002, "小鹿爱喝奶", 812),
        User(1900000003, "通勤族阿杰", 3_120),
        User(1900000004, "消费观察", "128万", True, "财经媒体"),
        User(1900000005, "极光汽车官方", 560_000, True, "极光汽车官方微博"),
        User(1900000006, "夜跑的猫", 45),
        User(1900000007, "数码小白", 2_004),
        User(1900000008, "维权群主", 9_870),
        User(1900000009, "路人甲乙丙", 12),
        User(1900000010, "宝妈日记", 30_215),
    ]
}

ORIGINALS = {
    p.id: p
    for p in [
        Post(
            4900000000000001,
            1900000004,
            "【曝光】多名车主反映极光汽车X7雨天刹车异响，4S店称属正常现象，"
            "已有车主向12315投诉，消费观察将持续关注。",
            age=2 * 86400,
            style="md",
            reposts=1532,
            comments=321,
            likes=2088,
        ),
    ]
}

_LONG = (
    "提车三个月，说说极光X7的真实感受。先说优点：空间大、座椅舒服、续航比宣传的少一点"
    "但能接受。缺点也很明显：车机经常卡顿，导航偶尔失灵，最要命的是雨天刹车有异响，"
    "去了两次4S店都说正常，第三次才给换了刹车片。售后态度一般，等了四十分钟才有人接待。"
    "整体来说这个价位还算可以，但品控和服务真的需要加强，希望极光汽车能重视老车主的反馈。"
)

SEARCH: dict[str, list[list[Post]]] = {
    "极光汽车": [
        [
            Post(
                4910000000000101,
                1900000003,
                "极光汽车的新车机更新后流畅多了，点赞"
                '<span class="url-icon"><img alt=[赞] src="//h5.example/emoticon/zan.png"'
                ' style="width:1em; height:1em;" /></span>',
                age=20,
                style="now",
                likes=12,
            ),
            Post(
                4910000000000102,
                1900000006,
                "刚在极光4S店等了一个小时没人理，服务太差了"
                '<span class="url-icon"><img alt=[怒] src="//h5.example/emoticon/nu.png"'
                " /></span>",
                age=5 * 60 + 10,
                style="minutes",
                comments=3,
                likes=7,
            ),
            Post(
                4910000000000103,
                1900000001,
                _LONG[:90] + '...<a href="/status/4910000000000103">全文</a>',
                age=15 * 3600 + 100,
                style="hours",
                long_text=_LONG,
                reposts="1.2万",
                comments=2,
                likes="100万+",
            ),
            Post(
                4910000000000104,
                1900000008,
                "转发微博",
                age=16 * 3600,
                style="hours",
                retweet_of=4900000000000001,
                reposts=4,
            ),
            Post(
                4910000000000105,
                1900000009,
                "这周末去冰岛看北极光，美到窒息，顺便吐槽下航班延误",
                age=17 * 3600,
                style="hours",
            ),
            Post(
                4910000000000106,
                1900000010,
                "极光汽车的儿童座椅接口设计很人性化，带娃出行方便多了，推荐给各位宝妈",
                age=86400 + 3600,
                style="yesterday",
                likes=88,
            ),
            Post(
                4910000000000107,
                1900000002,
                "极光X7雨天刹车异响问题到底什么时候解决？车主们联合起来维权吧，已经三十多人了",
                age=86400 + 7200,
                style="yesterday",
                comments=5,
            ),
            Post(
                4910000000000108,
                1900000007,
                "//@维权群主:支持！ //@通勤族阿杰:我的也有异响",
                age=86400 + 8000,
                style="yesterday",
                retweet_of=4900000000000001,
            ),
            Post(
                4910000000000109,
                1900000006,
                "转发微博",
                age=86400 + 9000,
                style="yesterday",
                retweet_of=4900000000000001,
            ),
            Post(
                4910000000000110,
                1900000003,
                "极光X7雨天刹车异响问题到底什么时候解决？车主们联合起来维权吧，已经三十多人了！！",
                age=86400 + 9500,
                style="yesterday",
            ),
        ],
        [
            Post(
                4910000000000111,
                1900000009,
                "转发微博",
                age=3 * 86400,
                style="md",
                retweet_of=4900000000000001,
            ),
            Post(
                4910000000000112,
                1900000002,
                "转发",
                age=3 * 86400 + 10,
                style="md",
                retweet_of=4900000000000001,
            ),
            Post(
                4910000000000113,
                1900000010,
                "关注",
                age=3 * 86400 + 20,
                style="md",
                retweet_of=4900000000000001,
            ),
            Post(
                4910000000000114,
                1900000001,
                "极光汽车今年的新能源补贴政策解读，干货满满",
                age=4 * 86400,
                style="ymd",
                reposts=210,
            ),
            Post(
                4910000000000115,
                1900000005,
                "极光汽车冬季免费检测活动开始啦，欢迎预约",
                age=5 * 86400,
                style="full",
                likes=430,
            ),
            Post(
                4910000000000116,
                1900000008,
                "极光SUV的油耗比宣传的高了快两个油",
                age=6 * 86400,
                style="full",
            ),
        ],
    ],
    "清泉乳业": [
        [
            Post(
                4920000000000201,
                1900000010,
                "清泉牛奶喝出了异物，客服说要寄回检测，等了一周没消息",
                age=3600 * 2,
                style="hours",
                comments=2,
            ),
            Post(
                4920000000000202,
                1900000002,
                "清泉酸奶的新口味不错，酸甜刚好",
                age=3600 * 30,
                style="md",
            ),
            Post(
                4920000000000203,
                1900000009,
                "清泉石上流，明月松间照，今晚月色真好",
                age=3600 * 40,
                style="md",
            ),
        ]
    ],
    "热搜": [
        [
            Post(
                4930000000000300 + i,
                1900000001 + i % 9,
                f"星辰手机S3第{i}次发热问题讨论：充电时烫手，大家的也这样吗",
                age=600 + i * 60,
                style="full",
            )
            for i in range(1, 11)
        ],
        [
            Post(
                4930000000000400 + i,
                1900000001 + i % 9,
                f"星辰Pro系统更新第{i}版之后续航变短了，有同感的吗",
                age=7200 + i * 60,
                style="full",
            )
            for i in range(1, 11)
        ],
    ],
}
# shapes measured on real m.weibo.cn answers (crawl_samples): a video card's label
# ("<uploader>的秒拍视频") inside the text, and a long post whose statuses/extend fails
_VIDEO_ICON = "https://h5.sinaimg.example/upload/2015/09/25/3/timeline_card_small_video_default.png"


def video_card(label: str, fid: str) -> str:
    return (
        f'<a data-url="http://t.cn/A6{fid}" href="https://m.weibo.cn/p/index?containerid='
        f'230444{fid}&url_type=39&object_type=video&pos=1" data-hide=""><span class=\'url-icon\'>'
        f"<img style='width: 1rem;height: 1rem' src='{_VIDEO_ICON}'></span>"
        f'<span class="surl-text">{label}</span></a> '
    )


SEARCH["极光长文"] = [
    [
        Post(
            4980000000000001,
            1900000001,
            _LONG[:80] + '...<a href="/status/4980000000000001">全文</a>',
            age=3600,
            style="hours",
            long_text=_LONG + "（第二篇）",
        ),
        Post(
            4980000000000002,
            1900000007,
            "星辰手机发布会现场太热闹了" + video_card("极光汽车官方的秒拍视频", "1"),
            age=3700,
            style="hours",
        ),
        Post(
            4980000000000003,
            1900000006,
            "周末出去玩了一圈" + video_card("极光汽车官方的微博视频", "2"),
            age=3800,
            style="hours",
        ),
    ]
]
EXTEND_FAILS = {4980000000000001}  # statuses/extend answers {"ok": 0}

# the truncated search: the site claims this many results but stops after page 2
TRUNCATED_TOTAL = 1000
OMITTED_NOTE = "根据相关法律法规和政策，部分搜索结果未予显示。"

TIMELINE: dict[str, list[list[Post]]] = {
    "1900000005": [
        [
            Post(
                4940000000000001,
                1900000005,
                "置顶：极光汽车用户服务热线 400-000-0000",
                age=200 * 86400,
                style="ymd",
                top=True,
            ),
            Post(
                4940000000000002,
                1900000005,
                "极光X7车主关爱计划：刹车系统免费升级",
                age=3600,
                style="hours",
                comments=4,
            ),
            Post(
                4940000000000003,
                1900000005,
                "周末试驾会，极光汽车等你来",
                age=3 * 86400,
                style="md",
            ),
        ],
        [
            Post(
                4940000000000004, 1900000005, "极光4S店新增夜间服务时段", age=9 * 86400, style="md"
            ),
        ],
    ]
}


@dataclass
class Comment:
    id: int
    user: int
    text: str
    age: int
    likes: int = 0
    replies: list[Comment] = field(default_factory=list)


# hotflow pages per post id; max_id links the pages
COMMENTS: dict[int, list[list[Comment]]] = {
    4910000000000102: [
        [
            Comment(
                4950000000000001,
                1900000003,
                "同遭遇，周末去更是排长队",
                200,
                likes=5,
                replies=[
                    Comment(
                        4950000000000009,
                        1900000006,
                        '回复<a href="/n/通勤族阿杰">@通勤族阿杰</a>:一样',
                        100,
                    )
                ],
            ),
            Comment(4950000000000002, 1900000009, "建议直接打客服电话投诉", 180, likes=2),
        ],
        [
            Comment(
                4950000000000003,
                1900000010,
                "我上次也是等了好久"
                '<span class="url-icon"><img alt=[泪] src="//h5.example/lei.png" />'
                "</span>",
                150,
            ),
        ],
    ],
    4910000000000107: [
        [Comment(4950000000000004, 1900000008, "算我一个，已经拉群了", 3000)],
    ],
    4940000000000002: [
        [Comment(4950000000000005, 1900000002, "终于等到了，点赞", 1000)],
    ],
}

# a crisis post with 40 hotflow pages of comments and a cooler one with 10 (the
# per-post comment cursor: max_comment_pages per run, hottest post first, until all read)
HOT_POSTS = {4990000000000001: 40, 4990000000000002: 10}
SEARCH["极光热帖"] = [
    [
        Post(
            4990000000000001,
            1900000008,
            "极光X7刹车失灵上了热搜，极光汽车至今没有回应，大家的车都检查了吗",
            age=1800,
            style="minutes",
            reposts=5210,
        ),
        Post(
            4990000000000002,
            1900000003,
            "极光汽车的售后电话一直占线，有同样情况的吗",
            age=2400,
            style="minutes",
        ),
    ]
]
for _n, (_post, _pages) in enumerate(HOT_POSTS.items(), 1):
    COMMENTS[_post] = [
        [
            Comment(
                4990000000000000 + _n * 100_000 + page * 10 + i,
                1900000001 + (page + i) % 10,
                f"第{page + 1}页第{i + 1}条：我的车也有这个问题，4S店让等通知",
                600 + page * 60 + i,
            )
            for i in range(2)
        ]
        for page in range(_pages)
    ]


def slow_pages(pages: int = 12) -> list[list[Post]]:
    """The kill-test search: every post names the brand, one page per slow response."""
    return [
        [
            Post(
                4960000000000000 + p * 100 + i,
                1900000001 + (p + i) % 10,
                f"极光汽车第{p}页第{i}条：售后回访电话打了{p + i}次才接通",
                age=p * 3600 + i * 60,
                style="full",
            )
            for i in range(10)
        ]
        for p in range(pages)
    ]


def bench_page(page: int, lane: int = 0) -> list[Post]:
    """Benchmark search pages: ten distinct brand posts per page, comments off."""
    brands = ["极光汽车", "清泉乳业", "星辰手机"]
    moods = [
        "质量太差，要求退货",
        "体验很好，值得推荐",
        "客服半天不回复",
        "价格还算合理",
        "物流很快包装完好",
        "用了一周就坏了，找谁维权",
    ]
    return [
        Post(
            4970000000000000 + lane * 100_000 + page * 10 + i,
            1900000001 + (page + i) % 10,
            f"{brands[(page + i) % 3]}{moods[(page * 7 + i) % 6]}，第{page}页{i}号用户的真实反馈"
            f"，{lane}号通道编号{page * 10 + i}",
            age=page * 60 + i + lane,
            style="full",
            reposts=i,
            likes=page % 50,
        )
        for i in range(10)
    ]


# -- forums ------------------------------------------------------------------------------
@dataclass
class Floor:
    pid: int
    author: str
    uid: int
    text: str
    when: str  # as the site prints it (Tieba: 2026-01-05 16:56; Discuz: 发表于 …)
    # Tieba: the account name in data-field "user_name" and the nickname, when they are
    # not the name the page shows (``author``), as on the real site for most floors
    login: str = ""
    nickname: str = ""


@dataclass
class Thread:
    tid: int
    title: str
    author: str
    replies: int
    last: str
    pages: list[list[Floor]]


# Tieba floors as real thread pages (crawl_samples/tieba_thread_detail.html) have them:
# client emoticons are <img class="BDE_Smiley"> with no alt (the image names the face),
# a photo is <img class="BDE_Image"> that the page wraps with a "点击展开，查看完整图片" tip
_SMILEY = (
    '<img class="BDE_Smiley" width="30" height="30" changedsize="false" '
    'src="https://gsp0.baidu.example/5aAHeD3nKhI2p27j8IqW0jdnxx1xbK/tb/editor/images/client/'
    '{}.png" >'
)
_PHOTO = (
    '<div class="replace_div" style="width: 560px;"><img class="BDE_Image" '
    'src="http://tiebapic.baidu.example/forum/w%3D580/sign=38506042de/0a763eeff01f.jpg" '
    'size="900943" changedsize="true" width="560" height="4369"><div class="replace_tip" '
    'style="width: 558px;"><i class="icon-expand"></i>点击展开，查看完整图片</div></div>'
)
TIEBA_REAL = Thread(
    8200000001,
    "极光X7雨天刹车异响，4S店说正常",
    "章景轩",
    3,
    "12:30",
    [
        [
            Floor(
                160000000001,
                "章景轩",
                3424043879,
                "雨天刹车吱吱响，去了两次4S店都说正常" + _SMILEY.format("image_emoticon9"),
                "2026-01-07 09:00",
                login="怪物大宝贝",
                nickname="贴吧用户_5JQP6NR",
            ),
            Floor(
                160000000002,
                "森歌の友",
                3100000012,
                _SMILEY.format("image_emoticon6") + _SMILEY.format("image_emoticon6"),
                "2026-01-07 09:20",
                login="上岛夏目",
                nickname="白明丫♬",
            ),
            Floor(
                160000000003, "章景轩", 3424043879, _PHOTO, "2026-01-07 09:31", login="怪物大宝贝"
            ),
            Floor(
                160000000004,
                "沉寂V殇",
                3100000013,
                "看图是刹车片磨损" + _PHOTO,
                "2026-01-07 10:02",
            ),
        ]
    ],
)

TIEBA: dict[str, list[list[Thread]]] = {
    "极光X7": [[TIEBA_REAL]],
    "极光汽车": [
        [
            Thread(
                8100000001,
                "极光X7提车一个月，说说优缺点",
                "老司机小王",
                5,
                "12:05",
                [
                    [
                        Floor(
                            150000000001,
                            "老司机小王",
                            3100000001,
                            "提车一个月，极光X7空间很大，但是车机偶尔卡顿。<br>总体满意。",
                            "2026-01-05 16:56",
                        ),
                        Floor(
                            150000000002,
                            "路过的",
                            3100000002,
                            "车机卡顿可以等OTA",
                            "2026-01-05 17:07",
                        ),
                        Floor(
                            150000000003,
                            "夜猫子",
                            3100000003,
                            '同款，刹车有点异响<img class="BDE_Smiley" src="//tb.example/i_f25.png">',
                            "2026-01-05 17:38",
                        ),
                    ],
                    [
                        Floor(
                            150000000004,
                            "老司机小王",
                            3100000001,
                            "更新：4S店已经处理好了",
                            "2026-01-06 09:12",
                        ),
                        Floor(
                            150000000005, "吃瓜群众", 3100000004, "楼主效率高", "2026-01-06 10:00"
                        ),
                    ],
                ],
            ),
            Thread(
                8100000002,
                "极光汽车4S店售后太慢了",
                "气愤的车主",
                1,
                "11:20",
                [
                    [
                        Floor(
                            150000000011,
                            "气愤的车主",
                            3100000005,
                            "保养预约了三天还没排上，极光汽车的售后能不能上点心",
                            "2026-01-04 08:00",
                        ),
                        Floor(
                            150000000012,
                            "热心网友",
                            3100000006,
                            "打客服投诉试试",
                            "2026-01-04 09:30",
                        ),
                    ],
                ],
            ),
            Thread(
                8100000003,
                "冰岛看北极光攻略",
                "旅行家",
                0,
                "8-7",
                [
                    [
                        Floor(
                            150000000021,
                            "旅行家",
                            3100000007,
                            "看北极光最好的季节是冬天",
                            "2025-08-07 10:00",
                        )
                    ],
                ],
            ),
        ],
        [
            Thread(
                8100000004,
                "求推荐家用SUV，极光SUV怎么样",
                "新手爸爸",
                1,
                "7-6",
                [
                    [
                        Floor(
                            150000000031,
                            "新手爸爸",
                            3100000008,
                            "预算二十万，极光SUV值得买吗",
                            "2025-07-06 20:00",
                        ),
                        Floor(
                            150000000032,
                            "老司机小王",
                            3100000001,
                            "可以考虑，空间够用",
                            "2025-07-06 21:00",
                        ),
                    ],
                ],
            ),
        ],
    ],
}

DISCUZ: dict[str, list[list[Thread]]] = {
    "2": [
        [
            Thread(
                501,
                "星辰手机S3续航实测",
                "测评君",
                3,
                "2026-1-5 12:00",
                [
                    [
                        Floor(
                            9001,
                            "测评君",
                            11,
                            "星辰手机S3重度使用一天还剩20%电量，表现不错",
                            "发表于 2026-1-5 12:00",
                        ),
                        Floor(9002, "机友A", 12, "我的掉电有点快", "发表于 2026-1-5 12:30"),
                    ],
                    [
                        Floor(
                            9003,
                            "机友B",
                            13,
                            '<div class="quote"><blockquote>我的掉电有点快</blockquote></div>'
                            "关掉后台刷新会好很多",
                            "发表于 2026-1-5 13:00",
                        ),
                        Floor(
                            9004,
                            "测评君",
                            11,
                            '<i class="pstatus"> 本帖最后由 测评君 于 2026-1-5 14:00 编辑 </i>'
                            "补充：系统更新后续航有提升",
                            "RELATIVE",
                        ),
                    ],
                ],
            ),
            Thread(
                502,
                "星辰大海，我们的征途",
                "诗人",
                0,
                "2026-1-4 08:00",
                [
                    [Floor(9011, "诗人", 14, "星辰大海，永不止步", "发表于 2026-1-4 08:00")],
                ],
            ),
        ]
    ]
}

# generic forum (custom markup, selectors in the test config)
GENERIC_THREADS = {
    "t1": (
        "清泉乳业奶粉断货了吗",
        [
            ("g1", "奶爸", "最近买不到清泉奶粉，哪里有货", "2026-01-03 10:00"),
            ("g2", "店员", "下周补货", "2026-01-03 11:00"),
        ],
    ),
    "t2": ("今日闲聊", [("g3", "闲人", "今天天气不错", "2026-01-03 12:00")]),
}

# -- feeds -------------------------------------------------------------------------------
ARTICLES = {
    1: (
        "极光汽车召回部分X7车型",
        "因刹车系统存在隐患，极光汽车宣布召回2025年生产的部分X7车型。"
        "召回范围涉及约一万两千辆车，车主可到授权服务中心免费检修。市场监管部门表示将跟进"
        "召回进度，消费者如遇问题可拨打12315反映。业内人士认为，主动召回有助于品牌挽回信任。",
    ),
    2: (
        "清泉乳业发布年度质量报告",
        "清泉乳业今日发布年度质量报告，称全年抽检合格率达到"
        "百分之九十九点八。报告同时披露了两起消费者投诉的处理结果，公司表示将升级冷链物流。",
    ),
}
