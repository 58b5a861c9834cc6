"""The user's time zone, from the Alexa Settings API, with a short timeout and UTC as fallback.

``GET {apiEndpoint}/v2/devices/{deviceId}/settings/System.timeZone`` with the request's
``apiAccessToken`` answers a JSON string such as ``"Europe/London"``; no permission is needed
(../shared/alexa-platform.md, section 7). Alexa gives a skill about 8 seconds in all, so the
lookup has a timeout well under a second by default and any failure means UTC. Answers are
cached per device for an hour (a bounded in-process cache) and per session by the caller.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import OrderedDict
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

log = logging.getLogger(__name__)

UTC = "UTC"
CACHE_SIZE = 1024
CACHE_SECONDS = 3600.0
MAX_BYTES = 512


class TimezoneLookup:
    """Look up a device's time zone name; never raises, never waits longer than `timeout`."""

    def __init__(self, timeout: float = 0.8) -> None:
        self.timeout = timeout
        self._cache: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._lock = threading.Lock()
        self._failing = False

    def __call__(self, api_endpoint: str | None, device_id: str | None, token: str | None) -> str:
        """The IANA name of the device's time zone, or "UTC" when it cannot be had in time."""
        if not (api_endpoint and device_id and token):
            return UTC
        cached = self._cached(device_id)
        if cached is not None:
            return cached
        name = self._fetch(api_endpoint, device_id, token)
        if name is not None:
            with self._lock:
                self._cache[device_id] = (time.monotonic() + CACHE_SECONDS, name)
                while len(self._cache) > CACHE_SIZE:
                    self._cache.popitem(last=False)
        return name or UTC

    def _cached(self, device_id: str) -> str | None:
        with self._lock:
            hit = self._cache.get(device_id)
            if hit is None or hit[0] < time.monotonic():
                return None
            self._cache.move_to_end(device_id)
            return hit[1]

    def _fetch(self, api_endpoint: str, device_id: str, token: str) -> str | None:
        url = (f"{api_endpoint.rstrip('/')}/v2/devices/{urllib.parse.quote(device_id, safe='')}"
               "/settings/System.timeZone")
        if not url.startswith(("https://", "http://")):
            return None
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}",
                                                       "Accept": "application/json"})
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - scheme checked above
                body = response.read(MAX_BYTES + 1)
            name = json.loads(body) if len(body) <= MAX_BYTES else None
            if not isinstance(name, str):
                raise ValueError("not a time zone name")
            ZoneInfo(name)
        except (OSError, ValueError, ZoneInfoNotFoundError, urllib.error.URLError) as exc:
            # Once per incident at WARNING; repeats while the API stays down at DEBUG.
            log.log(logging.DEBUG if self._failing else logging.WARNING,
                    "time zone lookup failed after %.0f ms (%s); using UTC",
                    (time.monotonic() - started) * 1000, type(exc).__name__)
            self._failing = True
            return None
        if self._failing:
            log.info("time zone lookups work again")
            self._failing = False
        return name


def zone(name: str | None) -> ZoneInfo:
    """The ZoneInfo for `name`, UTC when unknown."""
    try:
        return ZoneInfo(name or UTC)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(UTC)
