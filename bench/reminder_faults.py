"""How long a request waits when Alexa's Reminders API hangs (issue 19), with the default budgets.

    .venv/bin/python bench/reminder_faults.py            # about 30 seconds
    .venv/bin/python bench/reminder_faults.py --json out.json

The real app in process (create_app, SQLite, the default REMINDERS_API_BUDGET of 1.5 s per call
and REMINDERS_REQUEST_BUDGET of 2.5 s per request, SETTINGS_API_BUDGET of 0.15 s), a loopback
TLS stand-in of the Reminders API (tests/reminders_standin.py) that stops answering: it reads
each request and never replies. The Settings API is on the same host, so it hangs too, unless
the user's zone was kept before. Each scenario gets a fresh app (a fresh breaker), so each
figure is a first, worst-case wait; after three such waits the host's breaker answers at once.
Nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from alexa import Echo  # noqa: E402 - after the path set-up above
from reminders_standin import RemindersAPI  # noqa: E402
from standins import HTTPSStandIn, make_test_ca  # noqa: E402

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)
DAILY = {"reminderRepeat": ("every evening", "daily_evening", "REMINDER_REPEAT"), "reminderTime": "07:00"}


def device_for(work: Path, name: str, ca, api: RemindersAPI) -> Echo:
    from skill.app import create_app

    app = create_app({"INSTANCE_PATH": str(work / name), "VERIFY_SIGNATURE": False, "USER_KEY_SECRET": "fa" * 32,
                      "OUTBOUND_CA_FILE": str(ca.ca_file), "LOG_LEVEL": "CRITICAL"})
    device = Echo(app.test_client(), now=NOW, api_endpoint=api.url)
    device.granted = True
    return device


def timed(device: Echo, intent: str, **slots) -> dict:
    started = time.monotonic()
    answer = device.say_intent(intent, **slots)
    return {"status": answer.status, "seconds": round(time.monotonic() - started, 2), "says": answer.speech[:70]}


def scenarios(work: Path) -> dict:
    ca = make_test_ca(work / "ca")
    figures: dict = {}
    with HTTPSStandIn(ca) as server:
        api = RemindersAPI(server)

        def hung_after(name: str, reminders: int = 0) -> Echo:
            server.mode = "answer"
            device = device_for(work, name, ca, api)
            device.say_intent("ProgressIntent")  # the zone is kept in the profile
            for _ in range(reminders):
                device.say_intent("SetReminderIntent", **DAILY)
            server.mode = "hang"
            return device

        figures["set a reminder, zone kept, API hung"] = timed(hung_after("set"), "SetReminderIntent", **DAILY)
        server.mode = "hang"
        figures["set a reminder, new user, zone and API hung"] = timed(
            device_for(work, "new", ca, api), "SetReminderIntent", **DAILY)
        figures["list reminders, API hung"] = timed(hung_after("list", 1), "ListRemindersIntent")
        figures["cancel 3 reminders, API hung"] = timed(hung_after("cancel", 3), "CancelRemindersIntent")
        device = hung_after("forget", 3)
        device.say_intent("ForgetMeIntent")
        figures["forget me with 3 reminders, API hung"] = timed(device, "AMAZON.YesIntent")
        device = hung_after("breaker", 0)
        for _ in range(3):
            device.say_intent("ListRemindersIntent")
        figures["list reminders, breaker open after 3 hung calls"] = timed(device, "ListRemindersIntent")
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="backcoach-reminders-") as work:
        figures = scenarios(Path(work))
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
