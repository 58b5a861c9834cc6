"""Freeze a test PostgreSQL server (tests/postgres_server.py) with SIGSTOP, and thaw it.

A frozen server is the worst kind of outage for a client: its kernel keeps the TCP connections
open and acknowledges every byte, but nothing ever answers, and no server-side timeout fires.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def server_processes(data_dir: Path) -> list[int]:
    """The postmaster of the cluster in `data_dir` and all its child processes."""
    main = int((data_dir / "postmaster.pid").read_text().split()[0])
    children = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:  # the process ended meanwhile
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == main:  # field 4, after "(comm)"
            children.append(int(entry))
    return [main, *children]


def signal_all(pids: list[int], signum: int) -> None:
    for pid in pids:
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass


@contextmanager
def frozen(server) -> Iterator[list[int]]:
    """SIGSTOP every process of `server` (a PostgresServer) for the block; SIGCONT after it, always."""
    pids = server_processes(server.data)
    signal_all(pids, signal.SIGSTOP)
    try:
        yield pids
    finally:
        signal_all(pids, signal.SIGCONT)
