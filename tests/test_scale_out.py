"""Several servers on one database: no lost updates, deletion everywhere, outages survived.

(a) two real gunicorn servers (deploy/gunicorn.conf.py) on one PostgreSQL database take a burst
    of concurrent requests that all change the same users' persisted state;
(b) forget-me and SkillDisabled delete every row of the user, on SQLite and PostgreSQL;
(c) the database stops (PostgreSQL) or stays locked (SQLite): the skill keeps answering
    sensibly, logs the outage once, and loses nothing that was saved before it.
"""

from __future__ import annotations

import collections
import json
import logging
import os
import sqlite3
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

from alexa import Echo
from gunicorn_server import SkillServer
from postgres_server import PostgresServer, postgres_database, postgres_server  # noqa: F401
from skill.simulator import envelopes as env
from skill.backends.persistence import user_key

ROOT = Path(__file__).resolve().parent.parent
SECRET = "5c" * 32  # BACKCOACH_USER_KEY_SECRET, the same on every server
STORE_LOGGER = "skill.backends.store"
BLADDER = ("i can't control my bladder", "bladder_control_loss", "SYMPTOM")
HTTP_TIMEOUT = 10.0
USERS = 3
NEXTS_PER_USER = 40
CLIENT_THREADS = 12
TOO_MANY_CONFLICTS = "too many concurrent updates of this user; please retry"
ENGINES = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


# --- real HTTP for tests/alexa.Echo ------------------------------------------------------------


@dataclass
class HttpResult:
    """The part of a Flask test response that Echo reads."""

    status_code: int
    body: bytes

    def get_json(self, silent: bool = False) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            if silent:
                return None
            raise


class HttpClient:
    """Just enough of Flask's test client for Echo, over real HTTP to a running server."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def post(self, path: str, data: bytes, content_type: str, headers: dict) -> HttpResult:
        request = urllib.request.Request(self.base_url + path, data=data, method="POST",
                                         headers={"Content-Type": content_type, **headers})
        try:
            with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
                return HttpResult(response.status, response.read())
        except urllib.error.HTTPError as error:
            return HttpResult(error.code, error.read())


@pytest.fixture
def servers(postgres_server: PostgresServer, postgres_database: str,
            tmp_path: Path) -> Iterator[list[SkillServer]]:
    """Two servers, as on two hosts: own instance folders, one database, one user-key secret.

    The database logs every write (log_statement = 'mod'), so tests can count retried UPDATEs.
    """
    database = postgres_database.rsplit("/", 1)[1]
    sql(postgres_server.url, f"ALTER DATABASE \"{database}\" SET log_statement = 'mod'")
    started: list[SkillServer] = []
    try:
        for n in range(2):
            environment = {
                **os.environ, "BACKCOACH_DATABASE_URL": postgres_database,
                "BACKCOACH_VERIFY_SIGNATURE": "false", "BACKCOACH_USER_KEY_SECRET": SECRET,
                "BACKCOACH_INSTANCE_PATH": str(tmp_path / f"instance-{n}"),
            }
            started.append(SkillServer(environment, tmp_path / f"server-{n}.log"))
        for server in started:
            server.wait_healthy()
        yield started
    finally:
        for server in started:
            server.stop()


# --- reading what the database holds --------------------------------------------------------------


def key_of(device: Echo) -> str:
    return user_key(device.user_id, bytes.fromhex(SECRET))


def sql(url: str, text: str, params: tuple = ()) -> list[tuple]:
    """Rows of one statement ("?" placeholders), run outside the app on either engine."""
    if url.startswith("sqlite"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        try:
            return conn.execute(text, params).fetchall()
        finally:
            conn.close()
    with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
        cursor = conn.execute(text.replace("?", "%s"), params)
        return cursor.fetchall() if cursor.description else []


def stored(url: str, device: Echo) -> tuple[dict, int]:
    """(attributes, version) of the device's user; ({}, 0) when there is no row."""
    rows = sql(url, "SELECT attributes, version FROM user_state WHERE user_key = ?", (key_of(device),))
    return (json.loads(rows[0][0]), rows[0][1]) if rows else ({}, 0)


def stretches_done(url: str, device: Echo) -> int:
    return stored(url, device)[0].get("stats", {}).get("stretches", 0)


def rows_of_user(url: str, device: Echo) -> int:
    """Rows of the user in every table that has a user_key column (future tables included)."""
    if url.startswith("sqlite"):
        tables = [row[0] for row in sql(url, "SELECT m.name FROM sqlite_master AS m JOIN "
                                             "pragma_table_info(m.name) AS c WHERE c.name = 'user_key'")]
    else:
        tables = [row[0] for row in sql(url, "SELECT table_name FROM information_schema.columns "
                                             "WHERE table_schema = 'public' AND column_name = 'user_key'")]
    assert "user_state" in tables
    return sum(sql(url, f'SELECT count(*) FROM "{table}" WHERE user_key = ?', (key_of(device),))[0][0]
               for table in tables)


# --- conversations ------------------------------------------------------------------------------


def start_routine(device: Echo) -> None:
    """A real session up to the first stretch of today's routine."""
    device.say_intent("ReportOnsetIntent", daysAgo="9")
    device.say_intent("ReportPainIntent", painLevel="2")
    device.say_intent("AMAZON.NoIntent")
    first = device.say_intent("AMAZON.YesIntent")
    assert first.status == 200 and "Stretch 1 of" in first.speech, first.speech


def next_from_the_same_turn(device: Echo, client: HttpClient) -> tuple[str, int, str]:
    """AMAZON.NextIntent with the session attributes of the device's last turn (not updated).

    Returns (user id, HTTP status, the speech of a 200 or the error reason of anything else).
    """
    envelope = device.envelope(env.intent_request("AMAZON.NextIntent", locale=device.locale))
    result = client.post("/alexa", json.dumps(envelope).encode(), "application/json", {})
    body = result.get_json(silent=True) or {}
    text = body.get("response", {}).get("outputSpeech", {}).get("ssml", "") or body.get("error", "")
    return device.user_id, result.status_code, text


def updates_logged(server: PostgresServer) -> int:
    """UPDATEs of user_state the PostgreSQL server logged (log_statement = 'mod')."""
    return server.log.read_text(errors="replace").count("UPDATE user_state")


# --- (a) no lost updates across real server processes ---------------------------------------------


@pytest.mark.postgres
def test_no_lost_updates_across_two_servers(postgres_server: PostgresServer, postgres_database: str,
                                            servers: list[SkillServer]) -> None:
    devices = [Echo(HttpClient(servers[0].url)) for _ in range(USERS)]
    for device in devices:
        start_routine(device)
        device.finish_stretch()  # every Next below then finishes stretch 1 (a stretch takes several turns)
    before = {device.user_id: stored(postgres_database, device) for device in devices}
    clients = [HttpClient(server.url) for server in servers]
    jobs = [(device, clients[(n + i) % 2]) for n in range(NEXTS_PER_USER) for i, device in enumerate(devices)]
    updates_before = updates_logged(postgres_server)
    started = time.monotonic()
    with ThreadPoolExecutor(CLIENT_THREADS) as pool:
        results = list(pool.map(lambda job: next_from_the_same_turn(*job), jobs))
    seconds = time.monotonic() - started
    time.sleep(0.2)  # let the server's log catch up
    attempts = updates_logged(postgres_server) - updates_before

    answered = collections.Counter(user for user, status, _ in results if status == 200)
    for device in devices:
        (attributes, version), (old, old_version) = stored(postgres_database, device), before[device.user_id]
        counted = attributes["stats"]["stretches"] - old.get("stats", {}).get("stretches", 0)
        assert counted == answered[device.user_id], "every answered Next is counted, none lost"
        assert version - old_version == answered[device.user_id], "one write per answer, none doubled"
    assert all("Stretch 2 of" in text for _, status, text in results if status == 200), "200 but no step"
    refused = [(status, text) for _, status, text in results if status != 200]
    assert all(answer == (503, TOO_MANY_CONFLICTS) for answer in refused), set(refused)
    conflicts = attempts - (len(jobs) - len(refused))
    print(f"\nscale-out: {len(jobs)} requests to 2 servers (2 workers each) in {seconds:.2f} s: "
          f"{len(jobs) - len(refused)} answered, {len(refused)} refused (503); "
          f"{attempts} UPDATEs tried, {conflicts} of them lost a race and were re-run")
    assert conflicts > 0, "no two requests raced: this burst proves nothing about lost updates"
    assert not refused, f"{len(refused)} of {len(jobs)} requests gave up after concurrent updates"


# --- (b) deletion on both engines ----------------------------------------------------------------


@pytest.fixture(params=ENGINES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database of each engine."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/state/backcoach.sqlite3"
    return request.getfixturevalue("postgres_database")


def two_users_mid_routine(app) -> tuple[Echo, Echo]:
    """Two users with a routine in progress and a stretch done: a row each."""
    users = Echo(app.test_client()), Echo(app.test_client())
    for device in users:
        start_routine(device)
        assert "Stretch 2 of" in device.next_stretch().speech
    return users


def test_forget_me_deletes_every_row_of_the_user(make_app, database_url: str) -> None:
    app = make_app(DATABASE_URL=database_url, USER_KEY_SECRET=SECRET)
    leaving, staying = two_users_mid_routine(app)
    assert rows_of_user(database_url, leaving) == rows_of_user(database_url, staying) == 1
    leaving.say_intent("ForgetMeIntent")
    done = leaving.say_intent("AMAZON.YesIntent")
    assert done.status == 200 and "deleted your data" in done.speech
    assert rows_of_user(database_url, leaving) == 0
    assert stretches_done(database_url, staying) == 1, "the other user's data is untouched"


def test_skill_disabled_deletes_every_row_of_the_user(make_app, database_url: str) -> None:
    app = make_app(DATABASE_URL=database_url, USER_KEY_SECRET=SECRET)
    leaving, staying = two_users_mid_routine(app)
    event = env.envelope(env.skill_disabled_request(), user_id=leaving.user_id, in_session=False,
                         api_endpoint=leaving.api_endpoint)
    assert leaving.post(event).status == 200
    assert rows_of_user(database_url, leaving) == 0
    assert stretches_done(database_url, staying) == 1, "the other user's data is untouched"


# --- (c) outages ------------------------------------------------------------------------------------


def store_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == STORE_LOGGER and r.levelno >= logging.WARNING]


def wait_for_database(client, seconds: float = 10.0) -> None:
    """Poll /healthz until the app reaches its database again (bounded)."""
    deadline = time.monotonic() + seconds
    while client.get("/healthz").get_json()["database"] != "ok":
        assert time.monotonic() < deadline, f"the database did not come back within {seconds} s"
        time.sleep(0.1)


@pytest.mark.postgres
def test_postgres_outage_and_recovery_through_the_app(make_app, postgres_server: PostgresServer,
                                                      postgres_database: str,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    app = make_app(DATABASE_URL=postgres_database, DB_TIMEOUT=1.0, USER_KEY_SECRET=SECRET)
    client = app.test_client()
    regular = Echo(client)
    regular.launch()
    start_routine(regular)
    regular.next_stretch()
    regular.end_session()
    assert stretches_done(postgres_database, regular) == 1
    caplog.set_level(logging.DEBUG, logger=STORE_LOGGER)
    caplog.clear()
    postgres_server.stop()
    try:
        started = time.monotonic()
        emergency = Echo(client).say_intent("ReportSymptomIntent", symptom=BLADDER)
        assert emergency.status == 200 and "Call 911 now" in emergency.speech
        for _ in range(5):
            launch = Echo(client).launch()
            assert launch.status == 200 and launch.speech.endswith("?"), launch.speech
        during = regular.launch()
        assert during.status == 200 and during.speech.endswith("?")
        assert client.get("/healthz").get_json()["database"] == "unavailable"
        assert time.monotonic() - started < 8, "requests fail fast while the database is down"
        assert len(store_warnings(caplog)) == 1, "the outage is logged once"
    finally:
        postgres_server.start()
    wait_for_database(client)
    assert stretches_done(postgres_database, regular) == 1, "nothing saved before the outage is lost"
    regular.new_session()
    back = regular.launch()
    assert "Welcome back" in back.speech and "stopped at stretch 2 of" in back.speech, back.speech
    resumed = regular.say_intent("AMAZON.YesIntent")
    assert "Stretch 2 of" in resumed.speech
    assert "Stretch 3 of" in regular.next_stretch().speech
    assert stretches_done(postgres_database, regular) == 2, "state saves again"
    assert len(store_warnings(caplog)) == 1


def test_sqlite_locked_longer_than_the_timeout(make_app, caplog: pytest.LogCaptureFixture) -> None:
    app = make_app(DB_TIMEOUT=0.2, USER_KEY_SECRET=SECRET)
    url = app.config["DATABASE_URL"]
    device = Echo(app.test_client())
    start_routine(device)
    device.next_stretch()
    saved = stored(url, device)
    caplog.set_level(logging.DEBUG, logger=STORE_LOGGER)
    caplog.clear()
    locker = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        step = device.next_stretch()
        assert step.status == 200 and "Stretch 3 of" in step.speech, "the session carries the routine"
        launch = Echo(app.test_client()).launch()
        assert launch.status == 200 and launch.speech.endswith("?")
        emergency = Echo(app.test_client()).say_intent("ReportSymptomIntent", symptom=BLADDER)
        assert emergency.status == 200 and "Call 911 now" in emergency.speech
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert stored(url, device) == saved, "the state before the lock is intact"
    assert len(store_warnings(caplog)) == 1, "the lock is logged once"
