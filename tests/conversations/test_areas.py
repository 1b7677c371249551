"""Postcodes and service areas: expected values below are written by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from conversations.areas import (
    SHIPPED_AREAS_DIR,
    Area,
    AreaError,
    AreaMatch,
    LocalAuthority,
    Neighbour,
    load_area,
    load_areas,
    normalise_postcode,
    postcode_district,
    postcode_sector,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hd1 2ab", "HD1 2AB"),
        ("HD12AB", "HD1 2AB"),
        (" hd1  2ab ", "HD1 2AB"),
        ("Hd1\t2aB\n", "HD1 2AB"),
        ("HD1\u00a02AB", "HD1 2AB"),  # no-break space
        ("HD1\u20092AB", "HD1 2AB"),  # thin space
        ("HD1\u200b2AB", "HD1 2AB"),  # zero-width space
        ("ｈｄ１　２ａｂ", "HD1 2AB"),  # full-width letters, digits and space
        ("sw1a 1aa", "SW1A 1AA"),
        ("W1A 0AX", "W1A 0AX"),
        ("EC1A 1BB", "EC1A 1BB"),
        ("m1 1ae", "M1 1AE"),
        ("b33 8th", "B33 8TH"),
        ("cr2 6xh", "CR2 6XH"),
        ("dn55 1pt", "DN55 1PT"),
        ("wf13 1hn", "WF13 1HN"),
        ("gir 0aa", "GIR 0AA"),
        ("GIR0AA", "GIR 0AA"),
    ],
)
def test_normalise_postcode_accepts_valid_postcodes(text: str, expected: str) -> None:
    assert normalise_postcode(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "12345",
        "HD1",  # an outward code alone is not enough
        "HD1 2",
        "HD1 2CI",  # inward letters exclude C and I
        "HD1 2AK",  # ... and K
        "HD1 2MO",  # ... and M, O
        "HD1 2AV",  # ... and V
        "QD1 2AB",  # Q never starts a postcode
        "HJ1 2AB",  # J is never second
        "W1I 0AX",  # I is never third in A9A
        "EC1C 1BB",  # C is never fourth in AA9A
        "HD1 2AB3",
        "HD1 2AB please",
        "HDD1 2AB",
        "DROP TABLE",
        "'; DROP TABLE referrals; --",
        "🏠",
        "HD1 2A🏠",
        "HD1 2ÀB",
        "A" * 2000,
        "HD1 2AB" + " " * 2000,
    ],
)
def test_normalise_postcode_rejects_invalid_text(text: str) -> None:
    assert normalise_postcode(text) is None


def test_district_and_sector() -> None:
    assert postcode_district("HD1 2AB") == "HD1"
    assert postcode_sector("HD1 2AB") == "HD1 2"
    assert postcode_district("EC1A 1BB") == "EC1A"
    assert postcode_sector("EC1A 1BB") == "EC1A 1"
    assert postcode_district("WF13 1HN") == "WF13"
    assert postcode_sector("WF13 1HN") == "WF13 1"
    assert postcode_district("GIR 0AA") == "GIR"


def test_district_of_a_non_postcode_is_an_error() -> None:
    with pytest.raises(ValueError):
        postcode_district("not a postcode")


@pytest.fixture(scope="module")
def shipped() -> dict[str, Area]:
    return load_areas(SHIPPED_AREAS_DIR)


def test_shipped_areas_load(shipped: dict[str, Area]) -> None:
    assert set(shipped) >= {"kirklees", "derby", "leicester", "thurrock"}
    assert load_areas() == shipped
    for area in shipped.values():
        assert "ONSPD" in area.source
        assert not area.inside & area.boundary


@pytest.mark.parametrize(
    ("area_id", "postcode", "expected"),
    [
        # Kirklees
        ("kirklees", "HD1 2TA", AreaMatch.IN),  # Huddersfield town centre
        ("kirklees", "HD4 6AB", AreaMatch.IN),  # Lockwood
        ("kirklees", "WF13 1HN", AreaMatch.IN),  # Dewsbury
        ("kirklees", "WF16 0AA", AreaMatch.IN),  # Heckmondwike
        ("kirklees", "LS1 4AP", AreaMatch.OUT),  # Leeds city centre
        ("kirklees", "HX1 1AA", AreaMatch.OUT),  # Halifax
        ("kirklees", "WF1 1AA", AreaMatch.OUT),  # Wakefield
        ("kirklees", "HD6 1AA", AreaMatch.BOUNDARY),  # Brighouse: straddles Calderdale
        ("kirklees", "WF4 4AA", AreaMatch.BOUNDARY),  # Flockton / Horbury
        ("kirklees", "BD11 2AA", AreaMatch.BOUNDARY),  # Birkenshaw / Drighlington
        ("kirklees", "HD8 9AA", AreaMatch.BOUNDARY),  # Denby Dale
        # Derby City, not Derbyshire County
        ("derby", "DE1 2FS", AreaMatch.IN),
        ("derby", "DE56 1AA", AreaMatch.OUT),  # Belper
        ("derby", "DE7 5AB", AreaMatch.OUT),  # Ilkeston
        ("derby", "DE11 0AA", AreaMatch.BOUNDARY),  # Swadlincote: not listed, so asked
        ("derby", "NG1 5AB", AreaMatch.OUT),  # Nottingham city centre
        ("derby", "NG10 1AA", AreaMatch.OUT),  # Long Eaton (Erewash, Derbyshire)
        ("derby", "DE22 1AB", AreaMatch.BOUNDARY),  # Allestree / Quarndon
        ("derby", "DE73 5AB", AreaMatch.BOUNDARY),  # Chellaston / Melbourne
        # Leicester City, not Leicestershire County
        ("leicester", "LE1 5WW", AreaMatch.IN),
        ("leicester", "LE18 4AA", AreaMatch.OUT),  # Wigston
        ("leicester", "LE11 3AA", AreaMatch.OUT),  # Loughborough
        ("leicester", "LE2 4AB", AreaMatch.BOUNDARY),  # Oadby / Knighton
        ("leicester", "LE4 3AA", AreaMatch.BOUNDARY),  # Birstall / Belgrave
        # Thurrock
        ("thurrock", "RM17 6AB", AreaMatch.IN),  # Grays
        ("thurrock", "RM18 7AA", AreaMatch.IN),  # Tilbury
        ("thurrock", "SS0 7AB", AreaMatch.BOUNDARY),  # Westcliff, Southend: not listed, asked
        ("thurrock", "RM1 1AA", AreaMatch.OUT),  # Romford
        ("thurrock", "RM14 3AB", AreaMatch.BOUNDARY),  # Upminster / Bulphan
        ("thurrock", "SS17 0AA", AreaMatch.BOUNDARY),  # Stanford-le-Hope
    ],
)
def test_shipped_area_matches(
    shipped: dict[str, Area], area_id: str, postcode: str, expected: AreaMatch
) -> None:
    assert shipped[area_id].match(postcode) is expected


def test_match_gives_strings_that_conditions_compare() -> None:
    leeds = Neighbour("Leeds City Council", frozenset(), frozenset({"LS1"}), frozenset())
    area = Area("t", "T", "s", frozenset({"HD1"}), frozenset({"HD6"}), neighbours=(leeds,))
    assert area.match("HD1 2AB") == "in"
    assert area.match("HD6 1AA") == "boundary"
    assert area.match("LS1 4AP") == "out"
    assert area.match("SW1A 1AA") == "boundary"  # listed nowhere: the person is asked


def test_sector_entries_win_over_district_entries() -> None:
    area = Area(
        id="test",
        name="Test",
        source="test",
        inside=frozenset({"HD6 1", "HD1"}),
        boundary=frozenset({"HD6", "HD1 9"}),
    )
    assert area.match("HD6 1XY") is AreaMatch.IN  # inside sector of a boundary district
    assert area.match("HD6 2XY") is AreaMatch.BOUNDARY  # the rest of the district
    assert area.match("HD1 9XY") is AreaMatch.BOUNDARY  # boundary sector of an inside district
    assert area.match("HD1 2XY") is AreaMatch.IN
    assert area.match("HD7 1XY") is AreaMatch.BOUNDARY  # not listed at all: asked


GOOD = """\
id: {id}
name: Test Area
source: written for a test
inside: [HD1, HD6 1]
boundary: [HD6]
"""


def _simple(area_id: str, name: str, inside: str, boundary: str) -> str:
    return f"id: {area_id}\nname: {name}\nsource: s\ninside: [{inside}]\nboundary: [{boundary}]\n"


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_load_area_reads_a_good_file(tmp_path: Path) -> None:
    area = load_area(_write(tmp_path, "test.yaml", GOOD.format(id="test")))
    assert area == Area(
        id="test",
        name="Test Area",
        source="written for a test",
        inside=frozenset({"HD1", "HD6 1"}),
        boundary=frozenset({"HD6"}),
    )


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (GOOD.format(id="test").replace("source: written for a test\n", ""), "missing key"),
        (GOOD.format(id="test").replace("boundary: [HD6]\n", ""), "missing key 'boundary'"),
        (GOOD.format(id="test").replace("[HD1,", "[hd1,"), "'hd1'"),
        (GOOD.format(id="test").replace("[HD1,", "[HD1 2AB,"), "'HD1 2AB'"),
        (GOOD.format(id="test").replace("[HD1,", "[QQ1,"), "'QQ1'"),
        (GOOD.format(id="test").replace("[HD1,", "[12,"), "12"),
        (GOOD.format(id="test").replace("[HD6]", "[HD6, HD1]"), "'HD1' is listed in both"),
        (GOOD.format(id="test").replace("[HD6]", "[HD6, HD6]"), "listed twice"),
        (GOOD.format(id="other"), "does not match the file name"),
        (GOOD.format(id="test").replace("inside: [HD1, HD6 1]", "inside: HD1"), "list"),
        (GOOD.format(id="test") + "boundry: [HD7]\n", "unknown key 'boundry'"),
        (GOOD.format(id="test").replace("name: Test Area", "name: ''"), "'name'"),
        ("id: test\nname: [unclosed\n", "not valid YAML"),
        ("- just\n- a list\n", "mapping"),
        ("", "empty"),
    ],
)
def test_load_area_errors_name_the_file_and_problem(tmp_path: Path, text: str, words: str) -> None:
    path = _write(tmp_path, "test.yaml", text)
    with pytest.raises(AreaError) as caught:
        load_area(path)
    message = str(caught.value)
    assert str(path) in message
    assert words in message
    assert isinstance(caught.value, ValueError)


def test_load_area_error_gives_the_line_of_a_bad_entry(tmp_path: Path) -> None:
    text = "id: test\nname: T\nsource: s\ninside:\n  - HD1\n  - hd2\nboundary: []\n"
    path = _write(tmp_path, "test.yaml", text)
    with pytest.raises(AreaError, match=r"test\.yaml:6: .*'hd2'"):
        load_area(path)


def test_load_area_of_a_missing_file_is_an_area_error(tmp_path: Path) -> None:
    with pytest.raises(AreaError, match=r"nowhere\.yaml"):
        load_area(tmp_path / "nowhere.yaml")


def test_load_areas_later_folders_override_earlier_by_id(tmp_path: Path) -> None:
    first = tmp_path / "first"
    second = tmp_path / "second"
    first.mkdir()
    second.mkdir()
    _write(first, "alpha.yaml", _simple("alpha", "First Alpha", "HD1", ""))
    _write(first, "beta.yaml", _simple("beta", "Beta", "LE1", ""))
    _write(second, "alpha.yaml", _simple("alpha", "Second Alpha", "", "HD1"))
    _write(second, "notes.txt", "not an area")

    areas = load_areas(first, second)
    assert sorted(areas) == ["alpha", "beta"]
    assert areas["alpha"].name == "Second Alpha"
    assert areas["alpha"].match("HD1 2AB") is AreaMatch.BOUNDARY
    assert areas["beta"].name == "Beta"

    reversed_order = load_areas(second, first)
    assert reversed_order["alpha"].name == "First Alpha"


def test_load_areas_can_replace_a_shipped_area(tmp_path: Path) -> None:
    _write(tmp_path, "thurrock.yaml", _simple("thurrock", "Mine", "RM14", ""))
    areas = load_areas(SHIPPED_AREAS_DIR, tmp_path)
    assert areas["thurrock"].name == "Mine"
    assert areas["thurrock"].match("RM14 3AB") is AreaMatch.IN
    assert areas["kirklees"].name == "Kirklees"


def test_load_areas_of_a_missing_folder_is_an_area_error(tmp_path: Path) -> None:
    with pytest.raises(AreaError, match="missing"):
        load_areas(tmp_path / "missing")


def test_load_areas_stops_at_a_broken_file(tmp_path: Path) -> None:
    _write(tmp_path, "broken.yaml", _simple("other", "B", "", ""))
    with pytest.raises(AreaError, match=r"broken\.yaml"):
        load_areas(tmp_path)


# Councils and neighbours (issue 10 point 2): a refusal names the council a postcode is in.


@pytest.mark.parametrize(
    ("area_id", "postcode", "council"),
    [
        # Nottingham NG1 is not Derbyshire County; NG10, Long Eaton, is (Erewash).
        ("derby", "NG1 5AB", "Nottingham City Council"),
        ("derby", "NG10 1AA", "Derbyshire County Council"),
        ("derby", "DE56 1AA", "Derbyshire County Council"),  # Belper
        ("derby", "DE22 1AB", "Derbyshire County Council"),  # boundary: Quarndon side
        ("derby", "DE1 2FS", None),  # inside: no other council
        ("derby", "SW1A 1AA", None),  # listed nowhere: not guessed
        ("kirklees", "HX1 1AA", "Calderdale Council"),
        ("kirklees", "WF1 1AA", "Wakefield Council"),
        ("leicester", "LE18 4AA", "Leicestershire County Council"),  # Wigston
        ("thurrock", "RM1 1AA", "London Borough of Havering"),  # Romford
    ],
)
def test_shipped_area_names_the_council_a_postcode_is_in(
    shipped: dict[str, Area], area_id: str, postcode: str, council: str | None
) -> None:
    assert shipped[area_id].council_of(postcode) == council


def test_each_shipped_area_names_its_council_and_ons_code(shipped: dict[str, Area]) -> None:
    expected = {
        "derby": ("Derby City Council", "E06000015"),
        "kirklees": ("Kirklees Council", "E08000034"),
        "leicester": ("Leicester City Council", "E06000016"),
        "thurrock": ("Thurrock Council", "E06000034"),
    }
    for area_id, (council, code) in expected.items():
        area = shipped[area_id]
        assert area.council_name == council
        assert area.is_council(LocalAuthority("X1 1AA", council, frozenset({code})))
        assert not area.is_council(LocalAuthority("X1 1AA", "Elsewhere", frozenset({"E06000001"})))
        assert area.neighbours


def test_neighbour_districts_must_lie_outside_and_shares_on_the_boundary(tmp_path: Path) -> None:
    own = GOOD.format(id="test") + "neighbours:\n  - council: Other\n    districts: [HD1]\n"
    with pytest.raises(AreaError, match=r"test\.yaml:\d+: 'HD1' is the area's own"):
        load_area(_write(tmp_path, "test.yaml", own))
    shares = GOOD.format(id="test") + "neighbours:\n  - council: Other\n    shares: [HD9]\n"
    with pytest.raises(AreaError, match=r"test\.yaml:\d+: shares: 'HD9' is not in boundary"):
        load_area(_write(tmp_path, "test.yaml", shares))


def test_a_boundary_district_shared_with_one_neighbour_is_that_neighbours() -> None:
    area = Area(
        "t",
        "T",
        "s",
        frozenset({"HD1"}),
        frozenset({"HD6", "HD7"}),
        council="T Council",
        neighbours=(
            Neighbour("A Council", frozenset(), frozenset({"HX1"}), frozenset({"HD6", "HD7"})),
            Neighbour("B Council", frozenset(), frozenset(), frozenset({"HD7"})),
        ),
    )
    assert area.council_of("HD6 1AA") == "A Council"
    assert area.council_of("HD7 1AA") is None  # shared with two: not guessed
    assert area.council_of("HX1 1AA") == "A Council"
