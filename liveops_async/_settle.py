"""Settling ambiguous outcomes of non-idempotent calls from the API's own state.

Xsolla keeps no idempotency keys, so after a create, claim or redeem fails once it may have
reached the server (dropped connection, read timeout, 5xx, 429), the request engine alone can
only raise with `sent=True`. For the operations where the API offers a read that reveals
whether the request acted, this module finds out and tells the caller:

* applied: the call returns the result (or as much of it as the read gives), reported as
  `Settlement.APPLIED` (`APIResponse.settlement` for raw calls, and to `on_settle` hooks);
* not applied: the request is resent, within the retry policy (attempt count, time budget,
  retry budget); its answer is the result, reported as `Settlement.NOT_APPLIED`;
* unknown: the original error is raised, as without settling.

Which operations settle and why the others cannot: `docs/settling.md`. The rules (data, per
operation id) are in `_settle_rules`; `settle_call` is the one entry point the call wrapper
uses. Settle reads go through the same requester (same credential, options and tracing).
"""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from ._exceptions import (
    APIConnectionError,
    APIStatusError,
    ClientClosedError,
    LiveOpsError,
)
from ._response import APIResponse

if TYPE_CHECKING:
    from ._engine import ClientConfig, HTTPRequester
    from ._operation import Operation
    from ._options import RequestOptions
    from ._retry import RetryPolicy
    from ._settle_rules import CodeCreate, KeyedCreate, Read, ReadPages, SentRequest, StepClaim

__all__ = [
    "SETTLEABLE",
    "SettleEvent",
    "Settlement",
    "is_ambiguous",
    "rule_for",
    "settle_call",
]


# `call()` sends the original request once (with the engine's usual retries for failures
# before sending).
Call = Callable[[], Awaitable[Any]]


async def _sleep(seconds: float) -> None:
    """The wait before a resend; a module attribute so tests can record it. (asyncio is
    imported here, not by `import liveops_async`.)"""
    import asyncio

    await asyncio.sleep(seconds)


# Xsolla's answers to a duplicate caller-chosen key: 4002 "already exists" (promotions),
# 9803 "The code already exists." (codes); both come with 422. A 409 would mean the same.
_DUPLICATE_ERROR_CODES = frozenset({4002, 9803})


class Settlement(str, enum.Enum):
    """What settling found out about a call whose request may have reached the server."""

    APPLIED = "applied"  # the request acted once; the result comes from a read
    NOT_APPLIED = "not_applied"  # it did not act; the request was resent and answered
    UNKNOWN = "unknown"  # the API's state could not tell; the original error is raised


@attrs.frozen
class SettleEvent:
    """Given to `on_settle` hooks after a call was settled. No credential, no filled-in path.

    `cause` is the type name of the error that made the outcome ambiguous.
    """

    operation_id: str
    method: str
    route: str
    outcome: Settlement
    cause: str


SettleHook = Callable[[SettleEvent], Awaitable[None] | None]


def is_ambiguous(error: LiveOpsError, retry: RetryPolicy) -> bool:
    """Whether `error` leaves open if a non-idempotent request acted: no answer once the request
    may have arrived, or a status worth retrying (408, 429, 5xx by default). Another status a
    caller adds to `retry_statuses` (409, 422, ...) is the API's refusal: it did not act, and
    settling it would take a key someone else holds for this call's doing."""
    if isinstance(error, APIConnectionError):
        return error.sent
    if isinstance(error, APIStatusError):
        status = error.status
        return status in retry.retry_statuses and (status >= 500 or status in (408, 429))
    return False


def _is_duplicate(error: LiveOpsError) -> bool:
    if not isinstance(error, APIStatusError):
        return False
    if error.status == 409:
        return True
    # `code` is the "0401-9803" of the message, which can differ from `errorCode`.
    message_code = (error.code or "").rpartition("-")[2]
    return error.status == 422 and (
        error.error_code in _DUPLICATE_ERROR_CODES
        or (message_code.isdigit() and int(message_code) in _DUPLICATE_ERROR_CODES)
    )


# The operations `settle_rules()` has a rule for, by id: checked per call without building the
# rules (which import the generated models).
SETTLEABLE = frozenset(
    {
        "admin-create-coupon",
        "create-promo-code",
        "admin-create-unique-catalog-offer",
        "create-coupon-code",
        "create-promo-code-code",
        "create-unique-catalog-offer-code",
        "claim-user-daily-chain-step-reward",
        "claim-user-offer-chain-step-reward",
        "claim-user-reward-chain-step-reward",
    }
)


def rule_for(operation_id: str) -> KeyedCreate | CodeCreate | StepClaim | None:
    """The settle rule of an operation, or None when its outcome cannot be settled."""
    from ._settle_rules import settle_rules

    return settle_rules().get(operation_id)


class _Resends:
    """Resends within the retry policy: attempts, the total time budget and the retry budget."""

    def __init__(
        self,
        config: ClientConfig,
        first_error: LiveOpsError,
        requester: HTTPRequester,
        started: float,
    ) -> None:
        self._config = config
        self._requester = requester
        self.retry: RetryPolicy = config.retry
        self.last_error = first_error  # its Retry-After, if any, is obeyed
        # When the call's first attempt began (time.monotonic()): `total_budget` counts from
        # there, as for the engine's retries, not from the ambiguous failure.
        self._started = started
        self._done = 0

    async def next(self) -> bool:
        """Wait before the next resend and say if one may be sent."""
        self._done += 1
        if self._done >= self.retry.max_attempts:
            return False
        retry_after = (
            self.last_error.retry_after if isinstance(self.last_error, APIStatusError) else None
        )
        delay = self.retry.delay(self._done, retry_after)
        if delay is None or time.monotonic() - self._started + delay > self.retry.total_budget:
            return False
        budget = self._config.retry_budget
        if budget is not None and not await budget.try_acquire():
            return False
        await self._requester._transport.unless_closed(_sleep(delay))
        if self.closed:  # aclose() during the pause: no resend, and the outcome unknown
            raise self.closed_error("the call waited to be resent; it was not resent")
        return True

    async def send(self, call: Call) -> Any:
        """`call()` resent; `aclose()` during it ends settling with the outcome unknown."""
        try:
            return await call()
        except ClientClosedError as error:
            cause = error.__cause__
            sent = isinstance(cause, APIConnectionError) and cause.sent
            raise self.closed_error(  # noqa: B904 - the cause is the call's own error
                "the call was being resent (the resend "
                + ("may have reached the server)" if sent else "was not sent)")
            )

    @property
    def closed(self) -> bool:
        """Whether the client was closed (its `aclose()`): settling then stops."""
        return self._requester._transport.closed

    def closed_error(self, what: str) -> ClientClosedError:
        """The error of a call whose settling `aclose()` cut short while `what` happened: its
        outcome stays unknown. The ambiguous error that started settling (or the last
        resend's) is its cause."""
        closed = ClientClosedError(
            f"the LiveOps client was closed while {what}, and whether the call was applied is "
            "unknown"
        )
        closed.__cause__ = self.last_error
        return closed


async def settle_call(
    requester: HTTPRequester,
    op: Operation,
    path: Mapping[str, object] | None,
    body: object,
    options: RequestOptions | None,
    raw: bool,
    call: Call,
) -> Any:
    """`call()` once; if it fails ambiguously and `op` has a settle rule, settle the outcome.

    Raises the error of the first attempt when the outcome stays unknown, and any error a
    resend gets that is not ambiguous (such as a duplicate whose stored entity differs).
    """
    rule = rule_for(op.operation_id)
    if rule is None:
        return await call()
    started = time.monotonic()
    try:
        return await call()
    except LiveOpsError as error:
        config = requester.config if options is None else requester._effective(options)
        if not is_ambiguous(error, config.retry):
            raise
        first_error = error
    from ._serde import unstructure  # cattrs: not loaded by `import liveops_async`
    from ._settle_rules import SentRequest, StepClaim

    request = SentRequest(op, path or {}, None if body is None else unstructure(body))

    async def read(op_id: str, read_path: Mapping[str, object]) -> Any:
        return await requester.request(_operation(op_id), path=read_path, options=options)

    def pages(op_id: str, read_path: Mapping[str, object]) -> Any:
        return requester.paginate(_operation(op_id), path=read_path, options=options)

    resends = _Resends(config, first_error, requester, started)
    outcome = Settlement.UNKNOWN
    try:
        if isinstance(rule, StepClaim):
            result, outcome = await _settle_claim(rule, request, read, pages, call, resends)
        else:
            result, outcome = await _settle_create(rule, request, read, pages, call, resends)
    finally:
        await _report(config, op, outcome, first_error)
    if outcome is Settlement.UNKNOWN:
        raise first_error
    if raw and outcome is Settlement.APPLIED:
        return _settled_response(op, result)
    if raw:
        result.settlement = outcome
    return result


async def _settle_create(
    rule: KeyedCreate | CodeCreate,
    request: SentRequest,
    read: Read,
    pages: ReadPages,
    call: Call,
    resends: _Resends,
) -> tuple[Any, Settlement]:
    if rule.key(request) is None:
        # No key (a body not validated before sending): nothing makes the API refuse a
        # second entity, so a resend could create one. The outcome stays unknown.
        return None, Settlement.UNKNOWN
    while await resends.next():
        try:
            return await resends.send(call), Settlement.NOT_APPLIED
        except LiveOpsError as error:
            if _is_duplicate(error):
                result = await _quietly(
                    rule.applied_result(request, read, pages),
                    resends,
                    "settling read the API's state after the resend was refused as a duplicate",
                )
                if result is None:
                    raise  # the key is taken by something else than what was sent
                return result, Settlement.APPLIED
            if not is_ambiguous(error, resends.retry):
                raise
            resends.last_error = error
    return None, Settlement.UNKNOWN


async def _settle_claim(
    rule: StepClaim,
    request: SentRequest,
    read: Read,
    pages: ReadPages,
    call: Call,
    resends: _Resends,
) -> tuple[Any, Settlement]:
    while True:
        verdict = await _quietly(
            rule.verdict(request, read, pages),
            resends,
            "settling read the API's state; it was not resent",
        )
        if verdict is Settlement.APPLIED:
            return rule.settled_result(), Settlement.APPLIED
        if verdict is not Settlement.NOT_APPLIED or not await resends.next():
            return None, Settlement.UNKNOWN
        try:
            return await resends.send(call), Settlement.NOT_APPLIED
        except LiveOpsError as error:
            if is_ambiguous(error, resends.retry):
                resends.last_error = error
                continue
            if not isinstance(error, APIStatusError):
                raise
            # Refused (422 "already claimed"), though the read showed the step claimable: an
            # earlier send (the first one, still being worked on when it timed out) acted after
            # the read. The step claimed now means that one claimed it: applied.
            verdict = await _quietly(
                rule.verdict(request, read, pages),
                resends,
                "settling read the API's state after the resend was refused",
            )
            if verdict is not Settlement.APPLIED:
                raise
            return rule.settled_result(), Settlement.APPLIED


async def _quietly(read: Awaitable[Any], resends: _Resends, what: str) -> Any:
    """A settle read whose failure means "unknown", never a new error for the caller; but a
    read that failed because the client was closed (`what`: what settling was doing) ends the
    call with ClientClosedError, as a close in settling's pause does, not with the original
    error as if settling had run to its end."""
    try:
        return await read
    except LiveOpsError:
        if resends.closed:
            raise resends.closed_error(what)  # noqa: B904 - the cause is the call's own error
        return None


def _operation(operation_id: str) -> Operation:
    from ._generated.operations import OPERATIONS

    return OPERATIONS[operation_id]


def _settled_response(op: Operation, result: Any) -> APIResponse[Any]:
    from multidict import CIMultiDict, CIMultiDictProxy

    response: APIResponse[Any] = APIResponse(
        status=op.success_status,
        headers=CIMultiDictProxy(CIMultiDict()),
        content=b"",  # no answer of the original request was ever read
        parsed=result,
        operation_id=op.operation_id,
        attempts=0,
        elapsed=0.0,
    )
    response.settlement = Settlement.APPLIED
    return response


async def _report(
    config: ClientConfig, op: Operation, outcome: Settlement, cause: LiveOpsError
) -> None:
    from ._engine import _call_hooks, log

    if log.isEnabledFor(logging.INFO):  # the route template only, like every SDK log line
        log.info(
            "settled %s %s as %s after %s",
            op.method,
            op.path,
            outcome.value,
            type(cause).__name__,
            extra={"operation_id": op.operation_id},
        )

    if config.on_settle:
        event = SettleEvent(op.operation_id, op.method, op.path, outcome, type(cause).__name__)
        await _call_hooks(config.on_settle, event)
