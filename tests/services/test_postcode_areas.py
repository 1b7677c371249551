"""Postcode areas people can get through (issue 10 point 2), through `kith chat --json`.

Each seed serves the residents of one local authority (000 1.6 and 001 1.4 Kirklees;
002 3.4 Derby city, 3.5 not Derbyshire County; 003 2.7, 6.3 Leicester; 004 4.1.3
Thurrock). A resident of a district wholly inside is accepted without review. A
district on the boundary, or one listed nowhere, asks one question ("Is your local
council Derby City Council? 1 Yes 2 No 3 Not sure"): yes is in, no is out (the refusal
names the council the postcode is in, where known), not sure is for a person.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import Kith
from tests.services import test_derby_peer_support as derby
from tests.services import test_kirklees_advocacy as advocacy
from tests.services import test_kirklees_carers_options as carers
from tests.services import test_leicester_carers as leicester
from tests.services import test_thurrock_floating_support as thurrock
from tests.services.conversation_helpers import Referred, asked, outcome_text, question, refer_to

MODULES: dict[str, Any] = {
    "kirklees-carers-options": carers,
    "kirklees-advocacy": advocacy,
    "derby-peer-support": derby,
    "leicester-carers": leicester,
    "thurrock-floating-support": thurrock,
}
CLOCK = "2026-11-03T10:00:00+00:00"  # a Tuesday


def refer(kith: Kith, service: str, **changes: str | None) -> Referred:
    module = MODULES[service]
    return refer_to(
        kith, service, module.ELIGIBLE, module.ORDER, clock=CLOCK, address="console:p", **changes
    )


# Districts wholly inside each local authority (the area files' `inside`), with one
# ordinary postcode each; for carers' services the person cared for lives there too.
WHOLE_DISTRICTS = [
    ("kirklees-carers-options", "HD1 2AB"),  # Huddersfield town centre
    ("kirklees-carers-options", "HD4 6AB"),  # Lockwood, Crosland Moor
    ("kirklees-carers-options", "HD5 8AB"),  # Almondbury, Moldgreen
    ("kirklees-carers-options", "WF13 1AB"),  # Dewsbury
    ("kirklees-carers-options", "WF16 0AB"),  # Heckmondwike
    ("kirklees-advocacy", "HD1 2AB"),
    ("kirklees-advocacy", "HD4 6AB"),
    ("kirklees-advocacy", "HD5 8AB"),
    ("kirklees-advocacy", "WF13 1AB"),
    ("kirklees-advocacy", "WF16 0AB"),
    ("derby-peer-support", "DE1 1AA"),  # Derby city centre
    ("leicester-carers", "LE1 5WW"),  # Leicester city centre
    ("thurrock-floating-support", "RM16 6AB"),  # Chafford Hundred, Chadwell St Mary
    ("thurrock-floating-support", "RM17 5AB"),  # Grays
    ("thurrock-floating-support", "RM18 7AB"),  # Tilbury
    ("thurrock-floating-support", "RM20 3AB"),  # West Thurrock
]


@pytest.mark.parametrize(("service", "postcode"), WHOLE_DISTRICTS)
def test_ordinary_resident_of_a_whole_district_is_accepted_without_review(
    kith_sqlite: Kith, service: str, postcode: str
) -> None:
    """000 1.6, 001 1.4, 002 3.4, 003 6.3, 004 4.1.3: residents are eligible."""
    both = (
        {"cared_for_postcode": postcode} if "cared_for_postcode" in MODULES[service].ORDER else {}
    )
    replies, referral = refer(kith_sqlite, service, postcode=postcode, **both)
    assert referral["outcome"] == "accepted", referral["reasons"]
    assert referral["reasons"] == []
    assert "postcode_council" not in asked(replies)  # no question for a whole district


# A boundary district of each area (for Leicester, where the person cared for lives:
# the carer's own postcode does not matter when they live in Leicester, 2.7).
BOUNDARY = [
    ("kirklees-carers-options", "postcode", "HD8 9AB", "Kirklees Council"),  # Denby Dale
    ("kirklees-advocacy", "postcode", "WF14 0AB", "Kirklees Council"),  # Mirfield
    ("derby-peer-support", "postcode", "DE22 3AB", "Derby City Council"),  # Allestree
    ("leicester-carers", "cared_for_postcode", "LE2 1AB", "Leicester City Council"),  # Knighton
    ("thurrock-floating-support", "postcode", "SS17 0AB", "Thurrock Council"),  # Stanford
]


@pytest.mark.parametrize(("service", "field", "postcode", "council"), BOUNDARY)
def test_boundary_postcode_yes_to_the_council_question_is_accepted(
    kith_sqlite: Kith, service: str, field: str, postcode: str, council: str
) -> None:
    """The seeds serve everyone whose local authority it is: a "yes" is a resident."""
    changes = {field: postcode, f"{field}_council": "1"}
    replies, referral = refer(kith_sqlite, service, **changes)
    text = question(replies, f"{field}_council")
    assert council in text
    assert "1 Yes" in text and "2 No" in text and "3 Not sure" in text
    assert referral["outcome"] == "accepted"
    assert referral["reasons"] == []
    assert referral["answers"][f"{field}_council"] is True


@pytest.mark.parametrize(("service", "field", "postcode", "council"), BOUNDARY)
def test_boundary_postcode_not_sure_of_the_council_goes_to_a_person(
    kith_sqlite: Kith, service: str, field: str, postcode: str, council: str
) -> None:
    """Never refuse on an answer the person could not give (INTERFACES: unknown)."""
    changes = {field: postcode, f"{field}_council": "not sure"}
    _, referral = refer(kith_sqlite, service, **changes)
    assert referral["outcome"] == "needs_review"
    assert referral["answers"][f"{field}_council"] == "unknown"


# No: out, and the refusal names the council the postcode is in.
NOT_THE_COUNCIL: list[tuple[str, dict[str, str | None], str, str, Callable[[str], bool]]] = [
    (
        "derby-peer-support",
        {"postcode": "NG1 5AB"},  # Nottingham city centre: not Derbyshire County (3.5)
        "postcode",
        "Nottingham City Council",
        lambda text: "Derbyshire" not in text,
    ),
    (
        "derby-peer-support",
        {"postcode": "NG10 1AB"},  # Long Eaton: Erewash, in Derbyshire County
        "postcode",
        "Derbyshire County Council",
        lambda text: "Nottingham" not in text,
    ),
    (
        "derby-peer-support",
        {"postcode": "DE22 5AB", "postcode_council": "2"},  # Quarndon: said not Derby
        "postcode_council",
        "Derbyshire County Council",
        lambda text: True,
    ),
    (
        # A Kirklees carer living elsewhere goes to the council where THEY live (1.6).
        "kirklees-carers-options",
        {"postcode": "HX1 1AB"},  # Halifax
        "postcode",
        "Calderdale Council",
        # One signpost (issue 10, 6): the council where the carer lives, named.
        lambda text: text.count("You could contact") == 1 and "Kirklees Council" not in text,
    ),
    (
        "kirklees-advocacy",
        {"postcode": "LS1 4AP"},  # Leeds city centre
        "postcode",
        "Leeds City Council",
        lambda text: True,
    ),
    (
        "leicester-carers",
        {"postcode": "LE18 4AB", "cared_for_postcode": "LE11 3AB"},  # Wigston; Loughborough
        "cared_for_postcode",
        "Leicestershire County Council",
        lambda text: True,
    ),
    (
        "thurrock-floating-support",
        {"postcode": "RM1 1AB", "temporary_accommodation_elsewhere": "no"},  # Romford
        "temporary_accommodation_elsewhere",
        "London Borough of Havering",
        lambda text: True,
    ),
]


@pytest.mark.parametrize(
    ("service", "changes", "until", "council", "check"),
    NOT_THE_COUNCIL,
    ids=[f"{case[0]}-{case[3]}" for case in NOT_THE_COUNCIL],
)
def test_out_of_area_refusal_names_the_council_the_postcode_is_in(
    kith_sqlite: Kith,
    service: str,
    changes: dict[str, str | None],
    until: str,
    council: str,
    check: Callable[[str], bool],
) -> None:
    """002 3.5, 000 1.6, 001 1.4, 003 6.3, 004 4.1.3: a postcode outside the local
    authority is outside the service; the signpost is where the person can go."""
    replies, referral = refer(kith_sqlite, service, until=until, **changes)
    assert referral["outcome"] == "not_accepted"
    text = outcome_text(replies)
    postcode = changes.get("cared_for_postcode") if until == "cared_for_postcode" else None
    postcode = postcode or changes["postcode"]
    assert f"{council}, the council for {postcode}" in text
    assert check(text), text
