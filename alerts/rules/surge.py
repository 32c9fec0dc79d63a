"""Negative surge: new negative stories against the brand's seasonal baseline.

Two shapes, one rule. *Sharp*: the last ``window`` holds at least ``min_stories`` and
``min_ratio`` times what this hour of this kind of day usually brings, and the count is
improbable given the baseline (tail probability ≤ ``max_p_value``): a Poisson count
whose hourly level itself varies by ``overdispersion`` (``Profile.tail``), since a busy
brand's ordinary busy hour brings twice its usual posts of every kind.
A surge that keeps coming needs less, judged from its first story on (``_spread``):
``spread_min_stories`` new stories from as many authors, in at least ``spread_minutes``
different minutes, in a window that starts at one of the last ``window``'s new stories,
against that window's own expected count; each window's tail must be at most
``spread_p_value`` divided by the number of windows looked at (Bonferroni). On a quiet or
mid-sized brand that is what the first minutes of a crisis look like (about one new
complaint a minute: 5 in the first 4 minutes against 0.2 expected is far beyond chance,
while the fixed 10-minute window weighed them against 0.5 and waited for more), while a
handful of posts written at once, or one author's many posts, still needs
``min_stories``.

*Slow climb*: over the last ``slow_climb_window`` (in clock hours, the current partial
hour included) the count is ``slow_climb_ratio`` times the expected one, very improbably
so, and the latest hour is still elevated.

Both require the negative share of new stories to be high or clearly above its usual
level, so a busy day that lifts every sentiment alike does not fire.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

from alerts import summaries
from alerts.rules.base import BrandContext, Finding
from alerts.stats import poisson_sf

MIN_EXPECTED = 0.05  # a never-seen hour still expects a little, so ratios stay finite


def evaluate(ctx: BrandContext) -> Finding | None:
    rule = ctx.config.surge
    if not rule.enabled:
        return None
    return _sharp(ctx) or _slow_climb(ctx)


def _share_ok(ctx: BrandContext, start: int, end: int, negative: int) -> tuple[bool, float]:
    rule = ctx.config.surge
    total = ctx.activity.count(start, end, negative=False)
    # a story first seen neutral counts as new negative when it turns negative
    share = negative / max(total, negative) if negative else 0.0
    usual = ctx.profile.negative_share(end - 1)
    return share >= rule.min_negative_share or share >= rule.min_share_lift * usual, share


def _sharp(ctx: BrandContext) -> Finding | None:
    rule = ctx.config.surge
    end = ctx.end_minute
    minutes = int(rule.window // 60)
    start = end - minutes
    count = ctx.activity.count(start, end)
    if count < min(rule.min_stories, rule.spread_min_stories):
        return None
    hit = _window_test(ctx, start, end, count) if count >= rule.min_stories else None
    if hit is None or hit.p_value > rule.max_p_value:
        hit = _spread(ctx, start, end)
    if hit is None:
        return None
    start, count, expected, ratio, p_value, share = hit
    spread = ctx.activity.minutes_with_new(start, end)
    return _finding(
        ctx,
        "sharp",
        start,
        end,
        count,
        expected,
        ratio,
        p_value,
        share,
        {"minutes_with_stories": spread},
    )


class Hit(NamedTuple):
    """A window judged a surge: [start, end) with its figures."""

    start: int
    stories: int
    expected: float
    ratio: float
    p_value: float
    share: float


def _window_test(ctx: BrandContext, start: int, end: int, count: int) -> Hit | None:
    """``count`` new negative stories in [start, end): at least ``min_ratio`` times the
    expected count, its tail, and a negative share high or above usual; None if not."""
    rule = ctx.config.surge
    floor = MIN_EXPECTED * (end - start) / max(1, int(rule.window // 60))
    expected = max(floor, ctx.profile.expected(start, end))
    ratio = count / expected
    if ratio < rule.min_ratio:
        return None
    share_ok, share = _share_ok(ctx, start, end, count)
    if not share_ok:
        return None
    p_value = ctx.profile.tail(count, start, end, rule.overdispersion, floor)
    return Hit(start, count, expected, ratio, p_value, share)


def _spread(ctx: BrandContext, start: int, end: int) -> Hit | None:
    """The spread path, scanned: a surge that keeps coming is judged from its first
    story on. Each window [s, end) that starts at a minute with a new negative story
    (at most the window's minutes of them) is judged against its own expected count;
    it needs ``spread_min_stories`` stories from as many authors, in at least
    ``spread_minutes`` different minutes, and a tail of at most ``spread_p_value``
    divided by the number of windows that could be looked at (Bonferroni: an
    evaluation's chance of a false alarm from the whole scan stays at most
    ``spread_p_value``). The least probable window wins."""
    rule = ctx.config.surge
    act = ctx.activity
    starts = [m for m in range(start, end) if act.count(m, m + 1)]
    best: Hit | None = None
    for s in starts:
        count = act.count(s, end)
        if count < rule.spread_min_stories:
            break  # later starts hold fewer stories
        if act.minutes_with_new(s, end) < min(rule.spread_minutes, end - start):
            break
        if act.authors_of_new(s, end) < rule.spread_min_stories:
            continue
        hit = _window_test(ctx, s, end, count)
        if hit is None or hit.p_value > rule.spread_p_value / (end - start):
            continue
        if best is None or hit.p_value < best.p_value:
            best = hit
    return best


def _slow_climb(ctx: BrandContext) -> Finding | None:
    rule = ctx.config.surge
    end = ctx.end_minute
    current_hour = end // 60
    hours = max(1, math.ceil(rule.slow_climb_window / 3600))
    start = (current_hour - hours) * 60
    act = ctx.activity
    count = sum(act.hour_count(h) for h in range(current_hour - hours, current_hour))
    count += act.count(current_hour * 60, end)  # the current hour so far
    if count < rule.min_stories:
        return None
    expected = max(MIN_EXPECTED, ctx.profile.expected(start, end))
    ratio = count / expected
    if ratio < rule.slow_climb_ratio:
        return None
    p_value = poisson_sf(count, expected)
    if p_value > rule.slow_climb_p_value:
        return None
    # still elevated now: the last 60 minutes alone
    last = act.count(end - 60, end)
    last_expected = max(MIN_EXPECTED, ctx.profile.expected(end - 60, end))
    if last / last_expected < rule.slow_climb_ratio:
        return None
    share_ok, share = _share_ok(ctx, start, end, count)
    if not share_ok:
        return None
    span = int(rule.slow_climb_hours)
    hourly = []
    for h in range(current_hour - span + 1, current_hour + 1):
        stop = min(end, (h + 1) * 60)
        exp = ctx.profile.expected(h * 60, stop)
        hourly.append(
            {
                "hour_start_minute": h * 60,
                "stories": act.count(h * 60, stop),
                "expected": round(exp, 2),
            }
        )
    return _finding(
        ctx,
        "slow_climb",
        start,
        end,
        count,
        expected,
        ratio,
        p_value,
        share,
        {"last_hour": {"stories": last, "expected": round(last_expected, 2)}, "hourly": hourly},
    )


def _finding(
    ctx: BrandContext,
    shape: str,
    start: int,
    end: int,
    count: int,
    expected: float,
    ratio: float,
    p_value: float,
    share: float,
    extra: dict[str, Any],
) -> Finding:
    """The finding of a surge of ``shape``; its summary is built from its figures
    (alerts/summaries.py), ``extra`` the shape's own."""
    act = ctx.activity
    reach = act.reach(start, end)
    evidence = act.evidence(start, end, ctx.config.evidence_size)
    signals: dict[str, int] = {}
    for fact in act.evidence(start, end, 1000):
        for s in set(fact.signals):
            signals[s] = signals.get(s, 0) + 1
    figures = {
        "shape": shape,
        "window_minutes": end - start,
        "stories": count,
        "expected": round(expected, 2),
        "ratio": round(ratio, 2),
        "p_value": float(f"{p_value:.3g}"),
        "negative_share": round(share, 3),
        "reach": reach,
        "baseline_days": round(ctx.profile.days, 1),
        **extra,
    }
    return Finding(
        rule="negative_surge",
        brand=ctx.brand,
        key="negative_surge",
        summary=summaries.negative_surge(figures),
        figures=figures,
        ratio=ratio,
        reach=reach,
        signals=signals,
        evidence=evidence,
    )
