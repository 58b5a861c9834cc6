"""Production gunicorn settings for Back Coach.

    gunicorn "skill.app:create_app()" -c deploy/gunicorn.conf.py

TLS is terminated in front (nginx or a load balancer, see deploy/README.md); gunicorn speaks
plain HTTP on a private address. The application itself is configured by ``BACKCOACH_*``
variables (skill/config.py); this file only shapes the server. Command-line options and
``GUNICORN_CMD_ARGS`` override anything set here.
"""

import os
import socket as _socket
import time as _time

from gunicorn.workers.gthread import ThreadWorker as _ThreadWorker

# Loopback by default: only the TLS proxy on this host may talk to gunicorn. Behind a load
# balancer on another host, bind a private address (BACKCOACH_BIND=10.0.0.5:8000), never 0.0.0.0
# on a public interface.
bind = os.environ.get("BACKCOACH_BIND", "127.0.0.1:8000")


def _cores() -> int:
    """CPUs this process may run on (respects container CPU sets; cpu_count() does not)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS has no sched_getaffinity
        return os.cpu_count() or 1


# gunicorn's rule of thumb: one process per core keeps every core busy with Python (the GIL
# lets one thread per process compute), the rest cover processes waiting on I/O.
# WEB_CONCURRENCY (the usual platform variable) overrides it.
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * _cores() + 1)

# gthread, not sync:
# * sync workers ignore keep-alive and close every connection ("Connection: close"), so the
#   proxy's upstream keep-alive (deploy/README.md) would be wasted; gthread keeps them open.
# * a request waits on I/O for a bounded time (Alexa's Settings API up to 0.8 s, the database
#   up to BACKCOACH_DB_TIMEOUT = 2 s, a certificate download up to 2 s): threads let the
#   process answer other requests meanwhile, with fewer processes (less memory) than sync.
# * the app is thread-safe by design: one SQLite connection per thread, a psycopg pool
#   shared by the threads, locks around the store's shared state.
# 4 threads matches BACKCOACH_DB_POOL_MAX (4): each thread can hold a PostgreSQL connection
# without waiting on the pool. Size PostgreSQL's max_connections for
# servers x workers x DB_POOL_MAX, plus a margin for migrations and administration.
threads = 4

# Slow clients. gthread reads a request (headers, then the body the app asks for) in one of
# those 4 threads with blocking reads and no time limit: a client that trickles a byte now and
# then holds the thread for as long as it likes, and six such clients stall the worker (new
# connections are accepted, then queued behind them). nginx in front (deploy/README.md) is the
# real cure: it buffers whole requests before gunicorn sees them. Without it, this worker
# class adds the missing bound: a connection gets READ_SECONDS from the moment a thread picks
# it up to deliver its request; then its socket is shut down for reading, the blocked read
# returns, and the connection is closed (a half-read body answers 400). The thread is free
# again, so slow clients cost at most READ_SECONDS of a thread each and normal requests wait
# in line behind them instead of forever. Alexa (or the proxy) sends a few KB at once.
_READ_SECONDS = float(os.environ.get("BACKCOACH_READ_TIMEOUT") or 3.0)


def _shut_reads(conn) -> None:
    conn.sock.shutdown(_socket.SHUT_RD)  # conn.sock: the TLS socket once gunicorn wrapped it


class _BoundedReadsWorker(_ThreadWorker):
    """gthread with a deadline on each request's reads (see above)."""

    def init_process(self):
        # Imported here, in the worker: the master process stays free of the application.
        from skill.backends.watchdog import Watchdog

        self._reads = Watchdog(_shut_reads, "backcoach-read-deadline")
        super().init_process()

    def handle(self, conn):
        token = self._reads.arm(conn, _time.monotonic() + _READ_SECONDS)
        try:
            return super().handle(conn)
        finally:
            self._reads.disarm(token)


worker_class = _BoundedReadsWorker

# Request size limits (gunicorn refuses more with 400 before the app runs). Alexa sends one
# short request line (POST /alexa) and about a dozen headers, the longest the 344-character
# Signature-256; a load balancer adds a few X-Forwarded-*/trace headers.
limit_request_line = 2048
limit_request_fields = 40
limit_request_field_size = 4096

# Alexa gives up after about 8 s. With gthread, `timeout` is a heartbeat, not a per-request
# deadline: a worker whose main loop is stuck for 6 s is killed and replaced. Requests are
# bounded by the app's own timeouts (above), by READ_SECONDS and by the proxy's
# proxy_read_timeout (7 s).
timeout = 6
# On reload or shutdown, in-flight requests get this long to finish: after 8 s Alexa has
# stopped waiting for them anyway.
graceful_timeout = 8
# Idle keep-alive connections from the proxy stay open longer than the proxy keeps them
# (nginx `keepalive_timeout 60s` in the upstream block), so the proxy always closes first and
# never sends a request on a connection gunicorn is closing (a source of sporadic 502s). An
# idle connection waits in the worker's poller, not in a thread, so this does not let slow
# clients stall anything; READ_SECONDS starts when a kept-alive connection sends again.
keepalive = 75

# Recycle each worker after about 2000 requests to bound slow memory growth (caches,
# fragmentation); the jitter spreads the restarts so the workers never restart together.
max_requests = 2000
max_requests_jitter = 200

# Each worker builds its own app after fork. create_app() opens the store: a psycopg pool with
# background threads and open sockets, or SQLite connections. Threads do not survive fork()
# and sockets or SQLite handles shared by several processes corrupt each other's state, so
# nothing of the kind may be built in the master. It also means a bad configuration or broken
# plugin data stops the workers at boot, and gunicorn exits with an error instead of serving.
preload_app = False

# Access log on stdout: method, path without the query string (%(U)s, never %(r)s or %(q)s),
# status, response size, latency, worker pid. No client address, no headers: Alexa's
# requests carry user and device ids in the body and nothing here may log personal data.
# The app logs request ids, intent names and outcomes itself (stderr, with the error log).
accesslog = "-"
access_log_format = '%(m)s %(U)s %(s)s %(B)s %(M)sms %(p)s'
errorlog = "-"
loglevel = "info"
proc_name = "backcoach"

# forwarded_allow_ips stays at gunicorn's default: the FORWARDED_ALLOW_IPS variable, else
# 127.0.0.1 and ::1 (a proxy on this host). Only those addresses may set X-Forwarded-Proto and
# make a request count as HTTPS. Behind a proxy on another host, set FORWARDED_ALLOW_IPS to its
# address; never "*" while anything else can reach the port.


def on_starting(server):
    """Check the configuration once, in the master, before any worker forks: a bad setting (say,
    verification on without BACKCOACH_SKILL_ID) is one clear line, not a traceback per worker."""
    import sys

    from flask import Flask

    from skill import config
    try:
        config.load(Flask("skill.app", instance_path=config.instance_path(None), instance_relative_config=True))
    except config.ConfigError as exc:
        sys.stderr.write(f"backcoach: {exc}\n")
        sys.stderr.flush()
        os._exit(2)  # before any worker exists; gunicorn's own SystemExit handling would log a traceback
