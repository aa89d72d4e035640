"""Started several times at once by the alert test: evaluate the budgets of a real ledger and alert.

``python -m tests.guard.alert_racer DB CONFIG DIR NAME``: writes ``DIR/NAME.ready``, waits for ``DIR/go``,
then opens a workspace on the ledger ``DB`` with the configuration ``CONFIG`` and evaluates its budgets,
raising the alerts due (a webhook the test serves).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from tokledger.env import Env
from tokledger.workspace import Workspace


def main(db: str, config: str, folder: str, name: str) -> None:
    ready, go = Path(folder) / f"{name}.ready", Path(folder) / "go"
    workspace = Workspace(Env(home=Path(folder)), db_path=Path(db), config_path=Path(config))
    workspace.guard.budgets()  # configuration and ledger opened before the start, so the race is the claim
    _ = workspace.ledger
    ready.touch()
    deadline = time.monotonic() + 120
    while not go.exists() and time.monotonic() < deadline:
        time.sleep(0.002)
    workspace.evaluate_budgets()
    workspace.close()


if __name__ == "__main__":
    main(*sys.argv[1:])
