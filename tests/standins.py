"""Loopback stand-ins for the services Back Coach calls; nothing leaves the machine.

- :func:`make_test_ca`: a CA and a server certificate (127.0.0.1, localhost, the Alexa API
  hosts, s3.amazonaws.com), minted with ``cryptography``; clients trust it through a CA file.
- :class:`HTTPSStandIn`: a real TLS, keep-alive HTTP/1.1 server on 127.0.0.1 whose behaviour a
  test sets: answer (after ``latency``) with a status and body, ``hang`` (read the request,
  never answer), ``trickle`` (the body a byte at a time). It records every request (GET, POST,
  PUT, DELETE; with its body) and counts TLS handshakes, i.e. connections.
- :class:`RefusingPort`: an https URL on a loopback port where nothing listens (a socket bound
  but not listening, so the kernel answers RST and no other test can take the port meanwhile).
- :class:`SilentDNS`: host names under ``.never-answers.test`` whose resolution never returns.
  It replaces ``socket.getaddrinfo`` for those names only. Why not a UDP DNS server that never
  replies: glibc takes its name servers from /etc/resolv.conf only, so pointing the process at
  one would mean changing the machine. The replacement blocks exactly where a silent resolver
  blocks, inside ``getaddrinfo`` on the calling thread, where no socket timeout applies; what is
  tested (the caller is not held, the thread is tied up until the resolver gives up) is the same.

``pytest`` fixtures for all of them are at the end; import them into a test module.
"""

from __future__ import annotations

import ipaddress
import socket
import socketserver
import ssl
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

SERVER_NAMES = ("localhost", "api.amazonalexa.com", "api.eu.amazonalexa.com", "s3.amazonaws.com")
SILENT_SUFFIX = ".never-answers.test"


@dataclass(frozen=True)
class TestCA:
    """Paths of a test CA (``ca_file``, what clients trust) and of the server's certificate and key."""

    __test__ = False  # not a pytest test class despite the name

    ca_file: Path
    cert_file: Path
    key_file: Path


def make_test_ca(directory: Path, names: tuple[str, ...] = SERVER_NAMES) -> TestCA:
    """Mint a CA and a server certificate for ``names`` and 127.0.0.1 into ``directory`` (EC keys: fast)."""
    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.now(timezone.utc)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Back Coach stand-in CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
          .not_valid_after(now + timedelta(days=30))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    san = [x509.DNSName(name) for name in names] + [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    server = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
              .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
              .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30))
              .add_extension(x509.SubjectAlternativeName(san), critical=False)
              .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
              .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
              .sign(ca_key, hashes.SHA256()))
    paths = TestCA(directory / "ca.pem", directory / "server.pem", directory / "server.key")
    paths.ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths.cert_file.write_bytes(server.public_bytes(serialization.Encoding.PEM))
    paths.key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                 serialization.NoEncryption()))
    return paths


@dataclass(frozen=True)
class Seen:
    """One request the stand-in received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes = b""


class HTTPSStandIn:
    """A TLS HTTP/1.1 server on 127.0.0.1 (keep-alive); set ``mode``, ``latency``, ``status``, ``body``.

    ``mode``: "answer" (default), "hang" (read the request, never answer until closed) or
    "trickle" (headers at once, then the body one byte every ``trickle_every`` seconds).
    ``responder(seen) -> (status, body)``, when set, answers instead of ``status``/``body``.
    ``requests`` lists what arrived; ``connections`` counts completed TLS handshakes.
    """

    def __init__(self, ca: TestCA, *, body: bytes = b'"Europe/London"', status: int = 200,
                 latency: float = 0.0, content_type: str = "application/json") -> None:
        self.mode, self.body, self.status, self.latency, self.content_type = "answer", body, status, latency, content_type
        self.trickle_every = 0.05
        self.responder = None
        self.requests: list[Seen] = []
        self.connections = 0
        self._stop = threading.Event()
        self._sockets: set[socket.socket] = set()
        self._context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._context.load_cert_chain(ca.cert_file, ca.key_file)
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._server.handle_error = lambda request, address: None  # a client hanging up is not news
        self.port = self._server.server_address[1]
        self.url = f"https://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.01,), daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop serving, release hanging answers and cut every open connection."""
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()
        for sock in list(self._sockets):
            try:
                sock.shutdown(socket.SHUT_RDWR)  # the handler thread then ends and closes it
            except OSError:
                pass

    def __enter__(self) -> HTTPSStandIn:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _handler(stand_in: HTTPSStandIn) -> type[BaseHTTPRequestHandler]:
    """The request handler class bound to ``stand_in``."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        timeout = 10

        def setup(self) -> None:
            self.request.settimeout(self.timeout)
            self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no 40 ms Nagle stalls
            raw = self.request
            try:
                self.request = stand_in._context.wrap_socket(raw, server_side=True)
            except OSError:  # the client refused our certificate or hung up
                raw.close()
                raise
            stand_in._sockets.add(self.request)
            stand_in.connections += 1
            super().setup()

        def finish(self) -> None:
            stand_in._sockets.discard(self.request)
            try:
                super().finish()
            except OSError:
                pass
            finally:
                self.request.close()

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            self._answer()

        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            self._answer(self.rfile.read(int(self.headers.get("Content-Length") or 0)))

        do_PUT = do_POST  # noqa: N815 - http.server's name

        def do_DELETE(self) -> None:  # noqa: N802 - http.server's name
            self._answer()

        def _answer(self, body: bytes = b"") -> None:
            seen = Seen(self.command, self.path, dict(self.headers.items()), body)
            stand_in.requests.append(seen)
            if stand_in.mode == "hang":
                stand_in._stop.wait(60)
                self.close_connection = True
                return
            if stand_in.latency:
                stand_in._stop.wait(stand_in.latency)
            status, body = stand_in.responder(seen) if stand_in.responder else (stand_in.status, stand_in.body)
            self.send_response(status)
            self.send_header("Content-Type", stand_in.content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if stand_in.mode == "trickle":
                for index in range(len(body)):
                    self.wfile.write(body[index:index + 1])
                    self.wfile.flush()
                    if stand_in._stop.wait(stand_in.trickle_every):
                        break
            else:
                self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


class RefusingPort:
    """``url``: https on a loopback port that refuses connections (bound, never listening)."""

    def __init__(self) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        self.port = self._socket.getsockname()[1]
        self.url = f"https://127.0.0.1:{self.port}"

    def close(self) -> None:
        """Free the port."""
        self._socket.close()


class SilentDNS:
    """Names ending in ``.never-answers.test`` never resolve until :meth:`close`; others resolve normally.

    ``calls`` counts the look-ups that blocked. :meth:`close` restores ``socket.getaddrinfo`` and
    lets the blocked ones fail (``socket.gaierror``), as a resolver giving up would.
    """

    def __init__(self) -> None:
        self.calls = 0
        self._release = threading.Event()
        self._real = socket.getaddrinfo
        socket.getaddrinfo = self._getaddrinfo

    def url(self, name: str = "api") -> str:
        """An https URL whose host never resolves."""
        return f"https://{name}{SILENT_SUFFIX}"

    def _getaddrinfo(self, host, *args, **kwargs):  # the signature of socket.getaddrinfo
        if isinstance(host, str) and host.endswith(SILENT_SUFFIX):
            self.calls += 1
            self._release.wait(60)
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        return self._real(host, *args, **kwargs)

    def close(self) -> None:
        """Put the real resolver back and release the blocked look-ups."""
        socket.getaddrinfo = self._real
        self._release.set()


# --------------------------------------------------------------------------- pytest fixtures


@pytest.fixture(scope="session")
def test_ca(tmp_path_factory) -> TestCA:
    """One stand-in CA for the session."""
    return make_test_ca(tmp_path_factory.mktemp("standin-ca"))


@pytest.fixture
def stand_in(test_ca):
    """A fresh HTTPS stand-in answering ``"Europe/London"``."""
    with HTTPSStandIn(test_ca) as server:
        yield server


@pytest.fixture
def refusing():
    """A loopback https URL that refuses connections."""
    port = RefusingPort()
    yield port
    port.close()


@pytest.fixture
def silent_dns():
    """Host names that never resolve (see :class:`SilentDNS`)."""
    dns = SilentDNS()
    yield dns
    dns.close()
