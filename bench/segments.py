"""How long the shortest eligible conversation is, in the bot's messages and SMS segments.

For each shipped service, drives a self-referral that the seed accepts (the answers of
conversations/sample_referrals.py, each from the seed's eligibility clauses; optional
questions answered SKIP) through the engine, in English, and counts what the bot sends:
messages, and segments as a carrier counts them (bot/core/segments.py), with the
screening outcome. Prints a Markdown table. Usage:

    python bench/segments.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.core.segments import segments
from conversations.registry import load_registry
from conversations.sample_referrals import ANSWERS, shortest_referral


def run(service_id: str) -> tuple[int, int, int, str]:
    """Messages, segments, the longest message's segments, and the outcome."""
    sample = shortest_referral(load_registry().engine(service_id))
    if sample is None:
        raise SystemExit(f"{service_id}: the sample referral did not end in a referral")
    counts = [segments(text).parts for text in sample.texts]
    return len(sample.texts), sum(counts), max(counts), sample.outcome


def main() -> None:
    """Print the table."""
    print("| service | outcome | messages | SMS segments | longest message |")
    print("|---|---|---|---|---|")
    for service_id in ANSWERS:
        messages, total, longest, outcome = run(service_id)
        print(f"| {service_id} | {outcome} | {messages} | {total} | {longest} |")


if __name__ == "__main__":
    main()
