"""The dashboard's routes: the page, its static files, and the JSON API the page is built from.

Every ``/api`` answer comes from the report API the command line uses and has the CLI's shape:
``/api/<kind>`` (daily, weekly, monthly, session, project, model, today) returns exactly
``tokledger <kind> --json``; ``/api/graph`` is ``tokledger graph --json``; ``/api/sources`` is
``tokledger sources --json``. Query parameters are the CLI's options: ``since``, ``until``, ``year``,
``source``, ``model``, ``project``, ``host``, ``user``, ``timezone``, ``mode``, ``breakdown`` (true, or
``source``, ``host``, ``user``; plus ``start_of_week`` for weekly,
``id`` for session, ``session_length``/``token_limit``/``active`` for blocks). A bad value is a 400 with
``{"error": "..."}``.
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import msgspec
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from tokledger.errors import OptionError, TokledgerError
from tokledger.reports import KINDS, Query, Totals, today
from tokledger.reports import graph as graphs
from tokledger.reports.periods import parse_day
from tokledger.reports.query import whole_number
from tokledger.web.backend import Backend

STATIC = Path(__file__).parent / "static"
TRUE = ("1", "true", "yes", "on")


def parse_query(backend: Backend, params, *, dated: bool = True) -> Query:
    """A :class:`Query` from CLI-named parameters (``year`` narrows ``since``/``until`` as in the CLI)."""
    known = backend.cached(("sources-known",), lambda: _known_sources(backend))
    given = dict(params)
    if given.get("timezone") is None and backend.timezone:
        given["timezone"] = backend.timezone
    return backend.workspace.query(given, known=known, dated=dated)


def _known_sources(backend: Backend) -> list[str]:
    with backend.reader() as workspace:
        return workspace.known_sources()


def _key(q: Query) -> tuple:
    return (q.tz.key, q.since, q.until, q.sources, q.models, q.projects, q.sessions, q.hosts, q.users, q.mode,
            q.start_of_week)  # fmt: skip


def _report(backend: Backend, kind: str, q: Query, *, parts: bool | str = True):
    """A report for the views below, cached (the same report serves several answers)."""

    def compute():
        with backend.reader() as workspace:
            return workspace.report(kind, q, parts=parts)

    return backend.cached(("report-object", kind, parts, *_key(q)), compute)


def _history(backend: Backend, q: Query):
    """Every day of the selection, without the per source and model breakdown."""
    base = Query(tz=q.tz, sources=q.sources, models=q.models, projects=q.projects, mode=q.mode)
    return _report(backend, "daily", base, parts=False)


def _dumps(doc) -> bytes:
    return msgspec.json.encode(doc)


# -- views: (backend, query parameters) -> JSON bytes; shared by the routes and the warm-up ---------------


def view_report(backend: Backend, kind: str, params) -> bytes:
    from tokledger.reports import render

    q = parse_query(backend, params)
    breakdown = _breakdown(params.get("breakdown", ""))
    if kind == "today":
        day = today(q.tz)
        q.since = q.until = day
        breakdown = _breakdown(params.get("breakdown", "1"))
    parts = breakdown if breakdown in ("host", "user") else bool(breakdown)

    def compute():
        with backend.reader() as workspace:
            return _dumps(render.to_doc(workspace.report(kind, q, parts=parts), breakdown))

    return backend.cached(("report", kind, breakdown, *_key(q)), compute)


def _breakdown(value: str) -> str | bool:
    """``breakdown``: true-ish (per source and model), or ``source``, ``host``, ``user``."""
    value = value.lower()
    return value if value in ("source", "host", "user") else value in TRUE


def view_graph(backend: Backend, params) -> bytes:
    q = parse_query(backend, params, dated=False)
    year = whole_number(params.get("year"), "year", 1970, 9999)
    breakdown = params.get("breakdown", "1").lower() in TRUE
    day = today(q.tz)

    def compute():
        history = _history(backend, q)
        shown = year or graphs.default_year(history, day)
        first, last = graphs.year_bounds(shown)
        detail = _report(backend, "daily", replace(q, since=first, until=last))
        doc = graphs.graph_data(history, detail, shown, today=day)
        if not breakdown:
            for entry in doc["contributions"]:
                del entry["models"]
        return _dumps(doc)

    return backend.cached(("graph", year, breakdown, day, *_key(q)), compute)


def view_overview(backend: Backend, params) -> bytes:
    q = parse_query(backend, params)
    day = today(q.tz)

    def compute():
        from tokledger.ledger.pg import is_url
        from tokledger.reports.render import totals_dict

        doc = graphs.overview(
            _history(backend, q), _report(backend, "model", q), today=day, since=q.since, until=q.until
        )
        hosts: dict[str, Totals] = {}
        if is_url(backend.workspace.db_path):  # a personal ledger holds its own host only
            for row in _report(backend, "model", q, parts="host").rows:
                for host, part in row.by.items():
                    hosts.setdefault(host, Totals()).add(part)
        doc["hosts"] = [{"host": h, **totals_dict(t)} for h, t in sorted(hosts.items())]
        return _dumps(doc)

    return backend.cached(("overview", day, *_key(q)), compute)


def view_day(backend: Backend, day_text: str, params) -> bytes:
    day = parse_day(day_text, "day")
    q = parse_query(backend, {**params, "since": day.isoformat(), "until": day.isoformat(), "year": ""})

    def compute():
        with backend.reader() as workspace:
            return _dumps(graphs.day_detail(workspace.report("daily", q), day))

    return backend.cached(("day", *_key(q)), compute)


def view_sources(backend: Backend, params) -> bytes:
    def compute():
        with backend.reader() as workspace:
            return _dumps(workspace.sources())

    return backend.cached(("sources",), compute)


def view_blocks(backend: Backend, params) -> bytes:
    from tokledger.reports import render

    q = parse_query(backend, params)
    hours = whole_number(params.get("session_length"), "session_length", 1, 24) or 5
    limit = params.get("token_limit") or None
    if limit != "max" and limit is not None:
        limit = str(
            whole_number(limit, "token_limit: expected a whole number of tokens or 'max';", 0, 10**18)
        )
    active = params.get("active", "").lower() in TRUE
    with backend.reader() as workspace:  # depends on the clock: never cached
        report = workspace.blocks(q, hours=hours, token_limit=limit, active_only=active)
    return _dumps(render.to_doc(report, params.get("breakdown", "").lower() in TRUE))


def view_palettes(backend: Backend, params) -> bytes:
    from tokledger.reports.graph_render import PALETTES, THEMES

    return _dumps({"palettes": PALETTES, "themes": THEMES})


# -- routes ----------------------------------------------------------------------------------------


def _api(view):
    def endpoint(request: Request) -> Response:
        backend: Backend = request.app.state.backend
        args = list(request.path_params.values())  # the report kind or the day, for the views that take one
        if request.path_params.get("kind", "daily") not in KINDS:
            return JSONResponse({"error": f"no such report: {args[0]!r}"}, status_code=404)
        try:
            backend.refresh()
            body = view(backend, *args, dict(request.query_params))
        except (OptionError, TokledgerError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return Response(body, media_type="application/json", headers={"Cache-Control": "no-store"})

    return endpoint


def _index(request: Request) -> Response:
    return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _host_of(header: str) -> str:
    if header.startswith("["):
        return header[1 : header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


class LoopbackOnly:
    """Answer only requests addressed to a loopback name, so a web page cannot reach the API by DNS rebinding."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            host = dict(scope["headers"]).get(b"host", b"").decode("latin-1")
            if not is_loopback(_host_of(host)):
                await PlainTextResponse("Invalid host header", status_code=400)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def create_app(backend: Backend, *, host: str = "127.0.0.1") -> Starlette:
    routes = [
        Route("/", _index),
        Route("/api/overview", _api(view_overview)),
        Route("/api/graph", _api(view_graph)),
        Route("/api/day/{day}", _api(view_day)),
        Route("/api/sources", _api(view_sources)),
        Route("/api/blocks", _api(view_blocks)),
        Route("/api/palettes", _api(view_palettes)),
        Route("/api/{kind}", _api(view_report)),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(routes=routes)
    app.state.backend = backend
    if is_loopback(host):
        app.add_middleware(LoopbackOnly)
    return app


def warm(backend: Backend) -> None:
    """Compute what the page asks for on a first visit (see static/app.js), so it comes up at once."""
    try:
        graph = json.loads(view_graph(backend, {"breakdown": "0"}))
        year = graph["meta"]["year"]
        view_overview(backend, {})
        view_overview(backend, {"year": str(year)})
        view_report(backend, "model", {"year": str(year), "breakdown": "1"})
        view_report(backend, "monthly", {})
        entry = next((y for y in graph["years"] if y["year"] == year and y["last_day"]), None)
        end = date.fromisoformat(entry["last_day"]) if entry else date(year, 12, 31)
        since = (end - timedelta(days=89)).isoformat()
        view_report(backend, "daily", {"since": since, "until": end.isoformat(), "breakdown": "1"})
    except TokledgerError:
        pass
