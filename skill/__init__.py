"""Back Coach's Alexa skill: a Flask web service on ask-sdk-core. `create_app()` is the way in."""


def create_app(config=None):
    """Build the web service (see `skill.app.create_app`)."""
    from .app import create_app as factory
    return factory(config)
