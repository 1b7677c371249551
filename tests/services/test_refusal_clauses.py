"""Only a seed clause that excludes may refuse (issue 10 point 1).

Each rule that gives `not_accepted` names the clause of the service's seed that
excludes the person; a rule without one gives `needs_review` (the loader downgrades
it, docs/service-definitions.md), and `kith services check` lists every refusing rule
with its clause. The shipped definitions are read as text here, so a downgrade in the
loader cannot hide a missing clause.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from conversations.definition import load_definition
from tests.conftest import Kith

SERVICES = sorted(Path("conversations/services").glob("*.yaml"))
SEEDS = Path("/work/shared/seeds")
# A clause reference: 1.4, 4.1.3, 6.6c; several separated by commas.
CLAUSE = re.compile(r"^\d+(\.\d+)*[a-z]?(, \d+(\.\d+)*[a-z]?)*$")


def test_all_five_shipped_services_are_checked() -> None:
    assert {p.stem for p in SERVICES} >= {
        "kirklees-carers-options",
        "kirklees-advocacy",
        "derby-peer-support",
        "leicester-carers",
        "thurrock-floating-support",
    }


@pytest.mark.parametrize("path", SERVICES, ids=[p.stem for p in SERVICES])
def test_every_refusing_rule_names_the_seed_clause_that_excludes(path: Path) -> None:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    refusing = [rule for rule in raw["rules"] if rule["outcome"] == "not_accepted"]
    assert refusing, "every seed excludes someone"
    for rule in refusing:
        clause = str(rule.get("clause") or "")
        assert CLAUSE.match(clause), (rule["reason"], clause)
    definition = load_definition(path)
    assert not [rule.reason for rule in definition.rules if rule.downgraded]


@pytest.mark.parametrize("path", SERVICES, ids=[p.stem for p in SERVICES])
def test_each_named_clause_exists_in_the_seed(path: Path) -> None:
    """A clause named by a refusing rule is a numbered paragraph of the seed file."""
    definition = load_definition(path)
    assert definition.seed is not None
    seed = (SEEDS / definition.seed).read_text(encoding="utf-8")
    for rule in definition.rules:
        if rule.outcome != "not_accepted":
            continue
        assert rule.clause is not None
        for clause in rule.clause.split(", "):
            number = re.sub(r"[a-z]$", "", clause)
            assert re.search(rf"(^|\n)[-\s]*{re.escape(number)}\.?\s", seed), (
                rule.reason,
                clause,
            )


WITHOUT_CLAUSE = """\
id: nowhere-carers
name: Nowhere Carers
deadlines:
  first_contact: {working_days: 5}
questions:
  - field: age
    kind: number
    prompt: How old are you?
rules:
  - reason: under_18
    when: age < 18
    outcome: not_accepted
    explain: This is for adults.
"""


def test_a_refusing_rule_without_a_clause_gives_needs_review(tmp_path: Path) -> None:
    path = tmp_path / "nowhere-carers.yaml"
    path.write_text(WITHOUT_CLAUSE)
    rule = load_definition(path).rules[0]
    assert rule.outcome == "needs_review"
    assert rule.downgraded is True


def test_a_rule_without_a_clause_never_refuses_in_a_conversation(
    kith_sqlite: Kith, tmp_path: Path
) -> None:
    (tmp_path / "nowhere-carers.yaml").write_text(WITHOUT_CLAUSE)
    env = {"KITH_SERVICES_DIR": str(tmp_path)}
    kith_sqlite.run("chat", "--service", "nowhere-carers", stdin="hi\nyes\n16\n", env=env)
    [referral] = kith_sqlite.referrals()
    assert referral["outcome"] == "needs_review"
    assert referral["reasons"] == ["under_18"]


def test_services_check_lists_each_refusing_rule_with_its_clause(kith_sqlite: Kith) -> None:
    result = kith_sqlite.run("services", "check", "conversations/services/leicester-carers.yaml")
    out = result.stdout
    # 6.6 a-d and 6.7: the seed's exclusions, each with the clause that excludes.
    assert "refuses: young_carer_under_18 (clause 1.9, 2.8, 6.6a, 6.7)" in out
    assert "refuses: caring_ended_12_months_or_more (clause 6.6c, 6.7)" in out
    assert "refuses: paid_carer (clause 1.1, 6.6d, 6.7)" in out
    assert "refuses: cared_for_child_not_in_transition (clause 6.6b, 6.7)" in out


def test_services_check_warns_of_a_refusing_rule_without_a_clause(
    kith_sqlite: Kith, tmp_path: Path
) -> None:
    path = tmp_path / "nowhere-carers.yaml"
    path.write_text(WITHOUT_CLAUSE)
    result = kith_sqlite.run("services", "check", str(path))
    assert f"{path}:10: warning: rule 'under_18' names no seed clause" in result.stdout
    assert "needs_review" in result.stdout
