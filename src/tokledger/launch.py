"""The ``tokledger`` program's entry point.

Claude Code runs ``tokledger statusline`` after every assistant message and ``tokledger hook`` on every
turn, so those two start without the command-line framework (click and the report commands take longer
to import than the status line takes to answer): ``[--db PATH] [--config PATH] statusline [--format T]``
and ``[--db PATH] [--config PATH] hook [EVENT]`` are recognised here and run directly. Anything else —
other commands, ``--help``, ``--debug``, an option spelled another way — goes to :mod:`tokledger.cli`,
which runs the same code (:mod:`tokledger.guard.run`) for these two commands as well.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

_GLOBAL = ("--db", "--config")


def quick(argv: list[str]) -> tuple[dict[str, str], str, list[str]] | None:
    """``(global options, command, its arguments)`` when ``argv`` is a status-line or hook call in the
    plain forms above; else None."""
    options: dict[str, str] = {}
    i = 0
    while i < len(argv) and argv[i].startswith("--"):
        name, eq, value = argv[i].partition("=")
        if name not in _GLOBAL:
            return None
        if not eq:
            if i + 1 >= len(argv):
                return None
            i, value = i + 1, argv[i + 1]
        options[name] = value
        i += 1
    if i >= len(argv) or argv[i] not in ("statusline", "hook"):
        return None
    command, rest = argv[i], argv[i + 1 :]
    if command == "hook":
        return (
            (options, command, rest) if len(rest) <= 1 and not any(a.startswith("-") for a in rest) else None
        )
    if not rest:
        return options, command, rest
    if len(rest) == 2 and rest[0] == "--format":
        return options, command, rest
    if len(rest) == 1 and rest[0].startswith("--format="):
        return options, command, ["--format", rest[0].partition("=")[2]]
    return None


def main() -> None:
    found = quick(sys.argv[1:])
    if found is None:
        from tokledger.cli import main as cli_main

        cli_main()
        return
    options, command, rest = found
    from tokledger.guard import run
    from tokledger.workspace import Workspace

    workspace: list[Workspace] = []

    def services():
        db, config = options.get("--db"), options.get("--config")
        workspace.append(Workspace.from_os(db_path=Path(db) if db else None,
                                          config_path=Path(config) if config else None))  # fmt: skip
        return workspace[0].guard

    try:
        if command == "statusline":
            text = sys.stdin.read(run.MAX_STDIN)
            line = run.statusline(services, text, template=rest[1] if rest else None,
                                  colour="NO_COLOR" not in os.environ)  # fmt: skip
            sys.stdout.write(line + "\n")
            code = 0
        else:
            code = run.hook(services, rest[0] if rest else None, sys.stdin, sys.stdout, sys.stderr)
    finally:
        for w in workspace:
            w.close()
    sys.stdout.flush()
    sys.exit(code)
