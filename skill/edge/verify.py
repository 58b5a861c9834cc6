"""Verify that an HTTPS request really comes from Alexa (built on ``cryptography`` only).

Implements Amazon's web-service checks: the ``SignatureCertChainUrl`` rules, the
certificate chain (dates, SAN ``echo-api.amazon.com``, trust path), the
``Signature-256`` signature over the raw body, the request timestamp tolerance
and the skill id. Every failure raises :class:`VerificationError`, whose
``reason`` is short, fixed English text safe to return and to log.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import os
import tempfile
import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import certifi
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509 import verification as x509v

from ..backends.outbound import Client
from .certificates import ChainDownloader
from .cert_url import (  # noqa: F401 - VerificationError and the URL rules are part of this API
    CERT_HOST, CERT_PATH_PREFIX, VerificationError, _validated_cert_url, validate_cert_url,
)

logger = logging.getLogger(__name__)

CERT_URL_HEADER = "SignatureCertChainUrl"
SIGNATURE_HEADER = "Signature-256"
ECHO_API_DOMAIN = "echo-api.amazon.com"
REQUEST_TOLERANCE = timedelta(seconds=150)
SKILL_EVENT_TOLERANCE = timedelta(hours=1)
SKILL_EVENT_PREFIX = "AlexaSkillEvent."
MEMORY_CACHE_SIZE = 32



_PADDING = padding.PKCS1v15()
_SHA256 = hashes.SHA256()


def _header(headers: Mapping[str, str], name: str) -> str | None:
    """A header by name, case-insensitively (werkzeug's headers already are; plain dicts are searched)."""
    value = headers.get(name)
    if value is None:
        lower = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == lower), None)
    return value


def _utc_now() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.now(timezone.utc)


# --------------------------------------------------------------------------- certificates


@dataclass(frozen=True, slots=True)
class _TrustedChain:
    """A chain that passed path validation, with what each request needs precomputed."""

    leaf: x509.Certificate
    intermediates: tuple[x509.Certificate, ...]
    public_key: rsa.RSAPublicKey
    not_before: datetime
    not_after: datetime
    revalidate_at: datetime


def load_trusted_roots(ca_file: str | None) -> list[x509.Certificate]:
    """Load the trust anchors from a PEM bundle (``None``: certifi's bundle)."""
    with open(ca_file or certifi.where(), "rb") as handle:
        pem = handle.read()
    # certifi ships a few roots with serial number 0; cryptography 50 warns about each on every load.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*serial number", category=CryptographyDeprecationWarning)
        return x509.load_pem_x509_certificates(pem)


def _parse_chain(pem: bytes) -> tuple[x509.Certificate, tuple[x509.Certificate, ...]]:
    """Split a PEM chain into (leaf, intermediates)."""
    try:
        certificates = x509.load_pem_x509_certificates(pem)
    except ValueError:
        raise VerificationError("certificate chain could not be parsed") from None
    return certificates[0], tuple(certificates[1:])


def _check_dates(not_before: datetime, not_after: datetime, now: datetime) -> None:
    """Refuse a leaf outside its validity window (both bounds inclusive)."""
    if not not_before <= now <= not_after:
        raise VerificationError("certificate expired or not yet valid")


def _check_leaf_extensions(leaf: x509.Certificate) -> None:
    """Require SAN ``echo-api.amazon.com`` and, if KeyUsage is present, digitalSignature."""
    try:
        names = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        names = x509.SubjectAlternativeName([])
    if ECHO_API_DOMAIN not in names.get_values_for_type(x509.DNSName):
        raise VerificationError("certificate is not for echo-api.amazon.com")
    try:
        usage = leaf.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return
    if not usage.digital_signature:
        raise VerificationError("certificate not allowed to sign")


# --------------------------------------------------------------------------- request fields


def _decode_signature(value: str) -> bytes:
    """Strictly base64-decode the ``Signature-256`` header."""
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise VerificationError("signature header is not valid base64") from None


def _field(container: Any, key: str, kind: type, what: str) -> Any:
    """``container[key]`` if ``container`` is a dict and the value has type ``kind``."""
    value = container.get(key) if isinstance(container, dict) else None
    if not isinstance(value, kind):
        raise VerificationError(f"missing or invalid {what}")
    return value


def _parse_timestamp(value: str) -> datetime:
    """Parse an ISO 8601 timestamp that carries a UTC offset (e.g. ``...Z``)."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise VerificationError("request timestamp is not ISO 8601") from None
    if parsed.tzinfo is None:
        raise VerificationError("request timestamp has no time zone")
    return parsed


# --------------------------------------------------------------------------- verifier


class Verifier:
    """Checks Alexa request signatures and envelopes; safe to share between threads.

    Validated chains are kept per normalised URL (LRU of 32): a cached request
    costs a dict lookup, the leaf date checks and one RSA verify. The full path
    validation is redone once ``revalidate_after`` has passed.
    """

    def __init__(
        self,
        *,
        skill_id: str | None,
        trusted_roots: list[x509.Certificate],
        fetch: Callable[[str], bytes],
        clock: Callable[[], datetime] = _utc_now,
        cache_dir: Path | None = None,
        revalidate_after: timedelta = timedelta(hours=1),
    ) -> None:
        if not trusted_roots:
            raise ValueError("trusted_roots must not be empty")
        self._skill_id = skill_id
        self._store = x509v.Store(trusted_roots)
        self._fetch = fetch
        self._clock = clock
        self._cache_dir = cache_dir
        self._revalidate_after = revalidate_after
        self._chains: OrderedDict[str, _TrustedChain] = OrderedDict()
        self._lock = threading.Lock()

    # ---- public API

    def check_signature(self, headers: Mapping[str, str], body: bytes) -> None:
        """Verify ``Signature-256`` over the exact raw ``body`` with the chain at ``SignatureCertChainUrl``."""
        url = _header(headers, CERT_URL_HEADER)
        encoded_signature = _header(headers, SIGNATURE_HEADER)
        if not url:
            raise VerificationError(f"missing {CERT_URL_HEADER} header")
        if not encoded_signature:
            raise VerificationError(f"missing {SIGNATURE_HEADER} header")
        url = _validated_cert_url(url)
        signature = _decode_signature(encoded_signature)
        chain = self._chain_for(url, self._clock())
        try:
            chain.public_key.verify(signature, body, _PADDING, _SHA256)
        except InvalidSignature:
            raise VerificationError("signature does not match body") from None

    def check_envelope(self, envelope: dict) -> None:
        """Check the request timestamp tolerance and the skill id (call after :meth:`check_signature`)."""
        request = _field(envelope, "request", dict, "request")
        request_type = _field(request, "type", str, "request type")
        timestamp = _parse_timestamp(_field(request, "timestamp", str, "request timestamp"))
        tolerance = SKILL_EVENT_TOLERANCE if request_type.startswith(SKILL_EVENT_PREFIX) else REQUEST_TOLERANCE
        if abs(self._clock() - timestamp) > tolerance:
            raise VerificationError("request timestamp too old or in the future")
        if self._skill_id is None:
            return
        system = _field(_field(envelope, "context", dict, "context"), "System", dict, "context.System")
        application = _field(system, "application", dict, "application")
        if _field(application, "applicationId", str, "application id") != self._skill_id:
            raise VerificationError("skill id mismatch")

    def verify(self, headers: Mapping[str, str], body: bytes) -> dict:
        """Run every check in Amazon's order and return the parsed envelope.

        Signature first (over the raw bytes), then JSON parsing, then timestamp
        and skill id (both read from the now-authenticated body).
        """
        self.check_signature(headers, body)
        try:
            envelope = json.loads(body)
        except ValueError:
            raise VerificationError("request body is not valid JSON") from None
        self.check_envelope(envelope)
        return envelope

    # ---- chain cache

    def _chain_for(self, url: str, now: datetime) -> _TrustedChain:
        """The validated chain for ``url``: cached, revalidated or loaded; leaf dates checked every time."""
        with self._lock:
            chain = self._chains.get(url)
            if chain is not None:
                self._chains.move_to_end(url)
        if chain is None:
            chain = self._load(url, now)
            self._remember(url, chain)
        elif now >= chain.revalidate_at:
            chain = self._validate(chain.leaf, chain.intermediates, now)
            self._remember(url, chain)
        _check_dates(chain.not_before, chain.not_after, now)
        return chain

    def _remember(self, url: str, chain: _TrustedChain) -> None:
        """Store ``chain`` as the most recently used entry, evicting the oldest beyond the bound."""
        with self._lock:
            self._chains[url] = chain
            self._chains.move_to_end(url)
            while len(self._chains) > MEMORY_CACHE_SIZE:
                self._chains.popitem(last=False)

    def _load(self, url: str, now: datetime) -> _TrustedChain:
        """Validate the chain from the disk cache if usable, else download, validate and store it."""
        cached_pem = self._read_disk(url)
        if cached_pem is not None:
            try:
                return self._validate(*_parse_chain(cached_pem), now)
            except VerificationError as error:
                logger.debug("disk-cached certificate chain unusable (%s); downloading", error.reason)
        logger.debug("downloading certificate chain %s", url)
        pem = self._fetch(url)
        chain = self._validate(*_parse_chain(pem), now)
        self._write_disk(url, pem)
        return chain

    def _validate(
        self, leaf: x509.Certificate, intermediates: tuple[x509.Certificate, ...], now: datetime,
    ) -> _TrustedChain:
        """Full check of a chain at ``now``: leaf dates, SAN, KeyUsage, trust path, RSA key."""
        not_before, not_after = leaf.not_valid_before_utc, leaf.not_valid_after_utc
        _check_dates(not_before, not_after, now)
        _check_leaf_extensions(leaf)
        verifier = (
            x509v.PolicyBuilder().store(self._store).time(now)
            .build_server_verifier(x509v.DNSName(ECHO_API_DOMAIN))
        )
        try:
            verifier.verify(leaf, list(intermediates))
        except x509v.VerificationError as error:
            logger.debug("certificate path validation failed: %s", error)
            raise VerificationError("certificate chain not trusted") from None
        public_key = leaf.public_key()
        if not isinstance(public_key, rsa.RSAPublicKey):
            raise VerificationError("certificate key is not RSA")
        return _TrustedChain(leaf, intermediates, public_key, not_before, not_after, now + self._revalidate_after)

    # ---- disk cache

    def _disk_path(self, url: str) -> Path | None:
        """Where the PEM for ``url`` lives in the disk cache (None when disabled)."""
        if self._cache_dir is None:
            return None
        return self._cache_dir / f"{hashlib.sha256(url.encode()).hexdigest()}.pem"

    def _read_disk(self, url: str) -> bytes | None:
        """The disk-cached PEM for ``url``, or None."""
        path = self._disk_path(url)
        try:
            return path.read_bytes() if path is not None else None
        except OSError:
            return None

    def _write_disk(self, url: str, pem: bytes) -> None:
        """Atomically store a validated PEM; a failure only costs a future download."""
        path = self._disk_path(url)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            descriptor, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(pem)
            os.replace(temporary, path)
        except OSError as error:
            logger.debug("could not write certificate cache: %s", error.strerror)


def make_verifier(config: Mapping[str, Any], client: Client | None = None) -> Verifier:
    """Build a :class:`Verifier` from Flask-style config.

    Keys (all optional): ``SKILL_ID``, ``TRUSTED_CA_FILE`` (PEM bundle, default
    certifi), ``CERT_FETCHER`` (url -> PEM bytes), ``CERT_CACHE_DIR``, ``CLOCK``
    (-> aware UTC datetime; a test seam).
    """
    cache_dir = config.get("CERT_CACHE_DIR")
    return Verifier(
        skill_id=config.get("SKILL_ID") or None,
        trusted_roots=load_trusted_roots(config.get("TRUSTED_CA_FILE")),
        fetch=config.get("CERT_FETCHER") or ChainDownloader(client),
        clock=config.get("CLOCK") or _utc_now,
        cache_dir=Path(cache_dir) if cache_dir else None,
    )
