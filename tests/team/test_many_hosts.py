"""Eight laptops pushing into one team ledger at once, killed at random moments, end with exact totals."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time

import pytest

from tests.team.helpers import grow, held, laptop, record, rows
from tokledger.ledger import Ledger

HOSTS = [f"host-{i}" for i in range(8)]


def _push(ws, url: str, config) -> subprocess.Popen:
    env = {
        **os.environ,
        "HOME": str(ws.env.home),
        "TOKLEDGER_DB": str(ws.db_path),
        "TOKLEDGER_CONFIG": str(config),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "tokledger", "push", "--no-sync", "--to", url, "--batch", "37"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip


@pytest.mark.slow
def test_eight_hosts_pushing_at_once_with_random_kills_end_exact(tmp_path, pg_url):
    rng = random.Random(8)
    Ledger.open(pg_url).close()  # the schema, before eight processes race to open it
    laptops, configs = {}, {}
    for n, host in enumerate(HOSTS):
        ws = laptops[host] = laptop(tmp_path, host, user=f"user-{n % 3}")
        configs[host] = ws.env.home / "config.toml"
        configs[host].write_text(f'[team]\nhost = "{host}"\nuser = "user-{n % 3}"\n')
        record(ws.ledger, rows(n, 400))
    written = dict.fromkeys(HOSTS, 400)
    killed = 0
    for round_ in range(6):
        running = {host: _push(ws, pg_url, configs[host]) for host, ws in laptops.items()}
        # Meanwhile the laptops keep working: new requests, and older ones read again more completely.
        for host in rng.sample(HOSTS, 3):
            ledger = laptops[host].ledger
            record(ledger, rows(100 + round_, 60, first=written[host]))
            written[host] += 60
            grow(ledger, [f"k{rng.randrange(written[host])}" for _ in range(20)], "codex")
        deadline = time.monotonic() + rng.uniform(0.3, 2.5)
        for host, proc in running.items():
            pause = deadline - time.monotonic()
            if round_ < 5 and rng.random() < 0.6 and pause > 0:
                time.sleep(rng.uniform(0, pause))
                if proc.poll() is None:
                    proc.kill()
                    killed += 1
            out = proc.communicate(timeout=300)[0].decode()
            assert proc.returncode in (0, -9), out
    for host, ws in laptops.items():  # a last push each, never killed, must find nothing left
        proc = _push(ws, pg_url, configs[host])
        out = proc.communicate(timeout=300)[0].decode()
        assert proc.returncode == 0 and "up to date" in out, out
    assert killed > 0
    team = Ledger.open(pg_url)
    for host, ws in laptops.items():
        assert held(team, host) == held(ws.ledger), host
        ws.close()
    assert held(team)[0] == sum(written.values())
    assert team.rollup_differences() == []
    team.close()
