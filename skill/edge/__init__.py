"""HTTP in: POST /alexa and GET /healthz, Alexa request verification, (de)serialization, logs.

The path of a request starts here (`web`): raw body -> signature, timestamp and skill id
(`verify`) -> one JSON parse -> ask-sdk objects (`serializer`) -> the dialog's skill -> JSON.
Modules here may import `skill.dialog.turn` (the request context), `skill.backends.store`
(the errors that become 503s) and third-party libraries: never handlers or `skill.voice`.
"""
