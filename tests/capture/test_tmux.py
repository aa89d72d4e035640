"""The tmux poller against a real tmux server (its own socket) whose panes print recorded CLI output."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from tokledger.capture.tmux import Pane, Poller, Tmux, detect
from tokledger.env import Env

pytestmark = pytest.mark.slow
SCREENS = FIXTURES / "capture"


def wait_for(condition: Callable[[], object], what: str, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def server(tmp_path):
    assert shutil.which("tmux"), "tmux is needed (.ci/run installs it)"
    bin_dir, queue, sock_dir = tmp_path / "bin", tmp_path / "queue", tmp_path / "sockets"
    for d in (bin_dir, queue, sock_dir):
        d.mkdir()
    # A fake Gemini CLI: prints a recorded exit summary, then stays (a copy of sleep named gemini).
    shutil.copy(shutil.which("sleep"), bin_dir / "gemini")
    # A fake Codex CLI: a shell named codex printing whatever lands in the queue directory.
    shutil.copy(shutil.which("sh"), bin_dir / "codex")
    loop = f'while :; do for f in {queue}/*.txt; do [ -e "$f" ] && cat "$f" && rm "$f"; done; sleep 0.1; done'
    env = Env(home=tmp_path, environ={"PATH": os.environ["PATH"], "TMUX_TMPDIR": str(sock_dir), "HOME": str(tmp_path),
                                      "TERM": "xterm-256color"})  # fmt: skip
    tmux = Tmux(env, socket_name="tokledger-test")
    work = tmp_path / "project"
    work.mkdir()
    gemini = f"sh -c 'cat {SCREENS / 'gemini_exit.txt'}; exec {bin_dir / 'gemini'} 100000'"
    tmux.run(
        "-f", "/dev/null", "new-session", "-d", "-s", "work", "-x", "200", "-y", "60", "-c", str(work), gemini
    )
    tmux.run("new-window", "-t", "work", "-c", str(work), f"{bin_dir / 'codex'} -c '{loop}'")
    # not a tool: its usage-looking lines must be ignored
    tmux.run("new-window", "-t", "work", f"sh -c 'cat {SCREENS / 'agent_deck_lines.txt'}; exec sleep 100000'")
    yield tmux, queue, work
    tmux.run("kill-server")


def test_polling_real_panes(server):
    tmux, queue, work = server
    batches = []
    poller = Poller(tmux, batches.append)
    gemini = wait_for(lambda: [e for e in poller.poll() if e.provider == "gemini"], "the Gemini summary")
    assert sorted((e.model, e.input_tokens, e.cache_read_tokens, e.output_tokens) for e in gemini) == [
        ("gemini-2.5-flash-lite", 39_574, 0, 2_104), ("gemini-2.5-pro", 1_455_668, 12_368_750, 54_844)]  # fmt: skip
    assert {e.session_id for e in gemini} == {"4e58442b-86ca-4257-95a1-ac9eb0a331eb"}
    assert {e.project for e in gemini} == {str(work)} and {e.source for e in gemini} == {"tmux"}
    assert poller.poll() == []  # the same screens again: nothing new

    (queue / "a.txt").write_text((SCREENS / "codex_exit.txt").read_text())
    [codex] = wait_for(lambda: [e for e in poller.poll() if e.provider == "codex"], "the Codex summary")
    assert codex.key == "tmux:codex:0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b:gpt-5-codex"
    assert (codex.input_tokens, codex.cache_read_tokens, codex.output_tokens, codex.reasoning_tokens) == (
        12_004, 35_840, 468, 192)  # fmt: skip

    # other output while the summary is still on screen: the screen changed, the usage did not
    codex_pane = next(p for p in tmux.panes() if p.command == "codex")
    (queue / "b.txt").write_text("› thanks\n• You're welcome.\n")
    wait_for(lambda: "welcome" in tmux.capture(codex_pane.id), "the new text")
    assert poller.poll() == []

    # a second thread's total appears
    second = (SCREENS / "codex_exit.txt").read_text().replace("0199a1b2", "0299a1b2").replace("468", "1,468")
    (queue / "c.txt").write_text(second)
    [again] = wait_for(lambda: poller.poll(), "the second Codex summary")
    assert again.key.startswith("tmux:codex:0299a1b2") and again.output_tokens == 1_468

    # a poller started afresh re-reads the screens under the same keys: recording them again adds nothing
    fresh = Poller(tmux, lambda events: None)
    keys = {e.key for e in fresh.poll()}
    assert keys == {e.key for batch in batches for e in batch}


def test_no_server_means_no_panes(tmp_path):
    env = Env(home=tmp_path, environ={"PATH": os.environ["PATH"], "TMUX_TMPDIR": str(tmp_path)})
    assert Poller(Tmux(env, socket_name="nothing-here"), lambda e: None).poll() == []


def test_detect_looks_below_interpreters():
    pane = Pane("%1", 100, "node", "s", "/p")
    processes = {
        100: (1, ["-zsh"]),
        200: (100, ["node", "/usr/local/bin/gemini", "--yolo"]),
        300: (200, ["rg", "x"]),
    }
    assert detect(pane, processes) == ("gemini", 200)
    assert detect(Pane("%2", 7, "codex", "s", "/p"), {}) == ("codex", 7)
    assert detect(Pane("%3", 8, "vim", "s", "/p"), {8: (1, ["vim", "gemini.md"])}) is None
    assert detect(Pane("%4", 9, "python3", "s", "/p"), {9: (1, ["python3", "build.py"])}) is None


def test_a_tool_starting_over_opens_a_new_generation(tmp_path):
    poller = Poller(Tmux(Env(home=Path(tmp_path))), lambda e: None)
    base = "tmux:gemini:s:gemini-2.5-pro"
    assert poller._key(base, (10, 5, 0, 0)) == base
    poller.totals[base] = (10, 5, 0, 0)
    assert poller._key(base, (12, 6, 0, 0)) == base  # grew
    assert poller._key(base, (3, 1, 0, 0)) == base + ":1"  # smaller: /clear
    poller.totals[base + ":1"] = (3, 1, 0, 0)
    assert poller._key(base, (10, 5, 0, 0)) == base  # the old total still on screen
