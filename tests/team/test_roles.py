"""The roles of docs/team.md, on a real PostgreSQL: a push role writes only its own host's rows, a read role
reads everything and writes nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.team.helpers import held, laptop, record, rows
from tokledger.errors import LedgerError
from tokledger.ledger import Ledger
from tokledger.reports import Query
from tokledger.reports.periods import zone

DOC = (Path(__file__).parents[2] / "docs" / "team.md").read_text()
BLOCKS = re.findall(r"```sql\n(.*?)```", DOC, re.DOTALL)


def _as(url: str, role: str) -> str:
    return url.replace("postgresql://postgres@", f"postgresql://{role}@")


def test_roles_from_the_docs(tmp_path, pg_url):
    import psycopg

    Ledger.open(pg_url).close()
    setup, per_host = BLOCKS[1], BLOCKS[2]
    per_host += "CREATE ROLE push_bo LOGIN IN ROLE tokledger_push;\nINSERT INTO host_roles VALUES ('bo-pc', 'push_bo');\n"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(setup)
        conn.execute(per_host)
    ana = laptop(tmp_path, "ana-laptop")
    record(ana.ledger, rows(1, 120))
    assert ana.push(_as(pg_url, "push_ana_laptop"), batch=50).added == 120
    bo = laptop(tmp_path, "bo-pc", user="bo")
    record(bo.ledger, rows(2, 80))
    assert bo.push(_as(pg_url, "push_bo")).added == 80
    # Ana's role pushing as another host is refused by the database itself.
    intruder = laptop(tmp_path, "not-mine")
    record(intruder.ledger, rows(3, 5))
    with pytest.raises(LedgerError, match="row-level security"):
        intruder.push(_as(pg_url, "push_ana_laptop"))
    # A dashboard's role reads every host's reports and can write nothing.
    reader = laptop(tmp_path, "dashboard")
    reader._db = _as(pg_url, "grafana")
    team = reader.report("team", Query(tz=zone("UTC")))
    assert sorted(r.period for r in team.rows) == ["ana@ana-laptop", "bo@bo-pc"]
    assert reader.changed_elsewhere() > 0
    with pytest.raises(LedgerError, match="permission denied"):
        reader.ledger.set_state("x", "y")
    owner = Ledger.open(pg_url)
    assert held(owner, "ana-laptop") == held(ana.ledger) and held(owner, "not-mine")[0] == 0
    assert owner.rollup_differences() == []
