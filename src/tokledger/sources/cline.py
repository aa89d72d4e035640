"""Cline (cline/cline, formerly saoudrizwan/claude-dev): the task logs of its editor extension.

Where
    ``<editor>/User/globalStorage/saoudrizwan.claude-dev/tasks/<task id>/ui_messages.json`` for VS Code, VS
    Code Insiders, VSCodium, Cursor and Windsurf (``~/.config/<editor>`` on Linux, ``~/Library/Application
    Support/<editor>`` on macOS) and the remote servers (``~/.vscode-server/data``, ``~/.cursor-server/data``),
    and ``~/.cline/data/tasks/`` where Cline runs outside VS Code (JetBrains, the standalone host). The file
    is one JSON array rewritten whole as the task runs; a changed file is read again. The command-line
    agent's ``sessions/<id>/<id>.messages.json`` are not read.

Records
    ``ClineMessage`` entries (``src/shared/ExtensionMessage.ts``) ``{"type": "say", "say": "api_req_started",
    "ts": <epoch ms>, "text": "<JSON>", "modelInfo": {"modelId", "providerId", "mode"}}``: ``modelInfo`` on
    newer releases; ``text`` holds ``ClineApiReqInfo`` — ``tokensIn``, ``tokensOut``, ``cacheWrites``,
    ``cacheReads``, ``cost`` (USD, computed by Cline) — once ``updateApiReqMsg`` has written the response's
    usage (tokscale's ``cline.rs`` reads the same records).

Token semantics (decided per record, hence *estimated*)
    Cline stores the input count its provider handler yields: cache excluded for Anthropic, included for
    the OpenAI-compatible handlers (their ``prompt_tokens``). No field says which, so the record decides:
    ``tokensIn`` at least ``cacheWrites`` + ``cacheReads`` is taken to include them (an uncached part larger
    than the cached one is the one case read wrong). input = ``tokensIn`` − cache when included; cache write
    = ``cacheWrites`` (no 1-hour split); cache read = ``cacheReads``; output = ``tokensOut``; no reasoning.

Model, project, identity
    Model = ``modelInfo.modelId`` (provider hint ``modelInfo.providerId``); for older records the
    ``<model>`` of ``<environment_details>`` in ``api_conversation_history.json`` if there is one, else
    ``unknown``. Project = the ``# Current Working Directory (…)`` of that history. Session = the task id;
    key = task id + the request's ``ts``; ``cost`` is the logged cost. Requests without tokens or cost add
    nothing; malformed entries are skipped and counted with their reason.
"""

from __future__ import annotations

from tokledger.sources import _vscode_tasks as tasks

NAME = "cline"
EXTENSION = "saoudrizwan.claude-dev"

SOURCE = tasks.source(NAME, "Cline", EXTENSION, home_dirs=(".cline/data/tasks",))
discover, parse = SOURCE.discover, SOURCE.parse
