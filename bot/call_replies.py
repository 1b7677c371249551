"""Replies from volunteers: call outcomes, CONCERN, UNAVAILABLE, AGAIN (issue 14.3).

A volunteer's address is not a person asking for support: what they send is about
their calls. After each call Kith asks how it went ("1 done, 2 no answer, 3 concern");
each request is an open prompt (`call_outcome`). With one open, a bare number answers
it; with two, Kith asks which call it is for and never guesses (`call_which`).

CONCERN works at any time, also during a call: it alerts on-call staff at once
(`concern`, against the callee of the call in progress or just made) and is recorded as
that call's outcome. Crisis words from a volunteer are read the same way (Derby 3.7.1.2:
volunteers "need immediate access to professional support to escalate during a call"),
and the volunteer is told staff have it, not sent the routes meant for a person at risk.
UNAVAILABLE stops the day's prompts and raises `volunteer_unavailable` so staff
reassign the calls left. After "no answer", AGAIN plans a one-off call 30 minutes on,
with its own prompt. Opt-out and opt-in words are handled before this, as for anyone.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from bot.core.appointments import Prompt
from bot.core.calls import (
    CANCELLED,
    CONCERN,
    DONE,
    NO_ANSWER,
    ONCE,
    OUTCOME_CHOICES,
    PROMPT_LEAD_MINUTES,
    RETRY_AFTER,
    Call,
    CallRecord,
    Volunteer,
    calls_on,
)
from bot.core.deadlines import LONDON
from bot.core.messages import InboundMessage
from bot.core.ports import Store
from bot.routed import Routed, RoutedAlert
from conversations import call_texts as say
from conversations.answers import fold
from conversations.engine import AlertDraft
from conversations.i18n import Translator, translator
from conversations.keywords import (
    Word,
    always_on_word,
    has_crisis_phrase,
    is_word,
    starts_with_word,
)

OUTCOME = "call_outcome"
WHICH = "call_which"
WHICH_EXPIRY = timedelta(hours=12)


def route_volunteer(
    store: Store,
    message: InboundMessage,
    volunteer: Volunteer,
    prompts: list[Prompt],
    now: datetime,
) -> Routed | None:
    """Where a volunteer's message goes; None: the conversation engine (other always-on words)."""
    language = volunteer.language
    t = translator(language)
    text = message.text
    outcome_prompts = [p for p in prompts if p.kind == OUTCOME]
    crisis = has_crisis_phrase(text)
    if crisis or starts_with_word(text, "concern", language):
        call = _current_call(store, volunteer, outcome_prompts, now)
        return _concern(store, volunteer, call, prompts, now, t, text, crisis)
    word = always_on_word(text, language)
    if word is Word.HELP:
        return _routed(volunteer, say.volunteer_help(t))
    if word is not None:
        return None
    if is_word(text, "unavailable", language):
        return _unavailable(store, volunteer, now, t)
    if is_word(text, "again", language):
        return _again(store, volunteer, now, t)
    folded = fold(text)
    which = next((p for p in prompts if p.kind == WHICH), None)
    if which is not None:
        return _answer_which(store, volunteer, which, prompts, folded, now, t)
    if not outcome_prompts:
        return _routed(volunteer, say.volunteer_help(t))
    answer = int(folded) if folded in ("1", "2", "3") else None
    open_calls = _open_calls(store, outcome_prompts)
    if answer is None or not open_calls:
        call = open_calls[0][1] if open_calls else None
        if call is None:
            return _routed(volunteer, say.volunteer_help(t))
        return _routed(volunteer, say.outcome_reask(t, call.starts_at, _name(store, call)))
    if len(open_calls) == 1:
        _, call = open_calls[0]
        return _apply(store, volunteer, call, prompts, OUTCOME_CHOICES[answer - 1], now, t)
    # Two outcomes open: ask which, oldest call first, and keep the answer given.
    ordered = sorted(open_calls, key=lambda pc: pc[1].starts_at)
    data: dict[str, object] = {"answer": answer, "calls": [c.id for _, c in ordered]}
    store.open_prompt(volunteer.address, WHICH, None, now, now + WHICH_EXPIRY, data)
    listed = [(c.starts_at, _name(store, c)) for _, c in ordered]
    return _routed(volunteer, say.which_call(t, listed))


def _routed(volunteer: Volunteer, *replies: str) -> Routed:
    return Routed(list(replies), service_id=volunteer.service_id, language=volunteer.language)


def _name(store: Store, call: CallRecord) -> str:
    callee = store.get_callee(call.callee_id)
    return callee.first_name if callee is not None else "?"


def _open_calls(store: Store, outcome_prompts: list[Prompt]) -> list[tuple[Prompt, CallRecord]]:
    """The open outcome requests whose call has no outcome yet, newest first."""
    found = []
    for prompt in outcome_prompts:
        call_id = (prompt.data or {}).get("call")
        call = store.get_call(int(call_id)) if isinstance(call_id, int) else None
        if call is not None and call.outcome is None:
            found.append((prompt, call))
    return found


def _close_outcome(store: Store, prompts: list[Prompt], call_id: int) -> None:
    for prompt in prompts:
        if prompt.kind == OUTCOME and (prompt.data or {}).get("call") == call_id:
            store.close_prompt(prompt.id)


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=LONDON)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=LONDON)
    return start, end


def _current_call(
    store: Store, volunteer: Volunteer, outcome_prompts: list[Prompt], now: datetime
) -> CallRecord | None:
    """The call a concern is about: the latest of today's calls that has begun (or is about
    to: its prompt has gone), else the newest call whose outcome is still asked for."""
    start, end = _day_bounds(now.astimezone(LONDON).date())
    soon = now + timedelta(minutes=PROMPT_LEAD_MINUTES)
    begun = [c for c in store.volunteer_calls(volunteer.id, start, end) if c.starts_at <= soon]
    if begun:
        return begun[-1]
    open_calls = _open_calls(store, outcome_prompts)
    return open_calls[0][1] if open_calls else None


def _concern(
    store: Store,
    volunteer: Volunteer,
    call: CallRecord | None,
    prompts: list[Prompt],
    now: datetime,
    t: Translator,
    words: str | None,
    crisis: bool,
) -> Routed:
    """Alert on-call staff at once; record the concern against the callee of the call."""
    callee = store.get_callee(call.callee_id) if call is not None else None
    if call is not None:
        store.set_call_outcome(call.id, CONCERN, now)
        _close_outcome(store, prompts, call.id)
    alert = RoutedAlert(
        AlertDraft("concern", words),
        volunteer.service_id,
        person_id=callee.person_id if callee else None,
        address=callee.address if callee else None,
        first_name=callee.first_name if callee else None,
        note=f"Volunteer {volunteer.first_name} {volunteer.address.removeprefix('sms:')}.",
    )
    routed = _routed(volunteer, say.concern_noted(t, callee.first_name if callee else None, crisis))
    routed.alerts.append(alert)
    return routed


def _apply(
    store: Store,
    volunteer: Volunteer,
    call: CallRecord,
    prompts: list[Prompt],
    outcome: str,
    now: datetime,
    t: Translator,
) -> Routed:
    """Record one call's outcome and say so (a concern alerts staff too)."""
    if outcome == CONCERN:
        return _concern(store, volunteer, call, prompts, now, t, None, False)
    store.set_call_outcome(call.id, outcome, now)
    _close_outcome(store, prompts, call.id)
    name = _name(store, call)
    if outcome == DONE:
        return _routed(volunteer, say.done_noted(t, name))
    assert outcome == NO_ANSWER
    return _routed(volunteer, say.no_answer_noted(t, name))


def _answer_which(
    store: Store,
    volunteer: Volunteer,
    which: Prompt,
    prompts: list[Prompt],
    folded: str,
    now: datetime,
    t: Translator,
) -> Routed:
    data = which.data or {}
    ids = [int(i) for i in data.get("calls") or [] if isinstance(i, int)]  # type: ignore[attr-defined]
    answer = data.get("answer")
    calls = [c for c in (store.get_call(i) for i in ids) if c is not None]
    chosen = int(folded) if folded.isdigit() and 1 <= int(folded) <= len(calls) else None
    if chosen is None or not isinstance(answer, int):
        listed = [(c.starts_at, _name(store, c)) for c in calls]
        return _routed(volunteer, say.which_call(t, listed))
    store.close_prompt(which.id)
    call = calls[chosen - 1]
    if call.outcome is not None:  # answered meanwhile (CONCERN, say): nothing to record
        return _routed(volunteer, say.done_noted(t, _name(store, call)))
    return _apply(store, volunteer, call, prompts, OUTCOME_CHOICES[answer - 1], now, t)


def _unavailable(store: Store, volunteer: Volunteer, now: datetime, t: Translator) -> Routed:
    """No more prompts today; the calls left are staff's to reassign."""
    day = now.astimezone(LONDON).date()
    store.set_volunteer_unavailable(volunteer.id, day)
    slots = store.call_slots(volunteer_id=volunteer.id)
    for slot in slots:
        store.cancel_queued(f"call_prompt:{slot.id}:{day:%Y%m%d}", "volunteer unavailable")
    start, end = _day_bounds(day)
    for call in store.volunteer_calls(volunteer.id, start, end):
        if call.starts_at > now:
            store.set_call_outcome(call.id, CANCELLED, now)
    left: list[Call] = [c for c in calls_on(slots, day) if c.starts_at > now]
    routed = _routed(volunteer, say.unavailable_noted(t, len(left)))
    note = f"Volunteer {volunteer.first_name}: {len(left)} call(s) left today to reassign."
    routed.alerts.append(
        RoutedAlert(AlertDraft("volunteer_unavailable"), volunteer.service_id, note=note)
    )
    return routed


def _again(store: Store, volunteer: Volunteer, now: datetime, t: Translator) -> Routed:
    """After no answer: a one-off call 30 minutes on, prompted like any other."""
    start, end = _day_bounds(now.astimezone(LONDON).date())
    unanswered = [
        c
        for c in store.volunteer_calls(volunteer.id, start, end)
        if c.outcome == NO_ANSWER and c.retried_at is None
    ]
    if not unanswered:
        return _routed(volunteer, say.volunteer_help(t))
    call = unanswered[-1]
    store.mark_call_retried(call.id, now)
    at = (now + RETRY_AFTER).replace(second=0, microsecond=0) + timedelta(minutes=1)
    prompt_at = at - timedelta(minutes=PROMPT_LEAD_MINUTES)
    by = f"volunteer {volunteer.id}"
    store.add_call_slot(call.callee_id, volunteer.id, ONCE, at, None, now, by, prompt_at)
    return _routed(volunteer, say.retry_set(t, at, _name(store, call)))
