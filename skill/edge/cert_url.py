"""The ``SignatureCertChainUrl`` rules: which certificate URLs may be fetched at all.

Checked before anything is downloaded (../shared/alexa-platform.md section 1.3). Every failure
raises :class:`VerificationError`, whose ``reason`` is short fixed English text, safe to return
and to log.
"""

from __future__ import annotations

import functools
import posixpath
import re
from urllib.parse import quote, unquote, urlsplit

CERT_HOST = "s3.amazonaws.com"
CERT_PATH_PREFIX = "/echo.api/"
# Percent-encoded ".", "/" and "\" in the raw path: never needed in Amazon's URLs, only for tricks.
_ENCODED_SEPARATOR = re.compile(r"%(2e|2f|5c)", re.IGNORECASE)


class VerificationError(Exception):
    """The request failed verification.

    ``reason`` is short English text safe to return to the caller and to log: it
    never contains the body, user ids or tokens.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def validate_cert_url(url: str) -> str:
    """Check a ``SignatureCertChainUrl`` value and return its normalised form.

    Accepts only ``https://s3.amazonaws.com[:443]/echo.api/...`` (scheme and host
    case-insensitive, path case-sensitive after resolving ``.``/``..``). Rejects
    userinfo, query, fragment, non-printable or non-ASCII characters,
    backslashes and percent-encoded dots/slashes.
    """
    if not isinstance(url, str) or not url:
        raise VerificationError("certificate URL rejected: empty or not text")
    if not all("!" <= char <= "~" for char in url) or "\\" in url:
        raise VerificationError("certificate URL rejected: characters")
    if "?" in url:
        raise VerificationError("certificate URL rejected: query")
    if "#" in url:
        raise VerificationError("certificate URL rejected: fragment")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise VerificationError("certificate URL rejected: malformed") from None
    if parts.scheme.lower() != "https":
        raise VerificationError("certificate URL rejected: scheme")
    if "@" in parts.netloc:
        raise VerificationError("certificate URL rejected: userinfo")
    if parts.hostname != CERT_HOST:
        raise VerificationError("certificate URL rejected: host")
    if port not in (None, 443):
        raise VerificationError("certificate URL rejected: port")
    path = _normalise_path(parts.path)
    if not path.startswith(CERT_PATH_PREFIX):
        raise VerificationError("certificate URL rejected: path")
    return f"https://{CERT_HOST}{quote(path, safe='/')}"


# Valid header values repeat on every request: remember the normalised form (failures are not cached).
_validated_cert_url = functools.lru_cache(maxsize=256)(validate_cert_url)


def _normalise_path(raw_path: str) -> str:
    """Percent-decode and resolve ``.``/``..`` in a URL path, refusing encoding tricks."""
    if _ENCODED_SEPARATOR.search(raw_path):
        raise VerificationError("certificate URL rejected: encoded separator")
    try:
        decoded = unquote(raw_path, errors="strict")
    except UnicodeDecodeError:
        raise VerificationError("certificate URL rejected: encoding") from None
    if not decoded.isprintable():
        raise VerificationError("certificate URL rejected: characters")
    return posixpath.normpath(decoded)
