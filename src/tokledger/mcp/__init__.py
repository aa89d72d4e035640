"""``tokledger mcp``: usage, budgets and cost explanations for assistants, over the Model Context Protocol.

:mod:`~tokledger.mcp.service` defines what the server asks of the ledger (:class:`UsageService`, which
the core implements over its reports) and the period names; :mod:`~tokledger.mcp.server` is a stdio
server on the official ``mcp`` SDK (imported only when the server starts) with four tools.
"""
