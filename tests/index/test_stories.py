"""Stories in search (``SearchRequest.group_stories``) and ``Store.story``: a contract
that runs on every backend (SQLite always, Elasticsearch when RADAR_ES_URL is set).

A story is a dedupe cluster: the original, its reposts and its near-copies. A care
worker sees one card per story ("N 条转发/相似"), ranked by the story's reach."""

from __future__ import annotations

from datetime import timedelta

from index.base import SearchRequest, Store
from index.models import Case, Mention
from tests.index.test_store_contract import NOW, comment, mention, s


def _story_store(store: Store) -> None:
    """Story A: a small account's post, reposted twice (reach 100 + 50 + 50 = 200).
    Story B: one post by a 大V (reach 5,000). Story C: a post and a near-copy (20 + 20).
    Plus a comment under A's original (not part of any search below)."""
    a, b, c = "weibo-search:a1", "weibo-search:b1", "weibo-search:c1"
    store.upsert_mentions(
        [
            mention("a1", "刹车失灵差点出事", followers=100, published=NOW - timedelta(hours=5)),
            mention(
                "a2",
                "转发：刹车失灵差点出事",
                followers=50,
                repost_of=a,
                cluster_id=a,
                published=NOW - timedelta(hours=4),
                author="李四",
            ),
            mention(
                "a3",
                "刹车失灵差点出事 //转",
                followers=50,
                repost_of=a,
                cluster_id=a,
                published=NOW - timedelta(hours=1),
                author="王五",
            ),
            mention(
                "b1",
                "刹车异响，官方回应",
                followers=5000,
                published=NOW - timedelta(hours=3),
                author="大V",
            ),
            mention("c1", "刹车片磨损太快", followers=20, published=NOW - timedelta(hours=2)),
            mention(
                "c2",
                "刹车片磨损太快了",
                followers=20,
                repost_of=c,
                cluster_id=c,
                published=NOW - timedelta(hours=2, minutes=-5),
                author="赵六",
            ),
            mention(
                "k1",
                "我也遇到过",
                kind="comment",
                published=NOW - timedelta(hours=4, minutes=30),
                followers=1,
                author="路人",
            ).model_copy(update={"parent_id": a}),
            mention("x1", "续航不错", followers=10, published=NOW - timedelta(hours=2)),
        ]
    )
    assert b  # (named for the reader)


def _grouped(store: Store, **kw) -> tuple[list[tuple[str, int, int]], object]:  # type: ignore[no-untyped-def]
    result = store.search(SearchRequest(query="刹车", group_stories=True, **kw))
    return [(h.story, h.story_size, h.story_reach) for h in result.hits], result


def test_stories_are_ranked_by_reach_with_their_sizes_and_first_post(store: Store) -> None:
    _story_store(store)
    rows, result = _grouped(store, sort="reach")
    assert rows == [
        ("weibo-search:b1", 1, 5000),
        ("weibo-search:a1", 3, 200),
        ("weibo-search:c1", 2, 40),
    ]
    # each story is shown by its first matching post: the original
    assert [h.mention.id for h in result.hits] == [
        "weibo-search:b1",
        "weibo-search:a1",
        "weibo-search:c1",
    ]
    assert result.total == 6 and result.stories == 3
    assert result.facets["story"] == {"stories": 3, "copies": 3, "comments": 0}
    assert result.facets["source"] == {"weibo-search": 6}  # facets still count mentions


def test_stories_by_time_follow_their_newest_matching_mention(store: Store) -> None:
    _story_store(store)
    rows, _ = _grouped(store, sort="time")
    assert [r[0] for r in rows] == ["weibo-search:a1", "weibo-search:c1", "weibo-search:b1"]


def test_stories_page_by_story(store: Store) -> None:
    _story_store(store)
    rows, result = _grouped(store, sort="reach", offset=1, limit=1)
    assert rows == [("weibo-search:a1", 3, 200)]
    assert result.stories == 3
    rows, result = _grouped(store, sort="reach", offset=5, limit=10)
    assert rows == [] and result.stories == 3


def test_a_story_counts_only_its_matching_mentions(store: Store) -> None:
    _story_store(store)
    rows, result = _grouped(store, sort="reach", author="王五")
    assert rows == [("weibo-search:a1", 1, 50)]
    assert result.hits[0].mention.id == "weibo-search:a3"  # the original did not match


def test_ungrouped_search_sorts_by_reach_and_names_each_hit_story(store: Store) -> None:
    _story_store(store)
    result = store.search(SearchRequest(query="刹车", sort="reach", limit=2))
    assert [h.mention.id for h in result.hits] == ["weibo-search:b1", "weibo-search:a1"]
    assert [h.story for h in result.hits] == ["weibo-search:b1", "weibo-search:a1"]
    assert result.stories is None and "story" not in result.facets


def test_story_returns_original_copies_and_comments_oldest_first(store: Store) -> None:
    _story_store(store)
    got = store.story("weibo-search:a1")
    assert [m.id for m in got] == [
        "weibo-search:a1",
        "weibo-search:k1",  # the comment under the original
        "weibo-search:a2",
        "weibo-search:a3",
    ]
    assert store.story("weibo-search:nothing") == []


def test_a_storys_comments_do_not_push_its_reposts_out(store: Store) -> None:
    """``limit`` applies to the story's own mentions and to its comments each: a crisis
    post's hundreds of comments left a story page showing 124 of its 806 reposts."""
    _story_store(store)
    a = "weibo-search:a1"
    store.upsert_mentions(
        [
            mention(
                f"k{i}",
                f"同款问题{i}",
                kind="comment",
                published=NOW - timedelta(hours=4, minutes=50 - i),
                author=f"评论者{i}",
            ).model_copy(update={"parent_id": a})
            for i in range(2, 8)
        ]
    )
    got = [m.id for m in store.story(a, limit=3)]
    assert [i for i in got if i[-2] == "a"] == [a, "weibo-search:a2", "weibo-search:a3"]
    assert [i for i in got if i[-2] == "k"] == [
        "weibo-search:k2",
        "weibo-search:k3",
        "weibo-search:k4",
    ]


def test_an_empty_link_is_no_link(store: Store) -> None:
    """A crawler writing parent_id "" (no parent) gets a post, not a comment: the engine
    reads "" as none, the stores would have read it as a comment of no post."""
    post = mention("blank", "一条帖子", cluster_id="", repost_of="")
    post = post.model_validate(post.model_dump() | {"parent_id": ""})
    assert (post.parent_id, post.repost_of) == (None, None)
    store.upsert_mentions([post])
    stored = store.get_mention(post.id)
    assert stored is not None and stored.parent_id is None


def test_a_reply_to_a_comment_counts_in_the_story_of_the_post(store: Store) -> None:
    """A reply to a comment (its ``parent_id`` a comment) counted as a story of the comment
    it answers, while its card links to the post's story (``post_stories``) and the alert
    engine counts it there: a post, a comment under it and replies to that comment read 3
    stories. The grouped search's ``stories`` follows it to the post too, up to a reply to
    a reply to a comment; a reply to a comment under a post not stored counts in that
    post's story (by its id), as that post's own comments do."""
    at = NOW - timedelta(hours=1)
    post, elsewhere = s("p"), s("elsewhere")
    store.upsert_mentions(
        [
            mention("p", "刹车失灵 原帖", published=at - timedelta(hours=2)),
            mention("rp", "转发 刹车", published=at, repost_of=post, cluster_id=post),
            comment("c", post, published=at),
            comment("r", s("c"), published=at),  # a reply to c
            comment("rr", s("r"), published=at),  # a reply to that reply
            comment("c2", s("rp"), published=at),  # under the repost: the original's story
            comment("r2", s("c2"), published=at),
            comment("c3", elsewhere, published=at),
            comment("r3", s("c3"), published=at),
            comment("c4", elsewhere, published=at),
        ]
    )
    replies = ("r", "rr", "r2", "r3")
    comments = SearchRequest(query="评论", group_stories=True)
    assert store.search(comments).stories == 2  # p's story and elsewhere's
    for mid in replies:  # each reply alone: its post's story, one
        alone = SearchRequest(query=f"评论{mid}", group_stories=True)
        assert store.search(alone).stories == 1, mid
    # the post and the replies under its comments: one story (3 before)
    both = SearchRequest(query="原帖 OR 评论r OR 评论rr", group_stories=True)
    result = store.search(both)
    assert (result.total, result.stories) == (3, 1)
    # the links agree (a comment under a post not stored links to no story but its own)
    got = store.post_stories(store.get_mentions([s(m) for m in replies]))
    assert got == {s("r"): post, s("rr"): post, s("r2"): post}


def test_a_comment_quoting_a_post_is_no_copy_of_it(store: Store) -> None:
    """A comment of 20 or more characters was linked by its text to a post it quotes, as
    a near-copy (``repost_of``, ``cluster_id``): a comment under another post became a
    copy in the quoted post's story, grouped with it in a search and listed in its story
    page. A comment belongs to the story of the post it answers: it is never a copy, nor
    an original a post is a copy of; posts still link to each other."""
    from index.dedupe import assign_stories

    quoted = "极光汽车X7刹车失灵差点追尾，4S店说是正常现象，大家千万别买"
    said = "极光汽车的客服电话打了三天都没人接，退款申请也一直没有处理"
    at = NOW - timedelta(hours=3)
    posts = [mention("p", quoted, published=at), mention("o", "极光汽车 提车了", published=at)]
    store.upsert_mentions(assign_stories(posts, store))

    def reply(mid: str, post: str, text: str, minutes: int) -> Mention:
        return comment(mid, s(post), published=at + timedelta(minutes=minutes)).model_copy(
            update={"text": text}
        )

    batch = [
        reply("under", "p", quoted + "！！", 10),  # under the post it quotes
        reply("elsewhere", "o", quoted + "。", 20),  # under another post
        reply("first", "o", said, 30),  # its text later copied by a post
    ]
    linked = assign_stories(batch, store)
    assert [(m.repost_of, m.cluster_id) for m in linked] == [(None, m.id) for m in batch]
    store.upsert_mentions(linked)
    later = [
        mention("copy", quoted + "[怒]", published=at + timedelta(minutes=40)),
        mention("again", said + "！", published=at + timedelta(minutes=50)),
        reply("same", "o", said + "。", 55),  # in the same batch as a post
        mention("twice", said + "！！", published=at + timedelta(minutes=60)),
    ]
    got = {m.id: (m.repost_of, m.cluster_id) for m in assign_stories(later, store)}
    assert got == {
        s("copy"): (s("p"), s("p")),  # a post copying a post: a copy, as before
        s("again"): (None, s("again")),  # a post copying a comment: a story of its own
        s("same"): (None, s("same")),
        s("twice"): (s("again"), s("again")),
    }
    store.upsert_mentions(assign_stories(later, store))
    result = store.search(SearchRequest(query="刹车失灵", group_stories=True))
    # the post and its copy; each comment a hit of its own, in its post's story
    assert sorted((h.story, h.story_size) for h in result.hits) == [
        (s("o"), 1),
        (s("p"), 1),
        (s("p"), 2),
    ]
    assert (result.groups, result.stories) == (3, 2)
    assert [m.id for m in store.story(s("p"))] == [s("p"), s("under"), s("copy")]


def linked_before_1fbc05f() -> tuple[list[Mention], dict[str, tuple[str | None, str]]]:
    """Mentions as text linking stored them before 1fbc05f (comments linked as copies,
    posts as copies of a comment), and the links the upgrade of each backend gives them
    (id -> (repost_of, cluster_id)); tests/index/test_sqlite.py and
    test_elastic_specific.py store them at the previous version."""
    quoted = "极光汽车X7刹车失灵差点追尾，4S店说是正常现象，大家千万别买"
    said = "极光汽车的客服电话打了三天都没人接，退款申请也一直没有处理"
    at = NOW - timedelta(hours=3)

    def post(mid: str, text: str, minutes: int, linked: tuple[str, str] | None) -> Mention:
        links = {} if linked is None else {"repost_of": s(linked[0]), "cluster_id": s(linked[1])}
        return mention(mid, text, published=at + timedelta(minutes=minutes), **links)

    def reply(mid: str, under: str, text: str, minutes: int, copy_of: str | None) -> Mention:
        links = {"repost_of": s(copy_of), "cluster_id": s(copy_of)} if copy_of else {}
        return comment(mid, s(under), published=at + timedelta(minutes=minutes)).model_copy(
            update={"text": text, **links}
        )

    stored = [
        post("p", quoted, 0, None),
        post("o", "极光汽车 提车了", 0, None),
        reply("under", "p", quoted + "！！", 10, "p"),  # under the post it quoted
        reply("elsewhere", "o", quoted + "。", 20, "p"),  # under another post
        reply("first", "o", said, 30, None),
        post("copy", quoted + "[怒]", 40, ("p", "p")),  # a post's copy: kept
        mention("rt", "转发", published=at + timedelta(minutes=41), repost_of=s("p")),
        post("again", said + "！", 50, ("first", "first")),  # copied a comment
        post("twice", said + "！！", 60, ("again", "first")),
        post("via", quoted + "。。", 70, ("elsewhere", "p")),  # a comment copying a post
        post("via2", quoted + "。。。", 80, ("via", "p")),
    ]
    stored[6] = stored[6].model_copy(update={"cluster_id": s("p"), "handled": True})
    stored[7] = stored[7].model_copy(update={"handled": True, "handled_by": "care"})
    repaired = {
        s("under"): (None, s("under")),
        s("elsewhere"): (None, s("elsewhere")),
        s("again"): (None, s("again")),
        s("twice"): (s("again"), s("again")),
        s("via"): (None, s("via")),
        s("via2"): (s("via"), s("via")),
    }
    return stored, repaired


def cases_before_1fbc05f() -> tuple[list[Case], dict]:
    """Cases as the alert engine stored them over ``linked_before_1fbc05f``: one about
    the story of the posts that copied the comment ``first`` (named after it then, the
    posts' ``cluster_id``), with a 大V post beside it in one finding key, and one about
    the post ``p``'s story; and the first one's trigger once the upgrade of each backend
    names that story ``again`` (the second one's does not change)."""

    def trigger(story: str, big_v: str | None = None) -> dict:
        key = "high_reach:" + ",".join(sorted(filter(None, [story, big_v])))
        figures = {"key": key, "reposts_per_hour": 320.0, "story_mentions": 2, "story": story}
        return {
            "rules": {"high_reach": {**figures, "severity": "P2"}, "negative_surge": {"key": "x"}},
            "peak_rules": {"high_reach": {**figures, "reposts_per_hour": 410.0}},
            "peak": {"ratio": 0, "rate:high_reach": 410.0},
            "notified": {"rate:high_reach": 320.0, "severity": "P2", "keys": [key, "risk_signal"]},
            "evidence_weight": {s("again"): 3.1, s("twice"): 2.9},
        }

    def case(cid: str, about: dict) -> Case:
        evidence = [s("again"), s("twice"), s("first")]  # mention ids: none changes
        return Case(id=cid, brand="极光汽车", rule="high_reach", trigger=about, evidence=evidence)

    stored = [case("c-first", trigger(s("first"), s("o"))), case("c-p", trigger(s("p")))]
    return stored, trigger(s("again"), s("o"))


def assert_repaired(store: Store, stored: list[Mention], repaired: dict) -> None:
    """Every mention of ``linked_before_1fbc05f`` has the links the upgrade gives it
    (the others as stored), keeps its handling, and the stories read so."""
    got = {m.id: m for m in store.get_mentions([m.id for m in stored])}
    for m in stored:
        want = repaired.get(m.id, (m.repost_of, m.cluster_id))
        assert (got[m.id].repost_of, got[m.id].cluster_id) == want, m.id
        assert got[m.id].handled == m.handled
    assert got[s("again")].handled_by == "care"
    assert [m.id for m in store.story(s("p"))] == [s("p"), s("under"), s("copy"), s("rt")]
    assert [m.id for m in store.story(s("again"))] == [s("again"), s("twice")]
    # a comment is its own hit in its post's story, never folded into a quoted post's card
    result = store.search(SearchRequest(query="刹车失灵", group_stories=True))
    assert sorted((h.story, h.story_size) for h in result.hits) == [
        (s("o"), 1),
        (s("p"), 1),
        (s("p"), 2),
        (s("via"), 2),
    ]


def test_stored_links_are_repaired_the_same_way() -> None:
    """The repair both backends run on upgrade, on the links alone (and again: none)."""
    from index.dedupe import unlinked_comment_stories

    stored, repaired = linked_before_1fbc05f()
    comments = {m.id: m.parent_id is not None for m in stored}
    linked = {m.id: (comments[m.id], m.repost_of, m.cluster_id) for m in stored if m.repost_of}
    assert unlinked_comment_stories(linked, comments) == repaired
    after = {mid: (c, *repaired.get(mid, (r, cl))) for mid, (c, r, cl) in linked.items()}
    again = {mid: (c, r, cl) for mid, (c, r, cl) in after.items() if r}
    assert unlinked_comment_stories(again, comments) == {}
    # a cycle of links (never written, but data is data) ends the walk
    loop = {"a": (False, "b", "b"), "b": (False, "a", "a")}
    assert unlinked_comment_stories(loop, {}) == {}


def test_cases_name_the_stories_the_repair_renames_as_they_are_now() -> None:
    """The alert engine named a story by its posts' ``cluster_id``: ``first`` (a
    comment) for the posts that copied it. The repair makes ``again`` their story; a
    case's trigger names it so (story figures and high-reach finding keys), mention ids
    (evidence weights) stay, a story named after a post keeps its name."""
    from index.dedupe import renamed_case_stories, renamed_stories, unlinked_comment_stories

    stored, _ = linked_before_1fbc05f()
    comments = {m.id: m.parent_id is not None for m in stored}
    linked = {m.id: (comments[m.id], m.repost_of, m.cluster_id) for m in stored if m.repost_of}
    links = unlinked_comment_stories(linked, comments)
    renamed = renamed_stories(linked, comments, links)
    # via's story was the post p's (via copied the comment elsewhere): p stays a story
    assert renamed == {s("first"): s("again")}
    [about_first, about_p], expected = cases_before_1fbc05f()
    assert renamed_case_stories(about_first.trigger, renamed) == expected
    assert renamed_case_stories(about_p.trigger, renamed) == about_p.trigger
    assert renamed_case_stories(expected, renamed) == expected  # again: the same
    assert renamed_stories(linked, comments, {}) == {}
