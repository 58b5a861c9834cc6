"""Everyday questions: painkillers, recovery time, work, driving, sleep, sex, heat or ice,
"is it serious?" and "what caused it?".

Each of these intents names its topic in the voice model (``topic = "..."`` in
`skill/voice/data/voice_model.toml`); the answer is the rule plugins' (`backcoach_answers`, so a
clinic's pack can replace it), spoken by `skill.voice.answers.topic_answer` for today's
assessment. Health advice carries the new user's disclaimer and, once per session, the
locale's short emergency line. "Is it serious?" runs the red-flag screen after its answer; with
a red flag already known, it gets the care answer, and any other question hears what to do
about the red flag before its answer.
"""

from __future__ import annotations

from ..voice import answers
from ..voice.answers import is_care
from ..voice.model import topics
from ..voice.ssml import Speech
from .facts import ask_fact, days_phrase
from .safety import care_reply, disclaimer_first, short_safety_line
from .turn import Reply, Turn, anything_else, ask

#: Intent name -> topic, from the voice model.
TOPICS: dict[str, str] = topics()


def answer_question(t: Turn) -> Reply:
    """The plugins' answer to the topic of the request's intent, then the session's next step."""
    tx = t.texts
    answer = t.rules.answers.get(TOPICS.get(t.query.intent or "", ""))
    if answer is None:  # the answers plugin is blocked and no pack answers this topic
        return anything_else(t, Speech(tx.line("questions.no_answer")), outcome="no answer")
    assessment = t.assess()
    if is_care(assessment):  # a red flag is known: "is it serious?" gets the care answer; any
        if answer.topic == "serious":  # other question hears what to do first, then its answer
            return care_reply(t, assessment)
        speech = answers.care_speech(tx, t.rules, assessment).extend(answers.topic_answer(tx, answer, assessment))
    else:
        speech = answers.topic_answer(tx, answer, assessment)
    if answer.topic == "recovery_time" and t.conv.onset is not None:
        speech.say(tx.line("questions.your_day", days_phrase=days_phrase(t, t.days_since_onset())))
    if answer.health_advice:  # the short emergency line, unless the full safety net was said already
        speech = disclaimer_first(t, speech)
        if not t.conv.flag("safety_net"):
            speech.extend(short_safety_line(t))
    card = (tx.line("card.title"), speech.text)
    if answer.topic == "serious" and not t.conv.screened:
        t.conv.goal = "doctor"  # after the screen: when to see a doctor
        return ask_fact(t, "screen", speech)
    if t.conv.routine is not None:  # asked mid-routine: "yes" carries on with the next stretch
        question = tx.line("help.routine_question")
        return ask(speech.say(question), question, card=card, outcome=f"answered {answer.topic}")
    return anything_else(t, speech, card=card, outcome=f"answered {answer.topic}")
