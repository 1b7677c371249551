"""Optional postcode lookup: a postcode's local authority from a postcodes.io-compatible API.

postcodes.io is open source and serves the ONS Postcode Directory; a provider may run
its own copy. When `KITH_POSTCODE_API_URL` is set, `GET {url}/postcodes/{postcode}`
answers with `result.admin_district` (the local authority's name) and
`result.codes.admin_district` (its ONS code; `codes.admin_county` too in two-tier
areas). Any error, unexpected answer or slow answer gives None, and the engine then
asks the person "Is your local council ...?" instead: the lookup never stops a
conversation.

The lookup happens at the edge (bot/inbound.py), before the message's transaction,
and its answer is passed into the engine's step, which stays pure.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

import aiohttp

from conversations.areas import LocalAuthority, normalise_postcode

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 2.0


class PostcodeLookup:
    """Asks a postcodes.io-compatible service for the local authority of a postcode."""

    def __init__(self, base_url: str, timeout: float = TIMEOUT_SECONDS) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def local_authority(self, text: str) -> LocalAuthority | None:
        """The local authority of the postcode `text` is, or None (not one, or no answer)."""
        postcode = normalise_postcode(text)
        if postcode is None:
            return None
        try:
            if self._session is None or self._session.closed:
                self._session = aiohttp.ClientSession(timeout=self.timeout)
            url = f"{self.base_url}/postcodes/{quote(postcode)}"
            async with self._session.get(url) as response:
                if response.status != 200:
                    log.info("postcode lookup answered status=%s", response.status)
                    return None
                body: Any = await response.json(content_type=None)
        except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
            log.info("postcode lookup failed error=%s", type(exc).__name__)
            return None
        return _read(postcode, body)

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()


def _read(postcode: str, body: Any) -> LocalAuthority | None:
    """postcodes.io's answer, or None when it is not the shape it documents."""
    result = body.get("result") if isinstance(body, dict) else None
    if not isinstance(result, dict):
        return None
    name = result.get("admin_district")
    codes = result.get("codes")
    if not isinstance(name, str) or not name or not isinstance(codes, dict):
        return None
    found = {
        code
        for key in ("admin_district", "admin_county")
        if isinstance(code := codes.get(key), str) and code
    }
    if not found:
        return None
    return LocalAuthority(postcode=postcode, name=name, codes=frozenset(found))
