"""One turn of the conversation: the request read once, the state, the rules, and the reply.

Handlers take a `Turn` and return a `Reply`; `Turn.respond` is the one place that turns a
reply into ask-sdk's Response (speech, reprompt, card, screen directives, dialog directives).
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from ask_sdk_model import Intent
from ask_sdk_model.dialog import ElicitSlotDirective
from ask_sdk_model.ui import SimpleCard

from rules import Assessment

from .locale import Texts, texts
from .profile import Profile
from .query import Query, read_query
from .speech import MAX_SPEECH_CHARS, Speech
from .state import Conversation
from .store import StoreUnavailable
from .timezone import zone

if TYPE_CHECKING:
    from .services import Services

log = logging.getLogger(__name__)


@dataclass
class Reply:
    """What to answer.

    reprompt: said when the user stays silent; a reply with a reprompt keeps the session open,
    one without ends it (unless `end` says otherwise, e.g. for a dialog directive).
    """

    speech: Speech
    reprompt: Speech | None = None
    card: tuple[str, str] | None = None
    directives: list = field(default_factory=list)
    elicit: str | None = None
    end: bool | None = None
    outcome: str = "answered"


class Turn:
    """The context handlers work with. Built once per request by the dispatcher."""

    def __init__(self, handler_input, services: Services) -> None:
        self.handler_input = handler_input
        self.services = services
        self.query: Query = read_query(handler_input)
        self.texts: Texts = texts(self.query.locale)
        self.rules = services.rules
        manager = handler_input.attributes_manager
        self.conv = Conversation(manager.session_attributes if self.query.in_session else {})
        self._profile: Profile | None = None
        self._today: date | None = None

    # ------------------------------------------------------------------ state
    @property
    def profile(self) -> Profile:
        """The persistent per-user record, loaded on first use; empty if the database is down."""
        if self._profile is None:
            try:
                attrs = self.handler_input.attributes_manager.persistent_attributes
                self._profile = Profile(attrs)
            except StoreUnavailable:
                self._profile = Profile({}, available=False)
        return self._profile

    @property
    def profile_loaded(self) -> bool:
        return self._profile is not None

    def today(self) -> date:
        """Today in the user's time zone (Settings API once per session, UTC as fallback)."""
        if self._today is None:
            name = self.conv.timezone
            if name is None:
                q = self.query
                name = self.services.timezone(q.api_endpoint, q.device_id, q.api_token)
                if self.query.in_session:
                    self.conv.timezone = name
            self._today = self.query.timestamp.astimezone(zone(name)).date()
        return self._today

    def assess(self) -> Assessment:
        """The rules' assessment of what this conversation knows (and the activity asked about)."""
        return self.rules.assess(self.conv.case(self.today(), self.rules.symptoms.keys(),
                                                self.rules.activities.keys()))

    # ------------------------------------------------------------------ replies
    def ask(self, speech: Speech, reprompt: Speech | str, **kwargs) -> Reply:
        """A reply that keeps the session open, with a reprompt."""
        if isinstance(reprompt, str):
            reprompt = Speech(reprompt)
        return Reply(speech, reprompt, **kwargs)

    def tell(self, speech: Speech, **kwargs) -> Reply:
        """A reply that ends the session."""
        return Reply(speech, None, end=True, **kwargs)

    def elicit(self, slot: str, speech: Speech, reprompt: Speech | str) -> Reply:
        """Ask for one slot of the current intent with Dialog.ElicitSlot."""
        return Reply(speech, reprompt if isinstance(reprompt, Speech) else Speech(reprompt),
                     elicit=slot, end=False, outcome=f"elicit {slot}")

    def respond(self, reply: Reply):
        """Build ask-sdk's Response for `reply`."""
        builder = self.handler_input.response_builder
        if not reply.speech and reply.reprompt is None:
            return builder.response  # session ended, skill events: nothing to say
        if len(reply.speech.ssml) >= MAX_SPEECH_CHARS:
            log.error("speech of %d characters is over Alexa's limit", len(reply.speech.ssml))
        builder.speak(reply.speech.inner_ssml)
        if reply.reprompt is not None:
            builder.ask(reply.reprompt.inner_ssml)
        if reply.card is not None:
            builder.set_card(SimpleCard(title=reply.card[0], content=reply.card[1]))
        for directive in reply.directives:
            builder.add_directive(directive)
        if reply.elicit is not None:
            builder.add_directive(ElicitSlotDirective(
                slot_to_elicit=reply.elicit, updated_intent=self._intent_without(reply.elicit)))
        end = reply.end if reply.end is not None else reply.reprompt is None
        builder.set_should_end_session(end)
        if self.query.in_session and not end:
            # "repeat" replays this; a routine's step is rebuilt instead, so it is not kept twice
            self.conv.last = None if self.conv.routine is not None else {
                "ssml": reply.speech.inner_ssml, "reprompt": reply.reprompt.inner_ssml if reply.reprompt else None}
        return builder.response

    def _intent_without(self, slot: str) -> Intent:
        intent = copy.deepcopy(self.handler_input.request_envelope.request.intent)
        if intent.slots and slot in intent.slots and intent.slots[slot] is not None:
            intent.slots[slot].value = None
            intent.slots[slot].resolutions = None
        return intent
