"""Issue 11 point 4: opt-out and opt-in exactly as carriers do it.

Twilio's default opt-out words are STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE
and OPTOUT; its block is lifted by START, UNSTOP and YES alone. On other channels the
same words in the person's language work too. A longer message holding an opt-out word
is asked about ("reply STOP on its own") at every point, never obeyed.
"""

from __future__ import annotations

import pytest

from conversations.menu import menu_step
from tests.conftest import Kith
from tests.conversations.engine_helpers import KIRKLEES, Person, registry

SERVICE = "kirklees-carers-options"
HINT = "To stop all messages, reply STOP on its own."


@pytest.mark.parametrize("word", ["REVOKE", "optout", "Opt-out", "STOPALL", "end"])
def test_twilios_current_opt_out_words_opt_out(word: str) -> None:
    person = Person(SERVICE, sms=True)
    person.start(KIRKLEES, stop_at="age")
    person.send(word)
    assert person.last.opt_out is True


def opted_out(sms: bool, language: str = "en") -> Person:
    person = Person(SERVICE, sms=sms, language=language)
    person.start(KIRKLEES, stop_at="age")
    person.send("STOP")
    assert person.opted_out
    return person


@pytest.mark.parametrize("word", ["ok", "yeah", "yes please", "sure", "haan", "shuru", "y"])
def test_on_sms_other_yes_words_do_not_opt_back_in(word: str) -> None:
    person = opted_out(sms=True)
    person.send(word)
    assert person.opted_out and person.last.replies == []


@pytest.mark.parametrize("word", ["START", "unstop", "Yes", " yes. "])
def test_on_sms_start_unstop_and_yes_opt_back_in(word: str) -> None:
    person = opted_out(sms=True)
    person.send(word)
    assert not person.opted_out
    assert person.asking() == "age"  # and the conversation resumes


@pytest.mark.parametrize("word", ["shuru", "شروع کریں", "haan", "ہاں", "START", "yes"])
def test_on_other_channels_the_words_in_the_persons_language_opt_back_in(word: str) -> None:
    person = opted_out(sms=False, language="ur")
    person.send(word)
    assert not person.opted_out


def test_on_other_channels_any_yes_word_still_does_not_opt_back_in() -> None:
    person = opted_out(sms=False)
    person.send("ok")
    assert person.opted_out


@pytest.mark.parametrize("point", ["consent", "age", "cared_for_relationship", "done"])
def test_a_longer_message_with_an_opt_out_word_gets_the_hint_at_every_point(point: str) -> None:
    person = Person(SERVICE, sms=True)
    person.send("hello")
    person.answer_until(KIRKLEES, stop_at=None if point == "done" else point)
    person.send("please stop texting me")
    assert person.texts()[0] == HINT
    assert person.last.opt_out is None and not person.opted_out


def test_the_consent_question_gives_the_hint_and_asks_again() -> None:
    person = Person(SERVICE, sms=True)
    person.send("hello")
    person.send("can I unsubscribe later?")
    assert person.texts()[0] == HINT
    assert person.asking() == "consent"


def test_the_service_menu_gives_the_hint() -> None:
    services = registry().enabled()
    menu = menu_step(services, "how do I stop these", "en", opted_out=False, shown=True, sms=True)
    assert menu.replies[0] == HINT
    assert menu.opt_out is None
    assert "Which service" in menu.replies[-1]


def test_the_service_menu_opts_back_in_only_on_carrier_words() -> None:
    services = registry().enabled()
    assert menu_step(services, "ok", "en", opted_out=True, shown=True, sms=True).opt_out is None
    assert menu_step(services, "YES", "en", opted_out=True, shown=True, sms=True).opt_out is False
    stop = menu_step(services, "Stop\u200b", "en", opted_out=False, shown=True, sms=True)
    assert stop.opt_out is True


def test_kith_chat_off_sms_opts_back_in_on_the_persons_own_word_not_any_yes(
    kith_sqlite: Kith,
) -> None:
    """Through the `kith chat` binary (not SMS): "haan" (Urdu "yes") opts back in; "ok" does not."""
    kith_sqlite.chat(SERVICE, ["hello", "STOP"], address="console:ur", lang="ur")
    assert kith_sqlite.sql("SELECT opted_out FROM participants") == [(True,)]
    assert kith_sqlite.chat(SERVICE, ["ok"], address="console:ur", lang="ur") == []
    assert kith_sqlite.sql("SELECT opted_out FROM participants") == [(True,)]
    replies = kith_sqlite.chat(SERVICE, ["haan"], address="console:ur", lang="ur")
    assert replies[-1]["field"] == "consent"  # back in, and asked where they left off
    assert kith_sqlite.sql("SELECT opted_out FROM participants") == [(False,)]
