"""The settle rules: per operation, which read reveals whether a request acted, and how.

Data plus the small functions that read a step's state; `_settle` runs them. Built on first use
(`settle_rules()`): they name generated models, which `import liveops_async` does not load.
Why each rule holds, and why the other non-idempotent operations have none: docs/settling.md.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from ._exceptions import NotFoundError
from ._settle import Settlement

if TYPE_CHECKING:
    from ._operation import Operation

__all__ = [
    "CodeCreate",
    "KeyedCreate",
    "Read",
    "ReadPages",
    "SentRequest",
    "StepClaim",
    "sent_matches",
    "settle_rules",
]


def sent_matches(sent: object, read: object) -> bool:
    """Whether every value that was sent is what the read shows (values the read leaves out
    or shows as null where the request sent nothing are not evidence either way)."""
    if isinstance(sent, Mapping):
        if not isinstance(read, Mapping):
            return False
        return all(
            sent_matches(value, read[key])
            for key, value in sent.items()
            if key in read and not (value is None and read[key] is None)
        )
    if isinstance(sent, list):
        return (
            isinstance(read, list)
            and len(sent) == len(read)
            and all(sent_matches(a, b) for a, b in zip(sent, read, strict=True))
        )
    if isinstance(sent, str) and isinstance(read, str) and sent != read:
        return _same_instant(sent, read)
    return bool(sent == read)


def _same_instant(sent: str, read: str) -> bool:
    """Whether two texts are date-times with a zone naming the same instant: the API (and the
    model the read is turned into) may spell a date-time sent as `...Z` or `....000Z` as
    `...+00:00`, or give it in another offset."""
    from ._wire import structure_datetime

    try:
        sent_at, read_at = structure_datetime(sent), structure_datetime(read)
    except ValueError:
        return False
    if sent_at.utcoffset() is None or read_at.utcoffset() is None:
        return False
    return sent_at == read_at


# `read(op_id, path)` and `pages(op_id, path)` make retry-safe reads with the credential and
# options of the call being settled.
Read = Callable[[str, Mapping[str, object]], Awaitable[Any]]
ReadPages = Callable[[str, Mapping[str, object]], Any]


@attrs.frozen
class SentRequest:
    op: Operation
    path: Mapping[str, object]
    body: Any  # the unstructured JSON body, or None


@attrs.frozen
class KeyedCreate:
    """A create whose key the caller chose (`key_field` of the body); the server refuses a
    second entity with the same key. Resend; when the resend is refused as a duplicate, read
    the entity (`read_op` with `{read_param: key}`) and compare it with what was sent."""

    key_field: str
    read_op: str
    read_param: str
    result_type: Callable[..., Any]
    result_field: str

    def key(self, request: SentRequest) -> str | None:
        """The key that makes a resend safe (the API refuses a second entity with it)."""
        return _body_value(request.body, self.key_field)

    async def applied_result(self, request: SentRequest, read: Read, pages: ReadPages) -> Any:
        key = self.key(request)
        if key is None:
            return None
        try:
            entity = await read(self.read_op, {self.read_param: key})
        except NotFoundError:
            return None
        from ._serde import unstructure

        if not sent_matches(request.body, unstructure(entity)):
            return None
        return self.result_type(**{self.result_field: key})


@attrs.frozen
class CodeCreate:
    """A code added by its value (`code_field` of the body) to a promotion: the server refuses a
    code that exists. When the resend is refused, look for the code in the promotion's codes."""

    code_field: str
    list_op: str
    result_type: Callable[..., Any]

    def key(self, request: SentRequest) -> str | None:
        """The code, which makes a resend safe (the API refuses a code that exists)."""
        return _body_value(request.body, self.code_field)

    async def applied_result(self, request: SentRequest, read: Read, pages: ReadPages) -> Any:
        code = self.key(request)
        if code is None:
            return None
        path = {"external_id": request.path.get("external_id")}
        async for listed in pages(self.list_op, path):
            if getattr(listed, "code", None) == code:
                return self.result_type(code=code)
        return None


@attrs.frozen
class StepClaim:
    """A chain step that a player can claim once: read the player's chain and look at the step.

    `chain_param` / `step_param` name the path values of the claim; `find_step` picks the step
    out of what `read_op` answers and says where it stands.
    """

    read_op: str
    chain_param: str
    step_param: str
    find_step: Callable[[Any, Mapping[str, object]], Settlement]
    settled_result: Callable[[], Any]
    paged: bool = False

    async def verdict(self, request: SentRequest, read: Read, pages: ReadPages) -> Settlement:
        if self.paged:
            async for chain in pages(self.read_op, {}):
                verdict = self.find_step(chain, request.path)
                if verdict is not Settlement.UNKNOWN:
                    return verdict
            return Settlement.UNKNOWN
        chain_path = {self.chain_param: request.path.get(self.chain_param)}
        return self.find_step(await read(self.read_op, chain_path), request.path)


def _body_value(body: object, field: str) -> str | None:
    value = body.get(field) if isinstance(body, Mapping) else None
    return value if isinstance(value, str) and value else None


def _same_number(value: object, wanted: object) -> bool:
    return value is not None and str(value) == str(wanted)


def _daily_step(chain: Any, path: Mapping[str, object]) -> Settlement:
    for step in getattr(chain, "steps", None) or ():
        if _same_number(step.step_number, path.get("step_number")):
            if step.status == "claimed":
                return Settlement.APPLIED
            if step.status == "claimable":
                return Settlement.NOT_APPLIED
    return Settlement.UNKNOWN


def _offer_step(chain: Any, path: Mapping[str, object]) -> Settlement:
    for step in getattr(chain, "steps", None) or ():
        if _same_number(step.step_number, path.get("step_number")):
            if step.is_claimed is True:
                return Settlement.APPLIED
            # Unclaimed and next in line: the claim did not act, and may be sent again.
            if step.is_claimed is False and _same_number(
                getattr(chain, "next_step_number", None), step.step_number
            ):
                return Settlement.NOT_APPLIED
    return Settlement.UNKNOWN


def _reward_step(chain: Any, path: Mapping[str, object]) -> Settlement:
    if not _same_number(getattr(chain, "reward_chain_id", None), path.get("reward_chain_id")):
        return Settlement.UNKNOWN
    for step in getattr(chain, "steps", None) or ():
        if _same_number(step.step_id, path.get("step_id")):
            if step.is_claimed is True:
                return Settlement.APPLIED
            if step.is_claimed is False:
                return Settlement.NOT_APPLIED
    return Settlement.UNKNOWN


@functools.cache
def settle_rules() -> dict[str, KeyedCreate | CodeCreate | StepClaim]:
    """Operation id -> how to settle it. Built on first use: the rules name generated models,
    which `import liveops_async` does not load."""
    from . import models

    def keyed(read_op: str) -> KeyedCreate:
        return KeyedCreate(
            "external_id", read_op, "external_id", models.CreatedExternalId, "external_id"
        )

    def code(list_op: str) -> CodeCreate:
        return CodeCreate("coupon_code", list_op, models.CreatedCode)

    return {
        "admin-create-coupon": keyed("get-coupon"),
        "create-promo-code": keyed("get-promo-code"),
        "admin-create-unique-catalog-offer": keyed("get-unique-catalog-offer"),
        "create-coupon-code": code("get-coupon-codes"),
        "create-promo-code-code": code("get-promocode-codes"),
        "create-unique-catalog-offer-code": code("get-unique-catalog-offer-codes"),
        "claim-user-daily-chain-step-reward": StepClaim(
            "get-user-daily-chain-by-id", "daily_chain_id", "step_number", _daily_step, _none
        ),
        "claim-user-offer-chain-step-reward": StepClaim(
            "get-user-offer-chain-by-id",
            "offer_chain_id",
            "step_number",
            _offer_step,
            # The chain read does not show the order the claim made: as much as the read gives.
            models.OfferChainClaimResult,
        ),
        "claim-user-reward-chain-step-reward": StepClaim(
            "get-reward-chains-list", "reward_chain_id", "step_id", _reward_step, _none, paged=True
        ),
    }


def _none() -> None:
    return None
