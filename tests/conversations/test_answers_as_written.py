"""Issue 10 point 5: answers as people write them, through the real engine.

Expected outcomes come from the seeds: Kirklees carers (000) 1.6 is for carers aged 18
or over of a family member or friend aged 18 to 64, living in Kirklees; Leicester carers
(003) 1.7 and 6.6 take carers whose caring ended less than twelve months ago; Kirklees
advocacy (001) 4.12 lists people assessed for or moving on from residential care among
its priorities.
"""

from __future__ import annotations

import pytest

from conversations.answers import fold, parse_number, strip_invisible
from tests.conversations.engine_helpers import KIRKLEES, Person

SERVICE = "kirklees-carers-options"


# -- consent reads the same yes/no words as every yes/no question ---------------------------


@pytest.mark.parametrize(
    "answer",
    ["yes please", "yeah go ahead", "ok", "OK!", "fine", "👍", "👍🏽", "Yes 👍", "go ahead"],
)
def test_consent_accepts_the_yes_words_of_every_yes_no_question(answer: str) -> None:
    person = Person(SERVICE)
    person.send("hello")
    person.send(answer)
    assert person.state is not None and person.state.consent_at is not None
    assert person.asking() == "referrer"


@pytest.mark.parametrize("answer", ["no thanks", "nope", "👎", "no"])
def test_consent_refused_in_the_same_words_keeps_nothing(answer: str) -> None:
    person = Person(SERVICE)
    person.send("hello")
    person.send(answer)
    assert person.state is None and person.last.consent_declined


def test_a_yes_no_question_takes_a_thumbs_up() -> None:
    person = Person(SERVICE)
    person.start(KIRKLEES, stop_at="cares_significant_time")
    person.send("👍")
    assert person.asking() == "cared_for_relationship"


# -- choices by number, key, label and synonyms --------------------------------------------


@pytest.mark.parametrize("answer", ["my mum", "My husband", "it's my dad", "wife", "1"])
def test_family_words_choose_a_family_member_000_1_6(answer: str) -> None:
    person = Person(SERVICE)
    person.start(KIRKLEES, stop_at="cared_for_relationship")
    person.send(answer)
    assert person.state is not None
    assert person.state.answers["cared_for_relationship"] == "family"
    assert person.asking() == "cared_for_age"


def test_urdu_family_words_choose_a_family_member() -> None:
    person = Person(SERVICE, language="ur")
    person.start(KIRKLEES, stop_at="cared_for_relationship")
    person.send("میری امی")
    assert person.state is not None
    assert person.state.answers["cared_for_relationship"] == "family"


def test_she_passed_away_means_caring_ended_003_1_7() -> None:
    person = Person("leicester-carers")
    person.start(
        {"referrer": "1", "urgent": "no", "age": "52", "looks_after_someone": "yes"},
        stop_at="caring_status",
    )
    person.send("she passed away in June")
    assert person.state is not None and person.state.answers["caring_status"] == "ended"
    assert person.asking() == "months_since_caring_ended"


def test_care_home_names_the_residential_care_priority_001_4_12() -> None:
    choices = next(
        q.choices
        for q in Person("kirklees-advocacy").engine.service.questions
        if any(c.key == "residential_care_assessment_or_move_on" for c in q.choices)
    )
    assert "care home" in next(
        c.also for c in choices if c.key == "residential_care_assessment_or_move_on"
    )


def test_an_answer_naming_several_choices_offers_just_those_back() -> None:
    person = Person(SERVICE)
    person.start(KIRKLEES, stop_at="cared_for_relationship")
    person.send("my friend's mum")
    (reply,) = person.last.replies
    assert reply.field == "cared_for_relationship"
    assert reply.text.startswith("Which one do you mean?")
    assert "1 A family member" in reply.text and "2 A friend" in reply.text
    assert "paid" not in reply.text
    assert [c["n"] for c in reply.choices or ()] == [1, 2]
    person.send("2")
    assert person.state is not None and person.state.answers["cared_for_relationship"] == "friend"


def test_a_negated_paid_answer_is_never_read_as_paid() -> None:
    """Refusing words are never guessed from part of a reply (000 1.6 paid carers)."""
    person = Person(SERVICE)
    person.start(KIRKLEES, stop_at="cared_for_relationship")
    person.send("I'm not paid")
    assert person.state is not None and "cared_for_relationship" not in person.state.answers
    assert person.last.referral is None


# -- re-asks and their limits ----------------------------------------------------------


def test_a_reask_repeats_the_options_briefly() -> None:
    person = Person(SERVICE)
    person.start(KIRKLEES, stop_at="cared_for_relationship")
    person.send("hmm")
    (reask,) = person.texts()
    assert reask.startswith("Sorry, please reply with one number:")
    assert "1 A family member" in reask and "3 Someone I am paid to care for" in reask


def test_a_multi_choice_reask_says_one_or_more_and_skip_where_allowed() -> None:
    person = Person(SERVICE)
    person.start(KIRKLEES, stop_at="communication_needs")
    person.send("whatever")
    (reask,) = person.texts()
    assert "one or more" in reask
    assert "1 Text only" in reask
    assert "SKIP" in reask


def test_person_is_offered_once_after_three_misses_and_the_question_left_after_five() -> None:
    person = Person(SERVICE)
    person.start(KIRKLEES, stop_at="cared_for_age")
    offers = []
    for wrong in ("forty", "old", "??", "not sure"):
        person.send(wrong)
        offers.append(any("PERSON" in text for text in person.texts()))
        assert person.asking() == "cared_for_age"
    assert offers == [False, False, True, False]  # offered once, after the third
    person.send("dunno")
    assert person.texts()[0].startswith("Let's leave that question for now.")
    assert person.asking() == "cared_for_assessed_mh_need"  # the conversation moves on
    assert person.state is not None
    # INTERFACES "Answers": a question left unanswered is the value `unknown`.
    assert person.state.answers["cared_for_age"] == "unknown"  # never a refusal
    person.answer_until(KIRKLEES)
    draft = person.last.referral
    assert draft is not None and draft.outcome != "not_accepted"
    assert draft.answers["cared_for_age"] == "unknown"


# -- a refusal resting on one typed number is confirmed first -------------------------------


def test_an_age_under_18_is_confirmed_before_the_refusal_000_1_6() -> None:
    person = Person(SERVICE)
    person.start(KIRKLEES, stop_at="age")
    person.send("4")
    (confirm,) = person.texts()
    assert confirm == "You said 4. Is that right? Reply YES or send your age again."
    assert person.last.referral is None
    person.send("yes")
    draft = person.last.referral
    assert draft is not None and draft.outcome == "not_accepted"
    assert draft.reasons == ("carer_under_18",)


def test_help_while_a_number_awaits_confirmation_asks_for_it_again() -> None:
    person = Person(SERVICE)
    person.start(KIRKLEES, stop_at="age")
    person.send("16")
    person.send("HELP")
    assert person.texts()[-1].startswith("You said 16. Is that right?")
    person.send("yes")
    draft = person.last.referral
    assert draft is not None and draft.reasons == ("carer_under_18",)


def test_sending_the_age_again_replaces_the_mistyped_one() -> None:
    person = Person(SERVICE)
    person.start(KIRKLEES, stop_at="age")
    person.send("4")
    person.send("44")
    assert person.asking() == "cares_significant_time"
    assert person.state is not None and person.state.answers["age"] == 44


def test_no_to_the_confirmation_asks_the_question_again() -> None:
    person = Person(SERVICE)
    person.start(KIRKLEES, stop_at="cared_for_age")
    person.send("70")  # 000 1.6: the person looked after is 18 to 64
    assert person.texts()[0].startswith("You said 70. Is that right?")
    person.send("no")
    assert person.texts() == ["How old is the person you look after?"]
    person.send("70")
    person.send("70")  # the same number twice is sure
    draft = person.last.referral
    assert draft is not None and draft.reasons == ("cared_for_65_or_over",)


# -- what a phone may add to a message --------------------------------------------------


def test_invisible_controls_are_removed_and_joiners_kept() -> None:
    assert strip_invisible("\u202e40\u202c") == "40"
    assert strip_invisible("\u2066Stop\u200b\u2069") == "Stop"
    assert strip_invisible("\ufeff4\u20605\u200e\u200f") == "45"
    assert strip_invisible("\u0646\u200c\u06cc") == "\u0646\u200c\u06cc"  # ZWNJ stays
    assert strip_invisible("a\u200db") == "a\u200db"  # ZWJ stays


def test_a_right_to_left_override_does_not_turn_40_into_04() -> None:
    person = Person(SERVICE)
    person.start(KIRKLEES, stop_at="cared_for_age")
    person.send("\u202e40")
    assert person.state is not None and person.state.answers["cared_for_age"] == 40


def test_stop_with_a_zero_width_space_is_stop() -> None:
    person = Person(SERVICE)
    person.start(KIRKLEES, stop_at="age")
    person.send("Stop\u200b")
    assert person.last.opt_out is True


def test_urdu_free_text_keeps_its_zero_width_non_joiner() -> None:
    person = Person(SERVICE, language="ur")
    person.start(KIRKLEES, stop_at="first_name")
    person.send("\u202bنور\u200cالعین\u202c")
    assert person.state is not None
    assert person.state.answers["first_name"] == "نور\u200cالعین"


# -- long answers, absurd numbers, the end ---------------------------------------------


def test_free_text_up_to_1600_characters_is_kept() -> None:
    person = Person(SERVICE)
    person.start(KIRKLEES, stop_at="first_name")
    person.send("y" * 1601)
    assert "1,600 characters" in person.texts()[0]
    person.send("n" * 1600)
    assert person.state is not None and person.state.answers["first_name"] == "n" * 1600


@pytest.mark.parametrize("field", ["age", "referrer", "priority"])
def test_a_4301_digit_number_is_reasked_not_a_crash(field: str) -> None:
    person = Person(SERVICE)
    person.start(KIRKLEES, stop_at=field)
    person.send("9" * 4301)
    assert person.asking() == field
    assert person.texts()[0].startswith("Sorry")


def test_parse_number_refuses_a_number_too_long_for_int() -> None:
    from conversations.answers import InvalidAnswer

    with pytest.raises(InvalidAnswer):
        parse_number("1" * 4301, 0, 120)
    assert fold("٤٥") == "45"


def test_back_after_the_end_says_how_to_change_an_answer() -> None:
    person = Person(SERVICE)
    person.start(KIRKLEES)
    assert person.last.referral is not None
    person.send("BACK")
    (text,) = person.texts()
    assert "To change an answer" in text and "RESTART" in text
