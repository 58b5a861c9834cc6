"""The dialog: one request is one turn, from the pending question to the reply.

`dispatch` holds the whole decision table (routes, pending questions, red flags first);
`turn` is the request read once with its state and reply; `state` the conversation and
profile; `facts`, `stretching` and `session` the handlers by goal; `coach` the routine in
progress. Modules here import `skill.voice` (what to say), `skill.backends` (the store's
errors, the time zone) and `rules`: never `skill.edge` or `skill.simulator`.
"""
