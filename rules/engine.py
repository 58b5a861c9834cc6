"""The rule engine: the only caller of hooks.

`RuleSet` calls the catalogue hooks once when it is built and validates their records, then
answers cases. Case hooks are called implementation by implementation, so one plugin that
raises or returns garbage is recorded and ignored while the others still decide; the safety
invariants (an emergency always wins, a failed red-flag check fails closed) are enforced here,
not left to the plugins' manners.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Iterator, Mapping

import pluggy

from .checks import CheckResult, check_cases
from .contracts import PluginError, check_answer, check_finding, records_of
from .manager import ESSENTIAL_PLUGINS, build_plugin_manager
from .models import (
    AVOID_ITEMS,
    CARE_TIERS,
    LEVELS,
    TIERS,
    Activity,
    ActivityLevel,
    ActivityVerdict,
    Advice,
    Assessment,
    Case,
    Finding,
    NextStep,
    RuleCase,
    Stage,
    Stretch,
    Symptom,
    TraceEntry,
    most_conservative,
    most_severe,
    ordered_avoid,
    rank,
)
from .topics import Answer, Source

log = logging.getLogger(__name__)

#: What a care answer (emergency, urgent) must never allow, whatever the plugins say.
CARE_AVOID = ("exercise", "stretching", "waiting to see")
#: Tier and cap when a safety-critical plugin fails.
FAIL_CLOSED_TIER = "urgent"
FAIL_CLOSED_CAP = "rest"
#: How many assessments a rule set keeps for reuse.
ASSESSMENT_CACHE = 4096
ADVICE_KINDS = frozenset({"relief", "before_stretching", "safety_net", "when_to_see_doctor"})

_AVOID = frozenset(AVOID_ITEMS)
_LEVELS = frozenset(LEVELS)
_TIERS = frozenset(TIERS)


def _impls(pm: pluggy.PluginManager, hook: str, *, pluggy_order: bool = False) -> tuple:
    """The implementations of `hook` that take part in results (wrappers never do).

    Order: registration order (built-ins first), or pluggy's call order (tryfirst first, then
    the most recently registered) when `pluggy_order` is set, for first-result hooks.
    """
    impls = getattr(pm.hook, hook).get_hookimpls()
    return tuple(i for i in (reversed(impls) if pluggy_order else impls) if not (i.hookwrapper or i.wrapper))


def _call_each(impls: Iterable, kwargs: Mapping[str, object]) -> list[tuple[str, object, BaseException | None]]:
    """Call every implementation on its own; (plugin, result, error) for each."""
    results = []
    for impl in impls:
        try:
            result = impl.function(*[kwargs[name] for name in impl.argnames])
            if isinstance(result, Iterator):  # run generators here, inside the isolation
                result = list(result)
        except Exception as exc:  # noqa: BLE001 - isolation: a plugin's error is recorded, not raised
            results.append((impl.plugin_name, None, exc))
        else:
            results.append((impl.plugin_name, result, None))
    return results


class RuleSet:
    """The combined rules of a plugin manager: catalogues loaded once, cases answered many times.

    :param pm: a plugin manager from :func:`rules.build_plugin_manager` (or any pluggy manager
        with the Back Coach hook specs and the essential built-ins registered). The rule set
        uses the plugins registered when it is built: build a new one after registering more.
    :raises ValueError: when catalogue data is inconsistent (duplicate ids, unknown levels,
        a missing ladder level) or an essential built-in is missing or broken.
    """

    def __init__(self, pm: pluggy.PluginManager) -> None:
        self.pm = pm
        self.problems: list[str] = []
        #: (hook, record id) -> the plugin(s) the record comes from, for `backcoach sources`
        self.origins: dict[tuple[str, str], str] = {}
        registered = {name for name, plugin in pm.list_name_plugin() if plugin is not None}
        missing = ESSENTIAL_PLUGINS - registered
        if missing:
            raise ValueError(f"essential rule plugin(s) not registered: {', '.join(sorted(missing))}")
        self.symptoms: dict[str, Symptom] = self._unique("backcoach_symptoms", Symptom, "id")
        self.levels: dict[str, ActivityLevel] = self._ladder()
        self.stages: dict[str, Stage] = self._timeline()
        self.stretches: dict[str, Stretch] = self._unique("backcoach_stretches", Stretch, "id")
        self.activities: dict[str, Activity] = self._unique("backcoach_activities", Activity, "id")
        self.advice: dict[str, Advice] = self._unique("backcoach_advice", Advice, "id")
        #: topic -> the answer of the last registered plugin that answers it
        self.answers: dict[str, Answer] = {}
        #: topic -> the plugin whose answer is used
        self.answered_by: dict[str, str] = {}
        self._answers()
        self.sources: dict[str, Source] = self._sources()
        self._activity_names = self._activity_lookup()
        self._validate_references()
        self._case_impls = {
            "backcoach_red_flags": _impls(pm, "backcoach_red_flags"),
            "backcoach_exercise_timing": _impls(pm, "backcoach_exercise_timing"),
            "backcoach_choose_routine": _impls(pm, "backcoach_choose_routine", pluggy_order=True),
        }
        self._assessed: dict[Case, Assessment] = {}

    # ----------------------------------------------------------------- catalogues
    def _catalogue(self, hook: str, kind: type) -> Iterator[tuple[str, object]]:
        """Records of a catalogue hook with their plugin; a broken built-in stops start-up."""
        for plugin, result, error in _call_each(_impls(self.pm, hook), {}):
            try:
                if error is not None:
                    raise PluginError(f"raised {type(error).__name__}: {error}") from error
                records = records_of(result, kind)
            except PluginError as exc:
                self._plugin_failed(plugin, hook, str(exc))
                continue
            for record in records:
                yield plugin, record

    def _plugin_failed(self, plugin: str, hook: str, problem: str) -> None:
        origin = getattr(self.pm, "records", {}).get(plugin)
        message = f"plugin {plugin!r} {hook}: {problem}"
        if origin is not None and origin.origin == "builtin":
            raise ValueError(message)
        log.error("rule plugin failed: %s", message)
        self.problems.append(message)

    def _unique(self, hook: str, kind: type, key: str) -> dict:
        found: dict = {}
        for plugin, record in self._catalogue(hook, kind):
            ident = getattr(record, key)
            if ident in found:
                self._plugin_failed(plugin, hook, f"duplicate id {ident!r}")
                continue
            found[ident] = record
            self.origins[(hook, ident)] = plugin
        return found

    def _answers(self) -> None:
        hook = "backcoach_answers"
        for plugin, result, error in _call_each(_impls(self.pm, hook), {}):
            try:
                if error is not None:
                    raise PluginError(f"raised {type(error).__name__}: {error}") from error
                answers = [check_answer(a) for a in records_of(result, Answer)]
                topics = [a.topic for a in answers]
                twice = sorted({t for t in topics if topics.count(t) > 1})
                if twice:
                    raise PluginError(f"answers topic(s) {', '.join(twice)} more than once")
            except PluginError as exc:
                self._plugin_failed(plugin, hook, str(exc))
                continue
            for answer in answers:  # registration order: the last plugin's answer wins
                self.answers[answer.topic] = answer
                self.answered_by[answer.topic] = plugin

    def _sources(self) -> dict[str, Source]:
        sources: dict[str, Source] = {}
        claimed: dict[str, str] = {}
        for plugin, source in self._catalogue("backcoach_sources", Source):
            names = [n.casefold() for n in source.names]
            taken = sorted(n for n in names if n in claimed)
            if source.id in sources or taken or not names:
                problem = (f"duplicate id {source.id!r}" if source.id in sources else
                           f"source {source.id!r} has no names" if not names else
                           f"source {source.id!r}: name(s) {', '.join(taken)} already taken")
                self._plugin_failed(plugin, "backcoach_sources", problem)
                continue
            sources[source.id] = source
            self.origins[("backcoach_sources", source.id)] = plugin
            claimed.update(dict.fromkeys(names, source.id))
        return sources

    def _ladder(self) -> dict[str, ActivityLevel]:
        spoken: dict[str, ActivityLevel] = {}
        avoid: dict[str, set[str]] = {level: set() for level in LEVELS}
        for plugin, record in self._catalogue("backcoach_activity_levels", ActivityLevel):
            if record.id not in avoid or not set(record.avoid) <= _AVOID:
                self._plugin_failed(plugin, "backcoach_activity_levels", f"bad level record {record.id!r}")
                continue
            if record.id not in spoken:
                spoken[record.id] = record
                self.origins[("backcoach_activity_levels", record.id)] = plugin
            avoid[record.id].update(record.avoid)
        missing = [level for level in LEVELS if level not in spoken]
        if missing:
            raise ValueError(f"no plugin describes the ladder level(s) {', '.join(missing)}")
        avoid["none"].update(CARE_AVOID)
        return {level: ActivityLevel(level, spoken[level].summary, spoken[level].adds,
                                     ordered_avoid(avoid[level]), spoken[level].source)
                for level in LEVELS}

    def _timeline(self) -> dict[str, Stage]:
        stages: dict[str, Stage] = {}
        for plugin, stage in self._catalogue("backcoach_timeline", Stage):
            if stage.level not in _LEVELS or stage.level == "none":
                self._plugin_failed(plugin, "backcoach_timeline", f"bad stage level {stage.level!r}")
                continue
            old = stages.get(stage.level)
            if old is not None:  # the most conservative of all plugins
                stage = Stage(stage.level, max(old.first_day, stage.first_day),
                              min(old.max_pain, stage.max_pain), f"{old.source}; {stage.source}")
            stages[stage.level] = stage
            key = ("backcoach_timeline", stage.level)
            self.origins[key] = f"{self.origins[key]}, {plugin}" if key in self.origins else plugin
        missing = [level for level in LEVELS[1:] if level not in stages]
        if missing:
            raise ValueError(f"no plugin puts the level(s) {', '.join(missing)} on the timeline")
        return stages

    def _activity_lookup(self) -> dict[str, str]:
        names: dict[str, str] = {}
        for activity in self.activities.values():
            for name in (activity.id, activity.id.replace("_", " "), activity.name, *activity.synonyms):
                names.setdefault(_norm(name), activity.id)
        return names

    def _validate_references(self) -> None:
        for symptom in self.symptoms.values():
            for ident in (symptom.clarify_yes, symptom.clarify_no):
                if ident is not None and (ident not in self.symptoms or self.symptoms[ident].clarify_yes):
                    raise ValueError(f"symptom {symptom.id!r}: clarifies to unknown or vague symptom {ident!r}")
        for stretch in self.stretches.values():
            if stretch.earliest not in _LEVELS:
                raise ValueError(f"stretch {stretch.id!r}: unknown earliest level {stretch.earliest!r}")
            unknown = set(stretch.contraindications) - self.symptoms.keys()
            if unknown:
                raise ValueError(f"stretch {stretch.id!r}: unknown contraindications {sorted(unknown)}")
            if not set(stretch.tags) <= _AVOID:
                raise ValueError(f"stretch {stretch.id!r}: unknown tags {stretch.tags!r}")
        for activity in self.activities.values():
            if activity.least not in _LEVELS:
                raise ValueError(f"activity {activity.id!r}: unknown level {activity.least!r}")
        for advice in self.advice.values():
            if advice.kind not in ADVICE_KINDS:
                raise ValueError(f"advice {advice.id!r}: unknown kind {advice.kind!r}")

    # ----------------------------------------------------------------- lookups
    def activity(self, name: str) -> Activity:
        """The activity with this id, name or synonym. :raises ValueError: when unknown."""
        if name in self.activities:
            return self.activities[name]
        ident = self._activity_names.get(_norm(name))
        if ident is None:
            raise ValueError(f"activity: unknown activity {name!r}")
        return self.activities[ident]

    def advice_of(self, kind: str) -> tuple[Advice, ...]:
        """All advice of one kind, in plugin order."""
        return tuple(a for a in self.advice.values() if a.kind == kind)

    def check_case(self, case: Case) -> Case:
        """`case` if every symptom id is known. :raises ValueError: naming the field otherwise."""
        unknown = case.symptoms - self.symptoms.keys()
        if unknown:
            raise ValueError(f"symptoms: unknown symptom id(s) {', '.join(sorted(unknown))}")
        return case

    # ----------------------------------------------------------------- assessment
    def assess(self, case: Case) -> Assessment:
        """Turn a case into an assessment. :raises ValueError: for unknown symptoms or activity.

        Case hooks are pure functions of the case, so the assessment of a case is kept and
        reused (a bounded cache); an assessment in which a plugin failed is never kept.
        """
        if not isinstance(case, Case):
            raise ValueError(f"case must be a rules.Case, not {type(case).__name__}")
        known = self._assessed.get(case)
        if known is not None:
            return known
        assessment, clean = self._assess(case)
        if clean:
            if len(self._assessed) >= ASSESSMENT_CACHE:
                self._assessed.clear()
            self._assessed[case] = assessment
        return assessment

    def _assess(self, case: Case) -> tuple[Assessment, bool]:
        self.check_case(case)
        activity = self.activity(case.activity) if case.activity is not None else None
        trace: list[TraceEntry] = []
        findings: list[tuple[str, str, Finding]] = []
        failed = set()
        for hook in ("backcoach_red_flags", "backcoach_exercise_timing"):
            for plugin, finding in self._findings(hook, case, trace, failed):
                findings.append((plugin, hook, finding))

        fail_closed = "red_flags" in failed
        tier = most_severe([f.tier for _, _, f in findings if f.tier]
                           + ([FAIL_CLOSED_TIER] if fail_closed else []))
        caps = [f.max_activity for _, _, f in findings if f.max_activity]
        if "timeline" in failed:
            caps.append(FAIL_CLOSED_CAP)
        care = tier in CARE_TIERS
        max_activity = "none" if care else most_conservative(caps)
        avoid = set(self.levels[max_activity].avoid)
        if care:  # the answer is about getting care: exactly the care items, nothing about exercise
            avoid.update(CARE_AVOID)
        else:
            for _, _, finding in findings:
                avoid.update(finding.avoid)

        for plugin, hook, finding in findings:
            decisive = (finding.tier == tier and tier != "self_care") or (
                not care and finding.max_activity == max_activity)
            trace.append(TraceEntry(plugin, hook, finding.rule, source=finding.source, decisive=decisive,
                                    finding=finding))
        if fail_closed:
            trace.append(TraceEntry("host", "backcoach_red_flags", "fail_closed",
                                    f"red-flag check failed: tier {FAIL_CLOSED_TIER}, no activity",
                                    decisive=True))
        trace.append(TraceEntry(
            "host", "combine", "decision",
            f"tier {tier} (most severe), max activity {max_activity} (most conservative)"
            + (", care tier allows no activity" if care else ""), decisive=True))

        day = case.days_since_onset if case.days_since_onset is not None else 0
        return Assessment(
            case=case,
            tier=tier,
            max_activity=max_activity,
            avoid=ordered_avoid(avoid),
            trace=tuple(trace),
            stage=self._stage(day),
            findings=tuple(f for _, _, f in findings),
            fail_closed=fail_closed,
            missing=tuple(name for name, value in (("days_since_onset", case.days_since_onset),
                                                    ("pain", case.pain)) if value is None),
            next_step=None if care else self._next_step(max_activity),
            activity=None if activity is None else self._verdict(activity, max_activity, care),
        ), not failed

    def _findings(self, hook: str, case: Case, trace: list[TraceEntry], failed: set[str]
                  ) -> Iterator[tuple[str, Finding]]:
        for plugin, result, error in _call_each(self._case_impls[hook], {"case": case}):
            try:
                if error is not None:
                    raise PluginError(f"raised {type(error).__name__}: {error}")
                checked = [check_finding(f) for f in records_of(result, Finding)]
            except PluginError as exc:
                # The type only: a plugin's message may quote the case, and logs never carry health data.
                log.error("rule plugin %s failed in %s: %s", plugin, hook, type(error or exc).__name__)
                failed.add(plugin)
                trace.append(TraceEntry(plugin, hook, "error", f"ignored: {exc}"))
                continue
            for finding in checked:
                yield plugin, finding

    def _stage(self, day: int) -> str:
        reached = "rest"
        for level, stage in self.stages.items():
            if stage.first_day <= day and rank(level) > rank(reached):
                reached = level
        return reached

    def _next_step(self, level: str) -> NextStep | None:
        if level == "normal":
            return None
        following = LEVELS[rank(level) + 1]
        stage = self.stages[following]
        return NextStep(following, self.levels[following].adds, stage.first_day, stage.max_pain)

    def _verdict(self, activity: Activity, max_activity: str, care: bool) -> ActivityVerdict:
        allowed = not care and rank(max_activity) >= rank(activity.least)
        stage = self.stages.get(activity.least)
        if allowed or care or stage is None:
            return ActivityVerdict(activity, allowed, None, None)
        return ActivityVerdict(activity, False, stage.first_day, stage.max_pain)

    # ----------------------------------------------------------------- routines
    def candidates(self, case: Case, assessment: Assessment) -> tuple[Stretch, ...]:
        """Catalogue stretches allowed for this assessment, in catalogue order."""
        if assessment.tier in CARE_TIERS or assessment.max_activity == "none":
            return ()
        limit = rank(assessment.max_activity)
        avoid = set(assessment.avoid)
        return tuple(
            s for s in self.stretches.values()
            if rank(s.earliest) <= limit and not avoid & set(s.tags)
            and not s.contraindications & case.symptoms)

    def routine(self, case: Case, assessment: Assessment | None = None) -> tuple[Stretch, ...]:
        """Today's guided routine: chosen by the plugins, filtered again by the host for safety."""
        assessment = assessment or self.assess(case)
        allowed = self.candidates(case, assessment)
        if not allowed:
            return ()
        by_id = {s.id: s for s in allowed}
        kwargs = {"case": case, "assessment": assessment, "candidates": allowed}
        for plugin, result, error in _call_each(self._case_impls["backcoach_choose_routine"], kwargs):
            if error is not None:
                log.error("rule plugin %s failed in backcoach_choose_routine: %s", plugin, type(error).__name__)
                continue
            if result is None:
                continue
            if isinstance(result, str) or not isinstance(result, Iterable):
                log.error("rule plugin %s returned a bad routine: %r", plugin, type(result).__name__)
                continue
            chosen = list(dict.fromkeys(i for i in result if isinstance(i, str) and i in by_id))
            return tuple(by_id[i] for i in chosen)
        return allowed

    # ----------------------------------------------------------------- plugin test cases
    def test_cases(self) -> list[tuple[str, RuleCase]]:
        """Every plugin's test cases with the plugin that ships them."""
        return list(self._catalogue("backcoach_test_cases", RuleCase))

    def check(self) -> list[CheckResult]:
        """Run every plugin's test cases against these combined rules (`rules.checks`)."""
        return check_cases(self)


def _norm(name: str) -> str:
    return " ".join(name.lower().replace("_", " ").replace("-", " ").split())


@functools.cache
def default_rules() -> RuleSet:
    """The rule set of the default plugin manager (built-ins plus entry points), built on first use."""
    return RuleSet(build_plugin_manager())


def assess(case: Case, pm: pluggy.PluginManager | None = None) -> Assessment:
    """Assess `case` with the default plugins, or with the explicit plugin manager `pm`.

    :raises ValueError: naming the field, for out-of-range or unknown input.
    """
    rules = default_rules() if pm is None else RuleSet(pm)
    return rules.assess(case)


