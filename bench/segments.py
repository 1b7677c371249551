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
from conversations.sample_referrals import ANSWERS, SKIP
from conversations.state import ConversationState

NOW = datetime(2026, 3, 10, 11, 0, tzinfo=UTC)  # a Tuesday, inside core hours


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
