"""Persistent per-user skill state in SQLite or PostgreSQL: one thin SQL layer for both.

The engine is chosen by URL (``sqlite:///relative.sqlite3``, ``sqlite:////absolute.sqlite3``,
``postgresql://user@host:port/db``); everything above the engine shares one code path:

* one JSON document per user in ``user_state``, keyed by :func:`user_key` (an HMAC of the Alexa
  userId, which is never stored) and guarded by an integer ``version`` (optimistic concurrency:
  a stale write raises :class:`ConcurrentUpdate`, nothing is ever overwritten blindly);
* the schema is created and upgraded by the numbered files in ``skill/migrations/``, applied
  lazily on the first successful connection, once, under a database-wide lock;
* every error meaning "cannot reach or lock the database" becomes :class:`StoreUnavailable`,
  logged once per incident; logs never contain user ids, keys or attributes.

:class:`SqlPersistenceAdapter` plugs the store into ask-sdk-core's ``AttributesManager``.
"""

from __future__ import annotations

import functools
import hmac
import logging
import math
import os
import re
import secrets
import select
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple, Protocol, TypeVar
from urllib.parse import unquote, urlsplit

import orjson
from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.exceptions import PersistenceException

logger = logging.getLogger(__name__)

SECRET_FILE_NAME = "user-key-secret"
_SECRET_BYTES = 32
_MIN_SECRET_BYTES = 16

_MIGRATION_FILE = re.compile(r"(\d+)_\w+\.sql")
# Any constant works: it only has to be the same in every process of this application.
_PG_MIGRATION_LOCK_ID = 0x6261636B636F6163  # "backcoac"

# Primary SQLite result codes that mean "the database cannot be reached or locked right now".
_SQLITE_UNAVAILABLE = frozenset(
    {
        sqlite3.SQLITE_BUSY,
        sqlite3.SQLITE_LOCKED,
        sqlite3.SQLITE_NOMEM,
        sqlite3.SQLITE_READONLY,
        sqlite3.SQLITE_IOERR,
        sqlite3.SQLITE_FULL,
        sqlite3.SQLITE_CANTOPEN,
        sqlite3.SQLITE_PROTOCOL,
    }
)

_WAL_RETRY_SECONDS = 0.005
#: During an outage, one call per this many seconds tries the database; the others fail at once.
RETRY_AFTER = 0.5
# A busy SQLite file is retried from here with short, doubling pauses until the timeout: write
# transactions last microseconds, while SQLite's own busy handler sleeps a millisecond or more.
_BUSY_FIRST_PAUSE = 0.00005
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


class _Engine(Protocol):
    """What SqlStore needs from a database engine; connections follow the DB-API shape."""

    errors: tuple[type[BaseException], ...]
    user_tables_sql: str
    timeout: float

    def sql(self, text: str) -> str:
        """Translate SQL written with "?" placeholders to the driver's style."""

    def acquire(self) -> Any:
        """Return a connection in autocommit mode."""

    def release(self, conn: Any) -> None:
        """Give back a connection obtained from acquire()."""

    def transaction(self, conn: Any) -> AbstractContextManager[object]:
        """Run a block as one write transaction (committed, or rolled back on error)."""

    def lock_schema(self, conn: Any) -> None:
        """Serialise schema migrations across processes (inside a transaction)."""

    def is_busy(self, exc: BaseException) -> bool:
        """Tell whether an engine error means another connection holds a lock for a moment."""

    def is_unavailable(self, exc: BaseException) -> bool:
        """Tell whether an engine error means the database cannot be reached or locked."""

    def close(self) -> None:
        """Release the engine's connections."""


class _SqliteEngine:
    """SQLite in WAL mode: one connection per thread; a busy file is retried for ``timeout`` seconds."""

    errors: tuple[type[BaseException], ...] = (sqlite3.Error, OSError)
    user_tables_sql = (
        "SELECT m.name FROM sqlite_master AS m JOIN pragma_table_info(m.name) AS c "
        "WHERE m.type = 'table' AND c.name = 'user_key' ORDER BY m.name"
    )

    def __init__(self, path: Path, timeout: float) -> None:
        self._path = path
        self.timeout = timeout
        self._local = threading.local()

    def sql(self, text: str) -> str:
        """SQLite takes "?" placeholders as they are."""
        return text

    def acquire(self) -> sqlite3.Connection:
        """Return this thread's connection, opening it on first use."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
        return conn

    def release(self, conn: sqlite3.Connection) -> None:
        """Keep the connection: it belongs to this thread until close()."""

    def _connect(self) -> sqlite3.Connection:
        """Open the file (creating it and its directory) in autocommit mode with WAL."""
        self._path.parent.mkdir(parents=True, exist_ok=True)
        # timeout=0: a busy file fails at once and SqlStore retries it with short pauses.
        conn = sqlite3.connect(self._path, timeout=0, isolation_level=None)
        try:
            self._enable_wal(conn)
            # With WAL, NORMAL never corrupts; a power loss may only drop the last commits.
            conn.execute("PRAGMA synchronous=NORMAL")
        except BaseException:
            conn.close()
            raise
        return conn

    def _enable_wal(self, conn: sqlite3.Connection) -> None:
        """Switch to WAL, retrying while another process does the same on a new file.

        Changing the journal mode does not wait for the busy timeout, so concurrent first
        opens of a fresh database would otherwise fail with SQLITE_BUSY at once.
        """
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            except sqlite3.OperationalError as exc:
                if exc.sqlite_errorcode != sqlite3.SQLITE_BUSY or time.monotonic() >= deadline:
                    raise
                time.sleep(_WAL_RETRY_SECONDS)
                continue
            if mode.lower() != "wal":
                raise RuntimeError(f"SQLite cannot use WAL journal mode here (it stays {mode!r})")
            return

    @contextmanager
    def transaction(self, conn: sqlite3.Connection) -> Iterator[None]:
        """BEGIN IMMEDIATE takes the write lock up front (waiting up to the busy timeout)."""
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.rollback()
            raise

    def lock_schema(self, conn: sqlite3.Connection) -> None:
        """Nothing to do: BEGIN IMMEDIATE already excludes every other writer."""

    def is_busy(self, exc: BaseException) -> bool:
        """Another connection holds the lock right now (worth a short wait)."""
        code = getattr(exc, "sqlite_errorcode", None)
        return code is not None and code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)

    def is_unavailable(self, exc: BaseException) -> bool:
        """Busy/locked/unopenable/I/O errors are outages; anything else is a bug."""
        if isinstance(exc, OSError):
            return True
        code = getattr(exc, "sqlite_errorcode", None)
        return code is not None and code & 0xFF in _SQLITE_UNAVAILABLE

    def close(self) -> None:
        """Close this thread's connection; other threads' close when those threads end."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            self._local.conn = None
            conn.close()


class _PostgresEngine:
    """PostgreSQL through a lazily opened psycopg_pool.ConnectionPool with bounded waits."""

    user_tables_sql = (
        "SELECT table_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND column_name = 'user_key' ORDER BY table_name"
    )

    def __init__(self, url: str, pool_max: int, timeout: float) -> None:
        # Imported here so that SQLite deployments never pay for psycopg at cold start.
        import psycopg
        from psycopg.conninfo import conninfo_to_dict
        from psycopg_pool import ConnectionPool

        logging.getLogger("psycopg.pool").addFilter(_POOL_WARNINGS_TO_DEBUG)
        self.errors = (psycopg.Error,)
        self._unavailable = (psycopg.OperationalError, psycopg.InterfaceError)
        given = conninfo_to_dict(url)
        kwargs = {k: v for k, v in _postgres_defaults(timeout).items() if k not in given}
        self._pool = ConnectionPool(
            url,
            kwargs={**kwargs, "autocommit": True},
            min_size=1,
            max_size=pool_max,
            open=False,
            timeout=timeout,
            # Give up background reconnection quickly: the next request then starts a fresh
            # attempt, so recovery does not wait out a long exponential backoff.
            reconnect_timeout=timeout,
            check=self._check_connection,
            name="backcoach-store",
        )
        self._opened = False
        self._open_lock = threading.Lock()
        self.timeout = timeout

    def sql(self, text: str) -> str:
        """psycopg takes %s placeholders (and a literal % must be doubled)."""
        return text.replace("%", "%%").replace("?", "%s")

    def acquire(self) -> Any:
        """Take a checked connection from the pool, waiting at most ``timeout``."""
        if not self._opened:
            self._open()
        return self._pool.getconn()

    def release(self, conn: Any) -> None:
        """Return the connection; the pool discards it if it is broken."""
        self._pool.putconn(conn)

    def _open(self) -> None:
        """Start the pool on first use, so the application starts while the server is down."""
        with self._open_lock:
            if not self._opened:
                self._pool.open(wait=False)
                self._opened = True

    def _check_connection(self, conn: Any) -> None:
        """Pool check on checkout: a round trip only when the idle socket shows activity.

        An idle connection receives nothing unless the server closed it (restart, shutdown)
        or a TCP keepalive found the peer gone, so a zero-timeout poll detects dead
        connections without the cost of a query on every checkout.
        """
        try:
            if _socket_has_news(conn.pgconn.socket):
                self._pool.check_connection(conn)
        except Exception:
            # After a server restart every idle connection is dead: replace them all now
            # instead of failing the check on each in turn until the request times out.
            self._pool.drain()
            raise

    def transaction(self, conn: Any) -> AbstractContextManager[object]:
        """psycopg's transaction block (BEGIN ... COMMIT/ROLLBACK on an autocommit connection)."""
        return conn.transaction()

    def lock_schema(self, conn: Any) -> None:
        """Transaction-scoped advisory lock: other processes wait until we commit."""
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_PG_MIGRATION_LOCK_ID,))

    def is_busy(self, exc: BaseException) -> bool:
        """PostgreSQL waits for row locks itself (bounded by statement_timeout): never retried here."""
        return False

    def is_unavailable(self, exc: BaseException) -> bool:
        """Connection, timeout, shutdown and pool errors are outages; others are bugs."""
        return isinstance(exc, self._unavailable)

    def close(self) -> None:
        """Close the pool and all its connections."""
        self._pool.close()


def _socket_has_news(fd: int) -> bool:
    """Whether a socket is readable, closed or in error right now (never waits)."""
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(0))


def _postgres_defaults(timeout: float) -> dict[str, Any]:
    """libpq parameters that bound every wait; parameters given in the URL take precedence."""
    seconds = max(2, math.ceil(timeout))  # libpq ignores connect_timeout values below 2
    millis = max(1, round(timeout * 1000))
    return {
        "connect_timeout": seconds,
        "options": f"-c statement_timeout={millis}",
        "tcp_user_timeout": millis,
        "keepalives": 1,
        "keepalives_idle": seconds,
        "keepalives_interval": 1,
        "keepalives_count": 3,
    }


class _PoolWarningsToDebug(logging.Filter):
    """psycopg_pool warns on every failed connection attempt; the store logs an outage once.

    Its WARNING records are re-logged on this module's logger at DEBUG instead (they name
    hosts and ports, never users); errors and explicitly enabled INFO records pass as usual.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Let the record through unless it is a WARNING, which is demoted to DEBUG."""
        if record.levelno != logging.WARNING:
            return True
        logger.debug("psycopg.pool: %s", record.getMessage())
        return False


_POOL_WARNINGS_TO_DEBUG = _PoolWarningsToDebug()


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

    def __init__(self, engine: _Engine) -> None:
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
        """Run one operation on a connection, mapping outages to StoreUnavailable."""
        if self._closed:
            raise RuntimeError("the store is closed")
        if not self._health.may_try():
            raise StoreUnavailable("database unavailable (next try shortly)")
        engine = self._engine
        deadline, pause = 0.0, _BUSY_FIRST_PAUSE
        while True:
            try:
                conn = engine.acquire()
                try:
                    if not self._schema_ready:
                        self._migrate(conn)
                    result = operation(conn)
                finally:
                    engine.release(conn)
            except engine.errors as exc:
                if engine.is_busy(exc):  # another writer holds the lock for microseconds: wait briefly
                    deadline = deadline or time.monotonic() + engine.timeout
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

    def _delete_rows(self, conn: Any, user_key: str) -> int:
        """Delete the user's rows from all per-user tables in one transaction."""
        with self._engine.transaction(conn):
            return sum(conn.execute(sql, (user_key,)).rowcount for sql in self._delete_sql)

    def _migrate(self, conn: Any) -> None:
        """Apply missing migrations once per process, under the engine's schema lock."""
        with self._schema_lock:
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
    """The numbered ``skill/migrations/NNNN_name.sql`` files, in order."""
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


def open_store(database_url: str, *, pool_max: int = 4, timeout: float = 2.0) -> SqlStore:
    """Create a store for a ``sqlite:///...`` or ``postgresql://...`` URL without connecting.

    ``timeout`` bounds every wait in seconds (SQLite busy timeout; PostgreSQL pool wait,
    connect, statement); ``pool_max`` caps PostgreSQL connections per process.
    """
    scheme = database_url.partition(":")[0].lower()
    if scheme == "sqlite":
        return SqlStore(_SqliteEngine(_sqlite_path(database_url), timeout))
    if scheme in ("postgresql", "postgres"):
        return SqlStore(_PostgresEngine(database_url, pool_max, timeout))
    raise ValueError(f"unsupported database URL scheme {scheme!r}: use sqlite:/// or postgresql://")


def _sqlite_path(url: str) -> Path:
    """``sqlite:///relative/path`` or ``sqlite:////absolute/path`` to a Path."""
    parts = urlsplit(url)
    if parts.netloc or not parts.path.startswith("/") or len(parts.path) < 2:
        raise ValueError("SQLite URLs look like sqlite:///relative/path or sqlite:////absolute/path")
    return Path(unquote(parts.path[1:]))


def user_key(user_id: str, secret: bytes) -> str:
    """HMAC-SHA-256 of the Alexa userId, in hex: the raw userId is never stored."""
    return hmac.digest(secret, user_id.encode("utf-8"), "sha256").hex()


def load_or_create_secret(instance_path: str | Path, configured: str | None) -> bytes:
    """The user-key secret: ``configured`` (hex) if given, else ``<instance>/user-key-secret``.

    The file is created once (32 random bytes as hex, mode 0600) and reused afterwards; when
    several processes start together, all of them end up with the first one's secret.
    """
    if configured and configured.strip():
        return _parse_secret(configured, "BACKCOACH_USER_KEY_SECRET")
    path = Path(instance_path) / SECRET_FILE_NAME
    try:
        return _parse_secret(path.read_text(encoding="ascii"), str(path))
    except FileNotFoundError:
        return _create_secret(path)


def _parse_secret(text: str, origin: str) -> bytes:
    """Decode a hex secret, refusing short or malformed ones (without echoing them)."""
    try:
        secret = bytes.fromhex(text.strip())
    except ValueError:
        raise ValueError(f"{origin} must be hexadecimal") from None
    if len(secret) < _MIN_SECRET_BYTES:
        raise ValueError(
            f"{origin} must hold at least {2 * _MIN_SECRET_BYTES} hex digits"
        )
    return secret


def _create_secret(path: Path) -> bytes:
    """Write a new secret atomically; if another process won the race, use its secret."""
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_bytes(_SECRET_BYTES)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secret.hex() + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.link(temporary, path)  # atomic, and never replaces an existing secret
    except FileExistsError:
        return _parse_secret(path.read_text(encoding="ascii"), str(path))
    finally:
        temporary.unlink(missing_ok=True)
    return secret


class SqlPersistenceAdapter(AbstractPersistenceAdapter):
    """ask-sdk-core persistence adapter over SqlStore, keyed by :func:`user_key`."""

    def __init__(self, store: SqlStore, secret: bytes) -> None:
        self._store = store
        self._secret = secret
        self._last_key: tuple[str, str] | None = None

    def get_attributes(self, request_envelope: Any) -> VersionedAttributes:
        """Load the requesting user's attributes (empty, version 0, for a new user)."""
        return self._store.load(self._key(request_envelope))

    def save_attributes(self, request_envelope: Any, attributes: Mapping[str, Any]) -> None:
        """Save with the loaded version (a plain dict inserts); unchanged attributes are skipped."""
        version = attributes.version if isinstance(attributes, VersionedAttributes) else 0
        self._store.save(self._key(request_envelope), attributes, version)

    def delete_attributes(self, request_envelope: Any) -> None:
        """Delete every stored row of the requesting user."""
        self._store.delete(self._key(request_envelope))

    def _key(self, request_envelope: Any) -> str:
        """The storage key for the envelope's ``context.System.user.userId``."""
        try:
            user_id = request_envelope.context.system.user.user_id
        except AttributeError:
            user_id = None
        if not user_id:
            raise PersistenceException("the request has no userId to store attributes under")
        last = self._last_key
        if last is not None and last[0] == user_id:  # get and save of one request: one HMAC
            return last[1]
        key = user_key(user_id, self._secret)
        self._last_key = (user_id, key)
        return key
