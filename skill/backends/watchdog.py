"""Client-side deadlines for blocking database calls: the server is not trusted to answer.

A frozen database server (SIGSTOP, a hung host, a VM paused by its hypervisor) keeps its TCP
connections open and its kernel keeps acknowledging them, but nothing ever answers:
``statement_timeout`` is enforced by that same frozen server, and TCP keepalives and
``tcp_user_timeout`` see a healthy peer. Only the client can bound its wait.

One daemon thread per engine watches the calls in progress. A call still running at its
deadline is aborted by the engine's ``abort(conn)`` (PostgreSQL: the socket is shut down, so the
blocked read returns at once with an error; SQLite: ``sqlite3_interrupt``), and `Watchdog.disarm`
tells the caller so, which then discards the connection instead of reusing it.

The thread looks at the calls in progress every POLL seconds (and at the earliest deadline, if
sooner), so a call is aborted at most POLL after its deadline. It is woken early only by a call
due before its next look, which never happens when deadlines are longer than POLL: a busy server
pays a dictionary insert and delete per call, and no thread wake-up (a wake-up per call cost a
context switch per database call on a 2-core server).
"""

from __future__ import annotations

import itertools
import logging
import math
import threading
import time
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)

#: An idle thread ends after this many seconds (the next call starts a new one), so engines
#: that are no longer used (tests build many applications) leave no thread behind.
IDLE_EXIT = 30.0
#: Seconds between the thread's looks at the calls in progress: the most a call outlives its deadline.
POLL = 0.25


class Watchdog:
    """Aborts calls that outlive their deadline; see the module docstring."""

    def __init__(self, abort: Callable[[Any], None], name: str) -> None:
        self._abort = abort
        self._name = name
        self._calls: dict[int, tuple[float, Any]] = {}
        self._ids = itertools.count()
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._thread: threading.Thread | None = None
        self._wake_at = -math.inf  # the thread's next look: an earlier deadline must wake it
        self._closed = False

    def arm(self, conn: Any, deadline: float) -> int:
        """Watch a call on `conn` that must end by `deadline` (time.monotonic()); returns its token."""
        with self._lock:
            if self._thread is None or not self._thread.is_alive():  # first use, or after a fork
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
            token = next(self._ids)
            self._calls[token] = (deadline, conn)
            if deadline < self._wake_at:
                self._wake_at = deadline
                self._wake.notify()
        return token

    def disarm(self, token: int) -> bool:
        """Stop watching a call. True when it was aborted: its connection must not be reused.

        After disarm() returns, the call's connection is never touched by the watchdog again.
        """
        with self._lock:
            return self._calls.pop(token, None) is None

    def close(self) -> None:
        """Stop the thread (calls still watched are left alone)."""
        with self._lock:
            self._closed = True
            self._wake.notify()

    def _run(self) -> None:
        idle_since = None
        with self._lock:
            while not self._closed:
                now = time.monotonic()
                earliest = math.inf
                for token, (deadline, conn) in list(self._calls.items()):
                    if deadline > now:
                        earliest = min(earliest, deadline)
                        continue
                    del self._calls[token]
                    try:
                        self._abort(conn)
                    except Exception as exc:  # noqa: BLE001 - a connection already closed or broken
                        logger.debug("aborting a call past its deadline: %s", type(exc).__name__)
                if self._calls:
                    idle_since = None
                elif idle_since is None:
                    idle_since = now
                elif now - idle_since >= IDLE_EXIT:
                    self._thread = None  # the next arm() starts a new thread
                    self._wake_at = -math.inf
                    return
                self._wake_at = min(earliest, now + POLL)
                self._wake.wait(self._wake_at - now)
