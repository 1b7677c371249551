"""The conversation engine: one inbound text in, replies and effects out.

The engine interprets a service definition as a state machine. It does no I/O and
knows nothing of channels: the caller loads the state, calls `step`, and stores the
new state, the replies (in the outbox) and any referral in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, time
from typing import Any

from bot.core.deadlines import CoreHours, due_by, in_core_hours
from bot.core.records import ReferralDraft
from conversations import messages as say
from conversations.answers import (
    AmbiguousAnswer,
    Choice,
    InvalidAnswer,
    fold,
    parse_choice,
    parse_date,
    parse_multi,
    parse_number,
    parse_phone,
    parse_postcode,
    parse_text,
    parse_yes_no,
    strip_invisible,
)
from conversations.areas import Area, LocalAuthority
from conversations.conditions import UNKNOWN, AreaLookup, council_field
from conversations.definition import SHIPPED_SERVICES_DIR, Question, Rule, ServiceDefinition
from conversations.dictionary import ENGINE_FIELDS
from conversations.i18n import (
    DEFAULT_LANGUAGE,
    Translator,
    isolate_numbers,
    language_name,
    load_catalog,
    translator,
)
from conversations.keywords import (
    Word,
    always_on_word,
    choice_words,
    contains_opt_out,
    crisis_reply_languages,
    has_crisis_phrase,
    is_word,
    opts_back_in,
    words,
)
from conversations.languages import LATIN, from_hint, menu_order, script_of
from conversations.languages import language as language_info
from conversations.screening import DECLINED, NOT_ACCEPTED, priority_codes, screen
from conversations.state import (
    CONSENT,
    DONE,
    FINISHED,
    MONITORING,
    QUESTION,
    ConversationState,
)

INVALID_BEFORE_OFFER = 3  # PERSON is offered once, after this many answers that did not fit
INVALID_BEFORE_LEAVING = 5  # then the question is left unanswered (unknown) and we move on
# When a service names no core hours, an urgent referral counts as out of hours outside these.
OFFICE_HOURS = CoreHours.weekdays(time(9, 0), time(17, 0))


@dataclass(frozen=True)
class Reply:
    """One outbound message; `field`, `kind` and `choices` are set when it awaits an answer."""

    text: str
    field: str | None = None
    kind: str | None = None
    choices: tuple[dict[str, Any], ...] | None = None
    purpose: str = "reply"
    language: str | None = None  # when not the conversation's (crisis routes in another)


@dataclass(frozen=True)
class AlertDraft:
    """A staff alert to raise: its kind (INTERFACES), the words that raised it, how to reach.

    `text_only` is set when the person asked to be contacted by text only.
    """

    kind: str
    words: str | None = None
    text_only: bool = False


@dataclass
class StepResult:
    """What a step produced. `state` None means forget the conversation.

    `crisis` and `person_requested` say that an alert of that kind is among `alerts`.
    """

    state: ConversationState | None
    replies: list[Reply] = field(default_factory=list)
    referral: ReferralDraft | None = None
    crisis: bool = False
    opt_out: bool | None = None
    person_requested: bool = False
    consent_declined: bool = False
    alerts: list[AlertDraft] = field(default_factory=list)
    # Monitoring answers to add to the stored referral (state.referral_id).
    monitoring: dict[str, Any] = field(default_factory=dict)


class Engine:
    """Runs conversations for one service definition."""

    def __init__(self, service: ServiceDefinition, area: Area | AreaLookup | None) -> None:
        self.service = service
        self.area_info = area if isinstance(area, Area) else None
        self.area: AreaLookup | None = area.match if isinstance(area, Area) else area
        self._translators: dict[str, Translator] = {}

    def translator(self, code: str) -> Translator:
        """This service's translator for `code`: its own wording and catalog first.

        A definition's `translations:` override single texts; a definition outside the
        shipped folder may keep catalogs in `locales/<code>/LC_MESSAGES/kith.po` beside it.
        """
        cached = self._translators.get(code)
        if cached is not None:
            return cached
        overrides = (self.service.translations or {}).get(code)
        folder = self.service.path.parent / "locales" if self.service.path else None
        own = (
            load_catalog(folder, code)
            if folder is not None and folder.is_dir() and folder.parent != SHIPPED_SERVICES_DIR
            else None
        )
        made = translator(code) if overrides is None and own is None else None
        if made is None:
            made = Translator(code, overrides, own)
        self._translators[code] = made
        return made

    def _language(self, state: ConversationState | None, hint: str) -> str:
        """The conversation's language: the stored one, else the hint if offered, else English."""
        if state is not None:
            return state.language
        code = from_hint(hint)
        return code if code in self.service.offered_languages() else DEFAULT_LANGUAGE

    # -- entry point -----------------------------------------------------------------

    def step(
        self,
        state: ConversationState | None,
        text: str,
        now: datetime,
        opted_out: bool = False,
        language: str = "en",
        sms: bool = False,
        pictures: bool = False,
        local_authority: LocalAuthority | None = None,
    ) -> StepResult:
        """Handle one inbound message from a person.

        `sms` applies the carriers' opt-in words; `pictures` says the message carried
        pictures (their content is never read). `local_authority` is what a postcode
        service said of the postcode in `text`, when the caller looked it up
        (bot/postcodes.py); without it Kith asks the person.
        """
        text = strip_invisible(text)
        lang = self._language(state, language)
        t = self.translator(lang)
        word = always_on_word(text, lang)
        result = self._step_words(
            t, state, text, now, word, lang, opted_out, sms, pictures, local_authority
        )
        said_in = result.state.language if result.state else lang
        for index, reply in enumerate(result.replies):
            if language_info(reply.language or said_in).script == "Arabic":
                result.replies[index] = replace(reply, text=isolate_numbers(reply.text))
        return result

    def _step_words(
        self,
        t: Translator,
        state: ConversationState | None,
        text: str,
        now: datetime,
        word: Word | None,
        lang: str,
        opted_out: bool,
        sms: bool,
        pictures: bool,
        local_authority: LocalAuthority | None,
    ) -> StepResult:
        """Opt-out, opt-in and crisis words first; then the conversation itself."""

        if opted_out:
            if opts_back_in(text, lang, sms):
                result = StepResult(state, [Reply(say.opted_in(t, self.service))], opt_out=False)
                if state is not None and state.phase != DONE:
                    result.replies.extend(self._ask_current(t, state))
                return result
            # Honour STOP: nothing is sent, but staff still hear of a crisis or a request.
            if has_crisis_phrase(text):
                return StepResult(state, crisis=True, alerts=[AlertDraft("crisis", text)])
            if word is Word.DELETE:
                return StepResult(state, alerts=[AlertDraft("data_request")])
            return StepResult(state)
        if word is Word.OPT_OUT:
            return StepResult(
                state, [Reply(say.opted_out(t, self.service), purpose="opt_out")], opt_out=True
            )
        if word is Word.OPT_IN and state is not None:
            # Not opted out: START just carries on where the person was.
            return StepResult(state, self._ask_current(t, state), opt_out=False)
        if has_crisis_phrase(text):
            return self._crisis(t, state, text, lang)

        result = self._step(t, state, text, now, word, lang, pictures, local_authority)
        if word is None and contains_opt_out(text, lang):
            result.replies.insert(0, Reply(say.opt_out_hint(t)))
        return result

    def resume(self, state: ConversationState) -> list[Reply]:
        """The current question asked again (after a reply that answered something else)."""
        return self._ask_current(translator(state.language), state)

    def _step(
        self,
        t: Translator,
        state: ConversationState | None,
        text: str,
        now: datetime,
        word: Word | None,
        lang: str,
        pictures: bool,
        local_authority: LocalAuthority | None = None,
    ) -> StepResult:
        if state is None:
            if word is Word.HELP:
                return StepResult(None, [Reply(say.help_text(t, self.service))])
            if word is Word.DELETE:
                return self._delete(t, None)
            state = ConversationState(service_id=self.service.id, language=lang)
            if word is Word.LANGUAGE:
                return self._language_menu(t, state)
            script = script_of(text)
            if script not in (None, LATIN) and language_info(lang).script != script:
                # Written in a script the chosen language does not use: ask, its languages first.
                state.menu_script = script
                return self._language_menu(t, state)
            start = [Reply(say.welcome(t, self.service)), self._consent(t)]
            if pictures and not text.strip():
                start.insert(0, Reply(say.no_pictures(t)))
            return StepResult(state, start)

        if pictures and not text.strip():
            # A picture is not a wrong answer: say so, and ask again without counting it.
            if state.choosing_language:
                return self._language_menu(t, state, [Reply(say.no_pictures(t))])
            return StepResult(state, [Reply(say.no_pictures(t)), *self._ask_current(t, state)])
        if state.choosing_language and word is None:
            return self._choose_language(state, text)
        if word is not None:
            return self._word(t, state, word, now, text)
        if state.paused:
            if is_word(text, "continue", state.language):
                state.paused = False
                if state.phase == CONSENT:
                    return StepResult(
                        state, [Reply(say.welcome(t, self.service)), self._consent(t)]
                    )
                return StepResult(state, self._ask_current(t, state))
            return StepResult(state, [Reply(say.crisis_pause(t, self.service))])
        if state.phase == DONE:
            return StepResult(
                state, [Reply(say.already_done(t, self.service, self._due(t, state)))]
            )
        if state.phase == CONSENT:
            return self._answer_consent(t, state, text, now)
        if state.phase == MONITORING:
            return self._answer_monitoring(t, state, text, now)
        return self._answer_question(t, state, text, now, local_authority)

    # -- crisis --------------------------------------------------------------------------

    def _crisis(
        self, t: Translator, state: ConversationState | None, text: str, lang: str
    ) -> StepResult:
        """Routes first; then the questions wait until the person replies CONTINUE."""
        replies = [
            Reply(
                say.crisis_routes(self.translator(code), self.service),
                purpose="crisis",
                language=code,
            )
            for code in crisis_reply_languages(lang, text)
        ]
        if state is None:
            # Only the position is kept (as before consent): that the questions wait.
            state = ConversationState(service_id=self.service.id, language=lang)
        if state.phase in FINISHED:
            state.phase, state.position = DONE, None  # no monitoring questions after this
            replies.append(Reply(say.crisis_person(t, self.service)))
        else:
            state.paused = True
            replies.append(Reply(say.crisis_pause(t, self.service)))
        return StepResult(state, replies, crisis=True, alerts=[AlertDraft("crisis", text)])

    # -- always-on words inside a conversation ------------------------------------------

    def _word(
        self, t: Translator, state: ConversationState, word: Word, now: datetime, text: str
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
            return self._person(t, state, now, text)
        if word is Word.DELETE:
            return self._delete(t, state)
        # BACK
        if state.phase in FINISHED:
            # An open monitoring question stays open: the person may still answer it.
            return StepResult(state, [Reply(say.back_after_end(t, self.service))])
        if state.phase == QUESTION and state.history and not state.paused:
            previous = state.history.pop()
            state.answers.pop(previous, None)
            self._unskip_after(state, previous)
            state.position = previous
            self._new_question(state)
        return StepResult(state, self._ask_current(t, state))

    def _person(
        self, t: Translator, state: ConversationState, now: datetime, text: str
    ) -> StepResult:
        """PERSON: ask staff to get in touch, by the means the person chose; say so truly.

        It never changes a referral's status and never repeats its deadline.
        """
        needs = state.answers.get("communication_needs") or []
        text_only = isinstance(needs, list) and "text_only" in needs
        alert = AlertDraft("person_requested", text, text_only)
        reply = Reply(say.person_requested(t, self.service, text_only))
        if state.phase in FINISHED:
            state.phase, state.position = DONE, None
            return StepResult(state, [reply], person_requested=True, alerts=[alert])
        if state.phase == CONSENT or state.consent_at is None:
            if state.paused:
                # After crisis words a person is asked for at once (vital interests).
                return StepResult(state, [reply], person_requested=True, alerts=[alert])
            # Without consent nothing may be stored, so point to the service's own contact.
            return StepResult(state, [Reply(say.help_text(t, self.service)), self._consent(t)])
        state.paused = False
        draft = self._draft(state, now, forced_review="asked_for_person")
        result = self._finish(t, state, draft, reply.text)
        result.person_requested = True
        result.alerts.append(alert)
        return result

    def _delete(self, t: Translator, state: ConversationState | None) -> StepResult:
        """DELETE: staff are asked to delete what is held (a `data_request` alert).

        Like every message from a person, it never changes a referral's status; the
        conversation stays where it was.
        """
        return StepResult(
            state, [Reply(say.data_request(t, self.service))], alerts=[AlertDraft("data_request")]
        )

    # -- language ------------------------------------------------------------------------

    def _language_menu(
        self, t: Translator, state: ConversationState, before: list[Reply] | None = None
    ) -> StepResult:
        state.choosing_language = True
        codes = menu_order(self.service.offered_languages(), state.menu_script)
        if state.menu_script not in (None, LATIN):
            t = self.translator(codes[0])  # asked in the first language of the person's script
        choices = tuple(
            {"n": n, "key": code, "label": language_name(code)} for n, code in enumerate(codes, 1)
        )
        menu = Reply(
            say.language_menu(t, codes, self.translator),
            field="language",
            kind="choice",
            choices=choices,
            language=t.code,
        )
        return StepResult(state, [*(before or []), menu])

    def _choose_language(self, state: ConversationState, text: str) -> StepResult:
        codes = menu_order(self.service.offered_languages(), state.menu_script)
        options = [
            Choice(code, language_name(code), (language_info(code).english_name,)) for code in codes
        ]
        try:
            state.language = parse_choice(text, options, [c.label for c in options])
        except InvalidAnswer:
            return self._language_menu(self.translator(state.language), state)
        state.choosing_language = False
        state.menu_script = None
        t = self.translator(state.language)
        if state.phase == CONSENT and not state.consent_at:
            return StepResult(state, [Reply(say.welcome(t, self.service)), self._consent(t)])
        return StepResult(state, self._ask_current(t, state))

    # -- consent -------------------------------------------------------------------------

    def _consent(self, t: Translator) -> Reply:
        return Reply(say.consent_prompt(t, self.service), field="consent", kind="yes_no")

    def _answer_consent(
        self, t: Translator, state: ConversationState, text: str, now: datetime
    ) -> StepResult:
        try:
            agreed = parse_yes_no(text, words("yes", state.language), words("no", state.language))
        except InvalidAnswer:
            return self._invalid(
                t,
                state,
                Reply(t.gettext("Sorry, please reply YES or NO."), field="consent", kind="yes_no"),
                now,
            )
        if agreed:
            state.consent_at = now.isoformat()
            state.phase = QUESTION
            state.position = None
            self._new_question(state)
            return self._advance(t, state, now)
        return StepResult(
            None, [Reply(say.consent_declined(t, self.service))], consent_declined=True
        )

    # -- questions -----------------------------------------------------------------------

    def _current(self, state: ConversationState) -> Question:
        assert state.position is not None
        return self.service.question(state.position)

    def _ask_current(self, t: Translator, state: ConversationState) -> list[Reply]:
        if state.paused:
            if state.phase == DONE:
                return [Reply(say.crisis_person(t, self.service))]
            return [Reply(say.crisis_pause(t, self.service))]
        if state.phase == CONSENT:
            return [self._consent(t)]
        if state.phase == DONE or state.position is None:
            return [Reply(say.already_done(t, self.service, self._due(t, state)))]
        if state.phase == MONITORING:
            return [self._ask(t, self._current(state), state)]
        question = self._current(state)
        pending = state.confirming
        if pending is not None and pending.get("field") == question.field:
            text = say.confirm_number(t, question, pending["value"])
            return [Reply(text, field=question.field, kind=question.kind)]
        return [self._ask(t, question, state)]

    def _ask(
        self, t: Translator, question: Question, state: ConversationState, ending: bool = True
    ) -> Reply:
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
            say.prompt(t, question, state.answers.get("referrer"), council, ending),
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
        options = [
            Choice(c.key, c.label, (*c.also, *choice_words(c.key, lang))) for c in question.choices
        ]
        if question.kind == "choice":
            return parse_choice(text, options, labels)
        if question.kind == "multi":
            return parse_multi(text, options, labels)
        if question.kind == "postcode":
            return parse_postcode(text)
        if question.kind == "phone":
            return parse_phone(text)
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
        pending, state.confirming = state.confirming, None
        if pending is not None and pending.get("field") == question.field:
            try:
                sure = parse_yes_no(text, words("yes", t.code), words("no", t.code))
            except InvalidAnswer:
                sure = None  # perhaps the number again: read it as an answer
            if sure is True:
                return self._accept(t, state, question, pending["value"], now)
            if sure is False:
                return StepResult(state, [self._ask(t, question, state)])
        try:
            value = self._parse(t, question, text, now)
        except AmbiguousAnswer as several:
            return self._invalid(
                t,
                state,
                Reply(
                    say.ambiguous(t, question, several.keys),
                    field=question.field,
                    kind=question.kind,
                    choices=tuple(
                        c
                        for c in self._ask(t, question, state).choices or ()
                        if c["key"] in several.keys
                    ),
                ),
                now,
            )
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
                now,
            )
        confirmed = pending is not None and pending.get("value") == value
        if question.kind == "number" and value is not None and not confirmed:
            if self._would_refuse(state, question.field, value):
                state.confirming = {"field": question.field, "value": value}
                return StepResult(
                    state,
                    [
                        Reply(
                            say.confirm_number(t, question, value),
                            field=question.field,
                            kind=question.kind,
                        )
                    ],
                )
        return self._accept(t, state, question, value, now, local_authority)

    def _would_refuse(self, state: ConversationState, field_name: str, value: Any) -> bool:
        """True when this one answer would make screening refuse (so it is confirmed first)."""
        trial = {**state.answers, field_name: value}
        early = screen(self.service, trial, self.area, set(state.skipped), final=False)
        return early.outcome == NOT_ACCEPTED and any(
            field_name in rule.when.fields for rule in early.fired if rule.outcome == NOT_ACCEPTED
        )

    def _accept(
        self,
        t: Translator,
        state: ConversationState,
        question: Question,
        value: Any,
        now: datetime,
        local_authority: LocalAuthority | None = None,
    ) -> StepResult:
        """Store an answer (None for SKIP), then screen early and go on."""
        self._new_question(state)
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

    @staticmethod
    def _new_question(state: ConversationState) -> None:
        state.invalid = 0
        state.person_offered = False
        state.confirming = None

    def _invalid(
        self, t: Translator, state: ConversationState, reask: Reply, now: datetime
    ) -> StepResult:
        """Re-ask; offer PERSON once after three misses; after five, leave the question."""
        state.invalid += 1
        if state.phase == MONITORING and state.invalid >= INVALID_BEFORE_LEAVING:
            self._new_question(state)
            result = self._next_monitoring(t, state)
            result.replies.insert(0, Reply(say.left_unanswered(t)))
            return result
        if state.phase == QUESTION and state.invalid >= INVALID_BEFORE_LEAVING:
            question = self._current(state)
            self._new_question(state)
            # Unanswered: the value `unknown`, which no rule refuses on (review instead).
            state.answers[question.field] = UNKNOWN
            state.history.append(question.field)
            result = self._advance(t, state, now)
            result.replies.insert(0, Reply(say.left_unanswered(t)))
            return result
        replies = [reask]
        if state.invalid >= INVALID_BEFORE_OFFER and not state.person_offered:
            state.person_offered = True
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
        for flag in self.service.flags:
            answers[flag.field] = flag.when.evaluate({**answers, "outcome": outcome}, self.area)
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
        due = say.promise(t, draft.first_contact_due, self.service, now)
        if draft.outcome == "accepted":
            text = say.accepted(t, self.service, due)
        elif draft.outcome == "needs_review":
            text = say.needs_review(t, self.service, due)
        else:
            # One reason in plain words and one place to go: the first refusing rule's.
            rule = next(r for r in self.service.rules if r.reason in draft.reasons)
            text = say.not_accepted(
                t, self.service, t.gettext(rule.explain), self._signpost(t, rule, draft), due
            )
        result = self._finish(t, state, draft, text)
        core = self.service.core_hours or OFFICE_HOURS
        if draft.urgent and not in_core_hours(now, core, self.service.nation):
            result.replies[0] = Reply(
                f"{text}\n{say.out_of_hours(t, self.service)}", purpose="acknowledgement"
            )
            result.alerts.append(AlertDraft("urgent"))
        if draft.outcome != NOT_ACCEPTED:
            self._start_monitoring(t, state, result)
        return result

    # -- monitoring, after the referral is stored ------------------------------------------

    def _monitoring_due(self, state: ConversationState) -> list[Question]:
        """The monitoring questions still to ask, in order (their ask_if holding now)."""
        fields = [q.field for q in self.service.monitoring]
        start = fields.index(state.position) + 1 if state.position in fields else 0
        return [
            q
            for q in self.service.monitoring[start:]
            if q.ask_if is None or q.ask_if.evaluate(state.answers, self.area)
        ]

    def _start_monitoring(
        self, t: Translator, state: ConversationState, result: StepResult
    ) -> None:
        """After the acknowledgement: how many optional questions, and the first of them.

        Not after a refusal: someone just told "no" is not asked for more.
        """
        due = self._monitoring_due(state)
        if not due:
            return
        state.phase, state.position = MONITORING, due[0].field
        first = self._ask(t, due[0], state, ending=False)
        intro = say.monitoring_intro(t, len(due))
        result.replies.append(
            Reply(f"{intro}\n{first.text}", first.field, first.kind, first.choices)
        )

    def _next_monitoring(self, t: Translator, state: ConversationState) -> StepResult:
        due = self._monitoring_due(state)
        if not due:
            state.phase, state.position = DONE, None
            return StepResult(state, [Reply(say.monitoring_thanks(t))])
        state.position = due[0].field
        return StepResult(state, [self._ask(t, due[0], state)])

    def _answer_monitoring(
        self, t: Translator, state: ConversationState, text: str, now: datetime
    ) -> StepResult:
        """One monitoring answer, added to the stored referral; SKIP ends them all."""
        question = self._current(state)
        try:
            value = self._parse(t, question, text, now)
        except InvalidAnswer as problem:
            problem_code = "choice" if isinstance(problem, AmbiguousAnswer) else str(problem)
            reask = Reply(
                say.reask(t, question, problem_code),
                field=question.field,
                kind=question.kind,
                choices=self._ask(t, question, state).choices,
            )
            return self._invalid(t, state, reask, now)
        self._new_question(state)
        if value is None:  # SKIP: no more monitoring questions
            state.phase, state.position = DONE, None
            return StepResult(state, [Reply(say.monitoring_stopped(t))])
        state.answers[question.field] = value
        result = self._next_monitoring(t, state)
        result.monitoring[question.field] = value
        return result

    def _signpost(self, t: Translator, rule: Rule, draft: ReferralDraft) -> str | None:
        """Where a refused person can go: the council their postcode is in, when known,
        else the rule's first contact."""
        if rule.signpost_council:
            council = self._council_of(draft.answers, rule.signpost_council)
            if council:
                return say.council_line(t, council, str(draft.answers[rule.signpost_council]))
        if rule.signpost:
            return say.contact_line(t, self.service.contacts[rule.signpost[0]])
        return None

    def _due(self, t: Translator, state: ConversationState) -> str:
        """The promise made at the end, said again (naming the day: it may be later now)."""
        if state.due_at is None:
            return state.due_text or ""
        return say.promise(t, datetime.fromisoformat(state.due_at), self.service)

    def _finish(
        self,
        t: Translator,
        state: ConversationState,
        draft: ReferralDraft,
        text: str,
    ) -> StepResult:
        state.phase = DONE
        state.position = None
        state.due_at = draft.first_contact_due.isoformat()
        return StepResult(state, [Reply(text, purpose="acknowledgement")], referral=draft)
