"""Helpers shared by the service tests in tests/services/.

Each service test module keeps only its own data: SERVICE (the seed's id), ELIGIBLE
(answers that are accepted, by field name), ORDER (the fields in the order the seed
asks them) and its clocks. The helpers here take that data as arguments, so one
version serves every service; a module wraps them in a line or two where that reads
better.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from conversations.definition import load_services
from tests.conftest import Kith

Reply = dict[str, Any]
"""One outbound message of `kith chat --json`: its text, and the field it asks for."""

Referral = dict[str, Any]
"""One referral as `kith referrals list --json` gives it."""

Referred = tuple[list[Reply], Referral]
"""What `refer_to` returns: every reply of the conversation, and the referral stored."""


def with_third_party(order: Sequence[str] | None, answers: dict[str, Any]) -> dict[str, Any]:
    """Someone else referring also answers the person's agreement and number (issue 10,
    7), where the service asks them (`order` lists them) and the test did not say."""
    if "referrer" in answers and str(answers["referrer"]) != "1" and order is not None:
        for name, value in (("person_agrees_to_referral", "yes"), ("person_phone", "07700 900123")):
            if name in order:
                answers.setdefault(name, value)
    return answers


def conversation_lines(
    eligible: Mapping[str, str],
    order: Sequence[str] | None,
    /,
    *drop: str,
    **changes: str,
) -> list[str]:
    """What a person sends: a greeting, consent, then an answer for each field.

    `changes` override `eligible`. Answers go in `order`, when given, for the fields
    that have an answer and are not in `drop`; with no `order`, in the order of
    `eligible` (a changed field keeps its place).
    """
    answers = with_third_party(order, {**eligible, **changes})
    names = order if order is not None else tuple(answers)
    return ["hello", "yes", *(answers[n] for n in names if n in answers and n not in drop)]


def refer_to(
    kith: Kith,
    service: str,
    eligible: Mapping[str, str],
    order: Sequence[str],
    /,
    *,
    clock: str,
    address: str = "console:test",
    until: str | None = None,
    **changes: str | None,
) -> Referred:
    """Run one whole conversation; return the replies and the referral it stored.

    `changes` override `eligible` (None leaves a field out); `until` is the answer after
    which the seed ends the conversation. The questions asked must be exactly the ones
    answered, in order: this checks the branching (what is and is not asked) too.
    """
    answers = with_third_party(order, {**eligible, **changes})
    fields = [name for name in order if answers.get(name) is not None]
    if until is not None:
        fields = fields[: fields.index(until) + 1]
    lines = ["hello", "yes", *(str(answers[name]) for name in fields)]
    if until is not None and _kind(service, until) == "number":
        # A refusal that rests on one typed number is confirmed first (issue 10, 5): YES.
        lines.append("yes")
    replies = kith.chat(service, lines, address=address, clock=clock)
    # The optional monitoring questions that follow the acknowledgement are not the
    # referral's questions (tests/services/test_consent_and_monitoring.py covers them).
    later = {q.field for q in load_services()[service].monitoring}
    asked: list[str] = []
    for reply in replies:
        if reply["field"] in later:
            continue
        if reply["field"] not in (None, "consent") and reply["field"] not in asked[-1:]:
            asked.append(reply["field"])
    assert asked == fields
    referrals = kith.referrals()
    return replies, max(referrals, key=lambda r: r["id"])


def _kind(service: str, field: str) -> str:
    """The kind of the question that asks `field` (the shipped definition's)."""
    return load_services()[service].question(field).kind


def asked(replies: list[Reply]) -> list[str]:
    """The fields the replies asked for, in order (consent included)."""
    return [reply["field"] for reply in replies if reply["field"]]


def question(replies: list[Reply], field: str) -> str:
    """The text of the reply that asked for `field`."""
    text: str = next(r["text"] for r in replies if r["field"] == field)
    return text


def only_referral(kith: Kith) -> Referral:
    """The one referral stored; fails when there is none or more than one."""
    referrals = kith.referrals()
    assert len(referrals) == 1, referrals
    return referrals[0]


def outcome_text(replies: list[Reply]) -> str:
    """The text that tells the person the outcome of their referral."""
    text: str = next(
        r["text"]
        for r in replies
        if r["field"] is None and ("Thank you" in r["text"] or r["text"].startswith("Sorry"))
    )
    return text


def assert_signposted_without_invented_contacts(text: str, *places: str) -> None:
    """`text` points to each of `places`, with no phone number or website of Kith's own."""
    assert "You could contact " in text
    for place in places:
        assert place in text
    # The provider fills in numbers and websites: Kith ships none of its own.
    assert "call " not in text and "http" not in text and "www" not in text
    assert "PERSON" in text  # a person checks, and can be asked for sooner
