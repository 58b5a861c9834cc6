"""Tests for skill.edge.verify with real keys, real certificates and real signatures."""

from __future__ import annotations

import base64
import json
import threading
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from skill.simulator.signing import TestAuthority, make_test_authority
from skill.edge.certificates import download_cert_chain
from skill.edge.verify import (
    MEMORY_CACHE_SIZE,
    VerificationError,
    Verifier,
    load_trusted_roots,
    make_verifier,
    validate_cert_url,
)

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=timezone.utc)
SKILL_ID = "amzn1.ask.skill.00000000-0000-0000-0000-000000000000"
AMAZON_URL = "https://s3.amazonaws.com/echo.api/echo-api-cert-12.pem"
AMAZON_CHAIN = Path(__file__).parent / "fixtures" / "amazon-echo-api-cert-12.pem"


# --------------------------------------------------------------------------- helpers


class Clock:
    """A settable clock (the Verifier's time seam)."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class RecordingFetcher:
    """Serves fixed PEM bytes for any URL (or fails) and records every call."""

    pem: bytes | None
    calls: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, url: str) -> bytes:
        with self.lock:
            self.calls.append(url)
        if self.pem is None:
            raise VerificationError("certificate download failed")
        return self.pem


def roots_of(authority: TestAuthority) -> list[x509.Certificate]:
    """The trust anchors for ``authority``."""
    return x509.load_pem_x509_certificates(authority.root_pem)


def verifier_for(
    authority: TestAuthority, *, roots: TestAuthority | None = None, fetch=None, clock=None,
    skill_id: str | None = SKILL_ID, **kwargs,
) -> Verifier:
    """A Verifier trusting ``roots`` (default: ``authority`` itself) and serving its chain."""
    return Verifier(
        skill_id=skill_id,
        trusted_roots=roots_of(roots or authority),
        fetch=fetch or authority.fetcher(),
        clock=clock or Clock(),
        **kwargs,
    )


def iso(moment: datetime) -> str:
    """Alexa's timestamp format."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def envelope(
    timestamp: object = None, request_type: str = "IntentRequest", application_id: object = SKILL_ID,
) -> dict:
    """A minimal request envelope."""
    return {
        "version": "1.0",
        "context": {"System": {"application": {"applicationId": application_id}}},
        "request": {"type": request_type, "timestamp": iso(NOW) if timestamp is None else timestamp},
    }


def body_of(data: dict) -> bytes:
    """Serialise an envelope to the bytes that get signed."""
    return json.dumps(data).encode()


def reason(call, *args) -> str:
    """Run ``call`` expecting a VerificationError and return its reason."""
    with pytest.raises(VerificationError) as caught:
        call(*args)
    return caught.value.reason


BODY = body_of(envelope())


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def authority() -> TestAuthority:
    return make_test_authority(now=NOW)


@pytest.fixture(scope="module")
def stranger() -> TestAuthority:
    """A second, untrusted authority (also a source of a wrong key)."""
    return make_test_authority(now=NOW)


@pytest.fixture
def verifier(authority: TestAuthority) -> Verifier:
    return verifier_for(authority)


# --------------------------------------------------------------------------- URL rules


@pytest.mark.parametrize("url", [
    "https://s3.amazonaws.com/echo.api/echo-api-cert.pem",
    "https://s3.amazonaws.com:443/echo.api/echo-api-cert.pem",
    "https://s3.amazonaws.com/echo.api/../echo.api/echo-api-cert.pem",
])
def test_amazon_valid_url_examples(url: str) -> None:
    assert validate_cert_url(url) == "https://s3.amazonaws.com/echo.api/echo-api-cert.pem"


@pytest.mark.parametrize(("url", "why"), [
    ("http://s3.amazonaws.com/echo.api/echo-api-cert.pem", "scheme"),
    ("https://notamazon.com/echo.api/echo-api-cert.pem", "host"),
    ("https://s3.amazonaws.com/EcHo.aPi/echo-api-cert.pem", "path"),
    ("https://s3.amazonaws.com/invalid.path/echo-api-cert.pem", "path"),
    ("https://s3.amazonaws.com:563/echo.api/echo-api-cert.pem", "port"),
])
def test_amazon_invalid_url_examples(url: str, why: str) -> None:
    assert reason(validate_cert_url, url) == f"certificate URL rejected: {why}"


@pytest.mark.parametrize(("url", "expected"), [
    ("https://S3.AmazonAWS.com/echo.api/cert.pem", "https://s3.amazonaws.com/echo.api/cert.pem"),
    ("HTTPS://s3.amazonaws.com/echo.api/cert.pem", "https://s3.amazonaws.com/echo.api/cert.pem"),
    ("https://s3.amazonaws.com/../echo.api/./cert.pem", "https://s3.amazonaws.com/echo.api/cert.pem"),
    ("https://s3.amazonaws.com/echo.api/a%20b.pem", "https://s3.amazonaws.com/echo.api/a%20b.pem"),
])
def test_url_accepted_and_normalised(url: str, expected: str) -> None:
    assert validate_cert_url(url) == expected


@pytest.mark.parametrize(("url", "why"), [
    ("", "empty or not text"),
    (None, "empty or not text"),
    (b"https://s3.amazonaws.com/echo.api/cert.pem", "empty or not text"),
    ("https://evil.test@s3.amazonaws.com/echo.api/cert.pem", "userinfo"),
    ("https://s3.amazonaws.com/echo.api/cert.pem?x=1", "query"),
    ("https://s3.amazonaws.com/echo.api/cert.pem?", "query"),
    ("https://s3.amazonaws.com/echo.api/cert.pem#frag", "fragment"),
    ("https://s3.amazonaws.com/echo.api/%2e%2e/evil/cert.pem", "encoded separator"),
    ("https://s3.amazonaws.com/echo.api/..%2Fevil/cert.pem", "encoded separator"),
    ("https://s3.amazonaws.com/echo.api/..%5cevil.pem", "encoded separator"),
    ("https://s3.amazonaws.com/echo.api/../evil/cert.pem", "path"),
    ("https://s3.amazonaws.com/echo.api/", "path"),
    ("https://s3.amazonaws.com//echo.api/cert.pem", "path"),
    ("https://s3.amazonaws.com/echo.api/..\\evil.pem", "characters"),
    ("https://s3.amazonaws.com/echo.api/cert .pem", "characters"),
    ("https://s3.amazonaws.com/echo.api/cert\x00.pem", "characters"),
    ("https://s3.amazonaws.com/echo.api/cert\n.pem", "characters"),
    ("https://s3.amazonaws.com/echo.api/c\u00e9rt.pem", "characters"),
    ("https://s3.amazonaws.com/echo.api/cert%00.pem", "characters"),
    ("https://s3.amazonaws.com/echo.api/%c0%ae.pem", "encoding"),
    ("https://s3.amazonaws.com:abc/echo.api/cert.pem", "malformed"),
    ("https://[::1/echo.api/cert.pem", "malformed"),
    ("https://s3.amazonaws.com.evil.test/echo.api/cert.pem", "host"),
    ("https://s3.amazonaws.com./echo.api/cert.pem", "host"),
    ("https:///echo.api/cert.pem", "host"),
    ("//s3.amazonaws.com/echo.api/cert.pem", "scheme"),
    ("ftp://s3.amazonaws.com/echo.api/cert.pem", "scheme"),
    ("https://s3.amazonaws.com:80/echo.api/cert.pem", "port"),
])
def test_hostile_urls_rejected(url: object, why: str) -> None:
    assert reason(validate_cert_url, url) == f"certificate URL rejected: {why}"


def test_bad_url_rejected_before_any_download(authority: TestAuthority) -> None:
    fetch = RecordingFetcher(authority.chain_pem)
    headers = authority.sign(BODY) | {"SignatureCertChainUrl": "https://notamazon.com/echo.api/cert.pem"}
    assert reason(verifier_for(authority, fetch=fetch).check_signature, headers, BODY) == (
        "certificate URL rejected: host"
    )
    assert fetch.calls == []


def test_fetcher_receives_normalised_url(authority: TestAuthority) -> None:
    fetch = RecordingFetcher(authority.chain_pem)
    headers = authority.sign(BODY) | {
        "SignatureCertChainUrl": "HTTPS://S3.AMAZONAWS.COM:443/echo.api/../echo.api/backcoach-test-cert.pem",
    }
    verifier_for(authority, fetch=fetch).check_signature(headers, BODY)
    assert fetch.calls == [authority.cert_url]


def test_download_refuses_bad_url_without_network() -> None:
    assert reason(download_cert_chain, "https://example.com/echo.api/x.pem") == "certificate URL rejected: host"


# --------------------------------------------------------------------------- headers and signature


def test_valid_request_passes(authority: TestAuthority, verifier: Verifier) -> None:
    verifier.check_signature(authority.sign(BODY), BODY)


def test_header_names_are_case_insensitive(authority: TestAuthority, verifier: Verifier) -> None:
    headers = {name.lower(): value for name, value in authority.sign(BODY).items()}
    verifier.check_signature(headers, BODY)


@pytest.mark.parametrize("missing", ["SignatureCertChainUrl", "Signature-256"])
def test_missing_header_rejected(authority: TestAuthority, verifier: Verifier, missing: str) -> None:
    headers = authority.sign(BODY)
    del headers[missing]
    assert reason(verifier.check_signature, headers, BODY) == f"missing {missing} header"


def test_legacy_sha1_signature_header_alone_refused(authority: TestAuthority, verifier: Verifier) -> None:
    sha1 = authority.leaf_key.sign(BODY, padding.PKCS1v15(), hashes.SHA1())
    headers = {"SignatureCertChainUrl": authority.cert_url, "Signature": base64.b64encode(sha1).decode()}
    assert reason(verifier.check_signature, headers, BODY) == "missing Signature-256 header"


def test_signature_over_other_body_rejected(authority: TestAuthority, verifier: Verifier) -> None:
    other = body_of(envelope(request_type="LaunchRequest"))
    assert reason(verifier.check_signature, authority.sign(other), BODY) == "signature does not match body"


def test_one_changed_byte_rejected(authority: TestAuthority, verifier: Verifier) -> None:
    tampered = BODY[:-1] + bytes([BODY[-1] ^ 1])
    assert reason(verifier.check_signature, authority.sign(BODY), tampered) == "signature does not match body"


def test_signature_by_other_key_rejected(
    authority: TestAuthority, stranger: TestAuthority, verifier: Verifier,
) -> None:
    headers = stranger.sign(BODY) | {"SignatureCertChainUrl": authority.cert_url}
    assert reason(verifier.check_signature, headers, BODY) == "signature does not match body"


def test_sha1_signature_in_signature_256_rejected(authority: TestAuthority, verifier: Verifier) -> None:
    sha1 = authority.leaf_key.sign(BODY, padding.PKCS1v15(), hashes.SHA1())
    headers = authority.sign(BODY) | {"Signature-256": base64.b64encode(sha1).decode()}
    assert reason(verifier.check_signature, headers, BODY) == "signature does not match body"


@pytest.mark.parametrize("bad", ["!!!not base64!!!", "abc", "Zm9v\u00e9"])
def test_bad_base64_rejected(authority: TestAuthority, verifier: Verifier, bad: str) -> None:
    headers = authority.sign(BODY) | {"Signature-256": bad}
    assert reason(verifier.check_signature, headers, BODY) == "signature header is not valid base64"


def test_base64_decoded_strictly(authority: TestAuthority, verifier: Verifier) -> None:
    headers = authority.sign(BODY)
    headers["Signature-256"] = "*" + headers["Signature-256"]  # a lenient decoder would drop the "*"
    assert reason(verifier.check_signature, headers, BODY) == "signature header is not valid base64"


# --------------------------------------------------------------------------- chain validation


def test_untrusted_chain_rejected(authority: TestAuthority, stranger: TestAuthority) -> None:
    verifier = verifier_for(stranger, roots=authority)
    assert reason(verifier.check_signature, stranger.sign(BODY), BODY) == "certificate chain not trusted"


def test_leaf_without_echo_api_san_rejected() -> None:
    wrong = make_test_authority(now=NOW, leaf_san="not-echo-api.amazon.com")
    assert reason(verifier_for(wrong).check_signature, wrong.sign(BODY), BODY) == (
        "certificate is not for echo-api.amazon.com"
    )


@pytest.mark.parametrize(("not_before", "not_after"), [
    (NOW - timedelta(days=60), NOW - timedelta(seconds=1)),
    (NOW + timedelta(seconds=1), NOW + timedelta(days=60)),
])
def test_leaf_outside_validity_rejected(not_before: datetime, not_after: datetime) -> None:
    odd = make_test_authority(now=NOW, leaf_not_before=not_before, leaf_not_after=not_after)
    assert reason(verifier_for(odd).check_signature, odd.sign(BODY), BODY) == (
        "certificate expired or not yet valid"
    )


def test_leaf_without_digital_signature_usage_rejected() -> None:
    no_sign = make_test_authority(now=NOW, leaf_digital_signature=False)
    assert reason(verifier_for(no_sign).check_signature, no_sign.sign(BODY), BODY) == (
        "certificate not allowed to sign"
    )


def test_missing_intermediate_rejected(authority: TestAuthority) -> None:
    leaf_only = x509.load_pem_x509_certificates(authority.chain_pem)[0].public_bytes(serialization.Encoding.PEM)
    verifier = verifier_for(authority, fetch=RecordingFetcher(leaf_only))
    assert reason(verifier.check_signature, authority.sign(BODY), BODY) == "certificate chain not trusted"


def test_unparseable_chain_rejected(authority: TestAuthority) -> None:
    verifier = verifier_for(authority, fetch=RecordingFetcher(b"<html>not a certificate</html>"))
    assert reason(verifier.check_signature, authority.sign(BODY), BODY) == "certificate chain could not be parsed"


def _ec_leaf_chain() -> tuple[bytes, bytes]:
    """(root PEM, leaf PEM) for a valid echo-api.amazon.com leaf with an EC key, issued by an RSA root."""
    root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    root_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "EC test root")])
    root = (
        x509.CertificateBuilder().subject_name(root_name).issuer_name(root_name)
        .public_key(root_key.public_key()).serial_number(1)
        .not_valid_before(NOW - timedelta(days=1)).not_valid_after(NOW + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
        .sign(root_key, hashes.SHA256())
    )
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "echo-api.amazon.com")]))
        .issuer_name(root_name).public_key(leaf_key.public_key()).serial_number(2)
        .not_valid_before(NOW - timedelta(days=1)).not_valid_after(NOW + timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("echo-api.amazon.com")]), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False,
        )
        .sign(root_key, hashes.SHA256())
    )
    return root.public_bytes(serialization.Encoding.PEM), leaf.public_bytes(serialization.Encoding.PEM)


def test_non_rsa_leaf_rejected(authority: TestAuthority) -> None:
    root_pem, leaf_pem = _ec_leaf_chain()
    verifier = Verifier(
        skill_id=None, trusted_roots=x509.load_pem_x509_certificates(root_pem),
        fetch=RecordingFetcher(leaf_pem), clock=Clock(),
    )
    assert reason(verifier.check_signature, authority.sign(BODY), BODY) == "certificate key is not RSA"


def test_empty_trust_store_refused() -> None:
    with pytest.raises(ValueError):
        Verifier(skill_id=None, trusted_roots=[], fetch=lambda url: b"")


# --------------------------------------------------------------------------- caching


def test_chain_fetched_once_for_many_requests(authority: TestAuthority) -> None:
    fetch = RecordingFetcher(authority.chain_pem)
    verifier = verifier_for(authority, fetch=fetch)
    for _ in range(20):
        verifier.check_signature(authority.sign(BODY), BODY)
    assert fetch.calls == [authority.cert_url]


@pytest.mark.parametrize("moment", ["after_not_after", "before_not_before"])
def test_leaf_dates_rechecked_on_every_cached_request(authority: TestAuthority, moment: str) -> None:
    leaf = x509.load_pem_x509_certificates(authority.chain_pem)[0]
    clock, fetch = Clock(), RecordingFetcher(authority.chain_pem)
    verifier = verifier_for(authority, fetch=fetch, clock=clock, revalidate_after=timedelta(days=3650))
    verifier.check_signature(authority.sign(BODY), BODY)
    clock.now = (
        leaf.not_valid_after_utc + timedelta(seconds=1) if moment == "after_not_after"
        else leaf.not_valid_before_utc - timedelta(seconds=1)
    )
    assert reason(verifier.check_signature, authority.sign(BODY), BODY) == "certificate expired or not yet valid"
    assert len(fetch.calls) == 1


@pytest.fixture(scope="module")
def short_lived_intermediate() -> TestAuthority:
    """An authority whose intermediate CA expires two hours after NOW (the leaf lives much longer)."""
    return make_test_authority(now=NOW, ca_not_after=NOW + timedelta(hours=2))


def test_path_revalidated_after_interval(short_lived_intermediate: TestAuthority) -> None:
    authority = short_lived_intermediate
    clock, fetch = Clock(), RecordingFetcher(authority.chain_pem)
    verifier = verifier_for(authority, fetch=fetch, clock=clock, revalidate_after=timedelta(hours=1))
    verifier.check_signature(authority.sign(BODY), BODY)
    clock.now = NOW + timedelta(hours=3)
    assert reason(verifier.check_signature, authority.sign(BODY), BODY) == "certificate chain not trusted"
    assert len(fetch.calls) == 1


def test_path_not_revalidated_within_interval(short_lived_intermediate: TestAuthority) -> None:
    authority = short_lived_intermediate
    clock = Clock()
    verifier = verifier_for(authority, clock=clock, revalidate_after=timedelta(hours=10))
    verifier.check_signature(authority.sign(BODY), BODY)
    clock.now = NOW + timedelta(hours=3)
    verifier.check_signature(authority.sign(BODY), BODY)


def test_memory_cache_is_bounded(authority: TestAuthority) -> None:
    fetch = RecordingFetcher(authority.chain_pem)
    verifier = verifier_for(authority, fetch=fetch)
    urls = [f"https://s3.amazonaws.com/echo.api/cert-{index}.pem" for index in range(MEMORY_CACHE_SIZE + 1)]
    for url in urls:
        verifier.check_signature(authority.sign(BODY) | {"SignatureCertChainUrl": url}, BODY)
    verifier.check_signature(authority.sign(BODY) | {"SignatureCertChainUrl": urls[-1]}, BODY)
    assert len(fetch.calls) == MEMORY_CACHE_SIZE + 1
    verifier.check_signature(authority.sign(BODY) | {"SignatureCertChainUrl": urls[0]}, BODY)
    assert fetch.calls[-1] == urls[0] and len(fetch.calls) == MEMORY_CACHE_SIZE + 2


def test_disk_cache_round_trip(authority: TestAuthority, tmp_path: Path) -> None:
    verifier_for(authority, cache_dir=tmp_path).check_signature(authority.sign(BODY), BODY)
    assert len(list(tmp_path.glob("*.pem"))) == 1
    offline = RecordingFetcher(None)
    verifier_for(authority, fetch=offline, cache_dir=tmp_path).check_signature(authority.sign(BODY), BODY)
    assert offline.calls == []


def test_disk_hit_is_validated_like_a_download(
    authority: TestAuthority, stranger: TestAuthority, tmp_path: Path,
) -> None:
    verifier_for(stranger, cache_dir=tmp_path).check_signature(stranger.sign(BODY), BODY)
    offline = RecordingFetcher(None)
    verifier = verifier_for(stranger, roots=authority, fetch=offline, cache_dir=tmp_path)
    assert reason(verifier.check_signature, stranger.sign(BODY), BODY) == "certificate download failed"
    assert offline.calls == [stranger.cert_url]


def test_corrupt_disk_entry_falls_back_to_download(authority: TestAuthority, tmp_path: Path) -> None:
    verifier_for(authority, cache_dir=tmp_path).check_signature(authority.sign(BODY), BODY)
    (cached,) = tmp_path.glob("*.pem")
    cached.write_bytes(b"garbage")
    fetch = RecordingFetcher(authority.chain_pem)
    verifier_for(authority, fetch=fetch, cache_dir=tmp_path).check_signature(authority.sign(BODY), BODY)
    assert fetch.calls == [authority.cert_url]
    assert cached.read_bytes() == authority.chain_pem


def test_rejected_chain_not_written_to_disk(
    authority: TestAuthority, stranger: TestAuthority, tmp_path: Path,
) -> None:
    verifier = verifier_for(stranger, roots=authority, cache_dir=tmp_path)
    assert reason(verifier.check_signature, stranger.sign(BODY), BODY) == "certificate chain not trusted"
    assert list(tmp_path.iterdir()) == []


def test_concurrent_requests(authority: TestAuthority) -> None:
    fetch = RecordingFetcher(authority.chain_pem)
    verifier = verifier_for(authority, fetch=fetch)
    headers = authority.sign(BODY)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(25):
                verifier.check_signature(headers, BODY)
        except BaseException as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    # The download runs outside the lock (a hung one must not block other chains): threads that
    # miss the cache together may each fetch once, never more, and at least one must have.
    assert 1 <= len(fetch.calls) <= len(threads)
    fetched = len(fetch.calls)
    verifier.check_signature(headers, BODY)
    assert len(fetch.calls) == fetched, "once cached, a chain is never fetched again"


# --------------------------------------------------------------------------- envelope: timestamp


@pytest.mark.parametrize(("offset", "request_type", "ok"), [
    (timedelta(seconds=-149), "IntentRequest", True),
    (timedelta(seconds=149), "IntentRequest", True),
    (timedelta(seconds=-151), "IntentRequest", False),
    (timedelta(seconds=151), "IntentRequest", False),
    (timedelta(minutes=-59), "IntentRequest", False),
    (timedelta(minutes=-59), "AlexaSkillEvent.SkillDisabled", True),
    (timedelta(minutes=-61), "AlexaSkillEvent.SkillDisabled", False),
])
def test_timestamp_tolerance(verifier: Verifier, offset: timedelta, request_type: str, ok: bool) -> None:
    data = envelope(iso(NOW + offset), request_type)
    if ok:
        verifier.check_envelope(data)
    else:
        assert reason(verifier.check_envelope, data) == "request timestamp too old or in the future"


def test_timestamp_with_fraction_and_offset_accepted(verifier: Verifier) -> None:
    verifier.check_envelope(envelope("2026-05-01T14:00:30.123+02:00"))


@pytest.mark.parametrize(("data", "expected"), [
    (envelope("yesterday"), "request timestamp is not ISO 8601"),
    (envelope("2026-05-01T12:00:00"), "request timestamp has no time zone"),
    (envelope(1777636800), "missing or invalid request timestamp"),
    ({"request": {"type": "IntentRequest"}}, "missing or invalid request timestamp"),
    ({"request": {"timestamp": iso(NOW)}}, "missing or invalid request type"),
    ({"request": "IntentRequest"}, "missing or invalid request"),
    ({}, "missing or invalid request"),
    ([], "missing or invalid request"),
])
def test_malformed_envelope_rejected(verifier: Verifier, data: object, expected: str) -> None:
    assert reason(verifier.check_envelope, data) == expected


def test_signature_checked_before_timestamp(authority: TestAuthority, verifier: Verifier) -> None:
    fresh, stale = body_of(envelope()), body_of(envelope(iso(NOW - timedelta(hours=1))))
    assert reason(verifier.verify, authority.sign(b"other"), fresh) == "signature does not match body"
    assert reason(verifier.verify, authority.sign(b"other"), stale) == "signature does not match body"
    assert reason(verifier.verify, authority.sign(stale), stale) == "request timestamp too old or in the future"


def test_verify_returns_envelope(authority: TestAuthority, verifier: Verifier) -> None:
    assert verifier.verify(authority.sign(BODY), BODY) == envelope()


def test_verify_rejects_signed_non_json(authority: TestAuthority, verifier: Verifier) -> None:
    assert reason(verifier.verify, authority.sign(b"\xff"), b"\xff") == "request body is not valid JSON"


# --------------------------------------------------------------------------- envelope: skill id


def test_skill_id_match(verifier: Verifier) -> None:
    verifier.check_envelope(envelope())


def test_skill_id_mismatch(verifier: Verifier) -> None:
    assert reason(verifier.check_envelope, envelope(application_id="amzn1.ask.skill.other")) == "skill id mismatch"


@pytest.mark.parametrize(("data", "expected"), [
    ({"request": envelope()["request"]}, "missing or invalid context"),
    ({"request": envelope()["request"], "context": {}}, "missing or invalid context.System"),
    ({"request": envelope()["request"], "context": {"System": {}}}, "missing or invalid application"),
    (envelope(application_id=None), "missing or invalid application id"),
    (envelope(application_id=42), "missing or invalid application id"),
])
def test_skill_id_missing(verifier: Verifier, data: dict, expected: str) -> None:
    assert reason(verifier.check_envelope, data) == expected


def test_skill_id_check_skipped_without_skill_id(authority: TestAuthority) -> None:
    verifier_for(authority, skill_id=None).check_envelope({"request": envelope()["request"]})


# --------------------------------------------------------------------------- Amazon's real 2023 chain


@pytest.fixture(scope="module")
def certifi_roots() -> list[x509.Certificate]:
    return load_trusted_roots(None)


def _amazon_verifier(roots: list[x509.Certificate], when: datetime) -> Verifier:
    return Verifier(
        skill_id=None, trusted_roots=roots, fetch=RecordingFetcher(AMAZON_CHAIN.read_bytes()), clock=Clock(when),
    )


def _amazon_headers() -> dict[str, str]:
    return {"SignatureCertChainUrl": AMAZON_URL, "Signature-256": base64.b64encode(b"\x01" * 256).decode()}


def test_amazon_chain_trusted_in_2023(certifi_roots: list[x509.Certificate]) -> None:
    verifier = _amazon_verifier(certifi_roots, datetime(2023, 6, 1, tzinfo=timezone.utc))
    assert reason(verifier.check_signature, _amazon_headers(), BODY) == "signature does not match body"


@pytest.mark.parametrize("when", [datetime(2024, 6, 1, tzinfo=timezone.utc), datetime(2023, 1, 1, tzinfo=timezone.utc)])
def test_amazon_chain_outside_validity(certifi_roots: list[x509.Certificate], when: datetime) -> None:
    verifier = _amazon_verifier(certifi_roots, when)
    assert reason(verifier.check_signature, _amazon_headers(), BODY) == "certificate expired or not yet valid"


def test_amazon_chain_needs_a_trusted_root(authority: TestAuthority) -> None:
    verifier = _amazon_verifier(roots_of(authority), datetime(2023, 6, 1, tzinfo=timezone.utc))
    assert reason(verifier.check_signature, _amazon_headers(), BODY) == "certificate chain not trusted"


# --------------------------------------------------------------------------- configuration


def test_load_trusted_roots_default_is_certifi_and_quiet() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        roots = load_trusted_roots(None)
    assert len(roots) > 50
    assert caught == []


def test_make_verifier_reads_config(authority: TestAuthority, tmp_path: Path) -> None:
    fetch = RecordingFetcher(authority.chain_pem)
    clock = Clock()
    config = {
        "SKILL_ID": SKILL_ID,
        "TRUSTED_CA_FILE": str(authority.write_root(tmp_path / "root.pem")),
        "CERT_FETCHER": fetch,
        "CLOCK": clock,
        "CERT_CACHE_DIR": str(tmp_path / "cache"),
    }
    assert make_verifier(config).verify(authority.sign(BODY), BODY) == envelope()
    assert fetch.calls == [authority.cert_url]
    assert len(list((tmp_path / "cache").glob("*.pem"))) == 1
    mismatch = make_verifier(config | {"SKILL_ID": "amzn1.ask.skill.other"})
    assert reason(mismatch.verify, authority.sign(BODY), BODY) == "skill id mismatch"
    clock.now = NOW + timedelta(days=365)
    assert reason(make_verifier(config).check_signature, authority.sign(BODY), BODY) == (
        "certificate expired or not yet valid"
    )


def test_make_verifier_defaults() -> None:
    current = make_test_authority()  # default clock is the real one
    verifier = make_verifier({"CERT_FETCHER": current.fetcher()})
    assert reason(verifier.check_signature, current.sign(BODY), BODY) == "certificate chain not trusted"
    verifier.check_envelope({"request": {"type": "IntentRequest", "timestamp": iso(datetime.now(timezone.utc))}})


def test_test_authority_fetcher_serves_only_its_url(authority: TestAuthority) -> None:
    fetch = authority.fetcher()
    assert fetch(authority.cert_url) == authority.chain_pem
    assert reason(fetch, "https://s3.amazonaws.com/echo.api/other.pem") == "certificate download failed"
