from __future__ import annotations

import pytest

from sentiment.normalize import MAX_CHARS, emoticon_char, model_text, own_words, to_simplified


@pytest.mark.parametrize(
    ("post", "own"),
    [
        ("太差了//@小王:这家店上热搜了", "太差了"),
        ("转发微博//@小王:这家店上热搜了", "这家店上热搜了"),
        ("//@小王:退款三周还没到//@老李:同样遭遇", "退款三周还没到"),
        ("Repost //@小王: 支持维权", " 支持维权"),
        ("没有转发链的普通微博", "没有转发链的普通微博"),
        ("", ""),
    ],
)
def test_own_words_first_then_the_chain(post: str, own: str) -> None:
    assert own_words(post) == own


def test_emoticon_tags_become_single_private_use_characters() -> None:
    text = model_text("又迟到了[怒][怒]")
    assert text == "又迟到了" + emoticon_char("怒") * 2
    assert emoticon_char("怒") != emoticon_char("哈哈")
    assert 0xE000 <= ord(emoticon_char("泪")) < 0xF900
    # the tag is not the same feature as the character in running text
    assert "泪" not in model_text("[泪]")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("#某品牌维权# 客服不理人 http://t.cn/A6abcd", "#某品牌维权# 客服不理人"),
        ("{%#静下心来听音乐#%} 好听", "#静下心来听音乐# 好听"),
        ("吓死了 {%某人的秒拍视频%} {%南宁·胡桃里%}", "吓死了"),
        ("今天好开心 \u200b", "今天好开心"),
        ("\ufeff好\u200d开心\u2060", "好开心"),
        ("@小王 你看看这个", "你看看这个"),
        ("哈哈哈哈哈哈哈哈", "哈哈哈"),
        ("ＡＢＣ１２３ Good", "abc123 good"),
        ("這個產品質量太差", "这个产品质量太差"),
        ("   ", ""),
    ],
)
def test_model_text(raw: str, expected: str) -> None:
    assert model_text(raw) == expected


def test_simplified_text_is_left_alone() -> None:
    assert to_simplified("剩余的钱不退") == "剩余的钱不退"


def test_very_long_posts_are_cut() -> None:
    assert len(model_text("差" * 3 + "好评" * 10_000)) <= MAX_CHARS


def test_whole_text_keeps_the_chain_and_mentioned_names() -> None:
    post = "太差了//@极光汽车官方:我们会处理"
    assert model_text(post) == "太差了"
    whole = model_text(post, whole=True)
    assert "极光汽车官方" in whole and "太差了" in whole and "@" not in whole


def test_max_chars_is_a_parameter() -> None:
    long = "好" + "的确" * 6000
    assert len(model_text(long)) == 2000
    assert len(model_text(long, max_chars=20_000)) == 12001


def test_nfkc_matches_unicodedata_on_every_kind_of_text() -> None:
    """The table-driven NFKC (fast on Chinese articles) gives unicodedata's answer,
    including the characters it must leave to unicodedata: combining marks, Hangul
    jamo that compose, characters that expand."""
    import random
    import unicodedata

    from sentiment.normalize import nfkc

    fixed = [
        "极光汽车，刹车失灵！！（官方回应：正常现象）……",
        "ＡＢＣ１２３　全角",
        "ﾷￏ",  # half-width jamo that compose into a syllable
        "e\u0301 cafe\u0301",
        "㈱ ㍻ ﬁ ℡",
        "",
        "plain ascii",
    ]
    rng = random.Random(20261203)
    pools = [
        (0x20, 0x7E), (0xFF00, 0xFFEF), (0x3000, 0x303F), (0x4E00, 0x9FFF), (0xF900, 0xFAFF),
        (0x300, 0x36F), (0x2000, 0x2BFF), (0x1100, 0x11FF), (0xAC00, 0xD7A3), (0x3200, 0x33FF),
        (0x1D400, 0x1D7FF), (0x1F300, 0x1FAFF),
    ]  # fmt: skip
    generated = [
        "".join(chr(rng.randint(*rng.choice(pools))) for _ in range(rng.randint(1, 12)))
        for _ in range(3000)
    ]
    # short texts go to unicodedata itself; the table serves those of 100+ characters
    long = [t * 40 for t in fixed] + [
        "".join(chr(rng.randint(*rng.choice(pools))) for _ in range(rng.randint(100, 400)))
        for _ in range(300)
    ]
    for text in fixed + generated + long:
        assert nfkc(text) == unicodedata.normalize("NFKC", text), repr(text)


def test_a_run_of_four_is_found_the_same_way_in_short_and_long_texts() -> None:
    """_has_run answers with a regex below 800 characters and numpy above; both must say
    what the shortening regex (_RUN) would find."""
    import random

    from sentiment.normalize import _RUN, _has_run

    rng = random.Random(20261204)
    alphabet = "好差哈啊。！？ab\n😀"
    texts = ["", "哈哈哈", "哈哈哈哈", "啊啊啊 啊", "😀😀😀😀", "\n\n\n\n"]
    for length in (5, 50, 799, 800, 801, 3000):
        for _ in range(40):
            texts.append("".join(rng.choice(alphabet) for _ in range(length)))
    for text in texts:
        assert _has_run(text) == (_RUN.search(text) is not None), repr(text[:40])
