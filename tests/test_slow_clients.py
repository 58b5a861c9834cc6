"""gunicorn alone (no nginx in front) under slow clients: the worker degrades, it does not stall.

A real gunicorn on loopback with deploy/gunicorn.conf.py (one worker of 4 threads), six clients
that trickle their headers or their body a byte at a time (the issue's attack), and normal
requests meanwhile: each is answered within a few seconds, and every slow connection is cut
after the configured read time.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from postgres_server import free_port
from skill.simulator import envelopes as env

ROOT = Path(__file__).resolve().parent.parent
READ_SECONDS = 2.0  # BACKCOACH_READ_TIMEOUT for this server
SLOW_CLIENTS = 6
#: A normal request waits behind at most two slow ones per thread: about READ_SECONDS. Generous.
NORMAL_BOUND = 3 * READ_SECONDS


class SlowClient(threading.Thread):
    """Trickles a request one byte per 0.3 s, reconnecting whenever the server closes it."""

    def __init__(self, port: int, body: bool, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.port, self.body, self.stop = port, body, stop
        self.lifetimes: list[float] = []
        self.answers: list[bytes] = []

    def run(self) -> None:
        while not self.stop.is_set():
            started = time.monotonic()
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=10) as sock:
                    if self.body:
                        sock.sendall(b"POST /alexa HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                     b"Content-Length: 5000\r\n\r\n")
                    trickle = b"{" + b" " * 4999 if self.body else b"POST /alexa HTTP/1.1\r\n" + b"X-Slow: y\r\n" * 500
                    for byte in trickle:
                        if self.stop.wait(0.3):
                            return
                        sock.sendall(bytes([byte]))
            except OSError:
                pass
            self.lifetimes.append(time.monotonic() - started)
            self.stop.wait(0.05)


def post_launch(url: str, n: int) -> tuple[int, float]:
    body = json.dumps(env.envelope(env.launch_request(), user_id=f"amzn1.ask.account.SLOW{n}",
                                   api_endpoint="http://127.0.0.1:9")).encode()
    request = urllib.request.Request(f"{url}/alexa", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, time.monotonic() - started
    except OSError:
        return 0, time.monotonic() - started


@pytest.fixture
def server(tmp_path):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "gunicorn.log"
    environment = {**os.environ, "BACKCOACH_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "1",
                   "BACKCOACH_VERIFY_SIGNATURE": "false", "BACKCOACH_USER_KEY_SECRET": "5e" * 32,
                   "BACKCOACH_INSTANCE_PATH": str(tmp_path / "instance"),
                   "BACKCOACH_READ_TIMEOUT": str(READ_SECONDS)}
    with log.open("wb") as output:
        process = subprocess.Popen([sys.executable, "-m", "gunicorn", "skill.app:create_app()",
                                    "-c", str(ROOT / "deploy/gunicorn.conf.py")],
                                   cwd=ROOT, stdout=output, stderr=subprocess.STDOUT, env=environment)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, log.read_text()[-2000:]
            try:
                urllib.request.urlopen(f"{url}/healthz", timeout=2).close()
                break
            except OSError:
                assert time.monotonic() < deadline, log.read_text()[-2000:]
                time.sleep(0.1)
        yield port, url, log
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def test_normal_requests_are_answered_while_slow_clients_trickle(server):
    port, url, log = server
    stop = threading.Event()
    slow = [SlowClient(port, body=n % 2 == 1, stop=stop) for n in range(SLOW_CLIENTS)]
    for client in slow:
        client.start()
    try:
        time.sleep(1.0)  # every thread is now busy with a slow client
        answers = []
        for n in range(4):
            answers.append(post_launch(url, n))
            time.sleep(0.5)
    finally:
        stop.set()
        for client in slow:
            client.join(10)
    assert all(status == 200 for status, _ in answers), (answers, log.read_text()[-2000:])
    slowest = max(seconds for _, seconds in answers)
    assert slowest < NORMAL_BOUND, f"a normal request waited {slowest:.1f} s behind slow clients"
    cut = [seconds for client in slow for seconds in client.lifetimes[:-1]]  # the last one was ours to end
    assert cut, "no slow connection was cut: the read deadline never fired"
    assert max(cut) < READ_SECONDS + 3.0, f"a slow connection lived {max(cut):.1f} s"
    assert "Traceback" not in log.read_text()


def test_the_alexa_endpoint_reads_chunked_bodies_and_refuses_bad_requests_with_reasons(server):
    """/alexa is a plain WSGI function in front of Flask: what Flask did for it, it does on a real server."""
    import http.client
    port, url, log = server
    body = json.dumps(env.envelope(env.launch_request(), user_id="amzn1.ask.account.CHUNKED",
                                   api_endpoint="http://127.0.0.1:9")).encode()

    def ask(method: str, headers: dict, payload=None, chunked: bool = False) -> tuple[int, dict, dict]:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            connection.request(method, "/alexa", body=payload, headers=headers, encode_chunked=chunked)
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), json.loads(response.read())
        finally:
            connection.close()

    status, _, answer = ask("POST", {"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
                            iter([body[:100], body[100:]]), chunked=True)
    assert status == 200 and "Back Coach" in answer["response"]["outputSpeech"]["ssml"]
    status, headers, answer = ask("GET", {})
    assert status == 405 and headers["Allow"] == "POST" and answer["error"]
    status, _, answer = ask("POST", {"Content-Type": "text/plain", "Content-Length": "2"}, b"{}")
    assert status == 415 and "application/json" in answer["error"]
    status, _, answer = ask("POST", {"Content-Type": "application/json; charset=utf-8"}, b"{")
    assert status == 400 and answer["error"] == "body is not valid JSON"
    assert "Traceback" not in log.read_text()
