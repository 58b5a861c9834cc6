"""Reading an Alexa response envelope: the parts the chat, the console and the tests look at."""

from __future__ import annotations


class ResponseView:
    """Properties over `self.body`, a response envelope as JSON."""

    body: dict

    @property
    def response(self) -> dict:
        return self.body.get("response") or {}

    @property
    def ssml(self) -> str:
        return (self.response.get("outputSpeech") or {}).get("ssml", "")

    @property
    def reprompt_ssml(self) -> str:
        return ((self.response.get("reprompt") or {}).get("outputSpeech") or {}).get("ssml", "")

    @property
    def open(self) -> bool:
        return self.response.get("shouldEndSession") is False

    @property
    def attributes(self) -> dict:
        return self.body.get("sessionAttributes") or {}

    @property
    def directives(self) -> list[dict]:
        return self.response.get("directives") or []

    def directive(self, kind: str) -> dict | None:
        return next((d for d in self.directives if d.get("type") == kind), None)

    @property
    def elicits(self) -> str | None:
        """The slot a Dialog.ElicitSlot directive asks for, if any."""
        found = self.directive("Dialog.ElicitSlot")
        return found.get("slotToElicit") if found else None

    @property
    def card(self) -> dict | None:
        return self.response.get("card")
