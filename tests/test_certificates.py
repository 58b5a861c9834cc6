"""The signing-certificate download (skill.edge.certificates) through a TLS stand-in of S3.

The client connects to the stand-in for ``s3.amazonaws.com:443`` (``connect_to``) while TLS
still checks the stand-in's certificate for the name ``s3.amazonaws.com``: the URL that is
validated is exactly the one that is requested.
"""

from __future__ import annotations

import threading
import time

import pytest

from skill.edge.certificates import ChainDownloader
from skill.backends.outbound import Client
from skill.simulator.signing import make_test_authority
from skill.edge.verify import VerificationError, Verifier, load_trusted_roots
from standins import HTTPSStandIn, RefusingPort, make_test_ca, test_ca  # noqa: F401 - pytest fixture

URL = "https://s3.amazonaws.com/echo.api/echo-api-cert-12.pem"
PEM = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
MARGIN = 0.7


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def s3(test_ca):
    with HTTPSStandIn(test_ca, body=PEM, content_type="application/x-pem-file") as server:
        yield server


def downloader_for(test_ca, port, clock, **client_options):
    client = Client(ca_file=str(test_ca.ca_file), connect_to={"s3.amazonaws.com:443": ("127.0.0.1", port)},
                    clock=clock, connect_timeout=0.5, read_timeout=0.5, call_deadline=1.0, **client_options)
    return client, ChainDownloader(client, clock=clock)


@pytest.fixture
def download(test_ca, s3, clock):
    client, downloader = downloader_for(test_ca, s3.port, clock)
    yield downloader
    client.close()


def test_the_chain_comes_from_the_validated_url(download, s3):
    assert download(URL) == PEM
    seen = s3.requests[0]
    assert (seen.path, seen.headers["Host"]) == ("/echo.api/echo-api-cert-12.pem", "s3.amazonaws.com")


def test_the_tls_certificate_must_be_for_s3(tmp_path, clock):
    wrong = make_test_ca(tmp_path / "wrong", names=("localhost",))
    with HTTPSStandIn(wrong, body=PEM) as impostor:
        client, download = downloader_for(wrong, impostor.port, clock)
        with pytest.raises(VerificationError, match="certificate download failed: tls error"):
            download(URL)
        client.close()
    assert impostor.requests == []


@pytest.mark.parametrize("url", ["http://s3.amazonaws.com/echo.api/x.pem", "https://evil.com/echo.api/x.pem",
                                 "https://s3.amazonaws.com/other/x.pem", "https://s3.amazonaws.com:8443/echo.api/x"])
def test_bad_urls_are_rejected_before_any_call(download, s3, url):
    with pytest.raises(VerificationError, match="certificate URL rejected"):
        download(url)
    assert s3.requests == []


@pytest.mark.parametrize("status,body,message", [
    (301, b"", "certificate download failed: bad status"), (404, b"", "certificate download failed: bad status"),
    (204, b"", "certificate download failed: HTTP status"), (200, b"x" * 70000, "certificate download too large"),
])
def test_bad_answers_raise(download, s3, status, body, message):
    s3.status, s3.body = status, body
    with pytest.raises(VerificationError, match=message):
        download(URL)
    assert len(s3.requests) == 1, "no redirect followed"


def test_twenty_concurrent_callers_share_one_download(download, s3):
    s3.latency = 0.3
    start, results = threading.Barrier(20), []

    def call():
        start.wait()
        results.append(download(URL, budget=3))

    threads = [threading.Thread(target=call) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert results == [PEM] * 20
    assert len(s3.requests) == 1 and s3.connections == 1


def test_a_failure_is_remembered_for_a_few_seconds(download, s3, clock):
    s3.status = 500
    with pytest.raises(VerificationError, match="server error"):
        download(URL)
    s3.status = 200
    with pytest.raises(VerificationError, match="server error"):
        download(URL)
    assert len(s3.requests) == 1
    clock.now += 6
    assert download(URL) == PEM and len(s3.requests) == 2


def test_a_hung_url_costs_one_slow_call_then_fails_fast(download, s3, clock):
    s3.mode = "hang"
    times = []
    for _ in range(3):
        started = time.monotonic()
        with pytest.raises(VerificationError, match="over budget"):
            download(URL, budget=0.2)
        times.append(time.monotonic() - started)
        clock.now += 6  # past the failure memory: only the breaker is left to stop the next call
    assert all(t < 0.2 + MARGIN for t in times)
    for _ in range(20):
        started = time.monotonic()
        with pytest.raises(VerificationError, match="certificate download failed: circuit open"):
            download(URL, budget=0.2)
        assert time.monotonic() - started < 0.05
    assert len(s3.requests) == 3


def test_a_refusing_host_fails_fast(test_ca, clock):
    port = RefusingPort()
    client, download = downloader_for(test_ca, port.port, clock)
    try:
        started = time.monotonic()
        for reason in ("refused",) * 3 + ("circuit open",) * 3:  # all within the 30 s window
            with pytest.raises(VerificationError, match=reason):
                download(URL)
            clock.now += 6
        assert time.monotonic() - started < 1 + MARGIN
    finally:
        client.close()
        port.close()


def test_a_chain_that_arrives_late_serves_the_next_request(download, s3):
    s3.latency = 0.3
    with pytest.raises(VerificationError, match="over budget"):
        download(URL, budget=0.05)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not download._late:
        time.sleep(0.01)
    assert download(URL, budget=0.05) == PEM
    assert len(s3.requests) == 1


def test_it_plugs_into_the_verifier(test_ca, s3, clock, tmp_path):
    authority = make_test_authority()
    s3.body = authority.chain_pem
    client, download = downloader_for(test_ca, s3.port, clock)
    try:
        verifier = Verifier(skill_id=None, trusted_roots=load_trusted_roots(str(authority.write_root(tmp_path / "r"))),
                            fetch=download)
        body = b'{"request": {"type": "LaunchRequest", "timestamp": "2099-01-01T00:00:00Z"}}'
        verifier.check_signature(authority.sign(body), body)
        verifier.check_signature(authority.sign(body + b" "), body + b" ")
        assert len(s3.requests) == 1
    finally:
        client.close()


def test_the_module_function_takes_the_verifiers_one_argument_and_validates_first():
    from skill.edge.certificates import download_cert_chain
    with pytest.raises(VerificationError, match="certificate URL rejected: host"):
        download_cert_chain("https://127.0.0.1/echo.api/x.pem")
