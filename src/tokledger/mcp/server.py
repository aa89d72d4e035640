"""The stdio MCP server: four read-only tools over an injected :class:`~tokledger.mcp.service.UsageService`.

Tools: ``usage_summary(period)``, ``budget_status()``, ``top_sessions(n)`` (1–100) and
``explain_cost(id)`` (a session id or a request's message/request id). Each returns its JSON document;
bad arguments come back as tool errors naming the accepted values. Built on the official ``mcp`` SDK:
``MCPServer`` (mcp 2) or ``FastMCP`` (mcp 1.2+), whichever is installed; the SDK is imported only here.
stdout carries the protocol, so nothing else may print to it while the server runs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from tokledger.mcp.service import UsageService, resolve_period

INSTRUCTIONS = (
    "tokledger keeps every token and dollar AI coding assistants spent, priced at ingest. Use usage_summary "
    "for totals over a period, budget_status for limits, top_sessions for the costliest sessions and "
    "explain_cost to see why a session or request cost what it did."
)


def _sdk():
    """The server class and the exception whose message reaches the client, for mcp 2 or mcp 1."""
    try:
        from mcp.server.mcpserver import MCPServer
        from mcp.server.mcpserver.exceptions import ToolError
    except ImportError:
        from mcp.server.fastmcp import FastMCP as MCPServer
        from mcp.server.fastmcp.exceptions import ToolError
    return MCPServer, ToolError


def build_server(service: UsageService, *, today: Callable[[], date] = date.today, week_start: int = 0):
    server_class, tool_error = _sdk()
    server = server_class("tokledger", instructions=INSTRUCTIONS)

    @server.tool()
    def usage_summary(period: str = "today") -> dict:
        """Tokens and cost by local day over a period: one of today, yesterday, this_week, last_week,
        this_month, last_month, last_7_days, last_30_days, all, YYYY-MM-DD, YYYY-MM or
        YYYY-MM-DD..YYYY-MM-DD."""
        try:
            resolve_period(period, today(), week_start)
        except ValueError as exc:
            raise tool_error(str(exc)) from None
        return service.usage_summary(period)

    @server.tool()
    def budget_status() -> dict:
        """Every configured budget: used, limit, percent, level (ok, warn, stop), time to reset, projection."""
        return service.budget_status()

    @server.tool()
    def top_sessions(n: int = 10) -> dict:
        """The n (1-100) costliest sessions with project, tokens, cost and first/last request."""
        if not 1 <= n <= 100:
            raise tool_error("n must be from 1 to 100")
        return service.top_sessions(n)

    @server.tool()
    def explain_cost(id: str) -> dict:
        """Why a session (by session id) or a request (by message or request id) cost what it did:
        its requests with tokens per category, calculated and logged cost and the price entry used."""
        if not id.strip():
            raise tool_error("id must be a session id or a request id")
        return service.explain_cost(id.strip())

    return server


def serve(service: UsageService, **kw) -> None:
    """Run the server on stdin/stdout until the client disconnects."""
    build_server(service, **kw).run()
