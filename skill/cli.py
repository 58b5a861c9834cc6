"""`backcoach`: the command line of Back Coach.

Rule-layer commands (assess, plugins, stretches, check, sources) come from `rules.cli`; this
module adds the skill's own (serve, model, chat, speak, doctor) and is the console-script entry point.
"""

from __future__ import annotations

import argparse
import errno
import socket
import sys
from importlib import metadata
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from rules import RuleSet, build_plugin_manager
from rules import cli as rules_cli


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="backcoach",
        description="Back Coach: sourced, conservative guidance and a stretch coach after a back spasm.")
    p.add_argument("--version", action="version", version=f"backcoach {_version()}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    rules_cli.add_commands(sub)

    s = sub.add_parser("serve", help="serve the skill (gunicorn; BACKCOACH_* variables configure it)")
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    s.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    s.add_argument("--workers", type=int, default=1)
    s.add_argument("--threads", type=int, default=4)
    s.set_defaults(func=cmd_serve)

    m = sub.add_parser("model", help="the Alexa interaction models generated from the plugins' data")
    msub = m.add_subparsers(dest="model_command", required=True, metavar="ACTION")
    e = msub.add_parser("export", help="write the interaction models (and, with --public-url, skill.json)")
    e.add_argument("--dir", type=Path, default=None, help="the skill package folder (default deploy/skill-package)")
    e.add_argument("--public-url", help="this deployment's public https URL: also writes skill.json for it "
                                        "(endpoint, privacy notice, terms, icons)")
    e.set_defaults(func=cmd_model_export)

    d = sub.add_parser("doctor", help="what is configured and what is missing (database, skill id, ...)")
    d.set_defaults(func=cmd_doctor)

    c = sub.add_parser("chat", help="talk to the skill as if to an Echo: typed text in, what Alexa says out")
    c.add_argument("--script", metavar="FILE", help="run the turns in FILE (one utterance or :command a line)")
    c.add_argument("--locale", default="en-US", help="the device's locale (default en-US)")
    c.add_argument("--url", help="a running server's /alexa URL instead of an in-process app")
    c.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for --url (default 10)")
    c.add_argument("--sign-with", metavar="DIR", help="sign --url requests with the test authority in DIR")
    c.add_argument("--make-test-ca", metavar="DIR", help="write a test authority for --sign-with to DIR and exit")
    c.add_argument("--verify", action="store_true", help="in process: verify signatures (requests are signed)")
    c.add_argument("--db", help="in process: a SQLite file or database URL (default: the instance folder's)")
    c.add_argument("--user", help="the Alexa user id (default: a new one per run)")
    c.add_argument("--trace", action="store_true", help="show intents, slots and the rule trace")
    c.add_argument("--apl", action="store_true", help="a device with a screen (APL)")
    c.set_defaults(func=cmd_chat)

    k = sub.add_parser("speak", help="hear the pacing: a routine's responses rendered to a WAV file with "
                                     "espeak-ng, each with its computed length")
    k.set_defaults(func=cmd_speak)
    _speak_arguments(k)
    return p


def _speak_arguments(k: argparse.ArgumentParser) -> None:
    from .simulator.speak import add_arguments  # developer tool: imported when the parser is built
    add_arguments(k)


def cmd_serve(args: argparse.Namespace, out: TextIO) -> int:
    """The skill under gunicorn, like production (deploy/gunicorn.conf.py), on one host and port.

    Local runs (``python3 dev.py run``) bind 127.0.0.1:8000 with request verification off and the
    browser console on; the application reads everything else from ``BACKCOACH_*`` variables.
    """
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):
        """gunicorn running `local_app()` once per worker (after fork)."""

        def __init__(self, options: dict) -> None:
            self.options = options
            super().__init__()

        def load_config(self) -> None:
            for key, value in self.options.items():
                if value is not None:
                    self.cfg.set(key, value)

        def load(self):
            return local_app()

    app = local_app()  # fail here, in the foreground, on a bad configuration or broken plugin data
    _check_port(args.host, args.port)
    base = f"http://{args.host}:{args.port}"
    out.write(f"Back Coach {_version()} on {base}/alexa\n")
    out.write(f"  health check  {base}/healthz\n")
    if app.config["CONSOLE"]:
        out.write(f"  console       {base}/console\n")
    out.write(f"  privacy       {base}/privacy   terms {base}/terms\n  Ctrl-C stops it.\n")
    out.flush()
    Server({
        "bind": f"{args.host}:{args.port}", "workers": args.workers, "threads": args.threads,
        "worker_class": "gthread" if args.threads > 1 else "sync", "timeout": 5, "graceful_timeout": 5,
        "accesslog": "-", "access_log_format": '%(h)s "%(r)s" %(s)s %(b)s %(M)sms',
    }).run()
    return 0


def _check_port(host: str, port: int) -> None:
    """Fail with a clear message when the port is taken, instead of gunicorn's retries."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise ValueError(f"port {port} on {host} is busy (another server is using it): "
                                 f"choose another with --port, e.g. --port {port + 1}") from None
            raise ValueError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def _version() -> str:
    try:
        return metadata.version("back-coach")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def local_app():
    """`create_app()`, plus the browser console when CONSOLE is on (a developer tool)."""
    from .app import create_app

    app = create_app()
    if app.config["CONSOLE"]:
        from .simulator.console import install  # developer tool: only with CONSOLE on
        install(app)
    return app


def cmd_model_export(args: argparse.Namespace, out: TextIO) -> int:
    import os

    from . import config
    from .voice import manifest
    from .voice.model import MODEL_DIR, export
    package = args.dir or (Path(__file__).resolve().parent.parent / MODEL_DIR.parent.parent)
    public_url = args.public_url or os.environ.get(f"{config.PREFIX}_PUBLIC_URL")
    built = None
    if public_url:  # checked before anything is written
        built = manifest.build(public_url, remember_health=bool(config.flag(
            os.environ.get(f"{config.PREFIX}_REMEMBER_HEALTH"))))
    for path in export(RuleSet(build_plugin_manager()), package / "interactionModels" / "custom"):
        out.write(f"wrote {path}\n")
    if built is not None:
        out.write(f"wrote {manifest.write(package / 'skill.json', built)}\n")
    else:
        out.write("skill.json not written: pass --public-url https://your.host to build it for a deployment\n")
    return 0


def cmd_doctor(args: argparse.Namespace, out: TextIO) -> int:
    from .doctor import report
    return report(out)


def cmd_chat(args: argparse.Namespace, out: TextIO) -> int:
    from .app import create_app
    from .simulator.chat import run
    return run(args, out, create_app)


def cmd_speak(args: argparse.Namespace, out: TextIO) -> int:
    from .app import create_app
    from .simulator.speak import run
    return run(args, out, create_app)


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return rules_cli.run(args.func, args, sys.stdout, sys.stderr)
    except KeyboardInterrupt:  # Ctrl-C: stop quietly, no traceback
        sys.stderr.write("\nstopped\n")
        return 130


if __name__ == "__main__":
    sys.exit(main())
