"""What the engine remembers between messages, stored as JSON after every step."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

CONSENT = "consent"
QUESTION = "question"
DONE = "done"
MONITORING = "monitoring"  # the referral is stored; optional monitoring questions follow
FINISHED = frozenset({DONE, MONITORING})  # a referral was stored: nothing left to lose


@dataclass
class ConversationState:
    """The position of one person's conversation with one service."""

    service_id: str
    language: str
    phase: str = CONSENT
    position: str | None = None
    answers: dict[str, Any] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    history: list[str] = field(default_factory=list)
    invalid: int = 0  # answers in a row that did not fit the open question
    person_offered: bool = False  # PERSON was offered for the open question
    confirming: dict[str, Any] | None = None  # a number that would refuse, awaiting YES
    paused: bool = False  # after crisis routes: no question until CONTINUE
    consent_at: str | None = None
    choosing_language: bool = False
    menu_script: str | None = None  # the language menu offers this script's languages first
    referral_id: int | None = None
    due_text: str | None = None  # the promise as said (older states); due_at wins
    due_at: str | None = None  # the exact first-contact deadline, ISO 8601

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ConversationState:
        """Rebuild from `to_json` output, ignoring keys from other versions."""
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        return cls(**known)
