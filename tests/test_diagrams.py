"""The flow diagrams in docs/diagrams are the ones `kith services diagram` draws now."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Kith

SERVICES = sorted(p.stem for p in Path("conversations/services").glob("*.yaml"))


@pytest.mark.parametrize("service", SERVICES)
def test_committed_diagram_is_current(kith_sqlite: Kith, service: str) -> None:
    drawn = kith_sqlite.run("services", "diagram", service).stdout
    assert drawn == (Path("docs/diagrams") / f"{service}.mmd").read_text(), (
        f"run: kith services diagram {service} > docs/diagrams/{service}.mmd"
    )
    assert drawn.startswith("%% ") and "flowchart TD" in drawn


def test_diagram_shows_every_question_and_rule(kith_sqlite: Kith) -> None:
    drawn = kith_sqlite.run("services", "diagram", "kirklees-carers-options").stdout
    for field in ("referrer", "age", "cared_for_age", "postcode", "priority"):
        assert f"q_{field}[" in drawn
    assert '"cared_for_age > 64" --> refused' in drawn
    assert "\"area(postcode) == 'boundary'\" --> review" in drawn


def test_diagram_of_an_unknown_service_is_exit_2(kith_sqlite: Kith) -> None:
    assert kith_sqlite.run("services", "diagram", "nowhere", check=False).returncode == 2
