"""The conversation engine: one inbound text in, replies and effects out.

The engine interprets a service definition as a state machine. It does no I/O and
knows nothing of channels: the caller loads the state, calls `step`, and stores the
new state, the replies (in the outbox) and any referral in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.core.deadlines import due_by
from conversations import messages as say
from conversations.answers import (
    Choice,
    InvalidAnswer,
    fold,
    parse_choice,
    parse_date,
    parse_multi,
    parse_number,
    parse_postcode,
    parse_text,
    parse_yes_no,
)
from conversations.areas import Area, LocalAuthority
from conversations.conditions import UNKNOWN, AreaLookup, council_field
from conversations.definition import Question, ServiceDefinition
from conversations.dictionary import ENGINE_FIELDS
from conversations.i18n import Translator, available_languages, language_name, translator
from conversations.keywords import (
    Word,
    always_on_word,
    contains_opt_out,
    has_crisis_phrase,
    is_word,
    words,
)
from conversations.screening import DECLINED, NOT_ACCEPTED, priority_codes, screen
from conversations.state import CONSENT, DONE, QUESTION, ConversationState

INVALID_BEFORE_OFFER = 3


@dataclass(frozen=True)
class Reply:
    """One outbound message; `field`, `kind` and `choices` are set when it awaits an answer."""

    text: str
    field: str | None = None
    kind: str | None = None
    choices: tuple[dict[str, Any], ...] | None = None
    purpose: str = "reply"


@dataclass(frozen=True)
class ReferralDraft:
    """A referral ready to store: screened, prioritised, with its deadlines."""

    service_id: str
    language: str
    referrer: str | None
    answers: dict[str, Any]
    outcome: str
    reasons: tuple[str, ...]
    priority: tuple[str, ...]
    urgent: bool
    consent_at: datetime
    received_at: datetime
    first_contact_due: datetime
    first_meeting_due: datetime | None


@dataclass
class StepResult:
    """What a step produced. `state` None means forget the conversation."""

    state: ConversationState | None
    replies: list[Reply] = field(default_factory=list)
    referral: ReferralDraft | None = None
    crisis: bool = False
    opt_out: bool | None = None
    person_requested: bool = False
    consent_declined: bool = False


class Engine:
    """Runs conversations for one service definition."""

    def __init__(self, service: ServiceDefinition, area: Area | AreaLookup | None) -> None:
        self.service = service
        self.area_info = area if isinstance(area, Area) else None
        self.area: AreaLookup | None = area.match if isinstance(area, Area) else area

    # -- entry point -----------------------------------------------------------------

    def step(
        self,
        state: ConversationState | None,
        text: str,
        now: datetime,
        opted_out: bool = False,
        language: str = "en",
        local_authority: LocalAuthority | None = None,
    ) -> StepResult:
        """Handle one inbound message from a person.

        `local_authority` is what a postcode service said of the postcode in `text`, when
        the caller looked it up (bot/postcodes.py); without it Kith asks the person.
        """
        lang = state.language if state else language
        t = translator(lang)
        word = always_on_word(text, lang)

        if opted_out:
            if word is Word.OPT_IN or is_word(text, "yes", lang):
                result = StepResult(state, [Reply(say.opted_in(t, self.service))], opt_out=False)
                if state is not None and state.phase != DONE:
                    result.replies.extend(self._ask_current(t, state))
                return result
            # Honour STOP: nothing is sent, but staff still hear of a crisis.
            return StepResult(state, crisis=has_crisis_phrase(text))
        if word is Word.OPT_OUT:
            return StepResult(
                state, [Reply(say.opted_out(t, self.service), purpose="opt_out")], opt_out=True
            )
        if word is Word.OPT_IN and state is not None:
            # Not opted out: START just carries on where the person was.
            return StepResult(state, self._ask_current(t, state), opt_out=False)

        if has_crisis_phrase(text):
            replies = [Reply(say.crisis_routes(t, self.service), purpose="crisis")]
            if state is not None and state.phase != DONE:
                replies.append(Reply(say.carry_on(t)))
                replies.extend(self._ask_current(t, state))
            return StepResult(state, replies, crisis=True)

        if state is None:
            if word is Word.HELP:
                return StepResult(None, [Reply(say.help_text(t, self.service))])
            state = ConversationState(service_id=self.service.id, language=lang)
            if word is Word.LANGUAGE:
                return self._language_menu(t, state)
            return StepResult(state, [Reply(say.welcome(t, self.service)), self._consent(t)])

        if state.choosing_language and word is None:
            return self._choose_language(state, text)
        if word is not None:
            return self._word(t, state, word, now)
        if state.phase == DONE:
            return StepResult(
                state, [Reply(say.already_done(t, self.service, state.due_text or ""))]
            )
        if state.phase == CONSENT:
            return self._answer_consent(t, state, text, now)
        hint = [Reply(say.opt_out_hint(t))] if contains_opt_out(text, lang) else []
        result = self._answer_question(t, state, text, now, local_authority)
        result.replies[:0] = hint
        return result

    # -- always-on words inside a conversation ------------------------------------------

    def _word(
        self, t: Translator, state: ConversationState, word: Word, now: datetime
    ) -> StepResult:
        if word is Word.HELP:
            replies = [Reply(say.help_text(t, self.service))]
            if state.phase != DONE:
                replies.extend(self._ask_current(t, state))
            return StepResult(state, replies)
        if word is Word.LANGUAGE:
            return self._language_menu(t, state)
        if word is Word.RESTART:
            fresh = ConversationState(service_id=self.service.id, language=state.language)
            return StepResult(fresh, [Reply(say.welcome(t, self.service)), self._consent(t)])
        if word is Word.PERSON:
            return self._person(t, state, now)
        # BACK
        if state.phase == QUESTION and state.history:
            previous = state.history.pop()
            state.answers.pop(previous, None)
            self._unskip_after(state, previous)
            state.position = previous
            state.invalid = 0
        return StepResult(state, self._ask_current(t, state))

    def _person(self, t: Translator, state: ConversationState, now: datetime) -> StepResult:
        if state.phase == DONE:
            return StepResult(
                state,
                [Reply(say.person_requested(t, self.service, state.due_text or ""))],
                person_requested=True,
            )
        if state.phase == CONSENT or state.consent_at is None:
            # Without consent nothing may be stored, so point to the service's own contact.
            return StepResult(state, [Reply(say.help_text(t, self.service)), self._consent(t)])
        draft = self._draft(state, now, forced_review="asked_for_person")
        return self._finish(
            t,
            state,
            draft,
            say.person_requested(t, self.service, say.due_phrase(t, draft.first_contact_due)),
            person=True,
        )

    # -- language ------------------------------------------------------------------------

    def _language_menu(self, t: Translator, state: ConversationState) -> StepResult:
        state.choosing_language = True
        codes = available_languages()
        choices = tuple(
            {"n": n, "key": code, "label": language_name(code)} for n, code in enumerate(codes, 1)
        )
        return StepResult(
            state,
            [Reply(say.language_menu(t, codes), field="language", kind="choice", choices=choices)],
        )

    def _choose_language(self, state: ConversationState, text: str) -> StepResult:
        codes = available_languages()
        options = [Choice(code, language_name(code)) for code in codes]
        try:
            state.language = parse_choice(text, options, [c.label for c in options])
        except InvalidAnswer:
            return self._language_menu(translator(state.language), state)
        state.choosing_language = False
        t = translator(state.language)
        if state.phase == CONSENT and not state.consent_at:
            return StepResult(state, [Reply(say.welcome(t, self.service)), self._consent(t)])
        return StepResult(state, self._ask_current(t, state))

    # -- consent -------------------------------------------------------------------------

    def _consent(self, t: Translator) -> Reply:
        return Reply(say.consent_prompt(t, self.service), field="consent", kind="yes_no")

    def _answer_consent(
        self, t: Translator, state: ConversationState, text: str, now: datetime
    ) -> StepResult:
        if is_word(text, "yes", state.language):
            state.consent_at = now.isoformat()
            state.phase = QUESTION
            state.position = None
            return self._advance(t, state, now)
        if is_word(text, "no", state.language):
            return StepResult(
                None, [Reply(say.consent_declined(t, self.service))], consent_declined=True
            )
        return self._invalid(
            t,
            state,
            Reply(t.gettext("Sorry, please reply YES or NO."), field="consent", kind="yes_no"),
        )

    # -- questions -----------------------------------------------------------------------

    def _current(self, state: ConversationState) -> Question:
        assert state.position is not None
        return self.service.question(state.position)

    def _ask_current(self, t: Translator, state: ConversationState) -> list[Reply]:
        if state.phase == CONSENT:
            return [self._consent(t)]
        if state.phase == DONE or state.position is None:
            return [Reply(say.already_done(t, self.service, state.due_text or ""))]
        return [self._ask(t, self._current(state), state)]

    def _ask(self, t: Translator, question: Question, state: ConversationState) -> Reply:
        choices = None
        if question.kind in ("choice", "multi"):
            choices = tuple(
                {"n": n, "key": c.key, "label": t.gettext(c.label)}
                for n, c in enumerate(question.choices, 1)
            )
        if question.kind == "yes_no" and question.unsure:
            labels = say.unsure_labels(t)
            choices = tuple(
                {"n": n, "key": key, "label": label}
                for n, (key, label) in enumerate(
                    zip(("yes", "no", UNKNOWN), labels, strict=True), 1
                )
            )
        council = self.area_info.council_name if self.area_info else None
        return Reply(
            say.prompt(t, question, state.answers.get("referrer"), council),
            field=question.field,
            kind=question.kind,
            choices=choices,
        )

    def _parse(self, t: Translator, question: Question, text: str, now: datetime) -> Any:
        lang = t.code
        if question.optional and is_word(text, "skip", lang):
            return None
        if question.kind == "yes_no" and question.unsure:
            not_sure = [*words("unsure", lang), say.unsure_labels(t)[2], "3"]
            if fold(text) in {fold(word) for word in not_sure}:
                return UNKNOWN
        if question.kind == "yes_no":
            return parse_yes_no(text, words("yes", lang), words("no", lang))
        if question.kind == "number":
            return parse_number(text, question.minimum, question.maximum)
        labels = [t.gettext(choice.label) for choice in question.choices]
        if question.kind == "choice":
            return parse_choice(text, question.choices, labels)
        if question.kind == "multi":
            return parse_multi(text, question.choices, labels)
        if question.kind == "postcode":
            return parse_postcode(text)
        if question.kind == "date":
            return parse_date(text, now.date())
        return parse_text(text)

    def _answer_question(
        self,
        t: Translator,
        state: ConversationState,
        text: str,
        now: datetime,
        local_authority: LocalAuthority | None = None,
    ) -> StepResult:
        question = self._current(state)
        try:
            value = self._parse(t, question, text, now)
        except InvalidAnswer as problem:
            return self._invalid(
                t,
                state,
                Reply(
                    say.reask(t, question, str(problem)),
                    field=question.field,
                    kind=question.kind,
                    choices=self._ask(t, question, state).choices,
                ),
            )
        state.invalid = 0
        if value is None:
            state.skipped.append(question.field)
        else:
            state.answers[question.field] = value
        if question.kind == "postcode" and value is not None:
            self._place(state, question.field, str(value), local_authority)
        state.history.append(question.field)
        early = screen(self.service, state.answers, self.area, set(state.skipped), final=False)
        if early.outcome == DECLINED:
            # The person referred has not agreed: keep nothing about them.
            explain = [t.gettext(rule.explain) for rule in early.fired if rule.outcome == DECLINED]
            text = " ".join([*explain, say.consent_declined(t, self.service)])
            return StepResult(None, [Reply(text)], consent_declined=True)
        if early.outcome == NOT_ACCEPTED:
            return self._conclude(t, state, now)
        return self._advance(t, state, now)

    def _place(
        self,
        state: ConversationState,
        field_name: str,
        postcode: str,
        local_authority: LocalAuthority | None,
    ) -> None:
        """Record what a postcode service said of a new postcode answer.

        When it answered for this postcode, the council question is answered from it
        (is the local authority this area's?) and not asked; its name is kept for the
        signpost. Without it, the person is asked.
        """
        council, named = council_field(field_name), f"{field_name}_local_authority"
        state.answers.pop(council, None)
        state.answers.pop(named, None)
        if self.area_info is None or local_authority is None:
            return
        if local_authority.postcode != postcode:
            return
        state.answers[named] = self.area_info.council_named(local_authority)
        state.answers[council] = self.area_info.is_council(local_authority)

    def _council_of(self, answers: dict[str, Any], field_name: str) -> str | None:
        """The council a postcode answer lies in, when the postcode service or area knows."""
        named = answers.get(f"{field_name}_local_authority")
        if isinstance(named, str):
            return named
        postcode = answers.get(field_name)
        if self.area_info is None or not isinstance(postcode, str) or postcode == UNKNOWN:
            return None
        return self.area_info.council_of(postcode)

    def _invalid(self, t: Translator, state: ConversationState, reask: Reply) -> StepResult:
        state.invalid += 1
        replies = [reask]
        if state.invalid % INVALID_BEFORE_OFFER == 0:
            replies.insert(0, Reply(say.offer_person(t, self.service)))
        return StepResult(state, replies)

    def _advance(self, t: Translator, state: ConversationState, now: datetime) -> StepResult:
        """Move to the next question whose ask_if holds, or conclude."""
        fields = [q.field for q in self.service.questions]
        start = fields.index(state.position) + 1 if state.position in fields else 0
        for question in self.service.questions[start:]:
            if question.field in state.answers or question.field in state.skipped:
                continue
            if question.ask_if is None or question.ask_if.evaluate(state.answers, self.area):
                state.position = question.field
                return StepResult(state, [self._ask(t, question, state)])
            state.skipped.append(question.field)
        return self._conclude(t, state, now)

    def _unskip_after(self, state: ConversationState, field_name: str) -> None:
        """BACK: branches skipped after `field_name` may apply again once it is re-answered."""
        fields = [q.field for q in self.service.questions]
        position = fields.index(field_name)
        state.skipped = [f for f in state.skipped if fields.index(f) < position]

    # -- the end -------------------------------------------------------------------------

    def _draft(
        self, state: ConversationState, now: datetime, forced_review: str | None = None
    ) -> ReferralDraft:
        answers = {k: v for k, v in state.answers.items() if k not in ENGINE_FIELDS}
        result = screen(
            self.service, answers, self.area, set(state.skipped), final=forced_review is None
        )
        outcome, reasons = result.outcome, result.reasons
        if forced_review is not None and outcome != NOT_ACCEPTED:
            outcome, reasons = "needs_review", (*reasons, forced_review)
        priority = priority_codes(self.service, answers)
        urgent = answers.get("urgent") is True
        deadlines = self.service.deadlines
        contact = deadlines["first_contact"]
        if urgent and "first_contact_if_urgent" in deadlines:
            contact = deadlines["first_contact_if_urgent"]
        core = self.service.core_hours
        meeting = deadlines.get("first_meeting")
        return ReferralDraft(
            service_id=self.service.id,
            language=state.language,
            referrer=answers.get("referrer"),
            answers=answers,
            outcome=outcome,
            reasons=reasons,
            priority=priority,
            urgent=urgent,
            consent_at=datetime.fromisoformat(state.consent_at or now.isoformat()),
            received_at=now,
            first_contact_due=due_by(now, contact.policy, self.service.nation, core),
            first_meeting_due=(
                due_by(now, meeting.policy, self.service.nation, core)
                if meeting and outcome != NOT_ACCEPTED
                else None
            ),
        )

    def _conclude(self, t: Translator, state: ConversationState, now: datetime) -> StepResult:
        draft = self._draft(state, now)
        due = say.due_phrase(t, draft.first_contact_due)
        if draft.outcome == "accepted":
            text = say.accepted(t, self.service, due)
        elif draft.outcome == "needs_review":
            text = say.needs_review(t, self.service, due)
        else:
            rules = [r for r in self.service.rules if r.reason in draft.reasons]
            explanations = [t.gettext(rule.explain) for rule in rules]
            places: list[str] = []
            for rule in rules:
                council = (
                    self._council_of(draft.answers, rule.signpost_council)
                    if rule.signpost_council
                    else None
                )
                if council and rule.signpost_council:
                    places.append(
                        say.council_line(t, council, str(draft.answers[rule.signpost_council]))
                    )
                for key in rule.signpost:
                    line = say.contact_line(t, self.service.contacts[key])
                    if line not in places:
                        places.append(line)
            text = say.not_accepted(t, self.service, explanations, places, due)
        return self._finish(t, state, draft, text)

    def _finish(
        self,
        t: Translator,
        state: ConversationState,
        draft: ReferralDraft,
        text: str,
        person: bool = False,
    ) -> StepResult:
        state.phase = DONE
        state.position = None
        state.due_text = say.due_phrase(t, draft.first_contact_due)
        return StepResult(
            state, [Reply(text, purpose="acknowledgement")], referral=draft, person_requested=person
        )
