"""Why a sharp surge was found when it was (``bench/alerts.py --trace-sharp MIN``).

During the bench's replay, the surge rule's sharp test is watched for each sharp-surge
incident's first ``MINUTES`` minutes: at each evaluation of that brand, the new negative
stories of each of the last 10 minutes and every window the spread path may judge (it
starts at a minute with a new story): its stories, different minutes, authors, expected
count and tail. What the rule decides is unchanged; this only reads its inputs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, TextIO

from alerts.rules import surge
from alerts.rules.base import BrandContext, Finding

MINUTES = 16


def _minute(at: datetime) -> int:
    return int(at.timestamp() // 60)


class SharpTrace:
    def __init__(self, incidents: Iterable[Any]):
        self.onsets: dict[str, list[int]] = {}
        for inc in incidents:
            if inc.shape == "sharp_surge":
                self.onsets.setdefault(inc.brand, []).append(_minute(inc.onset))
        self.lines: dict[tuple[str, int], list[str]] = {}
        self._original: Callable[[BrandContext], Finding | None] | None = None

    def install(self) -> None:
        original = self._original = surge._sharp

        def traced(ctx: BrandContext) -> Finding | None:
            finding = original(ctx)
            for onset in self.onsets.get(ctx.brand, ()):
                if onset <= ctx.end_minute <= onset + MINUTES:
                    self._record(ctx, onset, finding)
            return finding

        surge._sharp = traced

    def uninstall(self) -> None:
        if self._original is not None:
            surge._sharp = self._original

    def _record(self, ctx: BrandContext, onset: int, finding: Finding | None) -> None:
        act, end = ctx.activity, ctx.end_minute
        per_minute = [act.count(m, m + 1) for m in range(end - 10, end)]
        windows = []
        for s in range(end - 10, end):
            if not act.count(s, s + 1):
                continue
            stories = act.count(s, end)
            hit = surge._window_test(ctx, s, end, stories)
            tail = f"{hit.p_value:.1e}" if hit else "-"
            expected = ctx.profile.expected(s, end)
            windows.append(
                f"[{s - onset:+d}: {stories} in {act.minutes_with_new(s, end)} min, "
                f"{act.authors_of_new(s, end)} authors, {expected:.2f} expected, tail {tail}]"
            )
        fired = ""
        if finding is not None:
            fired = (
                f" FIRED on {finding.figures['stories']} in {finding.figures['window_minutes']} min"
            )
        self.lines.setdefault((ctx.brand, onset), []).append(
            f"  +{end - onset:2d}: new negative stories per minute {per_minute}{fired}\n"
            f"       " + " ".join(windows)
        )

    def report(self, brand: str, onset: datetime, out: TextIO) -> None:
        lines = self.lines.get((brand, _minute(onset)), [])
        out.write(
            f"{brand} sharp surge, onset {onset:%m-%d %H:%M} UTC: evaluations of its first "
            f"{MINUTES} min (none: no new data that minute)\n"
        )
        out.write("\n".join(lines) + "\n" if lines else "  (no evaluation)\n")
