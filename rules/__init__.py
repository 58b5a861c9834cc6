"""Back Coach rule layer: pluggy hook specs, the plugin manager and the engine that combines plugins.

    from rules import Case, assess
    a = assess(Case(days_since_onset=3, pain=5, symptoms={"leg_numbness"}))
    a.tier, a.max_activity, a.avoid, a.trace

This package is pure Python: it imports neither Flask nor ask-sdk.
"""

from .checks import CheckResult
from .engine import RuleSet, assess, default_rules
from .manager import (
    BUILTIN_PLUGINS,
    ENTRY_POINT_GROUP,
    ESSENTIAL_PLUGINS,
    PluginRecord,
    build_plugin_manager,
    hookimpl,
    plugin_records,
)
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
    Move,
    NextStep,
    RuleCase,
    Stage,
    Stretch,
    Symptom,
    TraceEntry,
)
from .topics import KNOWN_TOPICS, PLACEHOLDERS, Answer, AnswerLine, Source

__all__ = [
    "AVOID_ITEMS", "BUILTIN_PLUGINS", "CARE_TIERS", "ENTRY_POINT_GROUP", "ESSENTIAL_PLUGINS",
    "KNOWN_TOPICS", "LEVELS", "PLACEHOLDERS", "TIERS", "Activity", "ActivityLevel",
    "ActivityVerdict", "Advice", "Answer", "AnswerLine", "Assessment", "Case", "CheckResult",
    "Finding", "Move", "NextStep", "PluginRecord", "RuleCase", "RuleSet", "Source", "Stage",
    "Stretch", "Symptom", "TraceEntry", "assess", "build_plugin_manager", "default_rules",
    "hookimpl", "plugin_records",
]
