"""An integration's API token acts as ``token:<name>``: people read it as the integration
it is ("集成 integ-cases"), in the case timeline and in the team's channels alike."""

from __future__ import annotations

import httpx
import pytest

from config.schema import RadarConfig
from radar.web import tokens
from tests.web.conftest import CASE_ID, make_config

pytestmark = pytest.mark.anyio


@pytest.fixture
def config() -> RadarConfig:
    return make_config("zh_CN")


async def test_a_tokens_actions_read_as_the_integration(
    anon: httpx.AsyncClient, login, store
) -> None:  # type: ignore[no-untyped-def]
    _, token = tokens.create(store, "integ-cases", "cases", by="admin")
    auth = {"Authorization": f"Bearer {token}"}
    r = await anon.post(f"/api/v1/cases/{CASE_ID}/acknowledge", headers=auth)
    assert r.status_code == 200, r.text
    r = await anon.post(f"/api/v1/cases/{CASE_ID}/notes", json={"text": "工单已建"}, headers=auth)
    assert r.status_code in (200, 201), r.text

    events = {e.kind: e for e in store.case_events(CASE_ID)}
    assert events["acknowledged"].actor == "token:integ-cases"  # the record keeps who it was
    # the team's channels: the thread reply and the robots read the integration's name
    for kind in ("acknowledged", "note"):
        sent = store.get_notification(f"{CASE_ID}:event:{events[kind].seq}")
        assert sent is not None
        assert "集成 integ-cases" in str(sent.payload) and "token:" not in str(sent.payload)
    assert events["acknowledged"].text == "✅ 集成 integ-cases 已确认接手"

    async with login("pr") as c:
        page = (await c.get(f"/cases/{CASE_ID}")).text
    timeline = page.split('class="ev-acknowledged"')[1].split("</li>")[0]
    assert "集成 integ-cases" in timeline and "token:" not in page


async def test_in_english_it_reads_integration(anon: httpx.AsyncClient, store) -> None:  # type: ignore[no-untyped-def]
    from alerts import lines

    assert lines.person("token:integ-cases") == "integration integ-cases"
    assert lines.person("pr", {"pr": "PR user"}.get) == "PR user"
