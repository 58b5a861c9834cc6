"""Take docs/console.png, the console screenshot in the README: a short typed conversation.

    .venv/bin/python docs/console_screenshot.py

Needs Debian's chromium (/usr/bin/chromium) and playwright (the test extra); the app runs in
process on a free loopback port with verification off, as `python3 dev.py run` serves it.
"""

from __future__ import annotations

import sys
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from skill.app import create_app  # noqa: E402 - after the path set-up above
from skill.simulator.console import install  # noqa: E402

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SAID = ("can I go for a walk, my back went three days ago", "about a four", "no")


def main() -> int:
    app = create_app({"INSTANCE_PATH": tempfile.mkdtemp(), "VERIFY_SIGNATURE": False, "LOG_LEVEL": "WARNING",
                      "USER_KEY_SECRET": "0123456789abcdef0123456789abcdef"})
    install(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"http://127.0.0.1:{server.server_port}/console")
            page.locator("#symptoms details").first.wait_for()
            for text in SAID:
                answers = page.locator(".turn.alexa").count()
                page.get_by_label("You say").fill(text)
                page.get_by_role("button", name="Say", exact=True).click()
                page.locator(".turn.alexa").nth(answers).wait_for()
            page.screenshot(path=ROOT / "docs" / "console.png")
            browser.close()
    finally:
        server.shutdown()
    print(f"wrote {ROOT / 'docs' / 'console.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
