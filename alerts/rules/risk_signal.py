"""Risk signal: negative stories carrying the risk signals sentiment/ finds (media
exposure, regulators, lawsuits, 维权, collective complaints, safety)."""

from __future__ import annotations

from alerts import summaries
from alerts.activity import Fact
from alerts.rules.base import BrandContext, Finding
from alerts.stats import poisson_sf


def evaluate(ctx: BrandContext) -> Finding | None:
    rule = ctx.config.risk_signal
    if not rule.enabled:
        return None
    end = ctx.end_minute
    start = end - int(rule.window // 60)
    wanted = set(rule.signals)
    by_story: dict[str, Fact] = {}
    signals: dict[str, set[str]] = {}
    for fact in ctx.activity.negative_facts(start, end):
        hit = wanted.intersection(fact.signals)
        if not hit:
            continue
        cur = by_story.get(fact.cluster)
        if cur is None or fact.weight > cur.weight:
            by_story[fact.cluster] = fact
        for s in hit:
            signals.setdefault(s, set()).add(fact.cluster)
    if len(by_story) < rule.min_mentions:
        return None
    share = ctx.activity.signal_share(before_hour=start // 60)
    expected = share * max(ctx.profile.expected(start, end), 0.2)
    p_value = poisson_sf(len(by_story), expected)
    if p_value > rule.max_p_value:
        return None
    evidence = sorted(by_story.values(), key=lambda f: -f.weight)
    counts = {s: len(c) for s, c in sorted(signals.items())}
    figures = {
        "stories": len(by_story),
        "signals": counts,
        "window_minutes": end - start,
        "expected": round(expected, 2),
        "p_value": float(f"{p_value:.3g}"),
    }
    return Finding(
        rule="risk_signal",
        brand=ctx.brand,
        key="risk_signal",
        summary=summaries.risk_signal(figures),
        figures=figures,
        reach=sum(f.reach for f in evidence),
        signals=counts,
        evidence=evidence[: ctx.config.evidence_size],
    )
