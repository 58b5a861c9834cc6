"""Cost of one time-zone look-up, the old way (urlopen, a TLS context per call) against the new client.

    .venv/bin/python bench/outbound.py [--reachable 100] [--down 200] [--hanging 5]

Everything runs on loopback: the stand-ins of bench/standin_server.py, in a separate process
(so their CPU is not counted), with a test CA. The old way is the real ``skill.timezone``
code: each look-up builds a fresh TLS context from the default trust store, which
``SSL_CERT_FILE`` points at certifi's bundle plus the test CA (the same ~150 roots a server
loads); the new way is ``skill.backends.timezones.look_up`` (budget 150 ms) on one
``outbound.Client`` trusting the same bundle. Scenarios: reachable (30 ms latency; the new
client's pool warm), down (an https port that refuses), hanging (accepts, never answers).
Each look-up is for a new device id, so no cache answers. CPU is the whole process's
(``time.process_time``: the client's worker threads included). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import json
import ssl
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import certifi  # noqa: E402 - after the path set-up above

import standins  # noqa: E402
from bench.standin_server import StandIns  # noqa: E402
from skill.backends import outbound, timezones  # noqa: E402

BUDGET = 0.15


def old_look_up(api_endpoint: str, device_id: str, token: str, timeout: float = 0.8) -> str:
    """The look-up as it was before the outbound client (commit dc58ae7, skill/timezone.py): one
    urlopen per call, so a fresh default TLS context each time, a per-socket-operation timeout and
    no memory of failures."""
    request = urllib.request.Request(f"{api_endpoint}/v2/devices/{device_id}/settings/System.timeZone",
                                     headers={"Authorization": f"Bearer {token}", "Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - loopback stand-in
            name = json.loads(response.read(513))
        return name if isinstance(name, str) else "UTC"
    except (OSError, ValueError):
        return "UTC"


def measure(look_up, n: int) -> tuple[float, float, list]:
    """(wall ms, CPU ms) per call over ``n`` calls of ``look_up(i)``, and the results."""
    results = []
    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(n):
        results.append(look_up(i))
    return ((time.perf_counter() - wall) / n * 1000, (time.process_time() - cpu) / n * 1000, results)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reachable", type=int, default=100, help="look-ups per way when reachable")
    parser.add_argument("--down", type=int, default=200, help="look-ups per way when refusing")
    parser.add_argument("--hanging", type=int, default=5, help="old-way look-ups when hanging (0.8 s each)")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="bench-outbound-"))
    ca = standins.make_test_ca(work / "ca")
    bundle = work / "bundle.pem"
    bundle.write_bytes(Path(certifi.where()).read_bytes() + b"\n" + ca.ca_file.read_bytes())
    os.environ["SSL_CERT_FILE"] = str(bundle)  # the old way's default trust store: certifi + the test CA

    stand_ins = StandIns(ca, {kind: kind for kind in ("reachable", "down", "hanging")})
    endpoints = stand_ins.endpoints

    started = time.process_time()
    for _ in range(20):
        ssl.create_default_context()
    context_ms = (time.process_time() - started) / 20 * 1000

    rows = []
    try:
        for scenario, n_old, n_new in (("reachable", args.reachable, args.reachable),
                                       ("down", args.down, args.down), ("hanging", args.hanging, 200)):
            endpoint = endpoints[scenario]
            wall, cpu, answers = measure(lambda i: old_look_up(endpoint, f"old-{scenario}-{i}", "token"), n_old)
            rows.append((scenario, "old: urlopen, fresh TLS context", n_old, wall, cpu, answers.count("UTC")))

            client = outbound.Client(ca_file=str(bundle))
            if scenario == "reachable":
                timezones.look_up(endpoint, "warm-up", "token", budget=2, client=client)
            cache = timezones.ZoneCache()

            def new(i: int, scenario: str = scenario) -> str | None:
                return timezones.look_up(endpoint, f"new-{scenario}-{i}", "token", budget=BUDGET,
                                         client=client, cache=cache)

            if scenario != "reachable":  # the calls that open the breaker, then the steady state
                wall, cpu, answers = measure(new, 3)
                rows.append((scenario, "new: the 3 calls that open the breaker", 3, wall, cpu, answers.count(None)))
            wall, cpu, answers = measure(new, n_new)
            way = "new: pooled, warm" if scenario == "reachable" else "new: breaker open"
            rows.append((scenario, way, n_new, wall, cpu, answers.count(None)))
            client.close()
    finally:
        stand_ins.close()

    print(f"TLS context from the default trust store (certifi + test CA): {context_ms:.1f} ms CPU each\n")
    print("| scenario | way | look-ups | wall ms / look-up | CPU ms / look-up | no answer |")
    print("|---|---|---:|---:|---:|---:|")
    for scenario, way, n, wall, cpu, missing in rows:
        print(f"| {scenario} | {way} | {n} | {wall:.2f} | {cpu:.3f} | {missing} |")
    print(f"\nnew client: budget {BUDGET * 1000:.0f} ms; the breaker opens after 3 failures for 30 s, "
          "so an outage costs those 3 calls, then one trial per 30 s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
