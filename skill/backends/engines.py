"""The two database engines of the store: SQLite (embedded default) and PostgreSQL (scale-out).

Both follow the DB-API shape `skill.backends.store.SqlStore` needs (`Engine`): translate SQL
written with "?" placeholders, hand out autocommit connections, run write transactions,
serialise schema migrations, tell outages ("cannot reach or lock the database") from bugs, and
abort a call that outlives its deadline (`skill.backends.watchdog`).
"""

from __future__ import annotations

import logging
import math
import select
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from .store import DatabaseTimeout, SqlStore
from .watchdog import Watchdog

logger = logging.getLogger(__name__)

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


class Engine(Protocol):
    """What SqlStore needs from a database engine; connections follow the DB-API shape."""

    errors: tuple[type[BaseException], ...]
    user_tables_sql: str
    timeout: float
    #: Aborts calls past their deadline (with the engine's abort()).
    watchdog: Watchdog

    def sql(self, text: str) -> str:
        """Translate SQL written with "?" placeholders to the driver's style."""

    def acquire(self, deadline: float) -> Any:
        """Return a connection in autocommit mode, waiting no later than `deadline` (monotonic)."""

    def release(self, conn: Any) -> None:
        """Give back a connection obtained from acquire()."""

    def discard(self, conn: Any) -> None:
        """Give back a connection whose call was aborted: close it, never reuse it."""

    def abort(self, conn: Any) -> None:
        """Make the call blocked on `conn` fail now (called from the watchdog's thread)."""

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


class SqliteEngine:
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
        self.watchdog = Watchdog(self.abort, "backcoach-sqlite-watchdog")

    def sql(self, text: str) -> str:
        """SQLite takes "?" placeholders as they are."""
        return text

    def acquire(self, deadline: float) -> sqlite3.Connection:
        """Return this thread's connection, opening it on first use (a local file: no wait)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
        return conn

    def release(self, conn: sqlite3.Connection) -> None:
        """Keep the connection: it belongs to this thread until close()."""

    def discard(self, conn: sqlite3.Connection) -> None:
        """Close this thread's connection; the next acquire() opens a fresh one."""
        if getattr(self._local, "conn", None) is conn:
            self._local.conn = None
        conn.close()

    def abort(self, conn: sqlite3.Connection) -> None:
        """sqlite3_interrupt: the running statement fails with SQLITE_INTERRUPT (a no-op between statements)."""
        conn.interrupt()

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
        self.watchdog.close()
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            self._local.conn = None
            conn.close()


class PostgresEngine:
    """PostgreSQL through a lazily opened psycopg_pool.ConnectionPool with bounded waits.

    Every wait is bounded on this side: the pool checkout by its timeout, connecting by
    ``connect_timeout`` (psycopg enforces it itself), the checkout's health check and every
    statement by the watchdog, which shuts the connection's socket down at the deadline. The
    server-side ``statement_timeout`` and TCP settings stay as a first line: they end long
    queries and dead peers cleanly, but a frozen server honours none of them.
    """

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
        self._local = threading.local()  # the deadline of this thread's checkout, for the check
        self.timeout = timeout
        self.watchdog = Watchdog(self.abort, "backcoach-postgres-watchdog")

    def sql(self, text: str) -> str:
        """psycopg takes %s placeholders (and a literal % must be doubled)."""
        return text.replace("%", "%%").replace("?", "%s")

    def acquire(self, deadline: float) -> Any:
        """Take a checked connection from the pool, waiting no later than `deadline`."""
        if not self._opened:
            self._open()
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise DatabaseTimeout("no time left to take a connection")
        self._local.deadline = deadline
        try:
            return self._pool.getconn(timeout=remaining)
        finally:
            self._local.deadline = None

    def release(self, conn: Any) -> None:
        """Return the connection; the pool discards it if it is broken."""
        self._pool.putconn(conn)

    def discard(self, conn: Any) -> None:
        """Close the connection, then hand it back: the pool drops it and opens a replacement."""
        conn.close()
        self._pool.putconn(conn)

    def abort(self, conn: Any) -> None:
        """Shut the socket down: the thread blocked on it wakes with OperationalError at once.

        Only the socket is shut down (through a duplicate descriptor), not closed: the thread
        that owns the connection closes it, so the descriptor cannot be reused under its feet.
        """
        with socket.fromfd(conn.pgconn.socket, socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.shutdown(socket.SHUT_RDWR)

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
        connections without the cost of a query on every checkout. The round trip is watched
        like any statement, until the deadline of the checkout.
        """
        try:
            if _socket_has_news(conn.pgconn.socket):
                deadline = getattr(self._local, "deadline", None) or time.monotonic() + self.timeout
                token = self.watchdog.arm(conn, deadline)
                try:
                    self._pool.check_connection(conn)
                finally:
                    if self.watchdog.disarm(token):
                        conn.close()
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
        self.watchdog.close()
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


def open_store(database_url: str, *, pool_max: int = 4, timeout: float = 2.0) -> SqlStore:
    """Create a store for a ``sqlite:///...`` or ``postgresql://...`` URL without connecting.

    ``timeout`` bounds each call in seconds, measured here whatever the server does (SQLite
    busy timeout; PostgreSQL pool wait, connect, statements); ``pool_max`` caps PostgreSQL
    connections per process.
    """
    scheme = database_url.partition(":")[0].lower()
    if scheme == "sqlite":
        return SqlStore(SqliteEngine(_sqlite_path(database_url), timeout))
    if scheme in ("postgresql", "postgres"):
        return SqlStore(PostgresEngine(database_url, pool_max, timeout))
    raise ValueError(f"unsupported database URL scheme {scheme!r}: use sqlite:/// or postgresql://")


def _sqlite_path(url: str) -> Path:
    """``sqlite:///relative/path`` or ``sqlite:////absolute/path`` to a Path."""
    parts = urlsplit(url)
    if parts.netloc or not parts.path.startswith("/") or len(parts.path) < 2:
        raise ValueError("SQLite URLs look like sqlite:///relative/path or sqlite:////absolute/path")
    return Path(unquote(parts.path[1:]))
