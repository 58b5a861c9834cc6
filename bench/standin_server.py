"""Loopback stand-ins of Alexa's Settings API for the benchmarks, in a process of their own.

    stand_ins = StandIns(ca, {"backcoach-sqlite": "reachable", "backcoach-down": "down"})
    stand_ins.endpoints["backcoach-down"]   # https://127.0.0.1:<port>, to put in the envelopes
    stand_ins.counts()                       # what each stand-in received so far
    stand_ins.close()

Built on tests/standins.py, in a separate process so that their CPU is not counted against the
server they stand in for. One stand-in per name, of one of three kinds:

- ``reachable``: answers ``GET /v2/devices/{deviceId}/settings/System.timeZone`` with a bearer
  token with a zone (``"Europe/Berlin"``) after ``LATENCY`` (30 ms); anything else gets 404/401;
- ``down``: an https port on loopback where nothing listens (connections refused);
- ``hanging``: accepts, reads the request, never answers.

Counts per name: ``look_ups`` (requests received), ``devices`` (distinct device ids among
them), ``connections`` (TLS handshakes) and ``answered`` (zones sent). A ``down`` stand-in
receives nothing by construction: its counts are None.
"""

from __future__ import annotations

import multiprocessing
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "tests") not in sys.path:  # the spawned child imports this module afresh
    sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import standins  # noqa: E402 - after the path set-up above

LATENCY = 0.03
ZONE = b'"Europe/Berlin"'
KINDS = ("reachable", "down", "hanging")
SETTINGS_PATH = re.compile(r"/v2/devices/([^/]+)/settings/System\.timeZone")


def _responder(seen: standins.Seen) -> tuple[int, bytes]:
    """The Settings API's answer: the zone for a well-formed, authorised request, else an error."""
    if not SETTINGS_PATH.fullmatch(seen.path) or seen.method != "GET":
        return 404, b'{"message":"not found"}'
    authorization = seen.headers.get("Authorization", "")
    if not (authorization.startswith("Bearer ") and authorization[len("Bearer "):].strip()):
        return 401, b'{"message":"no access token"}'
    return 200, ZONE


def _start(kind: str, ca: standins.TestCA):
    """One stand-in of ``kind``; its object has ``url`` and ``close()``."""
    if kind == "down":
        return standins.RefusingPort()
    server = standins.HTTPSStandIn(ca, latency=LATENCY if kind == "reachable" else 0.0)
    server.responder = _responder
    if kind == "hanging":
        server.mode = "hang"
    return server


def _counts(server) -> dict | None:
    if not isinstance(server, standins.HTTPSStandIn):
        return None
    seen = list(server.requests)
    devices = {match[1] for s in seen if (match := SETTINGS_PATH.fullmatch(s.path))}
    return {"look_ups": len(seen), "devices": len(devices), "connections": server.connections,
            "answered": sum(1 for s in seen if _responder(s)[0] == 200) if server.mode == "answer" else 0}


def _serve(ca_paths: tuple[str, str, str], kinds: dict[str, str], conn) -> None:
    """The stand-ins' process: start them, send their URLs, answer "counts" until "stop"."""
    ca = standins.TestCA(*map(Path, ca_paths))
    servers = {name: _start(kind, ca) for name, kind in kinds.items()}
    conn.send({name: server.url for name, server in servers.items()})
    try:
        while (message := conn.recv()) != "stop":
            if message == "counts":
                conn.send({name: _counts(server) for name, server in servers.items()})
    except EOFError:  # the parent went away
        pass
    finally:
        for server in servers.values():
            server.close()


class StandIns:
    """The parent's handle on the stand-ins' process (see the module docstring)."""

    def __init__(self, ca: standins.TestCA, kinds: dict[str, str]) -> None:
        unknown = set(kinds.values()) - set(KINDS)
        if unknown:
            raise ValueError(f"unknown stand-in kinds: {sorted(unknown)}")
        self.kinds = dict(kinds)
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(
            target=_serve, args=((str(ca.ca_file), str(ca.cert_file), str(ca.key_file)), self.kinds, child),
            daemon=True)
        self._process.start()
        child.close()
        if not self._conn.poll(60):
            self.close()
            raise RuntimeError("the stand-ins did not start")
        self.endpoints: dict[str, str] = self._conn.recv()

    def counts(self) -> dict[str, dict | None]:
        """What each stand-in received so far (see the module docstring)."""
        self._conn.send("counts")
        return self._conn.recv()

    def close(self) -> None:
        """Stop the stand-ins and their process."""
        try:
            self._conn.send("stop")
        except OSError:
            pass
        self._process.join(10)
        if self._process.is_alive():
            self._process.kill()
            self._process.join(5)
        self._conn.close()

    def __enter__(self) -> StandIns:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
