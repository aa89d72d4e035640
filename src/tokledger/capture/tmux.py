"""``tokledger capture tmux``: poll the tmux panes running the Gemini, Codex and MiniMax CLIs.

Finding the panes
    ``tmux list-panes -a -F '#{pane_id} #{pane_pid} #{pane_current_command} #{session_name}
    #{pane_current_path}'`` lists every pane; a pane is a tool's when its current command, or a process
    below the pane's (one ``ps -e -o pid=,ppid=,args=`` per poll), is ``gemini``, ``codex`` or
    ``minimax``/``mmx`` — as the executable or as the script an interpreter runs (``node
    /usr/bin/gemini``: tmux reports such a pane's command as ``node``).

Reading them
    ``tmux capture-pane -p -J -S -`` (the scrollback too, wrapped lines joined) and
    :func:`~tokledger.capture.terminal.parse_screen`. A pane whose text did not change since the last
    poll is skipped by its SHA-256 (agent-deck's test, which alone re-counts a usage line still on
    screen whenever anything else changes).

Identity, so repeated screens and restarts count nothing twice
    Every summary is a running total, so each (session, model) is **one** event, key
    ``tmux:<tool>:<session>:<model>``, re-recorded with the larger totals whenever a new summary shows
    more: ``record`` must merge a key's copies keeping each count's maximum (as ingest does,
    :func:`tokledger.events.merge`). The session is the id on screen (Gemini's ``Session ID:``, Codex's
    ``codex resume <id>``), else the tool process (tmux server pid, pane id, process id). A summary of
    the same session showing smaller totals means the tool started over (``/clear``, ``/new``): it opens
    a new generation of the key. Source ``tmux``, provider the tool, project the pane's directory.

Codex and Gemini CLI also write session logs, which the ``codex`` and ``gemini`` sources read exactly:
capture them from the screen only where those logs are not read (another machine, logging turned off;
``--tools``), or their requests are counted twice. Cache writes and Gemini's thinking tokens are not on
screen, so these events are approximate.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tokledger.capture.terminal import TOOLS, parse_screen
from tokledger.env import Env
from tokledger.events import UsageEvent

SOURCE = "tmux"
NAMES = {"gemini": "gemini", "codex": "codex", "minimax": "minimax", "mmx": "minimax"}
INTERPRETERS = {"node", "nodejs", "bun", "deno", "python", "python3", "sh", "bash", "zsh", "env"}
_SEP = "::tl::"  # tmux prints a tab in a -F format as "_", so a printable separator that paths do not hold
_FORMAT = _SEP.join(
    ("#{pane_id}", "#{pane_pid}", "#{pane_current_command}", "#{session_name}", "#{pane_current_path}")
)


@dataclass(frozen=True)
class Pane:
    id: str
    pid: int
    command: str
    session: str
    path: str


class TmuxError(RuntimeError):
    pass


class Tmux:
    """Runs ``tmux`` (on the default server, ``-L socket_name`` or ``-S socket_path``)."""

    def __init__(self, env: Env, *, socket_name: str | None = None, socket_path: Path | None = None):
        self.env = env
        self.socket = ["-L", socket_name] if socket_name else ["-S", str(socket_path)] if socket_path else []

    def run(self, *args: str) -> str:
        exe = shutil.which("tmux", path=self.env.get("PATH"))
        if exe is None:
            raise TmuxError("tmux is not installed")
        done = subprocess.run([exe, *self.socket, *args], capture_output=True, timeout=30, check=False,
                              env=dict(self.env.environ) or None)  # fmt: skip
        if done.returncode != 0:
            raise TmuxError(done.stderr.decode(errors="replace").strip() or f"tmux exited {done.returncode}")
        return done.stdout.decode(errors="replace")

    def server_pid(self) -> str:
        return self.run("display-message", "-p", "#{pid}").strip()

    def panes(self) -> list[Pane]:
        try:
            out = self.run("list-panes", "-a", "-F", _FORMAT)
        except TmuxError as exc:
            if "no server running" in str(exc) or "error connecting" in str(exc):
                return []
            raise
        panes = []
        for line in out.splitlines():
            parts = line.split(_SEP, 4)
            if len(parts) == 5 and parts[1].isdigit():
                panes.append(Pane(parts[0], int(parts[1]), parts[2], parts[3], parts[4]))
        return panes

    def capture(self, pane_id: str) -> str:
        return self.run("capture-pane", "-p", "-J", "-S", "-", "-t", pane_id)


def process_table(env: Env) -> dict[int, tuple[int, list[str]]]:
    """pid -> (parent pid, arguments) for every process (empty when ``ps`` is unavailable)."""
    exe = shutil.which("ps", path=env.get("PATH"))
    if exe is None:
        return {}
    done = subprocess.run([exe, "-e", "-o", "pid=,ppid=,args="], capture_output=True, timeout=30, check=False)
    table = {}
    for line in done.stdout.decode(errors="replace").splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[0].isdigit() and parts[1].isdigit():
            table[int(parts[0])] = (int(parts[1]), parts[2:])
    return table


def _tool_of(args: list[str]) -> str | None:
    names = [Path(a).name for a in args[:3]]
    if names and names[0] in NAMES:
        return NAMES[names[0]]
    if names and names[0].rstrip("0123456789.") in INTERPRETERS:
        for name in names[1:]:
            if not name.startswith("-"):
                return NAMES.get(name.removesuffix(".js"))
    return None


def detect(pane: Pane, processes: dict[int, tuple[int, list[str]]]) -> tuple[str, int] | None:
    """The tool a pane runs and that tool's process id (the pane's own pid when nothing deeper is known)."""
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in processes.items():
        children.setdefault(ppid, []).append(pid)
    todo = [pane.pid]
    while todo:
        pid = todo.pop(0)
        tool = _tool_of(processes[pid][1]) if pid in processes else None
        if tool:
            return tool, pid
        todo += sorted(children.get(pid, []))
    tool = NAMES.get(pane.command)
    return (tool, pane.pid) if tool else None


class Poller:
    """Polls every tool pane and hands new or grown usage to ``record`` (one call per poll)."""

    def __init__(self, tmux: Tmux, record: Callable[[list[UsageEvent]], None], *, tools: tuple[str, ...] = TOOLS,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)):  # fmt: skip
        self.tmux, self.record, self.tools, self.now = tmux, record, tools, now
        self.screens: dict[str, str] = {}
        self.totals: dict[str, tuple[int, ...]] = {}
        self.generations: dict[str, int] = {}
        self._server: str | None = None

    def _key(self, base: str, totals: tuple[int, ...]) -> str:
        """The key these totals belong to: a generation that showed them, else the latest one they grow
        from, else a new generation (the tool started over)."""
        keys = [base if g == 0 else f"{base}:{g}" for g in range(self.generations.get(base, 0))]
        for key in keys:
            if self.totals[key] == totals:
                return key
        for key in reversed(keys):
            if all(t >= p for t, p in zip(totals, self.totals[key], strict=True)):
                return key
        self.generations[base] = len(keys) + 1
        return base if not keys else f"{base}:{len(keys)}"

    def poll(self) -> list[UsageEvent]:
        panes = self.tmux.panes()
        if not panes:
            return []
        processes = process_table(self.tmux.env)
        self._server = self._server or self.tmux.server_pid()
        events: dict[str, UsageEvent] = {}
        for pane in panes:
            found = detect(pane, processes)
            if found is None or found[0] not in self.tools:
                continue
            tool, pid = found
            text = self.tmux.capture(pane.id)
            digest = hashlib.sha256(text.encode()).hexdigest()
            if self.screens.get(pane.id) == digest:
                continue
            self.screens[pane.id] = digest
            for s in parse_screen(text, (tool,)):
                session = s.session or f"{self._server}:{pane.id}:{pid}"
                totals = (s.input_tokens, s.output_tokens, s.cache_read_tokens, s.reasoning_tokens)
                key = self._key(f"tmux:{s.tool}:{session}:{s.model}", totals)
                if self.totals.get(key) == totals:
                    continue
                self.totals[key] = totals
                events[key] = UsageEvent(
                    source=SOURCE, key=key, timestamp=self.now(), model=s.model, input_tokens=s.input_tokens,
                    output_tokens=s.output_tokens, cache_read_tokens=s.cache_read_tokens,
                    reasoning_tokens=s.reasoning_tokens, session_id=session, project=pane.path or None,
                    provider=tool,
                )  # fmt: skip
        if events:
            self.record(list(events.values()))
        return list(events.values())

    def run(self, interval: float, stop: threading.Event | None = None) -> None:
        stop = stop or threading.Event()
        while not stop.is_set():
            self.poll()
            stop.wait(interval)
