"""Issue 15: every shipped language understood, formatted and offered (no database)."""

from __future__ import annotations

import re
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
import yaml
from babel.messages.pofile import read_po

from bot.core.deadlines import LONDON
from conversations.answers import fold, parse_number, parse_yes_no
from conversations.engine import Engine
from conversations.i18n import translator
from conversations.keywords import Word, always_on_word, crisis_languages, words
from conversations.languages import codes, language, script_of
from conversations.registry import load_registry

LOCALES = Path("locales")
SHIPPED = ["en", "ur", "pa", "gu", "pl", "so", "ar", "bn", "ro"]  # issue 15, point 1
NON_LATIN = {"ur", "pa", "gu", "ar", "bn"}
# A reply naming a language's script: its letters' Unicode block.
SCRIPT = {
    "ur": "[\u0600-\u06ff]",
    "ar": "[\u0600-\u06ff]",
    "pa": "[\u0a00-\u0a7f]",
    "gu": "[\u0a80-\u0aff]",
    "bn": "[\u0980-\u09ff]",
}
# Digits of each script (issue 15, point 4): 4 and 5.
FORTY_FIVE = {
    "ur": "۴۵",  # Extended Arabic-Indic
    "ar": "٤٥",  # Arabic-Indic
    "pa": "੪੫",  # Gurmukhi
    "gu": "૪૫",  # Gujarati
    "bn": "৪৫",  # Bengali
}
# Local yes and no, as people write them.
YES_NO = {
    "en": ("yes", "no"),
    "ur": ("جی ہاں", "نہیں"),
    "pa": ("ਹਾਂ ਜੀ", "ਨਹੀਂ"),
    "gu": ("હા", "ના"),
    "pl": ("Tak", "nie"),
    "so": ("haa", "maya"),
    "ar": ("نعم", "لا"),
    "bn": ("হ্যাঁ", "না"),
    "ro": ("Da", "nu"),
}


def _corpus(code: str) -> dict[str, list[str]]:
    path = LOCALES / code / "crisis_examples.yaml"
    return dict(yaml.safe_load(path.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def leicester() -> Engine:
    return load_registry().engine("leicester-carers")


def test_the_nine_languages_are_shipped_with_their_own_names() -> None:
    assert list(codes()) == SHIPPED
    assert language("pa").name == "ਪੰਜਾਬੀ"
    assert language("gu").name == "ગુજરાતી"
    assert language("bn").name == "বাংলা"
    assert language("ar").name == "العربية"
    assert language("ur").name == "اردو"


@pytest.mark.parametrize("code", SHIPPED)
def test_catalog_passes_babels_checks(code: str) -> None:
    if code == "en":
        pytest.skip("English message ids are the English text")
    with (LOCALES / code / "LC_MESSAGES" / "kith.po").open("rb") as handle:
        catalog = read_po(handle, locale=code)
    problems = [(message.id, errors) for message, errors in catalog.check() if errors]
    assert problems == []


def test_no_compiled_catalog_is_committed() -> None:
    tracked = subprocess.run(
        ["git", "ls-files", "*.mo"], capture_output=True, text=True, check=True
    ).stdout
    assert tracked == ""


@pytest.mark.parametrize("code", SHIPPED)
def test_crisis_corpus(code: str) -> None:
    corpus = _corpus(code)
    assert len(corpus["crisis"]) >= 5 and len(corpus["not_crisis"]) >= 3
    missed = [text for text in corpus["crisis"] if code not in crisis_languages(text)]
    assert missed == []
    false_alarms = [text for text in corpus["not_crisis"] if crisis_languages(text)]
    assert false_alarms == []


@pytest.mark.parametrize("code", sorted(FORTY_FIVE))
def test_native_script_digits_are_numbers(code: str) -> None:
    assert parse_number(FORTY_FIVE[code], 0, 120) == 45
    assert fold(FORTY_FIVE[code]) == "45"


@pytest.mark.parametrize("code", SHIPPED)
def test_local_yes_and_no(code: str) -> None:
    yes, no = YES_NO[code]
    assert parse_yes_no(yes, words("yes", code), words("no", code)) is True
    assert parse_yes_no(no, words("yes", code), words("no", code)) is False


@pytest.mark.parametrize("code", SHIPPED)
def test_the_language_word_of_every_language_works_whatever_the_chosen_one(code: str) -> None:
    raw = yaml.safe_load((LOCALES / code / "words.yaml").read_text(encoding="utf-8"))
    for said in raw["language"]:
        assert always_on_word(said, "pl") is Word.LANGUAGE, said


@pytest.mark.parametrize("code", sorted(NON_LATIN))
def test_times_carry_no_latin_am_or_pm_in_non_latin_text(code: str) -> None:
    for hour in (7, 17):
        shown = translator(code).format_clock(datetime(2026, 4, 9, hour, 42, tzinfo=LONDON))
        assert not re.search(r"[AaPp]\.?[Mm]\.?", shown), shown
        assert "42" in fold(shown)


def test_dates_are_in_the_language_from_cldr() -> None:
    day = datetime(2026, 4, 9, 9, 0, tzinfo=LONDON)
    assert translator("pl").format_day(day) == "czwartek 9 kwietnia"
    assert translator("ro").format_day(day) == "joi 9 aprilie"
    assert "جمعرات" in translator("ur").format_day(day)


def test_script_of_a_message() -> None:
    assert script_of("السلام علیکم") == "Arabic"
    assert script_of("ਸਤ ਸ੍ਰੀ ਅਕਾਲ") == "Gurmukhi"
    assert script_of("નમસ્તે") == "Gujarati"
    assert script_of("নমস্কার") == "Bengali"
    assert script_of("dzień dobry") == "Latin"
    assert script_of("۴۵") is None


@pytest.mark.parametrize(
    ("greeting", "first"),
    [("السلام علیکم", {"ur", "ar"}), ("ਸਤ ਸ੍ਰੀ ਅਕਾਲ", {"pa"}), ("নমস্কার", {"bn"})],
)
def test_a_first_message_in_a_script_offers_its_languages_first(
    leicester: Engine, greeting: str, first: set[str]
) -> None:
    result = leicester.step(None, greeting, datetime(2026, 4, 9, 10, tzinfo=LONDON))
    menu = result.replies[-1]
    assert menu.field == "language"
    offered = [choice["key"] for choice in menu.choices or ()]
    assert set(offered[: len(first)]) == first
    assert len(offered) == len(SHIPPED)
    # Each language's line is in its own name and script, with how to reply.
    for line, choice in zip(menu.text.splitlines()[1:], menu.choices or (), strict=True):
        assert language(choice["key"]).name in line
        assert str(choice["n"]) in line.split(language(choice["key"]).name, 1)[1]


def test_rtl_replies_keep_phone_numbers_in_order(leicester: Engine) -> None:
    now = datetime(2026, 4, 9, 10, tzinfo=LONDON)
    result = leicester.step(None, "میں خودکشی کرنا چاہتا ہوں", now, language="ur")
    urdu = result.replies[0].text
    assert "\u2066116 123\u2069" in urdu  # an isolate: read left to right inside Urdu


def test_crisis_words_in_another_language_get_routes_in_both(leicester: Engine) -> None:
    now = datetime(2026, 4, 9, 10, tzinfo=LONDON)
    result = leicester.step(None, "chcę umrzeć", now, language="ro")
    routes = [reply for reply in result.replies if reply.purpose == "crisis"]
    # Romanian (the person's), Polish (the words') and English (neither is reviewed).
    assert [reply.language for reply in routes] == ["ro", "pl", "en"]
    assert all("116 123" in reply.text for reply in routes)


@pytest.mark.parametrize("code", SHIPPED)
def test_always_on_words_of_each_language(code: str) -> None:
    raw = yaml.safe_load((LOCALES / code / "words.yaml").read_text(encoding="utf-8"))
    kinds = {
        "opt_out": Word.OPT_OUT,
        "help": Word.HELP,
        "language": Word.LANGUAGE,
        "back": Word.BACK,
        "restart": Word.RESTART,
        "person": Word.PERSON,
        "delete": Word.DELETE,
    }
    misread = [
        (said, kind)
        for kind, word in kinds.items()
        for said in raw.get(kind) or ()
        if always_on_word(str(said), code) is not word
    ]
    assert misread == []
