"""`kith i18n extract|update|compile|report`: the gettext catalogs, and what they cost.

`extract` writes the template (`locales/kith.pot`) from the code and the shipped
service definitions; `update` merges it into every shipped language's `.po`;
`compile` writes the `.mo` files (the package build does this too). With
`--services-dir DIR` (a provider's KITH_SERVICES_DIR) they work on that folder
instead: its definitions' texts go to `<dir>/locales/`, read at run time.
`report` counts, per language, the SMS segments of every prompt and of the shortest
complete self-referral of each service.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po

from bot.core.segments import segments
from bot.settings import Settings
from conversations.babel_extract import messages_of
from conversations.engine import Engine
from conversations.i18n import DEFAULT_LANGUAGE
from conversations.languages import codes
from conversations.registry import load_registry
from conversations.sample_referrals import shortest_referral
from conversations.state import ConversationState
from conversations.yamlfile import load_yaml

SOURCE_ROOT = Path(__file__).resolve().parents[2]
LOCALES = SOURCE_ROOT / "locales"


def _babel(*arguments: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *arguments])  # type: ignore[no-untyped-call]


def _languages() -> list[str]:
    return [code for code in codes() if code != DEFAULT_LANGUAGE]


def extract(services_dir: Path | None) -> int:
    """Write the template: the shipped one, or `<services_dir>/locales/kith.pot`."""
    if services_dir is not None:
        catalog = Catalog(project="Kith services", locale=None)
        for path in sorted(services_dir.glob("*.yaml")):
            for line, _, text, notes in messages_of(load_yaml(path)):
                catalog.add(text, locations=[(path.name, line)], auto_comments=notes)
        (services_dir / "locales").mkdir(exist_ok=True)
        with (services_dir / "locales" / "kith.pot").open("wb") as handle:
            write_po(handle, catalog, sort_output=True)
        print(f"{len(catalog)} messages in {services_dir / 'locales' / 'kith.pot'}")
        return 0
    _babel(
        "extract",
        "--project=Kith",
        "--copyright-holder=Kith contributors",
        "-F",
        str(SOURCE_ROOT / "babel.cfg"),
        "-k",
        "N_",
        "--add-comments=Translators:",
        "--no-location",
        "--sort-output",
        "-o",
        str(LOCALES / "kith.pot"),
        str(SOURCE_ROOT),
    )
    return 0


def update(services_dir: Path | None) -> int:
    """Merge the template into each shipped language's catalog (made when missing)."""
    folder = services_dir / "locales" if services_dir is not None else LOCALES
    template = folder / "kith.pot"
    for code in _languages():
        po = folder / code / "LC_MESSAGES" / "kith.po"
        if not po.is_file():
            _babel("init", "-D", "kith", "-i", str(template), "-d", str(folder), "-l", code)
        _babel(
            "update",
            "-D",
            "kith",
            "-i",
            str(template),
            "-d",
            str(folder),
            "-l",
            code,
            "--no-fuzzy-matching",
            "--ignore-obsolete",
        )
    return 0


def compile_catalogs(services_dir: Path | None) -> int:
    """Write each catalog's `.mo` (shipped ones are also compiled by the package build)."""
    folder = services_dir / "locales" if services_dir is not None else LOCALES
    _babel("compile", "-D", "kith", "-d", str(folder), "--statistics")
    return 0


def _prompts(engine: Engine, language: str) -> dict[str, int]:
    """Segments of each question as asked (its prompt and its numbered options)."""
    t = engine.translator(language)
    state = ConversationState(service_id=engine.service.id, language=language)
    counted: dict[str, int] = {}
    for question in (*engine.service.questions, *engine.service.monitoring):
        reply = engine._ask(t, question, state)
        text = reply.text
        if reply.choices and not all(c["label"] in text for c in reply.choices):
            text += "\n" + "\n".join(f"{c['n']} {c['label']}" for c in reply.choices)
        counted[question.field] = segments(text).parts
    return counted


def report_data(settings: Settings) -> dict[str, Any]:
    """Per language and service: prompt segments and the shortest referral's segments."""
    registry = load_registry(settings.services_dir)
    data: dict[str, Any] = {}
    for code in codes():
        per_service: dict[str, Any] = {}
        for service in registry.enabled():
            if code not in service.offered_languages():
                continue
            engine = registry.engine(service.id)
            prompts = _prompts(engine, code)
            sample = shortest_referral(engine, code)
            referral = sample.texts if sample is not None else None
            per_service[service.id] = {
                "prompt_segments": sum(prompts.values()),
                "longest_prompt": max(prompts.values(), default=0),
                "prompts": prompts,
                "referral_messages": len(referral) if referral is not None else None,
                "referral_segments": (
                    sum(segments(text).parts for text in referral) if referral else None
                ),
            }
        data[code] = per_service
    return data


def report(settings: Settings, as_json: bool) -> int:
    """Print the segment report: a table, or JSON with every prompt."""
    data = report_data(settings)
    if as_json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    print(
        "| language | service | prompts (segments) | longest prompt | referral messages "
        "| referral segments |"
    )
    print("|---|---|---|---|---|---|")
    for code, services in data.items():
        for service_id, row in services.items():
            print(
                f"| {code} | {service_id} | {row['prompt_segments']} | {row['longest_prompt']} "
                f"| {row['referral_messages'] or '-'} | {row['referral_segments'] or '-'} |"
            )
    return 0


def run_i18n(settings: Settings, action: str, services_dir: Path | None, as_json: bool) -> int:
    """Dispatch one `kith i18n` action."""
    folder = services_dir
    if (
        action in ("extract", "update", "compile")
        and folder is None
        and not (SOURCE_ROOT / "babel.cfg").is_file()
    ):
        print("kith: run from a source checkout, or pass --services-dir", file=sys.stderr)
        return 2
    if action == "extract":
        return extract(folder)
    if action == "update":
        return update(folder)
    if action == "compile":
        return compile_catalogs(folder)
    return report(settings, as_json)


def read_catalog(path: Path) -> Catalog:
    """A `.po` file as a Babel catalog."""
    with path.open("rb") as handle:
        return read_po(handle)
