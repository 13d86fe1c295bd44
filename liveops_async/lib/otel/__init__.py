"""OpenTelemetry for liveops-async (`pip install 'liveops-async[otel]'`).

```python
from liveops_async import LiveOpsClient
from liveops_async.lib.otel import Telemetry

client = LiveOpsClient(telemetry=Telemetry())  # the global tracer and meter providers
```

One span per call named by its operation id, one child span per HTTP attempt, HTTP client
semantic-convention attributes with the route template (never the filled-in URL), and the
`http.client.request.duration` histogram plus retry, rate-limit and settle counters. No
credential, JWT, code or other path value is ever recorded. Nothing of this runs, and
OpenTelemetry is not imported, unless a client is given a `Telemetry`.
"""

from ._telemetry import (
    ATTR_ERROR_CODE,
    ATTR_OPERATION_ID,
    ATTR_RETRY_COUNT,
    ATTR_SETTLE_OUTCOME,
    METRIC_DURATION,
    METRIC_RATE_LIMITED,
    METRIC_RETRIES,
    METRIC_SETTLED,
    Telemetry,
)

__all__ = [
    "ATTR_ERROR_CODE",
    "ATTR_OPERATION_ID",
    "ATTR_RETRY_COUNT",
    "ATTR_SETTLE_OUTCOME",
    "METRIC_DURATION",
    "METRIC_RATE_LIMITED",
    "METRIC_RETRIES",
    "METRIC_SETTLED",
    "Telemetry",
]
