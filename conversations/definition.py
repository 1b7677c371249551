"""Service definitions: one YAML file per service, checked and turned into typed objects.

The format is documented field by field in docs/service-definitions.md. Every error
names the file and line (`kith services check FILE`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import time
from pathlib import Path
from typing import Any

from bot.core.deadlines import CoreHours, DeadlinePolicy
from bot.core.phone import to_e164
from bot.core.quiet_hours import DEFAULT_QUIET_HOURS
from conversations.answers import Choice
from conversations.conditions import Condition, ConditionError, council_field, parse_condition
from conversations.dictionary import FIELDS, KINDS, MONITORING_FIELDS, PREFER_NOT_TO_SAY
from conversations.languages import codes as shipped_languages
from conversations.survey_definition import Survey, read_surveys
from conversations.yamlfile import DefinitionError, LinedDict, LinedList, load_yaml

SHIPPED_SERVICES_DIR = Path(__file__).parent / "services"
OUTCOMES = ("not_accepted", "needs_review", "declined")
NATIONS = ("england", "wales", "scotland", "northern_ireland")
DEADLINE_NAMES = ("first_contact", "first_meeting", "first_contact_if_urgent")
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,60}$")
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,60}$")


# How long a handled alert keeps its words and number, unless a definition says.
DEFAULT_ALERT_RETENTION_DAYS = 90


@dataclass(frozen=True)
class Contact:
    """A place to send someone: the provider fills in numbers; Kith ships none local."""

    key: str
    label: str
    phone: str | None = None
    text: str | None = None
    website: str | None = None


@dataclass(frozen=True)
class Question:
    """One question of a service's conversation."""

    field: str
    kind: str
    prompt: str
    prompt_other: str | None = None
    choices: tuple[Choice, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    ask_if: Condition | None = None
    optional: bool = False
    example: str | None = None
    clause: str | None = None
    line: int = 0
    unsure: bool = False  # a yes_no question that also offers "3 Not sure" (UNKNOWN)
    council_for: str | None = None  # "Is your council ...?" asked about this postcode field
    long_ok: str | None = None  # why this question may take more than one SMS segment
    not_discreet: str | None = None  # why it must name mental health (`discreet: false`)


@dataclass(frozen=True)
class Rule:
    """An eligibility or exclusion rule: when it holds, the outcome is at most `outcome`."""

    reason: str
    when: Condition
    outcome: str
    explain: str
    signpost: tuple[str, ...] = ()
    clause: str | None = None
    line: int = 0
    signpost_council: str | None = None  # name the council this postcode field lies in
    downgraded: bool = False  # written as not_accepted without a clause: needs_review
    not_discreet: str | None = None  # why its explanation must name mental health


@dataclass(frozen=True)
class Flag:
    """A yes/no fact stored with a referral, from a condition over its answers and outcome.

    For example Kirklees carers' `cla_requested` (seed 000 4.6, 4.9): a referral the
    screening accepts goes on to the council's carers assessment team.
    """

    field: str
    when: Condition
    clause: str | None = None
    line: int = 0


@dataclass(frozen=True)
class Deadline:
    """A response-time promise of the service, with the seed clause it comes from."""

    policy: DeadlinePolicy
    clause: str | None = None


@dataclass(frozen=True)
class ServiceDefinition:
    """Everything Kith needs to run one service, read from its definition file."""

    id: str
    name: str
    short_name: str
    seed: str | None
    nation: str
    area: str | None
    questions: tuple[Question, ...]
    rules: tuple[Rule, ...]
    deadlines: dict[str, Deadline]
    contacts: dict[str, Contact]
    priority_clauses: dict[str, str]
    core_hours: CoreHours | None = None
    quiet_hours: tuple[time, time] = DEFAULT_QUIET_HOURS
    sms_numbers: tuple[str, ...] = ()
    referral_sources: tuple[str, ...] = ()
    enabled: bool = True
    accepted_next_step: str = ""
    local_crisis_lines: tuple[str, ...] = ()
    path: Path | None = None
    area_line: int = 0
    expire_after_days: int = 7
    alert_retention_days: int = DEFAULT_ALERT_RETENTION_DAYS
    monitoring: tuple[Question, ...] = ()  # optional, asked after the referral is stored
    flags: tuple[Flag, ...] = ()
    consent_note: str = ""  # said before the consent question (who else sees the answers)
    # Appointment reminders: hours before the appointment (default 48 h and 2 h).
    reminder_offsets_hours: tuple[int, ...] = (48, 2)
    # Attendance rule: this many missed appointments raise `support_may_end` (None: no rule).
    missed_limit: int | None = None
    missed_clause: str | None = None
    # Languages offered (default: every shipped language), English always among them.
    languages: tuple[str, ...] = ()
    # A provider's own wording: language code -> English text -> that language's text.
    translations: dict[str, dict[str, str]] | None = None
    # Outcome surveys sent at the start and end of support (docs/surveys.md).
    surveys: tuple[Survey, ...] = ()

    def offered_languages(self) -> tuple[str, ...]:
        """The languages this service offers, in menu order."""
        return self.languages or shipped_languages()

    def question(self, field_name: str) -> Question:
        """The question (or monitoring question) that asks `field_name`."""
        for question in (*self.questions, *self.monitoring):
            if question.field == field_name:
                return question
        raise KeyError(field_name)


class _Reader:
    """Reads one definition file, raising DefinitionError at the first problem."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, line: int | None, problem: str) -> DefinitionError:
        return DefinitionError(self.path, line, problem)

    def get(
        self,
        data: LinedDict,
        key: str,
        kind: type | tuple[type, ...],
        required: bool = True,
        default: Any = None,
    ) -> Any:
        if key not in data or data[key] is None:
            if required:
                raise self.fail(data.line, f"missing required key {key!r}")
            return default
        value = data[key]
        if (isinstance(value, bool) and kind in (int, str)) or not isinstance(value, kind):
            names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
            expected = {"LinedDict": "a mapping", "LinedList": "a list"}.get(names, names)
            raise self.fail(data.line_of(key), f"{key!r} must be {expected}")
        return value

    def text(self, data: LinedDict, key: str, required: bool = True) -> str | None:
        if isinstance(data.get(key), bool):
            raise self.fail(data.line_of(key), f"{key!r}: put yes/no/true/false text in quotes")
        value = self.get(data, key, (str, int, float), required)
        if value is None:
            return None
        value = str(value).strip()
        if required and not value:
            raise self.fail(data.line_of(key), f"{key!r} must not be empty")
        return value

    def unknown_keys(self, data: LinedDict, allowed: set[str]) -> None:
        for key in data:
            if key not in allowed:
                raise self.fail(data.line_of(key), f"unknown key {key!r}")

    def condition(self, data: LinedDict, key: str) -> Condition | None:
        source = data.get(key)
        if source is None:
            return None
        try:
            return parse_condition(str(source) if not isinstance(source, bool) else "")
        except ConditionError as exc:
            raise self.fail(data.line_of(key), f"{key}: {exc}") from None

    def clock(self, data: LinedDict, key: str) -> time:
        value = data.get(key)
        if not isinstance(value, str) or not re.fullmatch(r"\d{1,2}:\d{2}", value):
            raise self.fail(data.line_of(key), f'{key!r} must be a time in quotes, like "09:00"')
        hours, minutes = (int(part) for part in value.split(":"))
        if hours > 23 or minutes > 59:
            raise self.fail(data.line_of(key), f"{key!r} is not a time of day")
        return time(hours, minutes)


def _read_choices(reader: _Reader, item: LinedDict, field_name: str) -> tuple[Choice, ...]:
    raw = reader.get(item, "choices", LinedList)
    choices: list[Choice] = []
    for index, entry in enumerate(raw):
        line = raw.item_lines[index]
        if not isinstance(entry, LinedDict):
            raise reader.fail(line, "each choice must be a mapping with key and label")
        reader.unknown_keys(entry, {"key", "label", "clause", "also"})
        key = reader.text(entry, "key")
        label = reader.text(entry, "label")
        assert key is not None and label is not None
        also = reader.get(entry, "also", LinedList, required=False, default=LinedList())
        if not all(isinstance(word, str) and word.strip() for word in also):
            raise reader.fail(entry.line_of("also"), "'also' must be a list of words or phrases")
        if not _KEY.match(key):
            raise reader.fail(line, f"choice key {key!r} must be lower_snake_case")
        if any(existing.key == key for existing in choices):
            raise reader.fail(line, f"choice key {key!r} appears twice")
        choices.append(Choice(key=key, label=label, also=tuple(str(w) for w in also)))
    if len(choices) < 2:
        raise reader.fail(raw.line, "a choice question needs at least two choices")
    if field_name in MONITORING_FIELDS and PREFER_NOT_TO_SAY not in {c.key for c in choices}:
        raise reader.fail(raw.line, f"{field_name} must offer {PREFER_NOT_TO_SAY!r}")
    return tuple(choices)


_QUESTION_KEYS = {
    "field",
    "kind",
    "prompt",
    "prompt_other",
    "choices",
    "min",
    "max",
    "ask_if",
    "optional",
    "example",
    "clause",
    "custom",
    "unsure",
    "long_ok",
    "discreet",
    "why_not_discreet",
}


def _not_discreet(reader: _Reader, item: LinedDict) -> str | None:
    """The reason given with `discreet: false`, or None for a discreet (default) text.

    An SMS can be read by someone else, so naming mental health needs a reason.
    """
    discreet = reader.get(item, "discreet", bool, required=False, default=True)
    why = reader.text(item, "why_not_discreet", required=False)
    if discreet and why is not None:
        raise reader.fail(
            item.line_of("why_not_discreet"), "why_not_discreet needs discreet: false"
        )
    if not discreet and not why:
        raise reader.fail(item.line_of("discreet"), "discreet: false needs why_not_discreet")
    return None if discreet else why


def _read_question(reader: _Reader, item: LinedDict) -> tuple[Question, dict[str, str]]:
    reader.unknown_keys(item, _QUESTION_KEYS)
    name = reader.text(item, "field")
    kind = reader.text(item, "kind")
    prompt = reader.text(item, "prompt")
    assert name is not None and kind is not None and prompt is not None
    if not _KEY.match(name):
        raise reader.fail(item.line_of("field"), f"field name {name!r} must be lower_snake_case")
    if kind not in KINDS:
        raise reader.fail(item.line_of("kind"), f"kind {kind!r} is not one of {sorted(KINDS)}")
    custom = reader.get(item, "custom", bool, required=False, default=False)
    if name in FIELDS:
        if custom:
            raise reader.fail(item.line_of("custom"), f"{name!r} is a shared field, not custom")
        if FIELDS[name] != kind:
            raise reader.fail(item.line_of("kind"), f"{name!r} is a {FIELDS[name]} field")
    elif not custom:
        raise reader.fail(
            item.line_of("field"),
            f"{name!r} is not in the data dictionary (add `custom: true` if meant)",
        )
    choices: tuple[Choice, ...] = ()
    clauses: dict[str, str] = {}
    if kind in ("choice", "multi"):
        choices = _read_choices(reader, item, name)
        for entry in item["choices"]:
            if entry.get("clause") is not None:
                clauses[str(entry["key"])] = str(entry["clause"])
    elif "choices" in item:
        raise reader.fail(item.line_of("choices"), f"a {kind} question has no choices")
    minimum = reader.get(item, "min", int, required=False)
    maximum = reader.get(item, "max", int, required=False)
    unsure = reader.get(item, "unsure", bool, required=False, default=False)
    if unsure and kind != "yes_no":
        raise reader.fail(item.line_of("unsure"), "unsure is only for yes_no questions")
    if (minimum is not None or maximum is not None) and kind != "number":
        raise reader.fail(item.line, "min and max are only for number questions")
    if minimum is not None and maximum is not None and minimum > maximum:
        raise reader.fail(item.line_of("min"), "min is greater than max")
    question = Question(
        field=name,
        kind=kind,
        prompt=prompt,
        prompt_other=reader.text(item, "prompt_other", required=False),
        choices=choices,
        minimum=minimum,
        maximum=maximum,
        ask_if=reader.condition(item, "ask_if"),
        optional=reader.get(item, "optional", bool, required=False, default=False),
        example=reader.text(item, "example", required=False),
        clause=reader.text(item, "clause", required=False),
        line=item.line,
        unsure=unsure,
        long_ok=reader.text(item, "long_ok", required=False),
        not_discreet=_not_discreet(reader, item),
    )
    return question, clauses


def _read_rule(reader: _Reader, item: LinedDict, contacts: dict[str, Contact]) -> Rule:
    reader.unknown_keys(
        item,
        {
            "reason",
            "when",
            "outcome",
            "explain",
            "signpost",
            "clause",
            "signpost_council",
            "discreet",
            "why_not_discreet",
        },
    )
    reason = reader.text(item, "reason")
    outcome = reader.text(item, "outcome")
    explain = reader.text(item, "explain")
    assert reason is not None and outcome is not None and explain is not None
    if not _KEY.match(reason):
        raise reader.fail(
            item.line_of("reason"), f"reason code {reason!r} must be lower_snake_case"
        )
    if outcome not in OUTCOMES:
        raise reader.fail(item.line_of("outcome"), f"outcome must be one of {list(OUTCOMES)}")
    when = reader.condition(item, "when")
    if when is None:
        raise reader.fail(item.line, "missing required key 'when'")
    signpost = reader.get(item, "signpost", LinedList, required=False, default=LinedList())
    for index, key in enumerate(signpost):
        if key not in contacts:
            raise reader.fail(signpost.item_lines[index], f"signpost {key!r} is not in contacts")
    clause = reader.text(item, "clause", required=False)
    # Only a seed clause that excludes may refuse: without one a person decides.
    downgraded = outcome == "not_accepted" and not clause
    council = reader.text(item, "signpost_council", required=False)
    if council is not None and f"area({council})" not in when.source.replace(" ", ""):
        raise reader.fail(
            item.line_of("signpost_council"),
            f"signpost_council {council!r} must be a postcode field this rule reads with area()",
        )
    return Rule(
        reason=reason,
        when=when,
        outcome="needs_review" if downgraded else outcome,
        explain=explain,
        signpost=tuple(signpost),
        clause=clause,
        line=item.line,
        signpost_council=council,
        downgraded=downgraded,
        not_discreet=_not_discreet(reader, item),
    )


def _read_deadlines(reader: _Reader, data: LinedDict) -> dict[str, Deadline]:
    raw = reader.get(data, "deadlines", LinedDict)
    deadlines: dict[str, Deadline] = {}
    for name, spec in raw.items():
        line = raw.line_of(name)
        if name not in DEADLINE_NAMES:
            raise reader.fail(line, f"deadline {name!r} is not one of {list(DEADLINE_NAMES)}")
        if not isinstance(spec, LinedDict):
            raise reader.fail(line, f"deadline {name!r} must be a mapping")
        reader.unknown_keys(spec, {"working_days", "hours", "working_hours", "same_day", "clause"})
        try:
            policy = DeadlinePolicy(
                working_days=reader.get(spec, "working_days", int, required=False),
                hours=reader.get(spec, "hours", int, required=False),
                working_hours=reader.get(
                    spec, "working_hours", bool, required=False, default=False
                ),
                same_day=reader.get(spec, "same_day", bool, required=False, default=False),
            )
        except ValueError as exc:
            raise reader.fail(line, f"deadline {name!r}: {exc}") from None
        deadlines[name] = Deadline(policy, reader.text(spec, "clause", required=False))
    if "first_contact" not in deadlines:
        raise reader.fail(raw.line, "deadlines must include first_contact")
    return deadlines


def _read_contacts(reader: _Reader, data: LinedDict) -> dict[str, Contact]:
    raw = reader.get(data, "contacts", LinedDict, required=False, default=LinedDict())
    contacts: dict[str, Contact] = {}
    for key, spec in raw.items():
        if not isinstance(spec, LinedDict):
            raise reader.fail(raw.line_of(key), f"contact {key!r} must be a mapping")
        reader.unknown_keys(spec, {"label", "phone", "text", "website"})
        label = reader.text(spec, "label")
        assert label is not None
        contacts[key] = Contact(
            key=key,
            label=label,
            phone=reader.text(spec, "phone", required=False),
            text=reader.text(spec, "text", required=False),
            website=reader.text(spec, "website", required=False),
        )
    return contacts


def _read_core_hours(reader: _Reader, data: LinedDict) -> CoreHours | None:
    raw = reader.get(data, "core_hours", LinedDict, required=False)
    if raw is None:
        return None
    reader.unknown_keys(raw, {"days", "start", "end", "clause"})
    days = reader.get(raw, "days", LinedList)
    for index, day in enumerate(days):
        if day not in DAY_NAMES:
            raise reader.fail(days.item_lines[index], f"day {day!r} is not one of {DAY_NAMES}")
    if not any(DAY_NAMES.index(day) < 5 for day in days):
        raise reader.fail(raw.line_of("days"), "core hours need at least one weekday")
    start, end = reader.clock(raw, "start"), reader.clock(raw, "end")
    if start >= end:
        raise reader.fail(raw.line_of("end"), "core hours must end after they start")
    return CoreHours(days=frozenset(DAY_NAMES.index(day) for day in days), start=start, end=end)


_TOP_KEYS = {
    "id",
    "name",
    "short_name",
    "seed",
    "nation",
    "area",
    "enabled",
    "sms_numbers",
    "contacts",
    "core_hours",
    "quiet_hours",
    "deadlines",
    "referral_sources",
    "questions",
    "rules",
    "accepted_next_step",
    "local_crisis_lines",
    "notes",
    "expire_after_days",
    "alert_retention_days",
    "monitoring",
    "flags",
    "consent_note",
    "reminders",
    "attendance",
    "languages",
    "translations",
    "surveys",
}
MONITORING_KINDS = ("choice", "multi")
# A flag's condition may read the screening outcome besides the answers.
OUTCOME_NAME = "outcome"


def load_definition(path: Path) -> ServiceDefinition:
    """Read and check one service definition; raise DefinitionError naming file and line."""
    data = load_yaml(path)
    reader = _Reader(path)
    reader.unknown_keys(data, _TOP_KEYS)
    service_id = reader.text(data, "id")
    assert service_id is not None
    if not _ID.match(service_id):
        raise reader.fail(data.line_of("id"), f"id {service_id!r} must be lower-case-with-dashes")
    if path.stem != service_id:
        raise reader.fail(data.line_of("id"), f"id {service_id!r} must match the file name")
    nation = reader.text(data, "nation", required=False) or "england"
    if nation not in NATIONS:
        raise reader.fail(data.line_of("nation"), f"nation must be one of {list(NATIONS)}")
    contacts = _read_contacts(reader, data)
    raw_questions = reader.get(data, "questions", LinedList)
    questions: list[Question] = []
    priority_clauses: dict[str, str] = {}
    for index, item in enumerate(raw_questions):
        if not isinstance(item, LinedDict):
            raise reader.fail(raw_questions.item_lines[index], "each question must be a mapping")
        question, clauses = _read_question(reader, item)
        if any(q.field == question.field for q in questions):
            raise reader.fail(item.line, f"field {question.field!r} is asked twice")
        if question.field == "priority":
            priority_clauses = clauses
        questions.append(question)
        if question.kind == "postcode" and data.get("area") is not None:
            questions.append(council_question(question))
    if not questions:
        raise reader.fail(raw_questions.line, "a service needs at least one question")
    raw_rules = reader.get(data, "rules", LinedList, required=False, default=LinedList())
    rules = []
    for index, item in enumerate(raw_rules):
        if not isinstance(item, LinedDict):
            raise reader.fail(raw_rules.item_lines[index], "each rule must be a mapping")
        rules.append(_read_rule(reader, item, contacts))
    _check_fields_known(reader, questions, rules)
    monitoring = _read_monitoring(reader, data, questions)
    _check_screening_ignores(reader, monitoring, rules)
    flags = _read_flags(reader, data, [*questions, *monitoring])
    quiet = reader.get(data, "quiet_hours", LinedDict, required=False)
    if quiet:
        reader.unknown_keys(quiet, {"start", "end"})
    quiet_hours = (
        (reader.clock(quiet, "start"), reader.clock(quiet, "end")) if quiet else DEFAULT_QUIET_HOURS
    )
    deadlines = _read_deadlines(reader, data)
    core_hours = _read_core_hours(reader, data)
    for name, deadline in deadlines.items():
        if (deadline.policy.same_day or deadline.policy.working_hours) and core_hours is None:
            raise reader.fail(
                data.line_of("deadlines"), f"deadline {name!r} counts core hours: add core_hours"
            )
    area = reader.text(data, "area", required=False)
    if area is None and any("area(" in rule.when.source for rule in rules):
        raise reader.fail(data.line, "rules use area() but the service names no 'area'")
    return ServiceDefinition(
        id=service_id,
        name=reader.text(data, "name") or "",
        short_name=reader.text(data, "short_name", required=False)
        or reader.text(data, "name")
        or "",
        seed=reader.text(data, "seed", required=False),
        nation=nation,
        area=area,
        questions=tuple(questions),
        rules=tuple(rules),
        deadlines=deadlines,
        contacts=contacts,
        priority_clauses=priority_clauses,
        core_hours=core_hours,
        quiet_hours=quiet_hours,
        sms_numbers=_read_sms_numbers(reader, data),
        referral_sources=tuple(
            str(s)
            for s in reader.get(
                data, "referral_sources", LinedList, required=False, default=LinedList()
            )
        ),
        enabled=reader.get(data, "enabled", bool, required=False, default=True),
        accepted_next_step=reader.text(data, "accepted_next_step", required=False) or "",
        local_crisis_lines=tuple(
            str(s)
            for s in reader.get(
                data, "local_crisis_lines", LinedList, required=False, default=LinedList()
            )
        ),
        path=path,
        area_line=data.line_of("area"),
        expire_after_days=_expiry_days(reader, data),
        alert_retention_days=_retention_days(reader, data),
        monitoring=monitoring,
        flags=flags,
        consent_note=reader.text(data, "consent_note", required=False) or "",
        reminder_offsets_hours=_reminder_offsets(reader, data),
        **_attendance(reader, data),
        languages=_read_languages(reader, data),
        translations=_read_translations(reader, data),
        surveys=read_surveys(path, data, {q.field for q in (*questions, *monitoring)}),
    )


def _reminder_offsets(reader: _Reader, data: LinedDict) -> tuple[int, ...]:
    raw = reader.get(data, "reminders", LinedDict, required=False)
    if not raw:
        return (48, 2)
    reader.unknown_keys(raw, {"hours_before"})
    hours = reader.get(raw, "hours_before", LinedList)
    if not hours or not all(isinstance(h, int) and 1 <= h <= 24 * 14 for h in hours):
        raise reader.fail(raw.line_of("hours_before"), "hours_before: whole hours from 1 to 336")
    return tuple(sorted({int(h) for h in hours}, reverse=True))


def _attendance(reader: _Reader, data: LinedDict) -> dict[str, Any]:
    raw = reader.get(data, "attendance", LinedDict, required=False)
    if not raw:
        return {}
    reader.unknown_keys(raw, {"missed_limit", "clause"})
    limit = reader.get(raw, "missed_limit", int)
    if not 1 <= limit <= 20:
        raise reader.fail(raw.line_of("missed_limit"), "missed_limit must be from 1 to 20")
    return {"missed_limit": limit, "missed_clause": reader.text(raw, "clause", required=False)}


def _read_languages(reader: _Reader, data: LinedDict) -> tuple[str, ...]:
    """`languages:` a list of shipped codes; English is always offered."""
    raw = reader.get(data, "languages", LinedList, required=False)
    if raw is None:
        return ()
    shipped = shipped_languages()
    chosen: list[str] = []
    for index, item in enumerate(raw):
        if str(item) not in shipped:
            raise reader.fail(
                raw.item_lines[index], f"unknown language {item!r}: one of {', '.join(shipped)}"
            )
        chosen.append(str(item))
    if "en" not in chosen:
        chosen.insert(0, "en")
    return tuple(code for code in shipped if code in chosen)


def _read_translations(reader: _Reader, data: LinedDict) -> dict[str, dict[str, str]] | None:
    """`translations:` language code -> {English text: that language's text}."""
    raw = reader.get(data, "translations", LinedDict, required=False)
    if raw is None:
        return None
    shipped = shipped_languages()
    result: dict[str, dict[str, str]] = {}
    for code, texts in raw.items():
        if str(code) not in shipped:
            raise reader.fail(raw.line_of(code), f"unknown language {code!r}")
        if not isinstance(texts, LinedDict):
            raise reader.fail(raw.line_of(code), "translations: English text -> translation")
        result[str(code)] = {str(k).strip(): str(v).strip() for k, v in texts.items()}
    return result


def _read_monitoring(
    reader: _Reader, data: LinedDict, questions: list[Question]
) -> tuple[Question, ...]:
    """The optional monitoring questions: choices with "prefer not to say", always skippable."""
    raw = reader.get(data, "monitoring", LinedList, required=False, default=LinedList())
    asked = {q.field for q in questions}
    monitoring: list[Question] = []
    for index, item in enumerate(raw):
        if not isinstance(item, LinedDict):
            raise reader.fail(raw.item_lines[index], "each monitoring question must be a mapping")
        question, _ = _read_question(reader, item)
        if question.kind not in MONITORING_KINDS:
            raise reader.fail(item.line_of("kind"), "a monitoring question is a choice or multi")
        if PREFER_NOT_TO_SAY not in {c.key for c in question.choices}:
            raise reader.fail(item.line_of("choices"), f"must offer {PREFER_NOT_TO_SAY!r}")
        if question.field in asked:
            raise reader.fail(item.line, f"field {question.field!r} is asked twice")
        if question.ask_if is not None and question.ask_if.fields - asked:
            unknown = sorted(question.ask_if.fields - asked)
            raise reader.fail(item.line, f"ask_if reads {unknown} before asking")
        asked.add(question.field)
        # Every monitoring question may be skipped: SKIP ends them all.
        monitoring.append(replace(question, optional=True))
    return tuple(monitoring)


def _check_screening_ignores(
    reader: _Reader, monitoring: tuple[Question, ...], rules: list[Rule]
) -> None:
    """Monitoring answers come after screening and never affect it."""
    names = {q.field for q in monitoring}
    for rule in rules:
        if rule.when.fields & names:
            raise reader.fail(rule.line, f"rule {rule.reason!r} reads a monitoring answer")


def _read_flags(reader: _Reader, data: LinedDict, questions: list[Question]) -> tuple[Flag, ...]:
    """Facts stored with each referral, from its answers and `outcome`."""
    raw = reader.get(data, "flags", LinedList, required=False, default=LinedList())
    asked = {q.field for q in questions}
    flags: list[Flag] = []
    for index, item in enumerate(raw):
        if not isinstance(item, LinedDict):
            raise reader.fail(raw.item_lines[index], "each flag must be a mapping")
        reader.unknown_keys(item, {"field", "when", "clause"})
        name = reader.text(item, "field")
        assert name is not None
        if not _KEY.match(name) or name in FIELDS or name in asked or name == OUTCOME_NAME:
            raise reader.fail(item.line_of("field"), f"flag {name!r} must be a new field name")
        when = reader.condition(item, "when")
        if when is None:
            raise reader.fail(item.line, "missing required key 'when'")
        unknown = when.fields - asked - {OUTCOME_NAME}
        if unknown:
            problem = f"flag {name!r} reads unasked {sorted(unknown)}"
            raise reader.fail(item.line_of("when"), problem)
        flags.append(Flag(name, when, reader.text(item, "clause", required=False), item.line))
    return tuple(flags)


def _read_sms_numbers(reader: _Reader, data: LinedDict) -> tuple[str, ...]:
    """The numbers that choose this service, in E.164 (so "07700 900123" matches Twilio's To)."""
    raw = reader.get(data, "sms_numbers", LinedList, required=False, default=LinedList())
    numbers = []
    for index, value in enumerate(raw):
        number = to_e164(str(value)) if isinstance(value, str | int) else None
        if number is None:
            problem = f"sms_numbers: {value!r} is not a phone number"
            raise reader.fail(raw.item_lines[index], problem)
        numbers.append(number)
    return tuple(numbers)


def council_question(postcode: Question) -> Question:
    """The question asked after a postcode on the area's boundary or not listed in it.

    Its wording is in conversations/messages.py (council_prompt), with the council's name.
    """
    name = council_field(postcode.field)
    return Question(
        field=name,
        kind="yes_no",
        prompt=name,
        ask_if=parse_condition(f'area({postcode.field}) == "boundary"'),
        clause=postcode.clause,
        line=postcode.line,
        unsure=True,
        council_for=postcode.field,
    )


def _expiry_days(reader: _Reader, data: LinedDict) -> int:
    days = reader.get(data, "expire_after_days", int, required=False, default=7)
    if not 1 <= days <= 90:
        raise reader.fail(
            data.line_of("expire_after_days"), "expire_after_days must be from 1 to 90"
        )
    return int(days)


def _retention_days(reader: _Reader, data: LinedDict) -> int:
    days = reader.get(
        data, "alert_retention_days", int, required=False, default=DEFAULT_ALERT_RETENTION_DAYS
    )
    if not 1 <= days <= 3650:
        raise reader.fail(
            data.line_of("alert_retention_days"), "alert_retention_days must be from 1 to 3650"
        )
    return int(days)


def _check_fields_known(reader: _Reader, questions: list[Question], rules: list[Rule]) -> None:
    """Every field a condition reads must be asked earlier (for ask_if) or at all (rules)."""
    asked: set[str] = set()
    for question in questions:
        if question.ask_if is not None:
            unknown = question.ask_if.fields - asked
            if unknown:
                raise reader.fail(question.line, f"ask_if reads {sorted(unknown)} before asking")
        asked.add(question.field)
    for rule in rules:
        unknown = rule.when.fields - asked
        if unknown:
            raise reader.fail(rule.line, f"rule {rule.reason!r} reads unasked {sorted(unknown)}")


def load_services(*folders: Path | None) -> dict[str, ServiceDefinition]:
    """All definitions in the shipped folder then in `folders` (later ones override by id)."""
    services: dict[str, ServiceDefinition] = {}
    for folder in (SHIPPED_SERVICES_DIR, *folders):
        if folder is None:
            continue
        for path in sorted(folder.glob("*.yaml")):
            definition = load_definition(path)
            services[definition.id] = definition
    return services
