"""Developer tools: try the skill without an Echo. Production code never imports this package.

`resolve` (the offline understanding that stands in for Alexa's NLU), request `envelopes`, a
simulated `device`, ``backcoach chat`` (`chat`), the browser `console`, and a throw-away
certificate authority that signs requests the way Alexa does (`signing`, `authority`).
A routine walked through the app (`walk`) and heard with espeak-ng (`listen`, ``backcoach speak``).
Modules here may import anything of the skill; only `skill.cli` imports them, when a developer
command runs.
"""

from .resolver import Resolution, resolve

__all__ = ["Resolution", "resolve"]
