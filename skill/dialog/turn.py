"""One turn of the conversation: the request read once, the state, the rules, and the reply.

Handlers take a `Turn` and return a `Reply` (built with `ask`, `tell` or `elicit`);
`Turn.respond` is the one place that turns a reply into ask-sdk's Response (speech, reprompt,
card, screen directives, dialog directives). `Services` is what the application gives every
turn: the rule set, the time-zone look-up, the deployment's privacy mode.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass, field
from datetime import date, timezone
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ask_sdk_model import Intent
from ask_sdk_model.dialog import ElicitSlotDirective
from ask_sdk_model.ui import Card, SimpleCard

from rules import Assessment, Case, RuleSet
from rules.models import MAX_DAYS

from ..backends.store import StoreUnavailable
from ..voice.ssml import MAX_SPEECH_CHARS, Speech
from ..voice.texts import Texts, texts
from .query import Query, read_query
from .state import Conversation, Profile

if TYPE_CHECKING:
    from ..backends.reminders import Reminders, RemindersApi
    from ..backends.timezones import Zones

log = logging.getLogger(__name__)

#: Days after which a kept time zone is looked up again (in the background).
ZONE_REFRESH_DAYS = 1
UTC = "UTC"


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return ZoneInfo(UTC)


@dataclass(frozen=True)
class Services:
    """rules: the combined rule set; zones: the Settings API (`skill.backends.timezones.Zones`:
    a pooled client, a budget per request); remember_health: keep onset and pain between
    sessions (HIPAA-eligible deployments only); reminders: Alexa's Reminders API
    (`skill.backends.reminders.RemindersApi`)."""

    rules: RuleSet
    zones: Zones
    remember_health: bool = False
    reminders: RemindersApi | None = None


def days_since(onset: date | None, today: date) -> int | None:
    return None if onset is None else min(max(0, (today - onset).days), MAX_DAYS)


def case_of(conv: Conversation, today: date, rules: RuleSet) -> Case:
    """The rules' view of what a conversation knows (limited to the rules' symptoms and activities)."""
    activity = conv.activity if conv.activity in rules.activities else None
    return Case(days_since_onset=days_since(conv.onset, today), pain=conv.pain,
                symptoms=conv.symptoms & rules.symptoms.keys(), age=conv.age, activity=activity)


@dataclass
class RequestContext:
    """Passed to ``skill.invoke`` as its context: the app's services in, the outcome out."""

    services: Services
    outcome: str = "unhandled"
    retries: int = 0
    route: str = ""
    #: What outlives a re-run of the request after a concurrent update (the Reminders API's calls).
    memo: dict = field(default_factory=dict)


@dataclass
class Reply:
    """What to answer.

    reprompt: said when the user stays silent; a reply with a reprompt keeps the session open,
    one without ends it (unless `end` says otherwise, e.g. for a dialog directive).
    """

    speech: Speech
    reprompt: Speech | None = None
    card: tuple[str, str] | Card | None = None
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
        #: The question pending when this request came (the conversation's is cleared for the
        #: handler, which sets a new one if it asks something).
        self.asked: str | None = self.conv.ask
        self.conv.ask = None
        #: What the safety check already acknowledged this turn ("Thanks. I've noted ...").
        self.noted = Speech()
        self._profile: Profile | None = None
        self._today: date | None = None
        self._zone_guessed = False

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
            unsaved = self.conv.unsaved_place
            if unsaved is not None:  # a save failed earlier in this session: this turn saves it
                self._profile.restore_place(unsaved)
                self.conv.unsaved_place = None
        return self._profile

    @property
    def profile_loaded(self) -> bool:
        return self._profile is not None

    def today(self) -> date:
        """Today in the user's time zone (see `zone_name`)."""
        if self._today is None:
            self._today = self.query.timestamp.astimezone(_zone(self.zone_name())).date()
        return self._today

    def zone_name(self) -> str:
        """The user's time zone: the session's, else the profile's (looked up once per user and
        device, refreshed in the background after a day), else the Settings API within the
        budget, else UTC. A zone that was ever answered is kept, so an outage never moves the day."""
        name = self.conv.timezone
        if name is not None:
            return name
        q, zones = self.query, self.services.zones
        utc_day = self.query.timestamp.astimezone(timezone.utc).date()
        kept = self.profile.zone(q.device_id)
        if kept is not None:
            name, fetched = kept
            if (utc_day - fetched).days >= ZONE_REFRESH_DAYS:
                fresh = zones.cached(q.device_id)  # a background answer from an earlier request
                if fresh is not None:
                    self.profile.keep_zone(q.device_id, fresh, utc_day)
                    name = fresh
                else:
                    zones.refresh(q.api_endpoint, q.device_id, q.api_token)
        else:
            name = zones.look_up(q.api_endpoint, q.device_id, q.api_token)
            if name is not None:
                self.profile.keep_zone(q.device_id, name, utc_day)
        if name is None:
            self._zone_guessed = True
            return UTC  # not kept: the next request asks again (the breaker keeps it cheap)
        if q.in_session:
            self.conv.timezone = name
        return name

    def known_zone(self, budget: float) -> str | None:
        """The user's time zone when it is known, not guessed: as `zone_name`, and when that fell
        back to UTC, one more look-up within `budget` seconds (a reminder must not ring at a
        guessed hour). None when the zone cannot be known now."""
        name = self.zone_name()
        if not self._zone_guessed:
            return name
        q = self.query
        name = self.services.zones.look_up(q.api_endpoint, q.device_id, q.api_token, budget=budget)
        if name is not None:
            self.profile.keep_zone(q.device_id, name, self.query.timestamp.astimezone(timezone.utc).date())
        return name

    def reminders(self) -> Reminders | None:
        """The Reminders API for this request: one deadline over all its calls, kept when the
        request is re-run after a concurrent update (so a reminder is not created twice)."""
        api = self.services.reminders
        if api is None:
            return None
        memo = getattr(self.handler_input.context, "memo", None)
        if not isinstance(memo, dict):
            memo = {}
        if "reminders" not in memo:
            memo["reminders"] = api.for_request(self.query.api_endpoint, self.query.api_token)
        return memo["reminders"]

    def days_since_onset(self) -> int | None:
        return days_since(self.conv.onset, self.today())

    def case(self) -> Case:
        """The rules' view of what this conversation knows (known symptoms and activities only)."""
        return case_of(self.conv, self.today(), self.rules)

    def assess(self) -> Assessment:
        """The rules' assessment of what this conversation knows (and the activity asked about)."""
        return self.rules.assess(self.case())

    # ------------------------------------------------------------------ the response
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
        if isinstance(reply.card, tuple):
            builder.set_card(SimpleCard(title=reply.card[0], content=reply.card[1]))
        elif reply.card is not None:  # a card ask-sdk builds itself (the permissions consent card)
            builder.set_card(reply.card)
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


def ask(speech: Speech, reprompt: Speech | str, **kwargs) -> Reply:
    """A reply that keeps the session open, with a reprompt."""
    return Reply(speech, Speech(reprompt) if isinstance(reprompt, str) else reprompt, **kwargs)


def tell(speech: Speech, **kwargs) -> Reply:
    """A reply that ends the session."""
    return Reply(speech, None, end=True, **kwargs)


def elicit(slot: str, speech: Speech, reprompt: Speech | str) -> Reply:
    """Ask for one slot of the current intent with Dialog.ElicitSlot."""
    return Reply(speech, Speech(reprompt) if isinstance(reprompt, str) else reprompt,
                 elicit=slot, end=False, outcome=f"elicit {slot}")


def anything_else(t: Turn, speech: Speech, **kwargs) -> Reply:
    """End an answer with "Is there anything else I can help with?" and wait for the reply."""
    question = t.texts.line("answer.anything_else")
    t.conv.ask = "anything_else"
    return ask(speech.say(question), question, **kwargs)
