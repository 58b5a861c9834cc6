"""The benchmark's test certificate authority, shared between the servers and the load generator.

Servers trust its root (`TRUSTED_CA_FILE`) and fetch its chain through the `CERT_FETCHER` seam;
the load generator signs request bodies with its leaf key, exactly as Alexa would.
"""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives import serialization

from skill.simulator.signing import TestAuthority, make_test_authority

ENV = "BENCH_CA_DIR"


def create(directory: Path) -> TestAuthority:
    """Mint a CA chain and write root.pem, chain.pem, key.pem and url.txt into `directory`."""
    authority = make_test_authority()
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "root.pem").write_bytes(authority.root_pem)
    (directory / "chain.pem").write_bytes(authority.chain_pem)
    (directory / "url.txt").write_text(authority.cert_url)
    (directory / "key.pem").write_bytes(authority.leaf_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return authority


def load(directory: Path) -> TestAuthority:
    """The authority `create` wrote."""
    key = serialization.load_pem_private_key((directory / "key.pem").read_bytes(), password=None)
    return TestAuthority(root_pem=(directory / "root.pem").read_bytes(),
                         chain_pem=(directory / "chain.pem").read_bytes(),
                         leaf_key=key, cert_url=(directory / "url.txt").read_text().strip())


def verification_config(directory: Path) -> dict:
    """The documented seams that make a server trust this CA."""
    authority = load(directory)
    return {"TRUSTED_CA_FILE": str(directory / "root.pem"), "CERT_FETCHER": authority.fetcher()}
