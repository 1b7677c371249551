"""SPEC's data dictionary: the field names every service shares, with their kinds.

A service asks only the fields it needs and may add its own (marked `custom: true` in
its definition, so a misspelt shared name is caught rather than silently invented).
"""

from __future__ import annotations

from typing import Final

KINDS: Final = frozenset(
    {"choice", "yes_no", "number", "postcode", "date", "multi", "text", "phone"}
)

FIELDS: Final[dict[str, str]] = {
    "language": "choice",
    "consent": "yes_no",
    "referrer": "choice",
    "person_phone": "phone",
    "referral_source": "choice",
    "reason_for_referral": "text",
    "age": "number",
    "postcode": "postcode",
    "mental_health_need": "yes_no",
    "uses_mh_services": "yes_no",
    "cared_for_age": "number",
    "cared_for_postcode": "postcode",
    "cared_for_relationship": "choice",
    "cared_for_condition": "choice",
    "cares_significant_time": "yes_no",
    "cared_for_assessed_mh_need": "yes_no",
    "in_transition": "yes_no",
    "in_custody": "yes_no",
    "needs_personal_care": "yes_no",
    "learning_disability": "yes_no",
    "needs_support_to_live_independently": "yes_no",
    "temporary_accommodation_elsewhere": "yes_no",
    "caring_status": "choice",
    "months_since_caring_ended": "number",
    "priority": "multi",
    "urgent": "yes_no",
    "consent_share": "yes_no",
    "first_name": "text",
    "contact_time": "choice",
    "communication_needs": "multi",
    "gender": "choice",
    "ethnicity": "choice",
    "ex_service": "choice",
    "religion": "choice",
    "sexual_orientation": "choice",
    "disability": "choice",
}

# Monitoring questions must always offer "prefer not to say" (Kith's rule).
MONITORING_FIELDS: Final = frozenset(
    {"gender", "ethnicity", "ex_service", "religion", "sexual_orientation", "disability"}
)
PREFER_NOT_TO_SAY: Final = "prefer_not_to_say"

# Fields the engine itself asks or sets; a definition does not list them as questions.
ENGINE_FIELDS: Final = frozenset({"language", "consent"})
