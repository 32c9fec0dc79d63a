"""The v1 JSON API as integrators use it: versioned paths with the old ones kept, one error
shape, cursor paging of search, the NDJSON day export, the change feed, the rate limit."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import httpx
import pytest

from config.schema import WebConfig
from radar.web.app import create_app
from tests.web.conftest import NOW, api_token, mention

pytestmark = pytest.mark.anyio


def auth(role: str = "care") -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token(role)}"}


@pytest.fixture
def day(store):  # type: ignore[no-untyped-def]
    """250 mentions over the last day, one every 5 minutes."""
    store.upsert_mentions(
        mention(1000 + i, f"极光汽车 车主反馈 第{i}条", minutes_ago=2 + 5 * i) for i in range(250)
    )
    return store


async def test_v1_paths_and_the_old_ones_answer_alike(anon: httpx.AsyncClient) -> None:
    new = await anon.get("/api/v1/search", params={"q": "漏油"}, headers=auth())
    old = await anon.get("/api/search", params={"q": "漏油"}, headers=auth())
    assert new.status_code == old.status_code == 200
    assert new.json()["total"] == old.json()["total"] == 4
    doc = (await anon.get("/openapi.json", headers=auth())).json()
    assert "/api/v1/search" in doc["paths"] and "/api/search" not in doc["paths"]
    # the SimHash is unsigned 64-bit (11643055021526103365): typed so, not as an int64
    simhash = doc["components"]["schemas"]["Mention"]["properties"]["simhash"]
    assert {"type": "integer", "format": "uint64"} in simhash["anyOf"]


async def test_every_error_is_a_problem_document(anon: httpx.AsyncClient) -> None:
    answers = [
        await anon.get("/api/v1/search"),  # 401
        await anon.post("/api/v1/cases/case-aurora-1/resolve", headers=auth("exec")),  # 403
        await anon.get("/api/v1/mentions/demo-weibo:404", headers=auth()),  # 404
        await anon.get("/api/v1/search", params={"q": '"open'}, headers=auth()),  # 400
        await anon.get("/api/v1/search", params={"limit": 0}, headers=auth()),  # 422
        await anon.get("/api/v1/nothing-here", headers=auth()),  # 404 of the router
    ]
    for r in answers:
        assert r.headers["content-type"] == "application/problem+json", r.text
        body = r.json()
        assert body["status"] == r.status_code and body["detail"] and body["code"], body
    assert [r.status_code for r in answers] == [401, 403, 404, 400, 422, 404]
    assert answers[4].json()["errors"][0]["loc"] == ["query", "limit"]


async def test_an_address_or_method_no_call_serves_is_named(anon: httpx.AsyncClient) -> None:
    r = await anon.get("/api/v1/case", headers=auth())
    assert r.status_code == 404
    assert (
        r.json()["detail"] == "no API call at /api/v1/case (the calls are listed in /openapi.json)"
    )
    r = await anon.delete("/api/v1/search", headers=auth())
    assert r.status_code == 405 and r.headers["allow"] == "GET, HEAD"
    assert r.json()["detail"] == "DELETE is not allowed at /api/v1/search (allowed: GET, HEAD)"
    assert r.json()["code"] == "method_not_allowed"
    r = await anon.post(
        "/api/v1/mentions/demo-weibo:1/notes",
        content=b'{"text": "\xff\xfe"}',
        headers={**auth(), "content-type": "application/json"},
    )
    assert r.status_code == 400
    assert r.json()["detail"] == "request body: cannot be read as JSON in UTF-8"


async def test_a_brand_or_source_that_names_nothing_configured_is_noted(config, store) -> None:  # type: ignore[no-untyped-def]
    from config.sources import SourceConfig

    source = {"name": "demo-weibo", "kind": "feed", "base_url": "http://127.0.0.1:9"}
    cfg = config.model_copy(update={"sources": [SourceConfig.model_validate(source)]})
    app = create_app(cfg, store, clock=lambda: NOW)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as c:
        r = await c.get("/api/v1/search", params={"q": "brand:极光 source:weibo"}, headers=auth())
        assert r.status_code == 200 and r.json()["total"] == 0
        assert r.json()["notes"] == [
            "brand:极光 is not a configured brand or alias (the brands: 极光汽车, 清泉乳业)",
            "source:weibo is not a configured source (the sources: demo-weibo)",
        ]
        r = await c.get("/api/v1/search", params={"q": "漏油 brand:极光汽车"}, headers=auth())
        assert r.json()["total"] > 0 and r.json()["notes"] == []
        # kind: is the type of post; the search page explains kind:feed, the API did not
        r = await c.get("/api/v1/search", params={"q": "kind:feed"}, headers=auth())
        assert r.json()["total"] == 0
        assert r.json()["notes"] == [
            "kind:feed is the type of post (post, repost, comment, reply, article, complaint…), "
            "not the kind of source: search the feed sources with source:demo-weibo"
        ]
        r = await c.get("/api/v1/search", params={"q": "kind:comment"}, headers=auth())
        assert r.json()["notes"] == []


async def test_terms_without_times_is_a_clear_422_not_a_500(anon: httpx.AsyncClient) -> None:
    r = await anon.get("/api/v1/terms", params={"since": "", "until": ""}, headers=auth("exec"))
    assert r.status_code == 422 and "since" in r.json()["detail"]


async def test_search_pages_with_an_opaque_cursor(anon: httpx.AsyncClient, day) -> None:  # type: ignore[no-untyped-def]
    seen: list[str] = []
    params: dict[str, object] = {"q": "车主反馈", "limit": 100, "range": "all"}
    pages = 0
    while True:
        r = await anon.get("/api/v1/search", params=params, headers=auth())
        assert r.status_code == 200, r.text
        body = r.json()
        seen += [h["mention"]["id"] for h in body["hits"]]
        pages += 1
        if body["next_cursor"] is None:
            break
        # a mention arriving meanwhile does not shift the pages
        day.upsert_mentions([mention(5000 + pages, "极光汽车 车主反馈 新的", minutes_ago=0)])
        params = {"cursor": body["next_cursor"]}
    assert pages == 3 and len(seen) == len(set(seen)) == 250
    r = await anon.get("/api/v1/search", params={"cursor": "not-a-cursor"}, headers=auth())
    assert r.status_code == 400 and r.json()["detail"].startswith("cursor:")


async def test_the_day_export_streams_every_mention_once_and_resumes(anon, day) -> None:  # type: ignore[no-untyped-def]
    since = (NOW - timedelta(days=1)).isoformat()
    r = await anon.get("/api/v1/mentions", params={"since": since}, headers=auth())
    assert r.status_code == 200 and r.headers["content-type"] == "application/x-ndjson"
    lines = [json.loads(line) for line in r.text.splitlines()]
    ids = [line["mention"]["id"] for line in lines]
    assert len(ids) == len(set(ids)) and "demo-weibo:1000" in ids and "demo-weibo:7" not in ids
    times = [line["mention"]["published_at"] for line in lines]
    assert times == sorted(times)  # oldest first
    # each line's mention is what GET /mentions/{id} answers
    one = await anon.get(f"/api/v1/mentions/{ids[0]}", headers=auth())
    assert lines[0]["mention"] == one.json()
    # an interrupted download resumes after the last line it got
    part = await anon.get("/api/v1/mentions", params={"since": since, "limit": 100}, headers=auth())
    first = [json.loads(line) for line in part.text.splitlines()]
    rest = await anon.get(
        "/api/v1/mentions", params={"cursor": first[-1]["cursor"]}, headers=auth()
    )
    resumed = [m["mention"]["id"] for m in first] + [
        json.loads(line)["mention"]["id"] for line in rest.text.splitlines()
    ]
    assert resumed == ids
    bad = await anon.get("/api/v1/mentions", headers=auth())
    assert bad.status_code == 400 and "since" in bad.json()["detail"]


async def test_the_change_feed_gives_what_changed_since_the_last_pull(anon, store) -> None:  # type: ignore[no-untyped-def]
    r = await anon.get("/api/v1/changes", params={"limit": 1000}, headers=auth())
    first = r.json()
    assert {c["mention"]["id"] for c in first["changes"]} >= {"demo-weibo:1", "demo-tieba:4"}
    r = await anon.get("/api/v1/changes", params={"cursor": first["next_cursor"]}, headers=auth())
    assert r.json()["changes"] == [] and r.json()["next_cursor"] == first["next_cursor"]
    await anon.post(
        "/api/v1/mentions/demo-weibo:3/sentiment",
        json={"brand": "极光汽车", "label": "negative"},
        headers=auth(),
    )
    r = await anon.get("/api/v1/changes", params={"cursor": first["next_cursor"]}, headers=auth())
    (change,) = r.json()["changes"]
    assert change["mention"]["id"] == "demo-weibo:3" and change["what"] == ["correction"]


async def test_each_token_has_its_rate_limit(config, store) -> None:  # type: ignore[no-untyped-def]
    config.web.api_rate_limit = "3/minute"
    app = create_app(config, store, clock=lambda: NOW)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        answers = [await c.get("/api/v1/me", headers=auth("care")) for _ in range(4)]
        other = await c.get("/api/v1/me", headers=auth("pr"))
    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    assert answers[0].headers["RateLimit-Limit"] == "3"
    assert [r.headers["RateLimit-Remaining"] for r in answers[:3]] == ["2", "1", "0"]
    assert int(answers[3].headers["Retry-After"]) > 0
    assert answers[3].json()["code"] == "rate_limited"
    assert other.status_code == 200  # another token has its own budget


def test_a_rate_limit_the_config_cannot_read_is_refused() -> None:
    with pytest.raises(ValueError, match="not a rate limit: 'lots'"):
        WebConfig(api_rate_limit="lots")


async def test_the_digest_is_of_the_last_full_day(anon: httpx.AsyncClient) -> None:
    """The document and docs/web.md said 'default today'; the digest is of the last full
    day (the scheduled digest's), and today — not over yet — is a 400."""
    d = (await anon.get("/api/v1/digest", headers=auth("exec"))).json()
    # NOW is 2026-11-23 10:00 in Shanghai: the day before, midnight to midnight there
    since, until = (datetime.fromisoformat(d[k]) for k in ("since", "until"))
    assert (since, until) == (NOW - timedelta(hours=34), NOW - timedelta(hours=10))
    r = await anon.get("/api/v1/digest", params={"date": "2026-11-23"}, headers=auth("exec"))
    assert r.status_code == 400 and "latest full day is 2026-11-22" in r.json()["detail"]
    doc = (await anon.get("/openapi.json", headers=auth())).json()
    (param,) = doc["paths"]["/api/v1/digest"]["get"]["parameters"]
    assert "last full day" in param["description"] and "today" not in param["description"]
    bad_request = doc["paths"]["/api/v1/digest"]["get"]["responses"]["400"]
    assert "not over yet" in bad_request["description"]


async def test_the_digest_is_typed_in_the_document(anon: httpx.AsyncClient) -> None:
    """The digest's answer was documented as any object (a generated client got a dict);
    its fields are in the document now, and the answer matches them."""
    doc = (await anon.get("/openapi.json", headers=auth())).json()
    ok = doc["paths"]["/api/v1/digest"]["get"]["responses"]["200"]["content"]["application/json"]
    assert ok["schema"] == {"$ref": "#/components/schemas/Digest"}
    schemas = doc["components"]["schemas"]
    assert set(schemas["Digest"]["required"]) == {
        "since", "until", "brands", "incomplete", "open_cases", "no_data", "first_day", "note"
    }  # fmt: skip
    assert set(schemas["DigestBrand"]["required"]) >= {"mentions", "negative_change", "previous"}
    d = (await anon.get("/api/v1/digest", headers=auth("exec"))).json()
    assert d["since"].endswith("Z") and d["until"].endswith("Z")  # as every other time
    aurora = d["brands"]["极光汽车"]
    assert set(aurora) == set(schemas["DigestBrand"]["properties"])
    assert set(aurora["previous"]) == {"mentions", "negative", "stories"}
    assert set(d["incomplete"]) == {"day", "previous"}
    for case in d["open_cases"]:
        assert set(case) == {"id", "brand", "severity", "status", "title"}


async def test_the_document_names_every_problem_code(anon: httpx.AsyncClient) -> None:
    """The description listed the stable codes without method_not_allowed, the code of
    every 405 (DELETE /api/v1/search)."""
    from radar.web.problems import CODES

    doc = (await anon.get("/openapi.json", headers=auth())).json()
    for code in CODES.values():
        assert f"`{code}`" in doc["info"]["description"], code


async def test_a_cursor_of_another_call_is_refused_naming_the_call(anon: httpx.AsyncClient) -> None:
    """'cursor: not a cursor of this export (pass next_cursor as is)' for GET /mentions,
    which hands out a cursor per line and no next_cursor (and 'of this changes')."""
    page = (await anon.get("/api/v1/search", params={"limit": 1}, headers=auth())).json()
    search_cursor = page["next_cursor"]
    changes_cursor = (await anon.get("/api/v1/changes", headers=auth())).json()["next_cursor"]
    expected = {
        "/api/v1/mentions": (search_cursor, "GET /mentions (pass a line's cursor as is)"),
        "/api/v1/changes": (search_cursor, "GET /changes (pass its next_cursor as is)"),
        "/api/v1/search": (changes_cursor, "GET /search (pass its next_cursor as is)"),
    }
    for path, (cursor, whose) in expected.items():
        r = await anon.get(path, params={"cursor": cursor}, headers=auth())
        assert r.status_code == 400
        assert r.json()["detail"] == f"cursor: not a cursor of {whose}"


async def test_error_answers_carry_the_rate_limit_headers_too(config, store) -> None:  # type: ignore[no-untyped-def]
    """'Every answer carries RateLimit-*': a 400, 404, 409 or 422 went out without them
    (made by an exception handler), though each counted against the token's budget."""
    config.web.api_rate_limit = "10/minute"
    app = create_app(config, store, clock=lambda: NOW)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        answers = [
            await c.get("/api/v1/search", headers=auth()),
            await c.get("/api/v1/search", params={"q": '"open'}, headers=auth()),
            await c.get("/api/v1/search", params={"limit": 0}, headers=auth()),
            await c.get("/api/v1/mentions/demo-weibo:404", headers=auth()),
            await c.post("/api/v1/cases/case-aurora-1/close", headers=auth("pr")),
            await c.post("/api/v1/cases/case-aurora-1/resolve", headers=auth()),  # care: 403
        ]
        anonymous = await c.get("/api/v1/search")
    assert [r.status_code for r in answers] == [200, 400, 422, 404, 409, 403]
    for r in answers:
        assert r.headers["RateLimit-Limit"] == "10", r.status_code
        assert "RateLimit-Reset" in r.headers
    care = [r.headers["RateLimit-Remaining"] for i, r in enumerate(answers) if i != 4]
    assert care == ["9", "8", "7", "6", "5"]
    assert answers[4].headers["RateLimit-Remaining"] == "9"  # pr's own budget
    assert len(answers[0].headers.get_list("RateLimit-Limit")) == 1  # not twice on a 200
    assert "RateLimit-Limit" not in anonymous.headers  # nobody to count: 401


async def test_405_and_unknown_path_answers_carry_the_rate_limit_headers(config, store) -> None:  # type: ignore[no-untyped-def]
    """The router's own 405 (a method the path does not serve) and 404 (no call at the
    path) under /api/ ran no route: they went out without RateLimit-* and uncounted."""
    config.web.api_rate_limit = "3/minute"
    app = create_app(config, store, clock=lambda: NOW)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        answers = [
            await c.delete("/api/v1/me", headers=auth()),
            await c.get("/api/v1/no-such-call", headers=auth()),
            await c.get("/api/no-such-call", headers=auth()),  # the legacy prefix too
            await c.put("/api/v1/search", headers=auth()),
        ]
        anonymous = await c.get("/api/v1/no-such-call")
        page = await c.get("/no-such-page", headers=auth())
    assert [r.status_code for r in answers] == [405, 404, 404, 429]
    assert [r.headers["RateLimit-Remaining"] for r in answers] == ["2", "1", "0", "0"]
    for r in answers:
        assert r.headers["RateLimit-Limit"] == "3" and "RateLimit-Reset" in r.headers
    assert answers[0].headers["allow"] == "GET, HEAD"
    assert answers[3].json()["code"] == "rate_limited" and int(answers[3].headers["Retry-After"])
    assert "RateLimit-Limit" not in anonymous.headers  # nobody to count
    assert page.status_code == 404 and "RateLimit-Limit" not in page.headers  # not the API


async def test_get_on_a_mentions_action_path_is_a_405(anon: httpx.AsyncClient) -> None:
    """GET /api/v1/mentions/{id}/notes answered 404 'no mention with id '…/notes'' for a
    mention that exists: the GET route's {mention_id:path} took the action path."""
    r = await anon.get("/api/v1/mentions/demo-weibo:1/notes", headers=auth())
    assert r.status_code == 405 and r.headers["allow"] == "POST"
    assert r.json()["code"] == "method_not_allowed"
    assert "GET /api/v1/mentions/demo-weibo:1 has the mention" in r.json()["detail"]
    r = await anon.get("/api/v1/mentions/demo-weibo:404/notes", headers=auth())
    assert r.status_code == 404  # no such mention at all
    assert (await anon.get("/api/v1/mentions/demo-weibo:1", headers=auth())).status_code == 200
    doc = (await anon.get("/openapi.json", headers=auth())).json()
    assert "405" in doc["paths"]["/api/v1/mentions/{mention_id}"]["get"]["responses"]


async def test_answer_fields_that_are_always_there_are_required(anon: httpx.AsyncClient) -> None:
    """Mention listed 4 of its 25 fields as required (those without a default), Case 3 of
    21: a generated client typed the rest (brands, status, handled …) as maybe unset,
    though every answer has them all (so SearchOut's next_cursor and notes, Problem's
    errors …)."""
    doc = (await anon.get("/openapi.json", headers=auth())).json()
    schemas = doc["components"]["schemas"]
    for name, schema in schemas.items():
        if name.endswith("In") or "properties" not in schema:  # request bodies: defaults
            continue
        assert set(schema["required"]) == set(schema["properties"]), name
    assert "Mention-Input" not in schemas and "Mention-Output" not in schemas
    m = (await anon.get("/api/v1/mentions/demo-weibo:1", headers=auth())).json()
    assert set(m) == set(schemas["Mention"]["properties"])


async def test_the_document_links_a_hit_to_its_mention_and_a_case_to_its_calls(
    anon: httpx.AsyncClient,
) -> None:
    """OpenAPI links: the ids the next calls take are nested in the answers (hits[0].mention.id,
    open[0].case.id), so nothing could follow them (Schemathesis covered 0 of its links)."""
    doc = (await anon.get("/openapi.json", headers=auth())).json()
    search = doc["paths"]["/api/v1/search"]["get"]["responses"]["200"]["links"]
    assert search["mention"] == {
        "operationId": "mention",
        "parameters": {"mention_id": "$response.body#/hits/0/mention/id"},
    }
    assert {"mark_handled", "mention_note", "correct_sentiment", "attach"} <= set(search)
    board = doc["paths"]["/api/v1/cases"]["get"]["responses"]["200"]["links"]
    assert set(board) == {
        "case",
        "summary",
        "acknowledge",
        "assign",
        "case_note",
        "resolve",
        "close",
    }
    assert board["close"]["parameters"] == {"case_id": "$response.body#/open/0/case/id"}
    ids = {op["operationId"] for ops in doc["paths"].values() for op in ops.values()}
    assert {link["operationId"] for link in [*search.values(), *board.values()]} <= ids
    # and they resolve in a real answer
    hits = (await anon.get("/api/v1/search", params={"q": "漏油"}, headers=auth())).json()["hits"]
    assert (
        await anon.get(f"/api/v1/mentions/{hits[0]['mention']['id']}", headers=auth())
    ).status_code == 200


async def test_a_range_counts_back_from_until(day, anon, login) -> None:  # type: ignore[no-untyped-def]
    """range=1h with until ten hours ago answered since=(now - 1h) > until and no hits; the
    range is the hour before until now, on the API, its export and the search page alike."""
    until = (NOW - timedelta(hours=10)).isoformat()
    params = {"q": "极光汽车", "range": "1h", "until": until}
    r = await anon.get("/api/v1/search", params=params, headers=auth())
    body = r.json()
    assert r.status_code == 200 and body["total"] == 12  # one every 5 minutes
    assert datetime.fromisoformat(body["since"]) == NOW - timedelta(hours=11)
    export = await anon.get("/api/v1/search/export.csv", params=params, headers=auth())
    assert len(export.text.strip().splitlines()) == 1 + 12
    async with login("care") as c:
        page = await c.get("/search", params=params)
    assert "12 mentions" in page.text
    # an until still to come counts back from now, as before
    later = {**params, "until": (NOW + timedelta(hours=5)).isoformat()}
    body = (await anon.get("/api/v1/search", params=later, headers=auth())).json()
    assert datetime.fromisoformat(body["since"]) == NOW - timedelta(hours=1)


async def test_a_mentions_notes_are_described_in_the_document(anon: httpx.AsyncClient) -> None:
    """Mention.notes was an array of objects of anything: each is {by, at, text}."""
    doc = (await anon.get("/openapi.json", headers=auth())).json()
    item = doc["components"]["schemas"]["Mention"]["properties"]["notes"]["items"]
    assert item["required"] == ["by", "at", "text"]
    assert item["properties"]["at"] == {"type": "string", "format": "date-time"}
    r = await anon.post(
        "/api/v1/mentions/demo-weibo:1/notes", json={"text": "已联系车主"}, headers=auth()
    )
    (note,) = r.json()["notes"]
    assert set(note) == {"by", "at", "text"} and note["by"] == "care"
    assert datetime.fromisoformat(note["at"]).utcoffset() is not None


async def test_what_a_case_waits_for_is_an_enum(anon: httpx.AsyncClient) -> None:
    """BoardItem.due was any string (described as 'acknowledge' or 'update')."""
    doc = (await anon.get("/openapi.json", headers=auth())).json()
    due = doc["components"]["schemas"]["BoardItem"]["properties"]["due"]
    assert {"type": "string", "enum": ["acknowledge", "update"]} in due["anyOf"]
    board = (await anon.get("/api/v1/cases", headers=auth())).json()
    assert board["open"] and {item["due"] for item in board["open"]} <= {"acknowledge", "update"}


async def test_the_security_scheme_names_where_tokens_come_from(anon: httpx.AsyncClient) -> None:
    """It named only `radar web new-token` (a configured user's token), not the integration
    tokens of /admin/tokens and `radar web token create` the description recommends."""
    doc = (await anon.get("/openapi.json", headers=auth())).json()
    scheme = doc["components"]["securitySchemes"]["HTTPBearer"]
    assert scheme["scheme"] == "bearer"
    assert "/admin/tokens" in scheme["description"]
    assert "radar web token create" in scheme["description"]


async def test_marking_handled_can_be_undone(anon: httpx.AsyncClient) -> None:
    """The care desk's 撤销已处理 had no API call: an integration that marked a mention
    handled (a rule of its own gone wrong, a whole page of them) had no way back."""
    url = "/api/v1/mentions/demo-weibo:1"
    r = await anon.post(f"{url}/handled", json={"note": "已回复车主"}, headers=auth())
    assert r.status_code == 200 and r.json()["handled"] is True
    r = await anon.post(f"{url}/unhandled", headers=auth())
    assert r.status_code == 200, r.text
    undone = r.json()
    assert (undone["handled"], undone["handled_by"], undone["handled_at"]) == (False, None, None)
    assert [n["text"] for n in undone["notes"]] == ["已回复车主"]  # the notes stay
    assert (await anon.get(url, headers=auth())).json()["handled"] is False
    r = await anon.get("/api/v1/search", params={"q": "漏油", "range": "all"}, headers=auth())
    assert r.status_code == 200
    # who may, what does not exist, a GET on the action path
    r = await anon.post(f"{url}/unhandled", headers=auth("exec"))
    assert r.status_code == 403 and "handle" in r.json()["detail"]
    r = await anon.post("/api/v1/mentions/demo-weibo:404/unhandled", headers=auth())
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    r = await anon.get(f"{url}/unhandled", headers=auth())
    assert r.status_code == 405 and r.headers["allow"] == "POST"
    doc = (await anon.get("/openapi.json", headers=auth())).json()
    operation = doc["paths"]["/api/v1/mentions/{mention_id}/unhandled"]["post"]
    assert operation["operationId"] == "mark_unhandled"
    links = doc["paths"]["/api/v1/search"]["get"]["responses"]["200"]["links"]
    assert links["mark_unhandled"]["operationId"] == "mark_unhandled"


@pytest.mark.parametrize(
    ("sent", "detail"),
    [
        # curl -d: a form
        (
            {"data": {"text": "已回复"}},
            "must be a JSON object sent with Content-Type: application/json "
            "(it came as 'application/x-www-form-urlencoded')",
        ),
        # JSON, but sent as text/plain (a fetch() without headers)
        (
            {"content": '{"text": "已回复"}'.encode(), "headers": {"content-type": "text/plain"}},
            "must be a JSON object sent with Content-Type: application/json "
            "(it came as 'text/plain')",
        ),
        ({"json": "已回复"}, "must be a JSON object ({...}), not a string"),
        ({"json": ["已回复"]}, "must be a JSON object ({...}), not an array"),
        ({}, "required: a JSON object (Content-Type: application/json)"),
    ],
)
async def test_a_body_that_is_no_json_object_is_named_with_the_fix(
    anon: httpx.AsyncClient, sent: dict, detail: str
) -> None:
    """A body sent as a form or as text/plain read 'request body: Input should be a valid
    dictionary or object to extract fields from', and none 'request body: Field
    required': neither named JSON nor the content type it came as."""
    headers = {**auth(), **sent.pop("headers", {})}
    r = await anon.post("/api/v1/mentions/demo-weibo:1/notes", headers=headers, **sent)
    assert r.status_code == 422 and r.json()["code"] == "invalid_request"
    assert r.json()["detail"] == f"request body: {detail}"
    assert r.json()["errors"][0]["loc"] == ["body"]  # the fields list stays FastAPI's
    r = await anon.post(
        "/api/v1/mentions/demo-weibo:1/notes",
        content='{"text": "已回复"}'.encode(),
        headers={**auth(), "content-type": "application/json; charset=utf-8"},
    )
    assert r.status_code == 200 and r.json()["notes"][-1]["text"] == "已回复"


async def test_handling_and_notes_are_not_in_the_change_feed_and_it_says_so(anon) -> None:  # type: ignore[no-untyped-def]
    """An integration copying handled state through /changes saw nothing move and could
    not tell why: the feed carries material changes only (docs/storage.md), which the
    API's own description did not say."""
    r = await anon.get("/api/v1/changes", params={"limit": 1000}, headers=auth())
    cursor = r.json()["next_cursor"]
    url = "/api/v1/mentions/demo-weibo:2"
    await anon.post(f"{url}/handled", json={"note": "已回复"}, headers=auth())
    await anon.post(f"{url}/notes", json={"text": "客户已满意"}, headers=auth())
    await anon.post(f"{url}/unhandled", headers=auth())
    r = await anon.get("/api/v1/changes", params={"cursor": cursor}, headers=auth())
    assert r.json()["changes"] == []
    doc = (await anon.get("/openapi.json", headers=auth())).json()
    described = doc["paths"]["/api/v1/changes"]["get"]["description"]
    assert "Marking handled" in described and "notes are not changes" in described
