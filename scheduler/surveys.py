"""The survey job: invite each person to an outcome survey opened by a status move (issue 14.4).

Each survey opened at the start or end of support is a row in `surveys` holding the
moment its invitation is due (`send_at`). A batch claims the due surveys (SKIP LOCKED
on PostgreSQL) and takes each with a conditional update, queues the invitation (keyed
`survey:<id>:<point>`) and opens a `survey` prompt for the reply, in one transaction:
any number of processes invite once. An address that has opted out gets nothing (the
survey is marked `opted_out`). The invitation is `bulk` and not quiet-exempt: it is
planned at the end of the service's quiet hours when due inside them, and the
dispatcher holds it through them too.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.core.ports import Database, Store
from bot.core.quiet_hours import DEFAULT_QUIET_HOURS, release_time
from bot.core.records import OutboundRow
from bot.core.surveys import INVITED, OPTED_OUT, SurveyRecord
from conversations import survey_texts as say
from conversations.registry import Registry
from scheduler.batches import queue_in_batches

BATCH = 200
PROMPT = "survey"
PROMPT_EXPIRY = timedelta(days=14)  # a survey not answered by then is left as it is


async def queue_survey_invitations(database: Database, registry: Registry, now: datetime) -> int:
    """Queue every survey invitation that is due; how many were queued."""
    return await queue_in_batches(
        database,
        lambda store: store.surveys_due(now),
        lambda store: _batch(store, registry, now),
        "survey invitations",
    )


def _batch(store: Store, registry: Registry, now: datetime) -> tuple[int, int]:
    claimed = store.claim_due_surveys(now, BATCH)
    rows: list[OutboundRow] = []
    for survey in claimed:
        assert survey.send_at is not None
        participant = store.load_participant(survey.address)
        opted_out = participant is not None and participant.opted_out
        row = None if opted_out else _invitation(registry, survey, now)
        status = INVITED if row is not None else OPTED_OUT
        if not store.mark_survey_invited(survey.id, survey.send_at, status, now):
            continue  # another process took it
        if row is None:
            continue
        rows.append(row)
        # The prompt takes replies only once the invitation may go (after quiet hours):
        # until then a reply answers whatever else the person was asked.
        data: dict[str, object] = {"survey": survey.id, "from": row.not_before.isoformat()}
        expires = row.not_before + PROMPT_EXPIRY
        store.open_prompt(survey.address, PROMPT, None, now, expires, data)
    return len(claimed), len(store.queue(rows, now))


def _invitation(registry: Registry, survey: SurveyRecord, now: datetime) -> OutboundRow | None:
    service = registry.services.get(survey.service_id)
    if service is None or not survey.statements:
        return None
    quiet = service.quiet_hours or DEFAULT_QUIET_HOURS
    t = registry.translator(service.id, survey.language)
    return OutboundRow(
        survey.address.split(":", 1)[0],
        survey.address,
        say.invitation(t, t.gettext(service.short_name), len(survey.statements)),
        "survey",
        "bulk",
        service.id,
        release_time(now, quiet),  # planned at an allowed time, never in quiet hours
        meta={"survey_id": survey.id},
        idempotency_key=f"survey:{survey.id}:{survey.point}",
        person_id=survey.person_id,
        language=survey.language,
    )
