"""In-process measurements: cold start, one request of Back Coach broken down, rules, plugin scaling.

Run as a module in a fresh interpreter (``python -m bench.inprocess <what>``) so each measurement
starts clean; prints one JSON object.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path


def _timeit(func, n: int = 2000) -> float:
    """Median microseconds per call over 5 batches of n // 5 (after a warm-up)."""
    for _ in range(50):
        func()
    batches = []
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(n // 5):
            func()
        batches.append((time.perf_counter() - started) / (n // 5) * 1e6)
    return statistics.median(batches)


def cold_start(module: str) -> dict:
    """Seconds to import a target module and build its app (BENCH_CA_DIR must be set)."""
    started = time.perf_counter()
    __import__(module)
    return {"seconds": time.perf_counter() - started}


def breakdown() -> dict:
    """One request of target (3), its parts timed separately (microseconds)."""
    from ask_sdk_model import RequestEnvelope

    from bench import scenario
    from bench.targets.backcoach import build
    from rules import Case
    from skill.dialog.turn import RequestContext
    from skill.voice.ssml import Speech, strip_ssml
    from werkzeug.test import EnvironBuilder

    app = build()
    ext = app.extensions["backcoach"]
    skill, verifier, rules = ext["skill"], ext["verifier"], ext["rules"]
    # The Settings API stand-in of (3) (BENCH_SETTINGS_API): the zone is already kept in the profile.
    authority_requests = scenario.signed(_authority(), os.environ["BACKCOACH_SKILL_ID"],
                                         os.environ["BENCH_SETTINGS_API"])
    body, headers = authority_requests[2 * scenario.USERS]  # a stretch step: session attributes, a profile write
    payload = json.loads(body)

    def whole():
        environ = EnvironBuilder(path="/alexa", method="POST", data=body, headers=headers).get_environ()
        b"".join(app(environ, lambda status, response_headers: None))

    envelope = skill.serializer.from_data(payload, RequestEnvelope)
    response = skill.invoke(envelope, RequestContext(ext["services"]))
    sentences = [s for s in strip_ssml(response.response.output_speech.ssml).split(". ") if s]
    case = Case(days_since_onset=9, pain=3, activity="running")
    adapter = skill.persistence_adapter
    profile = adapter.get_attributes(envelope)

    def persist():
        attrs = adapter.get_attributes(envelope)
        attrs["bench"] = attrs.get("bench", 0) + 1
        adapter.save_attributes(envelope, attrs)

    parts = {
        "whole request (WSGI, in process)": _timeit(whole, 1000),
        "verification": _timeit(lambda: (verifier.check_signature(headers, body), verifier.check_envelope(payload))),
        "deserialize (JSON + envelope)": _timeit(lambda: skill.serializer.from_data(json.loads(body), RequestEnvelope)),
        "dispatch (ask-sdk invoke + handler, incl. the next three)":
            _timeit(lambda: skill.invoke(skill.serializer.from_data(payload, RequestEnvelope),
                                         RequestContext(ext["services"])), 1000),
        "rules (assess, reused, + routine)": _timeit(lambda: rules.routine(case, rules.assess(case))),
        "persistence (load + save, SQLite)": _timeit(persist, 1000),
        "SSML (escape + assemble the answer)": _timeit(lambda: Speech(*sentences).ssml),
        "serialize (response envelope + JSON)":
            _timeit(lambda: json.dumps(skill.serializer.serialize(response), separators=(",", ":"))),
    }
    del profile
    return {"microseconds": parts}


def rules_cost() -> dict:
    """Microseconds per rule evaluation: computed afresh (the cache emptied each time) and reused."""
    from rules import Case, default_rules

    rules = default_rules()
    cases = [Case(days_since_onset=3, pain=5, symptoms=frozenset({"leg_numbness"})),
             Case(days_since_onset=20, pain=2, activity="running"),
             Case(days_since_onset=1, pain=9, symptoms=frozenset({"saddle_numbness"}))]

    def fresh(case):
        rules._assessed.clear()  # noqa: SLF001 - measuring the uncached path on purpose
        return rules.assess(case)
    return {"assess_us": max(_timeit(lambda c=c: fresh(c), 5000) for c in cases),
            "assess_reused_us": _timeit(lambda: rules.assess(cases[1]), 5000),
            "assess_and_routine_us": _timeit(lambda: rules.routine(cases[1], fresh(cases[1])), 5000)}


def _authority():
    from bench.ca import load
    return load(Path(os.environ["BENCH_CA_DIR"]))


def plugin_scaling() -> dict:
    """The whole request in process, with whatever plugins PYTHONPATH carries."""
    from rules import plugin_records
    result = breakdown()
    from bench.targets.backcoach import build
    plugins = len(plugin_records(build().extensions["backcoach"]["rules"].pm))
    return {"plugins": plugins, "request_us": result["microseconds"]["whole request (WSGI, in process)"],
            "dispatch_us": result["microseconds"]["dispatch (ask-sdk invoke + handler, incl. the next three)"]}


if __name__ == "__main__":
    what = sys.argv[1]
    result = cold_start(sys.argv[2]) if what == "cold_start" else globals()[what]()
    print(json.dumps(result))
