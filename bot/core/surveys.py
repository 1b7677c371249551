"""Outcome surveys as plain records: one survey sent to one person at one point of support.

A survey is opened when staff move a referral to `accepted` (the start of support) or
from `accepted` to `closed` (its end), for each survey of the service's definition
sent at that point (docs/surveys.md). The scheduler invites the person; their replies
answer one statement at a time. Nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

START: Final = "start"
END: Final = "end"
POINTS: Final = (START, END)

# The referral status moves that make each point (INTERFACES "Data and states").
START_MOVE: Final = "accepted"  # any open status -> accepted
END_MOVE: Final = ("accepted", "closed")  # accepted -> closed

# A survey's status: `pending` until the scheduler invites the person, `invited` until
# they say YES, `open` while statements are asked; then `done`, `declined` (NO),
# `no_reply` (odd answers to the invitation), `stopped` (STOP) or `opted_out` (the
# address had opted out when the invitation was due: nothing was sent).
PENDING: Final = "pending"
INVITED: Final = "invited"
OPEN: Final = "open"
DONE: Final = "done"
DECLINED: Final = "declined"
NO_REPLY: Final = "no_reply"
STOPPED: Final = "stopped"
OPTED_OUT: Final = "opted_out"
ASKING: Final = (INVITED, OPEN)

# Stored answers besides the scale's keys.
SKIPPED: Final = "skipped"  # the person replied SKIP
UNANSWERED: Final = "unanswered"  # odd answers MAX_TRIES times: left and moved on

MAX_TRIES: Final = 3  # odd answers to one statement before it is left unanswered


@dataclass(frozen=True)
class SurveyRecord:
    """One survey sent (or to send) to a person at one point of their support."""

    id: int
    service_id: str
    survey: str  # the definition's survey id
    point: str  # start | end
    referral_id: int
    person_id: int
    address: str
    language: str
    status: str
    statements: tuple[str, ...]  # the statement keys asked, in order (fixed when opened)
    position: int  # index of the statement being asked
    tries: int  # odd answers to it so far
    created_at: datetime
    created_by: str
    send_at: datetime | None = None  # when the scheduler invites; None once done
    invited_at: datetime | None = None
    finished_at: datetime | None = None


@dataclass(frozen=True)
class SurveyAnswer:
    """One statement's answer: a scale key, `skipped` or `unanswered`, and when."""

    survey_id: int
    statement: str
    answer: str
    answered_at: datetime
