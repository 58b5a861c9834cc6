"""Alexa request envelopes, shaped like the real ones (../shared/alexa-platform.md, sections 5-6).

Used by the text chat, the browser console, the benchmark and the tests: one place that knows
what Alexa sends, including entity resolutions for custom slot types.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any

SKILL_ID = "amzn1.ask.skill.00000000-0000-0000-0000-backcoach000"
API_ENDPOINT = "https://api.amazonalexa.com"
AUTHORITY = "amzn1.er-authority.echo-sdk.{skill}.{slot_type}"
APL = {"Alexa.Presentation.APL": {"runtime": {"maxVersion": "2023.3"}}}
#: What a user who granted the skill a permission (reminders) carries in context.System.user.
GRANTED = {"consentToken": "simulated-consent-token"}


def _id(prefix: str) -> str:
    return f"{prefix}.{uuid.uuid4()}"


def timestamp(now: datetime | None = None) -> str:
    """Alexa's timestamp format: ISO 8601 in UTC with a Z."""
    now = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%SZ")


def slot(name: str, value: str | None = None, *, resolved_id: str | None = None,
         slot_type: str | None = None, skill_id: str = SKILL_ID, no_match: bool = False) -> dict:
    """A slot as Alexa sends it; with `resolved_id` (or `no_match`) it carries entity resolutions."""
    data: dict[str, Any] = {"name": name, "confirmationStatus": "NONE"}
    if value is None:
        return data
    data["value"] = value
    data["source"] = "USER"
    data["slotValue"] = {"type": "Simple", "value": value}
    if slot_type and (resolved_id or no_match):
        authority = AUTHORITY.format(skill=skill_id, slot_type=slot_type)
        status = {"code": "ER_SUCCESS_NO_MATCH" if no_match else "ER_SUCCESS_MATCH"}
        resolution: dict[str, Any] = {"authority": authority, "status": status}
        if not no_match:
            resolution["values"] = [{"value": {"name": value, "id": resolved_id}}]
        data["resolutions"] = {"resolutionsPerAuthority": [resolution]}
    return data


def envelope(request: dict, *, user_id: str, session_id: str | None = None, new: bool = False,
             attributes: dict | None = None, device_id: str = "amzn1.ask.device.SIMULATED",
             apl: bool = False, skill_id: str = SKILL_ID, api_endpoint: str = API_ENDPOINT,
             api_token: str = "simulated-access-token", in_session: bool = True,
             permissions: dict | None = None) -> dict:
    """A complete request envelope around `request`; `permissions`: what the user granted
    (`GRANTED`), as Alexa shows it in ``context.System.user.permissions``."""
    user: dict[str, Any] = {"userId": user_id}
    if permissions:
        user["permissions"] = dict(permissions)
    system = {
        "application": {"applicationId": skill_id},
        "user": user,
        "device": {"deviceId": device_id, "supportedInterfaces": dict(APL) if apl else {}},
        "apiEndpoint": api_endpoint,
        "apiAccessToken": api_token,
    }
    body: dict[str, Any] = {"version": "1.0", "context": {"System": system}, "request": request}
    if apl:
        body["context"]["Viewport"] = {"shape": "RECTANGLE", "pixelWidth": 1280, "pixelHeight": 800}
    if in_session:
        body["session"] = {
            "new": new, "sessionId": session_id or _id("amzn1.echo-api.session"),
            "application": {"applicationId": skill_id}, "user": {"userId": user_id},
            "attributes": attributes or {},
        }
    return body


def launch_request(locale: str = "en-US", now: datetime | None = None) -> dict:
    return {"type": "LaunchRequest", "requestId": _id("amzn1.echo-api.request"),
            "timestamp": timestamp(now), "locale": locale, "shouldLinkResultBeReturned": False}


def intent_request(intent: str, slots: dict[str, dict] | None = None, *, locale: str = "en-US",
                   now: datetime | None = None, dialog_state: str | None = None) -> dict:
    request: dict[str, Any] = {
        "type": "IntentRequest", "requestId": _id("amzn1.echo-api.request"),
        "timestamp": timestamp(now), "locale": locale,
        "intent": {"name": intent, "confirmationStatus": "NONE", "slots": slots or {}},
    }
    if dialog_state:
        request["dialogState"] = dialog_state
    return request


def connections_response(status: str | None, token: str = "", *, code: str = "200", name: str = "AskFor",
                         locale: str = "en-US", now: datetime | None = None) -> dict:
    """The answer to a Connections.SendRequest AskFor directive: `status` ACCEPTED, DENIED or
    NOT_ANSWERED, the directive's `token` given back, `code` the connection's own status."""
    payload = {"permissionScope": "alexa::alerts:reminders:skill:readwrite"}
    if status is not None:
        payload["status"] = status
    return {"type": "Connections.Response", "requestId": _id("amzn1.echo-api.request"),
            "timestamp": timestamp(now), "locale": locale, "name": name,
            "status": {"code": code, "message": "OK" if code == "200" else "error"},
            "payload": payload, "token": token}


def session_ended_request(reason: str = "USER_INITIATED", locale: str = "en-US",
                          now: datetime | None = None) -> dict:
    return {"type": "SessionEndedRequest", "requestId": _id("amzn1.echo-api.request"),
            "timestamp": timestamp(now), "locale": locale, "reason": reason}


def skill_disabled_request(now: datetime | None = None, persisted: bool = False) -> dict:
    return {"type": "AlexaSkillEvent.SkillDisabled", "requestId": _id("amzn1.echo-api.request"),
            "timestamp": timestamp(now), "eventCreationTime": timestamp(now),
            "eventPublishingTime": timestamp(now),
            "body": {"userInformationPersistenceStatus": "PERSISTED" if persisted else "NOT_PERSISTED"}}
