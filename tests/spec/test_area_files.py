"""One vocabulary for areas (issue 18): each file in `openapi/areas/` is named after the SDK
resource its operations hold (`x-liveops-sdk.resource`), the same name as the generated module
`liveops_async/_generated/resources/<resource>.py` and the attribute `client.admin.<resource>`.
The root file lists exactly the area files that exist, so none is silently left out."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:  # codegen/ is a folder at the repository root, not installed
    sys.path.insert(0, str(REPO_ROOT))

from codegen.bundle import _load  # noqa: E402

SPEC_DIR = REPO_ROOT / "openapi"
AREA_FILES = sorted((SPEC_DIR / "areas").glob("*.yaml"))
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


def _resources(area: dict[str, Any]) -> dict[str, list[str]]:
    """SDK resource -> operation ids of the area's operations."""
    found: dict[str, list[str]] = {}
    for item in (area.get("paths") or {}).values():
        for method in HTTP_METHODS:
            if method in item:
                op = item[method]
                resource = (op.get("x-liveops-sdk") or {}).get("resource")
                found.setdefault(str(resource), []).append(op["operationId"])
    return found


def test_root_lists_every_area_file_once() -> None:
    listed = _load(SPEC_DIR / "openapi.yaml")["x-liveops-areas"]
    assert len(listed) == len(set(listed))
    assert sorted(listed) == [f"areas/{p.name}" for p in AREA_FILES]


@pytest.mark.parametrize("path", AREA_FILES, ids=lambda p: p.stem)
def test_area_file_is_named_after_its_one_resource(path: Path) -> None:
    resources = _resources(_load(path))
    assert resources, f"{path.name} holds no operation"
    assert list(resources) == [path.stem], (
        f"{path.name} holds operations of resources {sorted(resources)}: "
        f"an area file holds exactly the operations of the resource it is named after"
    )


def test_every_generated_resource_module_has_its_area_file() -> None:
    generated = REPO_ROOT / "liveops_async" / "_generated" / "resources"
    modules = {p.stem for p in generated.glob("*.py") if p.stem != "__init__"}
    assert modules == {p.stem for p in AREA_FILES}
