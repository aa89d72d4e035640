"""OTLP metrics over HTTP (protobuf), named after the OpenTelemetry GenAI semantic conventions.

Metrics, all monotonic sums with **cumulative** temporality (each export carries the ledger's totals, so a
collector that misses one loses nothing):

| metric | unit | attributes |
|---|---|---|
| ``gen_ai.client.token.usage`` | ``{token}`` | ``gen_ai.token.type`` (``input``/``output``), ``tokledger.token.type`` |
| ``tokledger.reasoning.token.usage`` | ``{token}`` | the common ones |
| ``tokledger.cost.usage`` | ``USD`` | the common ones |
| ``tokledger.request.count`` | ``{request}`` | the common ones |

Common attributes: ``gen_ai.operation.name`` = ``chat``, ``gen_ai.provider.name``, ``gen_ai.request.model``,
``tokledger.source``, ``host.name``, and ``tokledger.project`` / ``user.name`` when set. The resource has
``service.name`` = ``tokledger`` and ``service.version``.

Deviations from the conventions, and why: ``gen_ai.client.token.usage`` is a histogram of tokens per
operation there; tokledger exports totals read from a ledger, not individual calls, so it sends a
cumulative sum under the same name, unit and attributes (the value of the histogram's ``sum``). As the
conventions count cached prompt tokens inside ``input``, cache reads and writes have
``gen_ai.token.type = input``; ``tokledger.token.type`` (``input``, ``cache_write``, ``cache_read``,
``output``) keeps the four disjoint categories apart, so adding every data point still gives the total
tokens. ``gen_ai.provider.name`` (required since semantic conventions 1.37; ``gen_ai.system`` before) is
derived from the model id (:func:`provider_of`).

The exporter is the SDK's ``OTLPMetricExporter`` (it retries transient failures itself within its
timeout); a reader collects and exports once per daemon cycle instead of on a timer of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from tokledger import __version__
from tokledger.errors import ConfigError
from tokledger.exporters import MetricTotal, Outcome
from tokledger.exporters._http import ResolvedAuth
from tokledger.exporters.config import OtlpConfig
from tokledger.exporters.secrets import redact_url

# Model id prefix → provider value of the conventions (a "vendor/model" id names its vendor itself).
_PROVIDERS = (
    ("claude", "anthropic"),
    ("gpt-", "openai"),
    ("o1", "openai"),
    ("o3", "openai"),
    ("o4", "openai"),
    ("codex", "openai"),
    ("gemini", "gcp.gemini"),
    ("grok", "x_ai"),
    ("deepseek", "deepseek"),
    ("mistral", "mistral_ai"),
    ("codestral", "mistral_ai"),
    ("devstral", "mistral_ai"),
    ("command", "cohere"),
    ("qwen", "alibaba"),
    ("kimi", "moonshot"),
    ("glm", "zhipu"),
)
_VENDORS = {
    "anthropic": "anthropic",
    "openai": "openai",
    "google": "gcp.gemini",
    "x-ai": "x_ai",
    "mistralai": "mistral_ai",
    "deepseek": "deepseek",
    "bedrock": "aws.bedrock",
    "vertex_ai": "gcp.vertex_ai",
}


def provider_of(model: str) -> str:
    """The ``gen_ai.provider.name`` for a model id; ``unknown`` when nothing matches."""
    name = model.lower()
    if "/" in name:
        vendor = name.split("/", 1)[0]
        if vendor in _VENDORS:
            return _VENDORS[vendor]
        name = name.rsplit("/", 1)[-1]
    for prefix, provider in _PROVIDERS:
        if name.startswith(prefix):
            return provider
    return "unknown"


def _common(total: MetricTotal) -> dict[str, str]:
    attrs = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": provider_of(total.model),
        "gen_ai.request.model": total.model,
        "tokledger.source": total.source,
        "host.name": total.host,
    }
    if total.project:
        attrs["tokledger.project"] = total.project
    if total.user:
        attrs["user.name"] = total.user
    return attrs


class OtlpExporter:
    """Exports the totals returned by ``totals`` to an OTLP/HTTP endpoint each time :meth:`export` runs."""

    def __init__(
        self,
        config: OtlpConfig,
        totals: Callable[[], Sequence[MetricTotal]],
        environ: Mapping[str, str],
        *,
        resource: Mapping[str, str] | None = None,
    ):
        self.config = config
        self._totals_fn = totals
        self._environ = environ
        self._resource = dict(resource or {})
        self._current: Sequence[MetricTotal] = ()
        self._provider = None
        self._reader = None

    def _build(self) -> None:
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.metrics.export import AggregationTemporality, MetricReader
        from opentelemetry.sdk.resources import Resource

        auth = ResolvedAuth.of(self.config.auth, self._environ)
        headers = {**self.config.headers, **auth.headers()}
        if auth.username is not None:
            import base64

            pair = f"{auth.username}:{auth.password.reveal() if auth.password else ''}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
        exporter = OTLPMetricExporter(
            endpoint=self.config.endpoint, headers=headers, timeout=self.config.timeout
        )

        class CycleReader(MetricReader):
            """Collects only when asked (once per cycle) and keeps the export's result."""

            def __init__(self):
                from opentelemetry.sdk.metrics import ObservableCounter

                super().__init__(preferred_temporality={ObservableCounter: AggregationTemporality.CUMULATIVE})
                self.result = None

            def _receive_metrics(self, metrics_data, timeout_millis: float = 10_000, **kwargs) -> None:
                self.result = exporter.export(metrics_data, timeout_millis=timeout_millis)

            def shutdown(self, timeout_millis: float = 30_000, **kwargs) -> None:
                exporter.shutdown()

        self._reader = CycleReader()
        resource = Resource.create(
            {"service.name": "tokledger", "service.version": __version__, **self._resource}
        )
        self._provider = MeterProvider(resource=resource, metric_readers=[self._reader])
        meter = self._provider.get_meter("tokledger", __version__)
        meter.create_observable_counter(
            "gen_ai.client.token.usage",
            [self._tokens],
            unit="{token}",
            description="Tokens used (cumulative), by token type.",
        )
        meter.create_observable_counter(
            "tokledger.reasoning.token.usage",
            [self._field("reasoning_tokens")],
            unit="{token}",
            description="Reasoning tokens (inside output).",
        )
        meter.create_observable_counter(
            "tokledger.cost.usage",
            [self._cost],
            unit="USD",
            description="Priced cost in US dollars (cumulative).",
        )
        meter.create_observable_counter(
            "tokledger.request.count",
            [self._field("requests")],
            unit="{request}",
            description="Billed requests (cumulative).",
        )

    def _observations(self, value_of):
        from opentelemetry.metrics import Observation

        sums: dict[tuple, float] = {}
        for total in self._current:
            for value, extra in value_of(total):
                key = tuple(sorted({**_common(total), **extra}.items()))
                sums[key] = sums.get(key, 0) + value
        return [Observation(value, dict(key)) for key, value in sums.items()]

    def _tokens(self, options):
        def split(t: MetricTotal):
            for kind, value in (
                ("input", t.input_tokens),
                ("cache_write", t.cache_write_tokens),
                ("cache_read", t.cache_read_tokens),
                ("output", t.output_tokens),
            ):
                yield (
                    value,
                    {
                        "gen_ai.token.type": "output" if kind == "output" else "input",
                        "tokledger.token.type": kind,
                    },
                )

        return self._observations(split)

    def _field(self, name: str):
        return lambda options: self._observations(lambda t: [(getattr(t, name), {})])

    def _cost(self, options):
        return self._observations(lambda t: [(t.cost_pusd / 10**12, {})])

    def export(self) -> Outcome:
        """Read the totals and export them once."""
        from opentelemetry.sdk.metrics.export import MetricExportResult

        shown = redact_url(self.config.endpoint)
        try:
            if self._provider is None:
                self._build()
        except ConfigError as exc:
            return Outcome.failure(str(exc))
        self._current = self._totals_fn()
        self._reader.result = None
        self._reader.collect(timeout_millis=self.config.timeout * 1000)
        if self._reader.result is MetricExportResult.SUCCESS:
            return Outcome.success(f"OTLP export to {shown}")
        return Outcome.failure(f"OTLP export to {shown} failed (the next cycle sends the totals again)")

    def close(self) -> None:
        if self._provider is not None:
            self._provider.shutdown()
