"""A short eligible self-referral for each shipped service, answer by answer.

Each answer comes from the seed's eligibility clauses; every field not listed is
optional and answered SKIP. `kith i18n report` and bench/segments.py drive them
through the engine to count what the bot sends.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import NamedTuple

from conversations.engine import Engine
from conversations.state import ConversationState

SKIP = "SKIP"

MOMENT = datetime(2026, 3, 10, 11, 0, tzinfo=UTC)
"""When the sample referrals are made: a Tuesday, inside every service's core hours."""

# Answers by field (choice answers by key). Every other field is optional: SKIP.
ANSWERS: dict[str, dict[str, str]] = {
    # 000 1.6, 4.8, 4.9: a carer of 45, much unpaid care for a relative of 40 with an
    # assessed need, both in Kirklees.
    "kirklees-carers-options": {
        "referrer": "self",
        "age": "45",
        "cares_significant_time": "yes",
        "cared_for_relationship": "family",
        "cared_for_age": "40",
        "cared_for_assessed_mh_need": "yes",
        "postcode": "HD1 2AB",
        "cared_for_postcode": "WF13 1AB",
        "priority": "none",
        "contact_time": "any",
    },
    # 001 1.4, 4.11: a Kirklees resident of 40 using services, not in custody (4.19).
    "kirklees-advocacy": {
        "referrer": "self",
        "age": "40",
        "in_custody": "no",
        "postcode": "HD1 2AB",
        "mental_health_need": "yes",
        "learning_disability": "no",
        "uses_mh_services": "yes",
        "consent_share": "yes",
        "priority": "none",
        "contact_time": "any",
    },
    # 002 3.4, 3.5: a Derby city resident of 30 who wants support, no personal care.
    "derby-peer-support": {
        "referrer": "self",
        "age": "30",
        "postcode": "DE1 1AA",
        "mental_health_need": "yes",
        "needs_personal_care": "no",
        "professional_suggested": "no",
        "urgent": "no",
        "consent_share": "yes",
        "contact_time": "any",
    },
    # 003 6.3: a carer of 45 looking after a relative of 78 in Leicester.
    "leicester-carers": {
        "referrer": "self",
        "urgent": "no",
        "age": "45",
        "looks_after_someone": "yes",
        "caring_status": "current",
        "cared_for_relationship": "family",
        "cared_for_age": "78",
        "cared_for_condition": "dementia",
        "postcode": "LE1 5WW",
        "cared_for_postcode": "LE1 1AA",
        "contact_time": "any",
    },
    # 004 1.8, 4.1: a Grays resident of 40 who needs support to keep their home.
    "thurrock-floating-support": {
        "referrer": "self",
        "urgent": "no",
        "age": "40",
        "mental_health_need": "yes",
        "learning_disability": "no",
        "housing_situation": "private_rented",
        "needs_support_to_live_independently": "yes",
        "postcode": "RM17 5AB",
        "willing_to_engage": "yes",
        "has_statutory_care": "no",
        "needs_over_3_hours_a_week": "no",
        "professional_suggested": "no",  # my own idea (4.2.1: self-referral)
        "contact_time": "any",
    },
}


class SampleReferral(NamedTuple):
    """What the bot sent (by SMS) in a sample referral, and the screening outcome."""

    texts: list[str]
    outcome: str


def shortest_referral(engine: Engine, language: str = "en") -> SampleReferral | None:
    """The shortest complete self-referral to `engine`'s service in `language`; None
    when the service has no sample answers or the conversation does not end in one."""
    answers = ANSWERS.get(engine.service.id)
    if answers is None:
        return None
    state: ConversationState | None = None
    texts: list[str] = []
    message = "hello"
    for _ in range(60):
        result = engine.step(state, message, MOMENT, language=language, sms=True)
        texts += [reply.text for reply in result.replies]
        state = result.state
        if result.referral is not None:
            return SampleReferral(texts, result.referral.outcome)
        asking = result.replies[-1].field if result.replies else None
        if asking == "consent":
            message = "1"  # yes, whatever the language
        else:
            answer = answers.get(asking or "", SKIP)
            message = {"yes": "1", "no": "2"}.get(answer, answer)
    return None
