"""The dashboard's routes: the page, its static files, and the JSON API the page is built from.

Every ``/api`` answer comes from the report API the command line uses and has the CLI's shape:
``/api/<kind>`` (daily, weekly, monthly, session, project, model, today) returns exactly
``tokledger <kind> --json``; ``/api/graph`` is ``tokledger graph --json``; ``/api/sources`` is
``tokledger sources --json``; ``/api/billed`` is ``tokledger billed --json`` (what the vendors billed,
apart from the local logs every other view sums). ``/metrics`` is the ledger's totals for a Prometheus to
scrape, with the names of the daemon's remote write (:mod:`tokledger.exporters.series`). Query parameters
are the CLI's options: ``since``, ``until``, ``year``, ``source``, ``model``, ``project``, ``host``,
``user``, ``timezone``, ``mode``, ``breakdown`` (true, or ``source``, ``host``, ``user``), ``last``, ``order``
(plus ``start_of_week`` for weekly, ``id`` for session, ``session_length``/``token_limit``/``active`` for
blocks). A bad value is a 400 with
``{"error": "..."}`` (one line, whatever the value); a failure of tokledger itself a 500 of the same shape.

:class:`Guard` keeps other sites out: only known host names are answered, and a dashboard served beyond
loopback answers only requests that carry its secret token.
"""

from __future__ import annotations

import ipaddress
import json
import logging
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import msgspec
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from tokledger.errors import ConfigError, OptionError, TokledgerError
from tokledger.reports import KINDS, Query, Totals, today
from tokledger.reports import graph as graphs
from tokledger.reports.periods import parse_day
from tokledger.reports.query import YEARS, whole_number
from tokledger.web.backend import Backend

STATIC = Path(__file__).parent / "static"
log = logging.getLogger("tokledger.web")
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
    from tokledger.reports import render, reorder

    q = parse_query(backend, {**params, "last_unit": KINDS[kind].unit})
    breakdown = _breakdown(params.get("breakdown", ""))
    order = params.get("order") or None
    if order not in (None, "asc", "desc"):
        raise OptionError(f"order: expected asc or desc, got {order[:20]!r}")
    if kind == "today":
        day = today(q.tz)
        q.since = q.until = day
        breakdown = _breakdown(params.get("breakdown", "1"))
    parts = breakdown if breakdown in ("host", "user") else bool(breakdown)

    def compute():
        with backend.reader() as workspace:
            report = reorder(workspace.report(kind, q, parts=parts), order)
            return _dumps(render.to_doc(report, breakdown))

    return backend.cached(("report", kind, breakdown, order, *_key(q)), compute)


def _breakdown(value: str) -> str | bool:
    """``breakdown``: true-ish (per source and model), or ``source``, ``host``, ``user``."""
    value = value.lower()
    return value if value in ("source", "host", "user") else value in TRUE


def view_graph(backend: Backend, params) -> bytes:
    q = parse_query(backend, params, dated=False)
    year = whole_number(params.get("year"), "year", *YEARS)
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
    try:
        day = parse_day(day_text, "day")
    except ConfigError as exc:
        raise OptionError(str(exc)) from None
    if not YEARS[0] <= day.year <= YEARS[1]:
        raise OptionError(f"day {day_text[:40]!r}: expected a date from {YEARS[0]} to {YEARS[1]}")
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


def view_billed(backend: Backend, params) -> bytes:
    """``tokledger billed --json``: what the vendors billed (``provider``, ``since``, ``until``: UTC days)."""
    from tokledger.providers import PROVIDERS
    from tokledger.reports.query import split_list

    providers = split_list(params.get("provider"))
    for name in providers:
        if name not in PROVIDERS:
            raise OptionError(f"provider: unknown provider {name!r} (known: {', '.join(PROVIDERS)})")
    since, until = (parse_day(params[n], n) if params.get(n) else None for n in ("since", "until"))
    if since and until and since > until:
        raise OptionError(f"since {since} is after until {until}")

    def compute():
        with backend.reader() as workspace:
            return _dumps(workspace.billed(providers, since, until))

    return backend.cached(("billed", providers, since, until), compute)


def view_blocks(backend: Backend, params) -> bytes:
    from tokledger.reports import render

    q = parse_query(backend, params)
    hours = whole_number(params.get("session_length"), "session_length", 1, 24) or 5
    limit = params.get("token_limit") or None
    if limit != "max" and limit is not None:
        try:
            limit = str(whole_number(limit, "token_limit", 0, 10**18))
        except OptionError:
            raise OptionError(
                f"token_limit: expected a whole number of tokens or 'max', got {limit[:40]!r}"
            ) from None
    active = params.get("active", "").lower() in TRUE
    with backend.reader() as workspace:  # depends on the clock: never cached
        report = workspace.blocks(q, hours=hours, token_limit=limit, active_only=active)
        plan = workspace.plan_usage()
    doc = render.to_doc(report, params.get("breakdown", "").lower() in TRUE)
    if plan:  # as `tokledger blocks --json`: the plan's own windows, when Claude Code reported them
        doc["rate_limits"] = render.plan_dict(plan)
    return _dumps(doc)


def view_palettes(backend: Backend, params) -> bytes:
    """The calendar palettes and themes, each model's colour (as ``tokledger live`` draws it), and each
    source's colour and display name."""
    from tokledger.reports.graph_render import PALETTES, THEMES
    from tokledger.reports.palette import source_colours

    def compute():
        with backend.reader() as workspace:
            status = workspace.sources()
            titles = {s["source"]: s["title"] for s in status}
            known = workspace.known_sources()
            used = {s["source"] for s in status if s["events"]}
            # The sources with usage take the first colours, so the few a user has never look alike.
            colours = source_colours(sorted(known, key=lambda name: (name not in used, name)))
            sources = {name: {"title": titles.get(name, name), "colour": colours[name]} for name in known}
            return _dumps({"palettes": PALETTES, "themes": THEMES, "models": workspace.model_colours(),
                           "sources": sources})  # fmt: skip

    return backend.cached(("palettes",), compute)


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
        except Exception as exc:  # one line of JSON, like every other answer
            log.exception("unexpected error answering %s", request.url.path)
            return JSONResponse({"error": f"internal error: {type(exc).__name__}"}, status_code=500)
        return Response(body, media_type="application/json", headers={"Cache-Control": "no-store"})

    return endpoint


def _index(request: Request) -> Response:
    return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})


def _metrics(request: Request) -> Response:
    from tokledger.exporters import metrics

    body, content_type = metrics.render(request.app.state.metrics, request.headers.get("accept", ""))
    return Response(body, media_type=content_type, headers={"Cache-Control": "no-store"})


def metrics_registry(workspace):
    """The ``/metrics`` registry over the workspace's totals (and tosage's gauges with ``compat = "tosage"``);
    each scrape reads the ledger on a connection of its own."""
    from tokledger.exporters import metrics

    settings = workspace.export_config()
    tosage = None
    if settings.prometheus is not None and settings.prometheus.compat == "tosage":
        from tokledger.exporters.steps import Exporters

        exporters = Exporters(settings, workspace.metric_totals, {}, today=workspace.today_totals,
                              zone_name=workspace.config.timezone)  # fmt: skip
        tosage = exporters.tosage_today
    return metrics.registry(workspace.metric_totals, tosage)


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


def own_names(host: str) -> set[str]:
    """The names and addresses this machine answers to: what a request from the network may address."""
    import socket

    names = {host.strip("[]").lower()}
    for name in {socket.gethostname(), socket.getfqdn()}:
        if not name:
            continue
        names.add(name.lower())
        try:
            names.update(str(info[4][0]).lower() for info in socket.getaddrinfo(name, None))
        except OSError:
            pass
    return names - {"", "0.0.0.0", "::"}


TOKEN_COOKIE = "tokledger_token"


class Guard:
    """Answer only requests addressed to a known host name — loopback names, and when serving beyond loopback
    the machine's own names and ``--allow-host`` names — so a web page elsewhere cannot reach the API by DNS
    rebinding; and, with a ``token``, only requests that carry it: as ``?token=`` (which sets a cookie for
    the page's own requests), the cookie, or ``Authorization: Bearer``."""

    def __init__(self, app, allowed: set[str], token: str | None = None):
        self.app = app
        self.allowed = {name.lower() for name in allowed}
        self.token = token

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        host = _host_of(headers.get(b"host", b"").decode("latin-1")).lower()
        if not (is_loopback(host) or host in self.allowed):
            await PlainTextResponse("Invalid host header", status_code=400)(scope, receive, send)
            return
        if self.token is not None:
            import secrets
            from urllib.parse import parse_qs

            given = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token", [""])[0]
            cookie = _cookie(headers.get(b"cookie", b"").decode("latin-1"), TOKEN_COOKIE)
            bearer = headers.get(b"authorization", b"").decode("latin-1").removeprefix("Bearer ").strip()
            if not any(
                secrets.compare_digest(v.encode(), self.token.encode()) for v in (given, cookie, bearer) if v
            ):
                response = JSONResponse({"error": "this dashboard needs the token printed by tokledger serve"},
                                        status_code=403)  # fmt: skip
                await response(scope, receive, send)
                return
            if given and scope["path"] == "/":
                response = RedirectResponse("/", status_code=303)
                response.set_cookie(TOKEN_COOKIE, self.token, httponly=True, samesite="strict")
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _cookie(header: str, name: str) -> str:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return ""


def create_app(backend: Backend, *, host: str = "127.0.0.1", allow_hosts: tuple[str, ...] = (),
               token: str | None = None) -> Starlette:  # fmt: skip
    """The dashboard app. Bound to loopback it answers loopback names only; bound to another address also the
    machine's own names and ``allow_hosts``, and (with ``token``) only requests that carry the token."""
    routes = [
        Route("/", _index),
        Route("/api/overview", _api(view_overview)),
        Route("/api/graph", _api(view_graph)),
        Route("/api/day/{day}", _api(view_day)),
        Route("/api/sources", _api(view_sources)),
        Route("/api/blocks", _api(view_blocks)),
        Route("/api/billed", _api(view_billed)),
        Route("/api/palettes", _api(view_palettes)),
        Route("/api/{kind}", _api(view_report)),
        Route("/metrics", _metrics),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(routes=routes)
    app.state.backend = backend
    app.state.metrics = metrics_registry(backend.workspace)
    allowed = set(allow_hosts) if is_loopback(host) else own_names(host) | set(allow_hosts)
    app.add_middleware(Guard, allowed=allowed, token=token)
    return app


def warm(backend: Backend) -> None:
    """Compute what the page asks for on a first visit (see static/app.js), so it comes up at once."""
    try:
        view_palettes(backend, {})
        graph = json.loads(view_graph(backend, {"breakdown": "0"}))
        year = graph["meta"]["year"]
        view_overview(backend, {})
        view_overview(backend, {"year": str(year)})
        view_report(backend, "model", {"year": str(year), "breakdown": "1"})
        view_report(backend, "monthly", {})
        view_billed(backend, {})
        entry = next((y for y in graph["years"] if y["year"] == year and y["last_day"]), None)
        end = date.fromisoformat(entry["last_day"]) if entry else date(year, 12, 31)
        if entry:
            view_day(backend, entry["last_day"], {})  # the breakdown the page opens
        since = (end - timedelta(days=89)).isoformat()
        view_report(backend, "daily", {"since": since, "until": end.isoformat(), "breakdown": "1"})
    except TokledgerError:
        pass
