"""The persistence layer (skill.backends.store): one suite, run against SQLite and a real PostgreSQL."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import multiprocessing
import sqlite3
import stat
import threading
import time
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import psycopg
import pytest
from ask_sdk_core.attributes_manager import AttributesManager
from ask_sdk_core.exceptions import PersistenceException
from ask_sdk_core.serialize import DefaultSerializer

from postgres_server import PostgresServer, free_port, postgres_database, postgres_server  # noqa: F401, F811
from skill.backends.persistence import SqlPersistenceAdapter, load_or_create_secret, user_key
from skill.backends.engines import open_store
from skill.backends.store import ConcurrentUpdate, SqlStore, StoreUnavailable, VersionedAttributes

ENGINES = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]
SECRET = bytes(range(32))
USER_ID = "amzn1.ask.account.AFNEVERSTORETHISRAWUSERID7Q2XKJ4MZ"
OTHER_USER_ID = "amzn1.ask.account.AFSOMEBODYELSE000000000000000000"
KEY = user_key(USER_ID, SECRET)
OTHER_KEY = user_key(OTHER_USER_ID, SECRET)
STORE_LOGGER = "skill.backends.store"
MIGRATIONS = resources.files("skill.backends").joinpath("migrations")
MIGRATION_COUNT = sum(1 for entry in MIGRATIONS.iterdir() if entry.name.endswith(".sql"))
ENVELOPE_TYPE = "ask_sdk_model.request_envelope.RequestEnvelope"


def launch_request(user_id: str = USER_ID) -> Any:
    """A realistic LaunchRequest envelope, deserialised like the SDK does."""
    body = {
        "version": "1.0",
        "session": {
            "new": True,
            "sessionId": "amzn1.echo-api.session.6f2b1c1e-0000-4000-8000-000000000001",
            "application": {"applicationId": "amzn1.ask.skill.0c6f4f6e-0000-4000-8000-000000000002"},
            "attributes": {},
            "user": {"userId": user_id},
        },
        "context": {
            "System": {
                "application": {"applicationId": "amzn1.ask.skill.0c6f4f6e-0000-4000-8000-000000000002"},
                "user": {"userId": user_id},
                "device": {"deviceId": "amzn1.ask.device.AEXAMPLEDEVICE", "supportedInterfaces": {}},
                "apiEndpoint": "https://api.eu.amazonalexa.com",
                "apiAccessToken": "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.example.signature",
            }
        },
        "request": {
            "type": "LaunchRequest",
            "requestId": "amzn1.echo-api.request.1d2c3b4a-0000-4000-8000-000000000003",
            "timestamp": "2024-05-01T07:30:00Z",
            "locale": "en-GB",
            "shouldLinkResultBeReturned": False,
        },
    }
    return DefaultSerializer().deserialize(json.dumps(body), ENVELOPE_TYPE)


def query(url: str, sql: str) -> list[tuple[Any, ...]]:
    """Run one SQL statement outside the store and return its rows."""
    if url.startswith("sqlite"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        try:
            return conn.execute(sql).fetchall()
        finally:
            conn.close()
    with psycopg.connect(url, autocommit=True) as conn:
        cursor = conn.execute(sql)
        return cursor.fetchall() if cursor.description else []


def store_records(
    caplog: pytest.LogCaptureFixture, minimum: int = logging.INFO
) -> list[tuple[int, str]]:
    """(level, message) of the store's log records at or above ``minimum``."""
    return [
        (r.levelno, r.getMessage())
        for r in caplog.records
        if r.name == STORE_LOGGER and r.levelno >= minimum
    ]


@pytest.fixture(params=ENGINES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database of each engine."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/state/store.sqlite3"
    return request.getfixturevalue("postgres_database")


@pytest.fixture
def store(database_url: str) -> Iterator[SqlStore]:
    """An open store on the fresh database."""
    store = open_store(database_url)
    yield store
    store.close()


# --- the store -------------------------------------------------------------------------------


def test_unknown_user_loads_empty_with_version_0(store: SqlStore) -> None:
    attributes = store.load(KEY)
    assert isinstance(attributes, VersionedAttributes)
    assert attributes == {}
    assert attributes.version == 0


def test_nested_json_round_trip(store: SqlStore) -> None:
    document = {
        "plan": {"week": 2, "exercises": [{"name": "cat-cow", "reps": 10, "done": True}], "pain": 3.5},
        "locale": "de-DE",
        "note": "Rücken ✓ \"quoted\"\n",
        "nothing": None,
    }
    assert store.save(KEY, document, 0) == 1
    loaded = store.load(KEY)
    assert loaded == document
    assert loaded.version == 1


def test_each_save_increments_the_version(store: SqlStore) -> None:
    store.save(KEY, {"sessions": 0}, 0)
    for expected in (2, 3, 4):
        attributes = store.load(KEY)
        attributes["sessions"] += 1
        assert store.save(KEY, attributes, attributes.version) == expected
        assert attributes.version == expected
    assert store.load(KEY) == {"sessions": 3}


def test_unchanged_attributes_are_not_written(store: SqlStore, database_url: str) -> None:
    store.save(KEY, {"streak": 4}, 0)
    before = query(database_url, "SELECT version, updated_at FROM user_state")
    attributes = store.load(KEY)
    assert store.save(KEY, attributes, attributes.version) == 1
    assert query(database_url, "SELECT version, updated_at FROM user_state") == before

    untouched_new_user = store.load(OTHER_KEY)
    assert store.save(OTHER_KEY, untouched_new_user, 0) == 0
    assert store.load(OTHER_KEY).version == 0
    assert len(query(database_url, "SELECT user_key FROM user_state")) == 1


def test_stale_version_raises_concurrent_update(store: SqlStore) -> None:
    store.save(KEY, {"level": 1}, 0)
    first, second = store.load(KEY), store.load(KEY)
    first["level"] = 2
    store.save(KEY, first, first.version)
    second["level"] = 3
    with pytest.raises(ConcurrentUpdate):
        store.save(KEY, second, second.version)
    assert store.load(KEY) == {"level": 2}


def test_double_insert_raises_concurrent_update(store: SqlStore) -> None:
    store.save(KEY, {"level": 1}, 0)
    with pytest.raises(ConcurrentUpdate):
        store.save(KEY, {"level": 9}, 0)
    assert store.load(KEY) == {"level": 1}


def test_delete_removes_only_that_user(store: SqlStore) -> None:
    store.save(KEY, {"a": 1}, 0)
    store.save(OTHER_KEY, {"b": 2}, 0)
    assert store.delete(KEY) == 1
    assert store.load(KEY).version == 0
    assert store.load(OTHER_KEY) == {"b": 2}
    assert store.delete(KEY) == 0


def test_delete_covers_every_table_with_a_user_key(database_url: str) -> None:
    first = open_store(database_url)
    first.save(KEY, {"a": 1}, 0)
    first.close()
    query(database_url, "CREATE TABLE exercise_log (user_key TEXT NOT NULL, note TEXT NOT NULL)")
    rows = f"('{KEY}', 'one'), ('{KEY}', 'two'), ('{OTHER_KEY}', 'x')"
    query(database_url, f"INSERT INTO exercise_log VALUES {rows}")
    store = open_store(database_url)
    try:
        assert store.delete(KEY) == 3
    finally:
        store.close()
    assert query(database_url, "SELECT user_key FROM exercise_log") == [(OTHER_KEY,)]


def test_open_store_does_not_touch_the_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    store = open_store("sqlite:///nested/dir/state.sqlite3")
    assert not (tmp_path / "nested").exists()
    assert store.ping()
    store.close()
    assert (tmp_path / "nested" / "dir" / "state.sqlite3").is_file()


def test_unsupported_url_is_rejected() -> None:
    with pytest.raises(ValueError):
        open_store("mysql://localhost/backcoach")
    with pytest.raises(ValueError):
        open_store("sqlite://host/state.sqlite3")


# --- user keys and the secret ----------------------------------------------------------------


def test_user_key_is_an_hmac_of_the_user_id() -> None:
    assert KEY == hmac.new(SECRET, USER_ID.encode(), hashlib.sha256).hexdigest()
    assert user_key(USER_ID, b"another secret of enough length!") != KEY
    assert USER_ID not in KEY


def test_raw_user_id_is_never_stored(database_url: str, store: SqlStore) -> None:
    adapter = SqlPersistenceAdapter(store, SECRET)
    manager = AttributesManager(launch_request(), persistence_adapter=adapter)
    manager.persistent_attributes["plan"] = {"week": 1}
    manager.save_persistent_attributes()
    assert query(database_url, "SELECT user_key FROM user_state") == [(KEY,)]
    if database_url.startswith("sqlite"):
        database = Path(database_url.removeprefix("sqlite:///"))
        files = [path for path in database.parent.iterdir() if path.name.startswith(database.name)]
        contents = b"".join(path.read_bytes() for path in files)
        assert KEY.encode() in contents
        assert USER_ID.encode() not in contents
    else:
        every_row = "SELECT s::text FROM user_state s UNION ALL SELECT m::text FROM schema_migrations m"
        rows = query(database_url, every_row)
        assert any(KEY in text for (text,) in rows)
        assert not any(USER_ID in text for (text,) in rows)


def test_secret_is_generated_once_and_reused(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    secret = load_or_create_secret(instance, None)
    path = instance / "user-key-secret"
    assert len(secret) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text().strip() == secret.hex()
    assert load_or_create_secret(str(instance), None) == secret
    assert load_or_create_secret(instance, "") == secret


def test_configured_secret_wins(tmp_path: Path) -> None:
    load_or_create_secret(tmp_path, None)
    assert load_or_create_secret(tmp_path, "ab" * 32) == bytes.fromhex("ab" * 32)
    with pytest.raises(ValueError):
        load_or_create_secret(tmp_path, "not hex at all")
    with pytest.raises(ValueError):
        load_or_create_secret(tmp_path, "abcd")


def test_concurrent_first_starts_share_one_secret(tmp_path: Path) -> None:
    barrier = threading.Barrier(8)
    secrets: list[bytes] = []

    def create() -> None:
        barrier.wait()
        secrets.append(load_or_create_secret(tmp_path, None))

    threads = [threading.Thread(target=create) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(secrets) == 8 and len(set(secrets)) == 1
    assert [path.name for path in tmp_path.iterdir()] == ["user-key-secret"]


# --- migrations and concurrency --------------------------------------------------------------


def test_migrations_are_idempotent(database_url: str) -> None:
    for _ in range(3):
        store = open_store(database_url)
        assert store.ping()
        store.close()
    rows = query(database_url, "SELECT version, name FROM schema_migrations ORDER BY version")
    assert len(rows) == MIGRATION_COUNT
    assert rows[0] == (1, "0001_user_state")


def test_threads_opening_a_fresh_database_migrate_once(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=STORE_LOGGER)
    barrier = threading.Barrier(6)
    results: list[bool] = []

    def open_and_ping() -> None:
        store = open_store(database_url, timeout=10.0)
        barrier.wait()
        results.append(store.ping())
        store.close()

    threads = [threading.Thread(target=open_and_ping) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [True] * 6
    applied = [text for _, text in store_records(caplog) if text.startswith("applied database migration")]
    assert len(applied) == MIGRATION_COUNT
    assert len(query(database_url, "SELECT version FROM schema_migrations")) == MIGRATION_COUNT


def increment_counter(url: str, key: str, increments: int, barrier: Any) -> None:
    """Child process: open the (fresh) database at the same time as the others and count up."""
    store = open_store(url, timeout=10.0)
    try:
        barrier.wait(timeout=60)
        for _ in range(increments):
            while True:
                attributes = store.load(key)
                attributes["counter"] = attributes.get("counter", 0) + 1
                try:
                    store.save(key, attributes, attributes.version)
                    break
                except ConcurrentUpdate:
                    continue
    finally:
        store.close()


def test_no_lost_updates_across_processes(database_url: str) -> None:
    processes, increments = 4, 40
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(processes)
    workers = [
        context.Process(target=increment_counter, args=(database_url, KEY, increments, barrier))
        for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert [worker.exitcode for worker in workers] == [0] * processes
    store = open_store(database_url)
    try:
        final = store.load(KEY)
    finally:
        store.close()
    assert final["counter"] == processes * increments
    assert final.version == processes * increments


# --- outages ---------------------------------------------------------------------------------


def test_sqlite_locked_past_busy_timeout(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger=STORE_LOGGER)
    path = tmp_path / "store.sqlite3"
    store = open_store(f"sqlite:///{path}", timeout=0.1)
    store.save(KEY, {"n": 0}, 0)
    caplog.clear()
    locker = sqlite3.connect(path, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        for attempt in range(5):
            started = time.monotonic()
            with pytest.raises(StoreUnavailable):
                store.save(KEY, {"n": attempt}, 1)
            # the first call waits out the busy timeout; during the outage the others fail at once
            assert time.monotonic() - started < (1.0 if attempt == 0 else 0.05)
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert eventually(lambda: store.save(KEY, {"n": 1}, 1)) == 2
    store.close()
    assert store_records(caplog) == [
        (logging.WARNING, "database unavailable: OperationalError (SQLITE_BUSY)"),
        (logging.INFO, "database available again"),
    ]


def eventually(operation, seconds: float = 2.0):
    """The result of `operation` once the store has noticed the database is back (bounded)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return operation()
        except StoreUnavailable:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@pytest.mark.postgres
def test_postgres_outage_and_recovery(
    postgres_server: PostgresServer, postgres_database: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger=STORE_LOGGER)
    store = open_store(postgres_database, timeout=1.0)
    store.save(KEY, {"n": 1}, 0)
    caplog.clear()
    postgres_server.stop()
    try:
        for _ in range(3):
            started = time.monotonic()
            with pytest.raises(StoreUnavailable):
                store.load(KEY)
            assert time.monotonic() - started < 5.0
        assert not store.ping()
    finally:
        postgres_server.start()
    assert eventually(lambda: store.load(KEY)) == {"n": 1}
    assert store.ping()
    store.close()
    records = store_records(caplog)
    assert len(records) == 2
    assert records[0][0] == logging.WARNING and records[0][1].startswith("database unavailable: ")
    assert records[1] == (logging.INFO, "database available again")
    assert [r.name for r in caplog.records if r.levelno >= logging.WARNING] == [STORE_LOGGER]


@pytest.mark.postgres
def test_postgres_restart_between_requests_is_invisible(
    postgres_server: PostgresServer, postgres_database: str
) -> None:
    store = open_store(postgres_database, pool_max=4, timeout=2.0)
    store.save(KEY, {"n": 1}, 0)
    barrier = threading.Barrier(4)

    def busy() -> None:
        barrier.wait()
        for _ in range(20):
            store.load(KEY)

    threads = [threading.Thread(target=busy) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    postgres_server.stop()
    postgres_server.start()
    try:
        assert store.load(KEY) == {"n": 1}
    finally:
        store.close()


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])  # no server needed for either
def test_unreachable_database_fails_fast(engine: str, tmp_path: Path) -> None:
    if engine == "sqlite":
        (tmp_path / "not-a-directory").write_text("")
        url = f"sqlite:///{tmp_path}/not-a-directory/state.sqlite3"
    else:
        url = f"postgresql://postgres@127.0.0.1:{free_port()}/backcoach"
    store = open_store(url, timeout=1.0)
    started = time.monotonic()
    with pytest.raises(StoreUnavailable):
        store.load(KEY)
    assert not store.ping()
    assert time.monotonic() - started < 5.0
    store.close()


# --- the ask-sdk adapter ---------------------------------------------------------------------


def test_adapter_get_save_delete(store: SqlStore) -> None:
    adapter = SqlPersistenceAdapter(store, SECRET)
    envelope = launch_request()

    manager = AttributesManager(envelope, persistence_adapter=adapter)
    assert manager.persistent_attributes == {}
    manager.persistent_attributes["plan"] = {"week": 1, "exercises": ["pelvic tilt"]}
    manager.save_persistent_attributes()
    assert store.load(KEY).version == 1

    manager = AttributesManager(envelope, persistence_adapter=adapter)
    assert manager.persistent_attributes == {"plan": {"week": 1, "exercises": ["pelvic tilt"]}}
    manager.save_persistent_attributes()
    assert store.load(KEY).version == 1
    manager.persistent_attributes["plan"]["week"] = 2
    manager.save_persistent_attributes()
    manager.persistent_attributes["plan"]["week"] = 3
    manager.save_persistent_attributes()
    assert store.load(KEY) == {"plan": {"week": 3, "exercises": ["pelvic tilt"]}}
    assert store.load(KEY).version == 3

    manager.delete_persistent_attributes()
    assert store.load(KEY).version == 0
    assert AttributesManager(envelope, persistence_adapter=adapter).persistent_attributes == {}


def test_adapter_detects_concurrent_requests(store: SqlStore) -> None:
    adapter = SqlPersistenceAdapter(store, SECRET)
    envelope = launch_request()
    first = AttributesManager(envelope, persistence_adapter=adapter)
    second = AttributesManager(envelope, persistence_adapter=adapter)
    first.persistent_attributes["from"] = "first"
    second.persistent_attributes["from"] = "second"
    first.save_persistent_attributes()
    with pytest.raises(ConcurrentUpdate):
        second.save_persistent_attributes()
    assert store.load(KEY) == {"from": "first"}


def test_adapter_plain_dict_means_insert(store: SqlStore) -> None:
    adapter = SqlPersistenceAdapter(store, SECRET)
    envelope = launch_request()
    adapter.save_attributes(envelope, {"a": 1})
    assert store.load(KEY) == {"a": 1}
    with pytest.raises(ConcurrentUpdate):
        adapter.save_attributes(envelope, {"a": 2})


def test_adapter_requires_a_user_id(store: SqlStore) -> None:
    envelope = launch_request()
    envelope.context.system.user.user_id = None
    with pytest.raises(PersistenceException):
        SqlPersistenceAdapter(store, SECRET).get_attributes(envelope)
