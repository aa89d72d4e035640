"""Kilo Code (Kilo-Org/kilocode, a fork of Roo Code and Cline): the task logs of its VS Code extension.

Where
    ``<editor>/User/globalStorage/kilocode.kilo-code/tasks/<task id>/ui_messages.json`` for VS Code, VS Code
    Insiders, VSCodium, Cursor and Windsurf (``~/.config/<editor>`` on Linux, ``~/Library/Application
    Support/<editor>`` on macOS) and the remote servers (``~/.vscode-server/data``, ``~/.cursor-server/data``).
    The file is one JSON array rewritten whole as the task runs; a changed file is read again. (Kilo's
    command-line agent keeps an OpenCode-like database instead and is not read here.)

Records
    As Roo Code, whose task code Kilo Code carries: entries ``{"type": "say", "say": "api_req_started",
    "ts": <epoch ms>, "text": "<JSON>"}`` whose ``text`` holds ``tokensIn``, ``tokensOut``, ``cacheWrites``,
    ``cacheReads``, ``cost`` (USD) and ``apiProtocol`` once the response has streamed (tokscale's
    ``kilocode.rs`` reads them with its Roo Code parser).

Token semantics (decided per record, hence *estimated*)
    ``tokensIn`` includes the cache under the OpenAI protocol, and under the Anthropic protocol in the
    releases that store ``totalInputTokens`` (``src/shared/cost.ts``); it is taken to include it whenever it
    is at least ``cacheWrites`` + ``cacheReads``. input = ``tokensIn`` − cache when included; cache write =
    ``cacheWrites``; cache read = ``cacheReads``; output = ``tokensOut``; no reasoning count.

Model, project, identity
    Model = the ``<model>`` of the latest ``<environment_details>`` before the request in
    ``api_conversation_history.json``, else ``unknown``; provider hint = ``apiProtocol``; project = its
    ``# Current Workspace Directory (…)``; session = the task id; key = task id + the request's ``ts``;
    ``cost`` is the logged cost. Malformed entries are skipped and counted with their reason.
"""

from __future__ import annotations

from tokledger.sources import _vscode_tasks as tasks

NAME = "kilo_code"
EXTENSION = "kilocode.kilo-code"

SOURCE = tasks.source(NAME, "Kilo Code", EXTENSION)
discover, parse = SOURCE.discover, SOURCE.parse
