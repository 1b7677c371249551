"""Response deadlines for referrals: working days, clock hours, working hours and same-day.

Pure calendar arithmetic, no I/O. Every function takes and returns timezone-aware
datetimes; inputs may be in any zone and are converted to Europe/London (``LONDON``),
and results are always presented in Europe/London. Naive datetimes are rejected with
``ValueError``.

Working days skip Saturdays, Sundays and the bank holidays of the service's nation, as
published by the ``holidays`` package (``holidays.UK`` with subdivision ENG, WLS, SCT or
NIR). Nations are named ``"england"``, ``"wales"``, ``"scotland"`` and
``"northern_ireland"``.

Deadline kinds (see :class:`DeadlinePolicy`):

* working days: the day of receipt is day 0 whatever the hour; the deadline is the end
  (23:59:59 Europe/London) of the Nth working day after it;
* clock hours: real elapsed hours from receipt (computed in UTC, so a deadline that
  spans a clocks change is still exactly N hours away);
* working hours: only time inside the service's core hours on working days counts;
* same day: the end of core hours on the day of receipt if it arrives during (or before)
  that day's core hours on a working day, otherwise the end of core hours on the next
  working day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from holidays import HolidayBase, country_holidays

__all__ = [
    "LONDON",
    "NATIONS",
    "CoreHours",
    "DeadlinePolicy",
    "add_working_hours",
    "due_by",
    "end_of_working_days",
    "in_core_hours",
    "is_working_day",
    "next_working_day",
    "same_day_due",
    "working_days_between",
]

LONDON: ZoneInfo = ZoneInfo("Europe/London")

#: Kith nation name -> ISO 3166-2 subdivision code used by ``holidays.UK``.
NATIONS: dict[str, str] = {
    "england": "ENG",
    "wales": "WLS",
    "scotland": "SCT",
    "northern_ireland": "NIR",
}

_END_OF_DAY = time(23, 59, 59)
_WEEKDAYS = frozenset(range(5))
_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class CoreHours:
    """A service's core (office) hours: the same wall-clock window on each of ``days``.

    ``days`` uses ``date.weekday()`` numbering (0=Monday .. 6=Sunday). ``start`` and
    ``end`` are naive wall-clock times in Europe/London with ``start < end`` (windows
    that cross midnight are not supported). Core hours on a Saturday, Sunday or bank
    holiday never count, because those are not working days.
    """

    days: frozenset[int]
    start: time
    end: time

    def __post_init__(self) -> None:
        if not self.days:
            raise ValueError("CoreHours.days must name at least one weekday")
        if not all(isinstance(d, int) and 0 <= d <= 6 for d in self.days):
            raise ValueError("CoreHours.days must be integers 0 (Monday) .. 6 (Sunday)")
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("CoreHours times must be naive wall-clock times (Europe/London)")
        if not self.start < self.end:
            raise ValueError("CoreHours.start must be before CoreHours.end")

    @classmethod
    def weekdays(cls, start: time, end: time) -> CoreHours:
        """Core hours from ``start`` to ``end`` Monday to Friday."""
        return cls(days=_WEEKDAYS, start=start, end=end)


@dataclass(frozen=True)
class DeadlinePolicy:
    """How long a service has to respond to a referral.

    Exactly one of ``working_days``, ``hours`` or ``same_day`` must be set.
    ``working_hours=True`` is only meaningful with ``hours`` and makes only time inside
    core hours on working days count. Negative numbers are rejected.
    """

    working_days: int | None = None
    hours: int | None = None
    working_hours: bool = False
    same_day: bool = False

    def __post_init__(self) -> None:
        for name, value in (("working_days", self.working_days), ("hours", self.hours)):
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"DeadlinePolicy.{name} must be an int, got {value!r}")
            if value < 0:
                raise ValueError(f"DeadlinePolicy.{name} must not be negative, got {value}")
        modes = [
            name
            for name, is_set in (
                ("working_days", self.working_days is not None),
                ("hours", self.hours is not None),
                ("same_day", self.same_day),
            )
            if is_set
        ]
        if len(modes) != 1:
            raise ValueError(
                "DeadlinePolicy needs exactly one of working_days, hours or same_day; "
                f"got {', '.join(modes) if modes else 'none'}"
            )
        if self.working_hours and self.hours is None:
            raise ValueError("DeadlinePolicy.working_hours=True requires hours to be set")


@lru_cache(maxsize=8)  # one entry per nation
def _calendar(nation: str) -> HolidayBase:
    # Only called with validated nation names. country_holidays("GB", ...) builds the
    # same calendar as holidays.UK(subdiv=...) but is typed (holidays.UK is loaded
    # dynamically and its constructor is untyped, which mypy --strict rejects). The
    # calendar fills in years lazily on lookup, so one shared instance serves every
    # year; that lazy fill mutates it, so share it between threads with care.
    return country_holidays("GB", subdiv=NATIONS[nation])


def _check_nation(nation: str) -> HolidayBase:
    if nation not in NATIONS:
        allowed = ", ".join(repr(n) for n in NATIONS)
        raise ValueError(f"unknown nation {nation!r}; expected one of {allowed}")
    return _calendar(nation)


def _check_date(day: date) -> None:
    if isinstance(day, datetime):
        raise TypeError("expected a date, not a datetime; use .astimezone(LONDON).date()")


def _to_london(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime not allowed: {moment.isoformat()}; attach a timezone")
    return moment.astimezone(LONDON)


def _check_count(name: str, value: int) -> None:
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {value}")


def _is_core_working_day(day: date, core: CoreHours, calendar: HolidayBase) -> bool:
    return day.weekday() in core.days and day.weekday() < 5 and day not in calendar


def _core_window_utc(day: date, core: CoreHours) -> tuple[datetime, datetime]:
    opens = datetime.combine(day, core.start, tzinfo=LONDON).astimezone(UTC)
    closes = datetime.combine(day, core.end, tzinfo=LONDON).astimezone(UTC)
    return opens, closes


def _check_core(core: CoreHours) -> None:
    if not core.days & _WEEKDAYS:
        raise ValueError("CoreHours must include at least one day Monday-Friday")


def is_working_day(day: date, nation: str = "england") -> bool:
    """True if ``day`` is Monday-Friday and not a bank holiday in ``nation``."""
    _check_date(day)
    calendar = _check_nation(nation)
    return day.weekday() < 5 and day not in calendar


def in_core_hours(moment: datetime, core: CoreHours, nation: str = "england") -> bool:
    """True if ``moment`` falls inside core hours on a working day in ``nation``."""
    _check_core(core)
    calendar = _check_nation(nation)
    local = _to_london(moment)
    if not _is_core_working_day(local.date(), core, calendar):
        return False
    return core.start <= local.time().replace(tzinfo=None) < core.end


def next_working_day(day: date, nation: str = "england") -> date:
    """The first working day strictly after ``day`` in ``nation``."""
    _check_date(day)
    calendar = _check_nation(nation)
    candidate = day + _ONE_DAY
    while candidate.weekday() >= 5 or candidate in calendar:
        candidate += _ONE_DAY
    return candidate


def end_of_working_days(received: datetime, days: int, nation: str = "england") -> datetime:
    """End (23:59:59 Europe/London) of the ``days``-th working day after receipt.

    The day of receipt (in Europe/London) is day 0 whatever the hour, and whether or
    not it is itself a working day. ``days=0`` therefore means the end of the day of
    receipt. Example: received Thursday 2 April 2026 15:00 with 3 working days is due
    2026-04-09 23:59:59 (Good Friday and Easter Monday are skipped in England).
    """
    local = _to_london(received)
    _check_count("days", days)
    _check_nation(nation)
    day = local.date()
    for _ in range(days):
        day = next_working_day(day, nation)
    return datetime.combine(day, _END_OF_DAY, tzinfo=LONDON)


def add_working_hours(
    received: datetime, hours: int, core: CoreHours, nation: str = "england"
) -> datetime:
    """The moment ``hours`` hours of core time on working days have passed since receipt.

    Only time inside ``core`` hours on working days of ``nation`` counts; receipt outside
    core hours starts the count at the next opening. Elapsed time is measured in real
    (UTC) hours. If the count runs out exactly at closing time the deadline is that
    closing time, not the next opening. ``hours=0`` returns the receipt time itself.
    """
    local = _to_london(received)
    _check_count("hours", hours)
    _check_core(core)
    calendar = _check_nation(nation)
    remaining = timedelta(hours=hours)
    if not remaining:
        return local
    cursor = local.astimezone(UTC)
    day = local.date()
    while True:
        if _is_core_working_day(day, core, calendar):
            opens, closes = _core_window_utc(day, core)
            start = max(opens, cursor)
            if start < closes:
                available = closes - start
                if remaining <= available:
                    return (start + remaining).astimezone(LONDON)
                remaining -= available
        day += _ONE_DAY


def same_day_due(received: datetime, core: CoreHours, nation: str = "england") -> datetime:
    """Leicester-style urgent deadline: same day, or next working day if out of hours.

    Received on a working (core) day before core hours end → end of core hours that day.
    Otherwise (after closing, on a weekend or on a bank holiday) → end of core hours on
    the next working day that has core hours.

    Receipt before opening on a working day counts as out of hours, but the next
    opening is that same day, so it is due at that day's close: received 07:30 on a
    working Tuesday with core hours 09:00-17:00 → due 17:00 that Tuesday. Receipt at
    exactly the closing time is out of hours (core hours are ``[start, end)``).
    """
    local = _to_london(received)
    _check_core(core)
    calendar = _check_nation(nation)
    day = local.date()
    if not (_is_core_working_day(day, core, calendar) and local.time() < core.end):
        day += _ONE_DAY
        while not _is_core_working_day(day, core, calendar):
            day += _ONE_DAY
    return datetime.combine(day, core.end, tzinfo=LONDON)


def _add_clock_hours(received: datetime, hours: int) -> datetime:
    local = _to_london(received)
    _check_count("hours", hours)
    return (local.astimezone(UTC) + timedelta(hours=hours)).astimezone(LONDON)


def _to_the_minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def due_by(
    received: datetime,
    policy: DeadlinePolicy,
    nation: str = "england",
    core: CoreHours | None = None,
) -> datetime:
    """The deadline for a referral received at ``received`` under ``policy``.

    Dispatches to :func:`end_of_working_days`, clock-hour arithmetic,
    :func:`add_working_hours` or :func:`same_day_due`. ``core`` is required for
    ``working_hours`` and ``same_day`` policies (``ValueError`` otherwise) and ignored
    for the others. The result is in Europe/London. A deadline in hours is given to the
    minute, rounded down: staff plan by the minute, and rounding down never allows more
    than the N hours the commissioner measures.
    """
    _to_london(received)
    _check_nation(nation)
    if policy.working_days is not None:
        return end_of_working_days(received, policy.working_days, nation)
    if policy.hours is not None:
        if not policy.working_hours:
            return _to_the_minute(_add_clock_hours(received, policy.hours))
        if core is None:
            raise ValueError("a working_hours policy needs core hours (core=...)")
        return _to_the_minute(add_working_hours(received, policy.hours, core, nation))
    if core is None:
        raise ValueError("a same_day policy needs core hours (core=...)")
    return same_day_due(received, core, nation)


def working_days_between(start: date, end: date, nation: str = "england") -> int:
    """Number of working days in the half-open interval ``(start, end]``.

    For reports of time waiting: a referral received on ``start`` and still open on
    ``end`` has waited this many working days. Returns 0 when ``end <= start``.
    """
    _check_date(start)
    _check_date(end)
    calendar = _check_nation(nation)
    count = 0
    day = start + _ONE_DAY
    while day <= end:
        if day.weekday() < 5 and day not in calendar:
            count += 1
        day += _ONE_DAY
    return count
