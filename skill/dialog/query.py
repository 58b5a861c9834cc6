"""The only place that reads ask-sdk request objects: one `Query` per request, plain values only.

Slots come back as `SlotValue`: the raw value Alexa heard and, when entity resolution matched
(`ER_SUCCESS_MATCH`), the canonical value id. Handlers never touch ask-sdk models directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from ask_sdk_model.slu.entityresolution import StatusCode

DEFAULT_LOCALE = "en-US"
REMINDERS_SCOPE = "alexa::alerts:reminders:skill:readwrite"


@dataclass(frozen=True)
class Consent:
    """The answer to a permission request (a Connections.Response to our AskFor directive).

    status: "ACCEPTED", "DENIED" or "NOT_ANSWERED" (anything else Alexa sends, as sent; None
    when the payload had none); code: the connection's status code ("200" when the request
    itself worked); token: what our directive carried, as given back.
    """

    name: str
    code: str
    status: str | None
    token: str


@dataclass(frozen=True)
class SlotValue:
    """A filled slot: `value` as heard ("my left leg"), `id` when Alexa resolved it ("leg_numbness")."""

    value: str
    id: str | None = None


@dataclass(frozen=True)
class Query:
    """What one request asks, read once from the envelope."""

    request_type: str
    request_id: str
    locale: str
    timestamp: datetime
    intent: str | None = None
    slots: dict[str, SlotValue] = field(default_factory=dict)
    dialog_state: str | None = None
    in_session: bool = False
    supports_apl: bool = False
    device_id: str | None = None
    api_endpoint: str | None = None
    api_token: str | None = None
    #: The user has granted the reminders permission, as far as the envelope says (a consent
    #: token, or the scope GRANTED); False says only that the envelope does not show it.
    reminders_granted: bool = False
    consent: Consent | None = None

    @property
    def route(self) -> tuple[str, str | None]:
        return self.request_type, self.intent

    def slot(self, name: str) -> SlotValue | None:
        return self.slots.get(name)


def route_of(handler_input) -> tuple[str, str | None]:
    """(request type, intent name) of a request: the key of `handlers.ROUTES`."""
    request = handler_input.request_envelope.request
    return request.object_type or "", getattr(getattr(request, "intent", None), "name", None)


def read_query(handler_input) -> Query:
    """Read the request envelope of `handler_input` into a `Query`."""
    envelope = handler_input.request_envelope
    request = envelope.request
    system = envelope.context.system if envelope.context is not None else None
    session = envelope.session
    intent = getattr(request, "intent", None)
    dialog_state = getattr(request, "dialog_state", None)
    return Query(
        request_type=request.object_type or "",
        request_id=request.request_id or "",
        locale=getattr(request, "locale", None) or DEFAULT_LOCALE,
        timestamp=_aware(request.timestamp),
        intent=getattr(intent, "name", None),
        slots=_slots(intent),
        dialog_state=getattr(dialog_state, "value", None),
        in_session=session is not None,
        supports_apl=_supports_apl(system),
        device_id=getattr(getattr(system, "device", None), "device_id", None),
        api_endpoint=getattr(system, "api_endpoint", None),
        api_token=getattr(system, "api_access_token", None),
        reminders_granted=_granted(getattr(getattr(system, "user", None), "permissions", None)),
        consent=_consent(request),
    )


def _granted(permissions) -> bool:
    scope = (getattr(permissions, "scopes", None) or {}).get(REMINDERS_SCOPE)
    status = getattr(getattr(scope, "status", None), "value", None)
    if status is not None:
        return status == "GRANTED"
    return bool(getattr(permissions, "consent_token", None))


def _consent(request) -> Consent | None:
    if getattr(request, "object_type", None) != "Connections.Response":
        return None
    payload = getattr(request, "payload", None)
    status = payload.get("status") if isinstance(payload, dict) else None
    code = getattr(getattr(request, "status", None), "code", None)
    return Consent(str(getattr(request, "name", None) or ""), str(code or ""),
                   status if isinstance(status, str) else None, str(getattr(request, "token", None) or ""))


def _aware(value) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return datetime.now(timezone.utc)


def _slots(intent) -> dict[str, SlotValue]:
    slots = getattr(intent, "slots", None) or {}
    found = {}
    for name, slot in slots.items():
        if slot is None or not isinstance(getattr(slot, "value", None), str) or not slot.value.strip():
            continue
        found[name] = SlotValue(slot.value.strip(), _resolved_id(slot))
    return found


def _resolved_id(slot) -> str | None:
    resolutions = getattr(slot, "resolutions", None)
    for authority in getattr(resolutions, "resolutions_per_authority", None) or ():
        status = getattr(getattr(authority, "status", None), "code", None)
        if status == StatusCode.ER_SUCCESS_MATCH and authority.values:
            value = getattr(authority.values[0], "value", None)
            if value is not None and isinstance(value.id, str) and value.id:
                return value.id
    return None


def _supports_apl(system) -> bool:
    interfaces = getattr(getattr(system, "device", None), "supported_interfaces", None)
    return getattr(interfaces, "alexa_presentation_apl", None) is not None
