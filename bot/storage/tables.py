"""The database schema, as SQLAlchemy Core tables (the migrations create the same)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.expression import false
from sqlalchemy.types import TypeDecorator


class AwareDateTime(TypeDecorator[datetime]):
    """Stores UTC and always returns timezone-aware datetimes, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)  # type: ignore[no-any-return]
        return value.astimezone(UTC)  # type: ignore[no-any-return]


metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# A person (the data subject): what referrals, alerts and outbox rows point at. It
# holds nothing itself; their channel addresses are in `person_addresses`. A person
# who declines consent or whose conversation expires before a referral is removed,
# unless an alert or a referral still needs them.
persons = Table(
    "persons",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", AwareDateTime, nullable=False),
)

# A person's channel addresses (`sms:+447...`, `telegram:123`), one person each.
person_addresses = Table(
    "person_addresses",
    metadata,
    Column("address", String(120), primary_key=True),
    Column("person_id", Integer, ForeignKey("persons.id", ondelete="CASCADE"), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("created_at", AwareDateTime, nullable=False),
)
Index("ix_person_addresses_person_id", person_addresses.c.person_id)

# One row per channel address: opt-out state, language, and the open conversation.
# Before consent this is all Kith keeps about a person; it goes when the conversation
# ends or expires unless the address has opted out.
participants = Table(
    "participants",
    metadata,
    Column("address", String(120), primary_key=True),
    Column("channel", String(20), nullable=False),
    Column("language", String(10), nullable=False, default="en"),
    Column("opted_out", Boolean, nullable=False, default=False),
    Column("opted_out_at", AwareDateTime, nullable=True),
    Column("service_id", String(80), nullable=True),
    Column("state", JSON, nullable=True),
    Column("updated_at", AwareDateTime, nullable=False),
    Column("expires_at", AwareDateTime, nullable=True),
    # A blocked bot or deleted chat; cleared when the person writes again.
    Column("unreachable_at", AwareDateTime, nullable=True),
    Column("person_id", Integer, ForeignKey("persons.id"), nullable=True),
)
Index("ix_participants_expires_at", participants.c.expires_at)

# Provider message ids already processed (Twilio retries the same MessageSid).
inbound_messages = Table(
    "inbound_messages",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("channel", String(20), nullable=False),
    Column("external_id", String(80), nullable=False),
    Column("received_at", AwareDateTime, nullable=False),
    UniqueConstraint("channel", "external_id", name="uq_inbound_messages_channel_external"),
)

referrals = Table(
    "referrals",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("service_id", String(80), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("address", String(120), nullable=False),
    Column("language", String(10), nullable=False),
    Column("referrer", String(40), nullable=True),
    Column("answers", JSON, nullable=False),
    Column("outcome", String(20), nullable=False),
    Column("reasons", JSON, nullable=False),
    Column("priority", JSON, nullable=False),
    Column("urgent", Boolean, nullable=False, default=False),
    Column("status", String(20), nullable=False),
    Column("consent_at", AwareDateTime, nullable=False),
    Column("created_at", AwareDateTime, nullable=False),
    Column("first_contact_due", AwareDateTime, nullable=True),
    Column("first_meeting_due", AwareDateTime, nullable=True),
    Column("person_id", Integer, ForeignKey("persons.id"), nullable=True),
)
Index("ix_referrals_service_status", referrals.c.service_id, referrals.c.status)

referral_status_history = Table(
    "referral_status_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("referral_id", Integer, ForeignKey("referrals.id", ondelete="CASCADE"), nullable=False),
    Column("status", String(20), nullable=False),
    Column("note", Text, nullable=True),
    Column("changed_at", AwareDateTime, nullable=False),
    Column("changed_by", String(80), nullable=False),
)
Index("ix_referral_status_history_referral", referral_status_history.c.referral_id)

# Anonymous monitoring counts: only the service, what happened, and the day.
anonymous_events = Table(
    "anonymous_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("service_id", String(80), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("day", Date, nullable=False),
)

staff_alerts = Table(
    "staff_alerts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(30), nullable=False),
    Column("service_id", String(80), nullable=True),
    Column("address", String(120), nullable=False),
    Column("referral_id", Integer, nullable=True),
    Column("created_at", AwareDateTime, nullable=False),
    Column("resolved_at", AwareDateTime, nullable=True),
    # The words that raised a crisis alert (vital interests); kept until handled and
    # for the service's retention period after.
    Column("words", Text, nullable=True),
    Column("handled_by", String(80), nullable=True),
    Column("handled_note", Text, nullable=True),
    Column("person_id", Integer, ForeignKey("persons.id"), nullable=True),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("channel", String(20), nullable=False),
    Column("address", String(120), nullable=False),
    Column("body", Text, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("service_id", String(80), nullable=True),
    Column("meta", JSON, nullable=True),
    Column("status", String(20), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("not_before", AwareDateTime, nullable=False),
    Column("created_at", AwareDateTime, nullable=False),
    Column("sent_at", AwareDateTime, nullable=True),
    Column("provider_ref", String(80), nullable=True),
    Column("provider_status", String(40), nullable=True),
    Column("error", String(200), nullable=True),
    # urgent | normal | bulk: urgent is claimed first (see INTERFACES, "Data and states").
    Column("priority", String(10), nullable=False, server_default="normal"),
    Column("quiet_exempt", Boolean, nullable=False, server_default=false()),
    Column("not_after", AwareDateTime, nullable=True),
    Column("idempotency_key", String(200), nullable=True),
    Column("lease_owner", String(80), nullable=True),
    Column("lease_until", AwareDateTime, nullable=True),
    Column("encoding", String(8), nullable=True),
    Column("segments", Integer, nullable=True),
    Column("language", String(10), nullable=True),
    UniqueConstraint("idempotency_key", name="uq_outbox_idempotency_key"),
    # The person the message concerns (to them, or about them to on-call staff).
    Column("person_id", Integer, ForeignKey("persons.id"), nullable=True),
    # Set when the person's data went while the row was still to send: its address,
    # body and meta are blanked as soon as it is settled (only status and counts stay).
    Column("erase_after_send", Boolean, nullable=False, default=False),
)
Index("ix_outbox_status_not_before", outbox.c.status, outbox.c.not_before)
Index("ix_outbox_claim", outbox.c.status, outbox.c.priority.desc(), outbox.c.id)
Index("ix_outbox_address_status", outbox.c.address, outbox.c.status)
Index("ix_outbox_person_id", outbox.c.person_id)

# Appointments staff made for a person (with or without a referral in Kith). Reminders
# are derived from these rows: `next_reminder_at` is the moment of the next reminder
# still to queue (None when none is left), and `revision` grows with every move, so a
# reminder planned for an old time is never mistaken for one for the new time.
appointments = Table(
    "appointments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("person_id", Integer, ForeignKey("persons.id"), nullable=False),
    Column("service_id", String(80), nullable=False),
    Column("referral_id", Integer, ForeignKey("referrals.id"), nullable=True),
    Column("starts_at", AwareDateTime, nullable=False),
    Column("place", String(200), nullable=False),
    Column("staff_first_name", String(80), nullable=False),
    Column("status", String(24), nullable=False),
    Column("revision", Integer, nullable=False, default=0),
    Column("next_reminder_at", AwareDateTime, nullable=True),
    Column("confirmed_at", AwareDateTime, nullable=True),
    Column("created_at", AwareDateTime, nullable=False),
    Column("created_by", String(80), nullable=False),
)
Index("ix_appointments_next_reminder_at", appointments.c.next_reminder_at)
Index("ix_appointments_person_service", appointments.c.person_id, appointments.c.service_id)

# Who changed an appointment, how and when (staff, or the person's reply).
appointment_history = Table(
    "appointment_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "appointment_id",
        Integer,
        ForeignKey("appointments.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("action", String(30), nullable=False),
    Column("detail", Text, nullable=True),
    Column("changed_at", AwareDateTime, nullable=False),
    Column("changed_by", String(80), nullable=False),
)
Index("ix_appointment_history_appointment", appointment_history.c.appointment_id)

# Open prompts of an address that a bare reply ("1", "YES") would answer: a reminder,
# or Kith's own "which is this for?" question. The referral conversation's question is
# the participant's state. Each expires (a reminder when its appointment starts).
awaiting_replies = Table(
    "awaiting_replies",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("address", String(120), nullable=False),
    Column("kind", String(20), nullable=False),
    Column(
        "appointment_id",
        Integer,
        ForeignKey("appointments.id", ondelete="CASCADE"),
        nullable=True,
    ),
    Column("data", JSON, nullable=True),
    Column("created_at", AwareDateTime, nullable=False),
    Column("expires_at", AwareDateTime, nullable=False),
)
Index("ix_awaiting_replies_address", awaiting_replies.c.address)

# Referral deadlines that passed with the referral still waiting (for later reports).
deadline_breaches = Table(
    "deadline_breaches",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("referral_id", Integer, ForeignKey("referrals.id", ondelete="CASCADE"), nullable=False),
    Column("service_id", String(80), nullable=False),
    Column("deadline", String(20), nullable=False),  # first_contact | first_meeting
    Column("due_at", AwareDateTime, nullable=False),
    Column("recorded_at", AwareDateTime, nullable=False),
    UniqueConstraint("referral_id", "deadline", name="uq_deadline_breaches_referral_deadline"),
)

# Groups with recurring sessions (bot/core/groups.py). `name` is for staff only.
groups = Table(
    "groups",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("service_id", String(80), nullable=False),
    Column("name", String(200), nullable=False),
    Column("venue", String(200), nullable=False),
    Column("recurrence", String(20), nullable=False),
    Column("first_starts_at", AwareDateTime, nullable=False),
    Column("next_reminder_at", AwareDateTime, nullable=True),
    Column("created_at", AwareDateTime, nullable=False),
    Column("created_by", String(80), nullable=False),
)
Index("ix_groups_next_reminder_at", groups.c.next_reminder_at)

group_members = Table(
    "group_members",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("group_id", Integer, ForeignKey("groups.id", ondelete="CASCADE"), nullable=False),
    Column("person_id", Integer, ForeignKey("persons.id"), nullable=False),
    Column("address", String(120), nullable=False),
    Column("language", String(10), nullable=False),
    Column("reminders", Boolean, nullable=False),
    Column("added_at", AwareDateTime, nullable=False),
    Column("added_by", String(80), nullable=False),
    Column("left_at", AwareDateTime, nullable=True),
    UniqueConstraint("group_id", "address", name="uq_group_members_group_address"),
)

# Staff changes to one session; `notices_queued_at` is set by the job that claims it.
group_session_changes = Table(
    "group_session_changes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("group_id", Integer, ForeignKey("groups.id", ondelete="CASCADE"), nullable=False),
    Column("session_date", Date, nullable=False),
    Column("action", String(10), nullable=False),
    Column("starts_at", AwareDateTime, nullable=True),
    Column("venue", String(200), nullable=True),
    Column("created_at", AwareDateTime, nullable=False),
    Column("created_by", String(80), nullable=False),
    Column("notices_queued_at", AwareDateTime, nullable=True),
)
Index("ix_group_session_changes_group", group_session_changes.c.group_id)

# Volunteers making scheduled outgoing calls, the people they call, and the slots.
volunteers = Table(
    "volunteers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("service_id", String(80), nullable=False),
    Column("first_name", String(80), nullable=False),
    Column("address", String(120), nullable=False),
    Column("language", String(10), nullable=False),
    Column("status", String(10), nullable=False),
    Column("list_time", String(5), nullable=False),
    Column("created_at", AwareDateTime, nullable=False),
    Column("created_by", String(80), nullable=False),
    Column("changed_at", AwareDateTime, nullable=True),
    Column("changed_by", String(80), nullable=True),
    Column("next_list_at", AwareDateTime, nullable=True),
    # The London day they said UNAVAILABLE: no more prompts or outcome requests that day.
    Column("unavailable_on", Date, nullable=True),
    UniqueConstraint("service_id", "address", name="uq_volunteers_service_address"),
)
Index("ix_volunteers_next_list_at", volunteers.c.next_list_at)
Index("ix_volunteers_address", volunteers.c.address)  # every inbound message asks

callees = Table(
    "callees",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("service_id", String(80), nullable=False),
    Column("person_id", Integer, ForeignKey("persons.id"), nullable=False),
    Column("first_name", String(80), nullable=False),
    Column("address", String(120), nullable=False),
    Column("consent_recorded_at", AwareDateTime, nullable=False),
    Column("risk_assessed_at", AwareDateTime, nullable=False),
    Column("risk_assessed_by", String(80), nullable=False),
    Column("created_at", AwareDateTime, nullable=False),
    Column("created_by", String(80), nullable=False),
    UniqueConstraint("service_id", "address", name="uq_callees_service_address"),
)

call_slots = Table(
    "call_slots",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("callee_id", Integer, ForeignKey("callees.id", ondelete="CASCADE"), nullable=False),
    Column("volunteer_id", Integer, ForeignKey("volunteers.id"), nullable=False),
    Column("recurrence", String(20), nullable=False),
    Column("first_starts_at", AwareDateTime, nullable=False),
    Column("until", Date, nullable=True),
    Column("created_at", AwareDateTime, nullable=False),
    Column("created_by", String(80), nullable=False),
    Column("ended_at", AwareDateTime, nullable=True),
    Column("next_prompt_at", AwareDateTime, nullable=True),
)
Index("ix_call_slots_volunteer", call_slots.c.volunteer_id)
Index("ix_call_slots_next_prompt_at", call_slots.c.next_prompt_at)

# Each call a volunteer was prompted for: when its outcome is asked, and the outcome.
calls = Table(
    "calls",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("slot_id", Integer, ForeignKey("call_slots.id", ondelete="CASCADE"), nullable=False),
    Column("volunteer_id", Integer, nullable=False),
    Column("callee_id", Integer, ForeignKey("callees.id", ondelete="CASCADE"), nullable=False),
    Column("service_id", String(80), nullable=False),
    Column("starts_at", AwareDateTime, nullable=False),
    Column("request_at", AwareDateTime, nullable=True),  # None once asked (or not to ask)
    Column("requested_at", AwareDateTime, nullable=True),
    Column("outcome", String(12), nullable=True),  # done | no_answer | concern | cancelled
    Column("outcome_at", AwareDateTime, nullable=True),
    Column("retried_at", AwareDateTime, nullable=True),
    UniqueConstraint("slot_id", "starts_at", name="uq_calls_slot_starts"),
)
Index("ix_calls_request_at", calls.c.request_at)
Index("ix_calls_volunteer_starts", calls.c.volunteer_id, calls.c.starts_at)

# Outcome surveys (docs/surveys.md): one per referral, survey and point (start | end),
# opened by a staff status move; `send_at` is when the scheduler invites (None once
# done), `statements` the keys asked in order, `position`/`tries` where the person is.
surveys = Table(
    "surveys",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("service_id", String(80), nullable=False),
    Column("survey", String(60), nullable=False),
    Column("point", String(8), nullable=False),
    Column("referral_id", Integer, ForeignKey("referrals.id", ondelete="CASCADE"), nullable=False),
    Column("person_id", Integer, ForeignKey("persons.id"), nullable=False),
    Column("address", String(120), nullable=False),
    Column("language", String(10), nullable=False),
    Column("status", String(12), nullable=False),
    Column("statements", JSON, nullable=False),
    Column("position", Integer, nullable=False, default=0),
    Column("tries", Integer, nullable=False, default=0),
    Column("send_at", AwareDateTime, nullable=True),
    Column("invited_at", AwareDateTime, nullable=True),
    Column("finished_at", AwareDateTime, nullable=True),
    Column("created_at", AwareDateTime, nullable=False),
    Column("created_by", String(80), nullable=False),
    UniqueConstraint("referral_id", "survey", "point", name="uq_surveys_referral_survey_point"),
)
Index("ix_surveys_send_at", surveys.c.send_at)
Index("ix_surveys_address_status", surveys.c.address, surveys.c.status)

# One answer per statement of a survey: a scale key, `skipped` or `unanswered`, and when.
survey_answers = Table(
    "survey_answers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("survey_id", Integer, ForeignKey("surveys.id", ondelete="CASCADE"), nullable=False),
    Column("statement", String(60), nullable=False),
    Column("answer", String(20), nullable=False),
    Column("answered_at", AwareDateTime, nullable=False),
    UniqueConstraint("survey_id", "statement", name="uq_survey_answers_survey_statement"),
)
