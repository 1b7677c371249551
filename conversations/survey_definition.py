"""Outcome surveys in a service definition (`surveys:`), read and checked with file:line errors.

A survey is statements answered on one scale (Derby 3.15: agree / neither / disagree),
sent at the start and/or the end of a person's support, perhaps only to referrals a
condition holds for (`when:`, the condition language over the referral's answers).
The format is documented in docs/service-definitions.md; what happens is in
docs/surveys.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bot.core.surveys import POINTS, SKIPPED, UNANSWERED
from conversations.answers import Choice
from conversations.conditions import Condition, ConditionError, parse_condition
from conversations.yamlfile import DefinitionError, LinedDict, LinedList

_KEY = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
MAX_STATEMENTS = 40
_SURVEY_KEYS = {"id", "clause", "send_at", "when", "intro", "scale", "statements", "notes"}
_STATEMENT_KEYS = {"key", "text", "send_at"}


@dataclass(frozen=True)
class Statement:
    """One statement the person answers on the survey's scale."""

    key: str
    text: str
    points: tuple[str, ...]  # the survey points it is asked at
    line: int = 0


@dataclass(frozen=True)
class Survey:
    """One survey of a service: its scale, statements, and when it is sent."""

    id: str
    points: tuple[str, ...]
    scale: tuple[Choice, ...]
    statements: tuple[Statement, ...]
    intro: str | None = None  # said with the first statement ("As a result of ...")
    when: Condition | None = None  # only for referrals whose answers it holds for
    clause: str | None = None
    line: int = 0

    def statements_at(self, point: str) -> tuple[Statement, ...]:
        """The statements asked at `point`, in order."""
        return tuple(s for s in self.statements if point in s.points)

    def statement(self, key: str) -> Statement | None:
        """The statement with `key`, or None (removed from the definition since)."""
        return next((s for s in self.statements if s.key == key), None)


def _text(path: Path, data: LinedDict, key: str, required: bool = True) -> str | None:
    value = data.get(key)
    if value is None:
        if required:
            raise DefinitionError(path, data.line, f"missing required key {key!r}")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise DefinitionError(path, data.line_of(key), f"{key!r} must be text")
    text = str(value).strip()
    if not text:
        raise DefinitionError(path, data.line_of(key), f"{key!r} must not be empty")
    return text


def _unknown(path: Path, data: LinedDict, allowed: set[str]) -> None:
    for key in data:
        if key not in allowed:
            raise DefinitionError(path, data.line_of(key), f"unknown key {key!r}")


def _points(path: Path, data: LinedDict, default: tuple[str, ...] | None) -> tuple[str, ...]:
    raw = data.get("send_at")
    if raw is None:
        if default is None:
            raise DefinitionError(path, data.line, "missing required key 'send_at'")
        return default
    if isinstance(raw, str):
        raw_list = [raw]
    elif isinstance(raw, LinedList):
        raw_list = list(raw)
    else:
        raise DefinitionError(path, data.line_of("send_at"), "'send_at' must be start, end or both")
    points: list[str] = []
    for point in raw_list:
        if point not in POINTS or point in points:
            problem = f"send_at {point!r}: each of {list(POINTS)} at most once"
            raise DefinitionError(path, data.line_of("send_at"), problem)
        if default is not None and point not in default:
            problem = f"send_at {point!r}: the survey is not sent at {point}"
            raise DefinitionError(path, data.line_of("send_at"), problem)
        points.append(str(point))
    if not points:
        raise DefinitionError(path, data.line_of("send_at"), "'send_at' must name start or end")
    return tuple(p for p in POINTS if p in points)


def _scale(path: Path, data: LinedDict) -> tuple[Choice, ...]:
    raw = data.get("scale")
    if not isinstance(raw, LinedList):
        raise DefinitionError(path, data.line_of("scale"), "'scale' must be a list of answers")
    choices: list[Choice] = []
    for index, entry in enumerate(raw):
        line = raw.item_lines[index]
        if not isinstance(entry, LinedDict):
            raise DefinitionError(path, line, "each answer must be a mapping with key and label")
        _unknown(path, entry, {"key", "label", "also"})
        key, label = _text(path, entry, "key"), _text(path, entry, "label")
        assert key is not None and label is not None
        if not _KEY.match(key) or key in (SKIPPED, UNANSWERED):
            problem = f"answer key {key!r} must be lower_snake_case, not {SKIPPED}/{UNANSWERED}"
            raise DefinitionError(path, line, problem)
        if any(c.key == key for c in choices):
            raise DefinitionError(path, line, f"answer key {key!r} appears twice")
        also = entry.get("also") or []
        if not isinstance(also, list) or not all(isinstance(w, str) and w.strip() for w in also):
            raise DefinitionError(path, entry.line_of("also"), "'also' must be a list of words")
        choices.append(Choice(key, label, tuple(str(w) for w in also)))
    if not 2 <= len(choices) <= 9:
        raise DefinitionError(path, raw.line, "a scale needs from 2 to 9 answers")
    return tuple(choices)


def _statements(path: Path, data: LinedDict, points: tuple[str, ...]) -> tuple[Statement, ...]:
    raw = data.get("statements")
    if not isinstance(raw, LinedList) or not raw:
        problem = "'statements' must be a list of statements"
        raise DefinitionError(path, data.line_of("statements"), problem)
    if len(raw) > MAX_STATEMENTS:
        problem = f"at most {MAX_STATEMENTS} statements: a long survey is a burden"
        raise DefinitionError(path, raw.line, problem)
    statements: list[Statement] = []
    for index, entry in enumerate(raw):
        line = raw.item_lines[index]
        if not isinstance(entry, LinedDict):
            raise DefinitionError(path, line, "each statement must be a mapping with key and text")
        _unknown(path, entry, _STATEMENT_KEYS)
        key, text = _text(path, entry, "key"), _text(path, entry, "text")
        assert key is not None and text is not None
        if not _KEY.match(key):
            raise DefinitionError(path, line, f"statement key {key!r} must be lower_snake_case")
        if any(s.key == key for s in statements):
            raise DefinitionError(path, line, f"statement key {key!r} appears twice")
        statements.append(Statement(key, text, _points(path, entry, points), line))
    for point in points:
        if not any(point in s.points for s in statements):
            raise DefinitionError(path, raw.line, f"no statement is asked at {point}")
    return tuple(statements)


def read_surveys(path: Path, data: LinedDict, asked: set[str]) -> tuple[Survey, ...]:
    """The definition's `surveys:`; `asked` are the fields a `when:` condition may read."""
    raw = data.get("surveys")
    if raw is None:
        return ()
    if not isinstance(raw, LinedList):
        raise DefinitionError(path, data.line_of("surveys"), "'surveys' must be a list")
    surveys: list[Survey] = []
    for index, item in enumerate(raw):
        line = raw.item_lines[index]
        if not isinstance(item, LinedDict):
            raise DefinitionError(path, line, "each survey must be a mapping")
        _unknown(path, item, _SURVEY_KEYS)
        survey_id = _text(path, item, "id")
        assert survey_id is not None
        if not _KEY.match(survey_id):
            problem = f"survey id {survey_id!r} must be lower_snake_case"
            raise DefinitionError(path, item.line_of("id"), problem)
        if any(s.id == survey_id for s in surveys):
            raise DefinitionError(path, item.line_of("id"), f"survey {survey_id!r} appears twice")
        when: Condition | None = None
        if item.get("when") is not None:
            try:
                when = parse_condition(str(item["when"]))
            except ConditionError as exc:
                raise DefinitionError(path, item.line_of("when"), f"when: {exc}") from None
            unknown = when.fields - asked
            if unknown:
                problem = f"survey {survey_id!r} reads unasked {sorted(unknown)}"
                raise DefinitionError(path, item.line_of("when"), problem)
        points = _points(path, item, None)
        surveys.append(
            Survey(
                id=survey_id,
                points=points,
                scale=_scale(path, item),
                statements=_statements(path, item, points),
                intro=_text(path, item, "intro", required=False),
                when=when,
                clause=_text(path, item, "clause", required=False),
                line=item.line,
            )
        )
    return tuple(surveys)
