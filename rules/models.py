"""The rule layer's vocabulary: frozen records that hooks return and the engine combines.

Everything here is plain data. Plugins build these records from their data files; the engine
(`rules.engine`) validates what plugins return against these types and combines them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

#: Tiers from most to least severe.
TIERS: tuple[str, ...] = ("emergency", "urgent", "see_doctor", "self_care")
#: The activity ladder, least to most strenuous.
LEVELS: tuple[str, ...] = (
    "none", "rest", "gentle_stretching", "light_activity",
    "low_impact_exercise", "gradual_return", "normal",
)
#: Must-not-allow items, in the order answers list them.
AVOID_ITEMS: tuple[str, ...] = (
    "exercise", "stretching", "waiting to see", "heavy lifting",
    "twisting", "high impact", "prolonged bed rest", "forward bends",
)
#: Tiers at which the answer is about getting care, never about exercise.
CARE_TIERS = frozenset({"emergency", "urgent"})
MAX_PAIN = 10
MAX_DAYS = 3650
MAX_AGE = 130


_SEVERITY = {tier: n for n, tier in enumerate(TIERS)}
_RANK = {level: n for n, level in enumerate(LEVELS)}


def rank(level: str) -> int:
    """Rank of a ladder level: 0 is `none`, 6 is `normal`."""
    return _RANK[level]


def most_severe(tiers: Iterable[str]) -> str:
    """The most severe of `tiers`; `self_care` when there are none."""
    return min(tiers, key=_SEVERITY.__getitem__, default="self_care")


def most_conservative(levels: Iterable[str]) -> str:
    """The least strenuous of `levels`; `normal` when there are none."""
    return min(levels, key=_RANK.__getitem__, default="normal")


def ordered_avoid(items: Iterable[str]) -> tuple[str, ...]:
    """`items` without duplicates, in the canonical AVOID_ITEMS order."""
    wanted = set(items)
    return tuple(item for item in AVOID_ITEMS if item in wanted)


def _check_int(name: str, value: object, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be a whole number from {low} to {high}, not {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{name} must be from {low} to {high}, not {value}")


@dataclass(frozen=True)
class Case:
    """What we know about the user's back today.

    days_since_onset: whole days since the spasm started (0 = today), or None when unknown.
    pain: 0-10, or None when not rated.
    symptoms: symptom ids (see `backcoach_symptoms`); validated against the plugins' vocabulary
        by `assess`. An `age` over 50 adds `age_over_50`.
    age: whole years, or None.
    activity: an activity id or name the user asks about ("running"), or None.
    """

    days_since_onset: int | None = None
    pain: int | None = None
    symptoms: frozenset[str] = frozenset()
    age: int | None = None
    activity: str | None = None

    def __post_init__(self) -> None:
        if self.days_since_onset is not None:
            _check_int("days_since_onset", self.days_since_onset, 0, MAX_DAYS)
        if self.pain is not None:
            _check_int("pain", self.pain, 0, MAX_PAIN)
        if self.age is not None:
            _check_int("age", self.age, 0, MAX_AGE)
        if isinstance(self.symptoms, str) or not isinstance(self.symptoms, Iterable):
            raise ValueError(f"symptoms must be a collection of symptom ids, not {self.symptoms!r}")
        symptoms = frozenset(self.symptoms)
        if not all(isinstance(s, str) and s for s in symptoms):
            raise ValueError(f"symptoms must be symptom id strings, not {sorted(map(repr, symptoms))}")
        if self.age is not None and self.age > 50:
            symptoms |= {"age_over_50"}
        object.__setattr__(self, "symptoms", symptoms)
        if self.activity is not None and (not isinstance(self.activity, str) or not self.activity.strip()):
            raise ValueError(f"activity must be a non-empty activity name, not {self.activity!r}")


@dataclass(frozen=True)
class Finding:
    """One rule's contribution to an assessment.

    rule: the rule's id, unique within its plugin ("saddle_numbness", "stage_day_3").
    tier: the triage tier this rule sets off, or None when it does not escalate.
    max_activity: the ladder level this rule caps activity at, or None.
    avoid: must-not-allow items this rule adds.
    reason: a short English phrase for the trace ("saddle numbness is an emergency").
    source: where the rule comes from (guideline or seed article).
    """

    rule: str
    source: str
    reason: str = ""
    tier: str | None = None
    max_activity: str | None = None
    avoid: tuple[str, ...] = ()


@dataclass(frozen=True)
class Symptom:
    """A symptom the rule layer understands (a SYMPTOM slot value).

    clarify_yes / clarify_no: for a vague complaint ("my legs hurt"), the symptom a "yes" (or an
    unclear answer) and a "no" to the host's one clarifying question stand for; None for "no"
    means no symptom. Specific symptoms have neither and are never delayed by a question.
    """

    id: str
    label: str
    definition: str
    synonyms: tuple[str, ...]
    source: str
    tier: str | None = None
    clarify_yes: str | None = None
    clarify_no: str | None = None


@dataclass(frozen=True)
class ActivityLevel:
    """One rung of the activity ladder, as spoken.

    summary: what is fine today at this level; adds: what this level adds to the one below;
    avoid: the must-not-allow items at this level.
    """

    id: str
    summary: str
    adds: str
    avoid: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class Stage:
    """A step of the timeline: `level` is reached on `first_day` if pain is at most `max_pain`."""

    level: str
    first_day: int
    max_pain: int
    source: str


#: How a move's seconds are spent: held still and counted down, or a slow breath counted up.
MOVE_KINDS: tuple[str, ...] = ("hold", "breath")
SIDES: tuple[str, ...] = ("right", "left")


@dataclass(frozen=True)
class Move:
    """One movement of a stretch: what to say, then how long to hold (seconds, 0 = no hold).

    say: the full instruction (the first repetition, and whenever the user says "repeat").
    cue: the short cue for later repetitions ("Lift your hips."); empty means `say`.
    side: "right" or "left" for one-sided moves, so a turn can end with "Say next for the
        other side"; empty otherwise.
    kind: "hold" (held still, a settle pause first, the end counted down) or "breath" (the
        seconds are the breath itself, counted up).
    """

    say: str
    hold: int = 0
    cue: str = ""
    side: str = ""
    kind: str = "hold"

    def words(self, full: bool) -> str:
        """What is said for this move: the full instruction, or the cue."""
        return self.say if full or not self.cue else self.cue


@dataclass(frozen=True)
class Stretch:
    """A stretch of the catalogue, with its spoken steps and its safety limits."""

    id: str
    name: str
    synonyms: tuple[str, ...]
    position: str
    earliest: str
    stop_if: str
    setup: tuple[str, ...]
    moves: tuple[Move, ...]
    repetitions: int
    source: str
    tags: tuple[str, ...] = ()
    contraindications: frozenset[str] = frozenset()
    finish: str = ""
    #: Seconds of silence after "Get into position." (the setup) and before each timed hold.
    position_seconds: int = 5
    settle_seconds: int = 3

    @property
    def hold_seconds(self) -> int:
        """Total seconds of holding over all repetitions."""
        return self.repetitions * sum(move.hold for move in self.moves)


@dataclass(frozen=True)
class Activity:
    """Something a user may ask to do ("running"), and the least level that allows it."""

    id: str
    name: str
    synonyms: tuple[str, ...]
    least: str
    source: str


@dataclass(frozen=True)
class Advice:
    """A spoken piece of advice. kind: relief | before_stretching | safety_net | when_to_see_doctor."""

    id: str
    kind: str
    say: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class RuleCase:
    """A test case a plugin ships: a case and the answer it expects from the combined rules."""

    name: str
    case: Case
    expect_tier: str
    expect_activity: str
    expect_avoid: tuple[str, ...] | None = None
    expect_activity_allowed: bool | None = None
    expect_routine_includes: tuple[str, ...] = ()
    expect_routine_excludes: tuple[str, ...] = ()


@dataclass(frozen=True)
class TraceEntry:
    """One line of an assessment's trace: which plugin and rule produced what.

    outcome: what it did, in words ("tier urgent (fever: urgent on its own)"), from the
    finding (worded only when read) or from `note` for errors and host decisions.
    decisive: this entry set the final tier or activity cap.
    """

    plugin: str
    hook: str
    rule: str
    note: str = ""
    source: str = ""
    decisive: bool = False
    finding: Finding | None = None

    @property
    def outcome(self) -> str:
        if self.finding is None:
            return self.note
        f = self.finding
        parts = [text for value, text in ((f.tier, f"tier {f.tier}"), (f.max_activity, f"cap {f.max_activity}"),
                                          (f.avoid, f"avoid {', '.join(f.avoid)}")) if value]
        text = "; ".join(parts) or "no effect"
        return f"{text} ({f.reason})" if f.reason else text

    def as_dict(self) -> dict[str, object]:
        return {"plugin": self.plugin, "hook": self.hook, "rule": self.rule, "outcome": self.outcome,
                "source": self.source, "decisive": self.decisive}

    def __str__(self) -> str:
        mark = "*" if self.decisive else "-"
        source = f" [{self.source}]" if self.source else ""
        return f"{mark} {self.plugin}.{self.rule}: {self.outcome}{source}"


@dataclass(frozen=True)
class NextStep:
    """The next level up the ladder and what it takes: a day on the timeline and a pain score."""

    level: str
    adds: str
    day: int
    max_pain: int


@dataclass(frozen=True)
class ActivityVerdict:
    """The answer to "can I go running?": allowed today, and if not, when it opens."""

    activity: Activity
    allowed: bool
    opens_on_day: int | None
    max_pain: int | None


@dataclass(frozen=True)
class Assessment:
    """What the rule layer says about a case.

    tier: emergency | urgent | see_doctor | self_care (the most severe finding).
    max_activity: the most conservative cap; `none` whenever the tier is emergency or urgent.
    avoid: must-not-allow items in AVOID_ITEMS order.
    trace: every finding, error and decision, in evaluation order.
    stage: the timeline's level for the day alone (before pain and symptom caps).
    fail_closed: a safety-critical plugin failed, so the answer only tells the user to get help.
    missing: facts the answer should ask for ("days_since_onset", "pain").
    """

    case: Case
    tier: str
    max_activity: str
    avoid: tuple[str, ...]
    trace: tuple[TraceEntry, ...]
    stage: str
    findings: tuple[Finding, ...] = ()
    fail_closed: bool = False
    missing: tuple[str, ...] = ()
    next_step: NextStep | None = None
    activity: ActivityVerdict | None = None

    @property
    def red_flags(self) -> tuple[Finding, ...]:
        """Findings that escalate to emergency or urgent."""
        return tuple(f for f in self.findings if f.tier in CARE_TIERS)

    def explain(self) -> str:
        """The assessment and its trace in words, for people."""
        lines = [
            f"tier: {self.tier}",
            f"max activity: {self.max_activity}",
            f"avoid: {', '.join(self.avoid) or '(nothing)'}",
        ]
        if self.fail_closed:
            lines.append("FAIL-CLOSED: a safety-critical plugin failed; the answer is 'get help'.")
        if self.activity is not None:
            verdict = "allowed" if self.activity.allowed else "not yet"
            opens = f", opens from day {self.activity.opens_on_day}" if self.activity.opens_on_day is not None else ""
            lines.append(f"{self.activity.activity.name}: {verdict}{opens}")
        if self.next_step is not None:
            n = self.next_step
            lines.append(f"next step: {n.level} from day {n.day} with pain {n.max_pain} or less")
        if self.missing:
            lines.append(f"ask for: {', '.join(self.missing)}")
        lines.append("trace (* decided the answer):")
        lines.extend(f"  {entry}" for entry in self.trace)
        return "\n".join(lines)
