"""Correcting the sentiment toward a brand: POST /api/mentions/{id}/sentiment (roles,
CSRF on the session, errors), and every figure follows at once (search, executive
figures the cache held)."""

from __future__ import annotations

import httpx
import pytest

from index.models import BrandMatch, Sentiment
from tests.web.conftest import CASE_ID, api_token, csrf_of, mention

pytestmark = pytest.mark.anyio
AURORA, DAIRY = "极光汽车", "清泉乳业"


def auth(role: str = "care") -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token(role)}"}


async def correct(
    client: httpx.AsyncClient, mid: str, brand: str, label: str | None, role: str = "care"
) -> httpx.Response:
    return await client.post(
        f"/api/mentions/{mid}/sentiment", json={"brand": brand, "label": label}, headers=auth(role)
    )


async def hits(client: httpx.AsyncClient, q: str) -> set[str]:
    r = await client.get("/api/search", params={"q": q}, headers=auth())
    assert r.status_code == 200, r.text
    return {h["mention"]["id"] for h in r.json()["hits"]}


async def test_a_correction_is_stored_shown_and_searched(anon: httpx.AsyncClient, store) -> None:  # type: ignore[no-untyped-def]
    assert "demo-weibo:2" in await hits(anon, f"brand:{AURORA} sentiment:negative")
    r = await correct(anon, "demo-weibo:2", AURORA, "neutral")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["id"] == "demo-weibo:2"
    (match,) = body["brands"]
    assert match["brand"] == AURORA
    assert match["correction"]["label"] == "neutral" and match["correction"]["by"] == "care"
    assert match["correction"]["at"].startswith("2026-11-23T02:00")
    assert body["sentiment"]["label"] == "negative"  # the document's stays the model's

    shown = (await anon.get("/api/mentions/demo-weibo:2", headers=auth("exec"))).json()
    assert shown["brands"][0]["correction"]["label"] == "neutral"
    assert "demo-weibo:2" not in await hits(anon, f"brand:{AURORA} sentiment:negative")
    assert "demo-weibo:2" in await hits(anon, f"brand:{AURORA} sentiment:neutral")
    assert store.get_mention("demo-weibo:2").brand_sentiment(AURORA) == "neutral"

    r = await correct(anon, "demo-weibo:2", AURORA, None, role="pr")  # null clears
    assert r.status_code == 200 and r.json()["brands"][0]["correction"] is None
    assert "demo-weibo:2" in await hits(anon, f"brand:{AURORA} sentiment:negative")
    r = await correct(anon, "demo-weibo:2", AURORA, "positive", role="admin")
    assert r.status_code == 200


async def test_a_brand_may_be_named_by_its_alias(config, store) -> None:  # type: ignore[no-untyped-def]
    """As brand: in the search box: 极光SUV means 极光汽车 (it was a 400 'does not name')."""
    from config.schema import BrandConfig
    from radar.web.app import create_app
    from tests.web.conftest import NOW

    brands = [BrandConfig(name=AURORA, aliases=["极光SUV"]), BrandConfig(name=DAIRY)]
    app = create_app(config.model_copy(update={"brands": brands}), store, clock=lambda: NOW)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as c:
        r = await correct(c, "demo-weibo:2", "极光suv", "positive")
    assert r.status_code == 200, r.text
    assert r.json()["brands"][0]["correction"]["label"] == "positive"
    assert store.get_mention("demo-weibo:2").brand_sentiment(AURORA) == "positive"


async def test_the_model_sentiment_toward_each_brand_is_in_the_mention(anon, store) -> None:  # type: ignore[no-untyped-def]
    both = mention(20, "极光汽车很好，清泉酸奶难喝", label="neutral").model_copy(
        update={
            "brands": [
                BrandMatch(brand=AURORA, sentiment=Sentiment(score=0.9, label="positive")),
                BrandMatch(brand=DAIRY, sentiment=Sentiment(score=0.1, label="negative")),
            ]
        }
    )
    store.upsert_mentions([both])
    shown = (await anon.get("/api/mentions/demo-weibo:20", headers=auth())).json()
    toward = {b["brand"]: b["sentiment"]["label"] for b in shown["brands"]}
    assert toward == {AURORA: "positive", DAIRY: "negative"}
    assert "demo-weibo:20" in await hits(anon, f"brand:{DAIRY} sentiment:negative")
    assert "demo-weibo:20" not in await hits(anon, f"brand:{AURORA} sentiment:negative")
    r = await correct(anon, "demo-weibo:20", DAIRY, "neutral")
    assert r.status_code == 200
    assert "demo-weibo:20" not in await hits(anon, "sentiment:negative")


async def test_errors_name_what_is_wrong(anon: httpx.AsyncClient) -> None:
    r = await correct(anon, "demo-tieba:404", AURORA, "negative")
    assert r.status_code == 404 and "demo-tieba:404" in r.json()["detail"]
    r = await correct(anon, "demo-tieba:4", AURORA, "negative")
    assert r.status_code == 400
    assert r.json()["detail"] == (
        f"brand: mention 'demo-tieba:4' does not name '{AURORA}' (it names {DAIRY})"
    )
    r = await correct(anon, "demo-tieba:4", DAIRY, "angry")
    assert r.status_code == 422 and "label" in r.json()["detail"]
    r = await anon.post(
        "/api/mentions/demo-tieba:4/sentiment", json={"label": "negative"}, headers=auth()
    )
    assert r.status_code == 422 and "brand" in r.json()["detail"]
    only_brand = {"brand": DAIRY}
    r = await anon.post("/api/mentions/demo-tieba:4/sentiment", json=only_brand, headers=auth())
    assert r.status_code == 422 and "label" in r.json()["detail"]  # null clears; absent is a slip


async def test_only_care_pr_and_admin_may_correct(anon: httpx.AsyncClient, store) -> None:  # type: ignore[no-untyped-def]
    r = await correct(anon, "demo-weibo:1", AURORA, "positive", role="exec")
    assert r.status_code == 403 and "correct_sentiment" in r.json()["detail"]
    r = await anon.post(
        "/api/mentions/demo-weibo:1/sentiment", json={"brand": AURORA, "label": "positive"}
    )
    assert r.status_code == 401
    assert store.get_mention("demo-weibo:1").brands[0].correction is None
    me = (await anon.get("/api/me", headers=auth("exec"))).json()
    assert "correct_sentiment" not in me["permissions"]
    me = (await anon.get("/api/me", headers=auth("care"))).json()
    assert "correct_sentiment" in me["permissions"]


async def test_a_browser_session_needs_the_csrf_header(login, store) -> None:  # type: ignore[no-untyped-def]
    async with login("care") as c:
        body = {"brand": AURORA, "label": "positive"}
        r = await c.post("/api/mentions/demo-weibo:1/sentiment", json=body)
        assert r.status_code == 403 and "CSRF" in r.text
        token = csrf_of((await c.get("/search")).text)
        r = await c.post(
            "/api/mentions/demo-weibo:1/sentiment", json=body, headers={"x-csrftoken": token}
        )
        assert r.status_code == 200, r.text
    assert store.get_mention("demo-weibo:1").brand_sentiment(AURORA) == "positive"


async def test_cached_executive_figures_change_at_once(anon: httpx.AsyncClient) -> None:
    async def negatives() -> tuple[int, int, int]:
        params = {"brand": AURORA, "days": "1", "terms": "false"}
        one = await anon.get("/api/overview", params=params, headers=auth("exec"))
        every = await anon.get(
            "/api/overview", params={**params, "brand": ""}, headers=auth("exec")
        )
        case = await anon.get(
            f"/api/cases/{CASE_ID}/summary", params={"terms": "false"}, headers=auth("exec")
        )
        assert one.status_code == every.status_code == case.status_code == 200
        return (
            one.json()["figures"]["negative"],
            every.json()["figures"]["negative"],
            case.json()["figures"]["negative"],
        )

    before = await negatives()
    assert before == await negatives()  # now served from the cache
    assert (await correct(anon, "demo-weibo:2", AURORA, "positive")).status_code == 200
    after = await negatives()
    assert after == tuple(n - 1 for n in before)
    spreaders = (
        await anon.get(
            "/api/overview", params={"brand": AURORA, "terms": "false"}, headers=auth("exec")
        )
    ).json()["figures"]["spreaders"]
    assert next(a for a in spreaders if a["id"] == "u2")["negative"] == 0
