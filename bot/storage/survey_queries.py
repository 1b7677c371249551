"""The surveys port on SQLAlchemy Core: surveys opened, invitations due, answers per statement."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from bot.core.surveys import ASKING, PENDING, SurveyAnswer, SurveyRecord
from bot.storage.tables import survey_answers, surveys


def _survey(row: Any) -> SurveyRecord:
    return SurveyRecord(
        row.id,
        row.service_id,
        row.survey,
        row.point,
        row.referral_id,
        row.person_id,
        row.address,
        row.language,
        row.status,
        tuple(str(k) for k in row.statements),
        row.position,
        row.tries,
        row.created_at,
        row.created_by,
        row.send_at,
        row.invited_at,
        row.finished_at,
    )


class SqlSurveys:
    """The `Surveys` port of `bot.core.ports` (mixed into `SqlStore`)."""

    conn: Connection

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
    ) -> int | None:
        """A survey to send (invited from `now`); None when this referral had it at this point."""
        found = self.conn.execute(
            select(surveys.c.id).where(
                surveys.c.referral_id == referral_id,
                surveys.c.survey == survey,
                surveys.c.point == point,
            )
        ).first()
        if found is not None:
            return None
        statement = (
            insert(surveys)
            .values(
                service_id=service_id,
                survey=survey,
                point=point,
                referral_id=referral_id,
                person_id=person_id,
                address=address,
                language=language,
                status=PENDING,
                statements=list(statements),
                position=0,
                tries=0,
                send_at=now,
                created_at=now,
                created_by=by,
            )
            .returning(surveys.c.id)
        )
        return int(self.conn.execute(statement).scalar_one())

    def get_survey(self, survey_id: int) -> SurveyRecord | None:
        """One survey, or None."""
        row = self.conn.execute(select(surveys).where(surveys.c.id == survey_id)).first()
        return None if row is None else _survey(row)

    def find_surveys(
        self, service_id: str | None = None, point: str | None = None
    ) -> list[SurveyRecord]:
        """Surveys, oldest first, perhaps of one service or point."""
        query = select(surveys).order_by(surveys.c.id)
        if service_id is not None:
            query = query.where(surveys.c.service_id == service_id)
        if point is not None:
            query = query.where(surveys.c.point == point)
        return [_survey(r) for r in self.conn.execute(query)]

    def surveys_due(self, now: datetime) -> bool:
        """True when some survey's invitation is due (a cheap read first)."""
        query = select(surveys.c.id).where(surveys.c.send_at <= now).limit(1)
        return self.conn.execute(query).first() is not None

    def claim_due_surveys(self, now: datetime, limit: int) -> list[SurveyRecord]:
        """Surveys whose invitation is due, locked for this transaction."""
        query = (
            select(surveys)
            .where(surveys.c.send_at <= now)
            .order_by(surveys.c.send_at, surveys.c.id)
            .limit(limit)
        )
        if self.conn.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return [_survey(r) for r in self.conn.execute(query)]

    def mark_survey_invited(
        self, survey_id: int, was: datetime, status: str, now: datetime
    ) -> bool:
        """Take a due invitation once (`status`: invited, or why not); False if taken."""
        result = self.conn.execute(
            update(surveys)
            .where(surveys.c.id == survey_id, surveys.c.send_at == was)
            .values(
                send_at=None,
                status=status,
                invited_at=now,
                finished_at=None if status in ASKING else now,
            )
        )
        return bool(result.rowcount)

    def asking_surveys(self, address: str) -> list[SurveyRecord]:
        """The address's surveys still waiting for an answer, newest first."""
        query = (
            select(surveys)
            .where(surveys.c.address == address, surveys.c.status.in_(ASKING))
            .order_by(surveys.c.id.desc())
        )
        return [_survey(r) for r in self.conn.execute(query)]

    def move_survey(
        self,
        survey: SurveyRecord,
        status: str,
        position: int,
        tries: int,
        finished_at: datetime | None = None,
    ) -> bool:
        """Move a survey on from where it was read (status, statement, tries); False if moved."""
        result = self.conn.execute(
            update(surveys)
            .where(
                surveys.c.id == survey.id,
                surveys.c.status == survey.status,
                surveys.c.position == survey.position,
                surveys.c.tries == survey.tries,
            )
            .values(status=status, position=position, tries=tries, finished_at=finished_at)
        )
        return bool(result.rowcount)

    def add_survey_answer(self, survey_id: int, statement: str, answer: str, now: datetime) -> bool:
        """Record one statement's answer, once; False when it has one already."""
        found = self.conn.execute(
            select(survey_answers.c.id).where(
                survey_answers.c.survey_id == survey_id, survey_answers.c.statement == statement
            )
        ).first()
        if found is not None:
            return False
        self.conn.execute(
            insert(survey_answers).values(
                survey_id=survey_id, statement=statement, answer=answer, answered_at=now
            )
        )
        return True

    def survey_answers(self, survey_ids: Sequence[int]) -> list[SurveyAnswer]:
        """The answers of these surveys, in the order given."""
        if not survey_ids:
            return []
        query = (
            select(survey_answers)
            .where(survey_answers.c.survey_id.in_(list(survey_ids)))
            .order_by(survey_answers.c.survey_id, survey_answers.c.id)
        )
        return [
            SurveyAnswer(r.survey_id, r.statement, r.answer, r.answered_at)
            for r in self.conn.execute(query)
        ]
