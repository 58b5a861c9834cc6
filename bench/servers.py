"""A benchmark target under gunicorn on a free loopback port: start, wait, restart, memory, stop."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from gunicorn_server import stop
from postgres_server import free_port

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 2
TICKS = os.sysconf("SC_CLK_TCK")


class Server:
    """One gunicorn (2 sync workers) serving a WSGI target; its output is appended to ``log``."""

    def __init__(self, name: str, app: str, env: dict, log: Path) -> None:
        self.name, self.app, self.env, self.log_path = name, app, env, log
        self.port, self.starts = free_port(), 0
        log.write_bytes(b"")
        self._start()

    def _start(self) -> None:
        self.starts += 1
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-w", str(WORKERS), "-k", "sync",
                 "-b", f"127.0.0.1:{self.port}", "--timeout", "30", "--log-level", "warning", self.app],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)

    def wait(self, body: bytes, headers: dict, seconds: float = 30) -> None:
        """Wait until the target answers a signed request with 200."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                request = urllib.request.Request(f"http://127.0.0.1:{self.port}/alexa", data=body, headers=headers)
                with urllib.request.urlopen(request, timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not start; see {self.log_path}")

    def restart(self) -> None:
        """Stop gunicorn and start it again on the same port (same database, fresh processes)."""
        self.stop()
        self._start()

    def workers(self) -> list[str]:
        """The worker processes' ids (children of the gunicorn master)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return children.read_text().split() if children.exists() else []

    def rss_mb(self) -> list[float]:
        """Resident memory of each worker, in MB."""
        sizes = []
        for pid in self.workers():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]) / 1024)
        return sizes

    def cpu_seconds(self) -> dict[str, float]:
        """CPU time (user + system, all threads) each worker has used so far."""
        out = {}
        for pid in self.workers():
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            out[pid] = (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (fields 14, 15)
        return out

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        """SIGTERM (graceful), then SIGKILL after 10 s."""
        stop(self.process, grace=10)
