"""The ``store`` fixture: every contract test runs once per backend.

SQLite always runs (a fresh file per test). Elasticsearch runs when ``RADAR_ES_URL`` is
set, against a unique index prefix per test that is dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from index import Store, open_store


@pytest.fixture(params=["sqlite", "elasticsearch"])
def store(request: pytest.FixtureRequest, tmp_path) -> Iterator[Store]:
    if request.param == "sqlite":
        backend = open_store(f"sqlite:///{tmp_path}/radar.db")
    else:
        url = os.environ.get("RADAR_ES_URL")
        if not url:
            pytest.skip(
                "RADAR_ES_URL not set: the Elasticsearch backend runs the contract suite "
                "only against a cluster (or the noida-db stand-in) named by RADAR_ES_URL"
            )
        backend = open_store(url, index_prefix=f"radar-test-{uuid.uuid4().hex[:12]}")
    try:
        yield backend
    finally:
        drop_all = getattr(backend, "drop_all", None)
        try:
            if callable(drop_all):
                drop_all()
        finally:
            backend.close()
