"""ask-sdk-core persistence over the store, keyed by an HMAC of Alexa's userId (never stored raw)."""

from __future__ import annotations

import hmac
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.exceptions import PersistenceException

from .store import SqlStore, VersionedAttributes

SECRET_FILE_NAME = "user-key-secret"
_SECRET_BYTES = 32
_MIN_SECRET_BYTES = 16


def user_key(user_id: str, secret: bytes) -> str:
    """HMAC-SHA-256 of the Alexa userId, in hex: the raw userId is never stored."""
    return hmac.digest(secret, user_id.encode("utf-8"), "sha256").hex()


def load_or_create_secret(instance_path: str | Path, configured: str | None) -> bytes:
    """The user-key secret: ``configured`` (hex) if given, else ``<instance>/user-key-secret``.

    The file is created once (32 random bytes as hex, mode 0600) and reused afterwards; when
    several processes start together, all of them end up with the first one's secret.
    """
    if configured and configured.strip():
        return _parse_secret(configured, "BACKCOACH_USER_KEY_SECRET")
    path = Path(instance_path) / SECRET_FILE_NAME
    try:
        return _parse_secret(path.read_text(encoding="ascii"), str(path))
    except FileNotFoundError:
        return _create_secret(path)


def _parse_secret(text: str, origin: str) -> bytes:
    """Decode a hex secret, refusing short or malformed ones (without echoing them)."""
    try:
        secret = bytes.fromhex(text.strip())
    except ValueError:
        raise ValueError(f"{origin} must be hexadecimal") from None
    if len(secret) < _MIN_SECRET_BYTES:
        raise ValueError(
            f"{origin} must hold at least {2 * _MIN_SECRET_BYTES} hex digits"
        )
    return secret


def _create_secret(path: Path) -> bytes:
    """Write a new secret atomically; if another process won the race, use its secret."""
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_bytes(_SECRET_BYTES)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secret.hex() + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.link(temporary, path)  # atomic, and never replaces an existing secret
    except FileExistsError:
        return _parse_secret(path.read_text(encoding="ascii"), str(path))
    finally:
        temporary.unlink(missing_ok=True)
    return secret


class SqlPersistenceAdapter(AbstractPersistenceAdapter):
    """ask-sdk-core persistence adapter over SqlStore, keyed by :func:`user_key`."""

    def __init__(self, store: SqlStore, secret: bytes) -> None:
        self._store = store
        self._secret = secret
        self._last_key: tuple[str, str] | None = None

    def get_attributes(self, request_envelope: Any) -> VersionedAttributes:
        """Load the requesting user's attributes (empty, version 0, for a new user)."""
        return self._store.load(self._key(request_envelope))

    def save_attributes(self, request_envelope: Any, attributes: Mapping[str, Any]) -> None:
        """Save with the loaded version (a plain dict inserts); unchanged attributes are skipped."""
        version = attributes.version if isinstance(attributes, VersionedAttributes) else 0
        self._store.save(self._key(request_envelope), attributes, version)

    def delete_attributes(self, request_envelope: Any) -> None:
        """Delete every stored row of the requesting user."""
        self._store.delete(self._key(request_envelope))

    def _key(self, request_envelope: Any) -> str:
        """The storage key for the envelope's ``context.System.user.userId``."""
        try:
            user_id = request_envelope.context.system.user.user_id
        except AttributeError:
            user_id = None
        if not user_id:
            raise PersistenceException("the request has no userId to store attributes under")
        last = self._last_key
        if last is not None and last[0] == user_id:  # get and save of one request: one HMAC
            return last[1]
        key = user_key(user_id, self._secret)
        self._last_key = (user_id, key)
        return key
