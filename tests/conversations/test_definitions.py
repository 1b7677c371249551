"""Service definitions: the condition language, line-numbered errors, and a sixth service."""

from __future__ import annotations

from pathlib import Path

import pytest

from conversations.conditions import ConditionError, parse_condition
from tests.conftest import Kith

KIRKLEES = Path("conversations/services/kirklees-carers-options.yaml")

MINIMAL = """\
id: {id}
name: Somewhere Carers Hub
short_name: Carers Hub
area: {area}
contacts:
  service: {{label: Carers Hub}}
  elsewhere: {{label: the carers' service where you live}}
deadlines:
  first_contact: {{working_days: 5}}
questions:
  - field: age
    kind: number
    min: 0
    max: 120
    prompt: How old are you?
  - field: postcode
    kind: postcode
    prompt: What is your postcode?
rules:
  - reason: under_18
    when: age < 18
    outcome: not_accepted
    explain: This hub is for adults.
    clause: "1.1"
  - reason: outside_area
    when: area(postcode) == "out"
    outcome: not_accepted
    explain: This hub is for people who live in Somewhere.
    signpost: [elsewhere]
    clause: "1.2"
"""

AREA = """\
id: somewhere
name: Somewhere
source: made up for this test
inside: [ZE1]
boundary: [ZE2]
"""


def test_condition_language_evaluates_comparisons_membership_and_logic() -> None:
    answers = {"age": 17, "priority": ["hospital"], "in_custody": False}
    assert parse_condition("age < 18").evaluate(answers)
    assert parse_condition("age >= 18 or 'hospital' in priority").evaluate(answers)
    assert parse_condition("not in_custody and age == 17").evaluate(answers)
    assert not parse_condition("age > 64").evaluate(answers)
    assert parse_condition("'x' not in priority").evaluate(answers)


def test_unanswered_fields_never_fire_a_rule() -> None:
    assert not parse_condition("age < 18").evaluate({})
    assert not parse_condition("not in_custody").evaluate({})
    assert not parse_condition("area(postcode) == 'out'").evaluate({}, lambda p: "out")


def test_area_function_reads_the_postcode_lookup() -> None:
    lookup = {"ZE1 1AA": "in", "ZE2 1AA": "boundary"}.__getitem__
    condition = parse_condition('area(postcode) == "boundary"')
    assert condition.evaluate({"postcode": "ZE2 1AA"}, lookup)
    assert not condition.evaluate({"postcode": "ZE1 1AA"}, lookup)
    assert condition.fields == {"postcode"}


@pytest.mark.parametrize(
    "source",
    [
        "__import__('os').system('true')",
        "age.real > 1",
        "open('x')",
        "lambda: 1",
        "age[0] == 1",
        "age +",
        "",
        "age ** 2 > 1",
    ],
)
def test_condition_language_refuses_anything_but_data(source: str) -> None:
    with pytest.raises(ConditionError):
        parse_condition(source)


@pytest.mark.parametrize(
    ("breakage", "line", "words"),
    [
        (("  - field: age\n    kind: number", "  - field: age\n    kind: numbr"), 12, "kind"),
        (("    when: age < 18", "    when: age <"), 21, "cannot parse"),
        (("    when: age < 18", "    when: __import__('os')"), 21, "only function"),
        (("    signpost: [elsewhere]", "    signpost: [nowhere]"), 29, "nowhere"),
        (("  - field: postcode", "  - field: postcod"), 16, "data dictionary"),
        (
            (
                "    outcome: not_accepted\n    explain: This hub",
                "    outcome: maybe\n    explain: This hub",
            ),
            22,
            "outcome",
        ),
        (("deadlines:", "deadlines:\n  first_coffee: {working_days: 1}"), 9, "first_coffee"),
        (("name: Somewhere", "name: [Somewhere"), 3, "flow sequence on line 2"),
        (("    min: 0\n", "    min: 0\n    colour: blue\n"), 14, "unknown key"),
    ],
)
def test_services_check_names_the_file_and_line_of_each_error(
    kith_sqlite: Kith, tmp_path: Path, breakage: tuple[str, str], line: int, words: str
) -> None:
    text = MINIMAL.format(id="somewhere-carers", area="somewhere")
    assert breakage[0] in text
    path = tmp_path / "somewhere-carers.yaml"
    path.write_text(text.replace(breakage[0], breakage[1], 1))
    result = kith_sqlite.run("services", "check", str(path), check=False)
    assert result.returncode == 2
    assert result.stderr.startswith(f"{path}:{line}:"), result.stderr
    assert words in result.stderr


def test_services_check_accepts_every_shipped_definition(kith_sqlite: Kith) -> None:
    for path in sorted(Path("conversations/services").glob("*.yaml")):
        result = kith_sqlite.run("services", "check", str(path))
        assert "ok" in result.stdout


def test_a_sixth_service_needs_no_python(kith_sqlite: Kith, tmp_path: Path) -> None:
    folder = tmp_path / "services"
    (folder / "areas").mkdir(parents=True)
    (folder / "somewhere-carers.yaml").write_text(
        MINIMAL.format(id="somewhere-carers", area="somewhere")
    )
    (folder / "areas" / "somewhere.yaml").write_text(AREA)
    env = {"KITH_SERVICES_DIR": str(folder)}
    listing = kith_sqlite.run("services", "list", env=env).stdout
    assert "somewhere-carers" in listing and "kirklees-carers-options" in listing
    result = kith_sqlite.run(
        "chat", "--service", "somewhere-carers", "--json", stdin="hi\nyes\n30\nZE1 1AA\n", env=env
    )
    assert "Carers Hub" in result.stdout
    refused = kith_sqlite.run(
        "chat",
        "--service",
        "somewhere-carers",
        "--json",
        "--from",
        "console:far",
        # Listed nowhere in the area: asked "Is your local council ...?", and "2" (no).
        stdin="hi\nyes\n30\nSW1A 1AA\n2\n",
        env=env,
    )
    assert "Is your local council" in refused.stdout
    assert "the carers' service where you live" in refused.stdout
    referrals = {r["answers"]["postcode"]: r for r in kith_sqlite.referrals()}
    assert referrals["ZE1 1AA"]["outcome"] == "accepted"
    assert referrals["ZE1 1AA"]["service"] == "somewhere-carers"
    assert referrals["SW1A 1AA"]["reasons"] == ["outside_area"]


def test_unknown_service_is_one_clear_line_and_exit_2(kith_sqlite: Kith) -> None:
    result = kith_sqlite.run("chat", "--service", "nowhere", stdin="hi\n", check=False)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "kith: unknown service 'nowhere' (see `kith services list`)"
    ]


def test_a_broken_definition_in_the_services_dir_is_reported_not_crashed(
    kith_sqlite: Kith, tmp_path: Path
) -> None:
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "broken.yaml").write_text("id: broken\nname: [\n")
    result = kith_sqlite.run(
        "services", "list", env={"KITH_SERVICES_DIR": str(tmp_path / "bad")}, check=False
    )
    assert result.returncode == 2
    assert "broken.yaml:" in result.stderr
    assert "Traceback" not in result.stderr


def test_not_of_an_unknown_field_is_still_unknown() -> None:
    assert not parse_condition("not (age < 18)").evaluate({})
    assert not parse_condition("not (age < 18) and not in_custody").evaluate({"age": 30})
    assert parse_condition("not (age < 18) and not in_custody").evaluate(
        {"age": 30, "in_custody": False}
    )
    # `or` is decided by one known true side, `and` by one known false side.
    assert parse_condition("age < 18 or in_transition").evaluate({"in_transition": True})
    assert not parse_condition("age < 18 and in_transition").evaluate({"age": 30})


@pytest.mark.parametrize(
    ("breakage", "line", "words"),
    [
        (("area: somewhere", "area: atlantis"), 4, "no area file"),
        (("    explain: This hub is for adults.", "    explain: no"), 23, "in quotes"),
        (
            (
                "deadlines:\n  first_contact: {working_days: 5}",
                "deadlines:\n  first_contact: {same_day: true}",
            ),
            8,
            "add core_hours",
        ),
    ],
)
def test_services_check_catches_mistakes_that_would_fail_later(
    kith_sqlite: Kith, tmp_path: Path, breakage: tuple[str, str], line: int, words: str
) -> None:
    (tmp_path / "areas").mkdir()
    (tmp_path / "areas" / "somewhere.yaml").write_text(AREA)
    text = MINIMAL.format(id="somewhere-carers", area="somewhere")
    assert breakage[0] in text
    path = tmp_path / "somewhere-carers.yaml"
    path.write_text(text.replace(breakage[0], breakage[1], 1))
    result = kith_sqlite.run("services", "check", str(path), check=False)
    assert result.returncode == 2
    assert result.stderr.startswith(f"{path}:{line}:"), result.stderr
    assert words in result.stderr
