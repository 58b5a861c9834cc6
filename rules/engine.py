"""The rule engine: the only caller of hooks.

`RuleSet` calls the catalogue hooks once when it is built and validates their records, then
answers cases. Case hooks are called implementation by implementation, each within a deadline
(`rules.calls`), so one plugin that raises, returns garbage or hangs is recorded and ignored
while the others still decide; the safety invariants (an emergency always wins, a failed or
overrunning red-flag check fails closed) are enforced here, not left to the plugins' manners.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Iterator

import pluggy

from . import calls
from .catalogues import CARE_AVOID, Catalogues, _impls
from .checks import CheckResult, check_cases
from .contracts import PluginError, check_finding, records_of
from .manager import ESSENTIAL_PLUGINS, build_plugin_manager, mark_overrun
from .models import (
    AVOID_ITEMS,
    CARE_TIERS,
    LEVELS,
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

#: Tier and cap when a safety-critical plugin fails.
FAIL_CLOSED_TIER = "urgent"
FAIL_CLOSED_CAP = "rest"
#: How many assessments a rule set keeps for reuse.
ASSESSMENT_CACHE = 4096

_AVOID = frozenset(AVOID_ITEMS)
_LEVELS = frozenset(LEVELS)


class RuleSet:
    """The combined rules of a plugin manager: catalogues loaded once, cases answered many times.

    :param pm: a plugin manager from :func:`rules.build_plugin_manager` (or any pluggy manager
        with the Back Coach hook specs and the essential built-ins registered). The rule set
        uses the plugins registered when it is built: build a new one after registering more.
    :param plugin_timeout: seconds each case-hook call may take (default: $BACKCOACH_PLUGIN_TIMEOUT,
        else `rules.calls.PLUGIN_TIMEOUT`).
    :raises ValueError: when catalogue data is inconsistent (duplicate ids, unknown levels,
        a missing ladder level) or an essential built-in is missing or broken.
    """

    def __init__(self, pm: pluggy.PluginManager, *, plugin_timeout: float | None = None) -> None:
        self.pm = pm
        catalogues = Catalogues(pm)
        self.problems = catalogues.problems
        #: (hook, record id) -> the plugin(s) the record comes from, for `backcoach sources`
        self.origins = catalogues.origins
        self.symptoms: dict[str, Symptom] = catalogues.symptoms
        self.levels: dict[str, ActivityLevel] = catalogues.levels
        self.stages: dict[str, Stage] = catalogues.stages
        self.stretches: dict[str, Stretch] = catalogues.stretches
        self.activities: dict[str, Activity] = catalogues.activities
        self.advice: dict[str, Advice] = catalogues.advice
        #: topic -> the answer of the last registered plugin that answers it
        self.answers: dict[str, Answer] = catalogues.answers
        #: topic -> the plugin whose answer is used
        self.answered_by: dict[str, str] = catalogues.answered_by
        self.sources: dict[str, Source] = catalogues.sources
        self._catalogues = catalogues
        self._activity_names = catalogues.activity_names
        self._case_impls = {
            "backcoach_red_flags": _impls(pm, "backcoach_red_flags"),
            "backcoach_exercise_timing": _impls(pm, "backcoach_exercise_timing"),
            "backcoach_choose_routine": _impls(pm, "backcoach_choose_routine", pluggy_order=True),
        }
        builtins = frozenset(n for n, r in getattr(pm, "records", {}).items() if r.origin == "builtin")
        self.calls = calls.CaseCalls(calls.timeout_from_env() if plugin_timeout is None else plugin_timeout,
                                     builtins, functools.partial(mark_overrun, pm))
        self._assessed: dict[Case, Assessment] = {}

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
        reused (a bounded cache); an assessment in which a plugin failed, overran or was not
        waited for is never kept.
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
        failed: set[str] = set()
        unfinished: set[str] = set()
        batch = [(hook, impl, {"case": case}) for hook in ("backcoach_red_flags", "backcoach_exercise_timing")
                 for impl in self._case_impls[hook]]
        outcomes = self.calls.run(batch, wait_until=calls.emergency_known)
        findings = list(self._findings(outcomes, trace, failed, unfinished))

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
                                    decisive=tier == FAIL_CLOSED_TIER))
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
        ), not (failed or unfinished)

    def _findings(self, outcomes: list[calls.Outcome], trace: list[TraceEntry], failed: set[str],
                  unfinished: set[str]) -> Iterator[tuple[str, str, Finding]]:
        """The findings of the calls that ended; the others are traced (and failed or unfinished)."""
        for o in outcomes:
            plugin, hook, error = o.plugin, o.hook, o.error
            essential = plugin in ESSENTIAL_PLUGINS
            if o.status == calls.OVERRAN:
                failed.add(plugin)  # an essential one fails closed, but its late findings still count
                trace.append(TraceEntry(plugin, hook, "overran", f"{o.note}: counts as failed" if essential
                                        else f"ignored: {o.note}"))
                if not essential or (o.result is None and error is None):
                    continue
            elif not o.counts:  # disabled (a stable state), not awaited or not started
                if o.status != calls.DISABLED:
                    unfinished.add(plugin)
                trace.append(TraceEntry(plugin, hook, o.status, o.note))
                continue
            try:
                if error is not None:
                    raise PluginError(f"raised {type(error).__name__}: {error}")
                checked = [check_finding(f) for f in records_of(o.result, Finding)]
            except PluginError as exc:
                # The type only: a plugin's message may quote the case, and logs never carry health data.
                log.error("rule plugin %s failed in %s: %s", plugin, hook, type(error or exc).__name__)
                failed.add(plugin)
                trace.append(TraceEntry(plugin, hook, "error", f"ignored: {exc}"))
                continue
            for finding in checked:
                yield plugin, hook, finding

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
        hook = "backcoach_choose_routine"
        for o in self.calls.run([(hook, i, kwargs) for i in self._case_impls[hook]], calls.first_choice_known):
            plugin, result, error = o.plugin, o.result, o.error
            if o.status != calls.OK:  # failed, overran (logged by rules.calls), disabled, not awaited
                if error is not None and o.status == calls.ERROR:
                    log.error("rule plugin %s failed in %s: %s", plugin, hook, type(error).__name__)
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
        return list(self._catalogues.records("backcoach_test_cases", RuleCase))

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


