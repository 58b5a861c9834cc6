"""Download Alexa's signing-certificate chain on the shared outbound client, never stalling a worker.

The URL is validated first (`skill.edge.cert_url`); the download follows no
redirects, reads at most 64 KiB and must answer 200. Concurrent requests for the same URL
share one download (single flight). A failure is remembered for a few seconds, and while the
host's breaker is open the answer is immediate, so a hung certificate URL costs one slow call,
not one per request. A chain that arrives after the budget is kept for a minute, for the next
request. Every failure raises ``VerificationError("certificate download failed: <reason>")``.

The web layer plugs :func:`download_cert_chain` in as the ``Verifier``'s ``fetch``.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable

from .cert_url import VerificationError, validate_cert_url

from ..backends import outbound

MAX_BYTES = 65536
BUDGET = 2.0
REMEMBER_FAILURES_FOR = 5.0
KEEP_LATE_FOR = 60.0
_HEADERS = {"Accept": "application/x-pem-file, application/x-x509-ca-cert, */*"}


class _Flight:
    """One download that several callers wait for."""

    __slots__ = ("done", "outcome")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.outcome: outbound.Outcome | None = None


class ChainDownloader:
    """``downloader(url, budget=...) -> PEM bytes``: single flight, failure memory, late answers kept.

    Thread-safe and fork-safe (a forked child starts with empty tables). ``client`` defaults to
    the shared outbound client; ``clock`` (monotonic seconds) is a test seam.
    """

    def __init__(self, client: outbound.Client | None = None, *, clock: Callable[[], float] = time.monotonic,
                 remember_failures_for: float = REMEMBER_FAILURES_FOR, keep_late_for: float = KEEP_LATE_FOR,
                 max_bytes: int = MAX_BYTES) -> None:
        self._client, self._clock = client, clock
        self.remember_failures_for, self.keep_late_for, self.max_bytes = remember_failures_for, keep_late_for, max_bytes
        self._pid = -1

    def _tables(self) -> None:
        """Fresh tables and lock in a new process."""
        if self._pid != os.getpid():
            self._pid, self._lock = os.getpid(), threading.Lock()
            self._flights: dict[str, _Flight] = {}
            self._failures: dict[str, tuple[float, str]] = {}
            self._late: dict[str, tuple[float, bytes]] = {}

    def __call__(self, url: str, *, budget: float = BUDGET) -> bytes:
        """The PEM chain at the (validated) ``url``, within about ``budget`` seconds; raises VerificationError."""
        url = validate_cert_url(url)
        self._tables()
        now = self._clock()
        with self._lock:
            late = self._late.pop(url, None)
            if late is not None and late[0] > now:
                return late[1]
            failure = self._failures.get(url)
            if failure is not None and failure[0] > now:
                raise VerificationError(f"certificate download failed: {failure[1]}")
            flight = self._flights.get(url)
            leader = flight is None
            if leader:
                flight = self._flights[url] = _Flight()
        if leader:
            try:
                flight.outcome = (self._client or outbound.shared()).fetch(
                    "GET", url, headers=_HEADERS, budget=budget, max_bytes=self.max_bytes,
                    on_late=lambda outcome: self._arrived_late(url, outcome))
            finally:
                with self._lock:
                    self._flights.pop(url, None)
                    if flight.outcome is None or not _good(flight.outcome):
                        reason = flight.outcome.reason if flight.outcome else "error"
                        self._failures[url] = (self._clock() + self.remember_failures_for, reason)
                    else:
                        self._failures.pop(url, None)
                flight.done.set()
        elif not flight.done.wait(budget):
            raise VerificationError(f"certificate download failed: {outbound.OVER_BUDGET}")
        outcome = flight.outcome
        if outcome is None or not _good(outcome):
            if outcome is not None and outcome.reason == outbound.TOO_LARGE:
                raise VerificationError("certificate download too large")
            raise VerificationError(f"certificate download failed: {_reason(outcome)}")
        return outcome.body

    def _arrived_late(self, url: str, outcome: outbound.Outcome) -> None:
        """A download that missed its budget finished: keep a good chain for the next request."""
        if _good(outcome):
            with self._lock:
                self._late[url] = (self._clock() + self.keep_late_for, outcome.body)
                self._failures.pop(url, None)
                if len(self._late) > 32:
                    self._late.pop(next(iter(self._late)))


def _good(outcome: outbound.Outcome) -> bool:
    """A complete 200 answer (not any 2xx: a 204 or 206 is no chain)."""
    return outcome.ok and outcome.status == 200


def _reason(outcome: outbound.Outcome | None) -> str:
    """The fixed reason text of a failed download (safe to return and to log)."""
    if outcome is None:
        return "error"
    return outcome.reason if outcome.reason else "HTTP status"


_downloader = ChainDownloader()


def download_cert_chain(url: str, *, budget: float = BUDGET) -> bytes:
    """Fetch the PEM chain at a ``SignatureCertChainUrl`` on the shared client; raises VerificationError.

    See the module docstring: validated URL, no redirects, 64 KiB, single flight, failures
    remembered for a few seconds, immediate failure while the host's breaker is open.
    """
    return _downloader(url, budget=budget)
