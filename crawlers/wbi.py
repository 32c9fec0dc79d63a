"""WBI signing of Bilibili web API requests (``wts`` + ``w_rid``).

Since March 2023 the site's web search and comment endpoints
(``/x/web-interface/wbi/search/type``, ``/x/v2/reply/wbi/main``) want every query
signed; an unsigned or wrongly signed one is answered -352 "风控校验失败" (or a
``v_voucher``). The algorithm, as SocialSisterYi/bilibili-API-collect documents it
(docs/misc/sign/wbi.md) and the site's own JavaScript does it:

1. ``GET /x/web-interface/nav`` (no login needed: an anonymous caller gets code -101
   "账号未登录" with the keys all the same) → ``data.wbi_img.img_url`` / ``sub_url``;
   each key is the file name of its URL without the extension (32 hex characters). The
   keys are the same for every caller and change about daily.
2. ``mixin_key``: ``img_key + sub_key`` read in the order of the public 64-entry table
   ``MIXIN_KEY_ENC_TAB``, the first 32 characters.
3. The parameters plus ``wts`` (Unix seconds), sorted by name, each value without the
   characters ``!'()*``, percent-encoded as JavaScript's ``encodeURIComponent`` does
   (UTF-8, upper-case hex, a space is ``%20``, not ``+``) and joined with ``&``: the
   query. ``w_rid`` = MD5 hex of the query followed by ``mixin_key``.
4. The request carries that query and ``&w_rid=…``.

The document's example (img_key ``7cd084941338484aae1ad9425b84077c``, sub_key
``4932caff0ff746eab6f01bf08b70ac45`` → mixin_key ``ea1db124af3c7062474693fa704f4ff8``;
``foo=114, bar=514, zab=1919810`` at ``wts=1702204169`` → ``w_rid``
``8f6f2b5b3d485fe1886cec6a0be8c5d4``) is a test (tests/crawlers/test_units.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

# the public reshuffle table (bilibili-API-collect docs/misc/sign/wbi.md)
MIXIN_KEY_ENC_TAB = (
    46, 47, 18, 2, 53, 8, 23, 32, 15, 50, 10, 31, 58, 3, 45, 35, 27, 43, 5, 49,
    33, 9, 42, 19, 29, 28, 14, 39, 12, 38, 41, 13, 37, 48, 7, 16, 24, 55, 40,
    61, 26, 17, 0, 1, 60, 51, 30, 4, 22, 25, 54, 21, 56, 59, 6, 63, 57, 62, 11,
    36, 20, 34, 44, 52,
)  # fmt: skip
_DROPPED = str.maketrans("", "", "!'()*")
NAV_PATH = "/x/web-interface/nav"


@dataclass(frozen=True)
class WbiKeys:
    img_key: str
    sub_key: str

    @classmethod
    def from_nav(cls, answer: Any) -> WbiKeys:
        """The keys of a ``/x/web-interface/nav`` answer (any code: an anonymous caller
        gets -101 with the keys). Raises ValueError naming what is missing."""
        data = answer.get("data") if isinstance(answer, dict) else None
        wbi = data.get("wbi_img") if isinstance(data, dict) else None
        if not isinstance(wbi, dict):
            raise ValueError("nav answer has no data.wbi_img")
        keys = []
        for field in ("img_url", "sub_url"):
            url = wbi.get(field)
            if not isinstance(url, str) or "/" not in url:
                raise ValueError(f"nav answer's data.wbi_img.{field} is not a URL: {url!r}")
            keys.append(url.rsplit("/", 1)[1].split(".", 1)[0])
        if len(keys[0] + keys[1]) < len(MIXIN_KEY_ENC_TAB):
            raise ValueError(f"nav answer's WBI keys are too short: {keys!r}")
        return cls(keys[0], keys[1])

    @property
    def mixin_key(self) -> str:
        raw = self.img_key + self.sub_key
        return "".join(raw[i] for i in MIXIN_KEY_ENC_TAB)[:32]


def _query(params: Mapping[str, Any]) -> str:
    return "&".join(
        f"{quote(str(k), safe='')}={quote(str(v).translate(_DROPPED), safe='')}"
        for k, v in sorted(params.items())
    )


def w_rid(params: Mapping[str, Any], mixin_key: str) -> str:
    """The signature of ``params`` (``wts`` included, ``w_rid`` not)."""
    return hashlib.md5((_query(params) + mixin_key).encode(), usedforsecurity=False).hexdigest()


def signed_query(params: Mapping[str, Any], keys: WbiKeys, wts: int) -> str:
    """The query string to send: ``params`` with ``wts``, signed."""
    with_time = {**params, "wts": wts}
    return f"{_query(with_time)}&w_rid={w_rid(with_time, keys.mixin_key)}"
