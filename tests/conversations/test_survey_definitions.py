"""A survey in a service definition is data, checked at load with file:line errors (issue 14.4)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conversations.definition import load_definition
from conversations.yamlfile import DefinitionError
from tests.conftest import Kith
from tests.conversations.test_definitions import MINIMAL

SURVEY = """\
surveys:
  - id: feedback
    send_at: [start, end]
    when: age >= 18
    intro: Since you started with us...
    scale:
      - {key: agree, label: Agree}
      - {key: disagree, label: Disagree}
    statements:
      - {key: listened, text: I feel listened to}
      - {key: satisfied, text: I am happy with the support, send_at: [end]}
"""
FIRST_LINE = MINIMAL.count("\n") + 1  # the line of `surveys:`


def write(tmp_path: Path, survey: str) -> Path:
    path = tmp_path / "somewhere-carers.yaml"
    path.write_text(MINIMAL.format(id="somewhere-carers", area="somewhere") + survey)
    return path


def test_a_survey_is_read_with_its_points_scale_and_statements(tmp_path: Path) -> None:
    service = load_definition(write(tmp_path, SURVEY))
    (survey,) = service.surveys
    assert survey.id == "feedback" and survey.points == ("start", "end")
    assert [c.key for c in survey.scale] == ["agree", "disagree"]
    assert [s.key for s in survey.statements_at("start")] == ["listened"]
    assert [s.key for s in survey.statements_at("end")] == ["listened", "satisfied"]
    assert survey.when is not None and survey.when.evaluate({"age": 40})
    assert survey.intro == "Since you started with us..."


@pytest.mark.parametrize(
    ("breakage", "offset", "words"),
    [
        (("    send_at: [start, end]", "    send_at: [start, middle]"), 2, "middle"),
        (("    when: age >= 18", "    when: carer == 1"), 3, "reads unasked ['carer']"),
        (("    when: age >= 18", "    when: age >="), 3, "cannot parse"),
        (("      - {key: disagree, label: Disagree}\n", ""), 6, "from 2 to 9 answers"),
        (("{key: disagree,", "{key: agree,"), 7, "appears twice"),
        (("{key: disagree,", "{key: skipped,"), 7, "not skipped/unanswered"),
        (("{key: satisfied,", "{key: listened,"), 10, "statement key 'listened' appears twice"),
        (("{key: satisfied,", "{key: Satisfied,"), 10, "lower_snake_case"),
        (("text: I am happy with the support, ", ""), 10, "missing required key 'text'"),
        (("    send_at: [start, end]", "    send_at: [start]"), 10, "not sent at end"),
        (("    intro:", "    colour: blue\n    intro:"), 4, "unknown key 'colour'"),
        (("  - id: feedback", "  - id: Feed back"), 1, "lower_snake_case"),
    ],
)
def test_a_malformed_survey_names_the_file_and_line(
    tmp_path: Path, breakage: tuple[str, str], offset: int, words: str
) -> None:
    assert breakage[0] in SURVEY
    path = write(tmp_path, SURVEY.replace(breakage[0], breakage[1], 1))
    with pytest.raises(DefinitionError) as caught:
        load_definition(path)
    assert str(caught.value).startswith(f"{path}:{FIRST_LINE + offset}:"), str(caught.value)
    assert words in str(caught.value)


def test_a_point_with_no_statement_is_refused(tmp_path: Path) -> None:
    only_end = SURVEY.replace(
        "{key: listened, text: I feel listened to}",
        "{key: listened, text: I feel listened to, send_at: [end]}",
    )
    with pytest.raises(DefinitionError, match="no statement is asked at start"):
        load_definition(write(tmp_path, only_end))


def test_services_check_reports_a_broken_survey_in_one_line(
    kith_sqlite: Kith, tmp_path: Path
) -> None:
    scale = (
        "    scale:\n      - {key: agree, label: Agree}\n      - {key: disagree, label: Disagree}\n"
    )
    assert scale in SURVEY
    path = write(tmp_path, SURVEY.replace(scale, "    scale: agree\n"))
    result = kith_sqlite.run("services", "check", str(path), check=False)
    assert result.returncode == 2
    assert result.stderr.startswith(f"{path}:{FIRST_LINE + 5}:"), result.stderr
    assert "'scale' must be a list" in result.stderr
