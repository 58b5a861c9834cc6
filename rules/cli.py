"""The rule layer's commands of `backcoach`: assess, plugins, stretches, check, sources.

`skill.cli` adds the web-facing commands (serve, model, chat) to the same program.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import asdict
from typing import TextIO

from . import sources
from .engine import RuleSet
from .manager import build_plugin_manager, plugin_records
from .models import Assessment, Case, Stretch


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add the rule-layer subcommands to `sub`; each sets `func(args, out) -> exit code`."""
    p = sub.add_parser("assess", help="assess a case and show which rule decided")
    _case_arguments(p)
    p.add_argument("--activity", help="an activity to ask about, e.g. running")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_assess)

    p = sub.add_parser("plugins", help="list rule plugins: active, blocked, failed, disabled "
                                       "(case hooks are tried on a few cases: overruns show)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_plugins)

    p = sub.add_parser("stretches", help="list the stretch catalogue, or the routine for a case")
    _case_arguments(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_stretches)

    p = sub.add_parser("check", help="load every plugin and data file and run every plugin's test cases")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("sources", help="every answer line (and with --all every record) with its data file and citations")
    p.add_argument("--topic", help="only the answer of this topic, e.g. painkillers")
    p.add_argument("--all", action="store_true", help="also every symptom, level, stage, stretch, activity and advice")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print JSON")
    out.add_argument("--markdown", action="store_true",
                     help="print SOURCES.md (built-in plugins only, everything): "
                          "backcoach sources --markdown > SOURCES.md")
    p.set_defaults(func=cmd_sources)


def _case_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--days", type=int, help="days since the spasm started (0 = today)")
    p.add_argument("--pain", type=int, help="pain from 0 to 10")
    p.add_argument("--symptom", action="append", default=[], metavar="ID",
                   help="a symptom id (repeat for several)")
    p.add_argument("--age", type=int, help="age in years")


def _case(args: argparse.Namespace) -> Case:
    return Case(days_since_onset=args.days, pain=args.pain, symptoms=frozenset(args.symptom),
                age=args.age, activity=getattr(args, "activity", None))


def _has_case(args: argparse.Namespace) -> bool:
    return any(v not in (None, []) for v in (args.days, args.pain, args.symptom, args.age))


def assessment_json(a: Assessment) -> dict[str, object]:
    """An assessment as plain JSON-ready data."""
    return {
        "case": {"days_since_onset": a.case.days_since_onset, "pain": a.case.pain,
                 "symptoms": sorted(a.case.symptoms), "age": a.case.age, "activity": a.case.activity},
        "tier": a.tier,
        "max_activity": a.max_activity,
        "avoid": list(a.avoid),
        "stage": a.stage,
        "fail_closed": a.fail_closed,
        "missing": list(a.missing),
        "next_step": asdict(a.next_step) if a.next_step else None,
        "activity": None if a.activity is None else {
            "id": a.activity.activity.id, "allowed": a.activity.allowed,
            "opens_on_day": a.activity.opens_on_day, "max_pain": a.activity.max_pain},
        "trace": [entry.as_dict() for entry in a.trace],
    }


def stretch_json(s: Stretch) -> dict[str, object]:
    return {"id": s.id, "name": s.name, "earliest": s.earliest, "position": s.position,
            "repetitions": s.repetitions, "hold_seconds": s.hold_seconds, "tags": list(s.tags),
            "contraindications": sorted(s.contraindications), "source": s.source}


def cmd_assess(args: argparse.Namespace, out: TextIO) -> int:
    a = RuleSet(build_plugin_manager()).assess(_case(args))
    if args.json:
        json.dump(assessment_json(a), out, indent=2)
        out.write("\n")
    else:
        out.write(a.explain() + "\n")
    return 0


#: Cases `backcoach plugins` runs every case hook on (one asks for a routine), so that a
#: plugin that overruns its deadline shows as it would in the server: in its record.
PROBE_CASES = (Case(), Case(days_since_onset=9, pain=2), Case(days_since_onset=2, pain=6))


def _probe(pm) -> None:
    """Assess the probe cases (and choose their routines) with the deadlines the server uses."""
    try:
        rules = RuleSet(pm)
    except ValueError:  # broken built-in data: `backcoach check` says what
        return
    for case in PROBE_CASES:
        rules.routine(case)


def cmd_plugins(args: argparse.Namespace, out: TextIO) -> int:
    pm = build_plugin_manager()
    _probe(pm)
    records = plugin_records(pm)
    if args.json:
        json.dump([r.as_dict() for r in records], out, indent=2)
        out.write("\n")
        return 0
    for r in records:
        version = f" {r.version}" if r.version else ""
        out.write(f"{r.name:<14} {r.status:<7} {r.origin:<12} {r.module}{version}\n")
        if r.hooks:
            out.write(f"{'':14} hooks: {', '.join(r.hooks)}\n")
        if r.error:
            out.write(f"{'':14} error: {r.error}\n")
    return 0


def cmd_stretches(args: argparse.Namespace, out: TextIO) -> int:
    rules = RuleSet(build_plugin_manager())
    if _has_case(args):
        case = _case(args)
        assessment = rules.assess(case)
        stretches = rules.routine(case, assessment)
        title = f"routine for {assessment.max_activity} ({assessment.tier}):"
    else:
        stretches = tuple(rules.stretches.values())
        title = "stretch catalogue:"
    if args.json:
        json.dump([stretch_json(s) for s in stretches], out, indent=2)
        out.write("\n")
        return 0
    out.write(title + "\n")
    if not stretches:
        out.write("  (none today)\n")
    for s in stretches:
        holds = sorted({m.hold for m in s.moves if m.hold})
        kind = "breaths" if all(m.kind == "breath" for m in s.moves if m.hold) else "holds"
        each = f"{kind} of {' and '.join(f'{h} s' for h in holds)}" if holds else "no holds"
        out.write(f"  {s.id:<26} {s.name:<30} from {s.earliest:<20} {s.repetitions} reps, {each}\n")
    return 0


def cmd_check(args: argparse.Namespace, out: TextIO) -> int:
    pm = build_plugin_manager()
    failed_plugins = [r for r in plugin_records(pm) if r.status == "failed"]
    rules = RuleSet(pm)
    results = rules.check()
    failures = [r for r in results if not r.passed]
    unsourced = unsourced_answers(rules)
    ok = not (failures or failed_plugins or rules.problems or unsourced)
    if args.json:
        json.dump({
            "ok": ok,
            "cases": len(results),
            "failures": [{"plugin": r.plugin, "case": r.case.name, "problems": list(r.problems)}
                         for r in failures],
            "failed_plugins": [r.as_dict() for r in failed_plugins],
            "problems": rules.problems,
            "unsourced": unsourced,
        }, out, indent=2)
        out.write("\n")
        return 0 if ok else 1
    for r in failed_plugins:
        out.write(f"FAILED PLUGIN {r.name}: {r.error}\n")
    for problem in unsourced:
        out.write(f"UNSOURCED {problem}\n")
    for problem in rules.problems:
        out.write(f"PROBLEM {problem}\n")
    for r in failures:
        out.write(f"FAIL {r.plugin}: {r.case.name}\n")
        out.writelines(f"     {p}\n" for p in r.problems)
    plugins = sorted({r.plugin for r in results})
    out.write(f"{len(results) - len(failures)}/{len(results)} cases passed "
              f"({', '.join(plugins) or 'no plugin ships cases'})\n")
    return 0 if ok else 1


def unsourced_answers(rules: RuleSet) -> list[str]:
    """Answer lines whose source names no known source: `check` fails on them."""
    bib = sources.bibliography(rules)
    return [f"{rules.answered_by[topic]}: answer {topic!r} line {n}: {part!r} names no known source"
            for topic, answer in rules.answers.items()
            for n, line in enumerate(answer.lines, 1) for part in bib.unresolved(line.source)]


def cmd_sources(args: argparse.Namespace, out: TextIO) -> int:
    if args.markdown:  # the repository's SOURCES.md: built-ins only, whatever is installed
        out.write(sources.render_markdown(RuleSet(build_plugin_manager(disabled="", entry_points=False))))
        return 0
    rules = RuleSet(build_plugin_manager())
    answers = sources.cited_answers(rules, args.topic)
    records = list(sources.cited_records(rules)) if args.all else None
    if args.json:
        json.dump(sources.render_json(answers, records), out, indent=2)
        out.write("\n")
    else:
        out.write(sources.render_text(answers, records))
    return 0


def run(func: Callable[[argparse.Namespace, TextIO], int], args: argparse.Namespace,
        out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """Run a command; bad input (ValueError) is a clear message and exit status 2."""
    try:
        return func(args, out)
    except ValueError as exc:
        err.write(f"backcoach: {exc}\n")
        return 2
