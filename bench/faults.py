"""Faults (issue #15): how long Back Coach makes its caller wait when something goes wrong.

    .venv/bin/python bench/faults.py                      # every scenario (about 2 minutes)
    .venv/bin/python bench/faults.py frozen slowloris     # some of them
    .venv/bin/python bench/faults.py --json out.json      # also write the figures as JSON

Everything runs on this machine (loopback, a throwaway PostgreSQL from Debian's binaries, real
gunicorn with deploy/gunicorn.conf.py); nothing leaves it. To compare with another commit, run
this same file from a checkout of that commit (`git archive <commit> | tar -x -C /tmp/before`,
copy this file into /tmp/before/bench/, run it there with this checkout's .venv python).

outage      PostgreSQL stopped for 6 s while 8 users step through their routines ("next", one
            session each, under gunicorn): advances the skill acknowledged (said nothing of a
            failed save) against the saves the database holds afterwards (its rows' versions)
frozen      PostgreSQL frozen with SIGSTOP for 15 s while 10 requests (one every 1.5 s) reach
            gunicorn (1 worker of 4 threads, BACKCOACH_DB_TIMEOUT at its default of 2 s)
plugin      a third-party plugin sleeping 20 s in a case hook: time to the emergency answer (red
            flags hung; exercise timing hung), to an exercise answer, to a routine, and 8
            emergency requests at once
nested      POST /alexa with session attributes nested 300, 1000 and 2000 levels (objects, arrays),
            and the console's in-process path: status codes
numbers     painLevel / daysAgo of 5000 digits, "nan", "infinity", "three", "twenty one"
slowloris   gunicorn alone (no nginx; 1 worker of 4 threads) while 6, then 24, clients trickle
            headers or bodies for 20 s: how long a normal request takes meanwhile
"""

from __future__ import annotations

import argparse
import html
import importlib
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import urllib.error
import urllib.request
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from freezing import frozen as frozen_server, signal_all  # noqa: E402 - after the path set-up above
from gunicorn_server import SkillServer  # noqa: E402
from skill.simulator import envelopes as env  # noqa: E402

SECRET = "fa" * 32
BLADDER = env.slot("symptom", "i can't control my bladder", resolved_id="bladder_control_loss",
                   slot_type="SYMPTOM")
SCENARIOS = ("outage", "frozen", "plugin", "nested", "numbers", "slowloris")
HTTP_TIMEOUT = 60.0


# --- plumbing -------------------------------------------------------------------------------


def envelope(request: dict, user: str, attributes: dict | None = None) -> bytes:
    return json.dumps(env.envelope(request, user_id=f"amzn1.ask.account.FAULTS{user}", new=False,
                                   attributes=attributes, api_endpoint="http://127.0.0.1:9")).encode()


def launch(user: str) -> bytes:
    return envelope(env.launch_request(), user)


def emergency(user: str) -> bytes:
    return envelope(env.intent_request("ReportSymptomIntent", {"symptom": BLADDER}), user)


def exercise(user: str, days: str = "9", pain: str = "2") -> bytes:
    slots = {"daysAgo": env.slot("daysAgo", days), "painLevel": env.slot("painLevel", pain)}
    return envelope(env.intent_request("CanIExerciseIntent", slots), user)


def speech_of(body: dict) -> str:
    ssml = body.get("response", {}).get("outputSpeech", {}).get("ssml", "")
    text = " ".join(ssml.replace("<", " <").replace(">", "> ").split())
    words = [w for w in text.split() if not (w.startswith("<") or w.endswith(">"))]
    return html.unescape(" ".join(words)) or body.get("error", "")


def post(url: str, body: bytes, timeout: float = HTTP_TIMEOUT) -> tuple[int, dict, float]:
    """(status, JSON body, seconds) of one POST; status 0 for no answer at all."""
    started = time.monotonic()
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    except OSError as error:
        return 0, {"error": type(error).__name__}, time.monotonic() - started
    try:
        data = json.loads(raw)
    except ValueError:
        data = {"error": raw[:80].decode(errors="replace")}
    return status, data, time.monotonic() - started


def start_server(environment: dict[str, str], log: Path) -> SkillServer:
    """One gunicorn worker of 4 threads, verification off, this script's user-key secret."""
    server = SkillServer({**os.environ, **environment, "BACKCOACH_VERIFY_SIGNATURE": "false",
                          "BACKCOACH_USER_KEY_SECRET": SECRET, "BACKCOACH_LOG_LEVEL": "WARNING"},
                         log, workers=1)
    try:
        server.wait_healthy()
    except RuntimeError:
        server.stop()
        raise
    return server


def timed_threads(jobs: list, start_offsets: list[float]) -> list:
    """Run job() each in its own thread, started at its offset; results in order."""
    results: list = [None] * len(jobs)
    started = time.monotonic()

    def run(index: int) -> None:
        time.sleep(max(0.0, started + start_offsets[index] - time.monotonic()))
        results[index] = jobs[index]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


# --- database outage: acknowledged but unsaved ----------------------------------------------------

ROUTINE = ["diaphragmatic_breathing", "pelvic_tilt", "knee_to_chest", "cat_cow", "bridge", "knee_rolls",
           "double_knee_to_chest"]
LONG_ROUTINE = ROUTINE * 40
PACE = 0.05  # seconds between one user's requests: 16 s of them never finish LONG_ROUTINE
NOT_SAVED = "couldn't save"


def stepping(url: str, user: str, until: float, counts: dict) -> None:
    """One user's session: "next" every PACE seconds until `until`, through a routine too long
    to finish meanwhile.

    Every "next" moves the routine's place (a turn of a stretch, or the next stretch), so every
    answer needs one save, which adds one to the stored row's version; an answer that does not
    say the save failed tells the user their place is saved (acknowledged)."""
    case = {"onset": (date.today() - timedelta(days=9)).isoformat(), "pain": 2, "screened": True}
    attributes = {"case": case, "tz": "UTC", "routine": {"ids": LONG_ROUTINE, "i": 0}}
    while time.monotonic() < until:
        started = time.monotonic()
        status, body, _ = post(url, envelope(env.intent_request("AMAZON.NextIntent"), user, attributes),
                               timeout=10)
        if status != 200 or not (body.get("sessionAttributes") or {}).get("routine"):
            counts["failed"] += 1
        else:
            attributes = body.get("sessionAttributes") or attributes
            counts["not saved, said so" if NOT_SAVED in speech_of(body) else "acknowledged"] += 1
        time.sleep(max(0.0, started + PACE - time.monotonic()))


def stored_version(db_url: str, user: str) -> int:
    """The version of the user's stored row: one more for every save that reached the database."""
    import psycopg
    from skill.backends.persistence import user_key

    with psycopg.connect(db_url, autocommit=True, connect_timeout=5) as conn:
        row = conn.execute("SELECT version FROM user_state WHERE user_key = %s",
                           (user_key(f"amzn1.ask.account.FAULTS{user}", bytes.fromhex(SECRET)),)).fetchone()
    return row[0] if row else 0


def durable(db_url: str) -> None:
    """Commits that survive a crash: the throwaway server runs with synchronous_commit off (fast
    tests), which loses the last commits on an immediate stop, a loss no client could see."""
    import psycopg

    with psycopg.connect(db_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'ALTER DATABASE "{db_url.rsplit("/", 1)[1]}" SET synchronous_commit = on')


def outage(work: Path) -> dict:
    from postgres_server import PostgresServer

    pg = PostgresServer.launch()
    server = None
    users = [f"O{n}" for n in range(8)]
    try:
        db_url = pg.create_database()
        durable(db_url)
        server = start_server({"BACKCOACH_DATABASE_URL": db_url, "BACKCOACH_INSTANCE_PATH": str(work / "outage")},
                              work / "outage.log")
        alexa = f"{server.url}/alexa"
        before = {user: stored_version(db_url, user) for user in users}
        counts = {user: dict.fromkeys(("acknowledged", "not saved, said so", "failed"), 0) for user in users}
        until = time.monotonic() + 16
        threads = [threading.Thread(target=stepping, args=(alexa, user, until, counts[user])) for user in users]
        for thread in threads:
            thread.start()
        time.sleep(4)
        pg.stop("immediate")
        time.sleep(6)
        pg.start()
        for thread in threads:
            thread.join()
        stored = {user: stored_version(db_url, user) - before[user] for user in users}
    finally:
        if server is not None:
            server.stop()
        pg.destroy()
    total = {key: sum(c[key] for c in counts.values()) for key in ("acknowledged", "not saved, said so", "failed")}
    return {
        **total,
        "stored": sum(stored.values()),
        # An advance the user was told was saved, whose save the database never got.
        "acknowledged_but_unsaved": sum(max(0, counts[u]["acknowledged"] - stored[u]) for u in users),
        # A save the client gave up on (and said so) that the server applied all the same.
        "said_not_saved_but_stored": sum(max(0, stored[u] - counts[u]["acknowledged"]) for u in users),
    }


# --- frozen database ------------------------------------------------------------------------------


def frozen(work: Path) -> dict:
    from postgres_server import PostgresServer

    pg = PostgresServer.launch()
    server = None
    try:
        url = pg.create_database()
        server = start_server({"BACKCOACH_DATABASE_URL": url, "BACKCOACH_INSTANCE_PATH": str(work / "frozen")},
                              work / "frozen.log")
        alexa = f"{server.url}/alexa"
        users = [f"F{n}" for n in range(10)]
        for user in users:  # every user has a row; the pool has its connections
            post(alexa, launch(user))
        kinds = [("launch", launch), ("emergency", emergency), ("exercise", exercise)]
        jobs = [lambda i=i: (kinds[i % 3][0], post(alexa, kinds[i % 3][1](users[i]))) for i in range(10)]
        with frozen_server(pg) as pids:  # thawed after 15 s, or when the block ends
            thaw = threading.Timer(15.0, signal_all, (pids, signal.SIGCONT))
            thaw.start()
            try:
                results = timed_threads(jobs, [1.5 * i for i in range(10)])
            finally:
                thaw.cancel()
    finally:
        if server is not None:
            server.stop()
        pg.destroy()
    seconds = [r[1][2] for r in results]
    return {
        "requests": [{"kind": kind, "status": status, "seconds": round(s, 2), "says": speech_of(body)[:70]}
                     for kind, (status, body, s) in results],
        "longest_s": round(max(seconds), 2),
        "over_3s": sum(s > 3 for s in seconds),
        "over_8s": sum(s > 8 for s in seconds),
    }


# --- hung plugin ----------------------------------------------------------------------------------

HUNG_PLUGIN = """
import time
from rules import hookimpl

@hookimpl(tryfirst=True)
def {hook}({args}):
    time.sleep(20)
    return None
"""
HOOK_ARGS = {"backcoach_red_flags": "case", "backcoach_exercise_timing": "case",
             "backcoach_choose_routine": "case, assessment, candidates"}


def install_hung_plugin(site: Path, hook: str) -> None:
    name = f"faults_hung_{hook.removeprefix('backcoach_')}"
    (site / f"{name}.py").write_text(textwrap.dedent(HUNG_PLUGIN.format(hook=hook, args=HOOK_ARGS[hook])))
    info = site / f"{name.replace('_', '-')}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name.replace('_', '-')}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[backcoach.rules]\n{name} = {name}\n")


def plugin_app(work: Path, hook: str):
    """A fresh in-process app with one hung plugin installed (only that one on the path)."""
    from skill.app import create_app

    site = work / f"site-{hook}"
    site.mkdir()
    install_hung_plugin(site, hook)
    sys.path.insert(0, str(site))
    importlib.invalidate_caches()
    try:
        return create_app({"INSTANCE_PATH": str(work / f"instance-{hook}"), "VERIFY_SIGNATURE": False,
                           "USER_KEY_SECRET": SECRET, "LOG_LEVEL": "CRITICAL"})
    finally:
        sys.path.remove(str(site))


def in_process(client, body: bytes) -> tuple[int, dict, float]:
    started = time.monotonic()
    response = client.post("/alexa", data=body, content_type="application/json")
    return response.status_code, response.get_json(silent=True) or {}, time.monotonic() - started


class Session:
    """One user's session in process: the session attributes carried from turn to turn."""

    def __init__(self, client, user: str) -> None:
        self.client, self.user, self.attributes = client, user, {}

    def say(self, intent: str, **slots: str) -> tuple[int, dict, float]:
        request = env.intent_request(intent, {k: env.slot(k, v) for k, v in slots.items()})
        status, body, seconds = in_process(self.client, envelope(request, self.user, self.attributes))
        self.attributes = body.get("sessionAttributes") or {}
        return status, body, seconds


def figure(result: tuple[int, dict, float]) -> dict:
    status, body, seconds = result
    return {"status": status, "seconds": round(seconds, 2), "says": speech_of(body)[:60]}


def plugin(work: Path) -> dict:
    figures: dict = {}
    app = plugin_app(work, "backcoach_red_flags")
    figures["emergency, red-flag hook hung"] = figure(in_process(app.test_client(), emergency("P1")))
    # eight different cases (ages), so that no answer comes from the assessment cache
    bodies = [envelope(env.intent_request("ReportSymptomIntent", {
        "symptom": BLADDER, "age": env.slot("age", str(30 + n))}), f"P2{n}") for n in range(8)]
    clients = [app.test_client() for _ in range(8)]
    results = timed_threads([lambda c=c, b=b: in_process(c, b) for c, b in zip(clients, bodies)], [0.0] * 8)
    figures["8 emergencies at once, red-flag hook hung"] = {
        "statuses": sorted({r[0] for r in results}), "slowest_s": round(max(r[2] for r in results), 2),
        "emergency answers": sum("911" in speech_of(r[1]) for r in results)}

    app = plugin_app(work, "backcoach_exercise_timing")
    figures["emergency, exercise-timing hook hung"] = figure(in_process(app.test_client(), emergency("P3")))
    figures["exercise answer, exercise-timing hook hung"] = figure(in_process(app.test_client(), exercise("P4")))

    app = plugin_app(work, "backcoach_choose_routine")
    session = Session(app.test_client(), "P5")
    session.say("CanIExerciseIntent", daysAgo="9", painLevel="2")
    session.say("AMAZON.NoIntent")  # no red flag
    figures["first stretch, routine hook hung"] = figure(session.say("AMAZON.YesIntent"))
    return figures


# --- nested bodies --------------------------------------------------------------------------------


def nested_text(depth: int, kind: str) -> str:
    """JSON text nested `depth` levels (built as text: json.dumps itself recurses)."""
    opening, closing = ('{"a":', "}") if kind == "object" else ("[", "]")
    return opening * depth + '"deep"' + closing * depth


def nested(work: Path) -> dict:
    from skill.app import create_app
    from skill.simulator.console import install

    app = create_app({"INSTANCE_PATH": str(work / "nested"), "VERIFY_SIGNATURE": False,
                      "USER_KEY_SECRET": SECRET, "LOG_LEVEL": "CRITICAL"})
    install(app)
    client = app.test_client()
    figures = {}
    for depth in (300, 1000, 2000):
        for kind in ("object", "array"):
            inner = nested_text(depth, kind)
            body = envelope(env.launch_request(), "N1", {"deep": "@@"}).replace(b'"@@"', inner.encode())
            response = client.post("/alexa", data=body, content_type="application/json")
            reason = (response.get_json(silent=True) or {}).get("error", "")
            figures[f"POST /alexa, {kind}s {depth} deep"] = f"{response.status_code} {reason}".strip()
            state = '{"text": "hello", "state": {"session_id": "s.1", "attributes": {"deep": ' + inner + "}}}"
            response = client.post("/console/api/say", data=state.encode(), content_type="application/json")
            reason = (response.get_json(silent=True) or {}).get("error", "")
            figures[f"console, {kind}s {depth} deep"] = f"{response.status_code} {reason}".strip()
    return figures


# --- numbers --------------------------------------------------------------------------------------


def numbers(work: Path) -> dict:
    from skill.app import create_app

    app = create_app({"INSTANCE_PATH": str(work / "numbers"), "VERIFY_SIGNATURE": False,
                      "USER_KEY_SECRET": SECRET, "LOG_LEVEL": "CRITICAL"})
    client = app.test_client()
    figures = {}
    values = [("painLevel", "9" * 5000), ("daysAgo", "9" * 5000), ("painLevel", "nan"),
              ("painLevel", "infinity"), ("painLevel", "three"), ("daysAgo", "twenty one")]
    for n, (slot_name, value) in enumerate(values):
        slots = {slot_name: env.slot(slot_name, value)}
        body = envelope(env.intent_request("CanIExerciseIntent", slots), f"U{n}")
        status, data, _ = in_process(client, body)
        shown = value if len(value) < 20 else f"{value[:3]}... ({len(value)} digits)"
        figures[f"{slot_name} = {shown}"] = f"{status} {speech_of(data)[:70]}"
    return figures


# --- slowloris ------------------------------------------------------------------------------------


class SlowClient(threading.Thread):
    """Opens a connection and trickles a request one byte every `pause` seconds, reconnecting
    whenever the server closes it, until `stop` is set. Half trickle headers, half bodies."""

    def __init__(self, port: int, body: bool, stop: threading.Event, pause: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.port, self.body, self.stop, self.pause = port, body, stop, pause
        self.connections = 0

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock:
                    self.connections += 1
                    if self.body:
                        sock.sendall(b"POST /alexa HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                     b"Content-Length: 100000\r\n\r\n")
                        trickle = b"{" + b" " * 99999
                    else:
                        trickle = b"POST /alexa HTTP/1.1\r\nHost: x\r\n" + b"X-Slow: y\r\n" * 10000
                    for byte in trickle:
                        if self.stop.wait(self.pause):
                            return
                        sock.sendall(bytes([byte]))
            except OSError:
                self.stop.wait(0.05)


def slowloris(work: Path) -> dict:
    server = start_server({"BACKCOACH_INSTANCE_PATH": str(work / "slowloris")}, work / "slowloris.log")
    figures = {}
    try:
        for attackers in (6, 24):
            stop = threading.Event()
            clients = [SlowClient(server.port, body=n % 2 == 1, stop=stop) for n in range(attackers)]
            for client in clients:
                client.start()
            time.sleep(2.0)
            latencies, failures = [], 0
            ends = time.monotonic() + 20
            n = 0
            while time.monotonic() < ends:
                n += 1
                status, _, seconds = post(f"{server.url}/alexa", launch(f"S{attackers}-{n}"), timeout=10)
                if status != 200:
                    failures += 1
                latencies.append(seconds)
                time.sleep(max(0.0, 1.0 - seconds))
            stop.set()
            for client in clients:
                client.join(5)
            figures[f"{attackers} slow clients"] = {
                "normal requests": len(latencies), "failed or over 10 s": failures,
                "median_s": round(statistics.median(latencies), 2), "slowest_s": round(max(latencies), 2),
                "slow connections opened": sum(c.connections for c in clients)}
            time.sleep(1.0)
    finally:
        server.stop()
    return figures


# --- main -----------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenarios", nargs="*", metavar="scenario", help=", ".join(SCENARIOS))
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    chosen = args.scenarios or list(SCENARIOS)
    unknown = set(chosen) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenario(s) {', '.join(sorted(unknown))}; choose from {', '.join(SCENARIOS)}")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip() or str(ROOT)
    report: dict = {"code": commit}
    work = Path(tempfile.mkdtemp(prefix="backcoach-faults-"))
    try:
        for name in chosen:
            started = time.monotonic()
            report[name] = globals()[name](work)
            print(f"## {name} ({time.monotonic() - started:.0f} s)\n{json.dumps(report[name], indent=2)}\n",
                  flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
