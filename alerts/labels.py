"""Names people read for the stored keys that alert texts show (risk signals, source
states): marked msgids, translated where used. alerts/ cannot import the web's label
tables (nothing below ``radar/`` imports from it), so the web reads the signals here."""

from __future__ import annotations

from typing import Any

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


# why a source is paused or failing (crawlers.health.Block.reason, radar/jobs.py,
# alerts.coverage): the banner on every page and the source-health case read '已暂停
# （captcha）' and 'is paused (http_429)'
REASON_TITLE = {
    "ban": N_("the site blocked the crawler"),
    "captcha": N_("the site asks for a captcha"),
    "login": N_("the site asks to log in"),
    "rate_limited": N_("the site says too many requests"),
    "http_403": N_("the site refused access, HTTP 403"),
    "http_418": N_("the site refused access, HTTP 418"),
    "http_429": N_("the site says too many requests, HTTP 429"),
    "crashed": N_("the crawl crashed"),
    "stopped": N_("the crawl was stopped"),
    "no_complete_crawl": N_("no complete crawl"),
    # why a crawl run ended incomplete (its finish_reason: crawlers/pipelines.py,
    # radar/jobs.py, Scrapy's shutdown): /admin/sources read a bare 未完成
    "timeout": N_("the crawl took too long and was stopped"),
    "unreachable": N_("the site could not be reached"),
    "store_failed": N_("the posts could not be stored"),
    "score_failed": N_("the sentiment scorer failed"),
    "did_not_start": N_("the crawl did not start"),
    "shutdown": N_("the crawl was stopped"),
    "service stopping": N_("the crawl was stopped"),
}


def signal_label(key: str) -> str:
    """A risk signal's name in the current language (an unknown key as it is)."""
    return _(SIGNAL_TITLE[key]) if key in SIGNAL_TITLE else key


def state_label(key: str) -> str:
    return _(STATE_TITLE[key]) if key in STATE_TITLE else key


def reason_label(key: str) -> str:
    """Why a source is paused or failing, in the current language (an unknown key as it
    is: a reason the crawl wrote in words)."""
    return _(REASON_TITLE[key]) if key in REASON_TITLE else key


def run_reason(run: dict[str, Any]) -> str | None:
    """The REASON_TITLE key of why a crawl run (Store.crawl_runs) did not complete: the
    block that stopped it (``captcha``; finish_reason ``blocked_captcha``), else its
    finish_reason (``timeout``, ``store_failed`` …); None for a complete run or one that
    gives no reason. Read with :func:`reason_label`."""
    if run.get("completed"):
        return None
    reason = str(run.get("blocked") or run.get("finish_reason") or "")
    reason = reason.removeprefix("blocked_")
    return reason if reason and reason != "finished" else None
