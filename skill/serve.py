"""`backcoach serve`: the skill under gunicorn, configured like production (deploy/gunicorn.conf.py).

Local runs (``python3 dev.py run``) bind 127.0.0.1:8000 with request verification off; the
application factory reads everything else from ``BACKCOACH_*`` variables.
"""

from __future__ import annotations

from gunicorn.app.base import BaseApplication

from .app import create_app


class Server(BaseApplication):
    """gunicorn running `create_app()` once per worker (after fork)."""

    def __init__(self, options: dict) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if value is not None:
                self.cfg.set(key, value)

    def load(self):
        return create_app()


def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1, threads: int = 4) -> None:
    """Serve until interrupted."""
    create_app()  # fail here, in the foreground, on a bad configuration or broken plugin data
    Server({
        "bind": f"{host}:{port}", "workers": workers, "threads": threads,
        "worker_class": "gthread" if threads > 1 else "sync", "timeout": 5, "graceful_timeout": 5,
        "accesslog": "-", "access_log_format": '%(h)s "%(r)s" %(s)s %(b)s %(M)sms',
    }).run()
