"""The benchmark's report: medians over rounds, ratios, the Markdown summary, the files it writes."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

from bench import settings_api

RESULTS = Path(__file__).resolve().parent / "results"


def median(runs: list[dict]) -> dict:
    """The median of each figure over rounds (errors and requests summed)."""
    return {key: statistics.median(run[key] for run in runs)
            for key in ("requests_per_s", "p50_ms", "p90_ms", "p99_ms", "cpu_us_per_request")} | {
        "errors": sum(run["errors"] for run in runs), "requests": sum(run["requests"] for run in runs),
        "tool": runs[0]["tool"] if runs else ""}


def ratios(report: dict) -> dict:
    """The throughput ratios between the targets that ran (and cold start, when measured)."""
    med = {name: t["median"]["requests_per_s"] for name, t in report["targets"].items()}
    pairs = (("(3)/(2) throughput", "backcoach-sqlite", "minimal-skill"),
             ("(2)/(1) throughput", "minimal-skill", "bare-flask"),
             ("(1)/(0) throughput (Flask's own cost)", "bare-flask", "bare-wsgi"),
             ("(3')/(3) throughput (50 no-op plugins)", "backcoach-50-plugins", "backcoach-sqlite"),
             ("(4)/(2) throughput", "backcoach-postgres", "minimal-skill"))
    out = {label: med[a] / med[b] for label, a, b in pairs if a in med and b in med and med[b]}
    cold = report.get("cold_start_s")
    if cold:
        out["(3)/(2) cold start"] = cold["backcoach-sqlite"] / cold["minimal-skill"]
    return out


def markdown(report: dict) -> str:
    s = report["settings"]
    lines = [f"# Back Coach benchmark, {report['when']}", "",
             f"{report['machine']['cpus']} CPUs, Python {report['machine']['python']}; gunicorn, 2 sync workers per "
             f"target; {s['connections']} connections, {s['rounds']} interleaved rounds of {s['seconds']:.0f} s "
             f"({next(iter(report['targets'].values()))['median']['tool']}); medians over rounds; "
             f"{report['users']} users, each on its own device; Back Coach restarted before every round "
             "after the first (same database).", "",
             "| target | req/s | p50 ms | p90 ms | p99 ms | errors | server CPU µs/request | RSS MB/worker |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name, target in report["targets"].items():
        m = target["median"]
        rss = report["memory_mb_per_worker"].get(name) or [0]
        lines.append(f"| {target['label']} | {m['requests_per_s']:.0f} | {m['p50_ms']:.2f} | {m['p90_ms']:.2f} | "
                     f"{m['p99_ms']:.2f} | {m['errors']} | {m['cpu_us_per_request']:.0f} | "
                     f"{statistics.mean(rss):.0f} |")
    lines += ["", "| ratio | value |", "|---|---:|"]
    lines += [f"| {name} | {value:.2f} |" for name, value in report["ratios"].items()]
    lines += settings_api.markdown(report["settings_api"])
    if "breakdown" in report:
        lines += _in_process(report)
    lines += [f"\nNote: {note}" for note in report["notes"]]
    return "\n".join(lines) + "\n"


def _in_process(report: dict) -> list[str]:
    s = report["settings"]
    lines = ["", f"Cold start (import + create_app, median of {s['cold_runs']}): " + ", ".join(
        f"{name} {sec * 1000:.0f} ms" for name, sec in report["cold_start_s"].items()), "",
        "One request of (3), in process (microseconds):", "", "| part | µs |", "|---|---:|"]
    lines += [f"| {part} | {us:.1f} |" for part, us in report["breakdown"]["microseconds"].items()]
    lines += ["", f"Rules: assess {report['rules']['assess_us']:.1f} µs computed afresh (worst of three "
              f"cases), {report['rules']['assess_reused_us']:.1f} µs reused; assess + routine "
              f"{report['rules']['assess_and_routine_us']:.1f} µs.", "",
              "Plugin scaling (whole request in process): " + "; ".join(
                  f"{name}: {v['plugins']} plugins, {v['request_us']:.0f} µs"
                  for name, v in report["plugin_scaling"].items())]
    return lines


def write(report: dict) -> None:
    """bench/results/bench-<time>.json and .md, and latest.md; print the Markdown."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = report["when"].replace(":", "").replace("+0000", "Z")
    text = markdown(report)
    (RESULTS / f"bench-{stamp}.json").write_text(json.dumps(report, indent=2) + "\n")
    (RESULTS / f"bench-{stamp}.md").write_text(text)
    (RESULTS / "latest.md").write_text(text)
    print(text)
