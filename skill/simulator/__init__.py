"""Try the skill without an Echo: request envelopes, an utterance resolver, a simulated device."""
