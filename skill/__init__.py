"""Back Coach's Alexa skill: a Flask web service on ask-sdk-core. `skill.app.create_app()` is the way in.

Where things are (each folder's docstring says what it may import):

* ``edge/``     HTTP in: POST /alexa, request verification, (de)serialization, logging
* ``dialog/``   one request is one turn: the dispatch table, the turn, state, handlers by goal
* ``voice/``    what Alexa says and shows: SSML, answers, locale texts, screens, the voice model
* ``backends/`` what the dialog needs from outside: the store, the outbound API clients
* ``simulator/`` developer tools, never imported by production code: the offline resolver,
  ``backcoach chat``, the browser console, a test certificate authority

``app.py`` wires them together; ``config.py`` holds every setting; ``cli.py`` is ``backcoach``.
"""
