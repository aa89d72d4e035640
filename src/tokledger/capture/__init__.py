"""Live capture: usage recorded as it happens, for assistants and moments the log scan does not cover.

- :mod:`~tokledger.capture.hooks` installs tokledger's Claude Code hooks into a ``settings.json``;
  :mod:`~tokledger.capture.hook` is the handler those hooks run (record, then enforce budgets).
- :mod:`~tokledger.capture.drop_dir` reads cost events other tools drop as JSON files.
- :mod:`~tokledger.capture.tmux` polls tmux panes running CLIs that keep no usage log, parsing their
  on-screen summaries with :mod:`~tokledger.capture.terminal`.

Everything produces :class:`~tokledger.events.UsageEvent` s with stable keys and hands them to an
injected recorder, so a request captured twice, or captured live and scanned later, counts once.
"""

CAPTURE_SOURCES = {
    "drop_dir": ("Drop directory (agent-deck cost events)", "exact"),
    "tmux": ("tmux panes (Gemini, Codex, MiniMax CLIs)", "estimated"),
}
"""The sources of captured events — slug: (title, accuracy) —, beside the log sources of ``tokledger.sources``:
``--source`` takes them and reports show them like any other; ``tokledger sources`` lists them once they
have recorded something. The hooks record Claude Code's own transcripts, so their events are ``claude_code``'s."""
