"""Storage of mentions and cases: one Store interface, SQLite and Elasticsearch backends."""

from __future__ import annotations

from urllib.parse import urlparse

from index.base import Store, StoreError, StoreUnavailable

__all__ = ["Store", "StoreError", "StoreUnavailable", "open_store"]


def open_store(url: str, **options: object) -> Store:
    """Open the backend named by ``url``: ``sqlite:///path/radar.db`` (embedded default)
    or ``http(s)://host:9200`` (Elasticsearch through the official client)."""
    scheme = urlparse(url).scheme
    if scheme == "sqlite":
        from index.sqlite import SQLiteStore

        return SQLiteStore(url, **options)  # type: ignore[arg-type]
    if scheme in ("http", "https"):
        from index.elastic import ElasticStore

        return ElasticStore(url, **options)  # type: ignore[arg-type]
    raise StoreError(
        f"unsupported store URL {url!r}: use sqlite:///path/radar.db or http(s)://host:9200"
    )
