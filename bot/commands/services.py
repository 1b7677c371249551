"""`kith services list` and `kith services check FILE`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bot.settings import Settings
from conversations.areas import SHIPPED_AREAS_DIR, AreaError, load_areas
from conversations.definition import load_definition
from conversations.diagram import mermaid
from conversations.registry import load_registry
from conversations.yamlfile import DefinitionError


def list_services(settings: Settings, as_json: bool) -> int:
    """Print every loaded service: id, whether enabled, and its name."""
    try:
        registry = load_registry(settings.services_dir)
    except (DefinitionError, AreaError) as exc:
        print(f"kith: {exc}", file=sys.stderr)
        return 2
    services = sorted(registry.services.values(), key=lambda s: s.id)
    if as_json:
        print(
            json.dumps(
                [
                    {
                        "id": s.id,
                        "name": s.name,
                        "enabled": s.enabled,
                        "questions": len(s.questions),
                        "rules": len(s.rules),
                    }
                    for s in services
                ],
                ensure_ascii=False,
                indent=1,
            )
        )
        return 0
    for service in services:
        flag = "" if service.enabled else " (disabled)"
        print(f"{service.id:<28} {service.name}{flag}")
    return 0


def check_service(path: Path) -> int:
    """Check one definition file; print `file:line: problem` and exit 2 when broken."""
    try:
        definition = load_definition(path)
    except (DefinitionError, AreaError) as exc:
        print(f"{exc}", file=sys.stderr)
        return 2
    if definition.area is not None:
        folders = [SHIPPED_AREAS_DIR]
        if (path.parent / "areas").is_dir():
            folders.append(path.parent / "areas")
        if definition.area not in load_areas(*folders):
            print(
                f"{path}:{definition.area_line}: area {definition.area!r} has no area file "
                f"(looked in {', '.join(str(f) for f in folders)})",
                file=sys.stderr,
            )
            return 2
    print(
        f"{path}: ok ({definition.id}: {len(definition.questions)} questions, "
        f"{len(definition.rules)} rules)"
    )
    # Only a seed clause that excludes may refuse: list each refusing rule with it.
    for rule in definition.rules:
        if rule.outcome == "not_accepted":
            print(f"  refuses: {rule.reason} (clause {rule.clause})")
        elif rule.downgraded:
            print(
                f"{path}:{rule.line}: warning: rule {rule.reason!r} names no seed clause, "
                "so it gives needs_review instead of not_accepted"
            )
    # A signpost with no way to reach it is only a name: the provider fills these in.
    for rule in definition.rules:
        for key in rule.signpost:
            contact = definition.contacts[key]
            if not (contact.phone or contact.text or contact.website):
                print(
                    f"{path}:{rule.line}: warning: signpost {key!r} of rule {rule.reason!r} "
                    "has no phone, text or website filled in"
                )
    return 0


def diagram(settings: Settings, service_id: str) -> int:
    """Print the Mermaid flowchart of one service's conversation."""
    try:
        registry = load_registry(settings.services_dir)
    except (DefinitionError, AreaError) as exc:
        print(f"kith: {exc}", file=sys.stderr)
        return 2
    if service_id not in registry.services:
        print(f"kith: unknown service {service_id!r}", file=sys.stderr)
        return 2
    print(mermaid(registry.services[service_id]), end="")
    return 0
