"""The general mechanisms of the trained understanding (issue 13), one by one.

Each test names a mechanism and checks it on phrasings of its own, not on the evaluation's items:
one spelling for the models, onsets said as durations, days and seasons, goodbyes, questions
that are no answers and no symptoms, clauses that ask, emergency numbers that are temperatures,
activities in their plain forms, the variations of the training examples.
"""

from __future__ import annotations

import pytest

from bench.nlu_facts import TODAY, facts_of
from skill.simulator import resolve
from skill.simulator.catalogue import _variants
from skill.simulator.nlu.shape import Shape
from skill.simulator.nlu.variations import Variations
from skill.simulator.resolver import Resolver
from skill.simulator.text import canonical

ONSET = ("CanIExerciseIntent", "onsetDate")


def read(said: str, locale: str = "en-GB", elicit=None) -> tuple[str, dict]:
    r = resolve(said, locale=locale, today=TODAY, elicit=elicit)
    return r.intent, facts_of(r)


def test_inability_and_full_forms_read_as_the_samples_do():
    featurizer = Resolver.for_locale("en-IN").featurizer
    assert featurizer.rewrite("i am not able to get up") == "i can't get up"
    assert featurizer.rewrite("i have not been able to pee") == "i can't pee"
    assert featurizer.rewrite("it is not okay") == "it's not okay"


@pytest.mark.parametrize("said,days", [
    ("it's been about a week and it's a 3", 7),
    ("I've had it for a good ten days now", 10),
    ("it has been two weeks, pain is only two", 14),
    ("since about 3 weeks I am having pain", 21),
    ("my back went on the 16th", 7),
    ("day before yesterday", 2),
])
def test_onsets_said_as_durations_and_days(said, days):
    intent, facts = read(said, elicit=ONSET)
    assert facts.get("onset_days") == days, (said, intent, facts)


@pytest.mark.parametrize("said", ["sometime over the winter", "back in October, I think", "in the summer"])
def test_a_season_or_a_month_is_a_vague_onset(said):
    assert read(said, elicit=ONSET)[1].get("onset_days") == "vague"


def test_a_day_after_a_vague_week_says_which_day():
    assert read("over the weekend, Saturday I think", elicit=ONSET)[1]["onset_days"] == 2


def test_a_symptoms_now_does_not_date_the_back():
    intent, facts = read("and my left leg's gone numb now")
    assert intent == "ReportSymptomIntent" and "onset_days" not in facts


@pytest.mark.parametrize("said", ["cheers, that's brilliant", "okay, thanks, I'll give the GP a ring",
                                  "never mind, I'm all good, bye", "ta very much, see ya"])
def test_goodbyes_are_a_stop(said):
    assert read(said)[0] == "AMAZON.StopIntent"


@pytest.mark.parametrize("said", ["thanks, can I go for a swim", "yes thanks", "thanks, it's a seven"])
def test_thanks_with_something_else_is_no_goodbye(said):
    assert not Shape().closing(canonical(said))


def test_a_question_is_a_question_and_a_statement_is_not():
    shape = Shape()
    assert shape.question("so, um, is it worth seeing someone")
    assert shape.question("would a swim be okay?")
    assert not shape.question("I've been freezing cold then roasting hot")
    assert not shape.question("yeah sure, why not")


def test_a_symptom_said_as_a_statement_is_not_outranked_by_a_question_it_resembles():
    intent, facts = read("I've been boiling hot and then freezing cold all night")
    assert (intent, facts.get("symptom")) == ("ReportSymptomIntent", "fever")


def test_facts_then_a_question_is_the_question_with_the_facts():
    intent, facts = read("it's been ten days, it's about a two now, is a bike ride alright")
    assert intent == "CanIExerciseIntent" and facts == {"onset_days": 10, "pain": 2, "activity": "cycling"}


@pytest.mark.parametrize("locale,said", [("en-US", "I've got a fever of a hundred and two"),
                                         ("en-IN", "my temperature is 102 degrees")])
def test_an_emergency_number_said_as_a_temperature_is_no_call(locale, said):
    assert read(said, locale)[0] != "EmergencyHelpIntent"


def test_an_emergency_number_said_as_a_call_still_is_one():
    assert read("please ring 102, I'm calling from home", "en-IN")[0] == "EmergencyHelpIntent"


def test_activities_match_in_their_plain_forms():
    assert "shovel the driveway" in _variants("shoveling the driveway")
    assert read("can I shovel the driveway today", "en-CA")[1].get("activity") == "heavy_gardening"


def test_variations_swap_whole_phrases_and_leave_built_in_intents_alone():
    data = {"groups": [["can i", "is it okay to"], ["go to work", "go into the office"]], "tails": ["do you think"]}
    variations = Variations(data)
    assert variations.of("okay", "AMAZON.YesIntent") == []
    found = variations.of("can i go to work", "WorkIntent")
    assert "is it okay to go to work" in found and "can i go into the office" in found
    assert "can i go to work do you think" in found
    assert variations.of("can i work out", "CanIExerciseIntent")[:1] == ["is it okay to work out"]
