"""Driving the real engine (shipped definitions and areas) one message at a time.

The engine does no I/O, so these tests need no database; what the engine returns is
what `bot.inbound` stores and sends.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache

from conversations.engine import Engine, Reply, StepResult
from conversations.registry import Registry, load_registry
from conversations.state import ConversationState

TUESDAY_11AM = datetime(2026, 3, 10, 11, 0, tzinfo=UTC)  # inside every service's core hours

# Seed 000 (Kirklees carers): a carer of 45 giving much unpaid care (1.6, 4.9) to a family
# member of 40 (1.6) with an assessed need (4.8), both living in Kirklees (1.6).
KIRKLEES = {
    "referrer": "1",
    "age": "45",
    "cares_significant_time": "yes",
    "cared_for_relationship": "1",
    "cared_for_age": "40",
    "cared_for_assessed_mh_need": "yes",
    "postcode": "HD1 2AB",
    "cared_for_postcode": "WF13 1AB",
    "priority": "3",
    "first_name": "Sam",
    "contact_time": "3",
    "communication_needs": "2",
}


@lru_cache(maxsize=1)
def registry() -> Registry:
    """The shipped services, loaded once."""
    return load_registry()


@dataclass
class Person:
    """One person texting one service: keeps the state between messages, as storage does."""

    service: str
    language: str = "en"
    sms: bool = False
    now: datetime = TUESDAY_11AM
    state: ConversationState | None = None
    opted_out: bool = False
    results: list[StepResult] = field(default_factory=list)

    @property
    def engine(self) -> Engine:
        return registry().engine(self.service)

    def send(self, text: str, pictures: bool = False) -> list[Reply]:
        """One message in; the replies out."""
        result = self.engine.step(
            self.state,
            text,
            self.now,
            opted_out=self.opted_out,
            language=self.language,
            sms=self.sms,
            pictures=pictures,
        )
        self.results.append(result)
        self.state = result.state
        if result.opt_out is not None:
            self.opted_out = result.opt_out
        return result.replies

    @property
    def last(self) -> StepResult:
        return self.results[-1]

    def texts(self) -> list[str]:
        """Every reply's text of the last message."""
        return [reply.text for reply in self.last.replies]

    def asking(self) -> str | None:
        """The field the last reply awaits."""
        return self.last.replies[-1].field if self.last.replies else None

    def answer_until(self, answers: Mapping[str, str], stop_at: str | None = None) -> None:
        """Answer each question asked from `answers` until `stop_at` is asked (or the end)."""
        for _ in range(40):
            asked = self.asking()
            # The referral stored is the end (optional monitoring questions may follow).
            if asked is None or asked == stop_at or self.last.referral is not None:
                return
            self.send("yes" if asked == "consent" else answers[asked])
        raise AssertionError("the conversation did not end")

    def start(self, answers: Mapping[str, str], stop_at: str | None = None) -> None:
        """Greet, consent, then answer until `stop_at`."""
        self.send("hello")
        self.answer_until(answers, stop_at)
