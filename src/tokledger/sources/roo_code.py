"""Roo Code (RooCodeInc/Roo-Code, a fork of Cline): the task logs in the editor's extension storage.

Where
    ``<editor>/User/globalStorage/rooveterinaryinc.roo-cline/tasks/<task id>/ui_messages.json`` for VS Code,
    VS Code Insiders, VSCodium, Cursor and Windsurf (``~/.config/<editor>`` on Linux, ``~/Library/Application
    Support/<editor>`` on macOS) and the remote servers (``~/.vscode-server/data``, ``~/.cursor-server/data``).
    Each file is one JSON array the extension rewrites whole as the task runs: a changed file is read again.

Records
    Entries ``{"type": "say", "say": "api_req_started", "ts": <epoch ms>, "text": "<JSON>"}``; once the
    response has streamed, ``text`` holds ``tokensIn``, ``tokensOut``, ``cacheWrites``, ``cacheReads``,
    ``cost`` (USD, computed by Roo Code) and ``apiProtocol`` ("anthropic" | "openai"), written by
    ``updateApiReqMsg`` in ``src/core/task/Task.ts`` (tokscale's ``roocode.rs`` reads the same records).

Token semantics (a meaning that changed between releases, decided per record)
    Earlier releases stored the provider's own input count: cache excluded under the Anthropic protocol,
    included under the OpenAI one. Later releases store ``totalInputTokens`` from ``src/shared/cost.ts``
    (``calculateApiCostAnthropic``: input + cache writes + cache reads; ``calculateApiCostOpenAI``: the input
    as given, cache included). So: under the OpenAI protocol the cache is always inside ``tokensIn``; under
    the Anthropic protocol (or without one) it is inside when ``tokensIn`` is at least ``cacheWrites`` +
    ``cacheReads`` — an uncached part larger than the cached one is the one case this reads wrong, which is
    why the source is *estimated*. input = ``tokensIn`` − cache when inside; cache write = ``cacheWrites``
    (no 1-hour split); cache read = ``cacheReads``; output = ``tokensOut``; no reasoning count.

Model, project, identity
    The model is not on the record: it is the ``<model>`` of the ``<environment_details>`` Roo Code adds to
    each user message in ``api_conversation_history.json`` (the latest one sent before the request, by the
    messages' ``ts``), else ``unknown``. Provider hint = ``apiProtocol``. Project = the ``# Current Workspace
    Directory (…)`` there. Session = the task id. Key: task id + the request's ``ts``, so a rewrite of the
    file replaces and never adds. ``cost`` is the logged cost. Requests with no tokens and no cost (failed,
    cancelled before any usage) add nothing; a malformed entry is skipped and counted with its reason.
"""

from __future__ import annotations

from tokledger.sources import _vscode_tasks as tasks

NAME = "roo_code"
EXTENSION = "rooveterinaryinc.roo-cline"

SOURCE = tasks.source(NAME, "Roo Code", EXTENSION)
discover, parse = SOURCE.discover, SOURCE.parse
