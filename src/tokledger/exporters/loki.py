"""A ``logging.Handler`` that pushes log records to Loki (``POST /loki/api/v1/push``, JSON body).

Body, one stream per distinct label set; timestamps are strings of Unix-epoch nanoseconds and the
entries of a stream are in time order::

    {"streams": [{"stream": {"app": "tokledger", "host": "dev1", "level": "info"},
                  "values": [["1787443200000000000", "tokledger.daemon: cycle done"]]}]}

Stream labels are only ``app``, ``host`` and ``level`` (lowercase ``debug``/``info``/``warning``/
``error``/``critical``): everything else, logger name included, is in the line, so the number of streams
stays at a handful. The URL is used as configured: it must end with ``/loki/api/v1/push`` (the
configuration adds it to a bare base URL once; tosage's logger appended it a second time). Basic auth or a
bearer token, and ``X-Scope-OrgID`` for a tenant.

Records are queued and sent by a background thread in batches of ``batch_size`` records or every
``batch_wait`` seconds, whichever comes first, with the retry rules of :mod:`tokledger.exporters._http`.
The queue is bounded: when Loki is unreachable for long, the oldest records are dropped and the count of
dropped records is sent with the next batch that gets through. :meth:`flush` sends what is queued now;
:meth:`close` flushes and stops the thread. The handler never logs through ``logging`` itself and
ignores the records of the HTTP libraries, so a failing push cannot feed on itself.
"""

from __future__ import annotations

import collections
import json
import logging
import threading
import time
from collections.abc import Callable, Mapping

from tokledger import __version__
from tokledger.errors import ConfigError
from tokledger.exporters import Outcome
from tokledger.exporters._http import LOG_POLICY, ResolvedAuth, RetryPolicy, post
from tokledger.exporters.config import LokiConfig

MAX_QUEUED = 10_000
_IGNORED = ("httpx", "httpcore", "urllib3", "opentelemetry")


def push_body(entries, app: str, host: str) -> bytes:
    """The JSON push body for ``entries`` = [(ns, level, line)], grouped into streams by level."""
    streams: dict[str, list[list[str]]] = {}
    for ns, level, line in sorted(entries, key=lambda e: e[0]):
        streams.setdefault(level, []).append([str(ns), line])
    doc = {
        "streams": [
            {"stream": {"app": app, "host": host, "level": level}, "values": values}
            for level, values in streams.items()
        ]
    }
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()


class LokiHandler(logging.Handler):
    def __init__(
        self,
        config: LokiConfig,
        host: str,
        environ: Mapping[str, str],
        *,
        app: str = "tokledger",
        client=None,
        policy: RetryPolicy = LOG_POLICY,
        clock: Callable[[], float] = time.time_ns,
        start: bool = True,
    ):
        super().__init__(level=getattr(logging, config.level.upper()))
        self.setFormatter(logging.Formatter("%(name)s: %(message)s"))
        self.config = config
        self.host = host
        self.app = app
        self._environ = environ
        self._client = client
        self._policy = policy
        self._clock = clock
        self._queue: collections.deque = collections.deque(maxlen=MAX_QUEUED)
        self._dropped = 0
        self._wake = threading.Condition()
        self._stopping = False
        self._send_lock = threading.Lock()
        self.last_outcome: Outcome | None = None
        self._thread = threading.Thread(target=self._loop, name="tokledger-loki", daemon=True)
        if start:
            self._thread.start()

    @property
    def client(self):
        if self._client is None:
            import httpx

            self._client = httpx.Client(timeout=self.config.timeout)
        return self._client

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.split(".", 1)[0] in _IGNORED:
            return
        try:
            line = self.format(record)
        except Exception:  # noqa: BLE001 - logging's own contract: report through handleError, never raise
            self.handleError(record)
            return
        ns = int(record.created * 1e9)
        with self._wake:
            if len(self._queue) == self._queue.maxlen:
                self._dropped += 1
            self._queue.append((ns, record.levelname.lower(), line))
            if len(self._queue) >= self.config.batch_size:
                self._wake.notify()

    def _take(self) -> list:
        with self._wake:
            batch = [self._queue.popleft() for _ in range(min(len(self._queue), self.config.batch_size))]
            dropped, self._dropped = self._dropped, 0
        if dropped:
            note = f"tokledger.exporters.loki: {dropped} log records were dropped while Loki was unreachable"
            batch.append((self._clock(), "warning", note))
        return batch

    def send_pending(self) -> Outcome | None:
        """Send everything queued now, batch by batch; the outcome of the last batch (``None``: nothing)."""
        outcome = None
        with self._send_lock:
            while True:
                batch = self._take()
                if not batch:
                    return outcome
                outcome = self._send(batch)
                self.last_outcome = outcome

    def _send(self, batch) -> Outcome:
        try:
            auth = ResolvedAuth.of(self.config.auth, self._environ)
        except ConfigError as exc:
            return Outcome.failure(str(exc))
        headers = {"Content-Type": "application/json", "User-Agent": f"tokledger/{__version__}"}
        if self.config.tenant:
            headers["X-Scope-OrgID"] = self.config.tenant
        body = push_body(batch, self.app, self.host)
        return post(self.client, self.config.url, body, headers, auth, what="Loki push", policy=self._policy)

    def _loop(self) -> None:
        while True:
            with self._wake:
                if not self._stopping and len(self._queue) < self.config.batch_size:
                    self._wake.wait(self.config.batch_wait)
                stopping = self._stopping
            self.send_pending()
            if stopping:
                return

    def flush(self) -> None:
        self.send_pending()

    def close(self) -> None:
        with self._wake:
            self._stopping = True
            self._wake.notify()
        if self._thread.is_alive():
            self._thread.join(timeout=self.config.timeout * 2 + self._policy.budget)
        else:
            self.send_pending()
        if self._client is not None:
            self._client.close()
        super().close()
