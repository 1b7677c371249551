"""Staff use cases for groups: add a group, its members, list its sessions, change one.

Each is a unit of work on a `Store`. A change to one session is recorded as a row;
the `group_notices` job (scheduler/group_notices.py) claims it and queues one notice
per member. Every change re-plans the group's session reminders and cancels those
still queued for the session it changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from bot.core.groups import (
    CANCEL,
    MOVE,
    RECURRENCES,
    VENUE,
    Group,
    Session,
    next_reminder_moment,
    reminder_key_prefix,
    session_on,
    sessions,
)
from bot.core.phone import read_phone
from bot.core.ports import Store
from bot.staff.plain import local_iso
from conversations.definition import ServiceDefinition
from conversations.i18n import available_languages


class GroupError(ValueError):
    """A change that cannot be made (unknown id, no such session, bad value): said plainly."""


@dataclass(frozen=True)
class ChangeMade:
    """What a change to one session did, to report on one line."""

    change_id: int
    session: Session
    members_to_tell: int


def address_of(phone: str | None, telegram: str | None) -> tuple[str, str]:
    """The member's channel and address from a phone number or a Telegram chat id."""
    if telegram is not None:
        chat = telegram.strip()
        if not chat.lstrip("-").isdigit():
            raise GroupError("a Telegram chat id is a number, like 123456789")
        return "telegram", f"telegram:{chat}"
    if not phone:
        raise GroupError("give the member's --phone or --telegram chat id")
    e164 = read_phone(phone)
    if e164 is None:
        raise GroupError("the phone number is not a UK mobile or landline number")
    return "sms", f"sms:{e164}"


def _group(store: Store, group_id: int) -> Group:
    group = store.get_group(group_id)
    if group is None:
        raise GroupError(f"no group {group_id}")
    return group


def replan_reminders(
    store: Store, service: ServiceDefinition | None, group_id: int, now: datetime
) -> None:
    """Set the group's next reminder moment from its sessions as they stand now."""
    group = _group(store, group_id)
    if not any(m.reminders for m in store.group_members([group_id])):
        store.set_group_reminder(group_id, None)
        return
    offsets, quiet = _planning(service)
    changes = store.session_changes([group_id])
    store.set_group_reminder(group_id, next_reminder_moment(group, changes, now, offsets, quiet))


def _planning(service: ServiceDefinition | None) -> tuple[tuple[int, ...], Any]:
    from bot.core.quiet_hours import DEFAULT_QUIET_HOURS
    from bot.core.reminders import DEFAULT_OFFSETS_HOURS

    if service is None:
        return DEFAULT_OFFSETS_HOURS, DEFAULT_QUIET_HOURS
    return service.reminder_offsets_hours, service.quiet_hours


def add_group(
    store: Store,
    service: ServiceDefinition,
    name: str,
    venue: str,
    recurrence: str,
    first_starts_at: datetime,
    by: str,
    now: datetime,
) -> int:
    """Add a group meeting on a rule from its first session."""
    name, venue = name.strip(), venue.strip()
    if not name:
        raise GroupError("give the group a name staff will know it by (--name)")
    if not venue:
        raise GroupError("say where the group meets (--venue)")
    if recurrence not in RECURRENCES:
        raise GroupError(f"--every must be one of {', '.join(RECURRENCES)}")
    return store.add_group(service.id, name, venue, recurrence, first_starts_at, now, by)


def add_member(
    store: Store,
    service: ServiceDefinition | None,
    group_id: int,
    phone: str | None,
    telegram: str | None,
    language: str,
    reminders: bool,
    by: str,
    now: datetime,
    replan: bool = True,
) -> int:
    """Add a member (their language, whether they want session reminders).

    Adding many at once, pass `replan=False` and call `replan_reminders` once after.
    """
    _group(store, group_id)
    if language not in available_languages():
        raise GroupError(f"--lang must be one of {', '.join(available_languages())}")
    channel, address = address_of(phone, telegram)
    found = store.find_person(address)
    person_id = found if found is not None else store.add_person(address, channel, now)
    member_id = store.add_member(group_id, person_id, address, language, reminders, now, by)
    if replan:
        replan_reminders(store, service, group_id, now)
    return member_id


def remove_member(
    store: Store,
    service: ServiceDefinition | None,
    group_id: int,
    phone: str | None,
    telegram: str | None,
    now: datetime,
    replan: bool = True,
) -> None:
    """A member leaves the group: no more notices or reminders of it."""
    _group(store, group_id)
    _, address = address_of(phone, telegram)
    if not store.remove_member(group_id, address, now):
        raise GroupError(f"that address is not a member of group {group_id}")
    if replan:
        replan_reminders(store, service, group_id, now)


def upcoming(store: Store, group_id: int, since: datetime, weeks: int) -> list[Session]:
    """The group's sessions from `since` for `weeks` weeks, changes applied."""
    group = _group(store, group_id)
    changes = store.session_changes([group_id])
    return sessions(group, changes, since, since + timedelta(weeks=weeks))


def change_session(
    store: Store,
    service: ServiceDefinition | None,
    group_id: int,
    session_date: date,
    cancel: bool,
    starts_at: datetime | None,
    venue: str | None,
    by: str,
    now: datetime,
) -> ChangeMade:
    """Cancel, move or change the venue of one session; members are told by the job."""
    group = _group(store, group_id)
    changes = store.session_changes([group_id])
    session = session_on(group, changes, session_date)
    if session is None:
        raise GroupError(
            f"group {group_id} has no session on {session_date.isoformat()} "
            "(see `kith groups sessions`)"
        )
    if session.cancelled:
        raise GroupError(f"the session on {session_date.isoformat()} is cancelled already")
    if session.starts_at <= now:
        raise GroupError(f"the session on {session_date.isoformat()} has started or passed")
    venue = venue.strip() if venue is not None else None
    if cancel and (starts_at is not None or venue):
        raise GroupError("--cancel takes no --to or --venue")
    if not cancel and starts_at is None and not venue:
        raise GroupError("say what changes: --cancel, --to TIME or --venue PLACE")
    if starts_at is not None and starts_at <= now:
        raise GroupError("the new time has passed already")
    action = CANCEL if cancel else (MOVE if starts_at is not None else VENUE)
    change_id = store.add_session_change(
        group_id, session_date, action, starts_at, venue or None, now, by
    )
    store.cancel_queued(reminder_key_prefix(group_id, session_date), "session_changed")
    replan_reminders(store, service, group_id, now)
    after = session_on(group, store.session_changes([group_id]), session_date)
    assert after is not None
    members = store.group_members([group_id])
    return ChangeMade(change_id, after, sum(1 for m in members if not m.opted_out))


def group_json(group: Group, members: int) -> dict[str, Any]:
    """A group for `kith groups list --json` (its name is for staff; notices never use it)."""
    return {
        "id": group.id,
        "service": group.service_id,
        "name": group.name,
        "venue": group.venue,
        "every": group.recurrence,
        "first_session": local_iso(group.first_starts_at),
        "members": members,
        "next_reminder_at": local_iso(group.next_reminder_at),
    }


def session_json(session: Session) -> dict[str, Any]:
    """A session for `kith groups sessions --json`."""
    return {
        "session": session.session_date.isoformat(),
        "starts_at": local_iso(session.starts_at),
        "venue": session.venue,
        "status": "cancelled"
        if session.cancelled
        else ("changed" if session.changed else "as usual"),
    }
