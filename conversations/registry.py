"""The services Kith runs: shipped definitions plus a provider's folder, with their areas."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from conversations.areas import SHIPPED_AREAS_DIR, Area, AreaError, load_area, load_areas
from conversations.definition import ServiceDefinition, load_definition, load_services
from conversations.engine import Engine
from conversations.i18n import Translator, translator
from conversations.yamlfile import DefinitionError


@dataclass(frozen=True)
class Registry:
    """Loaded service definitions and one engine per service."""

    services: dict[str, ServiceDefinition]
    engines: dict[str, Engine]

    def engine(self, service_id: str) -> Engine:
        """The engine of `service_id` (KeyError when there is no such service)."""
        return self.engines[service_id]

    def translator(self, service_id: str, code: str) -> Translator:
        """A service's texts in `code`: its own wording first (`translations:`), then Kith's."""
        engine = self.engines.get(service_id)
        return engine.translator(code) if engine is not None else translator(code)

    def enabled(self) -> list[ServiceDefinition]:
        """Enabled services, in id order."""
        return [s for s in sorted(self.services.values(), key=lambda s: s.id) if s.enabled]

    def for_number(self, number: str) -> ServiceDefinition | None:
        """The enabled service whose definition lists `number` in sms_numbers."""
        for service in self.enabled():
            if number in service.sms_numbers:
                return service
        return None


def load_registry(extra_dir: Path | None = None, skip_broken: bool = False) -> Registry:
    """Load shipped services and areas, then those in `extra_dir` (and `extra_dir/areas`).

    A broken file raises DefinitionError or AreaError naming file and line; with
    `skip_broken` (staff commands that need no definitions) broken files in `extra_dir`
    are left out instead.
    """
    if skip_broken:
        try:
            return load_registry(extra_dir)
        except (DefinitionError, AreaError):
            return _lenient_registry(extra_dir)
    services = load_services(extra_dir)
    areas: dict[str, Area] = load_areas(
        SHIPPED_AREAS_DIR,
        *([extra_dir / "areas"] if extra_dir and (extra_dir / "areas").is_dir() else []),
    )
    engines: dict[str, Engine] = {}
    for service in services.values():
        area = None
        if service.area is not None:
            if service.area not in areas:
                raise DefinitionError(
                    service.path or service.id, None, f"area {service.area!r} has no area file"
                )
            area = areas[service.area]
        engines[service.id] = Engine(service, area)
    return Registry(services=services, engines=engines)


def _lenient_registry(extra_dir: Path | None) -> Registry:
    """The shipped services plus every file of `extra_dir` that loads."""
    services = load_services()
    areas = load_areas(SHIPPED_AREAS_DIR)
    if extra_dir is not None:
        for path in sorted((extra_dir / "areas").glob("*.yaml")):
            try:
                area = load_area(path)
            except (DefinitionError, AreaError):
                continue
            areas[area.id] = area
        for path in sorted(extra_dir.glob("*.yaml")):
            try:
                definition = load_definition(path)
            except (DefinitionError, AreaError):
                continue
            services[definition.id] = definition
    engines: dict[str, Engine] = {}
    for service in list(services.values()):
        if service.area is not None and service.area not in areas:
            del services[service.id]
            continue
        match = areas[service.area].match if service.area is not None else None
        engines[service.id] = Engine(service, match)
    return Registry(services=services, engines=engines)
