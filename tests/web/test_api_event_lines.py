"""A timeline event's ``data.line`` in the API's answers is the line it says, in English as
all the API's messages, not the translation template the store keeps for the pages
(``{"t": "%(severity)s %(what)s", "v": {…}}``); a line this version cannot fill is left
out. The pages still read the kept line in their reader's language."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from alerts import lines
from config.schema import RadarConfig
from index.models import CaseEvent
from tests.web.conftest import CASE_ID, NOW, api_token, make_config

pytestmark = pytest.mark.anyio
ALERTED = lines.line(
    "%(severity)s %(what)s",
    severity="P1",
    what={"rule": "negative_surge", "figures": {"summary": "negative surge 4.5× baseline"}},
)


@pytest.fixture
def config() -> RadarConfig:
    return make_config("zh_CN")  # the team's language is Chinese; the API's stays English


@pytest.fixture(autouse=True)
def kept_lines(store) -> None:  # type: ignore[no-untyped-def]
    for minutes, line in ((20, ALERTED), (15, {"t": "%(gone)s moved", "v": {"other": 1}})):
        store.append_case_event(
            CaseEvent(case_id=CASE_ID, at=NOW - timedelta(minutes=minutes), kind="updated",
                      text="存下的文字", data={"line": line, "severity": "P1"})
        )  # fmt: skip


def auth(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token(role)}"}


def kept(events: list[dict]) -> list[tuple[str, object]]:  # type: ignore[type-arg]
    return [(e["kind"], e["data"].get("line")) for e in events if e["kind"] != "alerted"]


async def test_the_api_answers_each_events_line_rendered_in_english(
    anon: httpx.AsyncClient,
) -> None:
    r = await anon.post(f"/api/v1/cases/{CASE_ID}/acknowledge", headers=auth("pr"))
    assert r.status_code == 200, r.text
    expected = [
        ("updated", "P1 negative surge 4.5× baseline"),
        ("updated", None),  # the kept template names a value it lacks: left out
        ("acknowledged", "✅ Acknowledged by PR user"),
    ]
    detail = (await anon.get(f"/api/v1/cases/{CASE_ID}", headers=auth("pr"))).json()
    assert kept(detail["events"]) == expected
    assert "line" not in detail["events"][2]["data"] and detail["events"][2]["data"]["severity"]
    assert "已确认" in detail["events"][-1]["text"]  # what the team's channels were told
    summary = await anon.get(f"/api/v1/cases/{CASE_ID}/summary", headers=auth("exec"))
    assert kept(summary.json()["events"]) == expected
    overview = await anon.get("/api/v1/overview", params={"days": 1}, headers=auth("exec"))
    assert [e["data"]["line"] for e in overview.json()["timeline"] if "line" in e["data"]] == [
        "P1 negative surge 4.5× baseline",
        "✅ Acknowledged by PR user",
    ]
    for answer in (detail, summary.json(), overview.json()):
        assert "'t':" not in str(answer) and "%(" not in str(answer)


async def test_the_document_says_what_data_line_is(anon: httpx.AsyncClient) -> None:
    doc = (await anon.get("/openapi.json", headers=auth("pr"))).json()
    data = doc["components"]["schemas"]["CaseEvent"]["properties"]["data"]
    assert "`line`" in data["description"] and "in English" in data["description"]


async def test_the_case_page_still_says_the_line_in_its_readers_language(login) -> None:  # type: ignore[no-untyped-def]
    async with login("pr") as c:
        page = (await c.get(f"/cases/{CASE_ID}")).text
    assert "已更新" in page and "P1 negative surge 4.5× baseline" in page  # the kept line
    assert "%(severity)s" not in page
