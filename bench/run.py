"""Benchmark Back Coach against bare Flask and the minimal ask-sdk-core skill, in one run.

    python3 dev.py bench [--rounds 3] [--seconds 10] [--connections 8]

Serves each target under gunicorn on loopback (2 sync workers each), drives them one after
another, interleaved over several rounds, with the same signed requests from a separate load
process (wrk, or a Python generator when wrk is absent), then measures cold start, memory, an
in-process breakdown of one request and plugin scaling. Writes bench/results/<time>.json and
.md (and latest.md) and prints the Markdown.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from bench import ca, load, scenario  # noqa: E402 - after the path set-up above

SKILL_ID = "amzn1.ask.skill.00000000-0000-0000-0000-benchmark000"
SECRET = "b3" * 32
NO_OP_PLUGINS = 50
TARGETS = {
    "bare-flask": ("(1) bare Flask", "bench.targets.bare_flask:app"),
    "minimal-skill": ("(2) minimal ask-sdk-core skill", "bench.targets.minimal_skill:app"),
    "backcoach-sqlite": ("(3) Back Coach, SQLite", "bench.targets.backcoach:app"),
    "backcoach-50-plugins": ("(3') Back Coach, SQLite, +50 no-op plugins", "bench.targets.backcoach:app"),
    "backcoach-postgres": ("(4) Back Coach, PostgreSQL", "bench.targets.backcoach:app"),
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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


class Server:
    """One gunicorn serving a target on a free loopback port."""

    def __init__(self, name: str, app: str, env: dict, log: Path) -> None:
        self.name, self.port = name, free_port()
        self.log = log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "2", "-k", "sync", "-b", f"127.0.0.1:{self.port}",
             "--timeout", "30", "--log-level", "warning", app],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def wait(self, body: bytes, headers: dict, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                request = urllib.request.Request(f"http://127.0.0.1:{self.port}/alexa", data=body, headers=headers)
                with urllib.request.urlopen(request, timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not start; see {self.log.name}")

    def rss_mb(self) -> list[float]:
        """Resident memory of each worker (children of the gunicorn master), in MB."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        pids = children.read_text().split() if children.exists() else []
        sizes = []
        for pid in pids:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]) / 1024)
        return sizes

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def subprocess_json(args: list[str], env: dict) -> dict:
    done = subprocess.run([sys.executable, "-m", "bench.inprocess", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--cold-runs", type=int, default=7)
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="backcoach-bench-"))
    authority = ca.create(work / "ca")
    base_env = {**os.environ, "BENCH_CA_DIR": str(work / "ca"), "BACKCOACH_SKILL_ID": SKILL_ID,
                "BACKCOACH_USER_KEY_SECRET": SECRET, "BACKCOACH_LOG_LEVEL": "INFO",
                "BACKCOACH_INSTANCE_PATH": str(work / "instance"), "PYTHONPATH": str(ROOT)}
    envs = {
        "bare-flask": base_env, "minimal-skill": base_env,
        "backcoach-sqlite": {**base_env, "BACKCOACH_DATABASE_URL": f"sqlite:///{work / 'sqlite.db'}"},
        "backcoach-50-plugins": {**base_env, "BACKCOACH_DATABASE_URL": f"sqlite:///{work / 'plugins.db'}",
                                 "PYTHONPATH": f"{ROOT}:{no_op_plugins(work / 'site', NO_OP_PLUGINS)}"},
    }
    postgres, notes = None, []
    try:
        from postgres_server import PostgresServer
        postgres = PostgresServer.launch()
        envs["backcoach-postgres"] = {**base_env, "BACKCOACH_DATABASE_URL": postgres.create_database()}
    except Exception as exc:  # noqa: BLE001 - no PostgreSQL here: report it and go on
        notes.append(f"PostgreSQL target skipped: {type(exc).__name__}: {exc}")

    servers = {name: Server(name, TARGETS[name][1], env, work / f"{name}.log") for name, env in envs.items()}
    results: dict[str, list[dict]] = {name: [] for name in servers}
    try:
        first = scenario.signed(authority, SKILL_ID)[0]
        for server in servers.values():
            server.wait(*first)
        for server in servers.values():  # warm-up: fill caches, JIT-free but page-in everything
            load.run(server.port, scenario.signed(authority, SKILL_ID), connections=args.connections, seconds=2)
        order = list(servers)
        for round_no in range(args.rounds):
            for name in order[round_no % len(order):] + order[:round_no % len(order)]:
                requests = scenario.signed(authority, SKILL_ID)
                result = load.run(servers[name].port, requests, connections=args.connections, seconds=args.seconds)
                results[name].append(result.as_dict())
                print(f"round {round_no + 1} {name}: {result.requests_per_s:.0f} req/s, "
                      f"p99 {result.p99_ms:.2f} ms, errors {result.errors}", flush=True)
        memory = {name: server.rss_mb() for name, server in servers.items()}
    finally:
        for server in servers.values():
            server.stop()
        if postgres is not None:
            postgres.destroy()

    inproc_env = {**envs["backcoach-sqlite"], "BACKCOACH_LOG_LEVEL": "WARNING"}
    cold = {
        name: statistics.median(subprocess_json(["cold_start", module], base_env)["seconds"]
                                for _ in range(args.cold_runs))
        for name, module in (("minimal-skill", "bench.targets.minimal_skill"),
                             ("backcoach-sqlite", "bench.targets.backcoach"))}
    report = {
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "settings": vars(args),
        "targets": {name: {"label": TARGETS[name][0], "rounds": runs, "median": _median(runs)}
                    for name, runs in results.items()},
        "memory_mb_per_worker": memory,
        "cold_start_s": cold,
        "breakdown": subprocess_json(["breakdown"], inproc_env),
        "rules": subprocess_json(["rules_cost"], inproc_env),
        "plugin_scaling": {
            "built-ins only": subprocess_json(["plugin_scaling"], inproc_env),
            f"+{NO_OP_PLUGINS} no-op plugins": subprocess_json(["plugin_scaling"], envs["backcoach-50-plugins"]
                                                               | {"BACKCOACH_LOG_LEVEL": "WARNING"}),
        },
        "notes": notes,
    }
    report["ratios"] = _ratios(report)
    write(report)
    return 0


def _median(runs: list[dict]) -> dict:
    return {key: statistics.median(run[key] for run in runs)
            for key in ("requests_per_s", "p50_ms", "p90_ms", "p99_ms")} | {
        "errors": sum(run["errors"] for run in runs), "requests": sum(run["requests"] for run in runs),
        "tool": runs[0]["tool"] if runs else ""}


def _ratios(report: dict) -> dict:
    med = {name: t["median"]["requests_per_s"] for name, t in report["targets"].items()}
    ratios = {"(3)/(2) throughput": med["backcoach-sqlite"] / med["minimal-skill"],
              "(2)/(1) throughput": med["minimal-skill"] / med["bare-flask"],
              "(3')/(3) throughput (50 no-op plugins)": med["backcoach-50-plugins"] / med["backcoach-sqlite"],
              "(3)/(2) cold start": report["cold_start_s"]["backcoach-sqlite"] / report["cold_start_s"]["minimal-skill"]}
    if "backcoach-postgres" in med:
        ratios["(4)/(2) throughput"] = med["backcoach-postgres"] / med["minimal-skill"]
    return ratios


def markdown(report: dict) -> str:
    s = report["settings"]
    lines = [f"# Back Coach benchmark, {report['when']}", "",
             f"{report['machine']['cpus']} CPUs, Python {report['machine']['python']}; gunicorn, 2 sync workers per "
             f"target; {s['connections']} connections, {s['rounds']} interleaved rounds of {s['seconds']:.0f} s "
             f"({next(iter(report['targets'].values()))['median']['tool']}); medians over rounds.", "",
             "| target | req/s | p50 ms | p90 ms | p99 ms | errors | RSS MB/worker |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for name, target in report["targets"].items():
        m = target["median"]
        rss = report["memory_mb_per_worker"].get(name) or [0]
        lines.append(f"| {target['label']} | {m['requests_per_s']:.0f} | {m['p50_ms']:.2f} | {m['p90_ms']:.2f} | "
                     f"{m['p99_ms']:.2f} | {m['errors']} | {statistics.mean(rss):.0f} |")
    lines += ["", "| ratio | value |", "|---|---:|"]
    lines += [f"| {name} | {value:.2f} |" for name, value in report["ratios"].items()]
    lines += ["", f"Cold start (import + create_app, median of {s['cold_runs']}): " + ", ".join(
        f"{name} {sec * 1000:.0f} ms" for name, sec in report["cold_start_s"].items()), "",
        "One request of (3), in process (microseconds):", "", "| part | µs |", "|---|---:|"]
    lines += [f"| {part} | {us:.1f} |" for part, us in report["breakdown"]["microseconds"].items()]
    lines += ["", f"Rules: assess {report['rules']['assess_us']:.1f} µs computed afresh (worst of three "
              f"cases), {report['rules']['assess_reused_us']:.1f} µs reused; assess + routine "
              f"{report['rules']['assess_and_routine_us']:.1f} µs.", "",
              "Plugin scaling (whole request in process): " + "; ".join(
                  f"{name}: {v['plugins']} plugins, {v['request_us']:.0f} µs"
                  for name, v in report["plugin_scaling"].items())]
    lines += [f"\nNote: {note}" for note in report["notes"]]
    return "\n".join(lines) + "\n"


def write(report: dict) -> None:
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    stamp = report["when"].replace(":", "").replace("+0000", "Z")
    text = markdown(report)
    (out / f"bench-{stamp}.json").write_text(json.dumps(report, indent=2) + "\n")
    (out / f"bench-{stamp}.md").write_text(text)
    (out / "latest.md").write_text(text)
    print(text)


if __name__ == "__main__":
    sys.exit(main())
