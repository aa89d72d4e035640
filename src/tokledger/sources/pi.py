"""Pi (badlogic/pi-mono, the ``pi`` coding agent): JSONL session files.

Where
    ``$PI_CODING_AGENT_DIR`` (else ``~/.pi/agent``) ``/sessions/--<cwd>--/<timestamp>_<uuid>.jsonl``, where
    the directory name is the working directory with ``/`` replaced by ``-``. Every ``*.jsonl`` below
    ``sessions/`` is read; files are append-only.

Records (the Pi format; see :mod:`tokledger.sources._pi`)
    First line ``{"type": "session", "id", "timestamp", "cwd", "provider", "modelId", …}`` (plus
    ``branchedFrom`` / ``parentSession`` for a branched or forked session); ``model_change`` lines; and
    ``message`` entries whose ``message`` has ``role`` "assistant", ``provider``, ``model``, ``timestamp``
    (epoch ms) and ``usage.{input, output, cacheRead, cacheWrite, totalTokens, cost.total}``.

Token semantics (already disjoint)
    input = ``usage.input`` (Pi subtracts OpenAI-style cached tokens from the prompt count itself);
    cache read = ``cacheRead``; cache write = ``cacheWrite``; output = ``output``; reasoning = 0 (Pi
    records no separate count).

Identity and duplicates
    A branch or fork copies the messages it starts from into a new session file. An assistant message is
    therefore keyed by what the copy keeps verbatim: ``message.timestamp`` + provider/model + the four
    counts; messages in a branched session are non-primary, so the original session keeps its messages
    and only the branch's new calls count for the branch. Dated by ``message.timestamp`` (else the
    entry's ISO ``timestamp``).

Recorded cost
    ``usage.cost.total``: US dollars computed by Pi from its own model table, kept as the logged cost.

Project and session
    Project = the header's ``cwd``; session = the header's ``id`` (else the file name). Malformed lines
    are skipped and counted.
"""

from __future__ import annotations

from pathlib import Path

from tokledger.env import Env
from tokledger.sources import Discovery, ParseResult, Source
from tokledger.sources._files import find_paths
from tokledger.sources._pi import parse_pi_file

NAME = "pi"


def root(env: Env) -> Path:
    configured = env.get("PI_CODING_AGENT_DIR")
    return (env.expand(configured) if configured else env.home / ".pi" / "agent") / "sessions"


def discover(env: Env) -> Discovery:
    sessions = root(env)
    notices: list[str] = []
    return Discovery(roots=[sessions], files=find_paths([sessions], ".jsonl", notices), notices=notices)


def parse(path: Path, start: int = 0) -> ParseResult:
    return parse_pi_file(NAME, path, start, path.stem.rsplit("_", 1)[-1])


SOURCE = Source(
    name=NAME,
    title="Pi",
    accuracy="exact",
    discover=discover,
    parse=parse,
    append_only=True,
)
