"""Automated screening: a service's rules applied to a person's answers.

Screening never refuses on its own (UK GDPR Art. 22): `not_accepted` is a proposal
that staff confirm or overturn, and the person is told so.

Screening never refuses on an answer the person could not give: a rule whose
condition is not known because a field it reads is UNKNOWN ("not sure", or left
unanswered) gives `needs_review` with the reason `<reason>_unknown`, whatever its
outcome (a `declined` rule still declines: without the person's agreement nothing is
kept).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from conversations.conditions import AreaLookup
from conversations.definition import Rule, ServiceDefinition

UNKNOWN_SUFFIX = "_unknown"

ACCEPTED = "accepted"
NOT_ACCEPTED = "not_accepted"
DECLINED = "declined"  # the person referred has not agreed: nothing is kept
NEEDS_REVIEW = "needs_review"


@dataclass(frozen=True)
class Screening:
    """The automated outcome, the reason codes behind it and the rules that fired."""

    outcome: str
    reasons: tuple[str, ...]
    fired: tuple[Rule, ...]


def decided(rule: Rule, answers: Mapping[str, Any], skipped: set[str]) -> bool:
    """True when every field the rule reads has been answered or skipped."""
    return all(name in answers or name in skipped for name in rule.when.fields)


def screen(
    service: ServiceDefinition,
    answers: Mapping[str, Any],
    area: AreaLookup | None,
    skipped: set[str] | None = None,
    final: bool = True,
) -> Screening:
    """Apply the rules. With final=False only rules whose fields are all known count."""
    fired: list[Rule] = []
    unsure: list[Rule] = []  # rules that might hold, but turn on a "not sure" answer
    for rule in service.rules:
        if not (final or decided(rule, answers, skipped or set())):
            continue
        truth = rule.when.truth(answers, area)
        if truth is True:
            fired.append(rule)
        elif truth is None and rule.when.reads_unknown(answers):
            if rule.outcome == DECLINED:
                fired.append(rule)
            else:
                unsure.append(rule)
    declined = tuple(rule for rule in fired if rule.outcome == DECLINED)
    if declined:
        return Screening(DECLINED, tuple(rule.reason for rule in declined), tuple(fired))
    refusals = tuple(rule for rule in fired if rule.outcome == NOT_ACCEPTED)
    if refusals:
        return Screening(NOT_ACCEPTED, tuple(rule.reason for rule in refusals), tuple(fired))
    reasons = tuple(
        [rule.reason for rule in fired if rule.outcome == NEEDS_REVIEW]
        + [rule.reason + UNKNOWN_SUFFIX for rule in unsure]
    )
    if reasons:
        return Screening(NEEDS_REVIEW, reasons, tuple(fired + unsure))
    return Screening(ACCEPTED, (), ())


def priority_codes(service: ServiceDefinition, answers: Mapping[str, Any]) -> tuple[str, ...]:
    """The service's priority circumstances that the person chose."""
    chosen = answers.get("priority") or []
    return tuple(code for code in chosen if code in service.priority_clauses)
