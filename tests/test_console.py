"""The browser console's page and JSON API, through the real app (`make_app`)."""

from __future__ import annotations

import pytest

from skill.simulator import envelopes as env
from skill.simulator.device import segments


@pytest.fixture
def console(make_app):
    return make_app().test_client()


def say(client, text: str = "", state: dict | None = None, **extra) -> dict:
    response = client.post("/console/api/say", json={"text": text, "state": state, **extra})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


# ------------------------------------------------------------------ registration and files
def test_the_console_is_on_without_verification_and_absent_with_it(make_app):
    assert make_app().test_client().get("/console").status_code == 200
    verifying = make_app(VERIFY_SIGNATURE=True, SKILL_ID=env.SKILL_ID).test_client()
    assert verifying.get("/console").status_code == 404
    assert verifying.post("/console/api/say", json={"text": "hi"}).status_code == 404
    assert make_app(CONSOLE=False).test_client().get("/console/api/catalogue").status_code == 404


def test_the_page_and_its_files_are_served_from_the_package(console):
    page = console.get("/console")
    assert page.mimetype == "text/html" and "default-src 'self'" in page.headers["Content-Security-Policy"]
    html = page.get_data(as_text=True)
    assert 'src="console/console.js"' in html and 'href="console/console.css"' in html
    assert 'aria-live="polite"' in html and "<label" in html
    assert "speechSynthesis" in console.get("/console/console.js").get_data(as_text=True)
    assert console.get("/console/console.css").mimetype == "text/css"
    assert console.get("/console/app.py").status_code == 404


def test_the_catalogue_lists_what_the_form_offers(console):
    data = console.get("/console/api/catalogue").get_json()
    assert {"id": "fever", "label": "a high temperature or feeling hot and shivery", "tier": "urgent"} in data["symptoms"]
    assert {"id": "running", "name": "running"} in data["activities"]
    assert any(s["id"] == "pelvic_tilt" for s in data["stretches"])
    assert data["locales"] == ["en-US", "en-GB", "en-CA", "en-AU", "en-IN"]


# ------------------------------------------------------------------ talking
def test_a_conversation_carries_its_state_across_calls(console):
    launch = say(console)
    assert launch["intent"] == "LaunchRequest" and launch["session_open"] and "not a doctor" in launch["speech_text"]
    assert launch["state"]["session_id"] and launch["trace"] is None
    user = launch["state"]["user_id"]

    asked = say(console, "can i go running", launch["state"])
    assert asked["intent"] == "CanIExerciseIntent" and asked["slots"] == {"activity": "running"}
    assert asked["directives"] == [{"type": "Dialog.ElicitSlot", "slotToElicit": "onsetDate"}]
    assert asked["state"]["elicit"]["slot"] == "onsetDate" and asked["reprompt"]
    assert asked["trace"]["activity"] == {"id": "running", "allowed": False, "opens_on_day": 21, "max_pain": 3}

    onset = say(console, "three days ago", asked["state"])
    assert onset["slots"] == {"daysAgo": "3"} and onset["heard"]["how"] == "elicited"
    assert onset["state"]["elicit"]["slot"] == "painLevel"
    pain = say(console, "a two", onset["state"])
    assert "safety check" in pain["speech_text"] and pain["trace"]["case"]["pain"] == 2

    answer = say(console, "no", pain["state"])
    assert answer["intent"] == "AMAZON.NoIntent" and answer["session_open"]
    assert "Running isn't a good idea yet" in answer["speech_text"] and "in about 3 weeks" in answer["speech_text"]
    assert answer["trace"]["tier"] == "self_care" and answer["trace"]["max_activity"] == "gentle_stretching"
    assert answer["state"]["user_id"] == user and answer["state"]["session_id"] == launch["state"]["session_id"]
    assert "".join(s["say"] for s in answer["segments"]).startswith("Running isn't")
    assert answer["ssml"].startswith("<speak>")

    ended = say(console, state=answer["state"], action="end")
    assert ended["intent"] == "SessionEndedRequest" and not ended["session_open"]
    assert ended["state"]["session_id"] is None and ended["state"]["attributes"] == {}


def test_a_guided_stretch_comes_with_its_pauses(console):
    state = say(console, "open back coach")["state"]
    for text in ("my back went out three days ago", "two", "no"):
        state = say(console, text, state)["state"]
    routine = say(console, "yes", state)
    assert "Stretch 1 of" in routine["speech_text"]
    step = say(console, "next", routine["state"])  # the stretch's first turn tells where to get into position
    pauses = [s["pause_ms"] for s in step["segments"] if s["pause_ms"]]
    assert pauses and f"[{pauses[0] / 1000:g} s]" in step["speech_text"]
    assert all(s["say"] and "<" not in s["say"] for s in step["segments"])


def test_segments_keep_the_text_between_pauses():
    ssml = '<speak>Hold. <break time="10s"/> <break time="5s"/>3<break time="600ms"/>2 done &amp; relax</speak>'
    assert segments(ssml) == [("Hold.", 15000), ("3", 600), ("2 done & relax", 0)]
    assert segments('<speak><break time="2s"/>Go</speak>') == [("", 2000), ("Go", 0)]


def test_locale_and_day_offset_reach_the_skill(console):
    uk = say(console, "", {"locale": "en-GB", "day_offset": 2})
    assert "999" in uk["speech_text"] and uk["state"]["locale"] == "en-GB" and uk["state"]["day_offset"] == 2
    plain = say(console, "", {"locale": "en-GB"})
    assert plain["today"] < uk["today"]


def test_a_new_browser_gets_a_user_id_and_keeps_it(console):
    first = say(console)["state"]["user_id"]
    assert first.startswith("amzn1.ask.account.")
    again = say(console, state={"user_id": first})
    assert again["state"]["user_id"] == first and again["state"]["session_id"] != first


# ------------------------------------------------------------------ assessing
def test_assess_answers_a_case_with_its_routine(console):
    response = console.post("/console/api/assess",
                            json={"days": 3, "pain": 2, "symptoms": [], "age": 40, "activity": "running"})
    data = response.get_json()
    assert response.status_code == 200
    assert data["tier"] == "self_care" and data["max_activity"] == "gentle_stretching"
    assert data["activity"]["allowed"] is False and data["activity"]["opens_on_day"] == 21
    assert {"id": "pelvic_tilt", "name": "pelvic tilt"} in data["routine"]
    assert any(entry["decisive"] for entry in data["trace"])
    flagged = console.post("/console/api/assess", json={"days": 1, "symptoms": ["saddle_numbness"]}).get_json()
    assert flagged["tier"] == "emergency" and flagged["routine"] == []


@pytest.mark.parametrize(("body", "field"), [
    ({"days": 3, "pain": 11}, "pain"),
    ({"symptoms": ["dragon_bite"]}, "symptoms"),
    ({"symptoms": "fever"}, "symptoms"),
    ({"symptoms": [{"id": "fever"}]}, "symptoms"),
    ({"days": "three"}, "days_since_onset"),
    ({"age": -1}, "age"),
    ({"activity": "juggling"}, "activity"),
    ({"colour": "red"}, "colour"),
])
def test_assess_refuses_bad_input_naming_the_field(console, body, field):
    response = console.post("/console/api/assess", json=body)
    assert response.status_code == 400 and field in response.get_json()["error"]


# ------------------------------------------------------------------ bad requests
@pytest.mark.parametrize(("body", "reason"), [
    ([1, 2], "JSON object"),
    ({"text": 5}, "text"),
    ({"text": "x" * 501}, "text"),
    ({"text": "hi", "action": "dance"}, "action"),
    ({"text": "hi", "state": "yes"}, "state"),
    ({"text": "hi", "state": {"locale": "fr-FR"}}, "state.locale"),
    ({"text": "hi", "state": {"day_offset": -1}}, "state.day_offset"),
    ({"text": "hi", "state": {"day_offset": True}}, "state.day_offset"),
    ({"text": "hi", "state": {"user_id": "<script>"}}, "state.user_id"),
    ({"text": "hi", "state": {"session_id": 7}}, "state.session_id"),
    ({"text": "hi", "state": {"session_id": "s1", "attributes": []}}, "state.attributes"),
    ({"text": "hi", "state": {"session_id": "s1", "elicit": "pain"}}, "state.elicit"),
    ({"text": "hi", "state": {"session_id": "s1", "elicit": {"intent": "A", "slot": "b", "slots": {"b": 3}}}},
     "state.elicit.slots.b"),
    ({"text": "hi", "state": {"session_id": "s1", "elicit": {"intent": "A", "slot": "b",
                                                             "slots": {"b": {"name": "b", "value": 3}}}}},
     "state.elicit.slots.b"),
    ({"text": "hi", "state": {"mood": "happy"}}, "mood"),
    ({"text": "", "state": {"session_id": "s1"}}, "text is empty"),
    ({"action": "end", "state": {}}, "no session"),
])
def test_bad_say_requests_are_400_with_a_reason(console, body, reason):
    response = console.post("/console/api/say", json=body)
    assert response.status_code == 400, response.get_json()
    assert reason in response.get_json()["error"]


def test_bodies_that_are_not_json_are_refused(console):
    assert console.post("/console/api/say", data="text=hi").status_code == 415
    broken = console.post("/console/api/say", data="{", content_type="application/json")
    assert broken.status_code == 400 and broken.get_json()["error"]
    assert console.post("/console/api/assess", data="null", content_type="application/json").status_code == 400
    assert console.post("/console/api/say", data="x" * 300_000, content_type="application/json").status_code == 413


def test_absurd_numbers_and_dates_get_a_spoken_answer(console):
    response = console.post("/console/api/say", json={"text": "my back went out 99999999999 weeks ago"})
    assert response.status_code == 200 and "didn't catch when it started" in response.get_json()["speech_text"]
    state = {"session_id": "s1", "attributes": {"case": {"onset": "1926-01-01", "pain": 3}}}
    response = console.post("/console/api/say", json={"text": "can i exercise", "state": state})
    assert response.status_code == 200 and "something went wrong" not in response.get_json()["speech_text"]
