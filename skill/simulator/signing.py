"""A throw-away certificate authority that signs requests the way Alexa does.

Used by the tests, the benchmark and the text simulator: it builds a root CA, an
intermediate CA and an ``echo-api.amazon.com`` leaf that ``skill.verify`` accepts
when the root is passed as the trust anchor, and signs request bodies with the
leaf key (``Signature-256``: RSA PKCS#1 v1.5 over SHA-256).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from skill.edge.verify import CERT_URL_HEADER, SIGNATURE_HEADER, VerificationError

DEFAULT_CERT_URL = "https://s3.amazonaws.com/echo.api/backcoach-test-cert.pem"
_LEAF_LIFETIME = timedelta(days=90)
_CA_LIFETIME = timedelta(days=3650)
_BACKDATE = timedelta(days=1)


@dataclass(frozen=True)
class TestAuthority:
    """A root -> intermediate -> leaf chain plus the leaf's private key."""

    __test__ = False  # not a pytest test class despite the name

    root_pem: bytes
    chain_pem: bytes
    leaf_key: rsa.RSAPrivateKey
    cert_url: str = DEFAULT_CERT_URL

    def sign(self, body: bytes) -> dict[str, str]:
        """Return the two Alexa signature headers for ``body``."""
        signature = self.leaf_key.sign(body, padding.PKCS1v15(), hashes.SHA256())
        return {
            CERT_URL_HEADER: self.cert_url,
            SIGNATURE_HEADER: base64.b64encode(signature).decode("ascii"),
        }

    def fetcher(self) -> Callable[[str], bytes]:
        """Return a certificate fetcher that serves ``chain_pem`` at ``cert_url`` only."""

        def fetch(url: str) -> bytes:
            if url != self.cert_url:
                raise VerificationError("certificate download failed")
            return self.chain_pem

        return fetch

    def write_root(self, path: Path) -> Path:
        """Write the root certificate (the trust anchor) to ``path`` and return it."""
        path.write_bytes(self.root_pem)
        return path


def make_test_authority(
    *,
    now: datetime | None = None,
    leaf_san: str = "echo-api.amazon.com",
    leaf_not_before: datetime | None = None,
    leaf_not_after: datetime | None = None,
    ca_not_after: datetime | None = None,
    leaf_digital_signature: bool = True,
    key_size: int = 2048,
) -> TestAuthority:
    """Build a fresh root CA, intermediate CA (pathlen 0) and signing leaf.

    ``now`` anchors the default validity windows (leaf: one day back to 90 days
    ahead; CAs: one day back to ten years ahead). ``leaf_san``,
    ``leaf_not_before``/``leaf_not_after``, ``ca_not_after`` (the
    intermediate's expiry) and ``leaf_digital_signature=False`` (a leaf
    KeyUsage without digitalSignature) make deliberately broken variants.
    ``key_size`` below 2048 produces keys that cryptography's verifier refuses.
    """
    now = now or datetime.now(timezone.utc)
    root_key = _new_key(key_size)
    root = _ca_certificate(
        "Back Coach Test Root CA", root_key, None, None,
        not_before=now - _BACKDATE, not_after=now + _CA_LIFETIME,
    )
    intermediate_key = _new_key(key_size)
    intermediate = _ca_certificate(
        "Back Coach Test Intermediate CA", intermediate_key, root, root_key,
        not_before=now - _BACKDATE, not_after=ca_not_after or now + _CA_LIFETIME, path_length=0,
    )
    leaf_key = _new_key(key_size)
    leaf = _leaf_certificate(
        leaf_key.public_key(), leaf_san, intermediate, intermediate_key,
        not_before=leaf_not_before or now - _BACKDATE, not_after=leaf_not_after or now + _LEAF_LIFETIME,
        digital_signature=leaf_digital_signature,
    )
    return TestAuthority(
        root_pem=_pem(root),
        chain_pem=_pem(leaf) + _pem(intermediate),
        leaf_key=leaf_key,
    )


def _new_key(key_size: int) -> rsa.RSAPrivateKey:
    """Generate an RSA key with the usual public exponent."""
    return rsa.generate_private_key(public_exponent=65537, key_size=key_size)


def _name(common_name: str) -> x509.Name:
    """A subject/issuer name with an organisation and a common name."""
    return x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Back Coach Test"),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])


def _builder(
    subject: x509.Name, public_key: rsa.RSAPublicKey, issuer: x509.Certificate | None,
    *, not_before: datetime, not_after: datetime,
) -> x509.CertificateBuilder:
    """A builder with the fields and key identifiers every certificate in the chain needs."""
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.subject if issuer else subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )
    signer_public_key = issuer.public_key() if issuer else public_key
    return builder.add_extension(
        x509.AuthorityKeyIdentifier.from_issuer_public_key(signer_public_key), critical=False,
    )


def _ca_certificate(
    common_name: str, key: rsa.RSAPrivateKey, issuer: x509.Certificate | None, issuer_key: rsa.RSAPrivateKey | None,
    *, not_before: datetime, not_after: datetime, path_length: int | None = None,
) -> x509.Certificate:
    """A CA certificate for ``key``; self-signed when ``issuer`` is None."""
    return (
        _builder(_name(common_name), key.public_key(), issuer, not_before=not_before, not_after=not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(_key_usage(key_cert_sign=True, crl_sign=True), critical=True)
        .sign(issuer_key or key, hashes.SHA256())
    )


def _leaf_certificate(
    public_key: rsa.RSAPublicKey, san: str, issuer: x509.Certificate, issuer_key: rsa.RSAPrivateKey,
    *, not_before: datetime, not_after: datetime, digital_signature: bool,
) -> x509.Certificate:
    """An end-entity server certificate for ``san`` with serverAuth (and normally digitalSignature)."""
    return (
        _builder(_name(san), public_key, issuer, not_before=not_before, not_after=not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(digital_signature=digital_signature, key_encipherment=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(san)]), critical=False)
        .sign(issuer_key, hashes.SHA256())
    )


def _key_usage(**enabled: bool) -> x509.KeyUsage:
    """A KeyUsage extension with only the named bits set."""
    bits = dict.fromkeys(
        ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
         "key_agreement", "key_cert_sign", "crl_sign", "encipher_only", "decipher_only"),
        False,
    )
    return x509.KeyUsage(**(bits | enabled))


def _pem(certificate: x509.Certificate) -> bytes:
    """PEM encoding of one certificate."""
    return certificate.public_bytes(serialization.Encoding.PEM)
