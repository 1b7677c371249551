"""How long the shortest eligible conversation is, in the bot's messages and SMS segments.

For each shipped service, drives a self-referral that the seed accepts (answers below,
each from the seed's eligibility clauses; optional questions answered SKIP) through the
engine, in English, and counts what the bot sends: messages, and segments as a carrier
counts them (bot/core/segments.py). Prints a Markdown table. Usage:

    python bench/segments.py
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.core.segments import segments
from conversations.registry import load_registry
from conversations.state import ConversationState

NOW = datetime(2026, 3, 10, 11, 0, tzinfo=UTC)  # a Tuesday, inside core hours
SKIP = "SKIP"

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
        "referral_source": "self",
        "contact_time": "any",
    },
}


def run(service_id: str) -> tuple[int, int, int, str | None]:
    """Messages, segments, the longest message's segments, and the outcome."""
    engine = load_registry().engine(service_id)
    answers = ANSWERS[service_id]
    state: ConversationState | None = None
    texts: list[str] = []
    outcome = None
    message = "hello"
    for _ in range(60):
        result = engine.step(state, message, NOW, sms=True)
        texts += [reply.text for reply in result.replies]
        state = result.state
        if result.referral is not None:
            outcome = result.referral.outcome
            break
        asking = result.replies[-1].field
        message = "yes" if asking == "consent" else answers.get(asking or "", SKIP)
    counts = [segments(text).parts for text in texts]
    return len(texts), sum(counts), max(counts), outcome


def main() -> None:
    """Print the table."""
    print("| service | outcome | messages | SMS segments | longest message |")
    print("|---|---|---|---|---|")
    for service_id in ANSWERS:
        messages, total, longest, outcome = run(service_id)
        print(f"| {service_id} | {outcome} | {messages} | {total} | {longest} |")


if __name__ == "__main__":
    main()
