"""The team ledger's part of :class:`tokledger.workspace.Workspace`: who this machine and person are
(``[team]``), the team ledger's connection options and pools, the hosts a ledger holds, and ``push`` — by
hand, or on every daemon cycle when ``[team] push = true``."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING

from tokledger.errors import ConfigError, LedgerError, TokledgerError

if TYPE_CHECKING:
    from tokledger.exporters import Outcome
    from tokledger.ledger.pg import Pool
    from tokledger.team import Team
    from tokledger.team.push import PushReport


def _warn(*args) -> None:
    import logging  # loaded only when there is something to say

    logging.getLogger("tokledger.daemon").warning(*args)


class TeamWorkspace:
    """Methods of the workspace (which gives ``config``, ``env``, ``db_path``, ``ledger``, ``pricer`` and
    ``_push_pools``)."""

    @cached_property
    def team(self) -> Team:
        """Who this machine and person are, and where ``push`` sends (``[team]``)."""
        from tokledger.team import team_of

        return team_of(self.config, self.env)

    def connection_options(self, url: str) -> dict[str, str]:
        """libpq options for a team ledger at ``url`` (its password, from where passwords are kept)."""
        from tokledger.team.secrets import connection_options

        return connection_options(url, self.env, self.team.password_file)

    def _open_pool(self, url: str, *, max_size: int) -> Pool:
        from tokledger.ledger.pg import Pool, redact

        options = self.connection_options(url)
        try:
            return Pool(url, options, max_size=max_size)
        except Exception as exc:  # noqa: BLE001 -- libpq's message, in one line, without the password
            raise LedgerError(
                f"cannot open the team ledger {redact(url)}: {str(exc).splitlines()[0]}"
            ) from None

    def hosts(self) -> list[str]:
        """The hosts the ledger holds events of (one for a personal ledger)."""
        from tokledger.ledger import queries

        return queries.names_of(self.ledger, "host")

    def push(self, to: str | None = None, *, batch: int | None = None,
             progress: Callable[[int], None] | None = None) -> PushReport:  # fmt: skip
        """Send this ledger's new and changed events to the team ledger ``to`` (default ``[team] ledger``);
        the connection pool is kept for the next push. A daemon pushes on each cycle when ``self.team.push``
        is set."""
        from tokledger.ledger.pg import is_url
        from tokledger.team.push import DEFAULT_BATCH, push

        url = to or self.team.ledger
        if not url:
            raise ConfigError("no team ledger to push to: give --to postgresql://... or set [team] ledger")
        if not is_url(url):
            raise ConfigError("push sends to a team ledger: a postgresql:// URL")
        pool = self._push_pools.get(url)
        if pool is None:
            pool = self._push_pools[url] = self._open_pool(url, max_size=2)
        return push(
            self.ledger, url, pool, self.team, self.pricer, batch=batch or DEFAULT_BATCH, progress=progress
        )

    def push_if_configured(self) -> Outcome | None:
        """A daemon cycle's push: with ``[team] push = true`` and a ``[team] ledger``, send what is new to it
        (None otherwise, and on a team ledger itself). A team ledger that cannot be reached (offline, a
        refused password) is a failed step with its reason, never an exception: the next cycle catches up."""
        from tokledger.exporters import Outcome
        from tokledger.ledger.opening import db_errors, pg_reason
        from tokledger.ledger.pg import is_url, redact

        team = self.team
        if not team.push or not team.ledger or is_url(self.db_path):
            return None
        try:
            report = self.push()
        except TokledgerError as exc:
            _warn("push: %s", exc)
            return Outcome.failure(f"push: {exc}")
        except db_errors() as exc:  # the connection lost between statements
            reason = f"push to {redact(team.ledger)}: {pg_reason(exc)}"
            _warn("%s", reason)
            return Outcome.failure(reason)
        for notice in report.notices:
            _warn("push: %s", notice)
        return Outcome.success(f"{report.sent} events pushed to {redact(team.ledger)}")
