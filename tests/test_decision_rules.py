"""The rule layer against the clinical reference's "Decision rules", rule by rule.

`reference()` below is an independent transcription of the reference's pseudo-code (not the
engine's code path): every case the parametrised tests generate is checked against it, and the
spot checks pin a few answers by hand.
"""

from __future__ import annotations

import itertools

import pytest

from rules import AVOID_ITEMS, Case, assess

EMERGENCY = {"saddle_numbness", "bladder_control_loss", "urinary_retention", "bowel_control_loss",
             "sexual_dysfunction", "pain_down_both_legs", "numbness_in_both_legs",
             "progressive_leg_weakness", "chest_pain", "abdominal_pulsing", "tearing_pain",
             "recent_trauma"}
URGENT = {"fever", "unexplained_weight_loss", "history_of_cancer", "night_pain", "osteoporosis",
          "steroid_use", "iv_drug_use", "immunosuppressed", "leg_weakness"}
SEE_DOC = {"age_over_50", "recurring_spasms", "worsening_pain", "leg_numbness", "leg_tingling",
           "morning_stiffness"}
OTHER = {"minor_fall", "pain_down_leg"}
ALL_29 = EMERGENCY | URGENT | SEE_DOC | OTHER
#: NHS urgent-list items outside the 29 ids that the reference says must still route to urgent.
EXTRA_URGENT = {"back_lump_or_swelling", "pain_worse_coughing_sneezing", "pain_between_shoulders"}

LADDER = ["none", "rest", "gentle_stretching", "light_activity", "low_impact_exercise",
          "gradual_return", "normal"]
AVOID_BY_LEVEL = {
    "rest": {"exercise", "stretching", "heavy lifting", "twisting", "high impact", "prolonged bed rest"},
    "gentle_stretching": {"heavy lifting", "twisting", "high impact"},
    "light_activity": {"heavy lifting", "twisting", "high impact"},
    "low_impact_exercise": {"heavy lifting", "twisting", "high impact"},
    "gradual_return": {"heavy lifting", "twisting"},
    "normal": set(),
}


def reference(days, pain, symptoms, age=None):
    """The reference's decision rules, transcribed literally. Returns (tier, max_activity, avoid)."""
    s = set(symptoms) | ({"age_over_50"} if age is not None and age > 50 else set())
    p = pain if pain is not None else 5
    day = days if days is not None else 0
    known_day = days is not None
    if s & EMERGENCY:
        tier = "emergency"
    elif s & (URGENT | EXTRA_URGENT) or ("minor_fall" in s and s & {"osteoporosis", "steroid_use", "age_over_50"}):
        tier = "urgent"
    elif (s & SEE_DOC or p >= 7 or (known_day and day >= 14 and p >= 4)
          or (known_day and day >= 43 and p >= 1)):
        tier = "see_doctor"
    else:
        tier = "self_care"
    if tier in ("emergency", "urgent"):
        return tier, "none", {"exercise", "stretching", "waiting to see"}
    stage = ("rest" if day <= 2 else "gentle_stretching" if day <= 7 else "light_activity" if day <= 13
             else "low_impact_exercise" if day <= 20 else "gradual_return" if day <= 42 else "normal")
    cap = "normal" if p == 0 else "gradual_return" if p <= 3 else "light_activity" if p <= 6 else "rest"
    level = min(stage, cap, key=LADDER.index)
    if "worsening_pain" in s:
        level = "rest"
    avoid = set(AVOID_BY_LEVEL[level])
    if s & {"pain_down_leg", "leg_numbness", "leg_tingling"}:
        avoid.add("forward bends")
    return tier, level, avoid


def check(days, pain, symptoms=(), age=None):
    a = assess(Case(days_since_onset=days, pain=pain, symptoms=frozenset(symptoms), age=age))
    tier, level, avoid = reference(days, pain, symptoms, age)
    assert (a.tier, a.max_activity, set(a.avoid)) == (tier, level, avoid), a.explain()
    assert list(a.avoid) == [item for item in AVOID_ITEMS if item in avoid], "avoid is in canonical order"
    if a.tier in ("emergency", "urgent"):
        assert a.max_activity == "none"
    return a


BENIGN = [(None, None), (0, 0), (3, 2), (10, 5), (16, 1), (30, 0), (50, 0)]


@pytest.mark.parametrize("symptom", sorted(ALL_29 | EXTRA_URGENT))
@pytest.mark.parametrize("days,pain", BENIGN)
def test_every_symptom_alone_with_benign_facts(symptom, days, pain):
    a = check(days, pain, {symptom})
    finding = next(f for f in a.findings if f.rule == symptom)
    assert finding.source, "every finding carries its source"


@pytest.mark.parametrize("symptom", sorted(EMERGENCY))
@pytest.mark.parametrize("other", sorted(URGENT | SEE_DOC | OTHER))
def test_emergency_beats_every_other_symptom(symptom, other):
    a = check(30, 0, {symptom, other})
    assert a.tier == "emergency"


@pytest.mark.parametrize("pair", list(itertools.combinations(sorted(URGENT | SEE_DOC | OTHER), 2)))
def test_pairs_of_non_emergency_symptoms(pair):
    check(10, 3, set(pair))


@pytest.mark.parametrize("days", [0, 1, 2, 3, 7, 8, 13, 14, 20, 21, 42, 43, 100, None])
@pytest.mark.parametrize("pain", list(range(11)) + [None])
def test_timeline_stage_and_pain_cap_grid(days, pain):
    check(days, pain)


@pytest.mark.parametrize("risk", ["osteoporosis", "steroid_use", "age_over_50"])
def test_minor_fall_is_urgent_only_with_a_fracture_risk(risk):
    a = check(5, 2, {"minor_fall", risk})
    assert a.tier == "urgent"
    assert any(f.rule == "minor_fall_with_fracture_risk" for f in a.findings)


def test_minor_fall_alone_does_not_escalate():
    a = check(5, 2, {"minor_fall"})
    assert (a.tier, a.max_activity) == ("self_care", "gentle_stretching")


def test_age_over_50_counts_as_the_symptom():
    assert check(5, 2, (), age=51).tier == "see_doctor"
    assert check(5, 2, (), age=50).tier == "self_care"
    assert check(5, 2, {"minor_fall"}, age=67).tier == "urgent"


@pytest.mark.parametrize("days,pain,tier,level", [
    (3, 2, "self_care", "gentle_stretching"),      # stage 3-7 allows gentle stretching
    (2, 0, "self_care", "rest"),                   # days 0-2 are rest
    (8, 5, "self_care", "light_activity"),         # pain 4-6 caps at light activity
    (14, 4, "see_doctor", "light_activity"),       # day >= 14 with pain >= 4: see a doctor
    (14, 3, "self_care", "low_impact_exercise"),
    (21, 3, "self_care", "gradual_return"),
    (43, 1, "see_doctor", "gradual_return"),       # normal needs pain 0
    (43, 0, "self_care", "normal"),
    (1, 8, "see_doctor", "rest"),                  # severe pain: see a doctor on any day
    (None, 2, "self_care", "rest"),                # unknown day counts as day 0
    (None, 5, "self_care", "rest"),
    (30, None, "see_doctor", "light_activity"),    # unrated pain scores 5: day >= 14 with pain >= 4
])
def test_spot_checks_by_hand(days, pain, tier, level):
    a = assess(Case(days_since_onset=days, pain=pain))
    assert (a.tier, a.max_activity) == (tier, level)


def test_unknown_pain_scores_five_and_time_escalation_needs_a_known_day():
    a = assess(Case(days_since_onset=None, pain=5))
    assert a.tier == "self_care"
    assert a.missing == ("days_since_onset",)
    b = assess(Case(days_since_onset=20, pain=None))
    assert b.tier == "see_doctor"  # day 20, pain scored 5
    assert b.missing == ("pain",)


def test_worsening_pain_caps_at_rest_and_pain_down_leg_forbids_forward_bends():
    a = check(30, 0, {"worsening_pain"})
    assert (a.tier, a.max_activity) == ("see_doctor", "rest")
    b = check(30, 2, {"pain_down_leg"})
    assert b.tier == "self_care" and "forward bends" in b.avoid


def test_trace_names_the_plugin_and_rule_that_decided():
    a = assess(Case(days_since_onset=3, pain=5, symptoms={"leg_numbness"}))
    decisive = [(e.plugin, e.rule) for e in a.trace if e.decisive]
    assert ("red_flags", "leg_numbness") in decisive            # set the tier
    assert any(p == "timeline" for p, _ in decisive)            # set the activity cap
    assert a.trace[-1].plugin == "host" and "see_doctor" in a.trace[-1].outcome
    assert all(e.source for e in a.trace if e.plugin != "host"), "every finding carries its source"


@pytest.mark.parametrize("kwargs,field", [
    ({"days_since_onset": -1}, "days_since_onset"),
    ({"days_since_onset": 2.5}, "days_since_onset"),
    ({"days_since_onset": "3"}, "days_since_onset"),
    ({"days_since_onset": True}, "days_since_onset"),
    ({"pain": 11}, "pain"),
    ({"pain": -3}, "pain"),
    ({"pain": "six"}, "pain"),
    ({"age": -1}, "age"),
    ({"age": 400}, "age"),
    ({"symptoms": "fever"}, "symptoms"),
    ({"symptoms": {3}}, "symptoms"),
    ({"activity": ""}, "activity"),
])
def test_out_of_range_input_raises_a_value_error_naming_the_field(kwargs, field):
    with pytest.raises(ValueError, match=field):
        assess(Case(**kwargs))


def test_unknown_symptom_and_activity_raise_value_errors():
    with pytest.raises(ValueError, match="symptoms.*not_a_symptom"):
        assess(Case(symptoms={"not_a_symptom"}))
    with pytest.raises(ValueError, match="activity.*skydiving"):
        assess(Case(activity="skydiving"))


@pytest.mark.parametrize("activity,days,pain,allowed,opens", [
    ("running", 5, 2, False, 21),
    ("jogging", 25, 2, True, None),        # a synonym of running
    ("walking", 3, 2, True, None),
    ("swimming", 10, 2, False, 14),        # held back to day 14
    ("golf", 30, 1, False, 43),
    ("golf", 50, 0, True, None),
])
def test_activity_questions_say_when_the_activity_opens(activity, days, pain, allowed, opens):
    a = assess(Case(days_since_onset=days, pain=pain, activity=activity))
    assert a.activity.allowed is allowed
    assert a.activity.opens_on_day == opens


def test_no_activity_is_allowed_in_an_emergency():
    a = assess(Case(days_since_onset=50, pain=0, symptoms={"chest_pain"}, activity="walking"))
    assert a.activity.allowed is False and a.activity.opens_on_day is None
    assert a.next_step is None


def test_next_step_says_which_level_opens_and_when():
    a = assess(Case(days_since_onset=5, pain=2))
    assert a.next_step.level == "light_activity" and a.next_step.day == 8
    assert "bridge" in a.next_step.adds.lower()
