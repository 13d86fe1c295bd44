"""Fault knobs: latency, throttling, server errors and dropped connections on demand."""

from __future__ import annotations

import enum
import random

import attrs


def _rate(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{attribute.name} must be between 0 and 1, got {value}")


@attrs.define
class MockFaults:
    """What share of requests misbehave, and how.

    Rates are probabilities in [0, 1], drawn in this order: dropped connection, 429, 5xx.
    `latency` (seconds) is added to every request, plus a uniform `latency_jitter`. Draws use
    a `random.Random(seed)` so a failing test replays the same sequence.
    """

    latency: float = attrs.field(default=0.0, validator=attrs.validators.ge(0.0))
    latency_jitter: float = attrs.field(default=0.0, validator=attrs.validators.ge(0.0))
    rate_429: float = attrs.field(default=0.0, validator=_rate)
    retry_after: float = attrs.field(default=1.0, validator=attrs.validators.ge(0.0))
    rate_5xx: float = attrs.field(default=0.0, validator=_rate)
    status_5xx: int = attrs.field(default=503, validator=attrs.validators.in_(range(500, 600)))
    drop_connection_rate: float = attrs.field(default=0.0, validator=_rate)
    seed: int | None = None


class Fault(enum.Enum):
    NONE = "none"
    DROP = "drop"
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
        ):
            if rate and self._random.random() < rate:
                return fault
        return Fault.NONE
