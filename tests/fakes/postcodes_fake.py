"""A loopback stand-in for postcodes.io, speaking its real response format.

Only what Kith uses: `GET /postcodes/{postcode}`. A known postcode answers 200 with
postcodes.io's body (`{"status": 200, "result": {...}}`, the result holding
`admin_district`, `admin_county` and `codes`); an unknown one answers 404 with
`{"status": 404, "error": "Postcode not found"}`, as postcodes.io does. It can be told
to answer slowly (longer than Kith waits) or with a server error, and records every
request path.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any
from urllib.parse import unquote

from aiohttp import web


@dataclass(frozen=True)
class Place:
    """What postcodes.io says of one postcode (the fields Kith reads, and a few more)."""

    admin_district: str
    district_code: str
    admin_county: str | None = None
    county_code: str | None = None
    region: str = "East Midlands"


def result(postcode: str, place: Place) -> dict[str, Any]:
    """postcodes.io's `result` object for a postcode."""
    outward, inward = postcode.split(" ")
    return {
        "postcode": postcode,
        "quality": 1,
        "country": "England",
        "nhs_ha": None,
        "longitude": -1.47,
        "latitude": 52.92,
        "european_electoral_region": place.region,
        "region": place.region,
        "outcode": outward,
        "incode": inward,
        "admin_district": place.admin_district,
        "admin_county": place.admin_county,
        "admin_ward": "Ward",
        "parish": None,
        "codes": {
            "admin_district": place.district_code,
            "admin_county": place.county_code or "E99999999",
            "admin_ward": "E05000000",
            "parish": "E43000000",
            "ccg": "E38000000",
            "nuts": "TLF11",
        },
    }


@dataclass
class PostcodesFake:
    """postcodes.io on 127.0.0.1; `url` is the base for KITH_POSTCODE_API_URL."""

    places: dict[str, Place]
    requests: list[str] = field(default_factory=list)
    delay: float = 0.0
    # Seconds to wait before answering for particular postcodes (on top of `delay`).
    slow: dict[str, float] = field(default_factory=dict)
    fail_with: int | None = None
    url: str = ""
    _runner: web.AppRunner | None = None

    async def _postcode(self, request: web.Request) -> web.Response:
        self.requests.append(request.path)
        if self.delay:
            await asyncio.sleep(self.delay)
        postcode = unquote(request.match_info["postcode"]).upper()
        if postcode in self.slow:
            await asyncio.sleep(self.slow[postcode])
        if self.fail_with is not None:
            return web.json_response(
                {"status": self.fail_with, "error": "Internal server error"},
                status=self.fail_with,
            )
        place = self.places.get(postcode)
        if place is None:
            return web.json_response({"status": 404, "error": "Postcode not found"}, status=404)
        return web.json_response({"status": 200, "result": result(postcode, place)})

    async def start(self) -> str:
        app = web.Application()
        app.router.add_get("/postcodes/{postcode}", self._postcode)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> PostcodesFake:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
