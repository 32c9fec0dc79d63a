"""High reach: a negative mention from an account with many followers (大V), or a
negative story whose reposts grow fast (a repost storm: one story, large reach)."""

from __future__ import annotations

from alerts import summaries
from alerts.rules.base import BrandContext, Finding

WINDOW_MINUTES = 60


def evaluate(ctx: BrandContext) -> Finding | None:
    rule = ctx.config.high_reach
    if not rule.enabled:
        return None
    end = ctx.end_minute
    start = end - WINDOW_MINUTES
    act = ctx.activity
    big = [
        f
        for f in act.negative_facts(start, end)
        if rule.min_followers and f.followers >= rule.min_followers
    ]
    storms = []
    for story in act.touched_stories(start, end):
        # cheap bound first: copies seen, and the reported repost count
        could = max(story.mentions * 4, story.max_reposts)
        if story.negative and could >= rule.min_reposts_per_hour:
            rate = story.reposts_per_hour(end)
            if rate >= rule.min_reposts_per_hour:
                storms.append((rate, story))
    if not big and not storms:
        return None
    top_big = max(big, key=lambda f: (f.followers, f.id)) if big else None
    top_storm = max(storms, key=lambda rs: (rs[0], rs[1].cluster)) if storms else None
    figures: dict[str, object] = {}
    evidence = []
    keys = []
    if top_big is not None:
        figures.update(
            author=top_big.author,
            followers=top_big.followers,
            big_accounts=len({f.author for f in big}),
        )
        evidence.extend(sorted(big, key=lambda f: -f.followers))
        keys.append(top_big.id)  # not its story: a merge of stories changes that id
    if top_storm is not None:
        rate, story = top_storm
        figures.update(
            reposts_per_hour=round(rate, 1), story_mentions=story.mentions, story=story.cluster
        )
        if story.top is not None:
            evidence.insert(0, story.top)
        keys.append(story.cluster)
    unique = list({f.cluster: f for f in reversed(evidence)}.values())[::-1]
    reach = sum(f.reach for f in unique)
    figures["reach"] = reach
    signals: dict[str, int] = {}
    for f in unique:
        for s in set(f.signals):
            signals[s] = signals.get(s, 0) + 1
    return Finding(
        rule="high_reach",
        brand=ctx.brand,
        key="high_reach:" + ",".join(sorted(keys)),
        summary=summaries.high_reach(figures),
        figures=figures,
        reach=reach,
        signals=signals,
        evidence=unique[: ctx.config.evidence_size],
    )
