"""Referral outcomes and the staff workflow's statuses, with the moves between them."""

from __future__ import annotations

from typing import Final

OUTCOMES: Final = ("accepted", "not_accepted", "needs_review")

STATUS_NEW: Final = "new"
STATUSES: Final = (
    "new",
    "contacted",
    "meeting_booked",
    "accepted",
    "not_accepted",
    "withdrawn",
    "closed",
)
# The staff queue's default view: referrals someone still has to act on.
OPEN_STATUSES: Final = ("new", "contacted", "meeting_booked")
DECIDED: Final = ("accepted", "not_accepted")

# INTERFACES "Data and states": new → contacted → meeting_booked → accepted |
# not_accepted; withdrawn from the first three; closed from a decision; reopening goes
# back to contacted. Staff may skip forward (a refusal is often confirmed without a
# meeting) but never go back except by reopening.
MOVES: Final[dict[str, tuple[str, ...]]] = {
    "new": ("contacted", "meeting_booked", "accepted", "not_accepted", "withdrawn"),
    "contacted": ("meeting_booked", "accepted", "not_accepted", "withdrawn"),
    "meeting_booked": ("accepted", "not_accepted", "withdrawn"),
    "accepted": ("closed",),
    "not_accepted": ("closed",),
    "withdrawn": ("contacted",),
    "closed": ("contacted",),
}
REOPENING: Final = frozenset({("withdrawn", "contacted"), ("closed", "contacted")})


class StatusMoveError(ValueError):
    """A status change the workflow does not allow, or one that needs a note."""


def check_move(outcome: str, current: str, new: str, note: str | None) -> None:
    """Raise StatusMoveError unless `current` → `new` is allowed for this outcome.

    Reopening, and a decision that contradicts what screening said (accepting a
    referral screening refused, refusing one it accepted), need a note.
    """
    if new not in STATUSES:
        raise StatusMoveError(f"unknown status {new!r}; one of {', '.join(STATUSES)}")
    if new not in MOVES[current]:
        allowed = ", ".join(MOVES[current])
        raise StatusMoveError(f"a {current} referral cannot move to {new} (only: {allowed})")
    has_note = bool(note and note.strip())
    if (current, new) in REOPENING and not has_note:
        raise StatusMoveError(f"reopening a {current} referral needs --note saying why")
    if new in DECIDED and outcome in DECIDED and new != outcome and not has_note:
        raise StatusMoveError(
            f"screening said {outcome}; recording {new} overturns it and needs --note saying why"
        )
