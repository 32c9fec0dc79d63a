"""The sorts people are offered come from one list, index.base.SORTS: the search page's
menu and its check, the API's enum (and its OpenAPI document) and ``radar search --sort``
were typed out by hand beside it. The Store's own "oldest" (f3980ea) is offered by none
of them: their cursors and pages run newest first."""

from __future__ import annotations

import re

import click
import httpx
import pytest

from index.base import SORTS, STORE_SORTS
from radar.commands.search import search as search_command
from radar.web.search import SORT_OPTIONS
from tests.web.conftest import api_token

pytestmark = pytest.mark.anyio

AUTH = {"Authorization": f"Bearer {api_token('care')}"}


def test_the_public_sorts_leave_the_stores_own_out() -> None:
    assert "oldest" in STORE_SORTS and "oldest" not in SORTS
    assert set(SORTS) < set(STORE_SORTS)


def test_the_cli_offers_the_public_sorts() -> None:
    (option,) = [p for p in search_command.params if p.name == "sort"]
    assert isinstance(option.type, click.Choice)
    assert tuple(option.type.choices) == SORTS


async def test_the_search_page_offers_the_public_sorts(login) -> None:  # type: ignore[no-untyped-def]
    assert [value for value, _ in SORT_OPTIONS] == list(SORTS)
    async with login("care") as c:
        page = (await c.get("/search", params={"q": "漏油", "sort": "reach"})).text
        oldest = await c.get("/search", params={"q": "漏油", "sort": "oldest"})
        export = await c.get("/search/export.csv", params={"q": "漏油", "sort": "oldest"})
    menu = page.split('<select name="sort"')[1].split("</select>")[0]
    assert re.findall(r'<option value="([^"]*)"', menu) == list(SORTS)
    assert '<option value="reach" selected>' in menu
    assert "newest first" in menu and "widest reach first" in menu  # named as orders
    for r in (oldest, export):
        assert r.status_code == 400
        assert "sort: must be one of time, relevance, reach" in r.text


async def test_the_api_offers_the_public_sorts(anon: httpx.AsyncClient) -> None:
    schema = (await anon.get("/openapi.json", headers=AUTH)).json()
    search = schema["paths"]["/api/v1/search"]["get"]["parameters"]
    (sort,) = [p for p in search if p["name"] == "sort"]
    ref = sort["schema"].get("$ref") or sort["schema"]["allOf"][0]["$ref"]
    enum = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]["enum"]
    assert enum == list(SORTS)
    r = await anon.get("/api/v1/search", params={"q": "漏油", "sort": "oldest"}, headers=AUTH)
    assert r.status_code == 422, r.text
    assert r.json()["detail"] == "query.sort: Input should be 'time', 'relevance' or 'reach'"
