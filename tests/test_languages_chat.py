"""Issue 15, done when: a whole self-referral in every language through `kith chat --json`.

Two services per language, answered as a person writing that language would: digits
in the language's own script, its own yes and no, its own word for SKIP. The answers
follow the seeds' eligibility clauses (bench/segments.py: Kirklees 000 1.6, 4.8, 4.9;
Derby 002 3.4, 3.5), so each referral is accepted.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import Kith, _kith_env

CLOCK = "2026-04-02T15:00:00+01:00"  # a Thursday afternoon
LANGUAGES = ["en", "ur", "pa", "gu", "pl", "so", "ar", "bn", "ro"]
DIGITS = {
    "ur": "۰۱۲۳۴۵۶۷۸۹",  # Extended Arabic-Indic
    "ar": "٠١٢٣٤٥٦٧٨٩",  # Arabic-Indic
    "pa": "੦੧੨੩੪੫੬੭੮੯",  # Gurmukhi
    "gu": "૦૧૨૩૪૫૬૭૮૯",  # Gujarati
    "bn": "০১২৩৪৫৬৭৮৯",  # Bengali
}
# A first message, yes, no and skip as people write them in each language.
SAID = {
    "en": ("hello", "yes", "no", "skip"),
    "ur": ("السلام علیکم", "جی ہاں", "نہیں", "چھوڑیں"),
    "pa": ("ਸਤ ਸ੍ਰੀ ਅਕਾਲ", "ਹਾਂ ਜੀ", "ਨਹੀਂ", "ਛੱਡੋ"),
    "gu": ("નમસ્તે", "હા", "ના", "છોડો"),
    "pl": ("dzień dobry", "tak", "nie", "pomiń"),
    "so": ("salaan", "haa", "maya", "dhaaf"),
    "ar": ("مرحبا", "نعم", "لا", "تخطي"),
    "bn": ("নমস্কার", "হ্যাঁ", "না", "বাদ দিন"),
    "ro": ("bună ziua", "da", "nu", "sari"),
}
SCRIPT = {
    "ur": r"[\u0600-\u06ff]",
    "ar": r"[\u0600-\u06ff]",
    "pa": r"[\u0a00-\u0a7f]",
    "gu": r"[\u0a80-\u0aff]",
    "bn": r"[\u0980-\u09ff]",
}
# Thursday 9 April 2026 (Kirklees: 5 working days) as CLDR writes it.
THURSDAY = {
    "en": "Thursday",
    "ur": "جمعرات",
    "pa": "ਵੀਰਵਾਰ",
    "gu": "ગુરુવાર",
    "pl": "czwartek",
    "so": "Khamiis",
    "ar": "الخميس",
    "bn": "বৃহস্পতিবার",
    "ro": "joi",
}


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Kith:
    """One migrated SQLite database for the module: each language uses its own addresses."""
    folder: Path = tmp_path_factory.mktemp("languages")
    kith = Kith(_kith_env(f"sqlite+aiosqlite:///{folder / 'kith.db'}", folder))
    kith.run("db", "upgrade")
    return kith


def native(code: str, number: str) -> str:
    """`number` in the digits of the language's script."""
    digits = DIGITS.get(code)
    return number if digits is None else "".join(digits[int(d)] for d in number)


def kirklees(code: str) -> list[str]:
    hello, yes, _, skip = SAID[code]
    n = lambda number: native(code, number)  # noqa: E731
    return [
        hello, yes, n("1"), n("45"), yes, n("1"), n("40"), yes,
        "HD1 2AB", "WF13 1AB", n("3"), skip, n("2"), n("3"),  # phone is fine, any time
    ]  # fmt: skip


def derby(code: str) -> list[str]:
    hello, yes, no, skip = SAID[code]
    n = lambda number: native(code, number)  # noqa: E731
    return [
        hello, yes, n("1"), n("30"), "DE1 1AA", yes, no, no, skip, no, skip, yes, skip,
        n("2"), n("3"),  # phone is fine, any time
    ]  # fmt: skip


@pytest.mark.parametrize("code", LANGUAGES)
def test_a_whole_self_referral_in_each_language(shared: Kith, code: str) -> None:
    replies = shared.chat(
        "kirklees-carers-options",
        kirklees(code),
        lang=code,
        clock=CLOCK,
        address=f"console:k{code}",
    )
    replies += shared.chat(
        "derby-peer-support", derby(code), lang=code, clock=CLOCK, address=f"console:d{code}"
    )
    mine = [r for r in shared.referrals("--all") if r["language"] == code]
    by_service = {r["service"]: r for r in mine}
    assert len(mine) == 2
    assert set(by_service) == {"kirklees-carers-options", "derby-peer-support"}
    for referral in by_service.values():
        assert referral["language"] == code
        assert referral["outcome"] == "accepted"
    assert by_service["kirklees-carers-options"]["answers"]["age"] == 45
    assert by_service["kirklees-carers-options"]["answers"]["cared_for_age"] == 40
    assert by_service["derby-peer-support"]["answers"]["age"] == 30
    assert by_service["derby-peer-support"]["answers"]["needs_personal_care"] is False
    assert any(THURSDAY[code] in r["text"] for r in replies)  # the promised day, in CLDR's words
    # STOP in any language: the confirmation, in the person's language, says START undoes it.
    (stopped,) = shared.chat("derby-peer-support", ["STOP"], address=f"console:d{code}")
    assert "START" in stopped["text"]
    replies.append(stopped)
    if code in SCRIPT:
        assert all(re.search(SCRIPT[code], r["text"]) for r in replies)
        labelled = [r for r in replies if r["choices"]]
        assert all(re.search(SCRIPT[code], c["label"]) for r in labelled for c in r["choices"])


@pytest.mark.parametrize(("code", "word"), [("pl", "język"), ("bn", "ভাষা"), ("so", "luqad")])
def test_the_language_word_switches_language_mid_conversation(
    kith_sqlite: Kith, code: str, word: str
) -> None:
    replies = kith_sqlite.chat("derby-peer-support", ["hello", "yes", word])
    menu = replies[-1]
    assert menu["field"] == "language"
    number = next(c["n"] for c in menu["choices"] if c["key"] == code)
    replies = kith_sqlite.chat("derby-peer-support", [str(number), native(code, "1")])
    assert replies[-1]["field"] == "age"  # the conversation went on where it was
    english = kith_sqlite.chat("derby-peer-support", ["BACK"], address="console:english")
    assert replies[-1]["text"] not in [r["text"] for r in english]
    (row,) = kith_sqlite.sql("select language from participants where address = 'console:test'")
    assert row == (code,)


def test_an_unknown_language_is_a_clear_error(kith_sqlite: Kith) -> None:
    result = kith_sqlite.run(
        "chat", "--service", "derby-peer-support", "--lang", "xx", stdin="hi\n", check=False
    )
    assert result.returncode == 2
    assert "unknown language 'xx'" in result.stderr
    assert "ur" in result.stderr and "ro" in result.stderr
