"""Benchmark Back Coach against bare Flask and the minimal ask-sdk-core skill, in one run.

    python3 dev.py bench [--rounds 3] [--seconds 10] [--connections 8] [--settings-only]

Serves each target under gunicorn on loopback (2 sync workers each), drives them one after
another, interleaved over several rounds, with the same signed requests from a separate load
process (wrk, or a Python generator when wrk is absent), then measures cold start, memory, an
in-process breakdown of one request and plugin scaling. Every Back Coach target calls a loopback
stand-in of Alexa's Settings API (bench/standin_server.py, in a process of its own); three of
them make the Settings API part (bench/settings_api.py): reachable, down and hanging. Back Coach
is restarted before every round after the first, on the same database. ``--settings-only`` runs
that part alone: the anchor (2) and the three conditions. Writes bench/results/<time>.json and
.md (and latest.md) and prints the Markdown.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import standins  # noqa: E402 - after the path set-up above
from bench import ca, load, report, scenario, settings_api  # noqa: E402
from bench.servers import Server  # noqa: E402
from bench.standin_server import StandIns  # noqa: E402

SKILL_ID = "amzn1.ask.skill.00000000-0000-0000-0000-benchmark000"
SECRET = "b3" * 32
NO_OP_PLUGINS = 50
BACKCOACH = "bench.targets.backcoach:app"
TARGETS = {
    "bare-wsgi": ("(0) plain WSGI", "bench.targets.bare_wsgi:app"),
    "bare-flask": ("(1) bare Flask", "bench.targets.bare_flask:app"),
    "minimal-skill": ("(2) minimal ask-sdk-core skill", "bench.targets.minimal_skill:app"),
    "backcoach-sqlite": ("(3) Back Coach, SQLite", BACKCOACH),
    "backcoach-down": ("(3) Back Coach, SQLite, Settings API down", BACKCOACH),
    "backcoach-hanging": ("(3) Back Coach, SQLite, Settings API hanging", BACKCOACH),
    "backcoach-50-plugins": ("(3') Back Coach, SQLite, +50 no-op plugins", BACKCOACH),
    "backcoach-postgres": ("(4) Back Coach, PostgreSQL", BACKCOACH),
}
SETTINGS_ONLY = (settings_api.ANCHOR, *settings_api.CONDITIONS)
WARM_UP_SECONDS = 2


def no_op_plugins(site: Path, count: int) -> Path:
    """A site folder with `count` installed plugins that answer no per-request hook."""
    site.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        (site / f"bench_noop_{n}.py").write_text(
            "from rules import hookimpl\n\n@hookimpl\ndef backcoach_advice():\n    return []\n")
        info = site / f"bench_noop_{n}-1.0.dist-info"
        info.mkdir(exist_ok=True)
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: bench-noop-{n}\nVersion: 1.0\n")
        (info / "entry_points.txt").write_text(f"[backcoach.rules]\nnoop_{n} = bench_noop_{n}\n")
    return site


def subprocess_json(args: list[str], env: dict) -> dict:
    done = subprocess.run([sys.executable, "-m", "bench.inprocess", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--cold-runs", type=int, default=7)
    parser.add_argument("--settings-only", action="store_true",
                        help="only the Settings API part: the anchor (2) and Back Coach with the API "
                             "reachable, down and hanging")
    return parser.parse_args(argv)


def environments(names: tuple[str, ...], work: Path, base_env: dict, outbound_ca: Path,
                 notes: list[str]) -> tuple[dict[str, dict], object]:
    """Each target's environment (its own database), and the PostgreSQL server when one was started."""
    backcoach = {**base_env, "BACKCOACH_OUTBOUND_CA_FILE": str(outbound_ca)}
    envs, postgres = {}, None
    for name in names:
        if not name.startswith("backcoach"):
            envs[name] = base_env
        elif name == "backcoach-50-plugins":
            envs[name] = {**backcoach, "BACKCOACH_DATABASE_URL": f"sqlite:///{work / 'plugins.db'}",
                          "PYTHONPATH": f"{ROOT}:{no_op_plugins(work / 'site', NO_OP_PLUGINS)}"}
        elif name == "backcoach-postgres":
            try:
                from postgres_server import PostgresServer
                postgres = PostgresServer.launch()
                envs[name] = {**backcoach, "BACKCOACH_DATABASE_URL": postgres.create_database()}
            except Exception as exc:  # noqa: BLE001 - no PostgreSQL here: report it and go on
                notes.append(f"PostgreSQL target skipped: {type(exc).__name__}: {exc}")
        else:
            envs[name] = {**backcoach, "BACKCOACH_DATABASE_URL": f"sqlite:///{work / (name + '.db')}"}
    return envs, postgres


def measure(args: argparse.Namespace, work: Path, envs: dict[str, dict], signed) -> dict:
    """Serve every target, warm them up, then the interleaved rounds (Back Coach restarted before
    each round after the first, on the same database). ``signed(name)``: fresh signed requests."""
    servers = {name: Server(name, TARGETS[name][1], env, work / f"{name}.log") for name, env in envs.items()}
    runs: dict[str, list[dict]] = {name: [] for name in servers}

    def start(group: list[Server]) -> None:
        for server in group:
            server.wait(*signed(server.name)[0])
        for server in group:  # warm-up: fill caches, page everything in (look-ups happen here first)
            load.run(server.port, signed(server.name), connections=args.connections, seconds=WARM_UP_SECONDS)

    try:
        start(list(servers.values()))
        order = list(servers)
        for round_no in range(args.rounds):
            if round_no:
                restarted = [server for name, server in servers.items() if name.startswith("backcoach")]
                for server in restarted:
                    server.restart()
                start(restarted)
            for name in order[round_no % len(order):] + order[:round_no % len(order)]:
                cpu = servers[name].cpu_seconds()
                result = load.run(servers[name].port, signed(name), connections=args.connections,
                                  seconds=args.seconds)
                used = sum(after - cpu.get(pid, 0.0) for pid, after in servers[name].cpu_seconds().items())
                runs[name].append(result.as_dict() | {"cpu_us_per_request": used / max(result.requests, 1) * 1e6})
                print(f"round {round_no + 1} {name}: {result.requests_per_s:.0f} req/s, "
                      f"p99 {result.p99_ms:.2f} ms, errors {result.errors}, "
                      f"CPU {runs[name][-1]['cpu_us_per_request']:.0f} µs/request", flush=True)
        memory = {name: server.rss_mb() for name, server in servers.items()}
    finally:
        for server in servers.values():
            server.stop()
    return {"runs": runs, "memory": memory, "starts": {name: s.starts for name, s in servers.items()},
            "logs": {name: s.log_text() for name, s in servers.items()}}


def in_process(args: argparse.Namespace, envs: dict[str, dict], base_env: dict, endpoint: str) -> dict:
    """Cold start, one request of (3) broken down, the rules' cost, plugin scaling (fresh interpreters)."""
    quiet = {"BACKCOACH_LOG_LEVEL": "WARNING", "BENCH_SETTINGS_API": endpoint}
    inproc_env = {**envs["backcoach-sqlite"], **quiet}
    cold = {
        name: statistics.median(subprocess_json(["cold_start", module], base_env)["seconds"]
                                for _ in range(args.cold_runs))
        for name, module in (("minimal-skill", "bench.targets.minimal_skill"),
                             ("backcoach-sqlite", "bench.targets.backcoach"))}
    return {
        "cold_start_s": cold,
        "breakdown": subprocess_json(["breakdown"], inproc_env),
        "rules": subprocess_json(["rules_cost"], inproc_env),
        "plugin_scaling": {
            "built-ins only": subprocess_json(["plugin_scaling"], inproc_env),
            f"+{NO_OP_PLUGINS} no-op plugins": subprocess_json(["plugin_scaling"],
                                                               {**envs["backcoach-50-plugins"], **quiet}),
        },
    }


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    names = SETTINGS_ONLY if args.settings_only else tuple(TARGETS)
    work = Path(tempfile.mkdtemp(prefix="backcoach-bench-"))
    authority = ca.create(work / "ca")
    outbound_ca = standins.make_test_ca(work / "standin-ca")
    base_env = {**os.environ, "BENCH_CA_DIR": str(work / "ca"), "BACKCOACH_SKILL_ID": SKILL_ID,
                "BACKCOACH_USER_KEY_SECRET": SECRET, "BACKCOACH_LOG_LEVEL": "INFO",
                "BACKCOACH_INSTANCE_PATH": str(work / "instance"), "PYTHONPATH": str(ROOT)}
    # One stand-in per Back Coach target (so each counts its own look-ups); the others get the
    # endpoint of (3) in their envelopes, and never call it.
    kinds = {name: settings_api.CONDITIONS.get(name, ("reachable",))[0]
             for name in names if name.startswith("backcoach")}
    notes: list[str] = []
    postgres = None
    with StandIns(outbound_ca, kinds) as stand_ins:
        endpoints = {name: stand_ins.endpoints.get(name, stand_ins.endpoints["backcoach-sqlite"]) for name in names}
        try:
            envs, postgres = environments(names, work, base_env, outbound_ca.ca_file, notes)
            measured = measure(args, work, envs, lambda name: scenario.signed(authority, SKILL_ID, endpoints[name]))
        finally:
            if postgres is not None:
                postgres.destroy()
        counts = stand_ins.counts()  # before the in-process part, which reuses (3)'s stand-in
        extra = {} if args.settings_only else in_process(args, envs, base_env, endpoints["backcoach-sqlite"])
    targets = {name: {"label": TARGETS[name][0], "rounds": runs, "median": report.median(runs)}
               for name, runs in measured["runs"].items()}
    logs = {name: settings_api.log_findings(text) for name, text in measured["logs"].items()}
    result = {
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "settings": vars(args), "users": scenario.USERS, "targets": targets,
        "memory_mb_per_worker": measured["memory"],
        "settings_api": settings_api.summary({name: t["median"] for name, t in targets.items()}, counts, logs,
                                             measured["starts"], scenario.USERS),
        "stand_ins": counts, **extra,
        "notes": notes + [f"private data in the output of {name}: {', '.join(found['private'])}"
                          for name, found in logs.items() if found["private"]],
    }
    result["ratios"] = report.ratios(result)
    report.write(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
