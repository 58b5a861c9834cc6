"""A throwaway PostgreSQL server for tests, started from the system's binaries.

Import the fixtures into a test module (``from postgres_server import postgres_server,
postgres_database``):

* ``postgres_server`` (session): a running server with ``.url``, ``.stop()`` and ``.start()``
  (for outage tests); removed with its data at the end of the session.
* ``postgres_database`` (function): the URL of a fresh, empty database on that server.

When no server can be started the tests are skipped with the reason, except under
``BACKCOACH_REQUIRE_SERVICES=1`` (CI), where they fail instead.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from services import unavailable

BINARIES = ("initdb", "pg_ctl", "postgres")
SERVER_USER = "nobody"  # PostgreSQL refuses to run as root
START_TIMEOUT = 30
SETTINGS = """
listen_addresses = '127.0.0.1'
port = {port}
unix_socket_directories = '{socket_dir}'
max_connections = 60
shared_buffers = 16MB
fsync = off
synchronous_commit = off
full_page_writes = off
"""


class ServerUnavailable(Exception):
    """The test server could not be set up; the message says why."""


class PostgresServer:
    """A PostgreSQL cluster in a temporary directory, listening on 127.0.0.1."""

    def __init__(self, bindir: Path, root: Path) -> None:
        self.bindir = bindir
        self.root = root
        self.data = root / "data"
        self.socket_dir = root / "run"
        self.log = root / "server.log"
        self.port = free_port()
        self.url = self.url_for("backcoach")
        self._database_numbers = itertools.count(1)

    @classmethod
    def launch(cls) -> PostgresServer:
        """Create, start and prepare a server; clean up after any failure."""
        bindir = _find_bindir()
        server = cls(bindir, Path(tempfile.mkdtemp(prefix="backcoach-pg-")))
        try:
            server._initialise()
            server.start()
            server.create_database("backcoach")
        except BaseException:
            server.destroy()
            raise
        return server

    def url_for(self, database: str) -> str:
        """The URL of one database on this server (trust authentication, no password)."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        self._pg_ctl("start", "-w", "-t", str(START_TIMEOUT), "-l", str(self.log))

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (``fast`` disconnects every client at once)."""
        self._pg_ctl("stop", "-w", "-m", mode)

    def create_database(self, name: str | None = None) -> str:
        """Create a database (``test_<n>`` by default) and return its URL."""
        name = name or f"test_{next(self._database_numbers)}"
        with psycopg.connect(self.url_for("postgres"), autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url_for(name)

    def destroy(self) -> None:
        """Stop the server if it runs and delete its files."""
        if (self.data / "postmaster.pid").exists():
            subprocess.run(
                _as_server_user(
                    [str(self.bindir / "pg_ctl"), "-D", str(self.data), "stop", "-m", "immediate"]
                ),
                capture_output=True,
                cwd=self.root,
                timeout=START_TIMEOUT,
            )
        shutil.rmtree(self.root, ignore_errors=True)

    def _initialise(self) -> None:
        """initdb with trust authentication, then settings for a fast disposable server."""
        self.socket_dir.mkdir()
        if os.geteuid() == 0:
            account = pwd.getpwnam(SERVER_USER)
            for path in (self.root, self.socket_dir):
                os.chown(path, account.pw_uid, account.pw_gid)
        self._run(
            str(self.bindir / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
            "-E", "UTF8", "--locale=C", "--no-sync",
        )  # fmt: skip
        settings = SETTINGS.format(port=self.port, socket_dir=self.socket_dir)
        with open(self.data / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write(settings)

    def _pg_ctl(self, *args: str) -> None:
        """Run pg_ctl on this cluster."""
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), *args)

    def _run(self, *command: str) -> None:
        """Run a server command as the server user; failures carry its output and log."""
        try:
            result = subprocess.run(
                _as_server_user(list(command)),
                capture_output=True,
                text=True,
                cwd=self.root,
                timeout=START_TIMEOUT + 10,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ServerUnavailable(f"{Path(command[0]).name}: {exc}") from exc
        if result.returncode != 0:
            log = self.log.read_text(errors="replace")[-1500:] if self.log.exists() else ""
            output = (result.stderr or result.stdout).strip()[-1500:]
            raise ServerUnavailable(f"{Path(command[0]).name} failed: {output} {log}".strip())


def _find_bindir() -> Path:
    """The newest /usr/lib/postgresql/*/bin with all binaries, else the one on PATH."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True)
    for directory in map(Path, candidates):
        if all((directory / name).is_file() for name in BINARIES):
            return directory
    found = [shutil.which(name) for name in BINARIES]
    if all(found):
        return Path(found[0]).parent
    raise ServerUnavailable(
        "initdb, pg_ctl and postgres not found under /usr/lib/postgresql/*/bin or on PATH"
    )


def _version_key(path: str) -> tuple[int, ...]:
    """Sort key from the version in a path like /usr/lib/postgresql/15/bin."""
    return tuple(int(number) for number in re.findall(r"\d+", path))


def _as_server_user(command: list[str]) -> list[str]:
    """Prefix a command so that it runs unprivileged when we are root."""
    if os.geteuid() != 0:
        return command
    if shutil.which("runuser"):
        return ["runuser", "-u", SERVER_USER, "--", *command]
    if shutil.which("setpriv"):
        account = pwd.getpwnam(SERVER_USER)
        ids = [f"--reuid={account.pw_uid}", f"--regid={account.pw_gid}", "--clear-groups"]
        return ["setpriv", *ids, *command]
    raise ServerUnavailable("running as root and neither runuser nor setpriv is available")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A running throwaway PostgreSQL server for the whole session."""
    try:
        server = PostgresServer.launch()
    except (ServerUnavailable, OSError, KeyError, psycopg.Error) as exc:
        unavailable("PostgreSQL tests", f"{type(exc).__name__}: {exc}")
    yield server
    server.destroy()


@pytest.fixture
def postgres_database(postgres_server: PostgresServer) -> str:
    """The URL of a fresh database, so that tests never see each other's rows."""
    return postgres_server.create_database()
