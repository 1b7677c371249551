"""Automated screening: a service's rules applied to a person's answers.

Screening never refuses on its own (UK GDPR Art. 22): `not_accepted` is a proposal
that staff confirm or overturn, and the person is told so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from conversations.conditions import AreaLookup
from conversations.definition import Rule, ServiceDefinition

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
    fired = tuple(
        rule
        for rule in service.rules
        if (final or decided(rule, answers, skipped or set())) and rule.when.evaluate(answers, area)
    )
    declined = tuple(rule for rule in fired if rule.outcome == DECLINED)
    if declined:
        return Screening(DECLINED, tuple(rule.reason for rule in declined), fired)
    refusals = tuple(rule for rule in fired if rule.outcome == NOT_ACCEPTED)
    if refusals:
        return Screening(NOT_ACCEPTED, tuple(rule.reason for rule in refusals), fired)
    reviews = tuple(rule for rule in fired if rule.outcome == NEEDS_REVIEW)
    if reviews:
        return Screening(NEEDS_REVIEW, tuple(rule.reason for rule in reviews), fired)
    return Screening(ACCEPTED, (), ())


def priority_codes(service: ServiceDefinition, answers: Mapping[str, Any]) -> tuple[str, ...]:
    """The service's priority circumstances that the person chose."""
    chosen = answers.get("priority") or []
    return tuple(code for code in chosen if code in service.priority_clauses)
