"""Fault knobs: latency, throttling, server errors and dropped connections on demand."""

from __future__ import annotations

import enum
import random

import attrs


def _rate(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{attribute.name} must be a number between 0 and 1, got {value!r}")
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{attribute.name} must be between 0 and 1, got {value}")


@attrs.define
class MockFaults:
    """What share of requests misbehave, and how.

    Rates are probabilities in [0, 1], drawn in this order: dropped connection, 429, 5xx,
    dropped answer; the first drawn applies, and a rate of 0 draws nothing (so adding a knob
    at 0 keeps a seed's sequence). `latency` (seconds) is added to every request, plus a
    uniform `latency_jitter`. Draws use a `random.Random(seed)` so a failing test replays the
    same sequence.

    * `drop_connection_rate`: the connection is cut before the request is handled: nothing
      acted, as when the request is lost on its way.
    * `drop_after_apply_rate`: the request is handled (state changes: a coupon is created, a
      step claimed; a refusal changes nothing), then the connection is cut without the answer,
      as when the network fails on the way back. This is the ambiguous outcome settling is for.
    """

    latency: float = attrs.field(default=0.0, validator=attrs.validators.ge(0.0))
    latency_jitter: float = attrs.field(default=0.0, validator=attrs.validators.ge(0.0))
    rate_429: float = attrs.field(default=0.0, validator=_rate)
    retry_after: float = attrs.field(default=1.0, validator=attrs.validators.ge(0.0))
    rate_5xx: float = attrs.field(default=0.0, validator=_rate)
    status_5xx: int = attrs.field(default=503, validator=attrs.validators.in_(range(500, 600)))
    drop_connection_rate: float = attrs.field(default=0.0, validator=_rate)
    seed: int | None = None
    # After `seed` so that arguments passed by position keep their meaning.
    drop_after_apply_rate: float = attrs.field(default=0.0, validator=_rate)


class Fault(enum.Enum):
    NONE = "none"
    DROP = "drop"  # cut before handling
    DROP_AFTER_APPLY = "drop after apply"  # handled, then cut before the answer
    THROTTLE = "429"
    SERVER_ERROR = "5xx"


class FaultInjector:
    """Draws, per request, which fault (if any) to apply and how long to wait."""

    def __init__(self, faults: MockFaults) -> None:
        self.faults = faults

    @property
    def faults(self) -> MockFaults:
        return self._faults

    @faults.setter
    def faults(self, faults: MockFaults) -> None:
        self._faults = faults
        # Seeded fault draws so a failing test replays; not used for anything secret.
        self._random = random.Random(faults.seed)  # noqa: S311  # nosec B311

    def delay(self) -> float:
        f = self._faults
        return f.latency + (self._random.uniform(0, f.latency_jitter) if f.latency_jitter else 0.0)

    def draw(self) -> Fault:
        f = self._faults
        for rate, fault in (
            (f.drop_connection_rate, Fault.DROP),
            (f.rate_429, Fault.THROTTLE),
            (f.rate_5xx, Fault.SERVER_ERROR),
            (f.drop_after_apply_rate, Fault.DROP_AFTER_APPLY),
        ):
            if rate and self._random.random() < rate:
                return fault
        return Fault.NONE
