"""The benchmark's Settings API part, through its real pieces: the signed requests of 64 devices
(bench/scenario.py), Back Coach as the benchmark serves it (verification on, bench/targets), the
stand-ins' own process (bench/standin_server.py) and the log check (bench/settings_api.py).

What the benchmark reports must hold here without any timing: one look-up per user and device
however many processes serve them, an outage said once per process and never per request, and
no access token, user or device id in the logs.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import pytest

from standins import make_test_ca

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # bench/ is not an installed package
    sys.path.insert(0, str(ROOT))

from bench import ca, scenario, settings_api  # noqa: E402
from bench.standin_server import StandIns  # noqa: E402

SKILL_ID = "amzn1.ask.skill.00000000-0000-0000-0000-benchmark000"


@pytest.fixture(scope="module")
def outbound_ca(tmp_path_factory):
    return make_test_ca(tmp_path_factory.mktemp("standin-ca"))


@pytest.fixture(scope="module")
def stand_ins(outbound_ca):
    with StandIns(outbound_ca, {kind: kind for kind in ("reachable", "down", "hanging")}) as running:
        yield running


@pytest.fixture
def authority(tmp_path):
    return ca.create(tmp_path / "ca")


@pytest.fixture
def serve(tmp_path, monkeypatch, authority, outbound_ca):
    """serve() -> a Back Coach app as bench/targets/backcoach.py builds it (each call: another
    worker on the same database), trusting the stand-ins' CA."""
    from bench.targets.backcoach import build

    for name, value in {"BENCH_CA_DIR": str(tmp_path / "ca"), "BACKCOACH_SKILL_ID": SKILL_ID,
                        "BACKCOACH_USER_KEY_SECRET": "b3" * 32, "BACKCOACH_LOG_LEVEL": "INFO",
                        "BACKCOACH_INSTANCE_PATH": str(tmp_path / "instance"),
                        "BACKCOACH_DATABASE_URL": f"sqlite:///{tmp_path / 'bench.db'}",
                        "BACKCOACH_OUTBOUND_CA_FILE": str(outbound_ca.ca_file)}.items():
        monkeypatch.setenv(name, value)
    return build


def post_all(app, authority, endpoint: str) -> list[int]:
    """Every request of the scenario once; the HTTP statuses."""
    client = app.test_client()
    return [client.post("/alexa", data=body, headers=headers).status_code
            for body, headers in scenario.signed(authority, SKILL_ID, endpoint)]


def test_the_scenario_is_64_devices_with_tokens_and_no_zone_in_the_session(authority):
    envelopes = scenario.requests(SKILL_ID, "https://127.0.0.1:1")
    systems = [e["context"]["System"] for e in envelopes]
    assert len(envelopes) == 4 * scenario.USERS == 256
    assert {s["device"]["deviceId"] for s in systems} == {scenario.device_id(n) for n in range(64)}
    assert {s["apiEndpoint"] for s in systems} == {"https://127.0.0.1:1"}
    assert all(s["apiAccessToken"].startswith(scenario.TOKEN_PREFIX) and s["apiAccessToken"].count(".") == 2
               for s in systems)
    assert all("tz" not in e["session"]["attributes"] for e in envelopes)
    # kind after kind: neighbours (sent at the same time) come from different devices
    assert all(a["context"]["System"]["device"] != b["context"]["System"]["device"]
               for a, b in zip(envelopes, envelopes[1:]))
    body, headers = scenario.signed(authority, SKILL_ID, "https://127.0.0.1:1")[0]
    assert json.loads(body)["request"]["type"] == "LaunchRequest" and "Signature-256" in headers


def test_one_look_up_per_user_and_device_however_many_workers(serve, authority, stand_ins):
    before = stand_ins.counts()["reachable"]["look_ups"]
    for _ in range(2):  # two workers (or two server starts) on one database
        app = serve()
        assert set(post_all(app, authority, stand_ins.endpoints["reachable"])) == {200}
    counts = stand_ins.counts()["reachable"]
    assert counts["look_ups"] - before == 64 and counts["devices"] >= 64


@pytest.mark.parametrize("kind, reason", [("down", "refused"), ("hanging", "over budget")])
def test_an_outage_is_logged_once_per_process_without_private_data(serve, authority, stand_ins, caplog,
                                                                   kind, reason):
    caplog.set_level(logging.DEBUG)
    app = serve()
    assert set(post_all(app, authority, stand_ins.endpoints[kind])) == {200}
    found = settings_api.log_findings(caplog.text)
    assert (found["incident_lines"], found["reasons"], found["private"]) == (1, [reason], [])
