"""No false "I've saved your place" (issue 15.1): when the database cannot store the routine's
place, the user hears so in one sentence, the place stays in the session, and the next turn of
that session saves it. Real SQLite locked by another connection, and a real PostgreSQL stopped."""

from __future__ import annotations

import sqlite3
import time
from contextlib import contextmanager

import pytest

from alexa import Echo
from postgres_server import PostgresServer, postgres_database, postgres_server  # noqa: F401 - fixtures
from skill.backends.store import RETRY_AFTER
from test_scale_out import SECRET, start_routine, stored, wait_for_database


@contextmanager
def locked(url: str):
    """The SQLite file locked by another writer for the duration (every save then fails)."""
    locker = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    time.sleep(RETRY_AFTER + 0.1)  # during an outage the store tries again at most every RETRY_AFTER


@pytest.fixture
def app(make_app):
    return make_app(DB_TIMEOUT=0.2, USER_KEY_SECRET=SECRET)


def place(url: str, device: Echo) -> int | None:
    progress = stored(url, device)[0].get("progress")
    return progress["i"] if progress else None


@pytest.mark.parametrize("intent", ["AMAZON.StopIntent", "AMAZON.PauseIntent"])
def test_stop_and_pause_never_claim_a_save_that_failed(app, intent):
    url = app.config["DATABASE_URL"]
    device = Echo(app.test_client())
    start_routine(device)
    device.next_stretch()
    assert place(url, device) == 1
    with locked(url):
        step = device.next_stretch()  # stretch 3: this save fails
        bye = device.say_intent(intent)
    assert "couldn't save your place" in step.speech
    assert bye.ended and "couldn't save your place" in bye.speech
    assert "saved your place" not in bye.speech.replace("couldn't save your place", "")
    assert "resume" not in bye.speech.lower()
    assert place(url, device) == 1, "what was saved before is intact"


def test_a_failed_save_is_kept_in_the_session_and_retried_on_the_next_turn(app):
    url = app.config["DATABASE_URL"]
    device = Echo(app.test_client())
    start_routine(device)
    with locked(url):
        step = device.next_stretch()
    assert step.speech.startswith("I couldn't save your place this time.") and "Stretch 2 of" in step.speech
    assert step.attributes["unsaved"]["progress"]["i"] == 1
    assert place(url, device) == 0
    again = device.say_intent("AMAZON.RepeatIntent")  # the database is back: this turn saves
    assert "couldn't save" not in again.speech and "unsaved" not in again.attributes
    assert place(url, device) == 1
    device.end_session()
    assert "You stopped at stretch 2" in device.launch().speech


def test_a_stop_after_a_lost_save_in_the_same_session_saves_the_place(app):
    url = app.config["DATABASE_URL"]
    device = Echo(app.test_client())
    start_routine(device)
    with locked(url):
        device.next_stretch()
    stopped = device.say_intent("AMAZON.StopIntent")
    assert "I've saved your place" in stopped.speech and place(url, device) == 1


@pytest.mark.postgres
def test_with_postgres_stopped_nothing_unsaved_is_acknowledged(make_app, postgres_server: PostgresServer,
                                                               postgres_database: str):
    app = make_app(DATABASE_URL=postgres_database, DB_TIMEOUT=1.0, USER_KEY_SECRET=SECRET)
    client = app.test_client()
    device = Echo(client)
    start_routine(device)
    postgres_server.stop()
    try:
        step = device.say_intent("AMAZON.NextIntent")
        paused = device.say_intent("AMAZON.PauseIntent")
    finally:
        postgres_server.start()
    assert step.status == 200 and "couldn't save your place" in step.speech
    assert paused.status == 200 and "couldn't save your place" in paused.speech
    wait_for_database(client)
    assert place(postgres_database, device) == 0, "the place saved before the outage is intact"


def test_a_launch_while_the_database_is_unreachable_says_so(make_app, tmp_path):
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x")
    app = make_app(DATABASE_URL=f"sqlite:///{blocker}/db.sqlite3", DB_TIMEOUT=0.2)
    launch = Echo(app.test_client()).launch()
    assert "I can't reach your saved stretches right now." in launch.speech and launch.speech.endswith("?")


def test_a_routine_finished_during_an_outage_is_not_offered_again_afterwards(app):
    """The profile could not even be loaded (the store backs off after the first failure): the
    finished routine's cleared place is kept in the session and stored once the database is back."""
    url = app.config["DATABASE_URL"]
    device = Echo(app.test_client())
    start_routine(device)
    assert place(url, device) == 0
    with locked(url):
        for _ in range(200):
            turn = device.say_intent("AMAZON.NextIntent")
            if "routine done" in turn.speech:
                break
        assert "routine done" in turn.speech and "couldn't save" in turn.speech
    assert place(url, device) == 0, "nothing was stored during the outage"
    device.say_intent("AMAZON.NoIntent")  # "anything else?" - no: this turn stores the cleared place
    assert place(url, device) is None
    device.end_session()
    assert "You stopped at" not in device.launch().speech
