"""Issue 10 points 3 and 4: the crisis pause, and PERSON meaning a person.

SPEC's crisis routes come first, with thanks, in the person's language, text-only
routes included (SHOUT by text, 999 by emergencySMS, Relay UK 18000); then the questions
wait for CONTINUE. PERSON raises a `person_requested` alert, says truly what was done,
never repeats a deadline and never changes a referral's status.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from conversations.engine import AlertDraft
from tests.conftest import KIRKLEES_ELIGIBLE, Kith
from tests.conversations.engine_helpers import KIRKLEES, Person

SERVICE = "kirklees-carers-options"
TEXT_ONLY_ROUTES = ("85258", "emergencySMS", "18000")


def test_crisis_routes_come_first_with_thanks_and_the_text_only_routes() -> None:
    person = Person(SERVICE)
    person.start(KIRKLEES, stop_at="age")
    person.send("I want to end my life")
    routes, pause = person.texts()
    assert routes.startswith("Thank you for telling us.")
    for route in ("999", "111", "116 123", *TEXT_ONLY_ROUTES):
        assert route in routes
    assert person.last.replies[0].purpose == "crisis"
    assert "CONTINUE" in pause and "PERSON" in pause
    assert person.last.alerts == [AlertDraft("crisis", "I want to end my life")]
    # "end" is an opt-out word, but crisis words never get the "reply STOP" hint.
    assert not any("STOP" in text for text in person.texts())


def test_crisis_routes_and_thanks_are_in_the_persons_language() -> None:
    person = Person(SERVICE, language="ur")
    person.send("خودکشی")
    # Urdu is not yet reviewed by a fluent speaker (docs/translations.md, issue 15):
    # the routes follow in English too.
    routes, english, pause = person.texts()
    assert routes.startswith("ہمیں بتانے کا شکریہ")
    assert english.startswith("Thank you for telling us.")
    for route in TEXT_ONLY_ROUTES:
        assert route in routes and route in english
    assert "CONTINUE" in pause
    assert person.last.crisis


def test_after_crisis_words_no_question_is_sent_until_continue() -> None:
    person = Person(SERVICE)
    person.start(KIRKLEES, stop_at="age")
    person.send("I am not safe")
    person.send("45")
    assert person.asking() is None  # the answer is not taken, no question is sent
    assert "CONTINUE" in person.texts()[-1]
    assert "age" not in (person.state.answers if person.state else {})
    person.send("HELP")
    assert person.asking() is None and "CONTINUE" in person.texts()[-1]
    person.send("continue")
    assert person.asking() == "age"
    person.send("45")
    assert person.asking() == "cares_significant_time"


@pytest.mark.parametrize("word", ["jari", "جاری رکھیں", "CONTINUE"])
def test_continue_in_urdu_or_english_carries_on(word: str) -> None:
    person = Person(SERVICE, language="ur")
    person.start(KIRKLEES, stop_at="age")
    person.send("khudkushi")
    person.send(word)
    assert person.asking() == "age"


def test_crisis_as_a_first_message_pauses_before_the_welcome() -> None:
    person = Person(SERVICE)
    person.send("I want to die")
    assert person.asking() is None
    assert person.state is not None and person.state.consent_at is None  # nothing kept
    person.send("continue")
    assert person.asking() == "consent"


def test_person_after_crisis_words_before_consent_asks_someone_to_get_in_touch() -> None:
    person = Person(SERVICE)
    person.send("I want to die")
    person.send("PERSON")
    assert person.texts()[-1].startswith("We have asked someone from Carers Options")
    assert [alert.kind for alert in person.last.alerts] == ["person_requested"]
    assert person.last.referral is None  # no consent: no referral is made


def test_person_is_contacted_by_text_when_they_chose_text_only() -> None:
    person = Person(SERVICE)
    person.start({**KIRKLEES, "communication_needs": "1"})  # 1 Text only
    assert person.last.referral is not None
    person.send("I feel like I want to die")
    assert "CONTINUE" not in person.texts()[-1]  # nothing left to carry on with
    person.send("PERSON")
    (text,) = person.texts()
    assert text.startswith("We have asked someone from Carers Options to text you.")
    assert "85258" in text  # help today by text
    assert person.last.alerts == [AlertDraft("person_requested", "PERSON", text_only=True)]


def test_person_mid_conversation_refers_for_review_and_never_gives_a_deadline() -> None:
    person = Person(SERVICE)
    person.start(KIRKLEES, stop_at="postcode")
    person.send("talk to someone")
    (text,) = person.texts()
    assert text.startswith("We have asked someone from Carers Options to contact you.")
    assert "If you need help today" in text
    assert "March" not in text  # no deadline promised
    draft = person.last.referral
    assert draft is not None and draft.outcome == "needs_review"
    assert "asked_for_person" in draft.reasons
    assert [alert.kind for alert in person.last.alerts] == ["person_requested"]


def test_urgent_referral_out_of_core_hours_gets_routes_and_an_urgent_alert() -> None:
    """Leicester 9.12 (core hours Mon-Fri 9-5) and 9.16 (urgent: same day)."""
    saturday = datetime(2026, 4, 18, 10, 0, tzinfo=UTC)
    answers = {
        "referrer": "1",
        "urgent": "yes",
        "age": "52",
        "looks_after_someone": "yes",
        "caring_status": "1",
        "cared_for_relationship": "1",
        "cared_for_age": "78",
        "cared_for_condition": "2",
        "postcode": "LE1 5WW",
        "cared_for_postcode": "LE1 1AA",
        "assessment_through_leicester": "yes",
        "cared_for_in_transition": "no",
        "first_name": "Asha",
        "contact_time": "4",
        "communication_needs": "2",
    }
    weekend = Person("leicester-carers", now=saturday)
    weekend.start(answers)
    assert weekend.last.referral is not None and weekend.last.referral.urgent
    ack = weekend.texts()[0]  # then the optional monitoring questions (issue 10, 7)
    assert "is not at work now" in ack
    assert "116 123" in ack and "85258" in ack
    assert [alert.kind for alert in weekend.last.alerts] == ["urgent"]

    tuesday = Person("leicester-carers", now=datetime(2026, 4, 14, 10, 0, tzinfo=UTC))
    tuesday.start(answers)
    assert tuesday.last.referral is not None
    assert "is not at work now" not in tuesday.texts()[0]
    assert tuesday.last.alerts == []


def test_person_never_changes_a_referrals_status_and_alerts_against_it(kith_sqlite: Kith) -> None:
    """A withdrawn referral stays withdrawn; PERSON raises an alert on it (issue 11, 6)."""
    kith_sqlite.chat(SERVICE, KIRKLEES_ELIGIBLE)
    (referral,) = kith_sqlite.referrals()
    kith_sqlite.run(
        "referrals",
        "set-status",
        str(referral["id"]),
        "withdrawn",
        "--note",
        "moved away",
        env={"KITH_STAFF": "Test Staff"},
    )
    replies = kith_sqlite.chat(SERVICE, ["PERSON", "I want to die"])
    assert replies[0]["text"].startswith("We have asked someone from Carers Options")
    assert "March" not in replies[0]["text"]
    (after,) = kith_sqlite.referrals("--all")
    assert after["status"] == "withdrawn"
    alerts = kith_sqlite.sql("select kind, referral_id, service_id, words from staff_alerts")
    assert alerts == [
        ("person_requested", referral["id"], SERVICE, "PERSON"),
        ("crisis", referral["id"], SERVICE, "I want to die"),
    ]
