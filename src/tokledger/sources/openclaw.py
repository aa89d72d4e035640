"""OpenClaw (formerly Clawdbot / Moltbot): per-agent JSONL transcripts in the Pi session format.

Where
    The state directory ``$OPENCLAW_STATE_DIR``, else ``~/.openclaw`` together with the directories of
    the project's earlier names, ``~/.clawdbot``, ``~/.moltbot`` and ``~/.moldbot``. Transcripts are
    ``agents/<agentId>/sessions/<sessionId>.jsonl``; a reset or deleted session is kept renamed to
    ``<sessionId>.jsonl.reset.<ts>`` / ``<sessionId>.jsonl.deleted.<ts>`` and is read too. The index
    ``sessions.json`` next to them is not needed.

Records (the Pi format; see :mod:`tokledger.sources._pi`)
    A ``session`` header, ``model_change`` lines and ``custom`` lines with ``customType``
    "model-snapshot" (``data.{provider, modelId}``) that set the model for the messages after them, and
    ``message`` entries whose assistant ``message`` carries ``usage.{input, output, cacheRead,
    cacheWrite, cost.total}``, ``timestamp`` (epoch ms) and usually its own ``provider`` / ``model``.

Token semantics (already disjoint, as in Pi)
    input = ``usage.input``; cache read = ``cacheRead``; cache write = ``cacheWrite``; output = ``output``;
    reasoning = 0.

Identity and duplicates
    The renamed ``.reset`` / ``.deleted`` copies repeat messages already read from the live file, and
    branched sessions copy their history: a message is keyed by ``message.timestamp`` + provider/model +
    its four counts, so each model call counts once. Dated by ``message.timestamp``.

Recorded cost
    ``usage.cost.total`` (USD, computed by the agent), kept as the logged cost.

Project and session
    Project = the header's ``cwd``; session = the header's ``id`` (else the file name up to ``.jsonl``).
    Malformed lines are skipped and counted.
"""

from __future__ import annotations

from pathlib import Path

from tokledger.env import Env
from tokledger.sources import Discovery, ParseResult, Source
from tokledger.sources._pi import parse_pi_file

NAME = "openclaw"
LEGACY = (".clawdbot", ".moltbot", ".moldbot")


def roots(env: Env) -> list[Path]:
    configured = env.get("OPENCLAW_STATE_DIR")
    if configured:
        return [env.expand(configured)]
    return [env.home / ".openclaw", *(env.home / name for name in LEGACY)]


def _is_transcript(name: str) -> bool:
    return name.endswith(".jsonl") or ".jsonl.reset." in name or ".jsonl.deleted." in name


def discover(env: Env) -> Discovery:
    tried = roots(env)
    files: list[Path] = []
    for base in tried:
        agents = base / "agents"
        if not agents.is_dir():
            continue
        for agent in sorted(agents.iterdir()):
            sessions = agent / "sessions"
            if sessions.is_dir():
                files.extend(p for p in sorted(sessions.iterdir()) if p.is_file() and _is_transcript(p.name))
    return Discovery(roots=tried, files=files)


def parse(path: Path, start: int = 0) -> ParseResult:
    return parse_pi_file(NAME, path, start, path.name.split(".jsonl", 1)[0])


SOURCE = Source(
    name=NAME,
    title="OpenClaw",
    accuracy="exact",
    discover=discover,
    parse=parse,
    append_only=True,
)
