"""Time every report, the live dashboard's refresh cycle and the web API on a large synthetic ledger, in process.

The ledger comes from ``synth_ledger.py`` (2,000,000 events by default). Each figure is the median (and
maximum) over ``--runs`` calls on an open ledger, after one untimed call — what a face that stays open
(the live dashboard, the web server, the status line) pays per question. ``today + active block`` is what
the status line asks on every assistant message. Web answers are timed with the response cache cleared
before every request, so each one is computed from the ledger; they are requests over loopback to the
real server (uvicorn) on one kept-alive connection.

    python bench/reports.py [--events 2000000] [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synth_ledger
from timing import timed

from tokledger.config import Config
from tokledger.env import Env
from tokledger.reports import Query, today
from tokledger.reports.blocks import recent_blocks
from tokledger.reports.dashboard import active_block
from tokledger.reports.periods import zone
from tokledger.workspace import Workspace


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        info = Path("/proc/cpuinfo").read_text().splitlines()
        cpu = next((x.split(":", 1)[1].strip() for x in info if x.startswith("model name")), cpu)
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--events", type=int, default=2_000_000)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--timezone", default="Europe/Berlin")
    a = ap.parse_args(argv)
    path = synth_ledger.build(synth_ledger.default_path(a.events, 1), a.events)
    home = Path(tempfile.mkdtemp(prefix="tokledger-bench-home-"))
    env = Env(home=home, environ={})
    ws = Workspace(env, db_path=path, config=Config(timezone=a.timezone))
    tz = zone(a.timezone)
    q = Query(tz=tz)
    now = datetime.now(UTC)
    day = today(tz)
    rows: list[tuple[str, float, float, str]] = []

    def add(label: str, fn, note: str = "") -> None:
        med, top = timed(fn, a.runs)
        rows.append((label, med, top, note))

    for kind in ("daily", "weekly", "monthly", "model", "project", "session", "branch"):
        add(
            f"`{kind}`", lambda k=kind: ws.report(k, q, parts=False), f"{len(ws.report(kind, q).rows):,} rows"
        )
    add("`daily --breakdown`", lambda: ws.report("daily", q))
    add("lifetime totals", lambda: ws.report("model", q).totals)
    add("`blocks --active`", lambda: ws.blocks(q, active_only=True))
    add("`daily --since` last 30 days", lambda: ws.report("daily", replace(q, since=day.replace(day=1))))
    add("`daily --project project-07`", lambda: ws.report("daily", replace(q, projects=("project-07",))))
    add("`daily -z Asia/Kathmandu`", lambda: ws.report("daily", replace(q, tz=zone("Asia/Kathmandu"))))
    add("`blocks` (whole history)", lambda: ws.blocks(q))

    def statusline():
        ws.report("today", replace(q, since=day, until=day))
        return active_block(recent_blocks(ws.ledger, q, now=now), now)

    add("today + active block", statusline)

    from tokledger.tui.refresh import Refresher, View

    refresher = Refresher(ws, q)
    refresher.cycle(View())
    add("live refresh, nothing new", lambda: refresher.cycle(View()))
    add("live refresh, full rebuild", lambda: refresher.cycle(View(), force=True))

    import http.client
    import threading

    import uvicorn

    from tokledger import web

    backend = web.Backend(ws.reader(), sync=False, timezone=a.timezone)
    sock = web.listen("127.0.0.1", 0)
    server = uvicorn.Server(uvicorn.Config(web.create_app(backend), log_level="warning", access_log=False))
    threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    conn = http.client.HTTPConnection("127.0.0.1", sock.getsockname()[1])
    for url in ("/api/daily", "/api/model", "/api/monthly", "/api/session", "/api/graph", "/api/overview",
                f"/api/day/{day}", "/api/sources", "/api/blocks?active=1", "/api/blocks"):  # fmt: skip

        def get(url=url):
            backend.invalidate()
            conn.request("GET", url)
            response = conn.getresponse()
            body = response.read()
            assert response.status == 200, body[:200]

        add(f"`{url}`", get)
    server.should_exit = True

    size = path.stat().st_size
    print(
        f"**Ledger:** {a.events:,} events, {size / 2**20:.0f} MiB ({size / a.events:.0f} bytes per event)  "
    )
    print(
        f"**Machine:** {machine()}; median (max) of {a.runs} calls after one untimed call, zone {a.timezone}\n"
    )
    print("| question | median ms | max ms | note |\n|---|---|---|---|")
    for label, med, top, note in rows:
        print(f"| {label} | {med:.1f} | {top:.1f} | {note} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
