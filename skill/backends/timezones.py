"""The device's time zone from Alexa's Settings API, on the shared outbound client.

``GET {apiEndpoint}/v2/devices/{deviceId}/settings/System.timeZone`` with the request's
``apiAccessToken`` answers a JSON string such as ``"Europe/London"``; no permission is needed
(../shared/alexa-platform.md, section 7).

Two ways to ask, for the dialog layer that keeps the zone in the user's profile and session:

- :func:`look_up` ("now, within 150 ms"): the cache, else the API within ``budget``; None
  when neither has it in time. An answer that comes after the budget still lands in the cache.
- :func:`refresh` ("in the background"): fire and forget; the answer lands in the cache (and
  in ``on_done``), for :func:`cached` or the next :func:`look_up`.

Answers are validated (an IANA name that ``zoneinfo`` knows); anything else counts as no answer.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import outbound

UTC = "UTC"
MAX_BYTES = 512
LOOK_UP_BUDGET = 0.15
CACHE_SIZE = 1024
CACHE_SECONDS = 3600.0
_NAME = re.compile(r"[A-Za-z0-9_+-]+(?:/[A-Za-z0-9_+-]+){0,2}")


class ZoneCache:
    """Device id -> zone name, bounded (least recently used out) and expiring; thread-safe, fork-safe."""

    def __init__(self, size: int = CACHE_SIZE, ttl: float = CACHE_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.size, self.ttl, self._clock = size, ttl, clock
        self._pid = -1

    def _entries(self) -> OrderedDict[str, tuple[float, str]]:
        """The entries of this process (a forked child starts empty, with a fresh lock)."""
        if self._pid != os.getpid():
            self._pid, self._lock, self._data = os.getpid(), threading.Lock(), OrderedDict()
        return self._data

    def get(self, device_id: str) -> str | None:
        """The cached zone name of ``device_id``, or None (unknown or expired)."""
        entries = self._entries()
        with self._lock:
            hit = entries.get(device_id)
            if hit is None:
                return None
            if hit[0] <= self._clock():
                del entries[device_id]
                return None
            entries.move_to_end(device_id)
            return hit[1]

    def put(self, device_id: str, name: str) -> None:
        """Remember ``name`` for ``device_id`` for ``ttl`` seconds."""
        entries = self._entries()
        with self._lock:
            entries[device_id] = (self._clock() + self.ttl, name)
            entries.move_to_end(device_id)
            while len(entries) > self.size:
                entries.popitem(last=False)


_cache = ZoneCache()


def settings_url(api_endpoint: str, device_id: str) -> str | None:
    """The System.timeZone URL for ``device_id`` under ``api_endpoint``; None unless http(s) with a host."""
    try:
        parts = urlsplit(api_endpoint)
    except ValueError:
        return None
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.query or parts.fragment:
        return None
    return (f"{api_endpoint.rstrip('/')}/v2/devices/{quote(device_id, safe='')}"
            "/settings/System.timeZone")


def parse_zone(body: bytes) -> str | None:
    """The zone name in a Settings API body (a JSON string naming a known IANA zone), else None."""
    if len(body) > MAX_BYTES:
        return None
    try:
        name = json.loads(body)
    except ValueError:
        return None
    if not isinstance(name, str) or len(name) > 64 or not _NAME.fullmatch(name):
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None
    return name


def look_up(api_endpoint: str | None, device_id: str | None, token: str | None, *,
            budget: float = LOOK_UP_BUDGET, client: outbound.Client | None = None,
            cache: ZoneCache | None = None) -> str | None:
    """The device's zone name now: the cache, else the Settings API within ``budget`` seconds.

    None when any argument is missing, the endpoint is not http(s), the API fails, answers
    garbage or is slower than ``budget`` (a late answer is still cached for the next request).
    Never raises.
    """
    if not (api_endpoint and device_id and token):
        return None
    cache = cache or _cache
    name = cache.get(device_id)
    if name is not None:
        return name
    client = client or outbound.shared()
    if client.failing(api_endpoint):  # an open breaker costs no more than a cache hit
        return None
    url = settings_url(api_endpoint, device_id)
    if url is None:
        return None
    outcome = client.fetch(
        "GET", url, headers=_headers(token), budget=budget, max_bytes=MAX_BYTES,
        on_late=_storing(cache, device_id, None), open_on_overrun=True)  # one slow look-up is enough
    return _store(cache, device_id, outcome)


def refresh(api_endpoint: str | None, device_id: str | None, token: str | None, *,
            client: outbound.Client | None = None, cache: ZoneCache | None = None,
            on_done: Callable[[str | None], None] | None = None) -> bool:
    """Ask the Settings API in the background (fire and forget); the answer goes to the cache.

    ``on_done(name or None)`` is then called on a worker thread. False (and no call) when the
    arguments are missing or invalid, or the client could not start the call (host failing,
    pool full). Never raises.
    """
    url = settings_url(api_endpoint, device_id) if api_endpoint and device_id and token else None
    if url is None:
        return False
    return (client or outbound.shared()).fetch_in_background(
        "GET", url, headers=_headers(token), max_bytes=MAX_BYTES,
        on_done=_storing(cache or _cache, device_id, on_done))


def cached(device_id: str | None, *, cache: ZoneCache | None = None) -> str | None:
    """The zone name already known for ``device_id`` (from an earlier or late answer), or None."""
    return (cache or _cache).get(device_id) if device_id else None


def zone(name: str | None) -> ZoneInfo:
    """The ZoneInfo for ``name``, UTC when unknown."""
    try:
        return ZoneInfo(name or UTC)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return ZoneInfo(UTC)


def _headers(token: str) -> dict[str, str]:
    """The request headers of a Settings API call."""
    return {"Authorization": f"Bearer {token}", "Accept": "application/json"}


def _store(cache: ZoneCache, device_id: str, outcome: outbound.Outcome) -> str | None:
    """The zone in ``outcome`` (cached), or None."""
    name = parse_zone(outcome.body) if outcome.ok else None
    if name is not None:
        cache.put(device_id, name)
    return name


def _storing(cache: ZoneCache, device_id: str,
             then: Callable[[str | None], None] | None) -> Callable[[outbound.Outcome], None]:
    """A callback for a late or background outcome: cache the zone, then tell ``then``."""
    def done(outcome: outbound.Outcome) -> None:
        name = _store(cache, device_id, outcome)
        if then is not None:
            then(name)
    return done


class Zones:
    """The Settings API as one app uses it: its client, its cache of late answers, its budget."""

    def __init__(self, client: outbound.Client, cache: ZoneCache | None = None,
                 budget: float = LOOK_UP_BUDGET) -> None:
        self.client, self.cache, self.budget = client, cache or ZoneCache(), budget

    def look_up(self, api_endpoint: str | None, device_id: str | None, token: str | None,
                budget: float | None = None) -> str | None:
        """The device's zone within the budget (this app's, unless given), else None (see `look_up`)."""
        return look_up(api_endpoint, device_id, token, budget=self.budget if budget is None else budget,
                       client=self.client, cache=self.cache)

    def refresh(self, api_endpoint: str | None, device_id: str | None, token: str | None) -> bool:
        """Ask in the background; the answer lands in the cache (see `refresh`)."""
        return refresh(api_endpoint, device_id, token, client=self.client, cache=self.cache)

    def cached(self, device_id: str | None) -> str | None:
        """A zone answered earlier in this process, or None."""
        return cached(device_id, cache=self.cache)

