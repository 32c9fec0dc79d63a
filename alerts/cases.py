"""Crisis cases from the engine's side: a firing rule opens a case for the brand or
updates the open one (never a second case for the same surge), raises severity,
merges evidence, proposes resolution when calm, escalates when nobody acknowledges.

Each transition has its own threshold (the README's table): opening is a rule firing;
a thread update of an open case needs a new kind of finding or a raised severity (at
once) or figures grown ``update_growth``× since the last update (a spreading story:
its rate; at most every ``update_min_interval``); resolution is proposed after
``resolve_after_calm`` without a firing and the last hour back near the baseline
(engine._maybe_calm); a resolved case reopens within ``reopen_within`` only on a *new
wave*: a finding whose figure in its current window reaches ``REOPEN_SHARE`` of the
case's peak for that measure (or a measure the case never had). A rule that fires
weakly after resolution — a story creeping on — neither reopens the case nor opens
another. A case's title carries the figures of its rule's strongest firing (its peak,
kept over reopening: ``trigger["peak_rules"]``); thread updates and the case page's
rule lines tell the latest firing's, and ``trigger["peak_at"]`` says when its peak was.

``Case.trigger`` is read and written through the typed ``alerts.trigger.CaseTrigger``."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from alerts import actions, lines, messages, notice, outbox
from alerts.activity import Fact
from alerts.routing import (
    case_channel,
    case_targets,
    case_url,
    escalation_targets,
    ladder_step,
    mention_markup,
)
from alerts.rules.base import Finding
from alerts.severity import RANK, more_severe, severity_of
from alerts.timeline import record
from alerts.trigger import CaseTrigger, Notified
from config.alerting import SeverityConfig
from config.i18n import N_, channel_locale, use_locale
from config.schema import RadarConfig
from index.base import Store
from index.models import Case, CaseEvent, CaseStatus, Severity

ACTIVE = list(actions.ACTIVE)  # the statuses of a live case, defined in actions
SAVE_EVERY = 300.0  # seconds between saves of a case that fires on without news (a
# new peak of its title's rule is news: saved at once)
REOPEN_SHARE = 0.5  # a new wave: at least this share of the resolved case's peak


def case_id_for(brand: str, now: datetime, tz: str) -> str:
    """``c20261205-0040-1a2b3c``: stamped with the local time in ``tz`` (the config's
    ``timezone``: a case opened 12月5日 00:40 Beijing time is not stamped 20261204-1640),
    made unique by a digest of the brand and the instant. An id is an opaque key: old ids,
    stamped in UTC, stay valid and nothing reads a time back from one."""
    digest = hashlib.sha1(f"{brand}|{now.isoformat()}".encode()).hexdigest()[:6]
    return f"c{now.astimezone(ZoneInfo(tz)):%Y%m%d-%H%M}-{digest}"


def _figures(
    findings: list[Finding],
    config: SeverityConfig,
    now: datetime,
    before: dict[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """rule -> its figures at this firing, with its line and key, the severity it would
    give alone and when it fired (``severity_since``: when it first gave that severity,
    kept from ``before``, the rules' figures so far): what the case's title is chosen
    by (``CaseTrigger.lead_rule``)."""
    out: dict[str, Any] = {}
    at = now.isoformat()
    for f in findings:
        severity = severity_of([f], config).value
        kept = (before or {}).get(f.rule) or {}
        since = kept.get("severity_since") if kept.get("severity") == severity else None
        out[f.rule] = {
            "summary": f.summary,
            "key": f.key,
            **f.figures,
            "severity": severity,
            "fired_at": at,
            "severity_since": since or at,
        }
    return out


def _peak(findings: list[Finding]) -> dict[str, float]:
    """Figures that tell whether a case grew: reach, ratio, and stories per measure
    and reach per measure (``stories:sharp`` over the short window, ``stories:slow_climb``
    over hours, ``reach:high_reach`` …): a case grows when one measure grows."""
    out: dict[str, float] = {"ratio": round(max((f.ratio for f in findings), default=0), 2)}
    for f in findings:
        measure = f.figures.get("shape", f.rule)
        out[f"reach:{measure}"] = max(out.get(f"reach:{measure}", 0), f.reach)
        if "stories" in f.figures:
            name = f"stories:{measure}"
            out[name] = max(out.get(name, 0), int(f.figures["stories"]))
        if "reposts_per_hour" in f.figures:
            name = f"rate:{measure}"
            out[name] = max(out.get(name, 0), float(f.figures["reposts_per_hour"]))
    return out


_WAVE_MEASURES = ("stories:", "rate:")  # what a wave is measured by (reach only grows)


def _grows(key: str, peak: dict[str, float]) -> bool:
    """Whether the peak figure ``key`` tells that a case is growing (a thread update):
    its stories, its spreading rate, and its reach — except the reach of a spreading
    story (a measure with a rate): that is the reposts and comments so far, which grows
    also while the story dies down (a re-crawled storm read 持续扩大 at 1,772, 797, then
    327 an hour); such a story grows when its rate does, now."""
    kind, _, measure = key.partition(":")
    if kind == "reach":
        return f"rate:{measure}" not in peak
    return kind in ("stories", "rate")


def new_wave(trigger: CaseTrigger, findings: list[Finding]) -> bool:
    """Whether ``findings`` are a new wave for a resolved case (its ``trigger``): a
    finding the case never had (another 大V post, another story spreading, another rule),
    or new stories / a spreading rate in the current window at least REOPEN_SHARE of
    the case's peak for that measure. The same story spreading on at a fraction of its
    peak, a trickle of stories, or the same rule's other measure (a sustained rise in
    the hours after a sharp surge: that surge's tail) is not."""
    known = set(trigger.notified.keys)
    if any(f.key not in known for f in findings):
        return True
    peak = trigger.peak
    for measure, value in _peak(findings).items():
        before = peak.get(measure)
        if measure.startswith(_WAVE_MEASURES) and before and value >= REOPEN_SHARE * before:
            return True
    return False


def _notified(findings: list[Finding], severity: Severity, now: datetime) -> Notified:
    return Notified(now, severity.value, sorted({f.key for f in findings}), _peak(findings))


def _merge_evidence(case: Case, trig: CaseTrigger, facts: list[Fact], size: int) -> None:
    weights = dict(trig.evidence_weight)
    for f in facts:
        weights[f.id] = max(weights.get(f.id, 0.0), round(f.weight, 4))
    manual = [i for i in case.evidence if i not in weights]  # attached by people: keep first
    ranked = sorted(weights, key=lambda i: (-weights[i], i))[:size]
    case.evidence = manual + ranked
    trig.evidence_weight = {i: weights[i] for i in ranked}


class CaseManager:
    def __init__(self, config: RadarConfig, store: Store):
        self.config = config
        self.store = store

    def active_cases(self) -> dict[str, Case]:
        """brand -> its open or acknowledged case (the newest if, unexpectedly, several)."""
        out: dict[str, Case] = {}
        for case in self.store.list_cases(status=ACTIVE, limit=1000):
            out.setdefault(case.brand, case)
        return out

    def _deadline(self, severity: Severity) -> timedelta:
        return timedelta(seconds=getattr(self.config.alerts.ack_deadline, severity.value))

    # -- rules fired --------------------------------------------------------------------
    def apply(
        self, brand: str, findings: list[Finding], now: datetime, active: Case | None
    ) -> list[CaseEvent]:
        if active is not None:
            # read it again: someone may have acknowledged or resolved it since the engine
            # listed the active cases, and saving the old copy would undo that
            active = self.store.get_case(active.id)
            if active is not None and active.status not in actions.ACTIVE:
                active = None
        if active is None:
            recent = self._recently_resolved(brand, now)
            if recent is not None:
                if not new_wave(CaseTrigger.of(recent), findings):
                    return []  # the resolved surge creeping on: neither reopened nor new
                return self._reopen(recent, findings, now)
            return self._open(brand, findings, now)
        return self._update(active, findings, now)

    def _recently_resolved(self, brand: str, now: datetime) -> Case | None:
        window = timedelta(seconds=self.config.alerts.reopen_within)
        for case in self.store.list_cases(status=["resolved"], brand=brand, limit=1):
            if case.resolved_at and now - case.resolved_at <= window:
                return case
        return None

    def _open(self, brand: str, findings: list[Finding], now: datetime) -> list[CaseEvent]:
        cfg = self.config.alerts
        severity = severity_of(findings, cfg.severity)
        main = findings[0]
        case = Case(
            id=case_id_for(brand, now, self.config.timezone),
            brand=brand,
            rule=main.rule,
            severity=severity,
            opened_at=now,
            updated_at=now,
            ack_due_at=now + self._deadline(severity),
            update_due_at=now + timedelta(seconds=cfg.update_every),
        )
        trig = CaseTrigger(
            rules=_figures(findings, cfg.severity, now),
            peak=_peak(findings),
            peak_at=now,
            first_fired_at=now,
            last_fired_at=now,
            notified=_notified(findings, severity, now),
            update_every=cfg.update_every,
        )
        trig.keep_peaks(trig.rules)
        facts = [f for finding in findings for f in finding.evidence]
        _merge_evidence(case, trig, facts, cfg.evidence_size)
        trig.save_to(case)
        case.title = messages.headline(case)
        self.store.save_case(case)
        self._queue_case_message(case, findings, facts, now)
        event = record(
            self.store,
            case.id,
            "alerted",
            now,
            line=lines.line(
                "%(severity)s %(what)s", severity=severity.value, what=lines.finding(main)
            ),
            data={
                "severity": severity.value,
                "rules": trig.rules,
                "evidence": case.evidence,
            },
            notify=False,
        )
        return [event]

    def _queue_case_message(
        self,
        case: Case,
        findings: list[Finding],
        facts: list[Fact],
        now: datetime,
        said: str = "",
    ) -> None:
        """The case message, in the channel routed for the case's brand and severity;
        queued again (once per channel) when a raised severity routes elsewhere — the
        thread stays with the first message. Likewise once per target of
        ``notify.routes`` (robots, mail lists). ``said``: plain text the message leads
        with (a raise by hand: who raised it, from what to what, why)."""
        slack = self.config.slack
        channel = case_channel(slack, case.brand, case.severity.value)
        trig = CaseTrigger.of(case)
        routed = trig.routed or []
        new_targets = [
            t
            for t in case_targets(self.config, case.brand, case.severity.value)
            if t not in trig.targets
        ]
        if channel in routed and not new_targets:
            return
        key = outbox.alert_key(case.id, channel if routed else "")
        if channel not in routed:
            trig.routed = [*routed, channel]
        trig.targets = [*trig.targets, *new_targets]
        trig.save_to(case)
        self.store.save_case(case)
        step = ladder_step(slack, 0)
        best: dict[str, Fact] = {}
        for f in facts:
            if f.cluster not in best or f.weight > best[f.cluster].weight:
                best[f.cluster] = f
        evidence = sorted(best.values(), key=lambda f: -f.weight)
        url = case_url(self.config, case.id)
        payload = messages.case_message(
            case,
            findings,
            evidence,
            url,
            mentions=mention_markup(step.mention) if step else "",
            tz=self.config.timezone,
            said=said,
        )
        if channel not in routed:
            outbox.enqueue(self.store, key, channel, payload, now, case_id=case.id)
        if new_targets:
            payload["notice"] = notice.case_notice(case, findings, evidence, url, said)
            base = outbox.alert_key(case.id)
            outbox.fan_out(self.store, base, new_targets, payload, now, case_id=case.id)

    def _route_raised(
        self, case: Case, findings: list[Finding], old: Severity, now: datetime, said: str = ""
    ) -> None:
        # cases opened before "routed" was kept went to the old severity's channel
        trig = CaseTrigger.of(case)
        if trig.routed is None:
            trig.routed = [case_channel(self.config.slack, case.brand, old.value)]
            trig.save_to(case)
        facts = [f for finding in findings for f in finding.evidence]
        self._queue_case_message(case, findings, facts, now, said)

    def raise_by_hand(self, case: Case, severity: Severity, now: datetime, said: str = "") -> None:
        """A person raised ``case`` to ``severity`` (alerts.actions.raise_severity): as when
        the rules raise it (:meth:`_update`), an open case's acknowledgement deadline
        shortens to the new severity's and the case message goes to the channel and the
        ``notify.routes`` targets routed for the new severity (:meth:`_route_raised`), with
        the rules' figures so far as what fired. ``said`` (plain: who raised it, from what
        to what, why) leads that message in every channel kind: the new channel's readers
        never see the thread reply that says it, and a case opened by hand has no figures."""
        old = case.severity
        case.severity = severity
        if case.status == CaseStatus.open:
            due = now + self._deadline(severity)
            case.ack_due_at = min(case.ack_due_at, due) if case.ack_due_at else due
        case.updated_at = now
        self.store.save_case(case)
        rules = CaseTrigger.of(case).rules
        findings = [
            Finding(
                rule=rule,
                brand=case.brand,
                key=str(figures.get("key") or rule),
                summary=str(figures.get("summary") or ""),
                figures=dict(figures),
            )
            for rule, figures in rules.items()
            if isinstance(figures, dict)
        ]
        with use_locale(channel_locale()):  # the case message: the team's language
            self._route_raised(case, findings, old, now, said)

    def _reopen(self, case: Case, findings: list[Finding], now: datetime) -> list[CaseEvent]:
        cfg = self.config.alerts
        old_severity = case.severity
        severity = more_severe(old_severity, severity_of(findings, cfg.severity))
        case.status, case.severity = CaseStatus.open, severity
        case.resolved_at = None
        case.acknowledged_at = case.acknowledged_by = None
        case.escalation_level = 0
        case.ack_due_at = now + self._deadline(severity)
        case.update_due_at = now + timedelta(seconds=cfg.update_every)
        trig = CaseTrigger.of(case)
        trig.reopens += 1
        trig.title_rule = None  # open again: about what fires now
        trig.rules = _figures(findings, cfg.severity, now)
        trig.keep_peaks(trig.rules)  # the case's peak so far stays its title's figure
        trig.peak = _peak(findings)
        trig.peak_at = trig.last_fired_at = now
        trig.resolution_proposed_at = None
        trig.notified = _notified(findings, severity, now)
        _merge_evidence(case, trig, [f for x in findings for f in x.evidence], cfg.evidence_size)
        trig.save_to(case)
        case.updated_at = now
        case.title = messages.headline(case)
        self.store.save_case(case)
        if severity != old_severity:
            self._route_raised(case, findings, old_severity, now)
        said = lines.line(
            N_("Reopened (%(severity)s): %(what)s"),
            severity=severity.value,
            what=lines.joined([lines.finding(f) for f in findings]),
        )
        text = lines.render(said)
        # the ladder starts again: its first step is told, as with the first alert
        step = ladder_step(self.config.slack, 0)
        mentions = mention_markup(step.mention) if step else ""
        return [
            record(
                self.store,
                case.id,
                "reopened",
                now,
                line=said,
                thread_text=f"{mentions} {messages.escape(text)}".strip(),
                broadcast=True,
                data={"severity": severity.value, "rules": trig.rules},
            )
        ]

    def _update(self, case: Case, findings: list[Finding], now: datetime) -> list[CaseEvent]:
        cfg = self.config.alerts
        trig = CaseTrigger.of(case)
        events: list[CaseEvent] = []
        old_severity = case.severity
        new_severity = more_severe(old_severity, severity_of(findings, cfg.severity))
        peak = trig.peak
        current = _peak(findings)
        for k, v in current.items():
            if v > peak.get(k, 0):
                peak[k] = v
                if k.startswith(("stories:", "reach:", "rate:")):
                    trig.peak_at = now
        fired = _figures(findings, cfg.severity, now, trig.rules)
        trig.rules.update(fired)
        raised = trig.keep_peaks(fired)
        trig.last_fired_at = now
        _merge_evidence(case, trig, [f for x in findings for f in x.evidence], cfg.evidence_size)
        reasons: list[dict[str, Any]] = []
        if trig.resolution_proposed_at is not None:
            trig.resolution_proposed_at = None
            reasons.append(lines.line(N_("activity resumed")))
        notified = trig.notified
        new_keys = sorted({f.key for f in findings} - set(notified.keys))
        if RANK[new_severity] < RANK[old_severity]:
            case.severity = new_severity
            reasons.append(
                lines.line(
                    N_("severity raised %(old)s → %(new)s"),
                    old=old_severity.value,
                    new=new_severity.value,
                )
            )
            if case.status == CaseStatus.open:
                due = now + self._deadline(new_severity)
                case.ack_due_at = min(case.ack_due_at, due) if case.ack_due_at else due
        if new_keys:
            new = lines.joined([lines.finding(f) for f in findings if f.key in new_keys])
            reasons.append(lines.line(N_("new: %(what)s"), what=new))
        last_at = notified.at or case.opened_at
        # stories and reach: the most seen since the last message; a rate: the one of
        # now (a storm that spread faster for a while and dies down is not "growing")
        grown = any(
            (current.get(k, 0) if k.startswith("rate:") else peak.get(k, 0))
            >= cfg.update_growth * max(1, notified.figures[k])
            for k in peak
            if _grows(k, peak) and k in notified.figures
        )
        if grown and (now - last_at).total_seconds() >= cfg.update_min_interval:
            reasons.append(
                lines.line(
                    N_("growing: %(what)s"), what=lines.joined([lines.finding(f) for f in findings])
                )
            )
        # a new peak of the rule the title names is saved at once: the title, case
        # page, brief and escalations show it (a throttled firing is not kept at all)
        new_peak = trig.lead_rule(case.rule) in raised
        if not reasons and not new_peak and (now - case.updated_at).total_seconds() < SAVE_EVERY:
            # the same surge still firing: the engine remembers when it last fired;
            # the stored case is refreshed every few minutes, not every minute
            return events
        case.updated_at = now
        if reasons:
            keys = sorted(set(notified.keys) | set(new_keys))
            trig.notified = Notified(now, case.severity.value, keys, dict(peak))
        trig.save_to(case)
        case.title = messages.headline(case)  # the peak so far, not the first firing's
        self.store.save_case(case)
        if case.severity != old_severity:
            self._route_raised(case, findings, old_severity, now)
        if reasons:
            said = lines.line(
                N_("Update (%(severity)s): %(reasons)s"),
                severity=case.severity.value,
                reasons=lines.joined(reasons, " · "),
            )
            events.append(
                record(
                    self.store,
                    case.id,
                    "updated",
                    now,
                    line=said,
                    broadcast=case.severity != old_severity,
                    data={
                        "severity": case.severity.value,
                        "rules": fired,
                        "peak": peak,
                    },
                )
            )
        return events

    # -- calm ---------------------------------------------------------------------------
    def propose_resolution(self, case: Case, now: datetime, why: str | dict[str, Any]) -> CaseEvent:
        """``why``: a line (alerts/lines.py), or text in the deployment's language."""
        trig = CaseTrigger.of(case)
        trig.resolution_proposed_at = now
        trig.save_to(case)
        case.updated_at = now
        self.store.save_case(case)
        said = lines.line(
            N_("Calm: %(why)s. Resolution proposed — confirm with Resolve when done."), why=why
        )
        return record(self.store, case.id, "resolution_proposed", now, line=said)

    # -- nobody acknowledged / daily update due --------------------------------------------
    def escalate(self, case: Case, now: datetime) -> list[CaseEvent]:
        slack = self.config.slack
        level = case.escalation_level + 1
        waited_line = _human(getattr(self.config.alerts.ack_deadline, case.severity.value))
        waited = lines.render(waited_line)
        ladder = slack.escalation
        top_reached = level >= len(ladder) if ladder else level > 1
        # a crawler problem climbs only so far: it is operations' (reminders go on)
        source_top = self.config.alerts.source_health.escalate_to
        if top_reached or (case.brand.startswith("source:") and level > source_top):
            case.ack_due_at = None  # nothing further to do
            self.store.save_case(case)
            return []
        step = ladder_step(slack, level)
        step_line = step.name if step else lines.line(N_("everyone in the channel"))
        name = lines.render(step_line)
        channel = step.channel if step else case_channel(slack, case.brand, case.severity.value)
        mentions = mention_markup(step.mention if step else ["here"])
        case.escalation_level = level
        case.ack_due_at = now + self._deadline(case.severity) if step else None
        case.updated_at = now
        self.store.save_case(case)
        key = outbox.escalation_key(case.id, level, CaseTrigger.of(case).reopens)
        url = case_url(self.config, case.id)
        payload = messages.escalation_message(case, name, mentions, url, waited)
        outbox.enqueue(self.store, key, channel, payload, now, case_id=case.id)
        targets = escalation_targets(self.config, name)
        if targets:
            payload["notice"] = notice.escalation_notice(case, name, waited, url)
            outbox.fan_out(self.store, key, targets, payload, now, case_id=case.id)
        return [
            record(
                self.store,
                case.id,
                "escalated",
                now,
                line=lines.line(
                    N_("⏫ Not acknowledged within %(waited)s: escalated to %(name)s"),
                    waited=waited_line,
                    name=step_line,
                ),
                data={"level": level, "step": name, "channel": channel},
            )
        ]

    def remind(self, case: Case, now: datetime) -> CaseEvent:
        every = timedelta(seconds=self.config.alerts.update_every)
        case.update_due_at = now + every
        self.store.save_case(case)
        person = case.assignee or case.acknowledged_by
        who = lines.user(person) if person else lines.line(N_("the duty officer"))
        return record(
            self.store,
            case.id,
            "reminder",
            now,
            line=lines.line(
                N_(
                    "⏰ Update due: %(who)s, please post an update on this case "
                    "(at least every %(every)s)."
                ),
                who=who,
                every=_human(every.total_seconds()),
            ),
        )


def _human(seconds: float) -> dict[str, Any]:
    """A duration as a line: ``30 分钟``, ``1 天``."""
    if seconds % 86400 == 0:
        return lines.line(N_("%(n)s d"), n=int(seconds // 86400))
    if seconds % 3600 == 0:
        return lines.line(N_("%(n)s h"), n=int(seconds // 3600))
    return lines.line(N_("%(n)s min"), n=int(seconds // 60))
