"""Outcome surveys for staff: opened by a referral's status move; listed and shown with answers.

A move to `accepted` is the start of support; `accepted` → `closed` is its end
(docs/surveys.md). Each survey of the service sent at that point, whose `when:` holds
for the referral's answers, is opened for the scheduler to send. Only a referral the
person made themselves gets one by text: a referral made by someone else came from
the referrer's phone, not the person's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.core.ports import Store
from bot.core.records import Referral
from bot.core.surveys import (
    END,
    END_MOVE,
    SKIPPED,
    START,
    START_MOVE,
    UNANSWERED,
    SurveyRecord,
)
from conversations.registry import Registry

SELF = "self"


def point_of_move(old: str, new: str) -> str | None:
    """The survey point a status move makes: start, end, or None."""
    if new == START_MOVE and old != START_MOVE:
        return START
    if (old, new) == END_MOVE:
        return END
    return None


def open_surveys(
    store: Store, registry: Registry, referral: Referral, old: str, new: str, now: datetime, by: str
) -> list[int]:
    """Open the surveys a status move calls for; the ids opened (none twice per point)."""
    point = point_of_move(old, new)
    service = registry.services.get(referral.service_id)
    if point is None or service is None or referral.person_id is None:
        return []
    if referral.referrer not in (None, SELF):
        return []
    opened = []
    for survey in service.surveys:
        if point not in survey.points:
            continue
        if survey.when is not None and not survey.when.evaluate(referral.answers):
            continue
        keys = [s.key for s in survey.statements_at(point)]
        survey_id = store.open_survey(
            service.id,
            survey.id,
            point,
            referral.id,
            referral.person_id,
            referral.address,
            referral.language,
            keys,
            now,
            by,
        )
        if survey_id is not None:
            opened.append(survey_id)
    return opened


@dataclass(frozen=True)
class SurveyView:
    """A survey as staff see it: where it is, and each statement's answer and date."""

    record: SurveyRecord
    answers: dict[str, tuple[str, datetime]]

    def counts(self) -> dict[str, int]:
        """How many statements got each answer (and how many are still to answer)."""
        counted: dict[str, int] = {}
        for answer, _ in self.answers.values():
            counted[answer] = counted.get(answer, 0) + 1
        left = len(self.record.statements) - len(self.answers)
        if left:
            counted["not_yet"] = left
        return counted

    def to_json(self) -> dict[str, Any]:
        """The survey for `--json`: ids, codes and times only (no phone number)."""
        r = self.record
        return {
            "id": r.id,
            "service": r.service_id,
            "survey": r.survey,
            "point": r.point,
            "referral": r.referral_id,
            "status": r.status,
            "created_at": r.created_at.isoformat(),
            "invited_at": r.invited_at.isoformat() if r.invited_at else None,
            "finished_at": r.finished_at.isoformat() if r.finished_at else None,
            "answers": [
                {
                    "statement": key,
                    "answer": self.answers[key][0] if key in self.answers else None,
                    "answered_at": self.answers[key][1].isoformat()
                    if key in self.answers
                    else None,
                }
                for key in r.statements
            ],
            "counts": self.counts(),
        }


def survey_views(
    store: Store, service_id: str | None = None, point: str | None = None
) -> list[SurveyView]:
    """Every survey (of a service, a point) with its answers, oldest first."""
    records = store.find_surveys(service_id, point)
    answers: dict[int, dict[str, tuple[str, datetime]]] = {r.id: {} for r in records}
    for answer in store.survey_answers([r.id for r in records]):
        answers[answer.survey_id][answer.statement] = (answer.answer, answer.answered_at)
    return [SurveyView(r, answers[r.id]) for r in records]


@dataclass(frozen=True)
class StatementTotals:
    """How many people gave each answer to one statement at one point."""

    point: str
    statement: str
    counts: dict[str, int]

    def agree_percent(self, agree: str = "agree") -> int | None:
        """The share who agree of those who answered on the scale (Derby 3.15: 75%)."""
        scaled = sum(n for a, n in self.counts.items() if a not in (SKIPPED, UNANSWERED))
        return round(100 * self.counts.get(agree, 0) / scaled) if scaled else None

    def to_json(self) -> dict[str, Any]:
        """For `--json`."""
        return {
            "point": self.point,
            "statement": self.statement,
            "counts": self.counts,
            "agree_percent": self.agree_percent(),
        }


def statement_summary(views: list[SurveyView]) -> list[StatementTotals]:
    """Per (point, statement), in the order first answered: how many gave each answer."""
    table: dict[tuple[str, str], dict[str, int]] = {}
    for view in views:
        for key, (answer, _) in view.answers.items():
            counts = table.setdefault((view.record.point, key), {})
            counts[answer] = counts.get(answer, 0) + 1
    return [StatementTotals(point, key, counts) for (point, key), counts in table.items()]
