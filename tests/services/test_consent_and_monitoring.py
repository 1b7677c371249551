"""Consent and data the seeds require (issue 10, point 7), through `kith chat --json`.

- Someone referring another person is asked the person's number and whether the person
  knows about and agrees to the referral, in every service (Kith's rule, SPEC
  "Consent"; Derby 002 3.7.1.3 "with consent of the person being referred", Thurrock
  004 4.1.3). Without agreement nothing is kept.
- Kirklees carers (seed 000 4.6, 4.9): the referral of an eligible carer goes on to the
  council's carers assessment team for a Carers Led Assessment (CLA); the person is told
  before agreeing, and the referral records it (counted in 5.4).
- Optional monitoring after the referral is stored and acknowledged: 000 5.4 (gender,
  ex-service personnel, ethnicity, where referrals come from: 4 questions), 001 5.4
  (gender, ex-service personnel, ethnicity: 3), 002 3.7.1.3 and 003 6.13 (demographic
  data including protected characteristics: gender, ethnicity, disability, religion,
  sexual orientation: 5); seed 004 asks for none.
"""

from __future__ import annotations

import csv
import io
from types import ModuleType

import pytest

from tests.conftest import Kith
from tests.services import test_derby_peer_support as derby
from tests.services import test_kirklees_advocacy as advocacy
from tests.services import test_kirklees_carers_options as carers
from tests.services import test_leicester_carers as leicester
from tests.services import test_thurrock_floating_support as thurrock
from tests.services.conversation_helpers import (
    Referred,
    outcome_text,
    question,
    refer_to,
)

TUESDAY = "2026-11-03T10:00:00+00:00"  # a working day, in core hours
MODULES: dict[str, ModuleType] = {
    "kirklees-carers-options": carers,
    "kirklees-advocacy": advocacy,
    "derby-peer-support": derby,
    "leicester-carers": leicester,
    "thurrock-floating-support": thurrock,
}
# How many monitoring questions each seed asks for (the clauses in the module docstring).
MONITORING_COUNT = {
    "kirklees-carers-options": 4,
    "kirklees-advocacy": 3,
    "derby-peer-support": 5,
    "leicester-carers": 5,
    "thurrock-floating-support": 0,
}


def third_party(kith: Kith, service: str, person_phone: str) -> Referred:
    """A family member or friend (choice 2 of every service) refers someone else."""
    module = MODULES[service]
    return refer_to(
        kith,
        service,
        module.ELIGIBLE,
        module.ORDER,
        clock=TUESDAY,
        referrer="2",
        person_agrees_to_referral="yes",
        person_phone=person_phone,
    )


# -- someone else's referral: their number and their agreement --------------------------


@pytest.mark.parametrize("service", sorted(MODULES))
@pytest.mark.parametrize("written", ["07700 900123", "+44 7700 900123", "447700900123"])
def test_a_referral_for_someone_else_asks_their_agreement_and_number(
    kith_sqlite: Kith, service: str, written: str
) -> None:
    replies, referral = third_party(kith_sqlite, service, person_phone=written)
    assert "agree" in question(replies, "person_agrees_to_referral")
    assert "phone number" in question(replies, "person_phone")
    assert referral["referrer"] == "family_or_friend"
    assert referral["answers"]["person_agrees_to_referral"] is True
    # Stored in E.164 however it was written, and the number staff call is the person's.
    assert referral["answers"]["person_phone"] == "+447700900123"
    assert referral["phone"] == "+447700900123"


@pytest.mark.parametrize("service", sorted(MODULES))
def test_no_agreement_is_declined_and_nothing_is_kept(kith: Kith, service: str) -> None:
    replies = kith.chat(service, ["hello", "yes", "2", "no"], clock=TUESDAY)
    assert "agrees" in replies[-1]["text"] and "not kept" in replies[-1]["text"]
    assert kith.referrals() == []
    assert kith.sql("select count(*) from referrals") == [(0,)]
    assert kith.sql("select count(*) from participants") == [(0,)]
    assert kith.sql("select kind from anonymous_events") == [("consent_declined",)]


def test_a_number_that_is_not_one_is_asked_again_with_an_example(kith_sqlite: Kith) -> None:
    replies = kith_sqlite.chat(
        "derby-peer-support", ["hello", "yes", "2", "yes", "07700 9001", "12"], clock=TUESDAY
    )
    reasks = [r for r in replies if r["field"] == "person_phone" and "Sorry" in r["text"]]
    assert len(reasks) == 2
    assert "07700 900123" in reasks[0]["text"] and "SKIP" in reasks[0]["text"]


def test_skip_leaves_the_number_out(kith_sqlite: Kith) -> None:
    _, referral = third_party(kith_sqlite, "thurrock-floating-support", person_phone="SKIP")
    assert "person_phone" not in referral["answers"]
    assert referral["outcome"] == "accepted"


def test_a_self_referral_is_not_asked_for_a_number_or_agreement(kith_sqlite: Kith) -> None:
    replies, _ = refer_to(
        kith_sqlite, "leicester-carers", leicester.ELIGIBLE, leicester.ORDER, clock=TUESDAY
    )
    fields = {r["field"] for r in replies}
    assert "person_phone" not in fields and "person_agrees_to_referral" not in fields


# -- Kirklees carers: the Carers Led Assessment (000 4.6, 4.9) --------------------------


def test_kirklees_consent_says_the_referral_goes_to_the_carers_assessment_team(
    kith_sqlite: Kith,
) -> None:
    replies = kith_sqlite.chat("kirklees-carers-options", ["hello"], clock=TUESDAY)
    consent = replies[-1]
    assert consent["field"] == "consent"
    assert "carers assessment team" in consent["text"] and "(CLA)" in consent["text"]
    assert consent["text"].rstrip().endswith("Reply YES or NO.")  # the question comes last


def test_kirklees_third_party_agreement_covers_the_carers_assessment_team(
    kith_sqlite: Kith,
) -> None:
    replies, referral = third_party(
        kith_sqlite, "kirklees-carers-options", person_phone="07700 900123"
    )
    assert "carers assessment team" in question(replies, "person_agrees_to_referral")
    assert referral["answers"]["cla_requested"] is True


def test_an_eligible_kirklees_carer_has_a_cla_requested_shown_and_exported(
    kith_sqlite: Kith,
) -> None:
    _, referral = refer_to(
        kith_sqlite, "kirklees-carers-options", carers.ELIGIBLE, carers.ORDER, clock=TUESDAY
    )
    assert referral["outcome"] == "accepted"
    assert referral["answers"]["cla_requested"] is True
    shown = kith_sqlite.run("referrals", "show", str(referral["id"]), "--json").stdout
    assert '"cla_requested": true' in shown
    exported = kith_sqlite.run("referrals", "export").stdout
    (row,) = list(csv.DictReader(io.StringIO(exported)))
    assert row["cla_requested"] == "yes"


def test_a_carer_refused_by_screening_has_no_cla_requested(kith_sqlite: Kith) -> None:
    # 000 1.6: the person cared for must be 18 to 64; 70 is refused (confirmed).
    _, referral = refer_to(
        kith_sqlite,
        "kirklees-carers-options",
        carers.ELIGIBLE,
        carers.ORDER,
        clock=TUESDAY,
        cared_for_age="70",
        until="cared_for_age",
    )
    assert referral["outcome"] == "not_accepted"
    assert referral["answers"]["cla_requested"] is False


# -- monitoring, after the acknowledgement -----------------------------------------------


@pytest.mark.parametrize("service", sorted(MODULES))
def test_monitoring_follows_the_acknowledgement_with_its_count(
    kith_sqlite: Kith, service: str
) -> None:
    module = MODULES[service]
    replies, referral = refer_to(kith_sqlite, service, module.ELIGIBLE, module.ORDER, clock=TUESDAY)
    assert referral["outcome"] == "accepted"
    ack = replies.index(next(r for r in replies if r["text"] == outcome_text(replies)))
    after = replies[ack + 1 :]
    count = MONITORING_COUNT[service]
    if count == 0:
        assert after == []
        return
    (first,) = after
    assert first["text"].startswith(
        f"{count} optional questions help us check we reach everyone. Reply SKIP to stop."
    )
    assert any(c["key"] == "prefer_not_to_say" for c in first["choices"])


def carers_then(kith: Kith, *monitoring: str) -> Referred:
    """An eligible Kirklees carer's referral, then these monitoring answers."""
    lines = carers.conversation()
    replies = kith.chat("kirklees-carers-options", [*lines, *monitoring], clock=TUESDAY)
    (referral,) = kith.referrals()
    return replies, referral


def test_monitoring_answers_are_added_to_the_stored_referral(kith_sqlite: Kith) -> None:
    _, before = carers_then(kith_sqlite)  # stored and acknowledged; gender asked
    replies = kith_sqlite.chat(
        "kirklees-carers-options", ["prefer not to say", "white", "2", "2"], clock=TUESDAY
    )
    (referral,) = kith_sqlite.referrals()
    answers = referral["answers"]
    assert answers["gender"] == "prefer_not_to_say"
    assert answers["ethnicity"] == "white"
    assert answers["ex_service"] == "no"
    assert answers["referral_source"] == "family_or_friend"
    assert replies[-1]["text"] == "Thank you. That is all."
    # Monitoring never changes screening, status or deadlines.
    for key in ("outcome", "reasons", "status", "first_contact_due", "first_meeting_due"):
        assert referral[key] == before[key]


def test_skip_stops_every_monitoring_question(kith_sqlite: Kith) -> None:
    replies, referral = carers_then(kith_sqlite, "1", "SKIP", "hello")
    assert "will not ask any more" in replies[-2]["text"]
    assert replies[-2]["field"] is None
    assert "is with us" in replies[-1]["text"]  # afterwards: the referral is with us
    assert referral["answers"]["gender"] == "woman"
    assert not {"ethnicity", "ex_service", "referral_source"} & set(referral["answers"])


def test_stopping_midway_keeps_the_referral_as_stored(kith_sqlite: Kith) -> None:
    _, referral = carers_then(kith_sqlite, "2")
    assert referral["outcome"] == "accepted"
    assert referral["answers"]["gender"] == "man"
    assert "ethnicity" not in referral["answers"]
    # The conversation is over: an expiry later sends no "unfinished" notice.
    assert kith_sqlite.sql("select count(*) from outbox where kind = 'expiry'") == [(0,)]


def test_no_monitoring_after_a_refusal(kith_sqlite: Kith) -> None:
    replies, referral = refer_to(
        kith_sqlite,
        "kirklees-carers-options",
        carers.ELIGIBLE,
        carers.ORDER,
        clock=TUESDAY,
        cared_for_age="70",
        until="cared_for_age",
    )
    assert referral["outcome"] == "not_accepted"
    assert not any("optional questions" in r["text"] for r in replies)
