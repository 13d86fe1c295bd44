"""`python -m liveops_async.mock`: run the LiveOps mock server standalone.

The server itself lives in `liveops_async.testing`.
"""

from ..testing import LiveOpsMock, ManualClock, MockFaults

__all__ = ["LiveOpsMock", "ManualClock", "MockFaults"]
