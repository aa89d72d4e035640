"""Budgets: spending limits in USD or tokens, their evaluation, and what the ledger must answer for it.

- :mod:`~tokledger.budgets.config` validates the ``[budgets]`` table into :class:`BudgetConfig`.
- :mod:`~tokledger.budgets.periods` gives the UTC bounds of local days, weeks and months (DST-exact).
- :mod:`~tokledger.budgets.evaluate` turns a config and a :class:`UsageSums` into :class:`BudgetStatus`
  values (used, percent, level, remaining, projections); no check reads individual events.
- :mod:`~tokledger.budgets.render` draws them for ``tokledger budget`` (Rich table, ``--json``).

Importing this package loads only the standard library; Rich is imported by the table renderer alone.
"""

from tokledger.budgets.config import BudgetConfig, Limit, load_budgets, parse_budgets
from tokledger.budgets.evaluate import (
    BudgetStatus,
    Context,
    Sums,
    UsageSums,
    describe,
    evaluate,
    exit_code,
    project_matches,
    worst,
)

__all__ = [
    "BudgetConfig", "BudgetStatus", "Context", "Limit", "Sums", "UsageSums", "describe", "evaluate",
    "exit_code", "load_budgets", "parse_budgets", "project_matches", "worst",
]  # fmt: skip
