"""Replies to an outcome survey: YES/NO to the invitation, then one statement at a time.

The survey's open prompt (`survey`, opened by scheduler/surveys.py) is the address's
awaiting-reply record while it is the newest one: a reply answers it. A statement is
answered by the number, the key or the label of an answer on the survey's scale
("1", "agree"); SKIP leaves it (`skipped`); anything else gets a short re-ask, and
after MAX_TRIES odd answers the statement is left (`unanswered`) and the next one is
asked, so nobody is stuck in a loop. The last answer brings a thank-you, and an
interrupted referral conversation asks its question again. Always-on words (STOP,
HELP, crisis words) are handled before this, by bot/replies.py and the engine.
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot.core.appointments import Prompt
from bot.core.messages import InboundMessage
from bot.core.ports import Store
from bot.core.surveys import (
    ASKING,
    DECLINED,
    DONE,
    INVITED,
    MAX_TRIES,
    NO_REPLY,
    OPEN,
    SKIPPED,
    STOPPED,
    UNANSWERED,
    SurveyRecord,
)
from bot.routed import Routed
from conversations import survey_texts as say
from conversations.answers import InvalidAnswer, parse_choice
from conversations.engine import Reply
from conversations.i18n import Translator
from conversations.keywords import is_word
from conversations.registry import Registry
from conversations.survey_definition import Survey

log = logging.getLogger(__name__)

PROMPT = "survey"


def survey_prompt(
    store: Store, prompts: list[Prompt], now: datetime
) -> tuple[Prompt, SurveyRecord] | None:
    """The newest prompt when it is a survey still asking, with its survey; else None.

    A survey's prompt is opened with its invitation, which may wait for quiet hours to
    end; before the invitation may go (`from`) it takes no reply.
    """
    if not prompts or prompts[0].kind != PROMPT:
        return None
    starts = (prompts[0].data or {}).get("from")
    if isinstance(starts, str) and datetime.fromisoformat(starts) > now:
        return None
    survey_id = (prompts[0].data or {}).get("survey")
    survey = store.get_survey(survey_id) if isinstance(survey_id, int) else None
    if survey is None or survey.status not in ASKING:
        store.close_prompt(prompts[0].id)  # answered or stopped meanwhile
        return None
    return prompts[0], survey


def stop_surveys(store: Store, address: str, now: datetime) -> int:
    """An opt-out: the address's surveys still asking stop where they are."""
    stopped = 0
    for survey in store.asking_surveys(address):
        if store.move_survey(survey, STOPPED, survey.position, survey.tries, now):
            log.info("survey ended", extra={"survey_id": survey.id, "status": STOPPED})
            stopped += 1
    return stopped


def _definition(registry: Registry, survey: SurveyRecord) -> Survey | None:
    service = registry.services.get(survey.service_id)
    if service is None:
        return None
    return next((s for s in service.surveys if s.id == survey.survey), None)


def answer_survey(
    store: Store,
    registry: Registry,
    message: InboundMessage,
    prompt: Prompt,
    survey: SurveyRecord,
    language: str,
    conversation_open: bool,
    now: datetime,
) -> Routed | None:
    """Apply a reply to the survey it answers; None when the survey's definition is gone."""
    definition = _definition(registry, survey)
    if definition is None:
        store.close_prompt(prompt.id)
        return None
    t = registry.translator(survey.service_id, language)
    routed = Routed(service_id=survey.service_id, language=language)
    text = message.text
    if survey.status == INVITED:
        if is_word(text, "yes", language):
            store.move_survey(survey, OPEN, 0, 0)
            routed.replies.append(_statement(t, definition, survey, 0))
        elif is_word(text, "no", language) or survey.tries + 1 >= MAX_TRIES:
            status = DECLINED if is_word(text, "no", language) else NO_REPLY
            store.move_survey(survey, status, 0, survey.tries, now)
            store.close_prompt(prompt.id)
            log.info("survey ended", extra={"survey_id": survey.id, "status": status})
            routed.replies.append(say.declined(t))
            routed.resume = conversation_open
        else:
            store.move_survey(survey, INVITED, 0, survey.tries + 1)
            routed.replies.append(say.invitation_reask(t))
        return routed
    assert survey.status == OPEN
    key = survey.statements[survey.position]
    answer = _answer(t, definition, text, language)
    if answer is None and survey.tries + 1 < MAX_TRIES:
        store.move_survey(survey, OPEN, survey.position, survey.tries + 1)
        routed.replies.append(say.reask(t, len(definition.scale)))
        return routed
    store.add_survey_answer(survey.id, key, answer or UNANSWERED, now)
    following = survey.position + 1
    if following >= len(survey.statements):
        store.move_survey(survey, DONE, following, 0, now)
        store.close_prompt(prompt.id)
        log.info("survey ended", extra={"survey_id": survey.id, "status": DONE})
        routed.replies.append(say.thanks(t))
        routed.resume = conversation_open
        return routed
    store.move_survey(survey, OPEN, following, 0)
    routed.replies.append(_statement(t, definition, survey, following))
    return routed


def _answer(t: Translator, definition: Survey, text: str, language: str) -> str | None:
    """The scale key a reply names, SKIPPED, or None when it names none."""
    if is_word(text, "skip", language):
        return SKIPPED
    labels = [t.gettext(choice.label) for choice in definition.scale]
    try:
        return parse_choice(text, definition.scale, labels)
    except InvalidAnswer:  # AmbiguousAnswer too: "agree or disagree" is asked again
        return None


def _statement(t: Translator, definition: Survey, survey: SurveyRecord, position: int) -> Reply:
    """The statement at `position`, with the scale as choices (buttons on Telegram)."""
    key = survey.statements[position]
    found = definition.statement(key)
    wording = t.gettext(found.text) if found is not None else key
    intro = t.gettext(definition.intro) if definition.intro and position == 0 else None
    labels = [t.gettext(choice.label) for choice in definition.scale]
    text = say.statement(t, position + 1, len(survey.statements), wording, labels, intro)
    choices = tuple(
        {"n": n, "key": choice.key, "label": label}
        for n, (choice, label) in enumerate(zip(definition.scale, labels, strict=True), 1)
    )
    return Reply(text, field=f"survey:{key}", kind="choice", choices=choices)
