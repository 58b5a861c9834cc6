"""The dialog in one place: which handler answers a request, given what was just asked.

For every request, in this order:

1. **The handler**: the route of the request type or intent (`ROUTES`; anything unknown goes
   to the fallback handler), unless a question is pending (`PENDING`): what was asked decides
   how "yes", "no" and "not understood" (AMAZON.FallbackIntent) are taken.
2. **Red flags first** (`safety.safety_first`), before that handler runs, in every state: a
   symptom the request carries is taken and a case that needs care is answered at once; a red
   flag known from earlier is answered before any handler that leads to stretching
   (`ACTIVITY`).
3. **The handler** answers and sets the next pending question, if it asks one.

ask-sdk-core runs this through its own dispatcher: `RouteMapper` looks the (request type,
intent) up instead of polling every handler's ``can_handle``. The persistent profile is saved
once, after the handler, only if it changed (the adapter compares), and never when the
database was unreachable.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import NamedTuple

from ask_sdk_core.dispatch_components import (
    AbstractExceptionHandler,
    AbstractRequestHandler,
)
from ask_sdk_core.skill import CustomSkill, SkillConfiguration
from ask_sdk_runtime.dispatch_components import (
    GenericExceptionMapper,
    GenericHandlerAdapter,
    GenericRequestHandlerChain,
)
from ask_sdk_runtime.dispatch_components.request_components import AbstractRequestMapper

from ..backends.store import ConcurrentUpdate, DeletionFailed, StoreUnavailable
from ..voice.ssml import Speech
from ..voice.texts import texts
from . import facts, progress, questions, reminding, safety, session, stretching
from .query import route_of
from .turn import Reply, RequestContext, Turn

log = logging.getLogger(__name__)

Handler = Callable[[Turn], Reply]
INTENT = "IntentRequest"

ROUTES: dict[tuple[str, str | None], Handler] = {
    ("LaunchRequest", None): session.launch,
    ("SessionEndedRequest", None): session.session_ended,
    ("AlexaSkillEvent.SkillDisabled", None): session.skill_disabled,
    ("Connections.Response", None): reminding.consent,
    (INTENT, "CanIExerciseIntent"): facts.can_i_exercise,
    (INTENT, "ReportOnsetIntent"): facts.take_facts,
    (INTENT, "ReportPainIntent"): facts.take_facts,
    (INTENT, "ReportSymptomIntent"): facts.take_facts,
    (INTENT, "SeeDoctorIntent"): facts.see_doctor,
    (INTENT, "ReliefTipsIntent"): facts.relief_tips,
    **{(INTENT, intent): questions.answer_question for intent in questions.TOPICS},
    (INTENT, "StartStretchIntent"): stretching.start_stretch,
    (INTENT, "ListStretchesIntent"): stretching.list_stretches,
    (INTENT, "AMAZON.NextIntent"): stretching.next_,
    (INTENT, "AMAZON.PreviousIntent"): stretching.previous,
    (INTENT, "AMAZON.RepeatIntent"): stretching.repeat,
    (INTENT, "AMAZON.PauseIntent"): stretching.pause,
    (INTENT, "AMAZON.ResumeIntent"): stretching.resume,
    (INTENT, "AMAZON.StartOverIntent"): stretching.start_over,
    (INTENT, "EmergencyHelpIntent"): safety.emergency_help,
    (INTENT, "ItHurtsIntent"): safety.it_hurts,
    (INTENT, "ForgetMeIntent"): session.forget_me,
    (INTENT, "ProgressIntent"): progress.how_am_i_doing,
    (INTENT, "SetReminderIntent"): reminding.set_reminder,
    (INTENT, "ListRemindersIntent"): reminding.list_reminders,
    (INTENT, "CancelRemindersIntent"): reminding.cancel_reminders,
    (INTENT, "AMAZON.HelpIntent"): session.help_,
    (INTENT, "AMAZON.StopIntent"): session.stop,
    (INTENT, "AMAZON.CancelIntent"): session.stop,
    (INTENT, "AMAZON.NavigateHomeIntent"): session.navigate_home,
    (INTENT, "AMAZON.YesIntent"): stretching.yes_without_question,
    (INTENT, "AMAZON.NoIntent"): session.goodbye,
    (INTENT, "AMAZON.FallbackIntent"): session.fallback,
}

#: Handlers that lead to stretching: a red flag known from earlier is answered before them.
ACTIVITY: frozenset[Handler] = frozenset({
    stretching.start_stretch, stretching.list_stretches, stretching.next_, stretching.previous,
    stretching.repeat, stretching.resume, stretching.start_over, stretching.accept_offer,
    stretching.yes_without_question, stretching.checked_in, reminding.set_reminder,
})


class Answers(NamedTuple):
    """How a pending question takes "yes", "no" and an answer that was not understood."""

    yes: Handler
    no: Handler
    unknown: Handler = session.fallback


#: What was asked -> how the answer is taken. Any other intent goes to its route (a fact, a
#: new request); nothing pending uses the routes for yes and no too.
PENDING: dict[str, Answers] = {
    "onset":         Answers(yes=facts.ask_again, no=facts.ask_again),
    "pain":          Answers(yes=facts.ask_again, no=facts.ask_again),
    "screen":        Answers(yes=safety.screen_positive, no=facts.screen_negative),
    "which_symptom": Answers(yes=safety.unclear_red_flag, no=safety.unclear_red_flag,
                             unknown=safety.which_symptom_missed),
    "clarify":       Answers(yes=facts.clarified_yes, no=facts.clarified_no,
                             unknown=facts.clarified_yes),  # unclear: fail safe
    "hurt_screen":   Answers(yes=safety.screen_positive, no=safety.rest_after_hurt),
    "checkin":       Answers(yes=safety.screen_positive, no=stretching.checked_in),
    "offer_stretch": Answers(yes=stretching.accept_offer, no=session.okay),
    "start_routine": Answers(yes=stretching.accept_offer, no=session.okay),
    "resume":        Answers(yes=stretching.resume, no=stretching.decline_resume),
    "forget":        Answers(yes=session.forget_confirmed, no=session.forget_declined),
    "anything_else": Answers(yes=session.home, no=session.goodbye),
    "reminder_retry": Answers(yes=reminding.retry, no=reminding.no_retry),
    "pick_up":       Answers(yes=stretching.resume, no=session.okay),
}
_ANSWER_OF = {"AMAZON.YesIntent": "yes", "AMAZON.NoIntent": "no", "AMAZON.FallbackIntent": "unknown"}


def answer(t: Turn, route: Handler) -> Reply:
    """The reply to one request: red flags first, then the pending question, then the route."""
    handler = route
    pending = PENDING.get(t.asked or "")
    kind = _ANSWER_OF.get(t.query.intent or "")
    if pending is not None and kind is not None:
        handler = getattr(pending, kind)
    care = safety.safety_first(t, activity=handler in ACTIVITY)
    return care if care is not None else handler(t)


class Route(AbstractRequestHandler):
    """Runs the dialog for a request the mapper chose `func` as the route of."""

    def __init__(self, func: Handler) -> None:
        self.func = func

    def can_handle(self, handler_input) -> bool:
        return True  # the RouteMapper already chose this handler

    def handle(self, handler_input):
        ctx: RequestContext = handler_input.context
        turn = Turn(handler_input, ctx.services)
        reply = answer(turn, self.func)
        if turn.conv.unsaved_place is not None:
            turn.profile  # noqa: B018 - loading it puts the unsaved place back, so this turn saves it
        if not save_profile(turn) and turn.profile.place_changed:
            reply = place_not_saved(turn, reply)
        ctx.outcome = reply.outcome
        return turn.respond(reply)


def save_profile(turn: Turn) -> bool:
    """Save the persistent profile if this turn loaded it; False when it could not be saved (the
    database is down: nothing already saved is overwritten, least of all by an empty profile)."""
    if not turn.profile_loaded:
        return True
    if not turn.profile.available:
        return False
    try:
        turn.handler_input.attributes_manager.save_persistent_attributes()
    except StoreUnavailable:
        log.info("profile not saved: database unavailable")
        return False
    return True


#: Replies that stay about care: a lost "no stretching for now" is not worth a sentence there.
_CARE_OUTCOMES = frozenset({"emergency", "urgent", "fail_closed", "emergency help"})


def place_not_saved(turn: Turn, reply: Reply) -> Reply:
    """The routine's place could not be saved: say so in one sentence, never "I've saved your
    place"; keep the place in the session and save it on the next turn."""
    if reply.outcome in _CARE_OUTCOMES or not (reply.speech or reply.reprompt):
        return reply
    tx = turn.texts
    if reply.outcome in ("stopped", "paused"):
        return Reply(Speech(tx.line("goodbye.not_saved")), None, end=True, outcome=f"{reply.outcome}, not saved")
    if turn.query.in_session and not reply.end:
        turn.conv.unsaved_place = turn.profile.place()
    speech = Speech(tx.line("save.failed")).extend(reply.speech)
    return Reply(speech, reply.reprompt, reply.card, reply.directives, reply.elicit, reply.end,
                 f"{reply.outcome}, not saved")


class RouteMapper(AbstractRequestMapper):
    """(request type, intent name) -> handler chain, by dictionary lookup."""

    def __init__(self, routes: dict[tuple[str, str | None], Handler]) -> None:
        self.chains = {key: GenericRequestHandlerChain(Route(func)) for key, func in routes.items()}
        self.fallback = GenericRequestHandlerChain(Route(session.fallback))
        self.ignore = GenericRequestHandlerChain(Route(lambda turn: Reply(Speech(), None, end=True,
                                                                           outcome="ignored")))

    def get_request_handler_chain(self, handler_input):
        key = route_of(handler_input)
        handler_input.context.route = key[1] or key[0]
        chain = self.chains.get(key)
        if chain is not None:
            return chain
        if key[0] == INTENT or handler_input.request_envelope.session is not None:
            return self.fallback
        return self.ignore


class SorryHandler(AbstractExceptionHandler):
    """Any error in a handler: a short apology and a question, never a traceback to Alexa.

    Optimistic-concurrency conflicts and failed deletions are not handled here: they go back
    to the web layer, which re-runs the request or answers 503.
    """

    def can_handle(self, handler_input, exception) -> bool:
        return not isinstance(exception, (ConcurrentUpdate, DeletionFailed))

    def handle(self, handler_input, exception):
        tb = exception.__traceback__
        while tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
        where = f"{tb.tb_frame.f_code.co_filename.rsplit('/', 1)[-1]}:{tb.tb_lineno}" if tb else "?"
        # The type and place only: exception messages can carry what the user said.
        log.error("handler error %s at %s", type(exception).__name__, where)
        handler_input.context.outcome = "error"
        try:
            locale = handler_input.request_envelope.request.locale
        except AttributeError:
            locale = None
        tx = texts(locale or "en-US")
        speech = Speech(tx.line("error.sorry"))
        if getattr(handler_input.context, "route", "") in ("ReportSymptomIntent", "SeeDoctorIntent"):
            speech.say(tx.line("facts.symptom_safety"))
        speech.say(tx.line("error.question"))
        builder = handler_input.response_builder
        builder.speak(speech.inner_ssml).ask(Speech(tx.line("error.question")).inner_ssml)
        return builder.set_should_end_session(False).response


def build_skill(persistence_adapter, serializer=None) -> CustomSkill:
    """The ask-sdk-core skill over the dialog, with the persistence adapter (and a serializer)."""
    config = SkillConfiguration(
        request_mappers=[RouteMapper(ROUTES)],
        handler_adapters=[GenericHandlerAdapter()],
        exception_mapper=GenericExceptionMapper(exception_handlers=[SorryHandler()]),
        persistence_adapter=persistence_adapter,
    )
    skill = CustomSkill(skill_configuration=config)
    if serializer is not None:
        skill.serializer = serializer
    return skill
