"""Catalogs: complete, placeholders kept, compiled files current; Urdu end to end."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from conversations.i18n import load_catalog
from tests.conftest import Kith

LOCALES = Path("locales")
LANGUAGES = sorted(p.parent.parent.name for p in LOCALES.glob("*/LC_MESSAGES/kith.po"))
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def test_urdu_is_shipped() -> None:
    assert "ur" in LANGUAGES


def test_the_template_holds_every_message_of_the_code_and_definitions(tmp_path: Path) -> None:
    fresh = tmp_path / "kith.pot"
    pybabel = Path(sys.executable).parent / "pybabel"
    subprocess.run(
        [str(pybabel), "-q", "extract", "-F", "babel.cfg", "-k", "N_", "-o", str(fresh), "."],
        check=True,
    )
    with fresh.open("rb") as new, (LOCALES / "kith.pot").open("rb") as shipped:
        wanted = {m.id for m in read_po(new) if m.id}
        have = {m.id for m in read_po(shipped) if m.id}
    assert wanted - have == set(), "run `make locales`"
    assert len(wanted) > 250


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_with_its_placeholders(language: str) -> None:
    with (LOCALES / "kith.pot").open("rb") as handle:
        template = {m.id for m in read_po(handle) if m.id}
    with (LOCALES / language / "LC_MESSAGES" / "kith.po").open("rb") as handle:
        catalog = read_po(handle)
    missing = sorted(m for m in template if not catalog.get(m) or not catalog[m].string)
    assert missing == []
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert fuzzy == []
    for message in catalog:
        if isinstance(message.id, tuple):  # plural: every form keeps the plural's placeholders
            wanted = set(PLACEHOLDER.findall(message.id[1]))
            assert all(set(PLACEHOLDER.findall(form)) == wanted for form in message.string)
        elif message.id:
            assert sorted(PLACEHOLDER.findall(str(message.id))) == sorted(
                PLACEHOLDER.findall(str(message.string))
            ), message.id


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalog_in_use_matches_its_source(language: str) -> None:
    # Compiled by the package build (setup.py) or `kith i18n compile`, never committed;
    # a source checkout without `.mo` files compiles in memory.
    translations = load_catalog(LOCALES, language)
    with (LOCALES / language / "LC_MESSAGES" / "kith.po").open("rb") as po:
        for message in read_po(po):
            if message.id and isinstance(message.id, str):
                assert translations.gettext(message.id) == message.string


def _key(text: object) -> object:
    """A message id or string; a plural's forms as a tuple (the .mo reader gives a list)."""
    return tuple(text) if isinstance(text, list | tuple) else text


def test_a_whole_conversation_in_urdu(kith_sqlite: Kith) -> None:
    answers = [
        "سلام",
        "ہاں",
        "1",
        "۴۵",
        "جی",
        "1",
        "۴۰",
        "ہاں",
        "HD1 2AB",
        "WF13 1AB",
        "3",
        "علی",
        "3",
        "1",
    ]
    replies = kith_sqlite.chat(
        "kirklees-carers-options", answers, lang="ur", clock="2026-04-02T15:00:00+01:00"
    )
    urdu = re.compile(r"[\u0600-\u06FF]")
    assert all(urdu.search(reply["text"]) for reply in replies)
    referrer = next(r for r in replies if r["field"] == "referrer")
    assert all(urdu.search(choice["label"]) for choice in referrer["choices"])
    (referral,) = kith_sqlite.referrals()
    assert referral["language"] == "ur"
    assert referral["outcome"] == "accepted"
    assert referral["answers"]["age"] == 45  # Urdu digits read as numbers
    assert referral["answers"]["first_name"] == "علی"
    assert referral["first_contact_due"] == "2026-04-09T23:59:59+01:00"
    acknowledgement = next(r for r in replies if r["field"] is None and "جمعرات" in r["text"])
    assert acknowledgement["text"]  # Thursday, in Urdu, in the acknowledgement
    # Then the optional monitoring questions (seed 000 5.4), counted, in Urdu.
    assert replies[-1]["field"] == "gender" and "4" in replies[-1]["text"]


def test_language_word_switches_to_urdu_mid_conversation(kith_sqlite: Kith) -> None:
    replies = kith_sqlite.chat("kirklees-carers-options", ["hi", "yes", "LANGUAGE"])
    menu = replies[-1]
    assert "اردو" in menu["text"]
    number = next(c["n"] for c in menu["choices"] if c["key"] == "ur")
    replies = kith_sqlite.chat("kirklees-carers-options", [str(number)])
    assert replies[-1]["field"] == "referrer"
    assert re.search(r"[\u0600-\u06FF]", replies[-1]["text"])


def test_urdu_crisis_words_get_the_crisis_routes(kith_sqlite: Kith) -> None:
    replies = kith_sqlite.chat(
        "kirklees-carers-options", ["سلام", "ہاں", "میں خودکشی کا سوچ رہا ہوں"], lang="ur"
    )
    assert any("116 123" in r["text"] for r in replies)
    assert kith_sqlite.sql("select kind from staff_alerts") == [("crisis",)]


def test_urdu_stop_word_opts_out(kith_sqlite: Kith) -> None:
    replies = kith_sqlite.chat("kirklees-carers-options", ["سلام", "بند کریں"], lang="ur")
    assert kith_sqlite.sql("select opted_out from participants") == [(True,)]
    assert "START" in replies[-1]["text"]


def test_urdu_typed_on_an_arabic_keyboard_is_understood(kith_sqlite: Kith) -> None:
    # Arabic yeh (ي) and heh (ه) where Urdu has ی and ہ: "نهيں" is "نہیں" (no).
    replies = kith_sqlite.chat("kirklees-carers-options", ["سلام", "نهيں"], lang="ur")
    assert kith_sqlite.sql("select count(*) from participants") == [(0,)]
    assert replies[-1]["field"] is None
