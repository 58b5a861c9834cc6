"""The outbound HTTP client against real loopback stand-ins: budgets, pooling, the breaker, logs, fork."""

from __future__ import annotations

import logging
import os
import ssl
import threading
import time
import warnings

import pytest

from skill.backends import outbound
from skill.backends.outbound import Client
from standins import HTTPSStandIn, refusing, silent_dns, stand_in, test_ca  # noqa: F401 - pytest fixtures

MARGIN = 0.7  # generous: a loaded 2-core machine must not make these flaky


class Clock:
    """A monotonic clock that tests move by hand (breaker windows only)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def http(test_ca, clock):
    """A client trusting the stand-in CA, with short background deadlines so hung calls end quickly."""
    client = Client(ca_file=str(test_ca.ca_file), clock=clock, connect_timeout=0.5, read_timeout=0.5,
                    call_deadline=1.0)
    yield client
    client.close()


def timed(function, *args, **kwargs):
    """(result, seconds) of one call."""
    started = time.monotonic()
    result = function(*args, **kwargs)
    return result, time.monotonic() - started


def test_an_answer_comes_back_with_what_was_sent(http, stand_in):
    outcome = http.fetch("GET", f"{stand_in.url}/v2/x?y=1", headers={"Authorization": "Bearer t"}, budget=2)
    assert outcome == outbound.Outcome(True, "", 200, b'"Europe/London"')
    seen = stand_in.requests[0]
    assert (seen.method, seen.path, seen.headers["Authorization"]) == ("GET", "/v2/x?y=1", "Bearer t")


def test_one_tls_context_and_one_kept_alive_connection_per_host(http, test_ca, monkeypatch):
    contexts = []
    original = ssl.SSLContext.__new__
    with HTTPSStandIn(test_ca) as first, HTTPSStandIn(test_ca) as second:
        monkeypatch.setattr(ssl.SSLContext, "__new__",
                            lambda cls, *a, **k: contexts.append(cls) or original(cls, *a, **k))
        for _ in range(10):
            assert http.fetch("GET", f"{first.url}/a", budget=2).ok
            assert http.fetch("GET", f"{second.url}/b", budget=2).ok
        assert (len(first.requests), len(second.requests)) == (10, 10)
        assert (first.connections, second.connections) == (1, 1), "one TLS handshake per host"
    assert contexts == [], "no TLS context is built per call or per connection"


def test_a_server_certificate_from_another_ca_is_a_tls_error(stand_in):
    client = Client(call_deadline=1.0)  # certifi's bundle: does not know the stand-in CA
    try:
        assert client.fetch("GET", f"{stand_in.url}/", budget=2).reason == outbound.TLS_ERROR
    finally:
        client.close()


@pytest.mark.parametrize("case", ["refused", "hang", "trickle", "silent dns", "slow"])
def test_every_failure_returns_within_the_budget_and_never_raises(http, stand_in, refusing, silent_dns, case):
    url = {"refused": refusing.url, "silent dns": silent_dns.url()}.get(case, stand_in.url)
    if case in ("hang", "trickle"):
        stand_in.mode = case
        stand_in.body = b'"Europe/London"' * 20
    stand_in.latency = 3.0 if case == "slow" else 0.0
    outcome, seconds = timed(http.fetch, "GET", f"{url}/v2/devices/d/settings", budget=0.3)
    assert not outcome.ok and outcome.reason in (outbound.REFUSED, outbound.OVER_BUDGET)
    assert seconds < 0.3 + MARGIN


def test_a_trickled_body_ends_at_the_call_deadline_and_frees_its_thread(http, stand_in):
    stand_in.mode, stand_in.body, stand_in.trickle_every = "trickle", b"x" * 400, 0.02
    outcome, seconds = timed(http.fetch, "GET", f"{stand_in.url}/", budget=5)
    assert outcome.reason == outbound.TIMEOUT and outcome.status == 200
    assert 0.9 < seconds < 1.0 + MARGIN  # call_deadline=1.0, though each byte came in time
    stand_in.mode = "answer"
    assert http.fetch("GET", f"{stand_in.url}/", budget=2).ok


@pytest.mark.parametrize("status,body,max_bytes,reason", [
    (401, b"{}", 1000, outbound.BAD_STATUS), (302, b"", 1000, outbound.BAD_STATUS),
    (503, b"down", 1000, outbound.SERVER_ERROR), (200, b"x" * 2000, 1000, outbound.TOO_LARGE),
])
def test_bad_answers_say_why(http, stand_in, status, body, max_bytes, reason):
    stand_in.status, stand_in.body = status, body
    outcome = http.fetch("GET", f"{stand_in.url}/", budget=2, max_bytes=max_bytes)
    assert (outcome.ok, outcome.reason, outcome.status, outcome.body) == (False, reason, status, b"")
    assert len(stand_in.requests) == 1, "no redirect followed, no retry"


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/x", "https://user:pw@127.0.0.1/", "not a url",
                                 "http://[::1/", "https:///path", "file:///etc/passwd"])
def test_bad_urls_are_refused_without_a_call(http, url):
    assert http.fetch("GET", url, budget=1) == outbound.Outcome(False, outbound.BAD_URL)


def test_the_breaker_opens_fails_fast_half_opens_and_closes(http, stand_in, clock):
    """`failing(base URL)` (what a caller asks before building a call) agrees with the breaker throughout."""
    stand_in.status = 503
    for _ in range(3):
        assert not http.failing(stand_in.url)
        assert http.fetch("GET", f"{stand_in.url}/", budget=2).reason == outbound.SERVER_ERROR
    assert http.failing(stand_in.url) and http.failing(f"{stand_in.url}/")
    assert not http.failing("https://127.0.0.1:1") and not http.failing("not a url")
    started = time.monotonic()
    for _ in range(100):
        assert http.fetch("GET", f"{stand_in.url}/", budget=2).reason == outbound.CIRCUIT_OPEN
    assert (time.monotonic() - started) / 100 < 0.005
    assert len(stand_in.requests) == 3, "while open, the server sees nothing"

    clock.now += 31  # half-open: one trial, still failing: open again at once
    assert not http.failing(stand_in.url), "due for its trial"
    assert http.fetch("GET", f"{stand_in.url}/", budget=2).reason == outbound.SERVER_ERROR
    assert http.failing(stand_in.url)
    assert http.fetch("GET", f"{stand_in.url}/", budget=2).reason == outbound.CIRCUIT_OPEN
    assert len(stand_in.requests) == 4

    clock.now += 31
    stand_in.status = 200
    assert http.fetch("GET", f"{stand_in.url}/", budget=2).ok
    assert all(http.fetch("GET", f"{stand_in.url}/", budget=2).ok for _ in range(3))
    assert len(stand_in.requests) == 8
    assert not http.failing(stand_in.url)


def wait_for(condition, seconds: float = 5.0) -> bool:
    """Whether `condition()` became true within `seconds` (polled)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_a_hanging_host_costs_one_slow_call_per_window(http, stand_in, clock):
    """With open_on_overrun (the Settings API look-up), the first call past its budget opens the
    breaker: the next callers do not pay the budget again."""
    stand_in.mode = "hang"
    outcome, slow = timed(http.fetch, "GET", f"{stand_in.url}/", budget=0.2, open_on_overrun=True)
    fast = [timed(http.fetch, "GET", f"{stand_in.url}/", budget=0.2) for _ in range(20)]
    assert outcome.reason == outbound.OVER_BUDGET and 0.15 < slow < 0.2 + MARGIN
    assert all(o.reason == outbound.CIRCUIT_OPEN and s < 0.05 for o, s in fast)
    clock.now += 31  # the window is over: the trial goes out in the background, nobody waits for it
    outcome, seconds = timed(http.fetch, "GET", f"{stand_in.url}/", budget=0.2, open_on_overrun=True)
    assert outcome.reason == outbound.CIRCUIT_OPEN and seconds < 0.05
    assert http.fetch("GET", f"{stand_in.url}/", budget=0.2, open_on_overrun=True).reason == outbound.CIRCUIT_OPEN
    assert wait_for(lambda: len(stand_in.requests) == 2)


def test_the_background_trial_of_a_recovered_host_closes_the_breaker_and_hands_over_its_answer(
        http, stand_in, clock):
    stand_in.mode = "hang"
    assert http.fetch("GET", f"{stand_in.url}/", budget=0.2, open_on_overrun=True).reason == outbound.OVER_BUDGET
    stand_in.mode = "answer"
    clock.now += 31
    late, arrived = [], threading.Event()
    outcome = http.fetch("GET", f"{stand_in.url}/", budget=0.2, open_on_overrun=True,
                         on_late=lambda o: (late.append(o), arrived.set()))
    assert outcome.reason == outbound.CIRCUIT_OPEN, "the request does not wait for the trial"
    assert arrived.wait(5) and late[0].ok
    assert wait_for(lambda: http.fetch("GET", f"{stand_in.url}/", budget=1, open_on_overrun=True).ok)


def test_without_open_on_overrun_a_hanging_host_costs_three_slow_calls(http, stand_in):
    stand_in.mode = "hang"
    slow = [timed(http.fetch, "GET", f"{stand_in.url}/", budget=0.2)[1] for _ in range(3)]
    assert all(0.15 < s < 0.2 + MARGIN for s in slow)
    assert http.fetch("GET", f"{stand_in.url}/", budget=0.2).reason == outbound.CIRCUIT_OPEN
    assert len(stand_in.requests) == 3


def test_a_slow_host_that_answers_late_closes_the_breaker_and_is_logged_once(http, stand_in, clock, caplog):
    caplog.set_level(logging.INFO, logger="skill")
    stand_in.latency = 0.3
    for _ in range(4):
        arrived = threading.Event()
        outcome = http.fetch("GET", f"{stand_in.url}/", budget=0.05, on_late=lambda o: arrived.set(),
                             open_on_overrun=True)
        assert outcome.reason == outbound.OVER_BUDGET, "each call asks again: the late answer closed the breaker"
        assert arrived.wait(5)
        time.sleep(0.05)  # the worker reports to the breaker, then calls back
    messages = [r.getMessage() for r in caplog.records if r.name.startswith("skill")]
    host = f"127.0.0.1:{stand_in.port}"
    assert messages == [f"{host} failing: over budget; answering without it for 30 s", f"{host} works again"]
    assert len(stand_in.requests) == 4


def test_client_errors_do_not_open_the_breaker(http, stand_in):
    stand_in.status = 401
    assert all(http.fetch("GET", f"{stand_in.url}/", budget=2).reason == outbound.BAD_STATUS for _ in range(6))
    assert len(stand_in.requests) == 6


def test_logs_say_it_once_per_incident_with_host_and_reason_only(http, stand_in, clock, caplog):
    caplog.set_level(logging.DEBUG, logger="skill")
    device, token = "amzn1.ask.device.SECRETDEVICE", "SECRETTOKEN"
    url = f"{stand_in.url}/v2/devices/{device}/settings/System.timeZone?q=SECRETQUERY"
    stand_in.status = 500
    for _ in range(3):
        for _ in range(10):
            http.fetch("GET", url, headers={"Authorization": f"Bearer {token}"}, budget=2)
        clock.now += 31
    stand_in.status = 200
    for _ in range(5):
        assert http.fetch("GET", url, headers={"Authorization": f"Bearer {token}"}, budget=2).ok
    host = f"127.0.0.1:{stand_in.port}"
    ours = [r for r in caplog.records if r.name.startswith("skill")]
    assert [(r.levelname, r.getMessage()) for r in ours] == [
        ("WARNING", f"{host} failing: server error; answering without it for 30 s"),
        ("INFO", f"{host} works again"),
    ]
    loud = [r for r in caplog.records if r.name.startswith("skill") or r.levelno >= logging.WARNING]
    for text in [r.getMessage() for r in loud] + [caplog.text]:
        assert not any(secret in text for secret in ("SECRET", "/v2/devices", "Bearer"))


def test_a_late_answer_reaches_the_callback(http, stand_in):
    stand_in.latency = 0.4
    late, arrived = [], threading.Event()
    outcome, seconds = timed(http.fetch, "GET", f"{stand_in.url}/", budget=0.05,
                             on_late=lambda o: (late.append(o), arrived.set()))
    assert outcome.reason == outbound.OVER_BUDGET and seconds < 0.05 + MARGIN
    assert arrived.wait(5) and late[0].ok and late[0].body == b'"Europe/London"'


def test_background_calls_report_to_on_done_and_a_failing_callback_harms_nothing(http, stand_in, caplog):
    done = threading.Event()
    assert http.fetch_in_background("GET", f"{stand_in.url}/", on_done=lambda o: done.set() if o.ok else None)
    assert done.wait(5)
    crashed = threading.Event()

    def crash(outcome):
        crashed.set()
        raise RuntimeError("bug in a callback")

    assert http.fetch_in_background("GET", f"{stand_in.url}/", on_done=crash)
    assert crashed.wait(5)
    assert http.fetch("GET", f"{stand_in.url}/", budget=2).ok


def test_a_full_pool_fails_fast_and_one_hung_host_leaves_room_for_others(test_ca, stand_in):
    client = Client(ca_file=str(test_ca.ca_file), max_in_flight=3, max_per_host=2, call_deadline=1.0)
    stand_in.mode = "hang"
    try:
        with HTTPSStandIn(test_ca) as healthy:
            assert client.fetch_in_background("GET", f"{stand_in.url}/", on_done=lambda o: None)
            assert client.fetch_in_background("GET", f"{stand_in.url}/", on_done=lambda o: None)
            outcome, seconds = timed(client.fetch, "GET", f"{stand_in.url}/", budget=2)
            assert outcome.reason == outbound.BUSY and seconds < 0.1, "no queueing behind hung calls"
            assert client.fetch("GET", f"{healthy.url}/", budget=2).ok, "another host still has a thread"
    finally:
        client.close()


def test_after_a_fork_the_child_builds_its_own_pool_and_threads(http, stand_in):
    assert http.fetch("GET", f"{stand_in.url}/parent", budget=2).ok
    parent_pool = http._pool
    read, write = os.pipe()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # 3.12+: fork of a threaded process
        pid = os.fork()
    if pid == 0:  # the child: report and leave without running any pytest machinery
        code = 1
        try:
            outcome = http.fetch("GET", f"{stand_in.url}/child", budget=3)
            rebuilt = http._pool is not parent_pool and http._pid == os.getpid()
            os.write(write, b"ok" if outcome.ok and rebuilt else repr((outcome, rebuilt)).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    report = os.read(read, 200)
    os.close(read)
    assert os.waitpid(pid, 0)[1] == 0 and report == b"ok"
    assert http.fetch("GET", f"{stand_in.url}/parent", budget=2).ok, "the parent's connection is intact"
    assert [r.path for r in stand_in.requests] == ["/parent", "/child", "/parent"]
    assert stand_in.connections == 2, "the child made its own connection; the parent kept its own"
