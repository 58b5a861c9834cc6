"""The skill's one outbound HTTP client: pooled, time-boxed, with a circuit breaker per host.

A call (:meth:`Client.fetch`) never raises and never holds its caller longer
than ``budget``: it runs on a small bounded thread pool and the caller waits at most
``budget`` for it. That bounds what socket timeouts cannot (``getaddrinfo`` has no timeout; a
trickled body beats any per-read timeout). The call itself has a total deadline too (connect,
each read, the whole body), so a hung call frees its thread; a full pool fails fast.

After ``failure_threshold`` consecutive outage failures (:data:`OUTAGES`) a host's breaker
opens for ``open_for`` seconds: calls return at once with ``circuit open``; then one trial
call closes it on success. A caller with a small budget shared by many requests (the Settings
API look-up) asks for ``open_on_overrun``: its call past the budget opens the breaker at once,
since the next callers would each pay the whole budget too; the call goes on in the
background, and a late answer closes the breaker again; its breaker's trial calls are made in
the background too, so that no request waits on a host that may still hang. Logs name the
host and a reason, once per incident: never paths (they hold device ids), query strings,
headers or tokens.
"""

from __future__ import annotations

import functools
import logging
import os
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

import certifi
import urllib3
from urllib3.exceptions import HTTPError, NameResolutionError, NewConnectionError, ProtocolError, SSLError
from urllib3.exceptions import TimeoutError as Urllib3Timeout

log = logging.getLogger(__name__)

# Why a call failed (Outcome.reason). The first seven count as an outage of the host.
REFUSED, DNS, TIMEOUT, OVER_BUDGET = "refused", "dns failure", "timeout", "over budget"
TLS_ERROR, CONNECTION_ERROR, SERVER_ERROR = "tls error", "connection error", "server error"
CIRCUIT_OPEN, BUSY, BAD_URL = "circuit open", "busy", "bad url"
BAD_STATUS, TOO_LARGE = "bad status", "too large"
OUTAGES = frozenset({REFUSED, DNS, TIMEOUT, OVER_BUDGET, TLS_ERROR, CONNECTION_ERROR, SERVER_ERROR})
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS"})
DEFAULT_MAX_BYTES = 65536


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one call came to: ``ok`` (a 2xx answer, body complete and within the limit), else ``reason``.

    ``status`` is the HTTP status when an answer arrived (also for ``bad status``, ``server
    error`` and ``too large``); ``body`` is the complete body of an ``ok`` answer (else empty).
    """

    ok: bool
    reason: str = ""
    status: int | None = None
    body: bytes = b""


@dataclass(slots=True)
class _Failing:
    """A host with recent failures: how many in a row, open until when (None: closed), trial running."""

    failures: int = 0
    open_until: float | None = None
    trial: bool = False


class Breaker:
    """Per-host circuit breaker; thread-safe. Only hosts with failures have an entry.

    ``admit(host)`` answers "closed" (go ahead), "trial" (go ahead as the half-open trial) or
    None (open: do not call). ``record(host, failure)`` reports how a call ended: ``None`` when
    the host answered, else the outage reason.
    """

    def __init__(self, threshold: int = 3, open_for: float = 30.0,
                 clock: Callable[[], float] = time.monotonic, max_hosts: int = 1024) -> None:
        self.threshold, self.open_for, self._clock, self._max_hosts = threshold, open_for, clock, max_hosts
        self._hosts: dict[str, _Failing] = {}
        self._warned: dict[str, float] = {}  # host -> when its last incident was logged
        self._unrecovered: set[str] = set()  # hosts whose incident was logged, not yet their recovery
        self._lock = threading.Lock()

    def admit(self, host: str) -> str | None:
        """May a call to ``host`` go out now? See the class docstring."""
        if host not in self._hosts:  # the common case, without the lock
            return "closed"
        with self._lock:
            state = self._hosts.get(host)
            if state is None or state.open_until is None:
                return "closed"
            if state.trial or self._clock() < state.open_until:
                return None
            state.trial = True
            return "trial"

    def is_open(self, host: str) -> bool:
        """Whether ``admit(host)`` would answer None now (read only: no trial is taken)."""
        state = self._hosts.get(host)
        return state is not None and state.open_until is not None and (state.trial or self._clock() < state.open_until)

    def cancel_trial(self, host: str) -> None:
        """An admitted trial did not go out after all (the pool was full): let the next caller try."""
        with self._lock:
            if host in self._hosts:
                self._hosts[host].trial = False

    def record(self, host: str, failure: str | None, *, at_once: bool = False) -> None:
        """Report a call's end: success (``None``) closes the breaker; an outage reason counts
        (``at_once``: it opens the breaker without waiting for ``threshold`` failures)."""
        if failure is None:
            if host in self._hosts:
                with self._lock:
                    state = self._hosts.pop(host, None)
                    recovered = state is not None and state.open_until is not None and host in self._unrecovered
                    self._unrecovered.discard(host)
                if recovered:
                    log.info("%s works again", host)
            return
        with self._lock:
            state = self._hosts.get(host)
            if state is None:
                if len(self._hosts) >= self._max_hosts:
                    self._hosts.pop(next(iter(self._hosts)))
                state = self._hosts[host] = _Failing()
            state.failures, state.trial, was_open = state.failures + 1, False, state.open_until is not None
            if at_once:
                state.failures = max(state.failures, self.threshold)
            if not (was_open or state.failures >= self.threshold):
                return
            now = self._clock()
            state.open_until = now + self.open_for
            # Once per incident: an API that is slow but answers late opens and closes the
            # breaker on every call; it is said again only after a quiet window.
            warn = not was_open and (host not in self._warned or now - self._warned[host] >= self.open_for)
            if warn:
                if len(self._warned) >= self._max_hosts:
                    self._warned.pop(next(iter(self._warned)))
                self._warned[host] = now
                self._unrecovered.add(host)
        if warn:
            log.warning("%s failing: %s; answering without it for %.0f s", host, failure, self.open_for)


def _split(url: str) -> tuple[SplitResult, int, str] | None:
    """(parts, port, breaker key "host" or "host:port") of an http(s) URL without credentials, else None."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return None
    if parts.scheme not in ("https", "http") or not parts.hostname or "@" in parts.netloc:
        return None
    return parts, port, parts.hostname if parts.port is None else f"{parts.hostname}:{port}"


@functools.lru_cache(maxsize=64)
def _host(base_url: str) -> str | None:
    """The breaker key of a base URL (an envelope's apiEndpoint: a handful of values), cached."""
    return (_split(base_url) or (None, None, None))[2]


class _Call:
    """One call in flight: what to send, and the hand-over between the worker and the caller."""

    __slots__ = ("host", "request", "callback", "abandoned", "counted", "outcome", "done", "trial")

    def __init__(self, host: str, request: tuple, callback: Callable[[Outcome], None] | None,
                 abandoned: bool, trial: bool = False) -> None:
        self.host, self.request, self.callback = host, request, callback
        self.abandoned, self.counted, self.outcome, self.trial = abandoned, False, None, trial
        self.done = threading.Event()


class Client:
    """The pooled HTTP client; thread-safe, rebuilt after a fork (compared by ``os.getpid()``).

    ``ca_file``: the PEM trust store of the one ``ssl.SSLContext`` (default certifi's bundle).
    ``connect_to``: ``{"host:port": ("ip", port)}``, connect there instead of resolving ``host``
    while TLS still checks the certificate for ``host`` (a test seam, like curl's --connect-to).
    ``executor``: the thread pool to run calls on (default: our own of ``max_in_flight``
    threads); at most ``max_in_flight`` calls run at once, ``max_per_host`` to one host, more
    fail fast with ``busy``. ``clock``: monotonic seconds for the breaker windows.
    """

    def __init__(self, *, ca_file: str | None = None, connect_to: Mapping[str, tuple[str, int]] | None = None,
                 executor: Executor | None = None, clock: Callable[[], float] = time.monotonic,
                 max_in_flight: int = 8, max_per_host: int = 4, connect_timeout: float = 1.0,
                 read_timeout: float = 1.0, call_deadline: float = 2.5, failure_threshold: int = 3,
                 open_for: float = 30.0) -> None:
        self.ssl_context = ssl.create_default_context(cafile=ca_file or certifi.where())
        self._connect_to, self._given_executor, self._clock = dict(connect_to or {}), executor, clock
        self.max_in_flight, self.max_per_host = max_in_flight, max_per_host
        self.connect_timeout, self.read_timeout, self.call_deadline = connect_timeout, read_timeout, call_deadline
        self._threshold, self._open_for, self._pid = failure_threshold, open_for, -1
        self._ensure_process()

    def _ensure_process(self) -> None:
        """(Re)build what must not cross a fork: connections, threads, locks, counters, breaker state."""
        if self._pid == os.getpid():
            return
        self._pid, self._lock, self._running = os.getpid(), threading.Lock(), {}  # host -> calls running
        self.breaker = Breaker(self._threshold, self._open_for, self._clock)
        self._pool = urllib3.PoolManager(num_pools=32, maxsize=self.max_per_host, block=False,
                                         ssl_context=self.ssl_context, retries=False)
        self._executor = self._given_executor or ThreadPoolExecutor(self.max_in_flight, "outbound")

    # ---- public API

    def fetch(self, method: str, url: str, *, headers: Mapping[str, str] | None = None,
              body: bytes | None = None, budget: float, max_bytes: int = DEFAULT_MAX_BYTES,
              on_late: Callable[[Outcome], None] | None = None, open_on_overrun: bool = False) -> Outcome:
        """Call ``url`` and wait at most ``budget`` seconds for the outcome; never raises.

        Past the budget the answer is ``over budget`` (counted against the host; with
        ``open_on_overrun`` it opens the host's breaker at once) and the call goes on in the
        background until its own deadline; its outcome is then handed to ``on_late`` (on a
        worker thread), so that a cache can still keep a late answer.
        """
        call = self._start(method, url, headers, body, max_bytes, on_late)
        if isinstance(call, Outcome):
            return call
        if call.trial and open_on_overrun:
            # The breaker's trial after an overrun: made in the background, so no request waits
            # on a host that may still hang; its answer goes to on_late and closes the breaker.
            with self._lock:
                if call.outcome is None:
                    call.abandoned = True
                    return Outcome(False, CIRCUIT_OPEN)
            return call.outcome
        call.done.wait(max(budget, 0.0))
        with self._lock:
            if call.outcome is not None:
                return call.outcome
            call.abandoned = call.counted = True
        self.breaker.record(call.host, OVER_BUDGET, at_once=open_on_overrun)
        return Outcome(False, OVER_BUDGET)

    def fetch_in_background(self, method: str, url: str, *, headers: Mapping[str, str] | None = None,
                            body: bytes | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
                            on_done: Callable[[Outcome], None]) -> bool:
        """Start a call without waiting (fire and forget); ``on_done`` gets its outcome on a worker thread.

        False when it could not start (breaker open, pool full, bad URL); ``on_done`` is then not called.
        """
        return not isinstance(self._start(method, url, headers, body, max_bytes, on_done, background=True),
                              Outcome)

    def failing(self, url: str) -> bool:
        """Whether ``url``'s host has its breaker open now (a call would fail fast): a dict look-up
        once the base URL was seen, so that skipping a call costs no more than a cache hit."""
        self._ensure_process()
        host = _host(url)
        return host is not None and self.breaker.is_open(host)

    def close(self) -> None:
        """Close pooled connections and stop our own threads (calls in flight end at their deadline)."""
        self._pool.clear()
        if self._given_executor is None:
            self._executor.shutdown(wait=False, cancel_futures=True)

    # ---- one call

    def _start(self, method: str, url: str, headers: Mapping[str, str] | None, body: bytes | None,
               max_bytes: int, callback: Callable[[Outcome], None] | None, *,
               background: bool = False) -> _Call | Outcome:
        """Check the URL, the breaker and the capacity, then submit the call; an Outcome when it failed fast."""
        self._ensure_process()
        split = _split(url)
        if split is None:
            return Outcome(False, BAD_URL)
        parts, port, host = split
        admitted = self.breaker.admit(host)
        if admitted is None:
            return Outcome(False, CIRCUIT_OPEN)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        request = (method.upper(), parts.scheme, parts.hostname, port, target,
                   {"Accept-Encoding": "identity", **(headers or {})}, body, max_bytes)
        call = _Call(host, request, callback, abandoned=background,  # background: nobody waits
                     trial=admitted == "trial")
        with self._lock:
            running = self._running.get(host, 0)
            room = sum(self._running.values()) < self.max_in_flight and running < self.max_per_host
            if room:
                self._running[host] = running + 1
        if room:
            try:
                self._executor.submit(self._run, call)
                return call
            except RuntimeError:  # the executor was shut down
                self._release(host)
        if admitted == "trial":
            self.breaker.cancel_trial(host)
        return Outcome(False, BUSY)

    def _release(self, host: str) -> None:
        """One call to ``host`` no longer holds a thread."""
        with self._lock:
            if self._running[host] > 1:
                self._running[host] -= 1
            else:
                del self._running[host]

    def _run(self, call: _Call) -> None:
        """The worker: perform the call, hand the outcome over, report to the breaker, call back."""
        try:
            outcome = self._perform(call)
        except Exception as error:  # noqa: BLE001 - a worker must never die with the outcome untold
            log.debug("outbound call to %s crashed: %s", call.host, type(error).__name__)
            outcome = Outcome(False, CONNECTION_ERROR)
        finally:
            self._release(call.host)
        with self._lock:
            call.outcome = outcome
            late, counted = call.abandoned, call.counted
        failure = outcome.reason if outcome.reason in OUTAGES else None
        if not counted or failure is None:  # a late success still shows the host is back
            self.breaker.record(call.host, failure)
        call.done.set()  # after the breaker knows: the caller's next call sees the new state
        if late and call.callback is not None:
            try:
                call.callback(outcome)
            except Exception as error:  # noqa: BLE001 - a caller's callback must not kill the worker
                log.warning("outbound callback failed: %s", type(error).__name__)

    def _perform(self, call: _Call) -> Outcome:
        """The HTTP exchange itself, within ``call_deadline``; errors become reasons."""
        deadline = time.monotonic() + self.call_deadline
        method, scheme, hostname, port, target, headers, body, max_bytes = call.request
        override = self._connect_to.get(f"{hostname}:{port}")
        if override is None:
            pool = self._pool.connection_from_host(hostname, port, scheme)
        else:
            pool = self._pool.connection_from_host(override[0], override[1], scheme,
                                                   pool_kwargs={"server_hostname": hostname})
            headers.setdefault("Host", hostname if port in (80, 443) else f"{hostname}:{port}")
        for attempt in (1, 2):
            left = deadline - time.monotonic()
            if left <= 0:
                return Outcome(False, TIMEOUT)
            try:
                response = pool.urlopen(
                    method, target, body=body, headers=headers, redirect=False,
                    retries=False, assert_same_host=False, preload_content=False, decode_content=False,
                    timeout=urllib3.Timeout(connect=min(self.connect_timeout, left),
                                            read=min(self.read_timeout, left)))
                break
            except ProtocolError:
                # A kept-alive connection the server closed just now: one fresh try for idempotent calls.
                if attempt == 2 or method not in IDEMPOTENT:
                    return Outcome(False, CONNECTION_ERROR)
            except (HTTPError, OSError, ValueError) as error:
                return Outcome(False, _reason(error))
        return self._read(response, max_bytes, deadline)

    def _read(self, response: urllib3.BaseHTTPResponse, max_bytes: int, deadline: float) -> Outcome:
        """Read the body in pieces until EOF, ``max_bytes`` or the deadline; keep the connection if clean."""
        status, complete = response.status, False
        try:
            length = response.headers.get("Content-Length", "")
            if length.isdigit() and int(length) > max_bytes:
                return Outcome(False, TOO_LARGE, status)
            chunks, size = [], 0
            sock = getattr(response.connection, "sock", None)
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    return Outcome(False, TIMEOUT, status)
                if sock is not None:
                    sock.settimeout(min(self.read_timeout, left))
                chunk = response.read1(max_bytes + 1 - size)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
                if size > max_bytes:
                    return Outcome(False, TOO_LARGE, status)
            complete = True
        except (HTTPError, OSError, ValueError) as error:
            return Outcome(False, _reason(error), status)
        finally:
            if not complete:
                response.close()  # unread bytes: the connection cannot be reused
            response.release_conn()
        if not 200 <= status < 300:
            return Outcome(False, SERVER_ERROR if status >= 500 else BAD_STATUS, status)
        return Outcome(True, "", status, b"".join(chunks))


def _reason(error: BaseException) -> str:
    """The short reason for an exception from urllib3 or the socket layer."""
    if isinstance(error, NameResolutionError):
        return DNS
    if isinstance(error, NewConnectionError):  # before timeouts: urllib3 derives it from ConnectTimeoutError
        return REFUSED if isinstance(error.__cause__, ConnectionRefusedError) else CONNECTION_ERROR
    if isinstance(error, (Urllib3Timeout, TimeoutError)):
        return TIMEOUT
    if isinstance(error, (SSLError, ssl.SSLError)):
        return TLS_ERROR
    if isinstance(error, ValueError):
        return BAD_URL
    return CONNECTION_ERROR


_shared: Client | None = None


def shared() -> Client:
    """The process's client (certifi's trust store), built on first use; it rebuilds itself after a fork."""
    global _shared  # noqa: PLW0603 - one lazily built client per process is the point
    if _shared is None:
        _shared = Client()  # two threads racing here build two; one is dropped unused
    return _shared
