"""The reply router: a reply goes to the prompt it answers, before the conversation engine.

Each address may have open prompts (`awaiting_replies`): reminders, and Kith's own
"which is your reply for?" question; an open referral conversation is a prompt too
(its state). A bare answer to a reminder (1 or YES confirms, 2 or NO means "cannot
come", 3 asks for another time, in English and the person's language) goes to the
reminder when it is the only prompt it could answer; when it could answer two, Kith
asks which, and the interrupted conversation's question is asked again afterwards.

An outcome survey's prompt, when it is the newest, takes the reply (bot/survey_replies.py).

Always-on words keep working everywhere: they go to the engine as before. An opt-out
in reply to a reminder (CANCEL especially: the person may mean the appointment, and
Twilio has blocked them) is recorded, the appointment is kept, and staff get a
`cancellation` alert so they can call. Twilio's `OptOutType` on the webhook is
recorded the same way even when the word is not one Kith knows.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.call_replies import route_volunteer
from bot.core.appointments import BOOKED, CANCELLED_BY_PERSON, Appointment, Prompt
from bot.core.messages import InboundMessage
from bot.core.ports import Store
from bot.core.records import Participant
from bot.core.reminders import key_prefix
from bot.routed import Routed, RoutedAlert
from bot.survey_replies import answer_survey, stop_surveys, survey_prompt
from conversations import appointment_texts as say
from conversations.answers import fold
from conversations.engine import AlertDraft
from conversations.i18n import translator
from conversations.keywords import Word, always_on_word, has_crisis_phrase, is_word
from conversations.registry import Registry
from conversations.state import DONE, ConversationState

WHICH_EXPIRY = timedelta(days=1)
PERSON = "person"  # who made a change that came from the person's own reply
CONFIRM, NOT_COMING, CHANGE = "confirm", "not_coming", "change"


def reminder_answer(text: str, language: str) -> str | None:
    """What a reply to a reminder means, or None when it is not one of its answers."""
    folded = fold(text)
    if folded == "1" or is_word(text, "yes", language):
        return CONFIRM
    if folded == "2" or is_word(text, "no", language):
        return NOT_COMING
    if folded == "3":
        return CHANGE
    return None


def route_reply(
    store: Store,
    message: InboundMessage,
    participant: Participant | None,
    state: ConversationState | None,
    now: datetime,
    registry: Registry | None = None,
) -> Routed | None:
    """Decide where a reply goes; None: the conversation engine, as if no prompt were open."""
    prompts = store.open_prompts(message.address, now)
    volunteer = store.volunteer_at(message.address)
    if not prompts and message.opt_out_type is None and volunteer is None:
        return None
    reminders = _reminders(store, prompts)
    surveyed = survey_prompt(store, prompts, now)  # the newest prompt, when it is a survey's
    language = participant.language if participant else None
    if language is None:
        language = reminders[0][1].language if reminders else None
    if language is None:
        language = surveyed[1].language if surveyed else "en"
    hint = reminders[0][1].service_id if reminders else None
    if hint is None and surveyed is not None:
        hint = surveyed[1].service_id
    text = message.text
    word = always_on_word(text, language)
    opted_out = bool(participant and participant.opted_out)
    if word is Word.OPT_OUT or message.opt_out_type == "STOP":
        routed = Routed(text=text, service_hint=hint, language=language)
        if word is not Word.OPT_OUT:  # a word only Twilio knows: record, say nothing
            routed = Routed(opt_out=True, service_id=hint, language=language)
        if reminders and not opted_out:
            appointment = reminders[0][1]
            kind = "opted_out_by_reply"
            store.add_appointment_history(appointment.id, kind, fold(text), now, PERSON)
            routed.alerts.append(_about(AlertDraft("cancellation"), appointment))
        stop_surveys(store, message.address, now)
        store.close_prompts(message.address)
        return routed
    if message.opt_out_type == "START" and opted_out and word is not Word.OPT_IN:
        return Routed(opt_out=False, service_id=hint, language=language)
    if volunteer is not None and not opted_out:
        # A volunteer writes about their calls (bot/call_replies.py).
        for_calls = route_volunteer(store, message, volunteer, prompts, now)
        if for_calls is not None:
            return for_calls
    if not prompts:
        return None
    if opted_out or word is not None or has_crisis_phrase(text):
        return Routed(text=text, service_hint=hint, language=language)
    conversation_open = state is not None and state.phase != DONE
    if surveyed is not None and registry is not None:
        # The newest prompt is a survey statement (or its invitation): it wins.
        prompt, survey = surveyed
        answered = answer_survey(
            store, registry, message, prompt, survey, language, conversation_open, now
        )
        if answered is not None:
            return answered
    which = next((p for p in prompts if p.kind == "which"), None)
    if which is not None:
        return _answer_which(store, message, which, reminders, conversation_open, now, language)
    answer = reminder_answer(text, language)
    if answer is None and reminders and not conversation_open:
        # Not one of the answers, and nothing else is open: ask again, politely.
        reask = say.reminder_reask(translator(language))
        return Routed([reask], service_id=hint, language=language)
    if answer is None or not reminders:
        return Routed(text=text, service_hint=hint, language=language)
    if len(reminders) == 1 and not conversation_open:
        return _apply(store, reminders[0][1], answer, now, language, resume=False)
    options: list[Appointment | None] = [a for _, a in reminders]
    if conversation_open:
        options.append(None)
    data = {"reply": text, "options": [a.id if a else None for a in options]}
    store.open_prompt(message.address, "which", None, now, now + WHICH_EXPIRY, data)
    starts = [a.starts_at if a else None for a in options]
    return Routed(
        [say.which_prompt(translator(language), starts)], service_id=hint, language=language
    )


def _about(draft: AlertDraft, appointment: Appointment) -> RoutedAlert:
    """An alert about an appointment: its service, referral and person."""
    return RoutedAlert(
        draft, appointment.service_id, appointment.referral_id, appointment.person_id
    )


def _reminders(store: Store, prompts: list[Prompt]) -> list[tuple[Prompt, Appointment]]:
    """Open reminder prompts whose appointment is still booked, newest first."""
    found = []
    for prompt in prompts:
        if prompt.kind != "reminder" or prompt.appointment_id is None:
            continue
        appointment = store.get_appointment(prompt.appointment_id)
        if appointment is not None and appointment.status == BOOKED:
            found.append((prompt, appointment))
    return found


def _answer_which(
    store: Store,
    message: InboundMessage,
    which: Prompt,
    reminders: list[tuple[Prompt, Appointment]],
    conversation_open: bool,
    now: datetime,
    language: str,
) -> Routed:
    data = which.data or {}
    options = list(data.get("options") or [])  # type: ignore[call-overload]
    original = str(data.get("reply", ""))
    folded = fold(message.text)
    chosen = int(folded) if folded.isdigit() and 1 <= int(folded) <= len(options) else None
    booked = {a.id: a for _, a in reminders}
    if chosen is None:
        starts = [booked[o].starts_at if o in booked else None for o in options]
        hint = reminders[0][1].service_id if reminders else None
        return Routed(
            [say.which_prompt(translator(language), starts)], service_id=hint, language=language
        )
    store.close_prompts(message.address, kind="which")
    option = options[chosen - 1]
    if option is None or option not in booked:
        return Routed(text=original, language=language)
    answer = reminder_answer(original, language)
    assert answer is not None
    return _apply(store, booked[option], answer, now, language, resume=conversation_open)


def _apply(
    store: Store,
    appointment: Appointment,
    answer: str,
    now: datetime,
    language: str,
    resume: bool,
) -> Routed:
    """Apply a reminder answer to its appointment: re-checked, recorded, replied to."""
    t = translator(language)
    routed = Routed(service_id=appointment.service_id, resume=resume, language=language)
    store.close_prompts(appointment_id=appointment.id)
    if answer == CONFIRM:
        store.change_appointment(appointment.id, appointment.revision, BOOKED, confirmed_at=now)
        store.add_appointment_history(appointment.id, "confirmed", None, now, PERSON)
        routed.replies.append(say.confirmed(t, appointment.starts_at))
    elif answer == NOT_COMING:
        if store.change_appointment(
            appointment.id,
            appointment.revision,
            BOOKED,
            status=CANCELLED_BY_PERSON,
            next_reminder_at=None,
        ):
            store.cancel_queued(key_prefix(appointment.id), "cancelled by the person")
            store.add_appointment_history(appointment.id, CANCELLED_BY_PERSON, None, now, PERSON)
            routed.alerts.append(_about(AlertDraft("cancellation"), appointment))
        routed.replies.append(say.not_coming(t, appointment.starts_at))
    else:
        store.add_appointment_history(appointment.id, "change_requested", None, now, PERSON)
        routed.alerts.append(_about(AlertDraft("change_requested"), appointment))
        routed.replies.append(say.change_asked(t))
    return routed
