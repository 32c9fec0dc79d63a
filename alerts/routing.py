"""Where a case's messages go: channel per brand and severity, escalation ladder."""

from __future__ import annotations

from urllib.parse import urlparse

from config.alerting import EscalationStep, SlackConfig
from config.schema import RadarConfig


def case_channel(slack: SlackConfig, brand: str, severity: str) -> str:
    """The first route matching the brand and the severity; else the default channel."""
    for route in slack.routes:
        if route.brands and brand not in route.brands:
            continue
        if route.severities and severity not in route.severities:
            continue
        return route.channel
    return slack.default_channel


def mention_markup(ids: list[str]) -> str:
    """Slack mention markup: users ``U…``/``W…``, user groups ``S…``, ``here``/``channel``."""
    out = []
    for raw in ids:
        i = raw.strip().lstrip("@")
        if i in ("here", "channel", "everyone"):
            out.append(f"<!{i}>")
        elif i.startswith("S"):
            out.append(f"<!subteam^{i}>")
        elif i:
            out.append(f"<@{i}>")
    return " ".join(out)


def ladder_step(slack: SlackConfig, level: int) -> EscalationStep | None:
    return slack.escalation[level] if 0 <= level < len(slack.escalation) else None


def links_warning(config: RadarConfig) -> str | None:
    """Messages leave this machine (a Slack token, robots or mail) but ``web.public_url``
    is not set: their case links name the local listen address, which readers elsewhere
    cannot open. None when there is nothing to say."""
    if config.web.public_url or not (config.slack.token or config.notify.known_targets()):
        return None
    local = f"http://{config.web.host}:{config.web.port}"
    return (
        f"web.public_url: not set — the case links in Slack, robot and mail messages read "
        f"{local}/cases/…, which readers elsewhere cannot open"
    )


def plain_http_warnings(config: RadarConfig) -> list[str]:
    """Robots whose webhook URL is plain http to a host other than this machine: the
    URL carries the robot's token (WeCom's key, DingTalk's access_token, Feishu's hook
    id), which then crosses the network unencrypted. A warning, not an error: an
    intranet relay may be plain http on purpose. The URL itself is never repeated."""
    out = []
    for kind in THREAD_KINDS:
        for i, robot in enumerate(getattr(config.notify, kind)):
            url = urlparse((robot.webhook.get() or "").strip())
            local = url.hostname in ("localhost", "::1") or (url.hostname or "").startswith("127.")
            if url.scheme == "http" and url.hostname and not local:
                out.append(
                    f"notify.{kind}[{i}].webhook: plain http to {url.hostname} — the robot's "
                    f"token in the URL crosses the network unencrypted; use https://"
                )
    return out


def delivery_warnings(config: RadarConfig) -> list[str]:
    """What ``radar config check`` and the start-up banner warn about deliveries."""
    links = links_warning(config)
    return ([links] if links else []) + plain_http_warnings(config)


def case_url(config: RadarConfig, case_id: str) -> str:
    base = config.web.public_url or f"http://{config.web.host}:{config.web.port}"
    return f"{base.rstrip('/')}/cases/{case_id}"


# -- targets beyond Slack (config/notify.py) --------------------------------------------
THREAD_KINDS = ("wecom", "dingtalk", "feishu")  # mail lists get no per-event updates


def case_targets(config: RadarConfig, brand: str, severity: str) -> list[str]:
    """Every target of every ``notify.routes`` entry matching the brand and severity."""
    out: list[str] = []
    for route in config.notify.routes:
        if route.brands and brand not in route.brands:
            continue
        if route.severities and severity not in route.severities:
            continue
        out += [t for t in route.targets if t not in out]
    return out


def escalation_targets(config: RadarConfig, step: str) -> list[str]:
    out: list[str] = []
    for entry in config.notify.escalation:
        if entry.step == step:
            out += [t for t in entry.targets if t not in out]
    return out


def update_targets(targets: list[str]) -> list[str]:
    """Of a case's targets, those that get its timeline updates (the group robots)."""
    return [t for t in targets if t.partition(":")[0] in THREAD_KINDS]


def digest_url(config: RadarConfig) -> str:
    base = config.web.public_url or f"http://{config.web.host}:{config.web.port}"
    return f"{base.rstrip('/')}/digest"
