"""The skill under real gunicorn (deploy/gunicorn.conf.py) on a free loopback port.

Used by the scale-out tests and by bench/faults.py: the server a deployment runs, not the
Flask test client.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from postgres_server import free_port

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 30.0


class SkillServer:
    """`gunicorn "skill.app:create_app()" -c deploy/gunicorn.conf.py`; output goes to `log`.

    `environment` is the whole environment of the server (pass ``{**os.environ, ...}`` to
    inherit this one); the bind address and the number of workers are set here.
    """

    def __init__(self, environment: dict[str, str], log: Path, workers: int = 2) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        with log.open("wb") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "skill.app:create_app()",
                 "-c", str(ROOT / "deploy/gunicorn.conf.py")],
                cwd=ROOT, stdout=output, stderr=subprocess.STDOUT,
                env={**environment, "BACKCOACH_BIND": f"127.0.0.1:{self.port}",
                     "WEB_CONCURRENCY": str(workers)})

    def health(self) -> dict:
        with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
            return json.loads(response.read())

    def wait_healthy(self) -> None:
        """Wait until /healthz answers with the database reachable; RuntimeError after START_TIMEOUT."""
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}: {self.log_tail()}")
            try:
                if self.health()["database"] == "ok":
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server not healthy after {START_TIMEOUT} s: {self.log_tail()}")

    def stop(self) -> None:
        """SIGTERM (graceful), then SIGKILL if it does not exit within 15 s."""
        stop(self.process)

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


def stop(process: subprocess.Popen, grace: float = 15.0) -> None:
    """Stop a server process: SIGTERM (graceful), then SIGKILL if it does not exit within ``grace`` s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
