"""Case events keep their line (alerts/lines.py): written in the deployment's language,
read in the reader's — Chinese by default, English for an English reader — with people
by display name where the reader knows them."""

from __future__ import annotations

from datetime import timedelta

from alerts import actions
from alerts.engine import AlertEngine
from alerts.lines import event_text
from config.i18n import use_locale
from index.models import CaseEvent
from tests.alerts.conftest import T0, big_v_finding, make_config, sharp_surge_finding


def _texts(store, case_id: str, locale: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    names = {"pr": "公关 小王"}.get
    with use_locale(locale):
        return {
            e.kind: event_text(e.text, e.data, lambda n: names(n) or n)
            for e in store.case_events(case_id)
        }


def test_a_chinese_deployments_timeline_reads_english_for_an_english_reader(store) -> None:  # type: ignore[no-untyped-def]
    engine = AlertEngine(make_config(locale="zh_CN"), store, pull=False)
    with use_locale("zh_CN"):
        [opened] = engine.cases.apply("极光汽车", [big_v_finding(3_280_000)], T0, None)
        case = store.get_case(opened.case_id)
        later = T0 + timedelta(minutes=10)
        engine.cases.apply("极光汽车", [sharp_surge_finding(40, 13.3)], later, case)
    engine.deliver_outbox(later)
    engine.check_escalations(T0 + timedelta(hours=2))  # nobody acknowledged
    with use_locale("zh_CN"):
        actions.acknowledge(store, case.id, "pr", now=T0 + timedelta(hours=3))
    stored = {e.kind: e.text for e in store.case_events(case.id)}
    assert "新增负面话题 40 个" in stored["updated"]  # what Slack was sent

    en = _texts(store, case.id, "en")
    assert en["alerted"] == "P2 negative post by 汽车圈老炮儿 with 3,280,000 followers"
    assert en["updated"].startswith("Update (P1): severity raised P2 → P1 · new: 40 new")
    assert " sent to #" in en["notified"] and "发送" not in en["notified"], en["notified"]
    assert en["escalated"].startswith("⏫ Not acknowledged within ")
    assert en["acknowledged"] == "✅ Acknowledged by 公关 小王"

    zh = _texts(store, case.id, "zh_CN")
    assert zh["updated"] == stored["updated"]  # the deployment's language: what was stored
    assert zh["alerted"] == stored["alerted"] and zh["escalated"] == stored["escalated"]
    assert "公关 小王" in zh["acknowledged"] and "Acknowledged" not in zh["acknowledged"]


def test_an_event_kept_before_lines_shows_its_text() -> None:
    old = CaseEvent(case_id="c1", at=T0, kind="alerted", text="P1 负面激增 4.5×")
    with use_locale("en"):
        assert event_text(old.text, old.data) == "P1 负面激增 4.5×"
        assert event_text("x", {"line": {"t": "%(a)s", "v": {}}}) == "%(a)s"
