"""A note (a case's or a mention's, the handled note, a raise's reason) is stored without
control characters: a NUL pasted into a note was stored and sent on to the channels.
Tab and line breaks stay (a browser sends CR LF); a note of control characters only is
an empty note, refused as one (the API: 422 naming the field)."""

from __future__ import annotations

import httpx
import pytest

from alerts import actions
from index.text import without_controls
from tests.web.conftest import CASE_ID, api_token, form_post

pytestmark = pytest.mark.anyio
TYPED = "已联系\x00车主\x08\x1b[31m\x7f\t第二行\r\n第三行"
STORED = "已联系车主[31m\t第二行\r\n第三行"


def auth(role: str = "pr") -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token(role)}"}


def test_control_characters_but_tab_and_line_breaks_are_left_out() -> None:
    assert without_controls(TYPED) == STORED
    assert without_controls("".join(map(chr, range(32))) + "\x7f") == "\t\n\r"
    assert without_controls("漏油（演示）🙂 \u200b") == "漏油（演示）🙂 \u200b"


async def test_the_api_stores_notes_without_control_characters(
    anon: httpx.AsyncClient,
    store,  # type: ignore[no-untyped-def]
) -> None:
    r = await anon.post("/api/v1/mentions/demo-weibo:1/notes", json={"text": TYPED}, headers=auth())
    assert r.status_code == 200, r.text
    assert [n["text"] for n in r.json()["notes"]] == [STORED]
    r = await anon.post(
        "/api/v1/mentions/demo-weibo:2/handled", json={"note": TYPED}, headers=auth()
    )
    assert r.status_code == 200, r.text
    assert "\x00" not in str(store.get_mention("demo-weibo:2").model_dump())
    r = await anon.post(f"/api/v1/cases/{CASE_ID}/notes", json={"text": TYPED}, headers=auth())
    assert r.status_code == 200, r.text
    [note] = [e for e in store.case_events(CASE_ID) if e.kind == "note"]
    assert note.text == STORED
    # what the channels are told is the stored text
    told = store.due_notifications(note.at, 500)
    assert told and all("\x00" not in repr(n) and "第二行" in repr(n) for n in told)


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/mentions/demo-weibo:1/notes", {"text": "\x00"}, "text"),
        ("/api/v1/mentions/demo-weibo:1/notes", {"text": " \x00\x01 "}, "text"),
        (f"/api/v1/cases/{CASE_ID}/notes", {"text": "\x00\x00"}, "text"),
    ],
)
async def test_a_note_of_control_characters_only_is_a_422_naming_the_field(
    anon: httpx.AsyncClient, store, path: str, body: dict[str, str], field: str
) -> None:  # type: ignore[no-untyped-def]
    r = await anon.post(path, json=body, headers=auth())
    assert r.status_code == 422, r.text
    assert field in r.text
    assert store.get_mention("demo-weibo:1").notes == []
    assert [e for e in store.case_events(CASE_ID) if e.kind == "note"] == []


async def test_the_forms_store_notes_without_control_characters(login, store) -> None:  # type: ignore[no-untyped-def]
    async with login("pr") as c:
        page = "/mentions/demo-weibo:1"
        r = await form_post(c, page, "/mentions/demo-weibo:1/notes", {"text": TYPED})
        assert r.status_code == 303
        r = await form_post(c, page, "/mentions/demo-weibo:1/notes", {"text": "\x00 \x1f"})
        assert "A note needs some text." in (await c.get(r.headers["location"])).text
        r = await form_post(c, page, "/mentions/demo-weibo:1/handled", {"note": TYPED})
        assert r.status_code == 303
        case_page = f"/cases/{CASE_ID}"
        r = await form_post(c, case_page, f"{case_page}/note", {"value": TYPED})
        assert r.status_code == 303
        r = await form_post(c, case_page, f"{case_page}/note", {"value": "\x00"})
        assert "a note needs some text" in (await c.get(r.headers["location"])).text
    texts = [n["text"] for n in store.get_mention("demo-weibo:1").model_dump()["notes"]]
    assert texts == [STORED, STORED]  # the note, then the handled note
    assert [e.text for e in store.case_events(CASE_ID) if e.kind == "note"] == [STORED]


def test_the_actions_leave_control_characters_out_for_every_caller(store, config) -> None:  # type: ignore[no-untyped-def]
    event = actions.add_note(store, CASE_ID, "pr", TYPED)
    assert event.text == STORED
    with pytest.raises(actions.ActionError, match="a note cannot be empty"):
        actions.add_note(store, CASE_ID, "pr", "\x00\x07")
    with pytest.raises(actions.ActionError, match="say why"):
        actions.raise_severity(store, config, CASE_ID, "pr", "P1", "\x00")
