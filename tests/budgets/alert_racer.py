"""Started several times at once by the alert tests: evaluate one budget and raise its alerts.

``python -m tests.budgets.alert_racer DB OUT DIR NAME USD``: writes ``DIR/NAME.ready``, waits for
``DIR/go``, then evaluates a $10 daily budget with USD spent and appends each alert it sends to OUT.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.budgets.test_config import parse
from tests.conftest import ts
from tests.fakes import EventSums
from tokledger.alerts import raise_alerts
from tokledger.alerts.store import SqliteClaimStore
from tokledger.budgets import evaluate

NOW = ts("2025-06-04T10:00:00+02:00")


class FileChannel:
    name = "file"

    def __init__(self, path: Path, who: str):
        self.path, self.who = path, who

    def send(self, alert) -> None:
        with self.path.open("a") as out:
            out.write(f"{self.who} {alert.key}\n")


def main(db: str, out: str, folder: str, name: str, usd: str) -> None:
    ready, go = Path(folder) / f"{name}.ready", Path(folder) / "go"
    ready.touch()
    deadline = time.monotonic() + 120
    while not go.exists() and time.monotonic() < deadline:
        time.sleep(0.002)
    sums = EventSums()
    sums.add(NOW, usd=float(usd))
    statuses = evaluate(parse("[budgets]\ndaily_usd = 10"), sums, NOW, ZoneInfo("Europe/Berlin"))
    raise_alerts(statuses, SqliteClaimStore(Path(db)), [FileChannel(Path(out), name)])


if __name__ == "__main__":
    main(*sys.argv[1:])
