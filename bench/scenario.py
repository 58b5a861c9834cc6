"""The benchmark's requests: realistic, correctly signed Alexa envelopes.

Four kinds, rotated over several users: a launch, "can I go running?" with slots, a stretch step
with session attributes, and a red flag. Timestamps are fresh: bodies are built (and signed)
right before each load run, within Alexa's 150-second window.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

from skill.simulator.signing import TestAuthority
from skill.simulator import envelopes as env

USERS = 24
ROUTINE = ["diaphragmatic_breathing", "pelvic_tilt", "knee_to_chest", "cat_cow", "bridge", "knee_rolls",
           "double_knee_to_chest"]


def requests(skill_id: str, now: datetime | None = None) -> list[dict]:
    """Envelopes of the four kinds for each of USERS users, interleaved."""
    now = now or datetime.now(timezone.utc)
    onset = (now.date() - timedelta(days=9)).isoformat()
    case = {"onset": onset, "pain": 3, "screened": True}
    out = []
    for n in range(USERS):
        user = f"amzn1.ask.account.BENCH{n:04d}"
        common = {"user_id": user, "skill_id": skill_id, "api_endpoint": "http://127.0.0.1:9"}
        out.append(env.envelope(env.launch_request(now=now), new=True, **common))
        out.append(env.envelope(env.intent_request("CanIExerciseIntent", {
            "activity": env.slot("activity", "running", resolved_id="running", slot_type="ACTIVITY",
                                 skill_id=skill_id),
            "daysAgo": env.slot("daysAgo", "9"), "painLevel": env.slot("painLevel", "3"),
            "onsetDate": env.slot("onsetDate")}, now=now), attributes={"case": dict(case), "tz": "UTC"},
            **common))
        out.append(env.envelope(env.intent_request("AMAZON.NextIntent", now=now), attributes={
            "case": dict(case), "tz": "UTC", "routine": {"ids": ROUTINE, "i": n % (len(ROUTINE) - 1)}}, **common))
        out.append(env.envelope(env.intent_request("ReportSymptomIntent", {
            "symptom": env.slot("symptom", "i can't control my bladder", resolved_id="bladder_control_loss",
                                slot_type="SYMPTOM", skill_id=skill_id)}, now=now),
            attributes={"case": dict(case), "tz": "UTC"}, **common))
    return out


def signed(authority: TestAuthority, skill_id: str, now: datetime | None = None) -> list[tuple[bytes, dict]]:
    """(body, headers) for every request, signed with the test CA's leaf key."""
    out = []
    for envelope in requests(skill_id, now):
        body = json.dumps(envelope, separators=(",", ":")).encode()
        out.append((body, {"Content-Type": "application/json", **authority.sign(body)}))
    return out


def today() -> date:
    return datetime.now(timezone.utc).date()
