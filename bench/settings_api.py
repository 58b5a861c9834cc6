"""The Settings API part of the benchmark (issue 14): Back Coach in three conditions of the API.

Each condition is a Back Coach target (SQLite, verification on) of its own, with its own
database and its own loopback stand-in (bench/standin_server.py); the anchor is the verified
minimal ask-sdk-core skill (target 2), measured in the same interleaved rounds. Reported per
condition: product and anchor requests/s, their ratio, the product's p99 and errors, the
look-ups the stand-in received (and for how many devices, over how many server starts), and
what the server logs say: how many "failing" lines (once per incident, never per request) and
whether anything private (the access token, user or device ids) appears.
"""

from __future__ import annotations

from bench import scenario

ANCHOR = "minimal-skill"
#: Target -> (stand-in kind, what the Settings API does).
CONDITIONS = {
    "backcoach-sqlite": ("reachable", "reachable, answering in 30 ms"),
    "backcoach-down": ("down", "down: an https port that refuses connections"),
    "backcoach-hanging": ("hanging", "hanging: accepts, never answers"),
}
#: The issue's floors, in every condition.
MIN_RATIO, MAX_P99_MS = 1.0, 10.0
#: What the logs must never show: the access token (a JWT), the bearer header, user and device ids.
PRIVATE = (scenario.TOKEN_PREFIX, "Bearer", "amzn1.ask.account.", "amzn1.ask.device.")
INCIDENT = " failing: "


def log_findings(text: str) -> dict:
    """The "failing" lines of a server log (one per incident and process) and any private data in it."""
    lines = text.splitlines()
    return {"incident_lines": sum(INCIDENT in line for line in lines),
            "reasons": sorted({line.split(INCIDENT, 1)[1].split(";")[0] for line in lines if INCIDENT in line}),
            "private": [marker for marker in PRIVATE if marker in text]}


def summary(medians: dict[str, dict], counts: dict[str, dict | None], logs: dict[str, dict],
            starts: dict[str, int], users: int) -> dict:
    """The figures per condition, from the medians over rounds, the stand-ins' counts and the logs."""
    anchor = medians[ANCHOR]
    out = {}
    for name, (kind, what) in CONDITIONS.items():
        product = medians[name]
        ratio = product["requests_per_s"] / anchor["requests_per_s"] if anchor["requests_per_s"] else 0.0
        out[kind] = {
            "what": what, "target": name, "devices": users, "server_starts": starts[name],
            "requests_per_s": product["requests_per_s"], "anchor_requests_per_s": anchor["requests_per_s"],
            "ratio": ratio, "p99_ms": product["p99_ms"], "errors": product["errors"],
            "cpu_us_per_request": product["cpu_us_per_request"],
            "anchor_cpu_us_per_request": anchor["cpu_us_per_request"],
            "stand_in": counts.get(name), **logs[name],
            "meets_floors": ratio >= MIN_RATIO and product["p99_ms"] < MAX_P99_MS and product["errors"] == 0,
        }
    return out


def markdown(section: dict) -> list[str]:
    """The Settings API table and its notes."""
    first = next(iter(section.values()))
    lines = ["", f"## Settings API (issue 14): {first['devices']} devices, Back Coach (SQLite) against "
             "the anchor (2) in the same run", "",
             "| Settings API | product req/s | anchor req/s | ratio | product p99 ms | errors | server CPU µs/request "
             "(product / anchor) | look-ups received | 'failing' log lines | private data in logs | floors met |",
             "|---|---:|---:|---:|---:|---:|---:|---|---:|---|---|"]
    for row in section.values():
        seen = row["stand_in"]
        failing = f"{row['incident_lines']}" + (f" ({', '.join(row['reasons'])})" if row["reasons"] else "")
        received = ("none: nothing listens" if seen is None else f"{seen['look_ups']} for {seen['devices']} devices"
                    ) + f" ({row['server_starts']} server start{'s' if row['server_starts'] != 1 else ''})"
        lines.append(
            f"| {row['what']} | {row['requests_per_s']:.0f} | {row['anchor_requests_per_s']:.0f} | "
            f"{row['ratio']:.2f} | {row['p99_ms']:.2f} | {row['errors']} | "
            f"{row['cpu_us_per_request']:.0f} / {row['anchor_cpu_us_per_request']:.0f} | {received} | "
            f"{failing} | {', '.join(row['private']) or 'none'} | "
            f"{'yes' if row['meets_floors'] else 'NO'} |")
    lines += ["", f"Floors (issue 14): ratio at least {MIN_RATIO:.1f}, p99 under {MAX_P99_MS:.0f} ms, no errors. "
              "Each server start has 2 workers, each with its own client: its breaker opens after 3 failed "
              "look-ups (what the hanging stand-in counts: 3 per worker and start) and lets one trial through "
              "every 30 s; a 'failing' line is logged when it opens (once per incident and worker), never per "
              "request. Private data: the access token, 'Bearer', user and device ids, searched in the "
              "servers' whole output."]
    return lines
