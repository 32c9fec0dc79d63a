"""What the alert engine keeps in ``Case.trigger``, as a typed record.

The Store keeps ``Case.trigger`` as a JSON object (index/models.py), and the case page
lists its figures (radar/web/render.py), so the stored shape stays a plain dict with the
same keys. The engine reads it through :meth:`CaseTrigger.of` and writes it back with
:meth:`CaseTrigger.save_to`: mypy sees every reader of every field, and a misspelt key
is an attribute error instead of a silent ``None``. Keys this record does not know (a
newer program's) are kept as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from index.models import Case


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


@dataclass
class Notified:
    """What people were last told: when, at which severity, the finding keys, and the
    peak figures then (a thread update needs them to have grown)."""

    at: datetime | None = None
    severity: str = ""
    keys: list[str] = field(default_factory=list)
    figures: dict[str, float] = field(default_factory=dict)

    @classmethod
    def of(cls, data: dict[str, Any]) -> Notified:
        figures = {k: v for k, v in data.items() if k not in ("at", "severity", "keys")}
        return cls(
            _time(data.get("at")),
            str(data.get("severity") or ""),
            list(data.get("keys", [])),
            figures,
        )

    def as_dict(self) -> dict[str, Any]:
        return {**self.figures, "at": _iso(self.at), "severity": self.severity, "keys": self.keys}


def strength(figures: dict[str, Any]) -> tuple[int, float, float, float]:
    """How strong a rule's firing was: the severity it gave alone (P1 strongest), then
    its ratio to what was expected, its reach, its stories (a sustained rise at 3.2×
    after a sharp surge at 54.4× is the weaker firing of the same crisis)."""
    severity = str(figures.get("severity") or "P9")
    rank = int(severity[1:]) if severity[1:].isdigit() else 9

    def number(key: str) -> float:
        value = figures.get(key)
        return float(value) if isinstance(value, int | float) else 0.0

    return (-rank, number("ratio"), number("reach"), number("stories"))


@dataclass
class CaseTrigger:
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)  # rule -> its figures
    peak: dict[str, float] = field(default_factory=dict)  # measure -> highest figure
    peak_at: datetime | None = None  # when a wave measure last reached a new peak
    first_fired_at: datetime | None = None
    last_fired_at: datetime | None = None
    resolution_proposed_at: datetime | None = None
    notified: Notified = field(default_factory=Notified)
    update_every: float | None = None  # seconds between the updates people owe
    routed: list[str] | None = None  # channels the case message went to (None: not kept)
    targets: list[str] = field(default_factory=list)  # robots / mail lists it went to
    reopens: int = 0
    title_rule: str | None = None  # the rule the title named when the case was resolved
    # rule -> its figures at its strongest firing, kept over reopening: what the title says
    peak_rules: dict[str, dict[str, Any]] = field(default_factory=dict)
    evidence_weight: dict[str, float] = field(default_factory=dict)
    other: dict[str, Any] = field(default_factory=dict)  # keys this record does not know

    _TIMES = ("peak_at", "first_fired_at", "last_fired_at", "resolution_proposed_at")
    _KNOWN = frozenset(
        {
            "rules",
            "peak",
            "notified",
            "update_every",
            "routed",
            "targets",
            "reopens",
            "title_rule",
            "peak_rules",
            "evidence_weight",
        }
        | set(_TIMES)
    )

    @classmethod
    def of(cls, case: Case) -> CaseTrigger:
        data = case.trigger
        every = data.get("update_every")
        return cls(
            rules=dict(data.get("rules", {})),
            peak=dict(data.get("peak", {})),
            **{name: _time(data.get(name)) for name in cls._TIMES},
            notified=Notified.of(dict(data.get("notified", {}))),
            update_every=float(every) if every is not None else None,
            routed=list(data["routed"]) if "routed" in data else None,
            targets=list(data.get("targets", [])),
            reopens=int(data.get("reopens", 0)),
            title_rule=str(data["title_rule"]) if data.get("title_rule") else None,
            peak_rules=dict(data.get("peak_rules", {})),
            evidence_weight=dict(data.get("evidence_weight", {})),
            other={k: v for k, v in data.items() if k not in cls._KNOWN},
        )

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = dict(self.other)
        data.update(rules=self.rules, peak=self.peak, notified=self.notified.as_dict())
        for name in self._TIMES:  # a time not set is left out (the page lists the keys)
            data.pop(name, None)
            if getattr(self, name) is not None:
                data[name] = _iso(getattr(self, name))
        if self.update_every is not None:
            data["update_every"] = self.update_every
        if self.routed is not None:
            data["routed"] = self.routed
        if self.targets:
            data["targets"] = self.targets
        if self.reopens:
            data["reopens"] = self.reopens
        if self.title_rule:
            data["title_rule"] = self.title_rule
        if self.peak_rules:
            data["peak_rules"] = self.peak_rules
        if self.evidence_weight:
            data["evidence_weight"] = self.evidence_weight
        return data

    def save_to(self, case: Case) -> None:
        case.trigger = self.as_dict()

    def keep_peaks(self, fired: dict[str, dict[str, Any]]) -> set[str]:
        """Keep each rule's figures of this firing (``fired``) where they are its
        strongest so far (:func:`strength`): what the case's title says. Returns the
        rules whose peak this firing raised."""
        raised = set()
        for name, figures in fired.items():
            kept = self.peak_rules.get(name)
            if not isinstance(kept, dict) or strength(figures) > strength(kept):
                self.peak_rules[name] = figures
                raised.add(name)
        return raised

    def peak_figures(self, rule: str) -> dict[str, Any] | None:
        """``rule``'s figures at its strongest firing; a case stored before these were
        kept: its latest firing's."""
        figures = self.peak_rules.get(rule)
        if not isinstance(figures, dict):
            figures = self.rules.get(rule)
        return figures if isinstance(figures, dict) else None

    def lead_rule(self, opened_by: str) -> str:
        """The rule a case is about now, which its title names: of the rules that fired
        at its latest firing, the most severe (``rules[r]["severity"]``); between equals,
        the one at that severity first, then the rule that opened the case
        (``opened_by``). Figures kept before rules had a severity and a time: the
        opening rule."""
        fired = {
            name: figures
            for name, figures in self.rules.items()
            if isinstance(figures, dict) and figures.get("severity") and figures.get("fired_at")
        }
        if not fired:
            return opened_by
        last = max(str(f["fired_at"]) for f in fired.values())

        def rank(name: str) -> tuple[str, str, bool]:
            f = fired[name]
            return (str(f["severity"]), str(f.get("severity_since") or ""), name != opened_by)

        return min((n for n, f in fired.items() if f["fired_at"] == last), key=rank)
