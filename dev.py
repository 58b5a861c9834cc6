#!/usr/bin/env python3
"""Set up and run Back Coach on a fresh machine that has only Python 3.11+.

    python3 dev.py run      # the skill on its embedded defaults (SQLite, local console)
    python3 dev.py test     # the whole test suite (extra arguments go to pytest)
    python3 dev.py test --fast   # the inner loop: without the property-based and browser tests
    python3 dev.py bench    # the benchmark of bench/README.md

Each command creates `.venv` next to this file and installs the project into it
(again only when pyproject.toml changed), then runs inside it.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".backcoach-installed"


def ensure_venv() -> Path:
    """Create .venv and install the project with its test extra when needed."""
    if sys.version_info < (3, 11):
        sys.exit(f"Back Coach needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    python = BIN / "python"
    if python.exists() and STAMP.exists() and STAMP.read_text() == wanted:
        return python
    if not python.exists():
        print("dev.py: creating .venv", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("dev.py: installing Back Coach and its test tools into .venv", flush=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[test]"],
        check=True,
    )
    STAMP.write_text(wanted)
    return python


def main(argv: list[str]) -> int:
    command, rest = (argv[0], argv[1:]) if argv else ("help", [])
    if command not in ("run", "test", "bench"):
        print(__doc__)
        return 0 if command in ("help", "-h", "--help") else 2
    python = ensure_venv()
    env = dict(os.environ)
    if command == "run":
        # Local use: Alexa cannot reach this machine, so requests are not signed.
        env.setdefault("BACKCOACH_VERIFY_SIGNATURE", "false")
        cmd = [str(BIN / "backcoach"), "serve", *rest]
    elif command == "test":
        if "--fast" in rest:
            rest = [arg for arg in rest if arg != "--fast"] + ["-m", "not slow"]
        cmd = [str(python), "-m", "pytest", *rest]
    else:
        cmd = [str(python), str(ROOT / "bench" / "run.py"), *rest]
    process = subprocess.Popen(cmd, cwd=ROOT, env=env)
    try:
        return process.wait()
    except KeyboardInterrupt:  # Ctrl-C reaches the child too: let it stop, without a traceback here
        try:
            return process.wait(timeout=15)
        except (KeyboardInterrupt, subprocess.TimeoutExpired):
            process.kill()
            return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
