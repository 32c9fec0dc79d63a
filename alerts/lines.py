"""Timeline lines kept as what they say, so each reader reads them in their language.

A case event's ``text`` is written once, in the deployment's language (Slack threads,
robots and the JSON API read it). The event also keeps its line as data
(``data["line"]``): a msgid with its values, where a value may be a finding (its rule
and figures, rendered by alerts/summaries.py), a list joined with the reader's
separator, or another line. :func:`render` turns that back into text in the language of
the moment, so the case page shows an English reader English and a Chinese reader
Chinese. Events kept before lines were kept show their ``text``.

Shapes kept (JSON): ``{"t": msgid, "v": {name: value}}``, ``{"rule": r, "figures": {…}}``,
``{"join": [values], "sep": msgid}``, ``{"user": login name}`` (shown as the person's
display name where the reader knows it: ``names``); any other value is shown as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from alerts import summaries
from alerts.rules.base import Finding
from config.i18n import _

# how the team's channels name people (login -> display name), where the writer knows it:
# the web app sets it around a request, so a person's action posts "PR 张经理" not "pr"
_team_names: ContextVar[Callable[[str], str] | None] = ContextVar("radar_team_names", default=None)


@contextmanager
def use_team_names(names: Callable[[str], str]) -> Iterator[None]:
    token = _team_names.set(names)
    try:
        yield
    finally:
        _team_names.reset(token)


def team_names() -> Callable[[str], str] | None:
    return _team_names.get()


def line(msgid: str, **values: Any) -> dict[str, Any]:
    """``msgid`` (marked for extraction where it is written) with its values."""
    return {"t": msgid, "v": values}


def finding(f: Finding) -> dict[str, Any]:
    return {"rule": f.rule, "figures": {"summary": f.summary, **f.figures}}


def user(name: str) -> dict[str, Any]:
    """A person, kept by login name: pages show their display name."""
    return {"user": name}


# an integration's API token acts as "token:<its name>" (radar.web.tokens.user_for)
TOKEN_ACTOR = "token:"


def person(login: str, names: Callable[[str], str] | None = None) -> str:
    """A login name as people read it: an API token's actor as the integration it is
    ("集成 integ-cases", not "token:integ-cases"), a person by ``names`` where given."""
    if login.startswith(TOKEN_ACTOR):
        return _("integration %(name)s") % {"name": login[len(TOKEN_ACTOR) :]}
    return names(login) if names else login


def joined(values: Sequence[Any], sep: str = "; ") -> dict[str, Any]:
    """Values joined with ``sep`` in the reader's language ("; " is "；" in Chinese)."""
    return {"join": list(values), "sep": sep}


def render(value: Any, names: Callable[[str], str] | None = None) -> str:
    """A kept line (or value) as text in the language of the moment; ``names`` gives a
    login name's display name (login names as they are without it)."""
    if isinstance(value, Mapping):
        if "t" in value:
            values = value.get("v") or {}
            text = _(str(value["t"]))
            return text % {k: render(v, names) for k, v in values.items()} if values else text
        if "rule" in value:
            return summaries.shown(str(value["rule"]), value.get("figures") or {})
        if "join" in value:
            sep = _(str(value.get("sep", "; ")))
            return sep.join(render(v, names) for v in value["join"])
        if "user" in value:
            return person(str(value["user"]), names)
    return str(value)


def event_text(
    text: str, data: Mapping[str, Any] | None, names: Callable[[str], str] | None = None
) -> str:
    """What a case event says to the reader: its kept line, else its stored text."""
    kept = (data or {}).get("line")
    if not kept:
        return text
    try:
        return render(kept, names)
    except (KeyError, TypeError, ValueError):  # a line this version cannot fill
        return text
