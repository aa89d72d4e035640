"""Benchmark: a year of a heavy user pushed to a real Prometheus by remote write — time and bytes on the wire.

A deterministic generator spreads ``--requests`` requests (default 1,000,000) over ``--days`` days (365) on
working-hour peaks, across three sources, six models and two hosts. Its cumulative totals are exported
the way the daemon does it:

- ``cycles``: one remote-write push per 10-minute cycle, each carrying every series' current total;
- ``backfill``: one push per day, each carrying that day's 144 points of every series.

- ``ledger``: one daemon cycle's export from a real ledger of ``--ledger-events`` requests (default
  1,000,000; ``synth_ledger.py``, reused when built this hour): ``Workspace.metric_totals()`` reading the
  rollups, then the push; with and without the project label; and a ``/metrics`` scrape's rendering.

A Prometheus (``prometheus`` on the PATH, remote-write receiver on, storage in a temporary directory) is
started on a free loopback port; after the pushes the script checks with PromQL that the stored totals equal
the generator's (the ledger's reports, for ``ledger``), then prints the figures::

    .venv/bin/python bench/export.py                 # every mode
    .venv/bin/python bench/export.py --mode cycles --days 30
"""

from __future__ import annotations

import argparse
import functools
import os
import platform
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import httpx

from tokledger.exporters import MetricTotal, prompb
from tokledger.exporters.config import PrometheusConfig
from tokledger.exporters.remote_write import RemoteWriter, headers
from tokledger.exporters.series import samples, total_tokens

CYCLE = 600
MODELS = [  # (source, model, share, (input, output, cache write, cache read) means, $/Mtok in, out, cw, cr)
    ("claude_code", "claude-sonnet-4-5", 0.50, (40, 600, 2_500, 45_000), (3, 15, 3.75, 0.3)),
    ("claude_code", "claude-opus-4-1", 0.10, (40, 500, 2_000, 40_000), (15, 75, 18.75, 1.5)),
    ("claude_code", "claude-haiku-4-5", 0.15, (30, 300, 1_000, 20_000), (1, 5, 1.25, 0.1)),
    ("codex", "gpt-5-codex", 0.15, (3_000, 900, 0, 9_000), (1.25, 10, 0, 0.125)),
    ("codex", "gpt-5", 0.05, (2_000, 700, 0, 6_000), (1.25, 10, 0, 0.125)),
    ("gemini", "gemini-2.5-pro", 0.05, (4_000, 800, 0, 2_000), (1.25, 10, 0, 0.125)),
]
HOSTS = ("laptop", "desktop")


def cycle_weights(days: int, start: float) -> list[float]:
    """Relative activity per cycle: working hours on weekdays, a little at night and at weekends."""
    weights = []
    for n in range(days * 86_400 // CYCLE):
        t = time.gmtime(start + n * CYCLE)
        hour = t.tm_hour + t.tm_min / 60
        busy = 1.0 if 8 <= hour < 19 else 0.08
        weights.append(busy * (0.25 if t.tm_wday >= 5 else 1.0))
    return weights


def generate(requests: int, days: int, start: float, seed: int = 7):
    """Yield (timestamp ms, totals) per cycle: the cumulative totals after that cycle's requests."""
    rng = random.Random(seed)
    weights = cycle_weights(days, start)
    scale = requests / sum(weights)
    totals = {
        (s, m, h): MetricTotal(s, m, h, None, 0, 0, 0, 0, 0, 0, 0) for s, m, *_ in MODELS for h in HOSTS
    }
    shares = [share for _, _, share, _, _ in MODELS]
    remaining, carry = requests, 0.0
    for n, weight in enumerate(weights):
        carry += weight * scale
        count = min(remaining, int(carry)) if n < len(weights) - 1 else remaining
        carry -= count
        remaining -= count
        for _ in range(count):
            source, model, _, means, rates = MODELS[rng.choices(range(len(MODELS)), shares)[0]]
            host = HOSTS[0] if rng.random() < 0.7 else HOSTS[1]
            tokens = [int(rng.expovariate(1 / mean)) if mean else 0 for mean in means]
            reasoning = tokens[1] // 3 if source != "claude_code" else 0
            cost = sum(t * int(r * 10**6) for t, r in zip(tokens, rates, strict=True))  # picodollars
            t = totals[(source, model, host)]
            totals[(source, model, host)] = replace(
                t, input_tokens=t.input_tokens + tokens[0], output_tokens=t.output_tokens + tokens[1],
                cache_write_tokens=t.cache_write_tokens + tokens[2], cache_read_tokens=t.cache_read_tokens + tokens[3],
                reasoning_tokens=t.reasoning_tokens + reasoning, requests=t.requests + 1, cost_pusd=t.cost_pusd + cost,
            )  # fmt: skip
        yield int((start + n * CYCLE) * 1000), [t for t in totals.values() if t.requests]


def start_prometheus(tmp: Path) -> tuple[subprocess.Popen, str]:
    binary = shutil.which("prometheus")
    if binary is None:
        sys.exit("prometheus is not installed (Debian package prometheus)")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    (tmp / "prometheus.yml").write_text("global: {}\n")
    argv = [binary, f"--config.file={tmp / 'prometheus.yml'}", f"--storage.tsdb.path={tmp / 'data'}",
            "--storage.tsdb.retention.time=10y", f"--web.listen-address=127.0.0.1:{port}",
            "--web.enable-remote-write-receiver"]  # fmt: skip
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=(tmp / "prometheus.log").open("w"))
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/-/ready", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proc.kill()
    sys.exit("prometheus did not start")


def header_bytes(url: str, body_length: int) -> int:
    """The request line and headers as sent (HTTP/1.1), for the bytes-on-the-wire figure."""
    lines = ["POST /api/v1/write HTTP/1.1", f"Host: {url.split('//', 1)[1]}", f"Content-Length: {body_length}",
             "Accept: */*", "Accept-Encoding: gzip, deflate", "Connection: keep-alive",
             *(f"{k}: {v}" for k, v in headers().items())]  # fmt: skip
    return len("\r\n".join(lines)) + 4


def run_mode(mode: str, url: str, args) -> dict:
    start = time.time() - args.days * 86_400
    client = httpx.Client(timeout=60)
    writer = RemoteWriter(PrometheusConfig(f"{url}/api/v1/write"), {}, client=client)
    pushes = raw = series_max = 0
    export_s = 0.0  # turning totals into samples, encoding, compressing and sending: what the daemon does
    day: dict[tuple, list] = {}
    final = []
    ts = 0
    for n, (ts, totals) in enumerate(generate(args.requests, args.days, start)):
        final = totals
        t0 = time.perf_counter()
        out = samples(totals)
        if mode == "cycles":
            outcome = writer.push(out, ts)
            export_s += time.perf_counter() - t0
            raw += len(prompb.encode_samples(out, ts))
            pushes += 1
            series_max = max(series_max, len(out))
        else:
            for sample in out:
                day.setdefault(sample.label_pairs(), []).append((sample.value, ts))
            last = n + 1 == args.days * 86_400 // CYCLE
            if (n + 1) % (86_400 // CYCLE) and not last:
                export_s += time.perf_counter() - t0
                continue
            outcome = writer.push_series(list(day.items()))
            export_s += time.perf_counter() - t0
            raw += len(prompb.write_request(day.items()))
            pushes += 1
            series_max = max(series_max, len(day))
            day = {}
        if not outcome.ok:
            sys.exit(f"{mode}: push failed: {outcome.detail}")
    compressed = writer.bytes_sent
    wire = compressed + pushes * header_bytes(url, compressed // max(pushes, 1))
    client.close()
    last_ts = ts / 1000
    got = httpx.get(f"{url}/api/v1/query", params={"query": "sum(tokledger_tokens_total)",
                                                     "time": f"{last_ts:.3f}"}).json()  # fmt: skip
    stored = float(got["data"]["result"][0]["value"][1])
    want = total_tokens(final)
    if stored != want:
        sys.exit(f"{mode}: Prometheus has {stored:.0f} tokens, the generator {want}")
    return {"mode": mode, "pushes": pushes, "series": series_max, "seconds": export_s,
            "raw": raw, "compressed": compressed, "wire": wire, "requests": sum(t.requests for t in final),
            "tokens": want}  # fmt: skip


def best_of(runs: int, fn):
    """(fastest seconds, last result) of ``runs`` calls."""
    best, result = float("inf"), None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def run_ledger(url: str, args) -> None:
    """A daemon cycle's export from a real ledger: totals from the rollups, samples, one push, and PromQL."""
    sys.path.insert(0, str(Path(__file__).parent))
    import synth_ledger

    from tokledger.config import Config
    from tokledger.env import Env
    from tokledger.exporters import metrics
    from tokledger.workspace import Workspace

    path = synth_ledger.default_path(args.ledger_events, 1)
    t0 = time.perf_counter()
    how = "reused" if path.exists() else "built"
    synth_ledger.build(path, args.ledger_events)
    how += f" in {time.perf_counter() - t0:.0f} s"
    with tempfile.TemporaryDirectory(prefix="tokledger-bench-home-") as home:
        env = Env(home=Path(home), environ={})
        for label in (False, True):
            sections = {"team": {"host": f"bench-{'projects' if label else 'plain'}"},
                        "exporters": {"project_label": label}}  # fmt: skip
            with Workspace(env, db_path=path, config=Config(sections=sections)) as workspace:
                totals_s, totals = best_of(5, workspace.metric_totals)
                samples_s, out = best_of(5, functools.partial(samples, totals))
                with httpx.Client(timeout=60) as client:
                    writer = RemoteWriter(PrometheusConfig(f"{url}/api/v1/write"), {}, client=client)
                    t0 = time.perf_counter()
                    outcome = writer.push(out)
                    push_s = time.perf_counter() - t0
                if not outcome.ok:
                    sys.exit(f"ledger: push failed: {outcome.detail}")
                render_s, body = best_of(
                    5, lambda: metrics.render(metrics.registry(workspace.metric_totals))[0]
                )
                report = workspace.report("model", workspace.query({}))
                want = report.totals.total_tokens
                host = workspace.host
            got = httpx.get(
                f"{url}/api/v1/query", params={"query": f'sum(tokledger_tokens_total{{host="{host}"}})'}
            )
            stored = float(got.json()["data"]["result"][0]["value"][1])
            if stored != want:
                sys.exit(f"ledger: Prometheus has {stored:.0f} tokens, the ledger {want}")
            print(f"ledger{' with project_label' if label else ''}: {report.totals.requests:,} requests "
                  f"({path.stat().st_size / 2**20:.0f} MiB, {how}); {len(totals):,} totals, "
                  f"{len(out):,} series; metric_totals() {totals_s * 1000:.1f} ms, samples {samples_s * 1000:.1f} ms, "
                  f"push {push_s * 1000:.1f} ms ({writer.bytes_sent:,} B snappy); /metrics "
                  f"{render_s * 1000:.1f} ms ({len(body):,} B); totals in Prometheus exact")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["cycles", "backfill", "ledger", "all"], default="all")
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--ledger-events", type=int, default=1_000_000)
    args = parser.parse_args()
    modes = ["cycles", "backfill", "ledger"] if args.mode == "all" else [args.mode]
    version = subprocess.run(
        ["prometheus", "--version"], capture_output=True, text=True, check=True
    ).stdout.split()[2]
    print(
        f"Prometheus {version}; Python {platform.python_version()}; {platform.machine()}, {os.cpu_count()} cores"
    )
    for mode in modes:
        # A Prometheus of its own per mode: its TSDB refuses samples older than what it already holds.
        with tempfile.TemporaryDirectory(prefix="tokledger-bench-") as tmp:
            proc, url = start_prometheus(Path(tmp))
            try:
                if mode == "ledger":
                    run_ledger(url, args)
                    continue
                r = run_mode(mode, url, args)
                print(f"{r['mode']}: {r['requests']:,} requests, {r['tokens']:,} tokens; {r['pushes']:,} pushes of up "
                      f"to {r['series']:,} series; export {r['seconds']:.1f} s ({r['seconds'] / r['pushes'] * 1000:.2f} ms "
                      f"per push: samples, encoding, snappy, HTTP); protobuf "
                      f"{r['raw'] / 2**20:.1f} MiB, snappy {r['compressed'] / 2**20:.1f} MiB "
                      f"({r['compressed'] / r['pushes']:,.0f} B per push), on the wire with headers "
                      f"{r['wire'] / 2**20:.1f} MiB; totals in Prometheus exact")  # fmt: skip
            finally:
                proc.terminate()
                proc.wait(timeout=60)


if __name__ == "__main__":
    main()
