"""Service areas: UK postcodes, and whether one lies inside a service's local-authority area.

An area is a YAML file naming its council (with its ONS codes) and listing postcode
districts (`HD1`) or sectors (`HD6 1`) that lie wholly inside the authority, those that
straddle its boundary, and its neighbours: councils with the districts that lie wholly
in them (`districts`) and the boundary districts they share (`shares`). A postcode
matches `in`, `out` (wholly in a listed neighbour) or `boundary`: on the boundary, or
not listed at all, and then the person is asked "Is your local council ...?" (or a
postcode service answers; see bot/postcodes.py). A sector entry wins over an entry for
its district, so a provider can refine a straddling district sector by sector. The
shipped lists are starting points: a provider should check them against the ONS
Postcode Directory (ONSPD) before relying on them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from conversations.yamlfile import DefinitionError, LinedDict, LinedList, load_yaml

SHIPPED_AREAS_DIR = Path(__file__).parent / "areas"

# Outward codes: A9, A99, AA9, AA99, A9A, AA9A, with the letters each position may hold
# (first: not Q V X; second: not I J Z; third of A9A: ABCDEFGHJKPSTUW; fourth of AA9A:
# ABEHMNPRVWXY). Inward codes: a digit and two letters other than C I K M O V.
_OUTWARD = (
    r"(?:[A-PR-UWYZ][0-9][0-9]?"
    r"|[A-PR-UWYZ][A-HK-Y][0-9][0-9]?"
    r"|[A-PR-UWYZ][0-9][ABCDEFGHJKPSTUW]"
    r"|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY])"
)
_INWARD = r"[0-9][ABD-HJLNP-UW-Z]{2}"
_POSTCODE = re.compile(rf"(?P<outward>{_OUTWARD})(?P<inward>{_INWARD})")
_DISTRICT = re.compile(_OUTWARD)
_SECTOR = re.compile(rf"{_OUTWARD} [0-9]")
_GIRO = "GIR0AA"
_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,60}")
# Longer than any postcode with generous spacing: not worth looking at.
_MAX_INPUT = 64
_KEYS = ("id", "name", "council", "codes", "source", "inside", "boundary", "neighbours")
_REQUIRED = ("id", "name", "source", "inside", "boundary")
_CODE = re.compile(r"[EWSN][0-9]{8}")


class AreaMatch(StrEnum):
    """Where a postcode lies relative to an area."""

    IN = "in"
    BOUNDARY = "boundary"
    OUT = "out"


class AreaError(ValueError):
    """An area file is broken: the message is `file:line: what is wrong`."""

    def __init__(self, path: Path | str, line: int | None, problem: str) -> None:
        self.path = str(path)
        self.line = line
        self.problem = problem
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {problem}")


def normalise_postcode(text: str) -> str | None:
    """Return `text` as a canonical UK postcode (`HD1 2AB`), or None if it is not one.

    Case, spacing and full-width or other odd space characters are forgiven; the whole
    text must be one full postcode (an outward code alone is not enough for a referral).
    """
    if len(text) > _MAX_INPUT:
        return None
    folded = unicodedata.normalize("NFKC", text)
    compact = "".join(ch for ch in folded if not ch.isspace() and unicodedata.category(ch) != "Cf")
    if not compact.isascii():
        return None
    compact = compact.upper()
    if compact == _GIRO:
        return "GIR 0AA"
    match = _POSTCODE.fullmatch(compact)
    if match is None:
        return None
    return f"{match['outward']} {match['inward']}"


def _canonical(postcode: str) -> str:
    canonical = normalise_postcode(postcode)
    if canonical is None:
        raise ValueError(f"not a UK postcode: {postcode!r}")
    return canonical


def postcode_district(postcode: str) -> str:
    """The district (outward code) of a postcode: `HD1 2AB` -> `HD1`."""
    return _canonical(postcode).split(" ")[0]


def postcode_sector(postcode: str) -> str:
    """The sector of a postcode: `HD1 2AB` -> `HD1 2`."""
    return _canonical(postcode)[:-2]


@dataclass(frozen=True)
class LocalAuthority:
    """What a postcode service said of a postcode: its local authority's name and codes."""

    postcode: str  # canonical, like "DE1 2AB"
    name: str  # "Derby", "Erewash"
    codes: frozenset[str]  # ONS GSS codes: the district's, and its county's where two-tier


@dataclass(frozen=True)
class Neighbour:
    """A council next to the area: districts wholly in it, and boundary districts shared."""

    council: str
    codes: frozenset[str]
    districts: frozenset[str]
    shares: frozenset[str]


@dataclass(frozen=True)
class Area:
    """A local-authority area as postcode districts and sectors."""

    id: str
    name: str
    source: str
    inside: frozenset[str]
    boundary: frozenset[str]
    council: str = ""  # "Derby City Council"; the name is asked about when empty
    codes: frozenset[str] = frozenset()
    neighbours: tuple[Neighbour, ...] = ()

    def match(self, postcode: str) -> AreaMatch:
        """Where `postcode` lies: a sector entry wins over its district.

        Wholly in a listed neighbour is OUT; on the boundary or not listed anywhere is
        BOUNDARY (the person is asked whose council it is: never a refusal unasked).
        """
        canonical = _canonical(postcode)
        sector = canonical[:-2]
        district = canonical.split(" ")[0]
        for key in (sector, district):
            if key in self.inside:
                return AreaMatch.IN
            if key in self.boundary:
                return AreaMatch.BOUNDARY
            if any(key in n.districts for n in self.neighbours):
                return AreaMatch.OUT
        return AreaMatch.BOUNDARY

    @property
    def council_name(self) -> str:
        """The council named in "Is your local council ...?"."""
        return self.council or self.name

    def council_of(self, postcode: str) -> str | None:
        """The neighbouring council `postcode` lies in, when the lists say (else None).

        A boundary district shared with exactly one neighbour is that neighbour's when
        the person says it is not this area's council.
        """
        canonical = _canonical(postcode)
        for key in (canonical[:-2], canonical.split(" ")[0]):
            if key in self.inside:
                return None
            owners = [n.council for n in self.neighbours if key in n.districts]
            sharing = [n.council for n in self.neighbours if key in n.shares]
            if owners:
                return owners[0]
            if key in self.boundary:
                return sharing[0] if len(sharing) == 1 else None
        return None

    def is_council(self, authority: LocalAuthority) -> bool:
        """True when a postcode service's local authority is this area's council."""
        return bool(self.codes & authority.codes)

    def council_named(self, authority: LocalAuthority) -> str:
        """The council to name for a postcode service's answer: a listed neighbour's name
        when the codes match one (Erewash is in Derbyshire County Council), else its own."""
        for neighbour in self.neighbours:
            if neighbour.codes & authority.codes:
                return neighbour.council
        return self.council_name if self.is_council(authority) else authority.name


def _text(data: LinedDict, key: str, path: Path) -> str:
    value = data[key]
    if not isinstance(value, str) or not value.strip():
        raise AreaError(path, data.line_of(key), f"{key!r} must be non-empty text")
    return value.strip()


def _entries(data: LinedDict, key: str, path: Path) -> dict[str, int]:
    """The entries of list `key`, each with its line."""
    value: Any = data[key]
    if not isinstance(value, LinedList):
        raise AreaError(path, data.line_of(key), f"{key!r} must be a list of districts or sectors")
    entries: dict[str, int] = {}
    for item, line in zip(value, value.item_lines, strict=True):
        if not isinstance(item, str) or not (_DISTRICT.fullmatch(item) or _SECTOR.fullmatch(item)):
            raise AreaError(
                path,
                line,
                f"{key}: {item!r} is not an uppercase postcode district (like HD1) "
                "or sector (like HD6 1)",
            )
        if item in entries:
            raise AreaError(path, line, f"{key}: {item!r} is listed twice")
        entries[item] = line
    return entries


def load_area(path: Path) -> Area:
    """Read and check one area file; raise AreaError naming the file and line on any problem."""
    try:
        data = load_yaml(path)
    except DefinitionError as exc:
        raise AreaError(exc.path, exc.line, exc.problem) from None
    for key in data:
        if key not in _KEYS:
            raise AreaError(
                path, data.line_of(key), f"unknown key {key!r} (expected {', '.join(_KEYS)})"
            )
    for key in _REQUIRED:
        if key not in data:
            raise AreaError(path, data.line, f"missing key {key!r}")
    area_id = _text(data, "id", path)
    if not _ID.fullmatch(area_id):
        raise AreaError(
            path, data.line_of("id"), f"id {area_id!r} must be lowercase letters, digits and -"
        )
    if area_id != path.stem:
        raise AreaError(
            path, data.line_of("id"), f"id {area_id!r} does not match the file name {path.name!r}"
        )
    inside = _entries(data, "inside", path)
    boundary = _entries(data, "boundary", path)
    for entry, line in boundary.items():
        if entry in inside:
            raise AreaError(path, line, f"{entry!r} is listed in both inside and boundary")
    neighbours = _neighbours(data, path, inside, boundary)
    return Area(
        id=area_id,
        name=_text(data, "name", path),
        source=_text(data, "source", path),
        inside=frozenset(inside),
        boundary=frozenset(boundary),
        council=_text(data, "council", path) if "council" in data else "",
        codes=_codes(data, path),
        neighbours=neighbours,
    )


def _codes(data: LinedDict, path: Path) -> frozenset[str]:
    """ONS GSS codes (like E06000015): a postcode service's answer is matched on them."""
    value: Any = data.get("codes")
    if value is None:
        return frozenset()
    if not isinstance(value, LinedList) or not all(
        isinstance(code, str) and _CODE.fullmatch(code) for code in value
    ):
        raise AreaError(
            path, data.line_of("codes"), "'codes' must be a list of ONS codes like E06000015"
        )
    return frozenset(value)


def _neighbours(
    data: LinedDict, path: Path, inside: dict[str, int], boundary: dict[str, int]
) -> tuple[Neighbour, ...]:
    value: Any = data.get("neighbours")
    if value is None:
        return ()
    if not isinstance(value, LinedList):
        raise AreaError(path, data.line_of("neighbours"), "'neighbours' must be a list")
    neighbours = []
    for item, line in zip(value, value.item_lines, strict=True):
        if not isinstance(item, LinedDict) or "council" not in item:
            raise AreaError(path, line, "each neighbour needs a council, districts and shares")
        for key in item:
            if key not in ("council", "codes", "districts", "shares"):
                raise AreaError(path, item.line_of(key), f"unknown key {key!r} in a neighbour")
        districts = _entries(item, "districts", path) if "districts" in item else {}
        shares = _entries(item, "shares", path) if "shares" in item else {}
        for entry, entry_line in districts.items():
            if entry in inside or entry in boundary:
                raise AreaError(
                    path, entry_line, f"{entry!r} is the area's own; a neighbour's must be outside"
                )
        for entry, entry_line in shares.items():
            if entry not in boundary:
                raise AreaError(path, entry_line, f"shares: {entry!r} is not in boundary")
        neighbours.append(
            Neighbour(
                council=_text(item, "council", path),
                codes=_codes(item, path),
                districts=frozenset(districts),
                shares=frozenset(shares),
            )
        )
    return tuple(neighbours)


def load_areas(*folders: Path) -> dict[str, Area]:
    """Load every `*.yaml` area in `folders`, later folders overriding earlier ones by id.

    With no folders, the shipped areas (SHIPPED_AREAS_DIR) are loaded. A provider passes
    `SHIPPED_AREAS_DIR, own_folder` to add areas or replace shipped ones.
    """
    areas: dict[str, Area] = {}
    for folder in folders or (SHIPPED_AREAS_DIR,):
        if not folder.is_dir():
            raise AreaError(folder, None, "not a folder of area files")
        for path in sorted(folder.glob("*.yaml")):
            if path.name.startswith("."):
                continue
            area = load_area(path)
            areas[area.id] = area
    return areas
