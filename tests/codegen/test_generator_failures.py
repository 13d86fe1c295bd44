"""Every way the generator refuses a spec: one data file per case in generator_failure_cases/
(applied to the fixture spec), plus the bundle and tool failures that need their own set-up."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from codegen import bundle, schemas
from codegen.common import format_python
from codegen.generate import render
from codegen.models import generate_models

HERE = Path(__file__).parent
FIXTURE = yaml.safe_load((HERE / "fixtures" / "fixture.openapi.yaml").read_text(encoding="utf-8"))
CASES = sorted((HERE / "generator_failure_cases").glob("*.yaml"))


def _pointer(doc: Any, pointer: str) -> tuple[Any, str | int]:
    """The container and key that a JSON Pointer names."""
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.lstrip("/").split("/")]
    node = doc
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    last: str | int = int(parts[-1]) if isinstance(node, list) else parts[-1]
    return node, last


def _patched(patch: list[dict[str, Any]]) -> dict[str, Any]:
    spec = copy.deepcopy(FIXTURE)
    for step in patch:
        if "set" in step:
            node, key = _pointer(spec, step["set"])
            node[key] = step["value"]
        else:
            node, key = _pointer(spec, step["delete"])
            assert key in node or isinstance(node, list), f"nothing at {step['delete']}"
            del node[key]
    return spec


def test_the_unpatched_fixture_generates() -> None:
    assert "gen/resources/widgets.py" in render(copy.deepcopy(FIXTURE), "gen", "gen/api.md")


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_generator_refuses(case: Path) -> None:
    data = yaml.safe_load(case.read_text(encoding="utf-8"))
    with pytest.raises(SystemExit) as raised:
        render(_patched(data["patch"]), "gen", "gen/api.md")
    assert re.search(data["error"], str(raised.value)), str(raised.value)


def _spec_dir(tmp_path: Path, root: str, parts: dict[str, str]) -> Path:
    (tmp_path / "openapi.yaml").write_text(root, encoding="utf-8")
    for name, text in parts.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


_ROOT = "openapi: 3.0.3\npaths: {}\nx-liveops-areas: [a.yaml, b.yaml]\n"


def test_bundle_refuses_a_path_defined_twice(tmp_path: Path) -> None:
    part = "paths:\n  /x: {get: {operationId: x}}\n"
    spec_dir = _spec_dir(tmp_path, _ROOT, {"a.yaml": part, "b.yaml": part})
    with pytest.raises(SystemExit, match=r"b.yaml: path /x is defined twice"):
        bundle.bundle(spec_dir)


def test_bundle_refuses_a_component_defined_twice(tmp_path: Path) -> None:
    part = "components:\n  schemas:\n    X: {type: string}\n"
    spec_dir = _spec_dir(tmp_path, _ROOT, {"a.yaml": part, "b.yaml": part})
    with pytest.raises(SystemExit, match=r"b.yaml: components.schemas.X is defined twice"):
        bundle.bundle(spec_dir)


def test_bundle_refuses_a_file_that_is_not_a_mapping(tmp_path: Path) -> None:
    spec_dir = _spec_dir(tmp_path, _ROOT, {"a.yaml": "- just a list\n"})
    with pytest.raises(SystemExit, match=r"a.yaml: not a mapping"):
        bundle.bundle(spec_dir)


def test_formatting_invalid_python_names_the_file() -> None:
    with pytest.raises(SystemExit, match=r"ruff format failed on gen/x.py"):
        format_python("def broken(:\n", "gen/x.py")


def test_datamodel_codegen_failure_is_reported() -> None:
    spec = copy.deepcopy(FIXTURE)
    spec["components"]["schemas"]["TagRef"] = {"type": "object", "properties": {"t": {"$ref": 5}}}
    with pytest.raises(SystemExit, match=r"datamodel-codegen failed"):
        generate_models(spec, "gen/models.py")


def test_body_schema_guards_behind_datamodel_codegen() -> None:
    # datamodel-codegen refuses these first in a full run; the guards keep the body-schema step
    # safe on its own.
    with pytest.raises(SystemExit, match=r"unsupported \$ref in a request body: other.yaml#/X"):
        schemas.to_json_schema({"$ref": "other.yaml#/X"}, set())
    with pytest.raises(SystemExit, match=r"unsupported value in a schema: b'x'"):
        schemas.render_literal(b"x")
    with pytest.raises(SystemExit, match=r"request body refers to unknown schema Nope"):
        schemas.component_constants({"components": {"schemas": {}}}, {"Nope"})
    recursive = {
        "components": {"schemas": {"A": {"properties": {"a": {"$ref": "#/components/schemas/A"}}}}}
    }
    with pytest.raises(SystemExit, match=r"recursive schema cannot be inlined .*: A -> A"):
        schemas.component_constants(recursive, {"A"})
