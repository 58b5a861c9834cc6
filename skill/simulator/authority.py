"""A test certificate authority on disk, so a separately started server can verify simulated requests.

``backcoach chat --make-test-ca DIR`` writes ``root.pem`` (the trust anchor), ``chain.pem`` (leaf
and intermediate), ``key.pem`` (the leaf's private key) and ``certs/<sha256 of the cert URL>.pem``,
a pre-filled certificate cache in the layout of `skill.verify.Verifier`'s disk cache, so the
server never downloads the (made-up) certificate URL. Start the server with::

    BACKCOACH_SKILL_ID=<envelopes.SKILL_ID> BACKCOACH_TRUSTED_CA_FILE=DIR/root.pem \\
    BACKCOACH_CERT_CACHE_DIR=DIR/certs backcoach serve

and chat with ``backcoach chat --url http://127.0.0.1:8000/alexa --sign-with DIR``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from skill.simulator.signing import TestAuthority, make_test_authority

ROOT, CHAIN, KEY, CACHE = "root.pem", "chain.pem", "key.pem", "certs"


def cache_file(directory: Path, cert_url: str) -> Path:
    """Where `skill.verify.Verifier` with CERT_CACHE_DIR=`directory` looks for the chain of `cert_url`."""
    return directory / f"{hashlib.sha256(cert_url.encode()).hexdigest()}.pem"


def write_authority(directory: Path, authority: TestAuthority | None = None) -> TestAuthority:
    """Write a (new) test authority into `directory` and return it."""
    authority = authority or make_test_authority()
    (directory / CACHE).mkdir(parents=True, exist_ok=True)
    authority.write_root(directory / ROOT)
    (directory / CHAIN).write_bytes(authority.chain_pem)
    key = authority.leaf_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption())
    (directory / KEY).write_bytes(key)
    (directory / KEY).chmod(0o600)
    cache_file(directory / CACHE, authority.cert_url).write_bytes(authority.chain_pem)
    return authority


def read_authority(directory: Path) -> TestAuthority:
    """The test authority written by `write_authority`. :raises ValueError: when the files are unusable."""
    try:
        key = serialization.load_pem_private_key((directory / KEY).read_bytes(), password=None)
        root, chain = (directory / ROOT).read_bytes(), (directory / CHAIN).read_bytes()
    except OSError as exc:
        raise ValueError(f"no test authority in {directory}: {exc.strerror}") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError(f"{directory / KEY} is not an RSA private key")
    return TestAuthority(root_pem=root, chain_pem=chain, leaf_key=key)
