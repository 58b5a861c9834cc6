"""`backcoach`: the command line of Back Coach.

Rule-layer commands (assess, plugins, stretches, check) come from `rules.cli`; this module adds
the skill's own (serve, model export, chat) and is the console-script entry point.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from rules import cli as rules_cli


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="backcoach",
        description="Back Coach: safe, sourced exercise advice after a back spasm.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    rules_cli.add_commands(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return rules_cli.run(args.func, args, sys.stdout, sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
