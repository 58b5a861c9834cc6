"""Try the skill without an Echo: request envelopes, an utterance resolver, a simulated device."""

from .resolver import Resolution, resolve

__all__ = ["Resolution", "resolve"]
