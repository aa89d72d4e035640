"""A team ledger on the local PostgreSQL: push throughput and report times on a synthetic 10M-event team.

Starts a PostgreSQL cluster of its own (initdb into ``--dir``, kept there and reused; fsync on, defaults
otherwise), fills a team ledger of ``--users`` people, each on their own host, with ``--per-user``
events each — two years of sessions across a few of 200 team projects, three sources, their models —,
written straight through the ledger's API (rows and rollups, as a sync writes them; costs are random
integers, not priced). Then, timed:

- ``push``: a personal SQLite ledger of ``--push-events`` events (a new host) pushed into that team
  ledger, from empty; and a second push with nothing new;
- reports on the team ledger through a workspace: ``daily``, ``monthly``, ``model``, ``team``, a
  ``--user`` filter, a ``--breakdown user``, median (max) of ``--runs`` calls after one untimed call.

    python bench/team.py [--users 100] [--per-user 100000] [--push-events 100000] [--runs 9]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from reports import machine
from timing import timed

from tests.postgres import Cluster, binaries
from tokledger.config import Config
from tokledger.env import Env
from tokledger.ledger import EventRow, Ledger, rollups
from tokledger.reports import Query
from tokledger.reports.periods import zone
from tokledger.workspace import Workspace

MODELS = {
    "claude_code": ["claude-sonnet-4-5-20250929", "claude-opus-4-1-20250805", "claude-haiku-4-5-20251001"],
    "codex": ["gpt-5", "gpt-5-codex", "gpt-5-mini"],
    "gemini": ["gemini-2.5-pro", "gemini-2.5-flash"],
}
DAY = 86_400_000


def person_rows(rng: random.Random, n: int, end_ms: int, prefix: str) -> list[EventRow]:
    """``n`` events of one person: sessions of 20-300 requests in working hours over two years."""
    projects = [f"/home/dev/team/project-{rng.randrange(200):03d}" for _ in range(8)]
    sources = list(MODELS)
    rows: list[EventRow] = []
    session = 0
    while len(rows) < n:
        day = end_ms - rng.randrange(730) * DAY
        t = day - day % DAY + int(rng.uniform(7, 19) * 3_600_000)
        source = rng.choices(sources, (6, 3, 1))[0]
        model = rng.choice(MODELS[source])
        project = rng.choice(projects)
        session += 1
        for _ in range(min(rng.randint(20, 300), n - len(rows))):
            t += int(rng.expovariate(1 / 40) * 1000)
            cached = rng.random() < 0.8
            rows.append(EventRow(
                source, f"{prefix}-{len(rows):07d}", min(t, end_ms), model, None, f"{prefix}-s{session:05d}",
                project, rng.choice(("main", "feature/x", None)), None, rng.randint(5, 3000), rng.randint(50, 4000),
                rng.randint(0, 20_000), 0, rng.randint(20_000, 180_000) if cached else 0, 0,
                rng.randint(10**9, 10**11), "bench", None, True, None,
            ))  # fmt: skip
    return rows


def build_team(url: str, users: int, per_user: int, end_ms: int) -> int:
    """Fill the team ledger (what an earlier run wrote is kept); returns how many people were written."""
    ledger = Ledger.open(url)
    done = ledger.conn.execute("SELECT COUNT(DISTINCT host_id) FROM rollup_total").fetchone()[0]
    started = time.perf_counter()
    for i in range(done, users):
        rows = person_rows(random.Random(i), per_user, end_ms, f"u{i:03d}")
        with ledger.transaction():
            who = (ledger._id("host", f"host-{i:03d}"), ledger._id("user", f"user-{i:03d}"))
            ledger.add_events(rows, None, who)
        print(f"  person {i + 1}/{users} written ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    if done < users:
        ledger.conn.execute("VACUUM ANALYZE")
    ledger.close()
    return max(0, users - done)


def forget_laptops(cluster: Cluster, url: str) -> None:
    """Take an earlier run's pushed laptop out of the team ledger, wholly, and vacuum: the truncation of
    emptied pages locks a table for a moment, which must not land in a timed step."""
    dbname = url.rsplit("/", 1)[1]
    tables = ("entries", "pushes", *rollups.TABLES)
    for table in tables:
        cluster.execute(f"DELETE FROM {table} WHERE host_id IN (SELECT id FROM dims WHERE kind = 'host'"
                        " AND value LIKE '%laptop%')", dbname)  # fmt: skip
    cluster.execute(f"VACUUM ANALYZE {', '.join(tables)}", dbname)


def time_pushes(
    cluster: Cluster, url: str, work: Path, events: int, end_ms: int
) -> list[tuple[str, str, str]]:
    """A laptop's whole history pushed into the team ledger, then five days of work pushed one by one."""
    history = person_rows(random.Random(10_001), events + 2_500, end_ms, "laptop")
    history.sort(key=lambda r: r.ts)
    local = Ledger.open(work / "laptop.db")
    with local.transaction():
        local.add_events(history[:events], None)
    config = Config(sections={"team": {"host": "bench-laptop", "user": "bench"}})
    laptop = Workspace(Env(home=work, environ={}), db_path=work / "laptop.db", config=config)
    t = time.perf_counter()
    report = laptop.push(url)
    first = time.perf_counter() - t
    days = []
    for day in range(5):
        with local.transaction():
            local.add_events(history[events + 500 * day : events + 500 * (day + 1)], None)
        t = time.perf_counter()
        laptop.push(url)
        days.append((time.perf_counter() - t) * 1000)
    t = time.perf_counter()
    again = laptop.push(url)
    second = (time.perf_counter() - t) * 1000
    laptop.close()
    local.close()
    return [
        (f"`push`, a {events:,}-event laptop's whole history", f"{first * 1000:.0f}",
         f"{report.sent / first:,.0f} events/s ({report.batches} batches)"),
        ("`push`, a day of work (500 events)", f"{statistics.median(days):.0f} ({max(days):.0f})",
         f"median (max) of {len(days)} days"),
        ("`push`, nothing new", f"{second:.1f}", f"{again.sent} events"),
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--users", type=int, default=100)
    ap.add_argument("--per-user", type=int, default=100_000)
    ap.add_argument("--push-events", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--timezone", default="Europe/Berlin")
    ap.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "tokledger-bench" / "team-pg")
    a = ap.parse_args(argv)
    bindir = binaries()
    if bindir is None:
        print("PostgreSQL is not installed", file=sys.stderr)
        return 1
    cluster = Cluster(bindir, a.dir, durable=True).start()
    try:
        url = cluster.database(f"team_{a.users}x{a.per_user}")
        end_ms = int(datetime(2026, 11, 30, 18, tzinfo=UTC).timestamp() * 1000)
        started = time.perf_counter()
        written = build_team(url, a.users, a.per_user, end_ms)
        built = f"built in {time.perf_counter() - started:.0f} s" if written else "reused"
        size = cluster.execute("SELECT pg_database_size(current_database())", url.rsplit("/", 1)[1])[0][0]
        forget_laptops(cluster, url)
        rows: list[tuple[str, str, str]] = []
        work = Path(tempfile.mkdtemp(prefix="tokledger-bench-push-"))
        env = Env(home=work, environ={})
        ws = Workspace(env, db_path=url, config=Config(timezone=a.timezone))
        q = Query(tz=zone(a.timezone))
        ws.report("daily", q)  # keeps the zone's days, as any report in the configured zone does
        for label, kind, query, parts in (
            ("`daily`", "daily", q, False), ("`monthly`", "monthly", q, False), ("`model`", "model", q, True),
            ("`team`", "team", q, True), ("`daily --user user-007`", "daily", Query(tz=q.tz, users=("user-007",)), False),
            ("`monthly --breakdown user`", "monthly", q, "user"),
        ):  # fmt: skip
            med, top = timed(lambda k=kind, qq=query, p=parts: ws.report(k, qq, parts=p), a.runs)
            n = len(ws.report(kind, query, parts=parts).rows)
            rows.append((label, f"{med:.1f} ({top:.1f})", f"{n:,} rows"))
        ws.close()
        rows[:0] = time_pushes(cluster, url, work, a.push_events, end_ms)
        version = cluster.execute("SHOW server_version")[0][0]
        events = a.users * a.per_user
        print(f"**Team ledger:** {events:,} events ({a.users} people × {a.per_user:,}), "
              f"{size / 2**30:.1f} GiB on disk, {built}  ")  # fmt: skip
        print(
            f"**Machine:** {machine()}; PostgreSQL {version}, default settings, fsync on, same machine; "
            f"median (max) of {a.runs} calls after one untimed call, zone {a.timezone}\n"
        )
        print("| step | ms | note |\n|---|---|---|")
        for label, ms, note in rows:
            print(f"| {label} | {ms} | {note} |")
    finally:
        cluster.stop(keep=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
