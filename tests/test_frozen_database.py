"""A frozen database (PostgreSQL stopped with SIGSTOP) bounds nothing itself: the store must.

Every store call ends within DB_TIMEOUT (+ a margin) with StoreUnavailable, whatever it was
doing when the server froze (checking out, connecting, migrating, running a statement); a
connection whose call was aborted is never handed out again; after SIGCONT (or a restart) the
store recovers by itself. Through the app, every request of a frozen-database outage, the
emergency answer included, is answered well inside Alexa's 8 seconds.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from alexa import Echo
from freezing import frozen
from postgres_server import PostgresServer, postgres_database, postgres_server  # noqa: F401
from skill.backends.engines import open_store
from skill.backends.persistence import user_key
from skill.backends.store import SqlStore, StoreUnavailable

pytestmark = pytest.mark.postgres

TIMEOUT = 1.0
#: What a call may take past TIMEOUT on a loaded 2-core machine: the watchdog wakes late, the
#: aborted thread needs the GIL back. Generous, and still far below Alexa's 8 s.
MARGIN = 1.5
KEY = user_key("amzn1.ask.account.FROZEN", bytes(range(32)))
SECRET = "f0" * 32
BLADDER = ("i can't control my bladder", "bladder_control_loss", "SYMPTOM")
STORE_LOGGER = "skill.backends.store"


def timed(call: Callable[[], object]) -> tuple[float, BaseException | None]:
    """(seconds, the exception raised or None)."""
    started = time.monotonic()
    try:
        call()
    except Exception as exc:  # noqa: BLE001 - the caller asserts on it
        return time.monotonic() - started, exc
    return time.monotonic() - started, None


def recovered(store: SqlStore, seconds: float = 15.0) -> dict:
    """The stored attributes, once the store reaches the database again (bounded)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return store.load(KEY)
        except StoreUnavailable:
            assert time.monotonic() < deadline, f"the store did not recover within {seconds} s"
            time.sleep(0.1)


def no_outage_pauses(store: SqlStore) -> None:
    """Let the outage back-off allow a real try again (one per RETRY_AFTER)."""
    time.sleep(0.6)


@pytest.fixture
def store(postgres_database: str):
    store = open_store(postgres_database, pool_max=4, timeout=TIMEOUT)
    store.save(KEY, {"n": 1}, 0)
    yield store
    store.close()


def test_every_call_on_a_frozen_server_ends_in_time(postgres_server: PostgresServer, store: SqlStore,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger=STORE_LOGGER)
    calls = {"load": lambda: store.load(KEY), "save": lambda: store.save(KEY, {"n": 2}, 1),
             "delete": lambda: store.delete(KEY)}
    with frozen(postgres_server):
        for name, call in calls.items():
            no_outage_pauses(store)
            seconds, error = timed(call)
            assert isinstance(error, StoreUnavailable), (name, error)
            assert seconds < TIMEOUT + MARGIN, f"{name} waited {seconds:.1f} s on a frozen server"
        no_outage_pauses(store)
        seconds, _ = timed(lambda: store.ping())
        assert not store.ping() and seconds < TIMEOUT + MARGIN
    # The UPDATE was already sent: a frozen server may still run it once it resumes (no client
    # can take back what it sent). Either way the row is whole and its version says which.
    after = recovered(store)
    assert (dict(after), after.version) in [({"n": 1}, 1), ({"n": 2}, 2)]
    warnings = [r.getMessage() for r in caplog.records if r.name == STORE_LOGGER and r.levelno == logging.WARNING]
    assert warnings == ["database unavailable: DatabaseTimeout"], "one warning per outage, naming it"


def test_aborted_connections_are_never_handed_out_again(postgres_server: PostgresServer,
                                                        store: SqlStore) -> None:
    barrier = threading.Barrier(4)

    def busy() -> None:  # four connections in the pool, all in use when the server froze
        barrier.wait()
        for _ in range(5):
            store.load(KEY)

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda _: busy(), range(4)))
    with frozen(postgres_server):
        with ThreadPoolExecutor(4) as pool:
            results = list(pool.map(lambda _: timed(lambda: store.load(KEY)), range(4)))
    assert all(isinstance(error, StoreUnavailable) for _, error in results), results
    assert max(seconds for seconds, _ in results) < TIMEOUT + MARGIN
    recovered(store)
    failures = []

    def after() -> None:
        for _ in range(10):
            try:
                assert store.load(KEY) == {"n": 1}
            except StoreUnavailable as exc:  # an aborted connection reused would fail here
                failures.append(exc)

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda _: after(), range(4)))
    assert not failures, f"{len(failures)} calls after recovery failed: a dead connection was reused"


def test_a_fresh_store_on_a_frozen_server_ends_in_time(postgres_server: PostgresServer,
                                                       postgres_database: str) -> None:
    store = open_store(postgres_database, pool_max=2, timeout=TIMEOUT)
    try:
        with frozen(postgres_server):  # connecting: the kernel accepts, the postmaster never answers
            seconds, error = timed(lambda: store.load(KEY))
        assert isinstance(error, StoreUnavailable) and seconds < TIMEOUT + MARGIN
        assert recovered(store) == {}
    finally:
        store.close()


def test_threads_waiting_for_a_frozen_migration_end_in_time(postgres_server: PostgresServer,
                                                            postgres_database: str) -> None:
    store = open_store(postgres_database, pool_max=2, timeout=TIMEOUT)
    engine = store._engine  # two idle connections in the pool, the schema not yet migrated
    held = [engine.acquire(time.monotonic() + 10) for _ in range(2)]
    for conn in held:
        engine.release(conn)
    try:
        with frozen(postgres_server):  # one thread migrates (and hangs), the other waits for it
            with ThreadPoolExecutor(2) as pool:
                results = list(pool.map(lambda _: timed(lambda: store.load(KEY)), range(2)))
        assert all(isinstance(error, StoreUnavailable) for _, error in results), results
        assert max(seconds for seconds, _ in results) < TIMEOUT + MARGIN
        assert recovered(store) == {}, "the migration runs again once the server answers"
        store.save(KEY, {"n": 1}, 0)
    finally:
        store.close()


def test_a_server_frozen_then_restarted_is_survived(postgres_server: PostgresServer, store: SqlStore) -> None:
    with frozen(postgres_server):
        seconds, error = timed(lambda: store.load(KEY))
        assert isinstance(error, StoreUnavailable) and seconds < TIMEOUT + MARGIN
    postgres_server.stop()
    try:
        no_outage_pauses(store)
        seconds, error = timed(lambda: store.load(KEY))
        assert isinstance(error, StoreUnavailable) and seconds < TIMEOUT + MARGIN
    finally:
        postgres_server.start()
    assert recovered(store) == {"n": 1}


# --- through the app -------------------------------------------------------------------------------


def start_routine(device: Echo) -> None:
    device.say_intent("ReportOnsetIntent", daysAgo="9")
    device.say_intent("ReportPainIntent", painLevel="2")
    device.say_intent("AMAZON.NoIntent")
    first = device.say_intent("AMAZON.YesIntent")
    assert "Stretch 1 of" in first.speech, first.speech


def test_requests_during_a_freeze_are_answered_in_time(make_app, postgres_server: PostgresServer,
                                                       postgres_database: str) -> None:
    app = make_app(DATABASE_URL=postgres_database, DB_TIMEOUT=TIMEOUT, USER_KEY_SECRET=SECRET)
    regular = Echo(app.test_client())
    regular.launch()
    start_routine(regular)
    regular.finish_stretch()  # the Next below then starts stretch 2 (a stretch takes several turns)
    others = [Echo(app.test_client()) for _ in range(4)]
    for device in others:
        device.launch()
        device.end_session()
    # A request uses the database twice (load, save), each bounded; the outage back-off makes
    # the second fail at once, so a request waits about DB_TIMEOUT in all.
    bound = 2 * TIMEOUT + MARGIN

    def emergency(device: Echo):
        return timed_answer(lambda: device.say_intent("ReportSymptomIntent", symptom=BLADDER))

    with frozen(postgres_server):
        step, step_s = timed_answer(lambda: regular.say_intent("AMAZON.NextIntent"))
        with ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(emergency, others))
        launch, launch_s = timed_answer(lambda: Echo(app.test_client()).launch())
    assert step.status == 200 and "Stretch 2 of" in step.speech, "the session carries the routine"
    assert step_s < bound
    for answer, seconds in answers:
        assert answer.status == 200 and "Call 911 now" in answer.speech
        assert seconds < bound, f"the emergency answer took {seconds:.1f} s"
    assert launch.status == 200 and launch.speech.endswith("?") and launch_s < bound
    wait_for_database(app.test_client())
    regular.new_session()
    back = regular.launch()
    assert "Welcome back" in back.speech


def timed_answer(call):
    started = time.monotonic()
    answer = call()
    return answer, time.monotonic() - started


def wait_for_database(client, seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while client.get("/healthz").get_json()["database"] != "ok":
        assert time.monotonic() < deadline, f"the database did not come back within {seconds} s"
        time.sleep(0.1)
