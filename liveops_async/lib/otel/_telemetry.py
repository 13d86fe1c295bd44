"""Spans and metrics from the request engine's call wrapper and per-attempt hooks.

What is recorded, and what never is:

* Call span (INTERNAL), named by the operation id: `liveops.operation.id`,
  `http.request.method`, `url.template`, `server.address`, `server.port`,
  `liveops.retry_count` (attempts after the first, resends after settling included),
  `liveops.settle.outcome`, and on failure `error.type` (the error's class name) and
  `liveops.error_code` (Xsolla's `errorCode`).
* Attempt spans (CLIENT), children of the call span, named `{method} {url.template}`:
  the same HTTP attributes plus `http.response.status_code` and `http.request.resend_count`.
* Metrics: `http.client.request.duration` (s, per attempt), `liveops.client.retries`,
  `liveops.client.rate_limited` (429 answers), `liveops.client.settled` (by outcome).
* Never: the URL with its path values and query, headers, bodies, error messages (a server may
  echo a code in them), exception stack traces. Only templates, numbers and class names.
"""

from __future__ import annotations

import contextvars
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

try:
    from opentelemetry import context as otel_context
    from opentelemetry import metrics, trace
    from opentelemetry.trace import SpanKind, Status, StatusCode
except ImportError as exc:  # pragma: no cover - depends on the install
    raise ImportError(
        "liveops_async.lib.otel needs OpenTelemetry: pip install 'liveops-async[otel]'"
    ) from exc

from ..._exceptions import APIStatusError
from ..._version import __version__

if TYPE_CHECKING:
    from ..._engine import ClientConfig
    from ..._hooks import RequestEvent, ResponseEvent
    from ..._operation import Operation
    from ..._settle import SettleEvent

__all__ = ["Telemetry"]

ATTR_OPERATION_ID = "liveops.operation.id"
ATTR_RETRY_COUNT = "liveops.retry_count"
ATTR_SETTLE_OUTCOME = "liveops.settle.outcome"
ATTR_ERROR_CODE = "liveops.error_code"
METRIC_DURATION = "http.client.request.duration"
METRIC_RETRIES = "liveops.client.retries"
METRIC_RATE_LIMITED = "liveops.client.rate_limited"
METRIC_SETTLED = "liveops.client.settled"

# The semantic conventions' advised buckets for HTTP durations, in seconds.
_DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10)


def _server(base_url: str) -> dict[str, Any]:
    parts = urlsplit(base_url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return {"server.address": parts.hostname or "", "server.port": port}


class _TracedCall:
    """One call's span, its current attempt span and what the hooks learnt about it."""

    __slots__ = (
        "_call_token",
        "_context_token",
        "_telemetry",
        "attempt_span",
        "attempts",
        "base",
        "settlement",
        "span",
    )

    def __init__(self, telemetry: Telemetry, span: trace.Span, base: Mapping[str, Any]) -> None:
        self._telemetry = telemetry
        self.span: trace.Span = span
        # Attributes every span and measurement of this call shares.
        self.base: Mapping[str, Any] = base
        self.attempts: int = 0
        self.attempt_span: trace.Span | None = None
        self.settlement: str | None = None
        self._context_token = otel_context.attach(trace.set_span_in_context(span))
        self._call_token = telemetry._current.set(self)

    def end(self, error: BaseException | None) -> None:
        """End the call's span: retry count, settle outcome, and `error` (None: success)."""
        span = self.span
        span.set_attribute(ATTR_RETRY_COUNT, max(0, self.attempts - 1))
        if self.settlement is not None:
            span.set_attribute(ATTR_SETTLE_OUTCOME, self.settlement)
        if error is not None:
            _mark_failed(span, error)
        if self.attempt_span is not None:  # cancelled between request and response hooks
            self.attempt_span.end()
            self.attempt_span = None
        span.end()
        otel_context.detach(self._context_token)
        self._telemetry._current.reset(self._call_token)


def _mark_failed(span: trace.Span, error: BaseException) -> None:
    # The class name only: messages can hold values a server echoed back.
    span.set_attribute("error.type", type(error).__name__)
    if isinstance(error, APIStatusError) and error.error_code is not None:
        span.set_attribute(ATTR_ERROR_CODE, error.error_code)
    span.set_status(Status(StatusCode.ERROR, type(error).__name__))


class Telemetry:
    """OpenTelemetry spans and metrics for a `LiveOpsClient` (`telemetry=Telemetry()`).

    Args:
        tracer_provider (opentelemetry.trace.TracerProvider | None): default the global one.
        meter_provider (opentelemetry.metrics.MeterProvider | None): default the global one.

    One `Telemetry` may serve several clients. Durations are recorded in seconds. Importing this
    module without OpenTelemetry installed raises ImportError naming the `otel` extra.
    """

    def __init__(
        self,
        *,
        tracer_provider: trace.TracerProvider | None = None,
        meter_provider: metrics.MeterProvider | None = None,
    ) -> None:
        self._tracer = trace.get_tracer(
            "liveops_async", __version__, tracer_provider=tracer_provider
        )
        meter = metrics.get_meter("liveops_async", __version__, meter_provider=meter_provider)
        self._duration = meter.create_histogram(
            METRIC_DURATION,
            unit="s",
            description="Duration of HTTP client requests (one per attempt).",
            explicit_bucket_boundaries_advisory=_DURATION_BUCKETS,
        )
        self._retries = meter.create_counter(
            METRIC_RETRIES, unit="{retry}", description="Attempts after the first of a call."
        )
        self._rate_limited = meter.create_counter(
            METRIC_RATE_LIMITED, unit="{response}", description="429 answers received."
        )
        self._settled = meter.create_counter(
            METRIC_SETTLED, unit="{call}", description="Ambiguous outcomes settled, by outcome."
        )
        self._current: contextvars.ContextVar[_TracedCall | None] = contextvars.ContextVar(
            "liveops_async_otel_call", default=None
        )
        self._servers: dict[str, dict[str, Any]] = {}

    def __repr__(self) -> str:
        return "Telemetry()"

    # CallTelemetry ---------------------------------------------------------------------------

    def start(self, op: Operation, config: ClientConfig) -> _TracedCall:
        """Open the call's span (kind INTERNAL, named by the operation id) and make it
        current for the attempt hooks; the client ends it with the call's outcome."""
        server = self._servers.get(config.base_url)
        if server is None:
            server = self._servers[config.base_url] = _server(config.base_url)
        base = {
            ATTR_OPERATION_ID: op.operation_id,
            "http.request.method": op.method,
            "url.template": op.path,
            **server,
        }
        span = self._tracer.start_span(op.operation_id, kind=SpanKind.INTERNAL, attributes=base)
        return _TracedCall(self, span, base)

    def on_request(self, event: RequestEvent) -> None:
        """An attempt starts: open its CLIENT span under the call's; count a resend."""
        call = self._current.get()
        if call is None:
            return
        call.attempts += 1
        if call.attempts > 1:
            self._retries.add(1, call.base)
        attributes = dict(call.base)
        if call.attempts > 1:
            attributes["http.request.resend_count"] = call.attempts - 1
        call.attempt_span = self._tracer.start_span(
            f"{event.method} {event.route}",
            context=trace.set_span_in_context(call.span),
            kind=SpanKind.CLIENT,
            attributes=attributes,
        )

    def on_response(self, event: ResponseEvent) -> None:
        """An attempt ended: record its duration in seconds, count a 429, end its span."""
        call = self._current.get()
        if call is None:
            return
        measured: dict[str, Any] = dict(call.base)
        if event.status is not None:
            measured["http.response.status_code"] = event.status
        error = event.error
        if error is not None:
            measured["error.type"] = (
                str(event.status)
                if event.status is not None and event.status >= 400
                else type(error).__name__
            )
        self._duration.record(event.elapsed, measured)
        if event.status == 429:
            self._rate_limited.add(1, call.base)
        span = call.attempt_span
        if span is None:
            return
        call.attempt_span = None
        if event.status is not None:
            span.set_attribute("http.response.status_code", event.status)
        if error is not None:
            _mark_failed(span, error)
            if event.status is not None and event.status >= 400:
                span.set_attribute("error.type", str(event.status))
        span.end()

    def on_settle(self, event: SettleEvent) -> None:
        """A settled call: its outcome goes on the call's span."""
        call = self._current.get()
        if call is not None:
            call.settlement = event.outcome.value
            call.span.set_attribute(ATTR_SETTLE_OUTCOME, event.outcome.value)
        self._settled.add(
            1,
            {
                ATTR_OPERATION_ID: event.operation_id,
                "url.template": event.route,
                ATTR_SETTLE_OUTCOME: event.outcome.value,
            },
        )
