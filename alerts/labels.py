"""Names people read for the stored keys that alert texts show (risk signals, source
states): marked msgids, translated where used. alerts/ cannot import the web's label
tables (nothing below ``radar/`` imports from it), so the web reads the signals here."""

from __future__ import annotations

from config.i18n import N_, _

SIGNAL_TITLE = {  # sentiment.complaints.SIGNALS
    "media": N_("media exposure"),
    "regulator": N_("regulator complaint"),
    "legal": N_("legal action"),
    "rights": N_("rights defence"),
    "collective": N_("collective complaint"),
    "safety": N_("safety incident"),
}
STATE_TITLE = {  # index.base.SourceHealth states that open a source-health case
    "paused": N_("paused"),
    "failing": N_("failing"),
    "crashing": N_("crashing"),
}


def signal_label(key: str) -> str:
    """A risk signal's name in the current language (an unknown key as it is)."""
    return _(SIGNAL_TITLE[key]) if key in SIGNAL_TITLE else key


def state_label(key: str) -> str:
    return _(STATE_TITLE[key]) if key in STATE_TITLE else key
