"""A Babel extractor for service definitions, so their wording goes through gettext too.

`pybabel extract -F babel.cfg` uses it (registered as the `kith_services` method):
names, prompts, choice labels, explanations, contact labels, next steps and surveys'
intros, answers and statements become messages in the catalog, each with its file line
for translators.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from conversations.yamlfile import LinedDict, LinedList, load_yaml

Message = tuple[int, str, str, list[str]]

_TOP = ("name", "short_name", "accepted_next_step", "consent_note")
_QUESTION = ("prompt", "prompt_other")


def _texts(data: LinedDict, keys: tuple[str, ...], note: str) -> Iterator[Message]:
    for key in keys:
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            yield data.line_of(key), "gettext", value.strip(), [note]


def _items(data: LinedDict, key: str) -> list[LinedDict]:
    value = data.get(key)
    if not isinstance(value, LinedList):
        return []
    return [item for item in value if isinstance(item, LinedDict)]


def messages_of(data: LinedDict) -> Iterator[Message]:
    """Every translatable text of one parsed definition, with its line."""
    yield from _texts(data, _TOP, "service")
    contacts = data.get("contacts")
    if isinstance(contacts, LinedDict):
        for contact in contacts.values():
            if isinstance(contact, LinedDict):
                yield from _texts(contact, ("label",), "a place to contact")
    for line in data.get("local_crisis_lines") or []:
        if isinstance(line, str):
            yield data.line_of("local_crisis_lines"), "gettext", line, ["local crisis line"]
    for question in [*_items(data, "questions"), *_items(data, "monitoring")]:
        field = str(question.get("field"))
        yield from _texts(question, _QUESTION, f"question {field}")
        for choice in _items(question, "choices"):
            yield from _texts(choice, ("label",), f"an answer to {field}")
    for rule in _items(data, "rules"):
        yield from _texts(rule, ("explain",), f"why not accepted: {rule.get('reason')}")
    for survey in _items(data, "surveys"):
        name = survey.get("id")
        yield from _texts(survey, ("intro",), f"survey {name}: said before its statements")
        for answer in _items(survey, "scale"):
            yield from _texts(answer, ("label",), f"survey {name}: an answer")
        for statement in _items(survey, "statements"):
            yield from _texts(statement, ("text",), f"survey {name}: a statement")


def extract_service(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[Message]:
    """Babel extraction method for `conversations/services/*.yaml`."""
    yield from messages_of(load_yaml(Path(fileobj.name)))
