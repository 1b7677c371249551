"""Refusals as people should read them (issue 10, point 6).

A refusal starts with "Sorry", gives the reason in plain words and one place to go;
`kith services check` warns about signposts the provider has not filled in; Leicester's
6.6c refusal (caring ended twelve months or more ago) acknowledges the loss and points
to bereavement support (6.7: "signpost these individuals to the relevant services or
community support"). The welcome's time estimate comes from the conversation.
"""

from __future__ import annotations

from pathlib import Path

from conversations import messages as say
from conversations.definition import load_definition
from conversations.i18n import translator
from tests.conftest import Kith
from tests.services import test_leicester_carers as leicester
from tests.services.conversation_helpers import outcome_text, refer_to

SIGNPOSTED = """\
id: nowhere-carers
name: Nowhere Carers
contacts:
  young: {label: the young people's service, phone: "0300 000 0000"}
  adults: {label: adult advice, phone: null, text: null, website: null}
deadlines:
  first_contact: {working_days: 5}
questions:
  - field: age
    kind: number
    prompt: How old are you?
  - field: first_name
    kind: text
    prompt: What name should we use?
  - field: contact_time
    kind: choice
    prompt: When is best?
    choices:
      - {key: morning, label: Morning}
      - {key: any, label: Any time}
rules:
  - reason: under_18
    when: age < 18
    outcome: not_accepted
    explain: Sorry, this is for adults.
    signpost: [young, adults]
    clause: "1.1"
  - reason: over_99
    when: age > 99
    outcome: not_accepted
    explain: Sorry, this is for people under 100.
    signpost: [adults]
    clause: "1.2"
"""


def test_a_refusal_starts_with_sorry_and_gives_one_signpost_with_its_number(
    kith_sqlite: Kith, tmp_path: Path
) -> None:
    (tmp_path / "nowhere-carers.yaml").write_text(SIGNPOSTED)
    env = {"KITH_SERVICES_DIR": str(tmp_path)}
    result = kith_sqlite.run(
        "chat", "--service", "nowhere-carers", "--json", stdin="hi\nyes\n16\nyes\n", env=env
    )
    final = result.stdout.strip().splitlines()[-1]
    assert '"text": "Sorry, this is for adults.' in final
    assert "You could contact the young people's service, call 0300 000 0000." in final
    assert "adult advice" not in final  # one signpost, not a list
    assert "PERSON" in final  # a person checks, and can be asked for sooner


def test_services_check_warns_about_signposts_with_nothing_filled_in(
    kith_sqlite: Kith, tmp_path: Path
) -> None:
    path = tmp_path / "nowhere-carers.yaml"
    path.write_text(SIGNPOSTED)
    result = kith_sqlite.run("services", "check", str(path))
    assert result.returncode == 0  # a warning, not a failure
    assert "warning: signpost 'adults' of rule 'under_18' has no phone" in result.stdout
    assert "warning: signpost 'adults' of rule 'over_99'" in result.stdout
    assert "signpost 'young'" not in result.stdout  # its phone is filled in


def test_leicester_6_6c_sorry_for_your_loss_and_bereavement_support(kith_sqlite: Kith) -> None:
    """003 6.6c, 6.7: caring that ended 14 months ago is signposted, kindly."""
    replies, referral = leicester.refer(
        kith_sqlite,
        caring_status="2",
        months_since_caring_ended="14",
        until="months_since_caring_ended",
    )
    assert referral["outcome"] == "not_accepted"
    text = outcome_text(replies)
    assert text.startswith("Sorry for your loss.")
    assert "You could contact bereavement support, like Cruse Bereavement Support." in text


def test_every_shipped_refusal_starts_with_sorry() -> None:
    for path in sorted(Path("conversations/services").glob("*.yaml")):
        for rule in load_definition(path).rules:
            if rule.outcome == "not_accepted":
                assert rule.explain.startswith("Sorry"), (path.stem, rule.reason)


def test_the_welcome_estimate_is_counted_from_the_conversation(tmp_path: Path) -> None:
    # Nowhere Carers: consent and 3 questions always asked = 4 answers, 80 s: 1 minute.
    path = tmp_path / "nowhere-carers.yaml"
    path.write_text(SIGNPOSTED)
    t = translator("en")
    assert "It takes about a minute." in say.welcome(t, load_definition(path))
    # Kirklees carers: consent and 12 questions without ask_if = 13 answers, 260 s: 4.
    kirklees = load_definition(Path("conversations/services/kirklees-carers-options.yaml"))
    assert "It takes about 4 minutes." in say.welcome(t, kirklees)


def test_the_welcome_as_sent_names_the_estimate(kith_sqlite: Kith) -> None:
    replies, _ = refer_to(
        kith_sqlite,
        "kirklees-carers-options",
        {"referrer": "1", "age": "45", "cares_significant_time": "no"},
        ("referrer", "age", "cares_significant_time"),
        clock="2026-04-14T10:00:00+01:00",
        until="cares_significant_time",
    )
    assert "It takes about 4 minutes." in replies[0]["text"]
