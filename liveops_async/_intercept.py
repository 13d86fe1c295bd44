"""The one wrapper around a call: tracing (when enabled) around settling (for the operations
that have a settle rule).

`HTTPRequester._entry` goes through the wrapper only when tracing is on or the operation has a
settle rule: every other call takes the request path as before (two attribute reads and a set
lookup), which is what keeps tracing and settling free where unused.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

import attrs

from ._settle import SETTLEABLE, settle_call

if TYPE_CHECKING:
    from ._engine import ClientConfig, HTTPRequester
    from ._hooks import RequestEvent, ResponseEvent
    from ._operation import Operation
    from ._options import RequestOptions
    from ._settle import SettleEvent

__all__ = ["CallTelemetry", "CallWrapper", "TracedCall", "with_telemetry"]


class TracedCall(Protocol):
    """One call being traced; `end` is called exactly once."""

    def end(self, error: BaseException | None) -> None:
        """The call ended: with `error`, or None for an answer."""
        ...


class CallTelemetry(Protocol):
    """What the client needs of a tracing integration (`liveops_async.lib.otel.Telemetry`).

    `start` opens the call's span and makes it current, so that the per-attempt hooks the
    integration registers (`on_request` / `on_response` / `on_settle`) see it.
    """

    def start(self, op: Operation, config: ClientConfig) -> TracedCall:
        """A call of `op` under the client settings `config` begins: open its span."""
        ...

    def on_request(self, event: RequestEvent) -> None:
        """An attempt of the current call is about to be sent."""
        ...

    def on_response(self, event: ResponseEvent) -> None:
        """An attempt of the current call ended (an answer or a failure)."""
        ...

    def on_settle(self, event: SettleEvent) -> None:
        """The current call's ambiguous outcome was settled."""
        ...


def with_telemetry(config: ClientConfig, telemetry: CallTelemetry | None) -> ClientConfig:
    """`config` with the call wrapper, and the integration's hooks after the caller's."""
    if telemetry is None:
        return attrs.evolve(config, call_wrapper=CallWrapper(None))
    return attrs.evolve(
        config,
        on_request=(*config.on_request, telemetry.on_request),
        on_response=(*config.on_response, telemetry.on_response),
        on_settle=(*config.on_settle, telemetry.on_settle),
        call_wrapper=CallWrapper(telemetry),
    )


class CallWrapper:
    """Settling and tracing around `HTTPRequester._call`."""

    __slots__ = ("all_operations", "settleable", "telemetry")

    def __init__(self, telemetry: CallTelemetry | None) -> None:
        self.telemetry: CallTelemetry | None = telemetry
        # Traced: every call goes through; otherwise only those that may need settling.
        self.all_operations: bool = telemetry is not None
        self.settleable: frozenset[str] = SETTLEABLE

    async def __call__(
        self,
        requester: HTTPRequester,
        op: Operation,
        path: Mapping[str, object] | None,
        query: Mapping[str, object] | None,
        headers: Mapping[str, str] | None,
        body: object,
        options: RequestOptions | None,
        raw: bool,
    ) -> Any:
        telemetry = self.telemetry
        if telemetry is None:
            return await self._settled(requester, op, path, query, headers, body, options, raw)
        traced = telemetry.start(op, requester.config)
        try:
            result = await self._settled(requester, op, path, query, headers, body, options, raw)
        except BaseException as error:
            traced.end(error)
            raise
        traced.end(None)
        return result

    @staticmethod
    async def _settled(
        requester: HTTPRequester,
        op: Operation,
        path: Mapping[str, object] | None,
        query: Mapping[str, object] | None,
        headers: Mapping[str, str] | None,
        body: object,
        options: RequestOptions | None,
        raw: bool,
    ) -> Any:
        async def call() -> Any:
            return await requester._call(op, path, query, headers, body, options, raw)

        per_call = options.settle if options is not None else None
        settle = requester.config.settle if per_call is None else per_call
        if op.retry_safe or not settle or op.operation_id not in SETTLEABLE:
            return await call()
        return await settle_call(requester, op, path, body, options, raw, call)
