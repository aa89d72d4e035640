"""Prometheus remote write 1.0: push the totals to Prometheus, Mimir, Thanos Receive, VictoriaMetrics, ….

Each cycle sends every series once, with one sample: its cumulative value, timestamped at the cycle. The
request is a snappy-compressed protobuf ``WriteRequest`` (:mod:`tokledger.exporters.prompb`) POSTed to the
configured URL (Prometheus: ``/api/v1/write`` with ``--web.enable-remote-write-receiver``; VictoriaMetrics:
``/api/v1/write``) with the headers the specification requires, which configured headers cannot override::

    Content-Encoding: snappy
    Content-Type: application/x-protobuf
    X-Prometheus-Remote-Write-Version: 0.1.0
    User-Agent: tokledger/<version>

Labels go out sorted by name (Thanos Receive rejects unsorted ones with 409). Authentication is Basic or
a bearer token. Retries follow the specification (:mod:`tokledger.exporters._http`): 5xx and 429 back off
exponentially with jitter and honour ``Retry-After``, network errors are retried, any other 4xx is
reported once with the receiver's message. Nothing is buffered: values are cumulative, so the next cycle
makes up for a failed one, and after a restart the series continue from the ledger's totals.

Receivers: Prometheus 2.33+ with ``--web.enable-remote-write-receiver`` at ``/api/v1/write`` (tested against
2.42); its TSDB refuses samples older than a series' newest ("out of order") or than its head block
("out of bounds") unless ``storage.tsdb.out_of_order_time_window`` is set, which 2.42 honours (the tests
rely on it). VictoriaMetrics accepts the same body at ``/api/v1/write``.

A series sent by the previous cycle that is gone from this one (say, the project label was switched off)
gets Prometheus's staleness marker, so it ends at once instead of lingering for five minutes in queries.
"""

from __future__ import annotations

import struct
import time
from collections.abc import Callable, Iterable, Mapping, Sequence

from tokledger import __version__
from tokledger.errors import ConfigError
from tokledger.exporters import Outcome, prompb
from tokledger.exporters._http import DEFAULT_POLICY, ResolvedAuth, RetryPolicy, post
from tokledger.exporters.config import PrometheusConfig
from tokledger.exporters.series import Labels, Sample

STALE_NAN = struct.unpack("<d", struct.pack("<Q", prompb.STALE_NAN_BITS))[0]


def headers(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The request headers: configured extras first, so the required ones always win."""
    return {
        **(extra or {}),
        "Content-Encoding": "snappy",
        "Content-Type": "application/x-protobuf",
        "X-Prometheus-Remote-Write-Version": "0.1.0",
        "User-Agent": f"tokledger/{__version__}",
    }


class RemoteWriter:
    """Pushes samples to one remote-write URL; ``client`` is an ``httpx.Client`` (one is made if omitted)."""

    def __init__(
        self,
        config: PrometheusConfig,
        environ: Mapping[str, str],
        *,
        client=None,
        policy: RetryPolicy = DEFAULT_POLICY,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ):
        self.config = config
        self._environ = environ
        self._client = client
        self._policy = policy
        self._sleep = sleep
        self._clock = clock
        self._previous: set[Labels] = set()
        self.bytes_sent = 0

    @property
    def client(self):
        if self._client is None:
            import httpx

            self._client = httpx.Client(timeout=self.config.timeout)
        return self._client

    def push(self, samples: Sequence[Sample], timestamp_ms: int | None = None) -> Outcome:
        """Send one cycle's samples, all at ``timestamp_ms`` (default: now)."""
        if timestamp_ms is None:
            timestamp_ms = int(self._clock() * 1000)
        current = {s.label_pairs(): ((s.value, timestamp_ms),) for s in samples}
        stale = {labels: ((STALE_NAN, timestamp_ms),) for labels in self._previous - current.keys()}
        outcome = self.push_series(list(current.items()) + sorted(stale.items()))
        if outcome.ok:
            self._previous = set(current)
        return outcome

    def push_series(self, series: Iterable[tuple[Labels, Sequence[tuple[float, int]]]]) -> Outcome:
        """Send series with any number of points each (a backfill); labels sorted, ``__name__`` included."""
        body = prompb.compress(prompb.write_request(series))
        try:
            auth = ResolvedAuth.of(self.config.auth, self._environ)
        except ConfigError as exc:  # a missing secret fails this exporter, not the whole cycle
            return Outcome.failure(str(exc))
        outcome = post(
            self.client,
            self.config.remote_write_url,
            body,
            headers(self.config.headers),
            auth,
            what="remote write",
            policy=self._policy,
            sleep=self._sleep,
        )
        if outcome.ok:
            self.bytes_sent += len(body)
        return outcome

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
