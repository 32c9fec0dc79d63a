"""API tokens per integration: made and revoked by an admin in the web UI and with
`radar web token`, kept hashed in the store, limited to their scope; YAML tokens keep
working beside them."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import yaml
from click.testing import CliRunner

from radar.cli import cli
from radar.web import tokens
from tests.web.conftest import CASE_ID, api_token, csrf_of

pytestmark = pytest.mark.anyio
TOKEN = re.compile(r'<code id="new-token">([^<]+)</code>')


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def make_token(client: httpx.AsyncClient, name: str, scope: str) -> str:
    page = await client.get("/admin/tokens")
    r = await client.post(
        "/admin/tokens", data={"name": name, "scope": scope, "csrftoken": csrf_of(page.text)}
    )
    assert r.status_code == 200, r.text
    found = TOKEN.search(r.text)
    assert found, r.text
    return found.group(1)


async def test_admin_makes_scoped_tokens_and_revokes_them(login, anon, store) -> None:  # type: ignore[no-untyped-def]
    async with login("admin") as admin:
        reader = await make_token(admin, "bi-dashboard", "read")
        worker = await make_token(admin, "工单系统", "cases")
        listed = (await admin.get("/admin/tokens")).text
    assert "bi-dashboard" in listed and "工单系统" in listed
    assert reader not in listed and worker not in listed  # shown once, on creation only
    stored = str(store.get_cursor(tokens.RECORD))
    assert reader not in stored and tokens.token_hash(reader) in stored

    me = (await anon.get("/api/v1/me", headers=bearer(reader))).json()
    assert me["role"] == "integration" and "case_action" not in me["permissions"]
    assert (await anon.get("/api/v1/search", headers=bearer(reader))).status_code == 200
    ack = f"/api/v1/cases/{CASE_ID}/acknowledge"
    refused = await anon.post(ack, headers=bearer(reader))
    assert refused.status_code == 403 and "case_action" in refused.json()["detail"]
    assert (await anon.post(ack, headers=bearer(worker))).status_code == 200
    # the YAML tokens keep working
    assert (await anon.get("/api/v1/me", headers=bearer(api_token("pr")))).status_code == 200

    (record,) = [t for t in tokens.load(store) if t.name == "bi-dashboard"]
    async with login("admin") as admin:
        page = await admin.get("/admin/tokens")
        r = await admin.post(
            f"/admin/tokens/{record.id}/revoke", data={"csrftoken": csrf_of(page.text)}
        )
        assert r.status_code == 303
        row = (await admin.get("/admin/tokens")).text.split(record.id)[1].split("</tr>")[0]
    # who made and revoked it, by display name as on every other page
    assert row.count("ADMIN user") == 2 and " admin<" not in row, row
    assert (await anon.get("/api/v1/search", headers=bearer(reader))).status_code == 401
    assert (await anon.get("/api/v1/search", headers=bearer(worker))).status_code == 200


async def test_only_admins_manage_tokens(login) -> None:  # type: ignore[no-untyped-def]
    async with login("pr") as pr:
        assert (await pr.get("/admin/tokens")).status_code == 403


def test_the_cli_makes_lists_and_revokes_tokens(tmp_path: Path) -> None:
    config = tmp_path / "radar.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "brands": [{"name": "极光汽车", "keywords": ["极光X7"]}],
                "store": {"url": f"sqlite:///{tmp_path}/radar.db"},
            }
        ),
        encoding="utf-8",
    )
    run = CliRunner().invoke
    made = run(
        cli, ["web", "token", "create", "zendesk", "--scope", "cases", "--config", str(config)]
    )
    assert made.exit_code == 0, made.output
    token_id = re.search(r"id:\s+(\S+)", made.output).group(1)
    assert re.search(r"token: (\S+)", made.output)
    listed = run(cli, ["web", "token", "list", "--config", str(config)])
    assert "zendesk  cases" in listed.output and "active" in listed.output
    # named UTC: 'made 2026-12-05T00:26' read as local time in Shanghai, eight hours off
    assert re.search(r"made \d{4}-\d\d-\d\d \d\d:\d\d UTC  active", listed.output)
    revoked = run(cli, ["web", "token", "revoke", token_id, "--config", str(config)])
    assert revoked.exit_code == 0 and "revoked" in revoked.output
    relisted = run(cli, ["web", "token", "list", "--config", str(config)]).output
    assert re.search(r"revoked \d{4}-\d\d-\d\d \d\d:\d\d UTC by cli", relisted)
    unknown = run(cli, ["web", "token", "revoke", "tok-none", "--config", str(config)])
    assert unknown.exit_code != 0 and "no API token" in unknown.output
    bad = run(cli, ["web", "token", "create", "x", "--scope", "all", "--config", str(config)])
    assert bad.exit_code != 0


async def test_the_token_list_shows_times_in_the_deployments_zone(login, store) -> None:  # type: ignore[no-untyped-def]
    """Made and revoked as the other pages show times (Asia/Shanghai), not stored UTC."""
    made = datetime(2026, 11, 23, 2, 5, tzinfo=UTC)  # 10:05 in Shanghai
    record, _ = tokens.create(store, "crm", "read", "admin", now=made)
    tokens.revoke(store, record.id, "admin", now=datetime(2026, 11, 23, 3, 0, tzinfo=UTC))
    async with login("admin") as admin:
        listed = (await admin.get("/admin/tokens")).text
    assert "10:05" in listed and "11:00" in listed
    assert "2026-11-23T02:05" not in listed
