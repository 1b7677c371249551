"""Always-on words and crisis phrases, in the middle of a real conversation (`kith chat`)."""

from __future__ import annotations

import pytest

from tests.conftest import Kith

SERVICE = "kirklees-carers-options"
TO_AGE = ["hi", "yes", "1"]  # consent given, referrer answered: the age question is open


def texts(replies: list[dict[str, object]]) -> list[str]:
    return [str(reply["text"]) for reply in replies]


@pytest.mark.parametrize(
    "word", ["STOP", "stop", " Stop. ", "STOPALL", "Unsubscribe!", "cancel", "END", "quit"]
)
def test_opt_out_words_stop_every_later_message(kith_sqlite: Kith, word: str) -> None:
    replies = kith_sqlite.chat(SERVICE, [*TO_AGE, word])
    assert "no more messages" in replies[-1]["text"]
    later = kith_sqlite.chat(SERVICE, ["45", "hello", "HELP"])
    assert later == []
    assert kith_sqlite.sql("select opted_out from participants") == [(True,)]


def test_start_opts_back_in_and_the_conversation_resumes(kith_sqlite: Kith) -> None:
    kith_sqlite.chat(SERVICE, [*TO_AGE, "STOP"])
    replies = kith_sqlite.chat(SERVICE, ["START"])
    assert "again" in replies[0]["text"]
    assert replies[-1]["field"] == "age"
    assert kith_sqlite.sql("select opted_out from participants") == [(False,)]


def test_yes_opts_in_only_while_opted_out(kith_sqlite: Kith) -> None:
    kith_sqlite.chat(SERVICE, [*TO_AGE, "STOP"])
    replies = kith_sqlite.chat(SERVICE, ["yes"])
    assert "again" in replies[0]["text"]
    # Not opted out: YES at the age question is just a wrong answer.
    replies = kith_sqlite.chat(SERVICE, ["yes"])
    assert replies[-1]["field"] == "age"
    assert "number" in replies[-1]["text"]


def test_a_longer_message_with_an_opt_out_word_is_asked_about_not_obeyed(
    kith_sqlite: Kith,
) -> None:
    replies = kith_sqlite.chat(SERVICE, [*TO_AGE, "please stop texting me"])
    assert any("reply STOP on its own" in t for t in texts(replies))
    assert kith_sqlite.sql("select opted_out from participants") == [(False,)]
    assert kith_sqlite.chat(SERVICE, ["45"])[-1]["field"] == "cares_significant_time"


def test_help_says_who_we_are_and_how_to_reach_a_person_then_carries_on(
    kith_sqlite: Kith,
) -> None:
    replies = kith_sqlite.chat(SERVICE, [*TO_AGE, "help"])
    help_text = replies[-2]["text"]
    assert "Carers Options" in help_text
    assert "PERSON" in help_text
    assert "999" in help_text
    assert "mental health" not in help_text.lower()  # discreet
    assert replies[-1]["field"] == "age"


def test_back_returns_to_the_previous_question_and_replaces_the_answer(kith_sqlite: Kith) -> None:
    replies = kith_sqlite.chat(SERVICE, [*TO_AGE, "17", "yes", "back"])
    # 17, confirmed, ended the conversation (carer under 18, seed 000 1.6): BACK after the
    # end says how to change an answer.
    assert replies[-1]["field"] is None
    assert "To change an answer" in replies[-1]["text"]
    kith_sqlite.chat(SERVICE, ["restart"], address="console:other")
    replies = kith_sqlite.chat(SERVICE, ["yes", "1", "45", "back"], address="console:other")
    assert replies[-1]["field"] == "age"
    replies = kith_sqlite.chat(SERVICE, ["50"], address="console:other")
    assert replies[-1]["field"] == "cares_significant_time"
    state = kith_sqlite.sql("select state from participants where address = 'console:other'")
    assert '"age": 50' in str(state[0][0]) or "'age': 50" in str(state[0][0])


def test_restart_clears_answers_and_asks_consent_again(kith_sqlite: Kith) -> None:
    replies = kith_sqlite.chat(SERVICE, [*TO_AGE, "45", "RESTART"])
    assert replies[-1]["field"] == "consent"
    state = str(kith_sqlite.sql("select state from participants")[0][0])
    assert "45" not in state


@pytest.mark.parametrize(
    "message",
    [
        "I want to kill myself",
        "i'm thinking about SUICIDE",
        "I took an overdose",
        "I want to end my life",
        "I self-harm sometimes",
        "I keep wanting to hurt myself",
        "I am not safe at home",
        "Suïcide",  # accents ignored
    ],
)
def test_crisis_phrases_get_crisis_routes_at_once_and_alert_staff(
    kith_sqlite: Kith, message: str
) -> None:
    replies = kith_sqlite.chat(SERVICE, [*TO_AGE, message])
    crisis = replies[-2]["text"]
    assert crisis.startswith("Thank you for telling us")
    for route in ("999", "111", "116 123", "85258", "emergencySMS", "18000"):
        assert route in crisis
    assert "CONTINUE" in replies[-1]["text"]  # the conversation pauses
    assert replies[-1]["field"] is None
    assert kith_sqlite.sql("select kind, service_id, words from staff_alerts") == [
        ("crisis", SERVICE, message)
    ]


@pytest.mark.parametrize(
    "message",
    ["just killing time", "I want to diet", "self harmony", "my husband is unsafe driving", "45"],
)
def test_ordinary_words_are_not_crisis_phrases(kith_sqlite: Kith, message: str) -> None:
    replies = kith_sqlite.chat(SERVICE, [*TO_AGE, message])
    assert not any("116 123" in t for t in texts(replies))
    assert kith_sqlite.sql("select count(*) from staff_alerts") == [(0,)]


def test_crisis_words_before_any_conversation_and_after_opt_out(kith_sqlite: Kith) -> None:
    first = kith_sqlite.chat(SERVICE, ["I want to die"])
    assert "116 123" in first[0]["text"]
    kith_sqlite.chat(SERVICE, ["STOP"], address="console:stopped")
    after_stop = kith_sqlite.chat(SERVICE, ["I want to die"], address="console:stopped")
    assert after_stop == []  # STOP is honoured...
    assert kith_sqlite.sql("select count(*) from staff_alerts") == [(2,)]  # ...staff still told


def test_three_wrong_answers_offer_a_person_and_person_makes_a_review(kith_sqlite: Kith) -> None:
    replies = kith_sqlite.chat(SERVICE, [*TO_AGE, "forty", "old", "??"])
    assert "PERSON" in replies[-2]["text"]
    assert "for example" in replies[-1]["text"]
    replies = kith_sqlite.chat(SERVICE, ["person"])
    assert replies[-1]["text"].startswith("We have asked someone from Carers Options")
    referrals = kith_sqlite.referrals()
    assert [(r["outcome"], r["reasons"]) for r in referrals] == [
        ("needs_review", ["asked_for_person"])
    ]
    assert kith_sqlite.sql("select kind from staff_alerts") == [("person_requested",)]


def test_person_before_consent_stores_nothing(kith_sqlite: Kith) -> None:
    replies = kith_sqlite.chat(SERVICE, ["hi", "person"])
    assert replies[-1]["field"] == "consent"
    assert kith_sqlite.referrals() == []
    assert kith_sqlite.sql("select count(*) from staff_alerts") == [(0,)]


def test_language_menu_lists_languages_in_their_own_names(kith_sqlite: Kith) -> None:
    replies = kith_sqlite.chat(SERVICE, [*TO_AGE, "LANGUAGE"])
    assert replies[-1]["field"] == "language"
    assert "English" in replies[-1]["text"]
    replies = kith_sqlite.chat(SERVICE, ["1"])
    assert replies[-1]["field"] == "age"


def test_start_as_a_first_message_begins_a_conversation(kith_sqlite: Kith) -> None:
    replies = kith_sqlite.chat(SERVICE, ["START"])
    assert replies[-1]["field"] == "consent"


def test_person_after_a_refusal_alerts_staff_against_that_referral(kith_sqlite: Kith) -> None:
    kith_sqlite.chat(SERVICE, [*TO_AGE, "17", "yes"])  # carer under 18: not accepted
    replies = kith_sqlite.chat(SERVICE, ["PERSON"])
    assert replies[-1]["text"].startswith("We have asked someone from Carers Options")
    assert "by " not in replies[-1]["text"]  # the deadline is not repeated
    (referral,) = kith_sqlite.referrals()
    assert referral["status"] == "new"  # a message from the person never changes status
    assert kith_sqlite.sql("select kind, referral_id from staff_alerts") == [
        ("person_requested", referral["id"])
    ]


def test_the_time_of_an_opt_out_is_kept_and_cleared_on_opt_in(kith_sqlite: Kith) -> None:
    kith_sqlite.chat(SERVICE, [*TO_AGE, "STOP"], clock="2026-06-01T10:00:00+01:00")
    kith_sqlite.chat(SERVICE, ["hello"], clock="2026-06-02T10:00:00+01:00")
    (stopped_at,) = kith_sqlite.sql("select opted_out_at from participants")[0]
    assert str(stopped_at).startswith("2026-06-01 09:00")
    kith_sqlite.chat(SERVICE, ["START"], clock="2026-06-03T10:00:00+01:00")
    assert kith_sqlite.sql("select opted_out_at from participants") == [(None,)]
