"""What the dialog needs from outside the process: the store and the outbound HTTP clients.

Here live the per-user store (SQLite or PostgreSQL: engines, migrations, user keys, the
ask-sdk persistence adapter) and the clients of Alexa's APIs (Settings API for the time zone,
Reminders API), all on one pooled, time-boxed HTTP client. Modules here import the standard
library, third-party drivers and `rules` only: never `skill.edge`, `skill.dialog` or
`skill.voice`.
"""
