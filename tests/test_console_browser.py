"""The console end to end: the real app on a local HTTP server, driven in headless Chromium.

Debian's chromium through Playwright (no browser download). Screenshots go to
test-artifacts/console/. Without Chromium or Playwright the tests are skipped, unless
BACKCOACH_REQUIRE_SERVICES=1 (CI), where that is a failure.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from services import unavailable

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "console"
LAPTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 5000


@pytest.fixture(scope="module")
def browser() -> Iterator:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        unavailable("browser tests", f"playwright is not installed ({exc})")
    if not Path(CHROMIUM).exists():
        unavailable("browser tests", f"{CHROMIUM} is missing (apt-get install chromium)")
    playwright = None
    try:  # launch() gives the browser a fresh, empty user data directory of its own
        playwright = sync_playwright().start()
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, timeout=15_000)
    except Exception as exc:  # noqa: BLE001 - whatever stops the driver or the browser, the reason is shown
        if playwright is not None:
            playwright.stop()
        unavailable("browser tests", f"chromium did not start ({(str(exc).splitlines() or [type(exc).__name__])[0]})")
    yield chromium
    chromium.close()
    playwright.stop()


@pytest.fixture(scope="module")
def base_url(tmp_path_factory) -> Iterator[str]:
    """The real app, verification off, served over HTTP by werkzeug in a thread. The locales the
    tests type in have their understanding models trained (or loaded) first: on a clean clone a
    locale's first words would otherwise wait seconds for its training, past the page's timeouts."""
    from skill.app import create_app
    from skill.simulator import resolve
    from skill.simulator.console import install

    for locale in ("en-US", "en-GB"):
        resolve("hello", locale=locale)

    app = create_app({"INSTANCE_PATH": str(tmp_path_factory.mktemp("instance")), "VERIFY_SIGNATURE": False,
                      "USER_KEY_SECRET": "0123456789abcdef0123456789abcdef", "LOG_LEVEL": "WARNING"})
    install(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture
def open_console(browser, base_url) -> Iterator:
    """open_console(viewport) -> a page on /console; fails the test on a script error or a 404/500."""
    contexts, errors = [], []

    def open_page(viewport: dict):
        context = browser.new_context(viewport=viewport, is_mobile=viewport is PHONE, has_touch=viewport is PHONE)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda msg: msg.type == "error" and "status of 400" not in msg.text
                and errors.append(msg.text))  # a 400 is an answer the page shows
        page.goto(f"{base_url}/console")
        page.locator("#symptoms details").first.wait_for()  # the catalogue has loaded
        return page

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    yield open_page
    for context in contexts:
        context.close()
    assert not errors, f"errors in the page: {errors}"


def say(page, text: str) -> None:
    """Type `text`, send it, wait for Alexa's answer."""
    answers = page.locator(".turn.alexa").count()
    page.get_by_label("You say").fill(text)
    page.get_by_role("button", name="Say", exact=True).click()
    page.locator(".turn.alexa").nth(answers).wait_for()


#: Stands in for the browser's voice: records what it is asked to say and finishes at once.
FAKE_VOICE = """
window.spoken = [];
window.speechSynthesis.speak = (utterance) => {
  window.spoken.push([utterance.text, utterance.lang]);
  setTimeout(() => utterance.onend && utterance.onend(), 0);
};
"""


def test_a_typed_conversation_answers_speaks_and_traces(open_console):
    page = open_console(LAPTOP)
    page.add_init_script(FAKE_VOICE)
    page.reload()
    page.get_by_label("Speak answers").check()
    say(page, "can I go running")
    page.wait_for_function("window.spoken.length > 0")
    assert page.evaluate("window.spoken") == [["When did your back spasm start: today, yesterday, or a few days ago?",
                                               "en-US"]]
    assert "When did your back spasm start" in page.locator(".turn.alexa").last.inner_text()
    assert "CanIExerciseIntent · activity=running" in page.locator(".turn.you .meta").last.inner_text()
    assert "waiting for onsetDate" in page.locator("#status").inner_text()
    for text in ("three days ago", "a two", "no"):
        say(page, text)
    answer = page.locator(".turn.alexa").last.inner_text()
    assert "Running isn't a good idea yet" in answer and "in about 3 weeks" in answer and "session open" in answer
    trace = page.locator("#trace").inner_text()
    assert "self care" in trace and "gentle stretching" in trace and "day 3, pain 2" in trace
    assert page.evaluate("localStorage.getItem('backcoach-console-user')").startswith("amzn1.ask.account.")
    page.screenshot(path=ARTIFACTS / "conversation.png")

    page.get_by_role("button", name="Say", exact=True).click()  # nothing typed, inside a session
    assert "text is empty" in page.locator(".turn.error").inner_text()
    page.get_by_role("button", name="End session").click()
    page.get_by_text("Session ended (SessionEndedRequest)").wait_for()
    assert page.get_by_role("button", name="End session").is_disabled()


def test_the_form_assesses_a_case(open_console):
    page = open_console(LAPTOP)
    form = page.locator("#assess-form")
    form.get_by_label("Days since onset").fill("3")
    form.get_by_label("Pain (0 to 10)").fill("2")
    form.get_by_label("Activity").select_option("running")
    form.get_by_text("Urgent signs").click()
    form.get_by_label("a high temperature or feeling hot and shivery").check()
    form.get_by_role("button", name="Assess").click()
    result = page.locator("#assess-result")
    result.locator(".tier").wait_for()
    assert result.locator(".tier").inner_text() == "urgent"
    assert "fever" in result.inner_text() and "Routine" in result.inner_text()
    form.get_by_label("a high temperature or feeling hot and shivery").uncheck()
    form.get_by_role("button", name="Assess").click()
    page.get_by_text("self care", exact=True).wait_for()
    assert "pelvic tilt" in result.inner_text()
    result.scroll_into_view_if_needed()
    page.screenshot(path=ARTIFACTS / "assessment.png")


def test_the_console_works_on_a_phone(open_console):
    page = open_console(PHONE)
    page.get_by_role("button", name="New session").click()
    page.locator(".turn.alexa").first.wait_for()
    assert "Welcome to Back Coach" in page.locator(".turn.alexa").first.inner_text()
    page.get_by_label("Locale").select_option("en-GB")
    page.get_by_text("Locale en-GB").wait_for()
    say(page, "I have a fever")
    page.get_by_role("button", name="+1 day").click()
    page.get_by_text("Clock moved: day +1").wait_for()
    page.locator(".talk").scroll_into_view_if_needed()
    page.screenshot(path=ARTIFACTS / "phone.png")
    page.screenshot(path=ARTIFACTS / "phone-full-page.png", full_page=True)
