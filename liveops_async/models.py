"""The API models (`liveops_async.models.Coupon`, ...), generated from the OpenAPI spec."""

from ._generated.models import *  # noqa: F403
from ._generated.models import __all__ as __all__
