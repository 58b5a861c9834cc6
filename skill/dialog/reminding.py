"""Stretch reminders: set, list and cancel them through Alexa's Reminders API, and the permission.

"Remind me to do my stretches every evening at seven" sets a reminder at once: the request is
the user's consent to that reminder, and the answer says when it rings and how often
(../shared/alexa-platform.md, section 12.4). When the envelope does not show the reminders
permission, or the API answers 401/403, the skill asks for it the way Alexa requires: a
Connections.SendRequest AskFor directive (Alexa then asks the user by voice), carrying the
reminder asked for in its token; the Connections.Response brings the answer, and the reminder
is set then. A consent that was not answered, or a device that could not ask, gets the
permissions card in the Alexa app instead.

The reminder rings in the user's time zone (the Settings API, `Turn.known_zone`); when the zone
cannot be known, no reminder is set. The profile keeps the alert tokens only. Every failure of
the API is one sentence; a reminder that could not be set is kept in the session for "Shall I
try again?", and a routine in progress carries on.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import NamedTuple

from ask_sdk_model.interfaces.connections import SendRequestDirective
from ask_sdk_model.ui import AskForPermissionsConsentCard

from ..backends import reminders as api
from ..backends.timezones import zone
from ..voice import reminders as words
from ..voice.ssml import Speech
from . import schedule
from .schedule import Plan
from .turn import Reply, Turn, anything_else, ask, elicit, tell

log = logging.getLogger(__name__)

#: The most seconds a reminder waits for a time zone that the request's look-up did not find.
ZONE_BUDGET = 0.5


# ---------------------------------------------------------------------- set
def set_reminder(t: Turn) -> Reply:
    """SetReminderIntent: the time, how often, the day; ask for what is missing, else set it."""
    tx, q = t.texts, t.query
    repeat = q.slot("reminderRepeat")
    asked = schedule.read(getattr(q.slot("reminderTime"), "value", None),
                          (repeat.value, repeat.id) if repeat else None,
                          getattr(q.slot("reminderDay"), "value", None), t.today())
    if asked.missing == "day":
        return elicit("reminderDay", Speech(tx.line(f"reminder.{asked.problem}"), tx.line("reminder.ask_day")),
                      tx.line("reminder.ask_day_reprompt"))
    if asked.plan is None:
        speech = Speech(tx.line("reminder.time_invalid")) if asked.problem else Speech()
        return elicit("reminderTime", speech.say(tx.line("reminder.ask_time")), tx.line("reminder.ask_time_reprompt"))
    return create(t, asked.plan)


def create(t: Turn, plan: Plan, *, consented: bool = False) -> Reply:
    """Set the reminder of `plan` now (`consented`: the user has just granted the permission)."""
    tx = t.texts
    service = t.reminders()
    if service is None or not service.usable:
        return not_set(t, plan, "unavailable")
    if not (consented or t.query.reminders_granted):
        return ask_permission(t, plan)
    name = t.known_zone(ZONE_BUDGET)
    if name is None:
        return not_set(t, plan, "no_zone")
    now = t.query.timestamp.astimezone(zone(name))
    start = schedule.first_time(plan, now)
    result = service.create(api.request_body(start=start, zone=name, repeat=plan.repeat, locale=t.query.locale,
                                             text=tx.line("reminder.alert_text"), requested=now))
    if result.ok and result.token:
        t.profile.alerts = [*t.profile.alerts, result.token]
        t.conv.reminder = None
        said = words.when(tx, plan.repeat, f"{start.hour:02d}:{start.minute:02d}", start.date(), now.date())
        return finish(t, Speech(tx.line("reminder.set", when=said)), outcome="reminder set")
    if result.problem == api.PERMISSION:
        return permission_card(t) if consented else ask_permission(t, plan)
    if result.problem in (api.TIMEOUT, api.GARBAGE):
        t.conv.reminder = None  # it may be set: a retry could set it twice
        return finish(t, Speech(tx.line("reminder.uncertain"), tx.line("reminder.uncertain_check")),
                      outcome="reminder unconfirmed")
    if result.problem == api.REJECTED:
        return finish(t, Speech(tx.line("reminder.rejected")), outcome="reminder rejected")
    return not_set(t, plan, "busy" if result.problem == api.THROTTLED else "unavailable")


def not_set(t: Turn, plan: Plan, why: str) -> Reply:
    """No reminder was set (`why`: "unavailable", "busy", "no_zone"): say so; keep it for a retry."""
    speech = Speech(t.texts.line(f"reminder.{why}"))
    if not t.query.in_session:
        return tell(speech, outcome=f"reminder not set: {why}")
    t.conv.reminder = plan.token()
    t.conv.ask = "reminder_retry"
    question = t.texts.line("reminder.retry_question")
    return ask(speech.say(question), question, outcome=f"reminder not set: {why}")


def retry(t: Turn) -> Reply:
    """ "Yes" to "Shall I try again?"."""
    plan = Plan.from_token(t.conv.reminder)
    if plan is None:  # the session lost it
        return finish(t, Speech(t.texts.line("reminder.rejected")), outcome="reminder lost")
    return create(t, plan)


def no_retry(t: Turn) -> Reply:
    t.conv.reminder = None
    return finish(t, Speech(t.texts.line("answer.okay")))


# ---------------------------------------------------------------------- the permission
def ask_permission(t: Turn, plan: Plan) -> Reply:
    """Ask for the reminders permission by voice (Alexa speaks the prompt and sends a
    Connections.Response); the session ends here, so a routine in progress is saved first. A
    request without a session cannot hand over to Alexa: the permissions card instead."""
    if not t.query.in_session:
        return permission_card(t)
    routine = t.conv.routine
    if routine is not None:
        t.profile.keep_progress(routine, t.today())
    directive = SendRequestDirective(name="AskFor", token=plan.token(), payload={
        "@type": "AskForPermissionsConsentRequest", "@version": "1", "permissionScope": api.SCOPE})
    return Reply(Speech(t.texts.line("reminder.need_permission")), None, directives=[directive], end=True,
                 outcome="asked for permission")


def consent(t: Turn) -> Reply:
    """Connections.Response: the user's answer to the permission request."""
    tx, given = t.texts, t.query.consent
    if given is None or given.name != "AskFor":
        return finish(t, Speech(), outcome="connection ignored")
    status = given.status if given.code in ("200", "") else None
    if status == "ACCEPTED":
        plan = Plan.from_token(given.token)
        return create(t, plan, consented=True) if plan else finish(t, Speech(tx.line("reminder.granted")))
    if status == "DENIED":
        return finish(t, Speech(tx.line("reminder.denied"), tx.line("reminder.denied_how")), outcome="permission denied")
    return permission_card(t)


def permission_card(t: Turn) -> Reply:
    """Not answered, or the device could not ask: the permissions card in the Alexa app."""
    tx = t.texts
    card = AskForPermissionsConsentCard(permissions=[api.SCOPE])
    return finish(t, Speech(tx.line("reminder.card_sent"), tx.line("reminder.card_how")), card=card,
                  outcome="permission card")


# ---------------------------------------------------------------------- list and cancel
def list_reminders(t: Turn) -> Reply:
    """ListRemindersIntent: the reminders this skill set that are still on, from the API."""
    tx = t.texts
    service = t.reminders()
    result = service.list() if service is not None and service.usable else api.Result(api.UNAVAILABLE)
    if result.problem == api.PERMISSION:
        return finish(t, Speech(tx.line("reminder.not_allowed" if t.profile.alerts else "reminder.none")),
                      outcome="reminders not allowed")
    if not result.ok:
        return finish(t, Speech(tx.line("reminder.list_failed")), outcome=f"reminders: {result.problem}")
    on = [alert for alert in result.alerts if alert.on]
    t.profile.alerts = [alert.token for alert in on]
    schedules = [(alert.repeat, alert.time, _date(alert.day)) for alert in on]
    return finish(t, words.listing(tx, schedules, t.today()), outcome="reminders listed")


class Cancelled(NamedTuple):
    """What cancelling every reminder came to: how many there were (None: unknown), how many are
    cancelled now, and the problem that kept the rest."""

    found: int | None
    cancelled: int
    problem: str


def cancel_all(t: Turn) -> Cancelled:
    """Delete this skill's reminders of the user: those the API lists (else those the profile
    keeps); the profile keeps the tokens of any that could not be deleted."""
    service = t.reminders()
    kept = t.profile.alerts
    if service is None or not service.usable:
        return Cancelled(len(kept) or None, 0, api.UNAVAILABLE)
    listed = service.list()
    if listed.problem == api.PERMISSION:
        return Cancelled(len(kept), 0, api.PERMISSION if kept else "")
    if listed.problem in (api.TIMEOUT, api.UNAVAILABLE, api.THROTTLED):  # deletes would fare no better
        return Cancelled(len(kept) or None, 0, listed.problem)
    tokens = [a.token for a in listed.alerts if a.on] if listed.ok else kept
    left, problem = [], ""
    for token in tokens:
        result = service.delete(token)
        if not result.ok:
            left.append(token)
            problem = problem or result.problem
    t.profile.alerts = left
    found = len(tokens) if listed.ok or tokens else None
    return Cancelled(found, len(tokens) - len(left), problem or ("" if listed.ok else listed.problem))


def cancel_reminders(t: Turn) -> Reply:
    """CancelRemindersIntent: cancel them all, and say what could not be cancelled."""
    tx = t.texts
    done = cancel_all(t)
    if done.found is None:
        speech = Speech(tx.line("reminder.list_failed"))
    elif done.found == 0:
        speech = Speech(tx.line("reminder.none"))
    elif done.cancelled == done.found:
        speech = Speech(tx.line("reminder.cancelled_one") if done.found == 1
                        else tx.line("reminder.cancelled", count=done.found))
    elif done.problem == api.PERMISSION:
        speech = Speech(tx.line("reminder.cancel_not_allowed"))
    elif done.cancelled == 0:
        speech = Speech(tx.line("reminder.cancel_failed"), tx.line("reminder.cancel_rest"))
    else:
        speech = Speech(tx.line("reminder.cancel_partly", done=done.cancelled, count=done.found),
                        tx.line("reminder.cancel_rest"))
    return finish(t, speech, outcome=f"cancelled {done.cancelled} of {done.found}")


def forget_reminders(t: Turn) -> Speech:
    """Before the user's data is deleted: cancel their reminders; what to say about them."""
    if not (t.profile.alerts or t.query.reminders_granted):
        return Speech()
    done = cancel_all(t)
    if done.found == 0 or (done.found is None and not done.problem):
        return Speech()
    if done.found is not None and done.cancelled == done.found:
        return Speech(t.texts.line("forget.reminders_cancelled"))
    return Speech(t.texts.line("forget.reminders_left"))


# ---------------------------------------------------------------------- helpers
def finish(t: Turn, speech: Speech, **kwargs) -> Reply:
    """End a reminder answer: back to the routine in progress (after the permission was asked
    for, the one saved then), else "anything else?" (goodbye when the request had no session)."""
    tx = t.texts
    if t.conv.routine is not None:
        return ask(speech.say(tx.line("stretch.continue_question")), tx.line("stretch.step_reprompt"), **kwargs)
    if not t.query.in_session:
        return tell(speech, **kwargs)
    interrupted = t.query.consent is not None and not t.profile.progress_saved_before(t.today())
    saved = t.profile.progress if interrupted else None  # saved today: the routine the permission interrupted
    stretch = t.rules.stretches.get(saved.current) if saved else None
    if stretch is not None:
        t.conv.ask = "pick_up"
        question = tx.line("progress.pick_up", number=saved.index + 1, name=stretch.name)
        return ask(speech.say(question), question, **kwargs)
    return anything_else(t, speech, **kwargs)


def _date(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None
