"""Promises as people speak (issue 10, point 6): a day, GOV.UK times, never a closed day.

Dates worked by hand. Easter 2026: Good Friday 3 April, Easter Sunday 5 April, Easter
Monday 6 April (bank holidays in England). The stored deadline stays exact.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.core.deadlines import LONDON
from conversations import messages as say
from conversations.definition import load_services
from conversations.i18n import govuk_time, translator
from tests.conftest import Kith
from tests.services.conversation_helpers import conversation_lines, only_referral, outcome_text
from tests.services.test_derby_peer_support import ELIGIBLE, ORDER

EN = translator("en")
SERVICES = load_services()
DERBY = SERVICES["derby-peer-support"]  # core hours Mon-Fri
THURROCK = SERVICES["thurrock-floating-support"]  # no core hours
LEICESTER = SERVICES["leicester-carers"]


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=LONDON)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("hour", "minute", "said"),
    [(17, 0, "5pm"), (10, 30, "10:30am"), (9, 5, "9:05am"), (12, 0, "midday"), (0, 0, "midnight")],
)
def test_govuk_style_times(hour: int, minute: int, said: str) -> None:
    assert govuk_time(at(2026, 4, 9, hour, minute)) == said


@pytest.mark.parametrize(
    ("due", "now", "service", "said"),
    [
        # Working days end at 23:59:59: the day only.
        (at(2026, 4, 9, 23, 59, 59), at(2026, 4, 2, 15), LEICESTER, "by Thursday 9 April"),
        # Same day by the end of core hours.
        (at(2026, 4, 14, 17), at(2026, 4, 14, 10), LEICESTER, "today by 5pm"),
        (at(2026, 4, 15, 17), at(2026, 4, 14, 20), LEICESTER, "tomorrow by 5pm"),
        (at(2026, 11, 30, 17), at(2026, 11, 27, 17), DERBY, "by 5pm on Monday 30 November"),
        # Never a minute: 7:42 is promised as 8am (rounded up, so the exact deadline
        # always keeps the promise), 10:30 stays 10:30am.
        (at(2026, 4, 14, 7, 42), at(2026, 4, 11, 7, 42), DERBY, "by 8am on Tuesday 14 April"),
        (at(2026, 4, 14, 10, 30), at(2026, 4, 11, 10, 30), DERBY, "by 10:30am on Tuesday 14 April"),
        # A time of night is never promised: Thurrock's 48 hours from Monday 7 December
        # 3:38am end at 3:38am on Wednesday, said as the day; 9pm is still a time.
        (at(2026, 12, 9, 3, 38), at(2026, 12, 7, 3, 38), THURROCK, "by Wednesday 9 December"),
        (at(2026, 12, 9, 21, 0), at(2026, 12, 7, 21), THURROCK, "by 9pm on Wednesday 9 December"),
        (at(2026, 12, 9, 21, 10), at(2026, 12, 7, 21, 10), THURROCK, "by Wednesday 9 December"),
        # Derby's 72 hours from Thursday 2 April 14:00 end on Easter Sunday: Easter Monday
        # is a bank holiday too, so the promise is Tuesday 7 April.
        (at(2026, 4, 5, 14), at(2026, 4, 2, 14), DERBY, "by Tuesday 7 April"),
        # Thurrock's 48 hours from Friday 10 April 9:00 end on Sunday: Monday 13 April.
        (at(2026, 4, 12, 9), at(2026, 4, 10, 9), THURROCK, "by Monday 13 April"),
        # Without `now` (said again later) the day is named.
        (at(2026, 4, 14, 17), None, LEICESTER, "by 5pm on Tuesday 14 April"),
    ],
)
def test_the_promise_as_said(
    due: datetime, now: datetime | None, service: object, said: str
) -> None:
    assert say.promise(EN, due, service, now) == said  # type: ignore[arg-type]


def test_derby_72_hours_ending_on_easter_sunday_promise_the_tuesday_store_the_sunday(
    kith_sqlite: Kith,
) -> None:
    """002 3.7.1.3: an initial response within 72 hours (clock hours): from Thursday 2
    April 14:00 that is Easter Sunday 14:00, stored exactly; the person is told the
    next day the service is open, Tuesday 7 April (Easter Monday is a bank holiday)."""
    lines = conversation_lines(ELIGIBLE, ORDER)
    replies = kith_sqlite.chat("derby-peer-support", lines, clock="2026-04-02T14:00:00+01:00")
    referral = only_referral(kith_sqlite)
    assert referral["outcome"] == "accepted"
    assert referral["first_contact_due"].startswith("2026-04-05T14:00:00")  # the clock runs on
    final = outcome_text(replies)  # the acknowledgement (optional questions follow it)
    assert "by Tuesday 7 April" in final
    assert "Sunday" not in final and "Monday" not in final and "PM" not in final
