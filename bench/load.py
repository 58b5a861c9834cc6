"""Load from a separate process: wrk (Debian's package) when present, else a Python generator.

Both send the same pre-signed requests in rotation over keep-alive connections for a fixed time
and report requests/s, latency percentiles and errors.
"""

from __future__ import annotations

import http.client
import multiprocessing
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass
class LoadResult:
    requests_per_s: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    requests: int
    errors: int
    tool: str

    def as_dict(self) -> dict:
        return asdict(self)


def run(port: int, requests: list[tuple[bytes, dict]], *, connections: int, seconds: float,
        threads: int = 2) -> LoadResult:
    """Drive http://127.0.0.1:port/alexa with `requests` in rotation."""
    if shutil.which("wrk"):
        return _wrk(port, requests, connections, seconds, threads)
    return _python(port, requests, connections, seconds)


# --------------------------------------------------------------------------- wrk
LUA = """
local reqs = {{}}
{entries}
local i = 0
local started = 0
-- Each thread starts at its own place in the list (an even share apart), so the threads never
-- send the same request at the same moment (math.random is unseeded: the same in every thread).
setup = function(thread) thread:set("id", started); started = started + 1 end
init = function(args) i = math.floor(id * #reqs / {threads}) end
request = function()
  i = i % #reqs + 1
  return reqs[i]
end
"""
# No response() callback: wrk would then copy every body into Lua, charging bigger answers for
# the load generator's own work. wrk counts non-2xx answers itself.


def _lua(requests: list[tuple[bytes, dict]], threads: int) -> str:
    entries = []
    for n, (body, headers) in enumerate(requests, 1):
        head = ", ".join(f'["{k}"] = [==[{v}]==]' for k, v in headers.items())
        entries.append(f'reqs[{n}] = wrk.format("POST", "/alexa", {{{head}}}, [==[{body.decode()}]==])')
    return LUA.format(entries="\n".join(entries), threads=threads)


def _wrk(port: int, requests: list[tuple[bytes, dict]], connections: int, seconds: float,
         threads: int) -> LoadResult:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_lua(requests, threads))
    try:
        out = subprocess.run(
            ["wrk", f"-t{threads}", f"-c{connections}", f"-d{int(seconds)}s", "--latency", "--timeout", "5s",
             "-s", script.name, f"http://127.0.0.1:{port}/alexa"],
            capture_output=True, text=True, timeout=seconds + 30).stdout
    finally:
        Path(script.name).unlink(missing_ok=True)
    return _parse_wrk(out)


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def _parse_wrk(out: str) -> LoadResult:
    latency = {int(p): _ms(v, u) for p, v, u in re.findall(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)}
    total = re.search(r"(\d+) requests in", out)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(non_2xx[1]) if non_2xx else 0) + (sum(map(int, socket.groups())) if socket else 0)
    if not (total and rps and latency):
        raise RuntimeError(f"could not read wrk's output:\n{out}")
    p90 = latency.get(90, latency.get(75, 0.0))
    return LoadResult(float(rps[1]), latency[50], p90, latency[99], int(total[1]), errors, "wrk")


# --------------------------------------------------------------------------- python fallback
def _client(args) -> tuple[list[float], int]:
    port, requests, deadline, offset = args
    latencies, errors = [], 0
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    n = offset
    while time.monotonic() < deadline:
        body, headers = requests[n % len(requests)]
        n += 1
        started = time.perf_counter()
        try:
            conn.request("POST", "/alexa", body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                errors += 1
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
        latencies.append((time.perf_counter() - started) * 1000)
    conn.close()
    return latencies, errors


def _python(port: int, requests: list[tuple[bytes, dict]], connections: int, seconds: float) -> LoadResult:
    deadline = time.monotonic() + seconds
    with multiprocessing.get_context("spawn").Pool(connections) as pool:
        results = pool.map(_client, [(port, requests, deadline, k * 7) for k in range(connections)])
    latencies = sorted(lat for lats, _ in results for lat in lats)
    errors = sum(e for _, e in results)
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else 0.0  # noqa: E731
    return LoadResult(len(latencies) / seconds, pick(0.5), pick(0.9), pick(0.99), len(latencies), errors, "python")
