"""Calling plugin implementations: each on its own, and case hooks within a deadline.

pluggy calls implementations one after the other in the caller's thread, so one plugin that
raises hides the others and one that hangs holds the request (and, under gunicorn, a thread)
for as long as it likes. The engine never calls ``pm.hook``; it goes through this module:

* catalogue hooks (once, at start-up) are called inline, each on its own (`catalogues._call_each`);
* `CaseCalls` runs the implementations of the case hooks for one question with one deadline
  (`PLUGIN_TIMEOUT`, or ``BACKCOACH_PLUGIN_TIMEOUT`` seconds). Built-in plugins run inline: they
  are ours, pure and take microseconds, and a thread hop would cost more than the whole
  assessment. Third-party ones run on a bounded pool of daemon threads, all at once; the
  caller waits for them until the deadline, or less when `wait_until` says the answer is known
  (an emergency). A call still running then is reported as overran and its result ignored;
  a plugin whose previous call is still running past its deadline is not called again (it
  would only hang another thread) and that counts as an overrun too; after `MAX_OVERRUNS`
  a non-essential plugin is disabled until restart, logged once. Built-ins are timed as well:
  an essential one that overran, or whose previous call still hangs, counts as failed, which
  the engine turns into a fail-closed answer (its findings are still used, so no flag is lost).
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass

from .contracts import PluginError, check_finding
from .contracts import records_of as records
from .manager import ESSENTIAL_PLUGINS
from .models import Finding

log = logging.getLogger(__name__)

#: Seconds one case-hook call may take; its result is ignored after that.
PLUGIN_TIMEOUT = 0.5
TIMEOUT_ENV = "BACKCOACH_PLUGIN_TIMEOUT"
#: Overruns after which a (non-essential) plugin is no longer called, until restart.
MAX_OVERRUNS = 3
#: Threads for third-party case-hook calls per rule set (started on demand, ended when idle).
MAX_THREADS = 32
_IDLE_SECONDS = 30.0

#: Outcome statuses: the call ended ("ok", "error"), or it did not count ("overran": past the
#: deadline, or not called because its previous call still hangs; "not_awaited": the answer
#: was known before it ended; "not_started": every thread was busy; "disabled").
OK, ERROR, OVERRAN, NOT_AWAITED, NOT_STARTED, DISABLED = (
    "ok", "error", "overran", "not_awaited", "not_started", "disabled")


def call(impl, kwargs: Mapping[str, object]) -> tuple[object, BaseException | None]:
    """(result, None) or (None, the exception) of one implementation."""
    try:
        result = impl.function(*[kwargs[name] for name in impl.argnames])
        if isinstance(result, Iterator):  # run generators here, inside the isolation (and the timing)
            result = list(result)
    except Exception as exc:  # noqa: BLE001 - isolation: a plugin's error is recorded, not raised
        return None, exc
    return result, None


@dataclass(frozen=True)
class Outcome:
    """What became of one implementation's call."""

    plugin: str
    hook: str
    status: str
    result: object = None
    error: BaseException | None = None
    note: str = ""

    @property
    def counts(self) -> bool:
        """The call ended in time: its result (or error) takes part in the answer."""
        return self.status in (OK, ERROR)


def timeout_from_env() -> float:
    """$BACKCOACH_PLUGIN_TIMEOUT in seconds, else PLUGIN_TIMEOUT."""
    raw = os.environ.get(TIMEOUT_ENV, "").strip()
    if not raw:
        return PLUGIN_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{TIMEOUT_ENV} must be a number of seconds, not {raw!r}") from None
    if not 0 < value <= 60:
        raise ValueError(f"{TIMEOUT_ENV} must be more than 0 and at most 60 seconds")
    return value


class CaseCalls:
    """The case-hook calls of one rule set: deadlines, overrun counts, disabled plugins.

    :param builtins: names of the plugins to call inline (the built-ins).
    :param on_overrun: ``(plugin, problem, disabled)`` whenever a plugin overruns (the plugin
        manager's records are updated through it, for ``backcoach plugins``).
    """

    def __init__(self, timeout: float, builtins: frozenset[str],
                 on_overrun: Callable[[str, str, bool], None] | None = None) -> None:
        self.timeout = timeout
        self._builtins = builtins
        self._on_overrun = on_overrun
        self._pool = _DaemonPool(MAX_THREADS)
        self._lock = threading.Lock()
        self._overruns: dict[str, int] = {}
        self._disabled: set[str] = set()
        self._hanging: dict[str, int] = {}  # pool calls still running past their deadline, per plugin
        self._inline_started: dict[int, tuple[str, float]] = {}  # built-in calls running, by thread

    @property
    def disabled(self) -> frozenset[str]:
        return frozenset(self._disabled)

    def run(self, calls: Sequence[tuple[str, object, Mapping[str, object]]],
            wait_until: Callable[[list[Outcome | None]], bool] | None = None) -> list[Outcome]:
        """Call each (hook, impl, kwargs) within one deadline; the outcomes in the same order.

        `wait_until(outcomes)` (None for calls still running) may end the wait early.
        """
        deadline = time.monotonic() + self.timeout
        outcomes: list[Outcome | None] = [None] * len(calls)
        futures: dict[Future, int] = {}
        inline = []
        for index, (hook, impl, kwargs) in enumerate(calls):
            plugin = impl.plugin_name
            early = self._refused(plugin, hook)
            if early is not None:
                outcomes[index] = early
            elif plugin in self._builtins:
                inline.append(index)
            else:
                futures[self._submit(plugin, impl, kwargs)] = index
        for index in inline:  # meanwhile the third-party calls run on the pool
            hook, impl, kwargs = calls[index]
            outcomes[index] = self._inline(hook, impl, kwargs)
        pending = set(futures)
        while pending and not (wait_until and wait_until(outcomes)):
            left = deadline - time.monotonic()
            if left <= 0:
                break
            done, pending = wait(pending, timeout=left, return_when=FIRST_COMPLETED)
            for future in done:
                outcomes[futures[future]] = self._ended(calls[futures[future]][0], calls[futures[future]][1],
                                                        future)
        stopped_early = time.monotonic() < deadline
        for future in pending:
            hook, impl, _ = calls[futures[future]]
            outcomes[futures[future]] = self._unfinished(hook, impl.plugin_name, future, stopped_early)
        return outcomes  # type: ignore[return-value] - every slot is filled by now

    # ------------------------------------------------------------------ one call
    def _refused(self, plugin: str, hook: str) -> Outcome | None:
        """An outcome without calling: the plugin is disabled, or its previous call still hangs."""
        if plugin in self._disabled:
            return Outcome(plugin, hook, DISABLED,
                           note=f"not called: disabled until restart after {MAX_OVERRUNS} overruns")
        if self._hanging.get(plugin) or self._inline_hangs(plugin):
            self._overran(plugin, hook)
            return Outcome(plugin, hook, OVERRAN,
                           note="not called: its previous call is still running past its deadline")
        return None

    def _inline_hangs(self, plugin: str) -> bool:
        """Another thread is inside a built-in call of `plugin` that is past its deadline."""
        too_old = time.monotonic() - self.timeout
        return any(name == plugin and started < too_old for name, started in list(self._inline_started.values()))

    def _inline(self, hook: str, impl, kwargs: Mapping[str, object]) -> Outcome:
        plugin, thread = impl.plugin_name, threading.get_ident()
        started = time.monotonic()
        self._inline_started[thread] = (plugin, started)  # one call at a time per thread
        try:
            result, error = call(impl, kwargs)
        finally:
            del self._inline_started[thread]
        seconds = time.monotonic() - started
        if seconds > self.timeout:
            self._overran(plugin, hook)
            return Outcome(plugin, hook, OVERRAN, result, error,
                           note=f"overran: answered after {seconds:.1f} s (deadline {self.timeout:g} s)")
        return Outcome(plugin, hook, ERROR if error else OK, result, error)

    def _submit(self, plugin: str, impl, kwargs: Mapping[str, object]) -> Future:
        future: Future = Future()

        def job() -> None:
            if not future.set_running_or_notify_cancel():
                return
            result, error = call(impl, kwargs)
            future.set_result((result, error))

        self._pool.submit(job)
        return future

    def _ended(self, hook: str, impl, future: Future) -> Outcome:
        result, error = future.result()
        return Outcome(impl.plugin_name, hook, ERROR if error else OK, result, error)

    def _unfinished(self, hook: str, plugin: str, future: Future, stopped_early: bool) -> Outcome:
        if future.done():  # ended between the last wait and now
            result, error = future.result()
            return Outcome(plugin, hook, ERROR if error else OK, result, error)
        if stopped_early:
            return Outcome(plugin, hook, NOT_AWAITED, note="not waited for: the answer was already decided")
        if future.cancel():  # never started: the threads were all busy, not this plugin's fault
            log.warning("rule plugin %s not started in %s: all %d plugin threads busy", plugin, hook, MAX_THREADS)
            return Outcome(plugin, hook, NOT_STARTED, note="not started: every plugin thread was busy")
        with self._lock:
            self._hanging[plugin] = self._hanging.get(plugin, 0) + 1
        future.add_done_callback(lambda _: self._returned(plugin))
        self._overran(plugin, hook)
        return Outcome(plugin, hook, OVERRAN, note=f"overran: no answer within {self.timeout:g} s")

    def _returned(self, plugin: str) -> None:
        with self._lock:
            self._hanging[plugin] -= 1

    def _overran(self, plugin: str, hook: str) -> None:
        """Count an overrun; disable a non-essential plugin at MAX_OVERRUNS (logged once)."""
        with self._lock:
            count = self._overruns[plugin] = self._overruns.get(plugin, 0) + 1
            disable = count >= MAX_OVERRUNS and plugin not in ESSENTIAL_PLUGINS and plugin not in self._disabled
            if disable:
                self._disabled.add(plugin)
        if disable:
            log.error("rule plugin %s disabled until restart: %d case-hook calls overran %g s",
                      plugin, count, self.timeout)
        else:
            log.warning("rule plugin %s overran %g s in %s (%d so far)", plugin, self.timeout, hook, count)
        if self._on_overrun is not None:
            disabled = plugin in self._disabled
            problem = (f"disabled until the process restarts: {count} case-hook calls overran {self.timeout:g} s"
                       if disabled else f"{count} case-hook call(s) overran {self.timeout:g} s, last in {hook}")
            self._on_overrun(plugin, problem, disabled)


def emergency_known(outcomes: list[Outcome | None]) -> bool:
    """A call that ended has a valid emergency finding: nothing can outrank it, stop waiting."""
    for o in outcomes:
        if o is not None and o.status == OK and o.result is not None:
            try:
                if any(check_finding(f).tier == "emergency" for f in records(o.result, Finding)):
                    return True
            except PluginError:
                continue
    return False


def first_choice_known(outcomes: list[Outcome | None]) -> bool:
    """The first result in call order is known (firstresult hooks): every earlier call ended without one."""
    for o in outcomes:
        if o is None:
            return False
        if o.status == OK and o.result is not None:
            return True
    return True


class _DaemonPool:
    """Up to `size` daemon threads, started when no thread is idle and ended after idling.

    Daemon threads, unlike concurrent.futures' workers, never hold up the interpreter's exit
    (or a gunicorn worker's restart) for a plugin that sleeps. `_idle` counts threads waiting
    for work that no job has claimed yet; a job submitted claims one, or starts a thread.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._threads = 0
        self._idle = 0

    def submit(self, job: Callable[[], None]) -> None:
        with self._lock:
            self._jobs.put(job)
            if self._idle:
                self._idle -= 1
                return
            if self._threads >= self._size:
                return  # queued until a thread is free
            self._threads += 1
        threading.Thread(target=self._work, name="backcoach-plugin-call", daemon=True).start()

    def _work(self) -> None:
        job = self._jobs.get()
        while True:
            job()
            with self._lock:
                try:
                    job = self._jobs.get_nowait()  # queued while every thread was busy
                    continue
                except queue.Empty:
                    self._idle += 1
            try:
                job = self._jobs.get(timeout=_IDLE_SECONDS)
            except queue.Empty:
                with self._lock:
                    try:
                        job = self._jobs.get_nowait()  # claimed just as the wait ended
                    except queue.Empty:
                        self._idle -= 1
                        self._threads -= 1
                        return
