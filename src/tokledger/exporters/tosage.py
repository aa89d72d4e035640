"""tosage's series (``compat = "tosage"``), so its Grafana dashboard keeps working on tokledger's numbers.

tosage (ca-srg/tosage, Go) pushes gauges of **today's** cumulative tokens, one sample per series per push:

| name | labels | value |
|---|---|---|
| ``tosage_cc_token`` | ``host``, ``timezone``, ``timezone_offset``, ``detection_method`` | Claude Code tokens today |
| ``tosage_cursor_token`` | the same | Cursor tokens today |
| ``tosage_bedrock_{input,output,total}_token`` | ``timezone``, ``timezone_offset``, ``detection_method`` (no ``host``) | AWS Bedrock |
| ``tosage_vertex_ai_{input,output,total}_token`` | the same as Bedrock | Google Vertex AI |

Token counts are all four categories added up (input + output + cache write + cache read), as tosage
counts them; for Bedrock and Vertex, ``input`` is every prompt token (cache reads and writes included),
``output`` the output and ``total`` their sum. A series is sent only for a source the ledger has usage of
(sources ``claude_code``, ``cursor``, ``bedrock``, ``vertex_ai``).

What is deliberately not copied from tosage: its unsorted labels (sorted here, as for every series), its
zero sent for Cursor on any failure (no series instead), and its Tokyo-only day boundaries: the day is the
one of a single reporting time zone, whose name and UTC offset fill ``timezone`` and ``timezone_offset``;
``detection_method`` is ``config`` when the zone was set in the configuration, else ``system``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from tokledger.exporters import MetricTotal
from tokledger.exporters.series import Sample

_PER_HOST = {"claude_code": "tosage_cc_token", "cursor": "tosage_cursor_token"}
_CLOUD = {"bedrock": "tosage_bedrock", "vertex_ai": "tosage_vertex_ai"}
NAMES = (
    *_PER_HOST.values(),
    *(f"{prefix}_{part}_token" for prefix in _CLOUD.values() for part in ("input", "output", "total")),
)


@dataclass(frozen=True)
class TosageDay:
    """The reporting day's zone as tosage labels it."""

    timezone: str
    timezone_offset: str
    detection_method: str

    @classmethod
    def at(cls, now: datetime, zone_name: str, *, configured: bool) -> TosageDay:
        """``now`` must be tz-aware in the reporting zone; its offset gives ``+HH:MM``."""
        offset = now.utcoffset()
        minutes = int(offset.total_seconds() // 60) if offset is not None else 0
        sign = "-" if minutes < 0 else "+"
        text = f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
        return cls(zone_name, text, "config" if configured else "system")

    def labels(self, **extra: str) -> tuple[tuple[str, str], ...]:
        values = {
            "timezone": self.timezone,
            "timezone_offset": self.timezone_offset,
            "detection_method": self.detection_method,
            **extra,
        }
        return tuple(sorted((k, v) for k, v in values.items() if v))


def _all_tokens(t: MetricTotal) -> int:
    return t.input_tokens + t.output_tokens + t.cache_write_tokens + t.cache_read_tokens


def samples(today: Iterable[MetricTotal], day: TosageDay) -> list[Sample]:
    """tosage's gauges from today's totals (summed since midnight in the reporting zone)."""
    per_host: dict[tuple[str, str], int] = {}
    cloud: dict[str, list[int]] = {}
    for total in today:
        if total.source in _PER_HOST:
            key = (_PER_HOST[total.source], total.host)
            per_host[key] = per_host.get(key, 0) + _all_tokens(total)
        elif total.source in _CLOUD:
            sums = cloud.setdefault(_CLOUD[total.source], [0, 0])
            sums[0] += total.input_tokens + total.cache_write_tokens + total.cache_read_tokens
            sums[1] += total.output_tokens
    out = [
        Sample(name, day.labels(host=host), float(value)) for (name, host), value in sorted(per_host.items())
    ]
    for prefix, (inp, outp) in sorted(cloud.items()):
        for part, value in (("input", inp), ("output", outp), ("total", inp + outp)):
            out.append(Sample(f"{prefix}_{part}_token", day.labels(), float(value)))
    return out
