"""Slack texts and the digest speak the deployment's language (``locale:``, zh_CN by
default); escaping of crawled text is the same in every language."""

from __future__ import annotations

import json
from datetime import timedelta

from alerts import messages
from alerts.cases import CaseManager
from alerts.engine import AlertEngine
from config.i18n import use_locale
from tests.alerts.conftest import T0, fact, make_config, surge_finding


def test_a_case_message_in_chinese(store) -> None:  # type: ignore[no-untyped-def]
    config = make_config(locale="zh_CN")
    with use_locale("zh_CN"):
        events = CaseManager(config, store).apply(
            "极光汽车", [surge_finding(evidence=[fact(1, "<!channel> 刹车失灵")])], T0, None
        )
        case = store.get_case(events[0].case_id)
        payload = messages.case_message(
            case, [surge_finding()], [fact(1, "<b>x</b>")], "https://r/c"
        )
    blocks = json.dumps(payload["blocks"], ensure_ascii=False)
    assert "极光汽车: 负面激增" in blocks and "*触发原因*" in blocks and "确认接手" in blocks
    assert "Acknowledge" not in blocks and "&lt;b&gt;x&lt;/b&gt;" in blocks


def test_the_engine_queues_the_digest_in_the_deployment_language(store) -> None:  # type: ignore[no-untyped-def]
    AlertEngine(make_config(locale="zh_CN"), store).daily_digest(T0)
    [digest] = [n for n in store.due_notifications(T0 + timedelta(days=1)) if "digest" in n.key]
    text = json.dumps(digest.payload, ensure_ascii=False)
    assert "每日舆情简报" in text and "Daily digest" not in text


def test_english_deployments_keep_english(store) -> None:  # type: ignore[no-untyped-def]
    AlertEngine(make_config(locale="en"), store).daily_digest(T0)
    [digest] = [n for n in store.due_notifications(T0 + timedelta(days=1)) if "digest" in n.key]
    assert "Daily digest" in json.dumps(digest.payload)
