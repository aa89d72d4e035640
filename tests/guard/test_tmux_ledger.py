"""The tmux poller recording into a real ledger from a real tmux server: running totals count once,
however often a screen is read, and by however many pollers."""

from __future__ import annotations

import pytest

from tests.capture.test_tmux import SCREENS, server, wait_for  # noqa: F401 - the tmux server fixture
from tokledger.capture.tmux import Poller

pytestmark = pytest.mark.slow


def test_polled_totals_land_in_the_ledger_once(server, workspace):  # noqa: F811
    tmux, queue, work = server
    poller = Poller(tmux, workspace.record)
    wait_for(lambda: [e for e in poller.poll() if e.provider == "gemini"], "the Gemini summary")
    query = workspace.query({"source": "tmux"})
    first = workspace.report("model", query).totals
    assert first.requests == 2 and first.input_tokens == 1_455_668 + 39_574
    Poller(tmux, workspace.record).poll()  # a second poller re-reads every screen
    assert workspace.report("model", query).totals == first
    (queue / "a.txt").write_text((SCREENS / "codex_exit.txt").read_text())
    wait_for(lambda: [e for e in poller.poll() if e.provider == "codex"], "the Codex summary")
    grown = (SCREENS / "codex_exit.txt").read_text().replace("468", "1,468")  # the same thread, further on
    (queue / "b.txt").write_text(grown)
    wait_for(lambda: poller.poll(), "the grown Codex summary")
    [codex] = [e for e in workspace.events(query, None) if e["provider"] == "codex"]
    assert (codex["output_tokens"], codex["source"], codex["project"]) == (1_468, "tmux", str(work))
    assert workspace.report("model", query).totals.requests == 3
    assert workspace.ledger.rollup_differences() == []
