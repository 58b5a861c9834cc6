"""Persistent per-user skill state in SQLite or PostgreSQL: one thin SQL layer for both.

The engine is chosen by URL (``sqlite:///relative.sqlite3``, ``sqlite:////absolute.sqlite3``,
``postgresql://user@host:port/db``; `skill.backends.engines`); everything above it shares one
code path:

* one JSON document per user in ``user_state``, keyed by an HMAC of the Alexa userId (which is
  never stored; `skill.backends.persistence`) and guarded by an integer ``version``
  (optimistic concurrency: a stale write raises :class:`ConcurrentUpdate`, nothing is ever
  overwritten blindly);
* the schema is created and upgraded by the numbered files in ``skill/backends/migrations/``,
  applied lazily on the first successful connection, once, under a database-wide lock;
* every error meaning "cannot reach or lock the database" becomes :class:`StoreUnavailable`,
  logged once per incident; logs never contain user ids, keys or attributes;
* each call (pool checkout, migration, statements) ends within the engine's ``timeout`` measured
  by this client, whatever the server does: a call still running at its deadline is aborted by
  the engine's watchdog (`skill.backends.watchdog`), its connection is discarded, never reused,
  and the caller gets StoreUnavailable (a frozen server answers nothing, so no server-side
  timeout can be relied on). A write aborted that way was sent and may still be applied when
  the server resumes: StoreUnavailable from `SqlStore.save` means "not known to be saved". The
  version guard keeps that safe: saving the same stale attributes again raises ConcurrentUpdate.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
import time
from collections.abc import Callable, Mapping
from importlib import resources
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

import orjson

if TYPE_CHECKING:
    from .engines import Engine


logger = logging.getLogger(__name__)

_MIGRATION_FILE = re.compile(r"(\d+)_\w+\.sql")
#: During an outage, one call per this many seconds tries the database; the others fail at once.
RETRY_AFTER = 0.5
# A busy SQLite file is retried from here with short, doubling pauses until the timeout: write
# transactions last microseconds, while SQLite's own busy handler sleeps a millisecond or more.
_BUSY_FIRST_PAUSE = 0.00005
#: Seconds past a call's deadline at which the watchdog aborts it (see SqlStore._attempt).
WATCHDOG_GRACE = 0.05
_BUSY_MAX_PAUSE = 0.002

_EMPTY_JSON = "{}"

# SQL is written once, with "?" placeholders; each engine translates it once (Engine.sql).
_SELECT_STATE = "SELECT attributes, version FROM user_state WHERE user_key = ?"
_INSERT_STATE = (
    "INSERT INTO user_state (user_key, attributes, version, updated_at) VALUES (?, ?, 1, ?) "
    "ON CONFLICT (user_key) DO NOTHING"
)
_UPDATE_STATE = (
    "UPDATE user_state SET attributes = ?, version = version + 1, updated_at = ? "
    "WHERE user_key = ? AND version = ?"
)
_DELETE_USER_ROWS = 'DELETE FROM "{table}" WHERE user_key = ?'
_CREATE_MIGRATIONS_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_migrations "
    "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
)
_SELECT_APPLIED = "SELECT version FROM schema_migrations"
_RECORD_MIGRATION = "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)"
_PING = "SELECT 1"

_T = TypeVar("_T")


class StoreUnavailable(Exception):
    """The database is down, unreachable, locked past the busy timeout or out of connections."""


class ConcurrentUpdate(Exception):
    """The stored attributes changed since they were loaded: re-run the read-modify-write."""


class DatabaseTimeout(Exception):
    """A call did not end within the time bound and was aborted on the client side."""


class DeletionFailed(Exception):
    """A user's data could not be deleted (the database is down): the web layer answers 503."""


class VersionedAttributes(dict):
    """Attributes as loaded, with the row version and the JSON text they were decoded from.

    ``version`` 0 means "no row yet". ``loaded_json`` lets :meth:`SqlStore.save` skip writes of
    unchanged attributes with one string comparison.
    """

    __slots__ = ("version", "loaded_json")

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        version: int = 0,
        loaded_json: str = _EMPTY_JSON,
    ) -> None:
        super().__init__(data or ())
        self.version = version
        self.loaded_json = loaded_json

    def __repr__(self) -> str:
        return f"VersionedAttributes({dict.__repr__(self)}, version={self.version})"


class _Migration(NamedTuple):
    """One numbered migration file, split into statements."""

    version: int
    name: str
    statements: tuple[str, ...]




class _Health:
    """Tracks outages: logs one WARNING when it starts, one INFO when it ends, DEBUG in between,
    and during an outage lets one call per `retry_after` seconds try the database while the
    others fail at once (so requests answer in milliseconds instead of waiting out a timeout)."""

    def __init__(self, retry_after: float = RETRY_AFTER) -> None:
        self._down = False
        self._lock = threading.Lock()
        self._retry_after = retry_after
        self._last_try = 0.0

    def may_try(self) -> bool:
        """True unless the database is down and another call tried it moments ago."""
        if not self._down:
            return True
        with self._lock:
            now = time.monotonic()
            if now - self._last_try < self._retry_after:
                return False
            self._last_try = now
            return True

    def failed(self, exc: BaseException) -> None:
        """Record a failure; only the first of an incident is logged above DEBUG."""
        with self._lock:
            self._last_try = time.monotonic()
            first, self._down = not self._down, True
        if first:
            logger.warning("database unavailable: %s", _describe(exc))
        else:
            logger.debug("database still unavailable: %s", _describe(exc))

    def succeeded(self) -> None:
        """Record a success; the first after an outage is logged."""
        if not self._down:
            return
        with self._lock:
            recovered, self._down = self._down, False
        if recovered:
            logger.info("database available again")


def _describe(exc: BaseException) -> str:
    """Error class plus SQLite error name or SQLSTATE: never a message that could hold data."""
    detail = getattr(exc, "sqlite_errorname", None) or getattr(exc, "sqlstate", None)
    name = type(exc).__name__
    return f"{name} ({detail})" if detail else name


class SqlStore:
    """Versioned per-user attributes; each method is one short transaction."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._health = _Health()
        self._schema_lock = threading.Lock()
        self._schema_ready = False
        self._closed = False
        self._select_sql = engine.sql(_SELECT_STATE)
        self._insert_sql = engine.sql(_INSERT_STATE)
        self._update_sql = engine.sql(_UPDATE_STATE)
        self._record_migration_sql = engine.sql(_RECORD_MIGRATION)
        self._delete_sql: tuple[str, ...] = ()

    def load(self, user_key: str) -> VersionedAttributes:
        """Return the user's attributes (empty with version 0 when there is no row)."""
        row = self._call(lambda conn: conn.execute(self._select_sql, (user_key,)).fetchone())
        if row is None:
            return VersionedAttributes()
        text, version = row
        return VersionedAttributes(orjson.loads(text), version=version, loaded_json=text)

    def save(self, user_key: str, attributes: Mapping[str, Any], expected_version: int) -> int:
        """Write the attributes if the stored version is still ``expected_version``.

        Version 0 inserts. Returns the new version; raises ConcurrentUpdate when the row
        changed (or appeared) since it was loaded. A VersionedAttributes whose JSON is
        unchanged is not written at all; after a write it carries the new version.
        """
        text = orjson.dumps(attributes if isinstance(attributes, dict) else dict(attributes)).decode()
        versioned = isinstance(attributes, VersionedAttributes)
        if versioned and attributes.version == expected_version and attributes.loaded_json == text:
            return expected_version
        if expected_version == 0:
            sql, params = self._insert_sql, (user_key, text, _utc_now())
        else:
            sql, params = self._update_sql, (text, _utc_now(), user_key, expected_version)
        if self._call(lambda conn: conn.execute(sql, params).rowcount) != 1:
            raise ConcurrentUpdate("the stored attributes changed since they were loaded")
        if versioned:
            attributes.version, attributes.loaded_json = expected_version + 1, text
        return expected_version + 1

    def delete(self, user_key: str) -> int:
        """Remove every row of the user from every per-user table; return the rows removed."""
        return self._call(lambda conn: self._delete_rows(conn, user_key))

    def ping(self) -> bool:
        """Tell whether the database answers (migrating it if needed); never raises."""
        try:
            self._call(lambda conn: conn.execute(_PING).fetchone())
        except StoreUnavailable:
            return False
        except Exception as exc:  # a health check reports problems, it does not raise them
            logger.error("database health check failed: %s", _describe(exc))
            return False
        return True

    def close(self) -> None:
        """Release the connections; the store cannot be used afterwards."""
        self._closed = True
        self._engine.close()

    def _call(self, operation: Callable[[Any], _T]) -> _T:
        """Run one operation on a connection within ``engine.timeout``, mapping outages to StoreUnavailable."""
        if self._closed:
            raise RuntimeError("the store is closed")
        if not self._health.may_try():
            raise StoreUnavailable("database unavailable (next try shortly)")
        engine = self._engine
        deadline, pause = time.monotonic() + engine.timeout, _BUSY_FIRST_PAUSE
        while True:
            try:
                result = self._attempt(operation, deadline)
            except DatabaseTimeout as exc:
                self._health.failed(exc)
                raise StoreUnavailable(f"database did not answer within {engine.timeout:g} s") from exc
            except engine.errors as exc:
                if engine.is_busy(exc):  # another writer holds the lock for microseconds: wait briefly
                    if time.monotonic() + pause < deadline:
                        time.sleep(pause)
                        pause = min(pause * 2, _BUSY_MAX_PAUSE)
                        continue
                if not engine.is_unavailable(exc):
                    raise
                self._health.failed(exc)
                raise StoreUnavailable(f"database unavailable: {_describe(exc)}") from exc
            self._health.succeeded()
            return result

    def _attempt(self, operation: Callable[[Any], _T], deadline: float) -> _T:
        """One try on one connection, watched until `deadline`; an aborted connection is discarded.

        :raises DatabaseTimeout: when the watchdog aborted the call (or no time was left).
        """
        engine = self._engine
        conn = engine.acquire(deadline)
        # The watchdog is the backstop for a call that hangs: a little after the deadline, so
        # that the store's own bounded waits (SQLite busy retries) end first and say why.
        token = engine.watchdog.arm(conn, deadline + WATCHDOG_GRACE)
        try:
            if not self._schema_ready:
                self._migrate(conn, deadline)
            result = operation(conn)
        except BaseException as exc:
            if engine.watchdog.disarm(token):
                engine.discard(conn)
                raise DatabaseTimeout(f"no answer within {engine.timeout:g} s") from exc
            engine.release(conn)
            raise
        if engine.watchdog.disarm(token):  # aborted just after it ended: the result stands
            engine.discard(conn)
        else:
            engine.release(conn)
        return result

    def _delete_rows(self, conn: Any, user_key: str) -> int:
        """Delete the user's rows from all per-user tables in one transaction."""
        with self._engine.transaction(conn):
            return sum(conn.execute(sql, (user_key,)).rowcount for sql in self._delete_sql)

    def _migrate(self, conn: Any, deadline: float) -> None:
        """Apply missing migrations once per process, under the engine's schema lock.

        Threads waiting for another thread's migration wait no longer than their own deadline.
        """
        if not self._schema_lock.acquire(timeout=max(0.0, deadline - time.monotonic())):
            raise DatabaseTimeout("another thread's migration did not end in time")
        try:
            self._migrate_locked(conn)
        finally:
            self._schema_lock.release()

    def _migrate_locked(self, conn: Any) -> None:
        """The migrations themselves (the schema lock held)."""
        if self._schema_ready:
            return
        with self._engine.transaction(conn):
            self._engine.lock_schema(conn)
            conn.execute(_CREATE_MIGRATIONS_TABLE)
            applied = {row[0] for row in conn.execute(_SELECT_APPLIED).fetchall()}
            for migration in _migrations():
                if migration.version not in applied:
                    self._apply(conn, migration)
            tables = [row[0] for row in conn.execute(self._engine.user_tables_sql).fetchall()]
        self._delete_sql = tuple(
            self._engine.sql(_DELETE_USER_ROWS.format(table=table.replace('"', '""')))
            for table in tables
        )
        self._schema_ready = True

    def _apply(self, conn: Any, migration: _Migration) -> None:
        """Run one migration's statements and record it."""
        for statement in migration.statements:
            conn.execute(statement)
        conn.execute(self._record_migration_sql, (migration.version, migration.name, _utc_now()))
        logger.info("applied database migration %s", migration.name)


@functools.cache
def _migrations() -> tuple[_Migration, ...]:
    """The numbered ``skill/backends/migrations/NNNN_name.sql`` files, in order."""
    found = []
    for entry in resources.files(__package__).joinpath("migrations").iterdir():
        match = _MIGRATION_FILE.fullmatch(entry.name)
        if match:
            statements = _split_statements(entry.read_text(encoding="utf-8"))
            found.append(_Migration(int(match[1]), entry.name.removesuffix(".sql"), statements))
    found.sort()
    versions = [migration.version for migration in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError("two migration files share a number")
    return tuple(found)


def _split_statements(script: str) -> tuple[str, ...]:
    """Split a migration on ";" after dropping whole-line "--" comments."""
    code = "\n".join(line for line in script.splitlines() if not line.lstrip().startswith("--"))
    return tuple(part.strip() for part in code.split(";") if part.strip())


_second: tuple[int, str] = (-1, "")


def _utc_now() -> str:
    """The current UTC time as ISO 8601 text with milliseconds (portable across both engines).

    The date-and-seconds part is formatted once per second: this runs on every write.
    """
    global _second
    now = time.time()
    second, text = _second
    if second != int(now):
        second = int(now)
        text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        _second = (second, text)
    return f"{text}.{int((now - second) * 1000):03d}+00:00"
