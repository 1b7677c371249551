"""`kith surveys list|show|summary`: outcome surveys, their answers per statement, and totals."""

from __future__ import annotations

import json
import sys

from bot.commands.terminal import show, table
from bot.runtime import open_runtime
from bot.settings import Settings
from bot.staff.plain import local_short
from bot.staff.surveys import SurveyView, statement_summary, survey_views


def _progress(view: SurveyView) -> str:
    return f"{len(view.answers)}/{len(view.record.statements)}"


async def list_surveys(
    settings: Settings, service: str | None, point: str | None, as_json: bool
) -> int:
    """Every survey, oldest first: referral, service, point, status, statements answered."""
    async with open_runtime(settings) as runtime:
        views = await runtime.database.read(lambda store: survey_views(store, service, point))
    if as_json:
        print(json.dumps([v.to_json() for v in views], ensure_ascii=False, indent=1))
        return 0
    if not views:
        print("No surveys.")
        return 0
    grid = table("id", "referral", "service", "survey", "point", "status", "invited", "answered")
    for v in views:
        r = v.record
        grid.add_row(
            str(r.id),
            str(r.referral_id),
            r.service_id,
            r.survey,
            r.point,
            r.status,
            local_short(r.invited_at),
            _progress(v),
        )
    show(grid)
    return 0


async def show_survey(settings: Settings, survey_id: int, as_json: bool) -> int:
    """One survey: each statement's answer and when it was given."""
    async with open_runtime(settings) as runtime:
        views = await runtime.database.read(lambda store: survey_views(store))
        registry = runtime.registry
    found = next((v for v in views if v.record.id == survey_id), None)
    if found is None:
        print(f"kith: no survey {survey_id}", file=sys.stderr)
        return 2
    if as_json:
        print(json.dumps(found.to_json(), ensure_ascii=False, indent=1))
        return 0
    r = found.record
    print(f"survey {r.id}: {r.service_id} {r.survey}, {r.point} of support")
    print(f"referral {r.referral_id}")
    print(f"status {r.status}, invited {local_short(r.invited_at)}")
    service = registry.services.get(r.service_id)
    definition = next((s for s in service.surveys if s.id == r.survey), None) if service else None
    grid = table("statement", "answer", "answered")
    for key in r.statements:
        statement = definition.statement(key) if definition else None
        answer, when = found.answers.get(key, ("-", None))
        grid.add_row(statement.text if statement else key, answer, local_short(when))
    show(grid)
    return 0


async def summarise(settings: Settings, service: str | None, as_json: bool) -> int:
    """Per point and statement: how many gave each answer, and the share who agree.

    The share is of those who answered on the scale (not SKIP or unanswered): Derby 3.15
    asks for evidence that 75% agree.
    """
    async with open_runtime(settings) as runtime:
        views = await runtime.database.read(lambda store: survey_views(store, service))
    totals = statement_summary(views)
    if as_json:
        print(json.dumps([t.to_json() for t in totals], ensure_ascii=False, indent=1))
        return 0
    if not totals:
        print("No answers.")
        return 0
    grid = table("point", "statement", "answers", "agree %")
    for total in totals:
        counts = ", ".join(f"{a} {n}" for a, n in sorted(total.counts.items()))
        share = total.agree_percent()
        grid.add_row(total.point, total.statement, counts, "-" if share is None else str(share))
    show(grid)
    return 0
