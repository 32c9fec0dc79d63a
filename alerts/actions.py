"""What people do with a case: THE one code path for Slack buttons and the web UI.

Timeline texts are written in the locale of the moment (the web user's; the deployment's
for Slack buttons and the engine).

Each action checks the transition, updates the Case, appends a CaseEvent and queues
the Slack thread update. Invalid transitions raise ``ActionError`` naming the problem.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from alerts import lines, messages
from alerts.severity import RANK
from alerts.timeline import record
from alerts.trigger import CaseTrigger
from config.i18n import N_, channel_locale, use_locale
from config.schema import RadarConfig
from index.base import Store
from index.models import Case, CaseEvent, CaseStatus, Severity, utcnow
from index.text import without_controls

ACTIVE = (CaseStatus.open, CaseStatus.acknowledged)
DEFAULT_UPDATE_EVERY = 86400.0  # the engine stores the configured one in case.trigger


class ActionError(ValueError):
    """The action is not possible (unknown case, wrong status, missing input). The message
    is ``template`` (marked for translation) filled with ``params``, so a page can say it
    in the reader's language (radar.web.render.action_problem); Slack and the API keep it
    as written."""

    def __init__(self, template: str, **params: object):
        self.template = template
        self.params = params
        super().__init__(template % params if params else template)


class OtherBrand(ActionError):
    """The mention does not name the case's brand (a 400 to an API caller, not a 409)."""


def _case(store: Store, case_id: str) -> Case:
    case = store.get_case(case_id)
    if case is None:
        raise ActionError(N_("no case '%(case)s'"), case=case_id)
    return case


def _active_case(store: Store, case_id: str, not_active: str) -> Case:
    """The case, open or acknowledged; else ``not_active`` (a message naming the action,
    with the case and its status) as the error."""
    case = _case(store, case_id)
    if case.status not in ACTIVE:
        raise ActionError(not_active, case=case_id, status=case.status.value)
    return case


def _user(user: str) -> str:
    if not user or not user.strip():
        raise ActionError(N_("user: who is acting must be given"))
    return user.strip()


def _save(store: Store, case: Case, now: datetime) -> None:
    case.updated_at = now
    store.save_case(case)


def acknowledge(store: Store, case_id: str, user: str, now: datetime | None = None) -> CaseEvent:
    now = now or utcnow()
    user = _user(user)
    case = _case(store, case_id)
    if case.status == CaseStatus.acknowledged:
        raise ActionError(
            N_("case %(case)s was already acknowledged by %(user)s"),
            case=case_id,
            user=case.acknowledged_by,
        )
    if case.status != CaseStatus.open:
        raise ActionError(
            N_("case %(case)s is %(status)s: only an open case can be acknowledged"),
            case=case_id,
            status=case.status.value,
        )
    case.status = CaseStatus.acknowledged
    case.acknowledged_at, case.acknowledged_by = now, user
    case.ack_due_at = None
    _save(store, case, now)
    return record(
        store,
        case_id,
        "acknowledged",
        now,
        actor=user,
        line=lines.line(N_("✅ Acknowledged by %(user)s"), user=lines.user(user)),
    )


def assign(
    store: Store, case_id: str, user: str, assignee: str, now: datetime | None = None
) -> CaseEvent | None:
    """None when the case is already assigned to ``assignee``: nothing changes, nothing is
    recorded (the same assignment sent twice made two timeline entries and thread posts)."""
    now = now or utcnow()
    user = _user(user)
    if not assignee or not assignee.strip():
        raise ActionError(N_("assignee: must be given"))
    case = _active_case(
        store,
        case_id,
        N_("case %(case)s is %(status)s: only an open or acknowledged case can be assigned"),
    )
    if case.assignee == assignee.strip():
        return None
    case.assignee = assignee.strip()
    _save(store, case, now)
    return record(
        store,
        case_id,
        "assigned",
        now,
        actor=user,
        line=lines.line(
            N_("👤 Assigned to %(assignee)s by %(user)s"),
            assignee=lines.user(case.assignee),
            user=lines.user(user),
        ),
        data={"assignee": case.assignee},
    )


def add_note(
    store: Store, case_id: str, user: str, text: str, now: datetime | None = None
) -> CaseEvent:
    """A note is an update: it also resets the daily-update reminder."""
    now = now or utcnow()
    user = _user(user)
    text = without_controls(text or "")
    if not text.strip():
        raise ActionError(N_("text: a note cannot be empty"))
    case = _case(store, case_id)
    if case.status == CaseStatus.closed:
        raise ActionError(N_("case %(case)s is closed: notes cannot be added"), case=case_id)
    if case.status in ACTIVE:
        every = float(case.trigger.get("update_every", DEFAULT_UPDATE_EVERY))
        case.update_due_at = now + timedelta(seconds=every)
    _save(store, case, now)
    with use_locale(channel_locale()):  # an integration's name in the team's language
        writer = lines.person(user, lines.team_names())
    return record(
        store,
        case_id,
        "note",
        now,
        actor=user,
        text=text.strip(),
        # the team's channels name the writer as the team knows them (the web sets it)
        thread_text=f"📝 *{messages.escape(writer)}*: {messages.escape(text.strip())}",
    )


def resolve(store: Store, case_id: str, user: str, now: datetime | None = None) -> CaseEvent:
    now = now or utcnow()
    user = _user(user)
    case = _active_case(
        store,
        case_id,
        N_("case %(case)s is %(status)s: only an open or acknowledged case can be resolved"),
    )
    trig, rule = CaseTrigger.of(case), messages.lead_rule(case)
    if rule in trig.rules:  # its title stays the one it closed with (messages.headline)
        trig.title_rule = rule
        trig.save_to(case)
    case.status = CaseStatus.resolved
    case.resolved_at = now
    case.ack_due_at = case.update_due_at = None
    _save(store, case, now)
    return record(
        store,
        case_id,
        "resolved",
        now,
        actor=user,
        line=lines.line(N_("☑️ Resolved by %(user)s"), user=lines.user(user)),
    )


def raise_severity(
    store: Store,
    config: RadarConfig,
    case_id: str,
    user: str,
    severity: str,
    reason: str,
    now: datetime | None = None,
) -> CaseEvent:
    """A person (the PR lead) raises the case's severity, P3 → P2 → P1, saying why: the
    rules only ever raised it. As a raise by the rules, the case message goes to the
    channel routed for the new severity (alerts.cases.CaseManager.raise_by_hand) and the
    thread update is broadcast; the timeline records who, when and why."""
    now = now or utcnow()
    user = _user(user)
    reason = without_controls(reason or "")
    if not reason.strip():
        raise ActionError(N_("reason: say why the case is raised"))
    try:
        new = Severity(severity.strip().upper())
    except ValueError:
        raise ActionError(
            N_("severity: '%(severity)s' is not a severity (P1, P2 or P3)"), severity=severity
        ) from None
    case = _active_case(
        store,
        case_id,
        N_("case %(case)s is %(status)s: only an open or acknowledged case can be raised"),
    )
    old = case.severity
    if RANK[new] >= RANK[old]:
        raise ActionError(
            N_("case %(case)s is %(severity)s: it can only be raised (P3 → P2 → P1)"),
            case=case_id,
            severity=old.value,
        )
    from alerts.cases import CaseManager  # cases imports this module

    said = lines.line(
        N_("⏫ %(user)s raised the severity %(old)s → %(new)s: %(reason)s"),
        user=lines.user(user),
        old=old.value,
        new=new.value,
        reason=reason.strip(),
    )
    with use_locale(channel_locale()):  # the case message and the thread: the team's language
        text = lines.render(said, lines.team_names())
    CaseManager(config, store).raise_by_hand(case, new, now, said=text)
    return record(
        store,
        case_id,
        "raised",
        now,
        actor=user,
        text=text,
        line=said,
        data={"severity": new.value, "from": old.value, "reason": reason.strip()},
        broadcast=True,
    )


def close(store: Store, case_id: str, user: str, now: datetime | None = None) -> CaseEvent:
    now = now or utcnow()
    user = _user(user)
    case = _case(store, case_id)
    if case.status == CaseStatus.closed:
        raise ActionError(N_("case %(case)s is already closed"), case=case_id)
    if case.status != CaseStatus.resolved:
        raise ActionError(
            N_("case %(case)s is %(status)s: resolve it before closing"),
            case=case_id,
            status=case.status.value,
        )
    case.status = CaseStatus.closed
    case.closed_at = now
    _save(store, case, now)
    said = lines.line(N_("Closed by %(user)s"), user=lines.user(user))
    return record(store, case_id, "closed", now, actor=user, line=said)


def attach_mention(
    store: Store, case_id: str, user: str, mention_id: str, now: datetime | None = None
) -> CaseEvent:
    now = now or utcnow()
    user = _user(user)
    case = _case(store, case_id)
    if case.status == CaseStatus.closed:
        raise ActionError(N_("case %(case)s is closed: evidence cannot be added"), case=case_id)
    mention = store.get_mention(mention_id)
    if mention is None:
        raise ActionError(N_("mention_id: no mention '%(mention)s'"), mention=mention_id)
    names = mention.brand_names
    if names and case.brand not in names:  # every way in: picker, form, bulk, API
        named = ", ".join(dict.fromkeys(names))
        raise OtherBrand(
            N_(
                "case_id: case '%(case)s' is about '%(brand)s'; mention '%(mention)s' does "
                "not name it (it names %(named)s)"
            ),
            case=case.id,
            brand=case.brand,
            mention=mention_id,
            named=named,
        )
    if mention_id in case.evidence:
        raise ActionError(
            N_("mention %(mention)s is already evidence of case %(case)s"),
            mention=mention_id,
            case=case_id,
        )
    case.evidence = [mention_id, *case.evidence]
    _save(store, case, now)
    return record(
        store,
        case_id,
        "evidence",
        now,
        actor=user,
        line=lines.line(
            N_("📎 %(user)s attached %(post)s"),
            user=lines.user(user),
            post=mention.url or mention_id,
        ),
        data={"mention_id": mention_id},
    )


def open_case(
    store: Store,
    brand: str,
    user: str,
    mention_id: str,
    now: datetime | None = None,
    *,
    tz: str,
    take: bool = True,
    ack_within: float | None = None,
) -> Case:
    """A case opened by a person from a mention (rule ``manual``, P3, acknowledged and
    assigned to them: nobody needs to be paged to take it). One active case per brand, as
    the engine keeps it: when the brand has one, attach the mention to it instead. ``tz``
    (the config's ``timezone``) stamps its id.

    ``take=False``: the opener cannot act on cases (care): the case waits for the PR team
    to acknowledge it within ``ack_within`` seconds (then it escalates like any other). A
    care agent's case was acknowledged by and assigned to them, who can neither note,
    assign nor resolve it, and the board showed it as in hand."""
    now = now or utcnow()
    user = _user(user)
    mention = store.get_mention(mention_id)
    if mention is None:
        raise ActionError(N_("mention_id: no mention '%(mention)s'"), mention=mention_id)
    if brand not in {m.brand for m in mention.brands}:
        raise ActionError(
            N_("brand: mention %(mention)s does not name '%(brand)s'"),
            mention=mention_id,
            brand=brand,
        )
    active = store.list_cases(status=[s.value for s in ACTIVE], brand=brand, limit=1)
    if active:
        raise ActionError(
            N_("%(brand)s already has an open case (%(case)s): attach the mention to it"),
            brand=brand,
            case=active[0].id,
        )
    from alerts.cases import case_id_for  # cases imports this module

    with use_locale(channel_locale()):  # the stored title everyone reads: the team's language
        title = messages.titled(brand, (mention.title or mention.text)[:60])

    case = Case(
        id=case_id_for(brand, now, tz),
        brand=brand,
        rule="manual",
        severity=Severity.P3,
        status=CaseStatus.acknowledged if take else CaseStatus.open,
        title=title,
        opened_at=now,
        updated_at=now,
        acknowledged_at=now if take else None,
        acknowledged_by=user if take else None,
        assignee=user if take else None,
        evidence=[mention_id],
        ack_due_at=None if take or ack_within is None else now + timedelta(seconds=ack_within),
        update_due_at=now + timedelta(seconds=DEFAULT_UPDATE_EVERY),
    )
    store.save_case(case)
    record(
        store,
        case.id,
        "opened",
        now,
        actor=user,
        line=lines.line(
            N_("%(user)s opened the case from %(post)s"),
            user=lines.user(user),
            post=mention.url or mention_id,
        ),
        data={"mention_id": mention_id},
        notify=False,
    )
    return case
