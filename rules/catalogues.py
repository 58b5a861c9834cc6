"""The catalogues of a rule set: every catalogue hook called once, its records validated.

Symptoms, the activity ladder, the timeline, stretches, activities, advice, answers and
sources, with the plugin each record comes from. A broken built-in stops start-up (ValueError);
a broken third-party plugin is recorded in `problems` and left out.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping

import pluggy

from . import calls
from .contracts import PluginError, check_answer, records_of
from .manager import ESSENTIAL_PLUGINS
from .models import AVOID_ITEMS, LEVELS, Activity, ActivityLevel, Advice, Stage, Stretch, Symptom, ordered_avoid
from .topics import Answer, Source

log = logging.getLogger(__name__)

ADVICE_KINDS = frozenset({"relief", "before_stretching", "safety_net", "when_to_see_doctor"})
#: What a care answer (emergency, urgent) must never allow, whatever the plugins say.
CARE_AVOID = ("exercise", "stretching", "waiting to see")
_AVOID = frozenset(AVOID_ITEMS)
_LEVELS = frozenset(LEVELS)


def _impls(pm: pluggy.PluginManager, hook: str, *, pluggy_order: bool = False) -> tuple:
    """The implementations of `hook` that take part in results (wrappers never do).

    Order: registration order (built-ins first), or pluggy's call order (tryfirst first, then
    the most recently registered) when `pluggy_order` is set, for first-result hooks.
    """
    impls = getattr(pm.hook, hook).get_hookimpls()
    return tuple(i for i in (reversed(impls) if pluggy_order else impls) if not (i.hookwrapper or i.wrapper))


def _call_each(impls: Iterable, kwargs: Mapping[str, object]) -> list[tuple[str, object, BaseException | None]]:
    """Call every implementation on its own, inline (catalogue hooks); (plugin, result, error) for each."""
    return [(impl.plugin_name, *calls.call(impl, kwargs)) for impl in impls]


class Catalogues:
    """Every catalogue of `pm`'s plugins, built and checked once."""

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
        self.activity_names = self._activity_lookup()
        self._validate_references()

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


    def records(self, hook: str, kind: type) -> Iterator[tuple[str, object]]:
        """(plugin, record) of a catalogue hook called now (plugin test cases)."""
        return self._catalogue(hook, kind)


def _norm(name: str) -> str:
    return " ".join(name.lower().replace("_", " ").replace("-", " ").split())
