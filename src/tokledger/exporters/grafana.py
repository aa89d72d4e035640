"""The Grafana dashboard for tokledger's series (``tokledger grafana-dashboard > dashboard.json``).

Import it in Grafana (Dashboards → New → Import); it asks for a Prometheus data source (``DS_PROMETHEUS``).
Variables ``source``, ``model``, ``host`` and ``user`` filter every panel. Panels:

- cost and tokens over time, per source, per model and per host (``increase`` over each point's interval);
- cost today and month to date (the panels' own time ranges, ``now/d`` and ``now/M``), tokens today;
- top models by cost over the dashboard's range;
- cache hit rate (cache reads ÷ all prompt tokens), overall and over time per model;
- cost and tokens per person (the ``user`` label, for team ledgers).

Pushes come every daemon interval (10 minutes by default), so each time-series panel has a minimum
interval of one hour: ``increase()`` needs two samples inside its window. :func:`panel_queries` lists
every panel's PromQL, which the tests run against a real Prometheus.
"""

from __future__ import annotations

from tokledger import __version__
from tokledger.exporters.series import COST, REQUESTS, TOKENS

DS = {"type": "prometheus", "uid": "${DS_PROMETHEUS}"}
FILTER = 'source=~"$source", model=~"$model", host=~"$host", user=~"$user"'
PROMPT = 'type=~"input|cache_write|cache_read"'
READS = 'type="cache_read"'
PERSON = 'user!=""'


def _inc(name: str, window: str = "$__interval", extra: str = "") -> str:
    return f"increase({name}{{{FILTER}{', ' + extra if extra else ''}}}[{window}])"


def _target(expr: str, legend: str = "", *, instant: bool = False, ref: str = "A") -> dict:
    return {
        "datasource": DS,
        "expr": expr,
        "legendFormat": legend,
        "refId": ref,
        "instant": instant,
        "range": not instant,
    }


def _timeseries(
    title: str, expr: str, legend: str, unit: str, grid: tuple[int, int, int, int], stack: bool = True
) -> dict:
    x, y, w, h = grid
    return {
        "type": "timeseries",
        "title": title,
        "datasource": DS,
        "interval": "1h",
        "gridPos": {"x": x, "y": y, "w": w, "h": h},
        "targets": [_target(expr, legend)],
        "fieldConfig": {
            "defaults": {
                "unit": unit,
                "custom": {
                    "drawStyle": "bars",
                    "fillOpacity": 80,
                    "stacking": {"mode": "normal" if stack else "none"},
                },
            },
            "overrides": [],
        },
        "options": {
            "legend": {"displayMode": "table", "placement": "right", "calcs": ["sum"]},
            "tooltip": {"mode": "multi", "sort": "desc"},
        },
    }


def _stat(
    title: str, expr: str, unit: str, grid: tuple[int, int, int, int], time_from: str | None = None
) -> dict:
    x, y, w, h = grid
    panel = {
        "type": "stat",
        "title": title,
        "datasource": DS,
        "gridPos": {"x": x, "y": y, "w": w, "h": h},
        "targets": [_target(expr, instant=True)],
        "fieldConfig": {"defaults": {"unit": unit, "decimals": 2}, "overrides": []},
        "options": {"reduceOptions": {"calcs": ["lastNotNull"]}, "colorMode": "value", "graphMode": "none"},
    }
    if time_from:
        panel["timeFrom"] = time_from
        panel["hideTimeOverride"] = False
    return panel


def _bars(title: str, expr: str, legend: str, unit: str, grid: tuple[int, int, int, int]) -> dict:
    x, y, w, h = grid
    return {
        "type": "bargauge",
        "title": title,
        "datasource": DS,
        "gridPos": {"x": x, "y": y, "w": w, "h": h},
        "targets": [_target(expr, legend, instant=True)],
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "options": {
            "orientation": "horizontal",
            "displayMode": "gradient",
            "reduceOptions": {"calcs": ["lastNotNull"], "values": False},
        },
    }


def _variable(name: str, label: str) -> dict:
    return {
        "type": "query",
        "name": name,
        "label": label,
        "datasource": DS,
        "refresh": 2,
        "multi": True,
        "includeAll": True,
        "allValue": ".*",
        "current": {"text": "All", "value": "$__all"},
        "sort": 1,
        "query": {"query": f"label_values({TOKENS}, {name})", "refId": f"{name}-values"},
        "definition": f"label_values({TOKENS}, {name})",
    }


def panels() -> list[dict]:
    cost, tokens = _inc(COST), _inc(TOKENS)
    prompt_range = f"sum({_inc(TOKENS, '$__range', PROMPT)})"
    reads_range = f"sum({_inc(TOKENS, '$__range', READS)})"
    hit_by_model = (
        f"sum by (model) ({_inc(TOKENS, extra=READS)}) / sum by (model) ({_inc(TOKENS, extra=PROMPT)})"
    )
    return [
        _stat("Cost today", f"sum({_inc(COST, '$__range')})", "currencyUSD", (0, 0, 4, 4), "now/d"),
        _stat("Cost month to date", f"sum({_inc(COST, '$__range')})", "currencyUSD", (4, 0, 4, 4), "now/M"),
        _stat("Tokens today", f"sum({_inc(TOKENS, '$__range')})", "short", (8, 0, 4, 4), "now/d"),
        _stat("Requests today", f"sum({_inc(REQUESTS, '$__range')})", "short", (12, 0, 4, 4), "now/d"),
        _stat("Cache hit rate", f"{reads_range} / {prompt_range}", "percentunit", (16, 0, 4, 4)),
        _stat("Cost in range", f"sum({_inc(COST, '$__range')})", "currencyUSD", (20, 0, 4, 4)),
        _timeseries(
            "Cost per source", f"sum by (source) ({cost})", "{{source}}", "currencyUSD", (0, 4, 12, 8)
        ),
        _timeseries(
            "Tokens per source", f"sum by (source) ({tokens})", "{{source}}", "short", (12, 4, 12, 8)
        ),
        _timeseries("Cost per model", f"sum by (model) ({cost})", "{{model}}", "currencyUSD", (0, 12, 12, 8)),
        _timeseries("Tokens per model", f"sum by (model) ({tokens})", "{{model}}", "short", (12, 12, 12, 8)),
        _timeseries("Cost per host", f"sum by (host) ({cost})", "{{host}}", "currencyUSD", (0, 20, 12, 8)),
        _timeseries("Tokens per type", f"sum by (type) ({tokens})", "{{type}}", "short", (12, 20, 12, 8)),
        _bars(
            "Top models by cost",
            f"topk(10, sum by (model) ({_inc(COST, '$__range')}))",
            "{{model}}",
            "currencyUSD",
            (0, 28, 12, 8),
        ),
        _timeseries(
            "Cache hit rate per model", hit_by_model, "{{model}}", "percentunit", (12, 28, 12, 8), stack=False
        ),
        _bars(
            "Cost per person",
            f"sum by (user) ({_inc(COST, '$__range', PERSON)})",
            "{{user}}",
            "currencyUSD",
            (0, 36, 12, 8),
        ),
        _timeseries(
            "Tokens per person",
            f"sum by (user) ({_inc(TOKENS, extra=PERSON)})",
            "{{user}}",
            "short",
            (12, 36, 12, 8),
        ),
    ]


def dashboard(title: str = "tokledger: AI coding assistant usage") -> dict:
    """The dashboard as a JSON-ready dict, with ``__inputs`` for Grafana's import dialog."""
    items = panels()
    for number, panel in enumerate(items, start=1):
        panel["id"] = number
    return {
        "__inputs": [
            {
                "name": "DS_PROMETHEUS",
                "label": "Prometheus",
                "type": "datasource",
                "pluginId": "prometheus",
                "pluginName": "Prometheus",
            }
        ],
        "__requires": [{"type": "datasource", "id": "prometheus", "name": "Prometheus", "version": "1.0.0"}],
        "title": title,
        "uid": "tokledger",
        "tags": ["tokledger", "llm", "cost"],
        "editable": True,
        "schemaVersion": 39,
        "version": 1,
        "time": {"from": "now-7d", "to": "now"},
        "timezone": "browser",
        "refresh": "5m",
        "description": f"Generated by tokledger {__version__}.",
        "templating": {
            "list": [
                _variable("source", "Source"),
                _variable("model", "Model"),
                _variable("host", "Host"),
                _variable("user", "Person"),
            ]
        },
        "panels": items,
    }


def panel_queries(doc: dict | None = None) -> list[tuple[str, str, bool]]:
    """(panel title, PromQL, instant?) for every target of every panel."""
    doc = doc or dashboard()
    return [(p["title"], t["expr"], t["instant"]) for p in doc["panels"] for t in p["targets"]]
