"""Hook specifications of the Back Coach rule layer.

A plugin is any module or object with functions named like the hooks below, decorated with
:data:`rules.hookimpl`. Built-in plugins (`plugins/`) are ordinary plugins; third-party ones are
found through the ``backcoach.rules`` entry-point group.

Two kinds of hooks:

* **Case hooks** (``backcoach_red_flags``, ``backcoach_exercise_timing``,
  ``backcoach_choose_routine``) run for every assessment. The engine calls each implementation
  of the two collect-all hooks *on its own*: one that raises or returns something that is not a
  :class:`~rules.models.Finding` is recorded in the trace and logged, and the others still
  decide. Hook wrappers on ``backcoach_red_flags`` are refused at registration.
  Case hooks must depend on their arguments only (no clock, no I/O, no state): the engine
  reuses the assessment of an identical case. Each call has a deadline (0.5 s,
  ``BACKCOACH_PLUGIN_TIMEOUT``; `rules.calls`): a later answer is ignored and traced, an
  emergency already found is answered without waiting, and a plugin that keeps overrunning
  is disabled until restart.
* **Catalogue hooks** (everything else) run once, when the rule set is built at start-up; their
  records are validated then, so bad data stops start-up instead of failing a request.

Every record has an ``id`` (or ``rule``/``level``/``topic``); ids must be unique across plugins,
except answers, where a later plugin's answer replaces an earlier one's (``backcoach_answers``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pluggy

from .models import (
    Activity,
    ActivityLevel,
    Advice,
    Assessment,
    Case,
    Finding,
    RuleCase,
    Stage,
    Stretch,
    Symptom,
)
from .topics import Answer, Source

PROJECT = "backcoach"
hookspec = pluggy.HookspecMarker(PROJECT)


@hookspec
def backcoach_red_flags(case: Case) -> Iterable[Finding] | None:
    """Triage the case for red flags: symptoms or combinations that need care.

    Called for every assessment, before any other case hook.

    :param case: the user's case; ``case.symptoms`` holds validated symptom ids (``age_over_50``
        included when ``case.age`` is over 50).
    :return: the findings this plugin sets off, each with a ``tier`` (and optionally
        ``max_activity`` and ``avoid``), or ``None``/empty when nothing applies.

    Combined collect-all: every implementation contributes. The answer's tier is the most severe
    tier of all findings; an ``emergency`` or ``urgent`` tier forces ``max_activity == "none"``.
    Each implementation is called on its own: an exception or a non-``Finding`` result is
    recorded in the trace and ignored. If the built-in ``red_flags`` plugin fails, the
    assessment fails closed (tier at least ``urgent``, no activity). Hook wrappers are refused.
    """


@hookspec
def backcoach_exercise_timing(case: Case) -> Iterable[Finding] | None:
    """Say how much activity the case allows today: timeline stage, pain caps, pain escalations.

    Called for every assessment, after the red flags.

    :param case: the user's case. ``days_since_onset`` or ``pain`` may be ``None`` (unknown).
    :return: findings with ``max_activity`` caps and/or ``avoid`` items; a finding may also carry
        a ``tier`` (for example ``see_doctor`` when pain is severe), or ``None``/empty.

    Combined collect-all: the most conservative cap of all findings wins, the avoid items of all
    findings are joined, and the most severe tier counts like a red-flag tier. Each
    implementation is called on its own, like the red flags. If the built-in ``timeline``
    plugin fails, activity is capped at ``rest``.
    """


@hookspec(firstresult=True)
def backcoach_choose_routine(
    case: Case, assessment: Assessment, candidates: Sequence[Stretch]
) -> Sequence[str] | None:
    """Choose and order the stretches of today's guided routine.

    Called when the user asks to be guided through stretches, after the assessment.

    :param case: the user's case.
    :param assessment: the combined assessment of the case.
    :param candidates: every catalogue stretch the host already allows for this assessment
        (at or below ``assessment.max_activity``, no tag in ``assessment.avoid``, no
        contraindication in ``case.symptoms``), in catalogue order.
    :return: stretch ids in the order to do them, or ``None`` to let the next plugin choose.

    First result wins (the built-in chooser is ``trylast``). The host filters the result again
    against ``candidates``, so a plugin can reorder and shorten, never add an unsafe stretch.
    """


@hookspec
def backcoach_symptoms() -> Iterable[Symptom]:
    """Declare symptoms the rule layer understands (the SYMPTOM slot's values).

    Called once when the rule set is built.

    :return: symptom records; ``synonyms`` are the ways users say them (the voice model's
        synonyms) and ``label`` is how the skill names them back.

    Combined: all records of all plugins; a duplicate id is an error. ``Case.symptoms`` may only
    hold declared ids.
    """


@hookspec
def backcoach_activity_levels() -> Iterable[ActivityLevel]:
    """Describe the rungs of the activity ladder: what is fine at each, what each adds, what to avoid.

    Called once when the rule set is built.

    :return: ``ActivityLevel`` records for some or all of the seven ladder levels.

    Combined: for each level, the avoid items of all plugins are joined and the first plugin's
    spoken ``summary`` and ``adds`` are used. Every level must be described by some plugin.
    """


@hookspec
def backcoach_timeline() -> Iterable[Stage]:
    """Say from which day, and up to which pain score, each level opens.

    Called once when the rule set is built; used to tell users when the next step or an activity
    opens ("from day 8 you can add bridges").

    :return: ``Stage`` records (level, first day, highest pain that allows it).

    Combined conservatively: for each level the latest ``first_day`` and the lowest ``max_pain``
    of all plugins.
    """


@hookspec
def backcoach_stretches() -> Iterable[Stretch]:
    """Contribute stretches to the catalogue.

    Called once when the rule set is built.

    :return: ``Stretch`` records with their spoken steps, holds, earliest level, tags and
        contraindications. Each ``Move`` has the full instruction (``say``, said on the first
        repetition and on "repeat") and a short ``cue`` for later repetitions (without one,
        ``say`` is said every time); the host splits a long stretch into turns under its speech
        budget and counts each hold (``docs/plugin-data.md``).

    Combined: all records of all plugins, in registration order; a duplicate id is an error.
    """


@hookspec
def backcoach_activities() -> Iterable[Activity]:
    """Contribute activities a user may ask about ("can I go running?") and the least level for each.

    Called once when the rule set is built.

    :return: ``Activity`` records.

    Combined: all records of all plugins; a duplicate id is an error.
    """


@hookspec
def backcoach_advice() -> Iterable[Advice]:
    """Contribute spoken advice: relief tips, stretching safety rules, safety nets, when to see a doctor.

    Called once when the rule set is built.

    :return: ``Advice`` records (``kind`` is ``relief``, ``before_stretching``, ``safety_net`` or
        ``when_to_see_doctor``).

    Combined: all records of all plugins, in registration order; a duplicate id is an error.
    """


@hookspec
def backcoach_answers() -> Iterable[Answer]:
    """Answer the everyday questions people with a fresh back spasm ask: painkillers, recovery
    time, work, driving, sleep, sex, heat or ice, "is it serious?", "what caused it?".

    Called once when the rule set is built.

    :return: ``Answer`` records, at most one per topic. ``topic`` must be one of
        :data:`rules.models.KNOWN_TOPICS` (a plugin cannot invent a question the host has no
        intent for); ``lines`` must be non-empty, every line has a ``source`` and at least one
        ``quote`` (the source's exact words), ``if_avoid``/``unless_avoid`` are avoid items, and
        ``say`` uses only the placeholders of :data:`rules.models.PLACEHOLDERS`, which the host
        fills per locale. A record that breaks these rules fails the plugin, like bad catalogue
        data.

    Combined per topic: the answer of the plugin registered **last** wins, so a third-party
    rule pack (registered after the built-ins) overrides a built-in answer by answering the same
    topic. ``RuleSet.answers`` holds the winning answer of each topic and
    ``RuleSet.answered_by`` the plugin that gave it. Answers never change an assessment: the host
    runs its red-flag screen and safety net around them.
    """


@hookspec
def backcoach_sources() -> Iterable[Source]:
    """Describe the sources that records' ``source`` strings cite: guidelines, web pages, the
    clinical reference, the seed articles.

    Called once when the rule set is built.

    :return: ``Source`` records: an id, the ``names`` records use for it ("NHS back pain",
        "seed 001"), title, publisher, kind, URL where one exists, and the quotes the data relies
        on.

    Combined: all records of all plugins; a duplicate id or a name claimed twice is an error.
    ``backcoach sources`` and :meth:`rules.sources.Bibliography.cite` resolve each part of a ``source`` string
    against the combined names.
    """


@hookspec
def backcoach_test_cases() -> Iterable[RuleCase]:
    """Ship test cases: a case and the answer this plugin expects from the *combined* rules.

    Called by ``backcoach check`` (and the test suite), never while serving.

    :return: ``RuleCase`` records.

    Combined: all cases of all plugins; each is run against the full rule set as the server
    builds it, so a plugin learns when another installed plugin changes its answers.
    """
