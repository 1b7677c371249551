"""The storage ports: what the engine's callers, jobs and staff use cases need stored.

`bot.storage` implements them on SQLAlchemy (`SqlStore`, `SqlDatabase`); nothing outside
`bot.storage` writes SQL. A unit of work is a plain function of a `Store`, run by
`Database.write` in one transaction (or `Database.read`), so the same function runs on
SQLite's writer thread and on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any, Protocol, TypeVar

from bot.core.appointments import Appointment, AppointmentDraft, Prompt
from bot.core.calls import Callee, CallRecord, CallSlot, Volunteer
from bot.core.groups import Group, Member, SessionChange
from bot.core.records import (
    Alert,
    HistoryEntry,
    OutboundRow,
    OutboxMessage,
    Participant,
    QuietPlan,
    Referral,
    ReferralDraft,
    Sent,
)
from bot.core.surveys import SurveyAnswer, SurveyRecord

T = TypeVar("T")


class Persons(Protocol):
    """People (data subjects) and their channel addresses."""

    def find_person(self, address: str) -> int | None: ...
    def add_person(self, address: str, channel: str, now: datetime) -> int: ...
    def forget_person(self, person_id: int) -> None: ...


class Participants(Protocol):
    """Channel addresses: opt-out, language, the open conversation; inbound ids."""

    def load_participant(self, address: str) -> Participant | None: ...
    def save_participant(
        self, existed: bool, participant: Participant, now: datetime, expires_at: datetime | None
    ) -> None: ...
    def forget_participant(self, address: str, expired_by: datetime | None = None) -> bool: ...
    def expired_participants(self, now: datetime) -> list[Participant]: ...
    def claim_inbound(self, channel: str, external_id: str, now: datetime) -> bool: ...


class Referrals(Protocol):
    """Referrals, their status history, and anonymous counts."""

    def insert_referral(
        self, draft: ReferralDraft, channel: str, address: str, person_id: int | None = None
    ) -> int: ...
    def add_referral_answers(self, referral_id: int, answers: dict[str, Any]) -> None: ...
    def get_referral(self, referral_id: int) -> Referral | None: ...
    def find_referrals(
        self, statuses: Sequence[str] | None = None, service_id: str | None = None
    ) -> list[Referral]: ...
    def referral_history(self, referral_id: int) -> list[HistoryEntry]: ...
    def add_history(
        self, referral_id: int, status: str, note: str | None, now: datetime, by: str
    ) -> None: ...
    def add_note(self, referral_id: int, note: str, now: datetime, by: str) -> None: ...
    def count_event(self, service_id: str, kind: str, now: datetime) -> None: ...


class Outbox(Protocol):
    """The durable outbox: store first, then claim, send and record."""

    def queue(self, rows: Sequence[OutboundRow], now: datetime) -> list[int]: ...
    def list_outbox(self, status: str | None = None) -> list[OutboxMessage]: ...
    def get_outbox(self, outbox_id: int) -> OutboxMessage | None: ...
    def requeue_message(self, outbox_id: int, now: datetime, note: str) -> None: ...
    def claim(
        self,
        now: datetime,
        channel: str,
        limit: int,
        owner: str,
        lease_until: datetime,
        quiet: QuietPlan | None = None,
        ids: Sequence[int] | None = None,
    ) -> list[OutboxMessage]: ...
    def attempts(self, outbox_id: int) -> int: ...
    def record_send(self, outbox_id: int, **values: Any) -> None: ...
    def record_sent(self, sent: Sequence[Sent]) -> None: ...
    def hold(self, outbox_id: int, until: datetime, refund: bool = True) -> None: ...
    def hold_later(self, outbox_id: int, address: str, until: datetime) -> None: ...
    def mark_unreachable(self, address: str, now: datetime) -> None: ...
    def recover_leases(self, now: datetime, owner: str, restarting: bool) -> int: ...
    def sms_usage(
        self, service_id: str | None, since: datetime | None
    ) -> list[tuple[str | None, str, str | None, int, int]]: ...
    def oldest_due(self, now: datetime, channels: Sequence[str]) -> datetime | None: ...
    def provider_status(self, provider_ref: str, values: dict[str, Any]) -> None: ...


class Alerts(Protocol):
    """Staff alerts and their handling."""

    def add_alert(
        self,
        kind: str,
        service_id: str | None,
        address: str,
        referral_id: int | None,
        now: datetime,
        words: str | None = None,
        person_id: int | None = None,
    ) -> int: ...
    def add_alert_once(
        self, kind: str, service_id: str | None, address: str, now: datetime, words: str | None
    ) -> int | None: ...
    def list_alerts(self, include_handled: bool = True) -> list[Alert]: ...
    def get_alert(self, alert_id: int) -> Alert | None: ...
    def ack_alert(self, alert_id: int, by: str, note: str | None, now: datetime) -> None: ...
    def alerts_for(self, referral_ids: Sequence[int], addresses: Sequence[str]) -> list[Alert]: ...
    def purge_handled_alerts(
        self, service_ids: Sequence[str | None], handled_before: datetime
    ) -> list[int]: ...


class Appointments(Protocol):
    """Appointments, the reminders due from them, open prompts, and deadline breaches."""

    def add_appointment(
        self, draft: AppointmentDraft, next_reminder_at: datetime | None, now: datetime, by: str
    ) -> int: ...
    def add_appointment_history(
        self, appointment_id: int, action: str, detail: str | None, now: datetime, by: str
    ) -> None: ...
    def appointment_history(
        self, appointment_id: int
    ) -> list[tuple[str, str | None, datetime, str]]: ...
    def get_appointment(self, appointment_id: int) -> Appointment | None: ...
    def list_appointments(
        self,
        service_id: str | None = None,
        person_id: int | None = None,
        since: datetime | None = None,
        statuses: Sequence[str] | None = None,
    ) -> list[Appointment]: ...
    def change_appointment(
        self, appointment_id: int, expected_revision: int, expected_status: str, **values: Any
    ) -> bool: ...
    def claim_due_reminders(self, now: datetime, limit: int) -> list[Appointment]: ...
    def reminders_due(self, now: datetime) -> bool: ...
    def advance_reminder(
        self, appointment_id: int, revision: int, was: datetime, then: datetime | None
    ) -> bool: ...
    def advance_reminders(
        self, moves: Sequence[tuple[int, int, datetime, datetime | None]]
    ) -> None: ...
    def open_reminder_prompts(
        self, prompts: Sequence[tuple[str, int, datetime]], now: datetime
    ) -> None: ...
    def cancel_queued(self, key_prefix: str, reason: str) -> int: ...
    def count_attendance(self, person_id: int, service_id: str, status: str) -> int: ...
    def open_prompt(
        self,
        address: str,
        kind: str,
        appointment_id: int | None,
        now: datetime,
        expires_at: datetime,
        data: dict[str, Any] | None = None,
    ) -> int: ...
    def open_prompts(self, address: str, now: datetime) -> list[Prompt]: ...
    def close_prompts(
        self,
        address: str | None = None,
        kind: str | None = None,
        appointment_id: int | None = None,
        before: datetime | None = None,
    ) -> int: ...
    def record_breach(
        self, referral_id: int, service_id: str, deadline: str, due_at: datetime, now: datetime
    ) -> bool: ...
    def breaches(self) -> list[tuple[int, str, str, datetime, datetime]]: ...
    def person_addresses(self, person_id: int) -> list[str]: ...


class Groups(Protocol):
    """Groups, their members, staff changes to sessions, and due session reminders."""

    def add_group(
        self,
        service_id: str,
        name: str,
        venue: str,
        recurrence: str,
        first_starts_at: datetime,
        now: datetime,
        by: str,
    ) -> int: ...
    def get_group(self, group_id: int) -> Group | None: ...
    def list_groups(self, service_id: str | None = None) -> list[Group]: ...
    def add_member(
        self,
        group_id: int,
        person_id: int,
        address: str,
        language: str,
        reminders: bool,
        now: datetime,
        by: str,
    ) -> int: ...
    def remove_member(self, group_id: int, address: str, now: datetime) -> bool: ...
    def group_members(self, group_ids: Sequence[int]) -> list[Member]: ...
    def add_session_change(
        self,
        group_id: int,
        session_date: date,
        action: str,
        starts_at: datetime | None,
        venue: str | None,
        now: datetime,
        by: str,
    ) -> int: ...
    def session_changes(self, group_ids: Sequence[int]) -> list[SessionChange]: ...
    def changes_pending(self) -> bool: ...
    def claim_pending_changes(self, limit: int) -> list[SessionChange]: ...
    def mark_notices_queued(self, change_id: int, now: datetime) -> bool: ...
    def set_group_reminder(self, group_id: int, moment: datetime | None) -> None: ...
    def claim_due_group_reminders(self, now: datetime, limit: int) -> list[Group]: ...
    def group_reminders_due(self, now: datetime) -> bool: ...
    def advance_group_reminder(
        self, group_id: int, was: datetime, then: datetime | None
    ) -> bool: ...


class Calls(Protocol):
    """Volunteers, the people they call (with consent and risk assessment), call slots."""

    def add_volunteer(
        self,
        service_id: str,
        first_name: str,
        address: str,
        language: str,
        list_time: str,
        now: datetime,
        by: str,
        next_list_at: datetime | None = None,
    ) -> int: ...
    def find_volunteer(self, service_id: str, address: str) -> Volunteer | None: ...
    def get_volunteer(self, volunteer_id: int) -> Volunteer | None: ...
    def list_volunteers(self, service_id: str | None = None) -> list[Volunteer]: ...
    def set_volunteer_status(
        self, volunteer_id: int, status: str, now: datetime, by: str
    ) -> bool: ...
    def add_callee(
        self,
        service_id: str,
        person_id: int,
        first_name: str,
        address: str,
        consent_recorded_at: datetime,
        risk_assessed_by: str,
        now: datetime,
        by: str,
    ) -> int: ...
    def find_callee(self, service_id: str, address: str) -> Callee | None: ...
    def get_callee(self, callee_id: int) -> Callee | None: ...
    def list_callees(self, service_id: str | None = None) -> list[Callee]: ...
    def add_call_slot(
        self,
        callee_id: int,
        volunteer_id: int,
        recurrence: str,
        first_starts_at: datetime,
        until: date | None,
        now: datetime,
        by: str,
        next_prompt_at: datetime | None = None,
    ) -> int: ...
    def call_slots(
        self, volunteer_id: int | None = None, callee_id: int | None = None
    ) -> list[CallSlot]: ...
    def call_lists_due(self, now: datetime) -> bool: ...
    def call_prompts_due(self, now: datetime) -> bool: ...
    def claim_due_call_prompts(self, now: datetime, limit: int) -> list[CallSlot]: ...
    def advance_call_prompt(self, slot_id: int, was: datetime, then: datetime | None) -> bool: ...
    def claim_due_call_lists(self, now: datetime, limit: int) -> list[Volunteer]: ...
    def advance_call_list(self, volunteer_id: int, was: datetime, then: datetime) -> bool: ...


class CallRecords(Protocol):
    """Each call a volunteer is prompted for, its outcome request and outcome."""

    def volunteer_at(self, address: str) -> Volunteer | None: ...
    def set_volunteer_unavailable(self, volunteer_id: int, day: date) -> bool: ...
    def add_call(
        self,
        slot_id: int,
        volunteer_id: int,
        callee_id: int,
        service_id: str,
        starts_at: datetime,
        request_at: datetime,
    ) -> int | None: ...
    def get_call(self, call_id: int) -> CallRecord | None: ...
    def volunteer_calls(
        self, volunteer_id: int, start: datetime, end: datetime
    ) -> list[CallRecord]: ...
    def calls_between(self, start: datetime, end: datetime) -> list[CallRecord]: ...
    def outcome_requests_due(self, now: datetime) -> bool: ...
    def claim_due_outcome_requests(self, now: datetime, limit: int) -> list[CallRecord]: ...
    def mark_outcome_requested(self, call_id: int, was: datetime, now: datetime | None) -> bool: ...
    def set_call_outcome(self, call_id: int, outcome: str, now: datetime) -> bool: ...
    def mark_call_retried(self, call_id: int, now: datetime) -> bool: ...
    def close_prompt(self, prompt_id: int) -> None: ...


class Surveys(Protocol):
    """Outcome surveys: opened by a status move, invited by the scheduler, answered."""

    def open_survey(
        self,
        service_id: str,
        survey: str,
        point: str,
        referral_id: int,
        person_id: int,
        address: str,
        language: str,
        statements: Sequence[str],
        now: datetime,
        by: str,
    ) -> int | None: ...
    def get_survey(self, survey_id: int) -> SurveyRecord | None: ...
    def find_surveys(
        self, service_id: str | None = None, point: str | None = None
    ) -> list[SurveyRecord]: ...
    def surveys_due(self, now: datetime) -> bool: ...
    def claim_due_surveys(self, now: datetime, limit: int) -> list[SurveyRecord]: ...
    def mark_survey_invited(
        self, survey_id: int, was: datetime, status: str, now: datetime
    ) -> bool: ...
    def asking_surveys(self, address: str) -> list[SurveyRecord]: ...
    def move_survey(
        self,
        survey: SurveyRecord,
        status: str,
        position: int,
        tries: int,
        finished_at: datetime | None = None,
    ) -> bool: ...
    def add_survey_answer(
        self, survey_id: int, statement: str, answer: str, now: datetime
    ) -> bool: ...
    def survey_answers(self, survey_ids: Sequence[int]) -> list[SurveyAnswer]: ...


class Store(
    Persons,
    Participants,
    Referrals,
    Outbox,
    Alerts,
    Appointments,
    Groups,
    Calls,
    CallRecords,
    Surveys,
    Protocol,
):
    """Every storage port, on one transaction."""

    def ping(self) -> None: ...


class Database(Protocol):
    """Runs units of work, each in one transaction."""

    async def write(self, work: Callable[[Store], T]) -> T: ...
    async def read(self, work: Callable[[Store], T]) -> T: ...
