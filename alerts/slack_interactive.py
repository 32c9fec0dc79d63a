"""Slack's interactive endpoint: the Acknowledge / Resolve buttons of a case message.

The request signature is verified with slack-sdk's ``SignatureVerifier`` (HMAC of the
body with the signing secret; timestamps more than 5 minutes off are refused), then the
action goes through ``alerts.actions`` — the same code path as the web UI."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

from slack_sdk.signature import Clock, SignatureVerifier

from alerts import actions
from config.schema import RadarConfig
from index.base import Store
from index.models import as_utc, utcnow

log = logging.getLogger(__name__)

ACTIONS = {
    "case_acknowledge": actions.acknowledge,
    "case_resolve": actions.resolve,
}


class _FixedClock(Clock):
    def __init__(self, now: datetime):
        self._now = as_utc(now).timestamp()

    def now(self) -> float:
        return self._now


def handle_interaction(
    config: RadarConfig,
    store: Store,
    body: bytes,
    headers: Mapping[str, str],
    now: datetime | None = None,
) -> tuple[int, dict[str, Any]]:
    """Verify and apply one interaction; returns (HTTP status, JSON body)."""
    secret = config.slack.signing_secret.get() if config.slack.signing_secret else None
    if not secret:
        return 503, {"error": "slack.signing_secret is not configured: interactions refused"}
    lower = {k.lower(): v for k, v in headers.items()}
    timestamp = lower.get("x-slack-request-timestamp")
    signature = lower.get("x-slack-signature")
    if not timestamp or not signature:
        return 401, {"error": "missing X-Slack-Request-Timestamp or X-Slack-Signature"}
    current = now or utcnow()
    try:
        skew = abs(as_utc(current).timestamp() - int(timestamp))
    except ValueError:
        return 401, {"error": "X-Slack-Request-Timestamp is not a number"}
    if skew > 300:
        return 401, {"error": "stale request: timestamp more than 5 minutes off"}
    try:
        text: str | None = body.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None:
        verifier = SignatureVerifier(secret, clock=_FixedClock(current))
        valid = verifier.is_valid(body=text, timestamp=timestamp, signature=signature)
    else:
        # slack-sdk's verifier decodes the body as UTF-8 (and raised on this one); the
        # signature is Slack's documented HMAC-SHA256 of "v0:<timestamp>:<raw body>"
        base = b"v0:" + timestamp.encode("ascii", "replace") + b":" + body
        digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
        valid = hmac.compare_digest(f"v0={digest}", signature)
    if not valid:
        return 401, {"error": "invalid signature"}
    if text is None:
        return 400, {"error": "body is not UTF-8 text"}
    try:
        form = parse_qs(text, strict_parsing=False)
        payload = json.loads(form["payload"][0])
    except (KeyError, IndexError, json.JSONDecodeError):
        return 400, {"error": "body must be form-encoded with a JSON 'payload'"}
    if not isinstance(payload, dict) or not all(
        isinstance(a, dict) for a in payload.get("actions") or []
    ):
        return 400, {"error": "payload: expected a JSON object whose actions are objects"}
    if payload.get("type") != "block_actions":
        return 200, {"ok": True, "ignored": payload.get("type")}
    user = payload.get("user")
    if not isinstance(user, dict):
        user = {}
    who = user.get("username") or user.get("name") or user.get("id") or "slack user"
    actor = f"slack:{who}"
    results = []
    for action in payload.get("actions", []):
        fn = ACTIONS.get(action.get("action_id", ""))
        if fn is None:
            continue  # e.g. the "Case page" link button
        case_id = str(action.get("value", ""))
        try:
            event = fn(store, case_id, actor, now=current)
        except actions.ActionError as exc:
            # Slack shows nothing for a non-200; say what is wrong in an ephemeral reply
            return 200, {
                "response_type": "ephemeral",
                "replace_original": False,
                "text": f"⚠️ {exc}",
            }
        results.append({"case_id": case_id, "event": event.kind, "seq": event.seq})
        log.info("slack action %s on %s by %s", action.get("action_id"), case_id, actor)
    return 200, {"ok": True, "results": results}
