"""An embedded, stateful LiveOps mock server for testing code that calls the LiveOps API."""

from ._clock import Clock, ManualClock, SystemClock
from ._errors import MockApiError
from ._faults import MockFaults
from ._server import LiveOpsMock, RecordedRequest
from ._state.offer_chains import OfferChainOrder, OrderStatus

__all__ = [
    "Clock",
    "LiveOpsMock",
    "ManualClock",
    "MockApiError",
    "MockFaults",
    "OfferChainOrder",
    "OrderStatus",
    "RecordedRequest",
    "SystemClock",
]
