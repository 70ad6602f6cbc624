"""OpenTelemetry's SDK providers for the tests, set once per process, and metric deltas.

OpenTelemetry lets a process set its global meter and tracer providers once, so every
test module that reads telemetry shares these (tests/integrations/test_telemetry.py, and the asyncio
twin in tests/integrations/test_async_wrap.py). Tests read differences around each call.
"""

from __future__ import annotations

from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

READER = InMemoryMetricReader()
EXPORTER = InMemorySpanExporter()
_set = False


def install_providers() -> None:
    """Set the SDK's providers with the in-memory reader and exporter (once per process)."""
    global _set  # noqa: PLW0603  (once per process, as OpenTelemetry allows)
    if _set:
        return
    _set = True
    metrics.set_meter_provider(MeterProvider(metric_readers=[READER]))
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(EXPORTER))
    trace.set_tracer_provider(tracer_provider)


def totals() -> dict[tuple[str, frozenset], float]:
    """Every data point now: (instrument, attributes) -> sum (counters) or count (histograms)."""
    found: dict[tuple[str, frozenset], float] = {}
    data = READER.get_metrics_data()
    for resource in data.resource_metrics if data else ():
        for scope in resource.scope_metrics:
            if scope.scope.name != "boto3_idempotent":
                continue
            for metric in scope.metrics:
                for point in metric.data.data_points:
                    value = getattr(point, "value", None)
                    if value is None:
                        value = point.count  # a histogram: how many were recorded
                    found[metric.name, frozenset(point.attributes.items())] = value
    return found


class Delta:
    """What the instruments recorded between its creation and ``get``."""

    def __init__(self) -> None:
        self.before = totals()

    def get(self, name: str, **attributes: str) -> float:
        """The increase of ``name`` over the points whose attributes include ``attributes``."""
        after = totals()
        wanted = set(attributes.items())
        return sum(
            value - self.before.get(key, 0)
            for key, value in after.items()
            if key[0] == name and wanted <= set(key[1])
        )
