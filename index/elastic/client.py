"""Talking to the cluster: the transport that lets the 9.x client speak to an 8.x
server, the cluster URL without its password, client errors turned into
``StoreUnavailable`` / ``StoreError`` (``_guarded``, on every public method of the
store's parts), and the request-size limits and chunking several parts share.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlparse, urlunparse

from elastic_transport import Transport
from elasticsearch import (
    ApiError,
    AuthenticationException,
    AuthorizationException,
    TransportError,
)
from elasticsearch import __versionstr__ as client_version

from index.base import StoreError, StoreUnavailable

if TYPE_CHECKING:
    from index.elastic.store import ElasticStore

T = TypeVar("T")

CLIENT_MAJOR = int(client_version.split(".")[0])

MAX_READ_BATCH = 1000  # ids per lookup request
MAX_RESULT_WINDOW = 10_000  # index.max_result_window default: from + size may not pass it


class _CompatTransport(Transport):
    """Lets the 9.x client talk to an 8.x cluster: the client marks every request
    ``compatible-with=<client major>``, which an 8.x server refuses; once the server's
    major version is known, the marker is rewritten to it (REST API compatibility)."""

    server_major: int | None = None

    def perform_request(self, method: str, target: str, **kwargs: Any) -> Any:
        headers = kwargs.get("headers")
        if self.server_major is not None and headers:
            marker = f"compatible-with={self.server_major}"
            kwargs["headers"] = {
                k: re.sub(r"compatible-with=\d+", marker, v) if isinstance(v, str) else v
                for k, v in dict(headers).items()
            }
        return super().perform_request(method, target, **kwargs)


def _public_url(url: str) -> str:
    """The URL without a password, for error messages and ``store.url``."""
    parts = urlparse(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunparse(parts._replace(netloc=netloc))


def _es_error(err: ApiError) -> str:
    info = err.info if isinstance(err.info, dict) else {}
    cause = info.get("error", {})
    if isinstance(cause, dict):
        return f"{err.meta.status} {cause.get('type', '')}: {cause.get('reason', '')}".strip()
    return f"{err.meta.status} {err.message}"


def _guarded(method: Callable[..., T]) -> Callable[..., T]:
    """Turn client errors into StoreUnavailable / StoreError naming the cluster URL."""

    @functools.wraps(method)
    def wrapper(self: ElasticStore, *args: Any, **kwargs: Any) -> T:
        try:
            return method(self, *args, **kwargs)
        except TransportError as err:  # connection refused, timeout, TLS, DNS
            raise StoreUnavailable(
                f"Elasticsearch at {self.url} is unreachable ({type(err).__name__}: {err}); "
                "retry later (every document is written whole or not at all, and upserts "
                "are idempotent by id)"
            ) from err
        except (AuthenticationException, AuthorizationException) as err:
            raise StoreError(
                f"Elasticsearch at {self.url} refused the credentials: {_es_error(err)} "
                "(check store.username/password/api_key)"
            ) from err
        except ApiError as err:
            raise StoreError(
                f"Elasticsearch at {self.url} failed {method.__name__}: {_es_error(err)}"
            ) from err

    return wrapper


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


_ANY_INDEX: dict[str, Any] = {
    "ignore_unavailable": True,
    "allow_no_indices": True,
}  # none yet: no hits
