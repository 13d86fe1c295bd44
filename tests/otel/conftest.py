"""In-memory OpenTelemetry exporters and a client traced into them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import attrs
import pytest

pytest.importorskip("opentelemetry.sdk")

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from liveops_async import LiveOpsClient, RetryPolicy, Timeouts
from liveops_async.lib.otel import Telemetry
from tests.reliability._fault_server import FaultServer

PROJECT_ID = 44056
FAST_RETRY = RetryPolicy(max_attempts=3, initial_backoff=0.001, max_backoff=0.002)
TIMEOUTS = Timeouts(total=5.0, connect=2.0, read=2.0, pool=5.0)


@attrs.define
class Exported:
    spans: InMemorySpanExporter
    metrics: InMemoryMetricReader
    telemetry: Telemetry

    def finished(self) -> list[ReadableSpan]:
        return list(self.spans.get_finished_spans())

    def named(self, name: str) -> list[ReadableSpan]:
        return [s for s in self.finished() if s.name == name]

    def points(self, metric: str) -> list[Any]:
        data = self.metrics.get_metrics_data()
        found: list[Any] = []
        for resource in data.resource_metrics if data else ():
            for scope in resource.scope_metrics:
                for item in scope.metrics:
                    if item.name == metric:
                        found += list(item.data.data_points)
        return found

    def everything(self) -> str:
        """Every span and metric as JSON: what an exporter could ship anywhere."""
        data = self.metrics.get_metrics_data()
        parts = [span.to_json() for span in self.finished()]
        parts.append(data.to_json() if data else "")
        return "\n".join(parts)


@pytest.fixture
def exported() -> Iterator[Exported]:
    spans = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(spans))
    reader = InMemoryMetricReader()
    meter_provider = MeterProvider(metric_readers=[reader])
    telemetry = Telemetry(tracer_provider=tracer_provider, meter_provider=meter_provider)
    yield Exported(spans, reader, telemetry)
    tracer_provider.shutdown()
    meter_provider.shutdown()


@pytest.fixture
async def server() -> AsyncIterator[FaultServer]:
    async with FaultServer() as started:
        yield started


@pytest.fixture
async def make_client(exported: Exported) -> AsyncIterator[Callable[..., LiveOpsClient]]:
    made: list[LiveOpsClient] = []

    def factory(base_url: str, **kwargs: Any) -> LiveOpsClient:
        kwargs.setdefault("telemetry", exported.telemetry)
        kwargs.setdefault("retry", FAST_RETRY)
        kwargs.setdefault("api_key", "otel-test-key")
        client = LiveOpsClient(base_url=base_url, project_id=PROJECT_ID, timeout=TIMEOUTS, **kwargs)
        made.append(client)
        return client

    yield factory
    for client in made:
        await client.aclose()
