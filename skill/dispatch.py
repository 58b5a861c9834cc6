"""Build the ask-sdk-core skill: one route lookup per request, one catch-all error handler.

ask-sdk's dispatcher asks a request mapper for the handler chain of a request. Instead of
polling every handler's ``can_handle`` in turn, `RouteMapper` looks the (request type, intent)
up in `handlers.ROUTES`: unknown intents go to the fallback handler, unknown request types
get an empty response. The persistent profile is saved once, after the handler, only if it
changed (the adapter compares), and never when the database was unreachable.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from ask_sdk_core.dispatch_components import AbstractExceptionHandler, AbstractRequestHandler
from ask_sdk_core.skill import CustomSkill, SkillConfiguration
from ask_sdk_runtime.dispatch_components import (
    GenericExceptionMapper, GenericHandlerAdapter, GenericRequestHandlerChain,
)
from ask_sdk_runtime.dispatch_components.request_components import AbstractRequestMapper

from . import handlers
from .handlers import DeletionFailed
from .locale import texts
from .query import route_of
from .serializer import FastSerializer
from .services import Services
from .speech import Speech
from .store import ConcurrentUpdate, StoreUnavailable
from .turn import Reply, Turn

log = logging.getLogger(__name__)


@dataclass
class RequestContext:
    """Passed to ``skill.invoke`` as its context: the app's services in, the outcome out."""

    services: Services
    outcome: str = "unhandled"
    retries: int = 0
    route: str = ""


class Route(AbstractRequestHandler):
    """Runs one handler function for a request the mapper chose it for."""

    def __init__(self, func) -> None:
        self.func = func

    def can_handle(self, handler_input) -> bool:
        return True  # the RouteMapper already chose this handler

    def handle(self, handler_input):
        ctx: RequestContext = handler_input.context
        turn = Turn(handler_input, ctx.services)
        reply = self.func(turn)
        ctx.outcome = reply.outcome
        response = turn.respond(reply)
        save_profile(turn)
        return response


def save_profile(turn: Turn) -> None:
    """Save the persistent profile if this turn loaded it; a down database keeps what was saved."""
    if not turn.profile_loaded or not turn.profile.available:
        return
    try:
        turn.handler_input.attributes_manager.save_persistent_attributes()
    except StoreUnavailable:
        log.info("profile not saved: database unavailable")


class RouteMapper(AbstractRequestMapper):
    """(request type, intent name) -> handler chain, by dictionary lookup."""

    def __init__(self, routes) -> None:
        self.chains = {key: GenericRequestHandlerChain(Route(func)) for key, func in routes.items()}
        self.fallback = GenericRequestHandlerChain(Route(handlers.fallback))
        self.ignore = GenericRequestHandlerChain(Route(lambda turn: Reply(Speech(), None, end=True,
                                                                           outcome="ignored")))

    def get_request_handler_chain(self, handler_input):
        key = route_of(handler_input)
        handler_input.context.route = key[1] or key[0]
        chain = self.chains.get(key)
        if chain is not None:
            return chain
        if key[0] == "IntentRequest" or handler_input.request_envelope.session is not None:
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


def build_skill(services: Services, persistence_adapter) -> CustomSkill:
    """The ask-sdk-core skill over our routes, with the persistence adapter and a fast serializer."""
    config = SkillConfiguration(
        request_mappers=[RouteMapper(handlers.ROUTES)],
        handler_adapters=[GenericHandlerAdapter()],
        exception_mapper=GenericExceptionMapper(exception_handlers=[SorryHandler()]),
        persistence_adapter=persistence_adapter,
    )
    skill = CustomSkill(skill_configuration=config)
    skill.serializer = FastSerializer()
    return skill
