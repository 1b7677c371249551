"""Referral outcomes and the staff workflow's statuses."""

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
