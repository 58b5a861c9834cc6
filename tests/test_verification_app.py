"""Request verification through the real web service: signed with a test CA minted in the tests.

Every rejection is a 400 with a reason, before any handler runs and before anything is stored.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from alexa import Echo
from skill.simulator.signing import make_test_authority
from skill.simulator import envelopes as env

SKILL_ID = "amzn1.ask.skill.verification-test"
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def authority():
    return make_test_authority(now=NOW)


@pytest.fixture
def fetched():
    return []


@pytest.fixture
def app(make_app, authority, tmp_path, fetched):
    fetch = authority.fetcher()

    def counting_fetch(url):
        fetched.append(url)
        return fetch(url)
    return make_app(VERIFY_SIGNATURE=True, SKILL_ID=SKILL_ID,
                    TRUSTED_CA_FILE=str(authority.write_root(tmp_path / "root.pem")),
                    CERT_FETCHER=counting_fetch, CLOCK=lambda: NOW)


def signed_device(app, authority, skill_id=SKILL_ID):
    return Echo(app.test_client(), sign=authority.sign, skill_id=skill_id, now=NOW)


def stored_rows(app) -> int:
    path = app.config["DATABASE_URL"].removeprefix("sqlite:///")
    try:
        with sqlite3.connect(path) as db:
            return db.execute("SELECT count(*) FROM user_state").fetchone()[0]
    except sqlite3.OperationalError:
        return 0  # no table yet: nothing was ever stored


def test_a_signed_request_is_answered_and_certificates_are_fetched_once(app, authority, fetched):
    device = signed_device(app, authority)
    assert device.launch().status == 200
    assert device.say_intent("AMAZON.HelpIntent").status == 200
    assert fetched == [authority.cert_url]
    assert stored_rows(app) == 1


def rejected(answer, reason_part: str, app) -> None:
    assert answer.status == 400, answer.json
    assert reason_part in answer.json["error"]
    assert set(answer.json) == {"error"}
    assert stored_rows(app) == 0


def test_an_unsigned_request_is_rejected(app):
    rejected(Echo(app.test_client(), skill_id=SKILL_ID, now=NOW).launch(), "missing", app)


def test_a_body_changed_after_signing_is_rejected(app, authority):
    device = signed_device(app, authority)
    body = json.dumps(device.envelope(env.launch_request(now=NOW))).encode()
    headers = authority.sign(body)
    tampered = body.replace(b'"LaunchRequest"', b'"LaunchRequest" ')
    r = app.test_client().post("/alexa", data=tampered, content_type="application/json", headers=headers)
    assert r.status_code == 400 and r.get_json() == {"error": "signature does not match body"}
    assert stored_rows(app) == 0


def test_a_legacy_sha1_signature_header_alone_is_rejected(app, authority):
    device = signed_device(app, authority)
    body = json.dumps(device.envelope(env.launch_request(now=NOW))).encode()
    headers = authority.sign(body)
    headers["Signature"] = headers.pop("Signature-256")
    r = app.test_client().post("/alexa", data=body, content_type="application/json", headers=headers)
    assert r.status_code == 400 and "Signature-256" in r.get_json()["error"]


def test_a_bad_certificate_url_is_rejected_before_any_download(app, authority, fetched):
    device = signed_device(app, authority)
    body = json.dumps(device.envelope(env.launch_request(now=NOW))).encode()
    headers = authority.sign(body)
    headers["SignatureCertChainUrl"] = "https://s3.amazonaws.com/EcHo.aPi/echo-api-cert.pem"
    r = app.test_client().post("/alexa", data=body, content_type="application/json", headers=headers)
    assert r.status_code == 400 and "certificate URL" in r.get_json()["error"]
    assert fetched == []


def test_a_certificate_from_another_ca_is_rejected(make_app, authority, tmp_path):
    stranger = make_test_authority(now=NOW)
    app = make_app(VERIFY_SIGNATURE=True, SKILL_ID=SKILL_ID, CLOCK=lambda: NOW,
                   TRUSTED_CA_FILE=str(authority.write_root(tmp_path / "root.pem")),
                   CERT_FETCHER=stranger.fetcher())
    answer = Echo(app.test_client(), sign=stranger.sign, skill_id=SKILL_ID, now=NOW).launch()
    assert answer.status == 400 and "not trusted" in answer.json["error"]


@pytest.mark.parametrize("age,ok", [(timedelta(seconds=-140), True), (timedelta(seconds=140), True),
                                    (timedelta(seconds=151), False), (timedelta(seconds=-151), False)])
def test_the_timestamp_must_be_within_150_seconds(app, authority, age, ok):
    answer = signed_device(app, authority).send(env.launch_request(now=NOW - age))
    if ok:
        assert answer.status == 200
    else:
        rejected(answer, "timestamp", app)


@pytest.mark.parametrize("age,ok", [(timedelta(minutes=59), True), (timedelta(minutes=61), False)])
def test_skill_events_may_be_up_to_an_hour_old(app, authority, age, ok):
    device = signed_device(app, authority)
    device.launch()
    event = env.envelope(env.skill_disabled_request(NOW - age), user_id=device.user_id, in_session=False,
                         skill_id=SKILL_ID)
    answer = device.post(event)
    assert (answer.status == 200) is ok
    assert stored_rows(app) == (0 if ok else 1)


def test_another_skills_request_is_rejected(app, authority):
    rejected(signed_device(app, authority, skill_id="amzn1.ask.skill.other").launch(), "skill id", app)
