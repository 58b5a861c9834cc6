"""The benchmark's requests: realistic, correctly signed Alexa envelopes.

Four kinds, for each of USERS users, each user on a device of its own: a launch (a new
session), "can I go running?" with slots, a stretch step with session attributes, and a red
flag. The requests go kind after kind (every user's launch, then every user's question ...),
so requests in flight at the same time come from different devices, as they do in production.

Every envelope carries the Settings API endpoint given (the benchmark's loopback stand-in) and
an access token shaped like Alexa's (a JWT of about 1,200 characters); session attributes never
carry the time zone, so the skill finds it as in production: a look-up the first time for a
user and device, the zone kept in the profile after that.

Timestamps are fresh: bodies are built (and signed) right before each load run, within Alexa's
150-second window.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import date, datetime, timedelta, timezone

from skill.simulator import envelopes as env
from skill.simulator.signing import TestAuthority

USERS = 64
ROUTINE = ["diaphragmatic_breathing", "pelvic_tilt", "knee_to_chest", "cat_cow", "bridge", "knee_rolls",
           "double_knee_to_chest"]
#: What every access token starts with (a JWT header): logs must never show it.
TOKEN_PREFIX = "eyJ"


def user_id(n: int) -> str:
    return f"amzn1.ask.account.BENCH{n:04d}"


def device_id(n: int) -> str:
    return f"amzn1.ask.device.BENCH{n:04d}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def access_token(skill_id: str, n: int, now: datetime) -> str:
    """An apiAccessToken shaped like Alexa's: a signed JWT naming the skill, user and device."""
    issued = int(now.timestamp())
    header = {"typ": "JWT", "alg": "RS512", "kid": "1"}
    claims = {"aud": "https://api.amazonalexa.com", "iss": "AlexaSkillKit", "sub": skill_id,
              "exp": issued + 3600, "iat": issued, "nbf": issued,
              "privateClaims": {"context": _b64(hashlib.sha512(f"context{n}".encode()).digest() * 4),
                                "deviceId": device_id(n), "userId": user_id(n)}}
    signature = b"".join(hashlib.sha512(f"signature{n}.{i}".encode()).digest() for i in range(4))
    return ".".join((_b64(json.dumps(header).encode()), _b64(json.dumps(claims).encode()), _b64(signature)))


def requests(skill_id: str, api_endpoint: str, now: datetime | None = None, users: int = USERS) -> list[dict]:
    """Envelopes of the four kinds for each of `users` users, kind after kind."""
    now = now or datetime.now(timezone.utc)
    onset = (now.date() - timedelta(days=9)).isoformat()
    case = {"onset": onset, "pain": 3, "screened": True}
    common = [{"user_id": user_id(n), "device_id": device_id(n), "skill_id": skill_id,
               "api_endpoint": api_endpoint, "api_token": access_token(skill_id, n, now)} for n in range(users)]
    launches = [env.envelope(env.launch_request(now=now), new=True, **c) for c in common]
    questions = [env.envelope(env.intent_request("CanIExerciseIntent", {
        "activity": env.slot("activity", "running", resolved_id="running", slot_type="ACTIVITY",
                             skill_id=skill_id),
        "daysAgo": env.slot("daysAgo", "9"), "painLevel": env.slot("painLevel", "3"),
        "onsetDate": env.slot("onsetDate")}, now=now), attributes={"case": dict(case)}, **c) for c in common]
    steps = [env.envelope(env.intent_request("AMAZON.NextIntent", now=now), attributes={
        "case": dict(case), "routine": {"ids": ROUTINE, "i": n % (len(ROUTINE) - 1)}}, **c)
        for n, c in enumerate(common)]
    red_flags = [env.envelope(env.intent_request("ReportSymptomIntent", {
        "symptom": env.slot("symptom", "i can't control my bladder", resolved_id="bladder_control_loss",
                            slot_type="SYMPTOM", skill_id=skill_id)}, now=now),
        attributes={"case": dict(case)}, **c) for c in common]
    return launches + questions + steps + red_flags


def signed(authority: TestAuthority, skill_id: str, api_endpoint: str,
           now: datetime | None = None) -> list[tuple[bytes, dict]]:
    """(body, headers) for every request, signed with the test CA's leaf key."""
    out = []
    for envelope in requests(skill_id, api_endpoint, now):
        body = json.dumps(envelope, separators=(",", ":")).encode()
        out.append((body, {"Content-Type": "application/json", **authority.sign(body)}))
    return out


def today() -> date:
    return datetime.now(timezone.utc).date()
