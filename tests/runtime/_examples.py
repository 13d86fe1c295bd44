"""Cases shared by the serde, structuring, decoding and model tests: every generated model, and
the success example the spec documents for every operation that answers with a body."""

from __future__ import annotations

from typing import Any

import attrs

from liveops_async._generated import models
from liveops_async._generated.operations import OPERATIONS
from liveops_async.testing._spec import default_spec_path, load_spec

_SPEC = load_spec(default_spec_path())

GENERATED_MODELS: list[type[Any]] = sorted(
    (m for m in vars(models).values() if isinstance(m, type) and attrs.has(m)),
    key=lambda m: m.__name__,
)

# (operation id, response type, the spec's success example), by operation id
SUCCESS_EXAMPLES: list[tuple[str, Any, Any]] = sorted(
    (
        (op.operation_id, op.response_type, _SPEC.operations[op.operation_id].success_example)
        for op in OPERATIONS.values()
        if op.response_type is not None
    ),
    key=lambda case: case[0],
)
SUCCESS_EXAMPLE_IDS = [case[0] for case in SUCCESS_EXAMPLES]
