"""The Acknowledge / Resolve buttons: Slack's signature verified, stale requests refused."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from slack_sdk.signature import SignatureVerifier

from alerts.cases import CaseManager
from alerts.slack_interactive import handle_interaction
from tests.alerts.conftest import SECRET, SECRET_ENV, T0, make_config, surge_finding


@pytest.fixture
def config(monkeypatch):
    monkeypatch.setenv(SECRET_ENV, SECRET)
    return make_config({"signing_secret": {"$env": SECRET_ENV}})


@pytest.fixture
def case(config, store):
    [event] = CaseManager(config, store).apply("极光汽车", [surge_finding()], T0, None)
    return store.get_case(event.case_id)


def request(action_id: str, case_id: str, at, secret: str = SECRET):
    payload = {
        "type": "block_actions",
        "user": {"id": "U123", "username": "alice"},
        "actions": [{"action_id": action_id, "value": case_id}],
    }
    body = urlencode({"payload": json.dumps(payload)}).encode()
    ts = str(int(at.timestamp()))
    sig = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return body, {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": sig,
        "Content-Type": "application/x-www-form-urlencoded",
    }


def test_signed_acknowledge_is_applied(config, store, case) -> None:
    now = T0 + timedelta(minutes=4)
    body, headers = request("case_acknowledge", case.id, now)
    status, reply = handle_interaction(config, store, body, headers, now=now)
    assert status == 200 and reply["results"][0]["event"] == "acknowledged"
    saved = store.get_case(case.id)
    assert saved.status == "acknowledged" and saved.acknowledged_by == "slack:alice"
    assert store.get_notification(f"{case.id}:event:2") is not None  # thread update queued


def test_signed_resolve_then_invalid_transition_is_explained(config, store, case) -> None:
    now = T0 + timedelta(minutes=4)
    body, headers = request("case_resolve", case.id, now)
    assert handle_interaction(config, store, body, headers, now=now)[0] == 200
    assert store.get_case(case.id).status == "resolved"
    body, headers = request("case_acknowledge", case.id, now)
    status, reply = handle_interaction(config, store, body, headers, now=now)
    assert status == 200 and reply["response_type"] == "ephemeral"
    assert "is resolved" in reply["text"]


@pytest.mark.parametrize(
    ("tamper", "error"),
    [
        ("signature", "invalid signature"),
        ("stale", "stale request"),
        ("future", "stale request"),
        ("missing", "missing X-Slack"),
        ("body", "invalid signature"),
    ],
)
def test_bad_requests_are_refused(config, store, case, tamper, error) -> None:
    now = T0 + timedelta(minutes=4)
    signed_at = {"stale": now - timedelta(minutes=6), "future": now + timedelta(minutes=6)}.get(
        tamper, now
    )
    body, headers = request(
        "case_acknowledge",
        case.id,
        signed_at,
        secret="wrong-secret" if tamper == "signature" else SECRET,
    )
    if tamper == "missing":
        del headers["X-Slack-Signature"]
    if tamper == "body":
        body = body.replace(b"case_acknowledge", b"case_resolve")
    status, reply = handle_interaction(config, store, body, headers, now=now)
    assert status == 401 and error in reply["error"]
    assert store.get_case(case.id).status == "open"


def test_without_signing_secret_interactions_are_refused(store, case) -> None:
    body, headers = request("case_acknowledge", case.id, T0)
    status, reply = handle_interaction(make_config(), store, body, headers, now=T0)
    assert status == 503 and "signing_secret" in reply["error"]


@pytest.mark.parametrize(
    "payload",
    [[1], {"type": "block_actions", "actions": ["case_acknowledge"]}, "x"],
)
def test_a_signed_payload_of_the_wrong_shape_is_a_400(config, store, case, payload) -> None:
    now = T0 + timedelta(minutes=4)
    body = urlencode({"payload": json.dumps(payload)}).encode()
    ts = str(int(now.timestamp()))
    headers = {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body),
    }
    status, reply = handle_interaction(config, store, body, headers, now=now)
    assert status == 400 and "payload" in reply["error"]
    assert store.get_case(case.id).status == "open"
