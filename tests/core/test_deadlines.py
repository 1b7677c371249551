"""Tests for bot.core.deadlines.

Every expected value is written by hand from the calendar. Useful dates:

* 2026: Good Friday Fri 3 Apr, Easter Monday Mon 6 Apr (not a holiday in Scotland);
  BST starts Sun 29 Mar, ends Sun 25 Oct; St Patrick's Day Tue 17 Mar (NI);
  St Andrew's Day Mon 30 Nov (Scotland).
* Christmas 2026: Fri 25 Dec, Boxing Day Sat 26 Dec -> substitute Mon 28 Dec;
  New Year's Day Fri 1 Jan 2027; Scotland's 2 Jan 2027 is a Saturday -> Mon 4 Jan 2027.
* June 2026 (no English holidays): Fri 5, Sat 6, Sun 7, Mon 8, Tue 9, Wed 10, Thu 11,
  Fri 12, Mon 15 ... Thu 18.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest

from bot.core.deadlines import (
    LONDON,
    CoreHours,
    DeadlinePolicy,
    add_working_hours,
    due_by,
    end_of_working_days,
    is_working_day,
    next_working_day,
    same_day_due,
    working_days_between,
)

OFFICE = CoreHours.weekdays(time(9, 0), time(17, 0))


def london(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, tzinfo=LONDON)


# --- calendar helpers -------------------------------------------------------------------


def test_is_working_day_england() -> None:
    assert is_working_day(date(2026, 4, 2)) is True  # Thursday
    assert is_working_day(date(2026, 4, 3)) is False  # Good Friday
    assert is_working_day(date(2026, 4, 4)) is False  # Saturday
    assert is_working_day(date(2026, 4, 5)) is False  # Sunday
    assert is_working_day(date(2026, 4, 6)) is False  # Easter Monday
    assert is_working_day(date(2026, 12, 28)) is False  # Boxing Day substitute
    assert is_working_day(date(2026, 12, 29)) is True


def test_is_working_day_depends_on_nation() -> None:
    assert is_working_day(date(2026, 4, 6), "scotland") is True  # no Easter Monday
    assert is_working_day(date(2026, 11, 30), "scotland") is False  # St Andrew's Day
    assert is_working_day(date(2026, 11, 30), "england") is True
    assert is_working_day(date(2026, 3, 17), "northern_ireland") is False  # St Patrick's
    assert is_working_day(date(2026, 3, 17), "wales") is True


def test_boxing_day_2026_substitute_is_monday_28_december() -> None:
    for nation in ("england", "wales", "scotland", "northern_ireland"):
        assert is_working_day(date(2026, 12, 28), nation) is False


def test_next_working_day_is_strictly_after() -> None:
    assert next_working_day(date(2026, 6, 9)) == date(2026, 6, 10)  # Tue -> Wed
    assert next_working_day(date(2026, 6, 5)) == date(2026, 6, 8)  # Fri -> Mon
    assert next_working_day(date(2026, 6, 6)) == date(2026, 6, 8)  # Sat -> Mon
    assert next_working_day(date(2026, 4, 2)) == date(2026, 4, 7)  # Easter
    assert next_working_day(date(2026, 4, 2), "scotland") == date(2026, 4, 6)
    assert next_working_day(date(2026, 12, 24)) == date(2026, 12, 29)
    assert next_working_day(date(2026, 12, 31)) == date(2027, 1, 4)
    assert next_working_day(date(2026, 12, 31), "scotland") == date(2027, 1, 5)


# --- working days -----------------------------------------------------------------------


def test_spec_example_thursday_before_easter_plus_three() -> None:
    due = end_of_working_days(london(2026, 4, 2, 15, 0), 3)
    assert due.isoformat() == "2026-04-09T23:59:59+01:00"
    assert due.tzinfo is LONDON


@pytest.mark.parametrize(
    ("hh", "mm"), [(0, 5), (9, 0), (15, 0), (23, 55)], ids=["00:05", "09:00", "15:00", "23:55"]
)
def test_day_of_receipt_is_day_zero_whatever_the_hour(hh: int, mm: int) -> None:
    due = end_of_working_days(london(2026, 4, 2, hh, mm), 3)
    assert due.isoformat() == "2026-04-09T23:59:59+01:00"


def test_friday_plus_one_working_day_is_monday() -> None:
    due = end_of_working_days(london(2026, 6, 5, 16, 0), 1)
    assert due.isoformat() == "2026-06-08T23:59:59+01:00"


@pytest.mark.parametrize("day", [6, 7], ids=["saturday", "sunday"])
def test_weekend_receipt_plus_one_working_day_is_monday(day: int) -> None:
    due = end_of_working_days(london(2026, 6, day, 11, 0), 1)
    assert due.isoformat() == "2026-06-08T23:59:59+01:00"


def test_zero_working_days_is_end_of_day_of_receipt_even_at_weekend() -> None:
    assert end_of_working_days(london(2026, 6, 6, 11, 0), 0).isoformat() == (
        "2026-06-06T23:59:59+01:00"
    )


def test_ten_working_days_over_easter_2026() -> None:
    # Wed 1 Apr received; Thu 2 (1), [Fri 3, Mon 6 holidays], Tue 7 (2), Wed 8 (3),
    # Thu 9 (4), Fri 10 (5), Mon 13 (6), Tue 14 (7), Wed 15 (8), Thu 16 (9), Fri 17 (10).
    due = end_of_working_days(london(2026, 4, 1, 10, 0), 10)
    assert due.isoformat() == "2026-04-17T23:59:59+01:00"


def test_easter_differs_in_scotland() -> None:
    # Scotland has Good Friday but not Easter Monday: Mon 6 (1), Tue 7 (2), Wed 8 (3).
    due = end_of_working_days(london(2026, 4, 2, 15, 0), 3, "scotland")
    assert due.isoformat() == "2026-04-08T23:59:59+01:00"


def test_christmas_2026_plus_three_working_days() -> None:
    # Thu 24 Dec received; Fri 25 hol, weekend, Mon 28 substitute hol,
    # Tue 29 (1), Wed 30 (2), Thu 31 (3). GMT in winter.
    due = end_of_working_days(london(2026, 12, 24, 14, 0), 3)
    assert due.isoformat() == "2026-12-31T23:59:59+00:00"


@pytest.mark.parametrize(
    ("nation", "expected"),
    [
        # Mon 21 Dec received; Tue 22 (1), Wed 23 (2), Thu 24 (3), Tue 29 (4), Wed 30 (5),
        # Thu 31 (6), [Fri 1 Jan hol], Mon 4 (7), Tue 5 (8), Wed 6 (9), Thu 7 (10).
        ("england", "2027-01-07T23:59:59+00:00"),
        ("wales", "2027-01-07T23:59:59+00:00"),
        ("northern_ireland", "2027-01-07T23:59:59+00:00"),
        # Scotland also loses Mon 4 Jan (2 Jan substitute): Tue 5 (7) ... Fri 8 (10).
        ("scotland", "2027-01-08T23:59:59+00:00"),
    ],
)
def test_kirklees_ten_working_days_over_christmas_by_nation(nation: str, expected: str) -> None:
    due = end_of_working_days(london(2026, 12, 21, 9, 30), 10, nation)
    assert due.isoformat() == expected


def test_st_andrews_day_only_counts_in_scotland() -> None:
    received = london(2026, 11, 27, 12, 0)  # Friday
    assert end_of_working_days(received, 1, "england").isoformat() == ("2026-11-30T23:59:59+00:00")
    assert end_of_working_days(received, 1, "scotland").isoformat() == ("2026-12-01T23:59:59+00:00")


def test_input_in_other_zone_uses_london_calendar_day() -> None:
    # 23:30 UTC on Thu 4 June is 00:30 BST on Fri 5 June: day 0 is the Friday.
    due = end_of_working_days(datetime(2026, 6, 4, 23, 30, tzinfo=UTC), 1)
    assert due.isoformat() == "2026-06-08T23:59:59+01:00"
    assert due.tzinfo is LONDON


# --- clock hours --------------------------------------------------------------------------


def test_derby_72_clock_hours_friday_to_monday() -> None:
    due = due_by(london(2026, 6, 5, 17, 0), DeadlinePolicy(hours=72))
    assert due.isoformat() == "2026-06-08T17:00:00+01:00"
    assert due.tzinfo is LONDON


def test_thurrock_48_clock_hours() -> None:
    due = due_by(london(2026, 6, 9, 14, 30), DeadlinePolicy(hours=48))
    assert due.isoformat() == "2026-06-11T14:30:00+01:00"


def test_clock_hours_ignore_bank_holidays() -> None:
    due = due_by(london(2026, 12, 24, 10, 0), DeadlinePolicy(hours=72))
    assert due.isoformat() == "2026-12-27T10:00:00+00:00"


def test_48_hours_across_autumn_clocks_change_are_real_hours() -> None:
    # Sat 24 Oct 12:00 BST = 11:00 UTC; +48 h = Mon 26 Oct 11:00 UTC = 11:00 GMT.
    received = london(2026, 10, 24, 12, 0)
    assert received.isoformat() == "2026-10-24T12:00:00+01:00"
    due = due_by(received, DeadlinePolicy(hours=48))
    assert due.isoformat() == "2026-10-26T11:00:00+00:00"
    assert due.astimezone(UTC) - received.astimezone(UTC) == timedelta(hours=48)


def test_48_hours_across_spring_clocks_change_are_real_hours() -> None:
    # Sat 28 Mar 12:00 GMT = 12:00 UTC; +48 h = Mon 30 Mar 12:00 UTC = 13:00 BST.
    received = london(2026, 3, 28, 12, 0)
    due = due_by(received, DeadlinePolicy(hours=48))
    assert due.isoformat() == "2026-03-30T13:00:00+01:00"
    # 24 h spans the lost hour on Sun 29 Mar.
    assert due_by(received, DeadlinePolicy(hours=24)).isoformat() == ("2026-03-29T13:00:00+01:00")


def test_deadline_in_hours_is_to_the_minute_rounded_down() -> None:
    # 002 3.7.1.3 "within 72 hours": received 17:00:42.5 on Fri 5 Jun, due by 17:00 Mon.
    received = london(2026, 6, 5, 17, 0).replace(second=42, microsecond=500000)
    assert due_by(received, DeadlinePolicy(hours=72)).isoformat() == "2026-06-08T17:00:00+01:00"
    working = DeadlinePolicy(hours=2, working_hours=True)
    due = due_by(london(2026, 6, 9, 10, 0).replace(second=42), working, core=OFFICE)
    assert due.isoformat() == "2026-06-09T12:00:00+01:00"


def test_clock_hours_from_non_london_input() -> None:
    received = datetime(2026, 1, 15, 9, 0, tzinfo=timezone(timedelta(hours=-5)))  # 14:00 GMT
    due = due_by(received, DeadlinePolicy(hours=48))
    assert due.isoformat() == "2026-01-17T14:00:00+00:00"


# --- working hours ------------------------------------------------------------------------


def test_48_working_hours_from_wednesday_afternoon() -> None:
    # Wed 10 Jun 16:00-17:00 = 1 h; Thu 11, Fri 12, Mon 15, Tue 16, Wed 17 = 40 h (41);
    # Thu 18 09:00 + 7 h = 16:00.
    due = add_working_hours(london(2026, 6, 10, 16, 0), 48, OFFICE)
    assert due.isoformat() == "2026-06-18T16:00:00+01:00"
    assert due.tzinfo is LONDON


def test_48_working_hours_via_due_by_policy() -> None:
    policy = DeadlinePolicy(hours=48, working_hours=True)
    due = due_by(london(2026, 6, 10, 16, 0), policy, core=OFFICE)
    assert due.isoformat() == "2026-06-18T16:00:00+01:00"


def test_working_hours_received_at_weekend() -> None:
    received = london(2026, 6, 6, 11, 0)  # Saturday
    # Count starts Mon 8 Jun 09:00; 8 h ends exactly at closing (not Tue 09:00).
    assert add_working_hours(received, 8, OFFICE).isoformat() == "2026-06-08T17:00:00+01:00"
    assert add_working_hours(received, 10, OFFICE).isoformat() == "2026-06-09T11:00:00+01:00"


def test_working_hours_received_before_opening_and_after_closing() -> None:
    assert add_working_hours(london(2026, 6, 9, 7, 30), 2, OFFICE).isoformat() == (
        "2026-06-09T11:00:00+01:00"
    )
    assert add_working_hours(london(2026, 6, 9, 18, 0), 2, OFFICE).isoformat() == (
        "2026-06-10T11:00:00+01:00"
    )
    assert add_working_hours(london(2026, 6, 9, 17, 0), 2, OFFICE).isoformat() == (
        "2026-06-10T11:00:00+01:00"
    )


def test_working_hours_skip_easter() -> None:
    # Thu 2 Apr 15:00-17:00 = 2 h; Good Friday and Easter Monday skipped; Tue 7 09:00 + 6 h.
    due = add_working_hours(london(2026, 4, 2, 15, 0), 8, OFFICE)
    assert due.isoformat() == "2026-04-07T15:00:00+01:00"


def test_working_hours_across_autumn_clocks_change() -> None:
    # Fri 23 Oct 16:00 BST: 1 h on Friday, then Mon 26 Oct 09:00 GMT + 1 h.
    due = add_working_hours(london(2026, 10, 23, 16, 0), 2, OFFICE)
    assert due.isoformat() == "2026-10-26T10:00:00+00:00"


def test_working_hours_nation_matters() -> None:
    received = london(2026, 11, 27, 16, 0)  # Friday; Mon 30 Nov is St Andrew's Day in SCT
    assert add_working_hours(received, 3, OFFICE, "england").isoformat() == (
        "2026-11-30T11:00:00+00:00"
    )
    assert add_working_hours(received, 3, OFFICE, "scotland").isoformat() == (
        "2026-12-01T11:00:00+00:00"
    )


def test_working_hours_custom_core_days() -> None:
    mon_to_thu = CoreHours(days=frozenset({0, 1, 2, 3}), start=time(10, 0), end=time(16, 0))
    # Thu 11 Jun 15:00-16:00 = 1 h; Friday is not a core day; Mon 15 10:00 + 1 h.
    due = add_working_hours(london(2026, 6, 11, 15, 0), 2, mon_to_thu)
    assert due.isoformat() == "2026-06-15T11:00:00+01:00"


def test_zero_working_hours_is_receipt_time() -> None:
    received = london(2026, 6, 6, 11, 0)
    assert add_working_hours(received, 0, OFFICE) == received


# --- same day (Leicester, seed clause 9.16) ----------------------------------------------


@pytest.mark.parametrize(
    ("received", "expected"),
    [
        (london(2026, 6, 9, 10, 0), "2026-06-09T17:00:00+01:00"),  # Tue in hours
        (london(2026, 6, 9, 16, 59, 59), "2026-06-09T17:00:00+01:00"),  # just before close
        (london(2026, 6, 9, 17, 0), "2026-06-10T17:00:00+01:00"),  # at close: out of hours
        (london(2026, 6, 9, 18, 30), "2026-06-10T17:00:00+01:00"),  # Tue evening -> Wed
        (london(2026, 6, 5, 18, 0), "2026-06-08T17:00:00+01:00"),  # Fri evening -> Mon
        (london(2026, 4, 2, 18, 0), "2026-04-07T17:00:00+01:00"),  # Thu before Easter
        (london(2026, 6, 6, 11, 0), "2026-06-08T17:00:00+01:00"),  # Saturday -> Mon
        (london(2026, 6, 7, 11, 0), "2026-06-08T17:00:00+01:00"),  # Sunday -> Mon
        (london(2026, 6, 9, 7, 30), "2026-06-09T17:00:00+01:00"),  # before opening Tue
        (london(2026, 4, 6, 11, 0), "2026-04-07T17:00:00+01:00"),  # Easter Monday daytime
        (london(2026, 12, 24, 18, 0), "2026-12-29T17:00:00+00:00"),  # Christmas Eve
    ],
    ids=[
        "tue-10:00",
        "tue-16:59:59",
        "tue-17:00",
        "tue-18:30",
        "fri-18:00",
        "easter-thu-18:00",
        "saturday",
        "sunday",
        "tue-07:30",
        "easter-monday",
        "christmas-eve-18:00",
    ],
)
def test_same_day_leicester(received: datetime, expected: str) -> None:
    due = same_day_due(received, OFFICE)
    assert due.isoformat() == expected
    assert due.tzinfo is LONDON


def test_same_day_easter_monday_is_a_working_day_in_scotland() -> None:
    due = same_day_due(london(2026, 4, 6, 11, 0), OFFICE, "scotland")
    assert due.isoformat() == "2026-04-06T17:00:00+01:00"


def test_same_day_via_due_by_policy() -> None:
    due = due_by(london(2026, 6, 9, 18, 30), DeadlinePolicy(same_day=True), core=OFFICE)
    assert due.isoformat() == "2026-06-10T17:00:00+01:00"


# --- due_by dispatch ----------------------------------------------------------------------


def test_due_by_working_days() -> None:
    due = due_by(london(2026, 4, 2, 15, 0), DeadlinePolicy(working_days=3))
    assert due.isoformat() == "2026-04-09T23:59:59+01:00"


def test_due_by_working_days_ignores_core() -> None:
    due = due_by(london(2026, 4, 2, 15, 0), DeadlinePolicy(working_days=3), core=OFFICE)
    assert due.isoformat() == "2026-04-09T23:59:59+01:00"


def test_due_by_same_day_without_core_rejected() -> None:
    with pytest.raises(ValueError, match="core"):
        due_by(london(2026, 6, 9, 10, 0), DeadlinePolicy(same_day=True))


def test_due_by_working_hours_without_core_rejected() -> None:
    with pytest.raises(ValueError, match="core"):
        due_by(london(2026, 6, 9, 10, 0), DeadlinePolicy(hours=48, working_hours=True))


# --- working_days_between -----------------------------------------------------------------


def test_working_days_between_counts_half_open_interval() -> None:
    assert working_days_between(date(2026, 4, 1), date(2026, 4, 17)) == 10
    assert working_days_between(date(2026, 6, 9), date(2026, 6, 9)) == 0
    assert working_days_between(date(2026, 6, 9), date(2026, 6, 10)) == 1
    assert working_days_between(date(2026, 6, 6), date(2026, 6, 8)) == 1  # Sat -> Mon
    assert working_days_between(date(2026, 6, 10), date(2026, 6, 9)) == 0  # reversed


def test_working_days_between_over_christmas_by_nation() -> None:
    # (Thu 24 Dec, Thu 7 Jan]: Tue 29, Wed 30, Thu 31, Mon 4, Tue 5, Wed 6, Thu 7.
    assert working_days_between(date(2026, 12, 24), date(2027, 1, 7)) == 7
    assert working_days_between(date(2026, 12, 24), date(2027, 1, 7), "scotland") == 6


# --- validation ---------------------------------------------------------------------------


NAIVE = datetime(2026, 6, 9, 10, 0)  # noqa: DTZ001 - deliberately naive


@pytest.mark.parametrize(
    "call",
    [
        lambda: end_of_working_days(NAIVE, 3),
        lambda: add_working_hours(NAIVE, 8, OFFICE),
        lambda: same_day_due(NAIVE, OFFICE),
        lambda: due_by(NAIVE, DeadlinePolicy(hours=48)),
        lambda: due_by(NAIVE, DeadlinePolicy(working_days=3)),
    ],
    ids=["end_of_working_days", "add_working_hours", "same_day_due", "due_by-hours", "due_by"],
)
def test_naive_datetime_rejected(call: object) -> None:
    assert callable(call)
    with pytest.raises(ValueError, match="naive"):
        call()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"working_days": 3, "hours": 48},
        {"working_days": 3, "same_day": True},
        {"hours": 48, "same_day": True},
        {},
        {"working_hours": True},
    ],
    ids=["days+hours", "days+same_day", "hours+same_day", "none", "working_hours-only"],
)
def test_policy_needs_exactly_one_mode(kwargs: dict[str, int | bool]) -> None:
    with pytest.raises(ValueError, match="exactly one"):
        DeadlinePolicy(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "kwargs",
    [{"working_days": -1}, {"hours": -48}],
    ids=["negative-days", "negative-hours"],
)
def test_policy_rejects_negative_numbers(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="negative"):
        DeadlinePolicy(**kwargs)  # type: ignore[arg-type]


def test_policy_working_hours_requires_hours() -> None:
    with pytest.raises(ValueError, match="working_hours"):
        DeadlinePolicy(working_days=3, working_hours=True)


def test_policy_zero_is_a_valid_setting() -> None:
    assert DeadlinePolicy(working_days=0).working_days == 0
    assert DeadlinePolicy(hours=0).hours == 0


def test_negative_counts_rejected_by_functions() -> None:
    with pytest.raises(ValueError, match="negative"):
        end_of_working_days(london(2026, 6, 9, 10, 0), -1)
    with pytest.raises(ValueError, match="negative"):
        add_working_hours(london(2026, 6, 9, 10, 0), -1, OFFICE)


@pytest.mark.parametrize("nation", ["uk", "England", "great_britain", ""])
def test_unknown_nation_rejected_naming_allowed_values(nation: str) -> None:
    with pytest.raises(ValueError, match="northern_ireland") as excinfo:
        is_working_day(date(2026, 6, 9), nation)
    message = str(excinfo.value)
    for allowed in ("england", "wales", "scotland", "northern_ireland"):
        assert allowed in message


def test_unknown_nation_rejected_by_every_entry_point() -> None:
    received = london(2026, 6, 9, 10, 0)
    with pytest.raises(ValueError, match="unknown nation"):
        next_working_day(date(2026, 6, 9), "uk")
    with pytest.raises(ValueError, match="unknown nation"):
        end_of_working_days(received, 3, "uk")
    with pytest.raises(ValueError, match="unknown nation"):
        add_working_hours(received, 3, OFFICE, "uk")
    with pytest.raises(ValueError, match="unknown nation"):
        same_day_due(received, OFFICE, "uk")
    with pytest.raises(ValueError, match="unknown nation"):
        due_by(received, DeadlinePolicy(hours=48), "uk")
    with pytest.raises(ValueError, match="unknown nation"):
        working_days_between(date(2026, 6, 1), date(2026, 6, 9), "uk")


def test_core_hours_validation() -> None:
    with pytest.raises(ValueError, match="before"):
        CoreHours.weekdays(time(17, 0), time(9, 0))
    with pytest.raises(ValueError, match="at least one"):
        CoreHours(days=frozenset(), start=time(9, 0), end=time(17, 0))
    with pytest.raises(ValueError, match="0 \\(Monday\\)"):
        CoreHours(days=frozenset({7}), start=time(9, 0), end=time(17, 0))
    with pytest.raises(ValueError, match="naive"):
        CoreHours.weekdays(time(9, 0, tzinfo=UTC), time(17, 0))


def test_weekend_only_core_hours_rejected_for_deadlines() -> None:
    weekend = CoreHours(days=frozenset({5, 6}), start=time(10, 0), end=time(14, 0))
    with pytest.raises(ValueError, match="Monday-Friday"):
        same_day_due(london(2026, 6, 9, 10, 0), weekend)
    with pytest.raises(ValueError, match="Monday-Friday"):
        add_working_hours(london(2026, 6, 9, 10, 0), 2, weekend)


def test_datetime_passed_as_date_rejected() -> None:
    with pytest.raises(TypeError, match="datetime"):
        is_working_day(london(2026, 6, 9, 10, 0))


def test_core_hours_weekdays_is_monday_to_friday() -> None:
    assert OFFICE.days == frozenset({0, 1, 2, 3, 4})
    assert (OFFICE.start, OFFICE.end) == (time(9, 0), time(17, 0))
