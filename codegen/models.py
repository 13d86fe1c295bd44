"""Step 1: the attrs models, by datamodel-code-generator with codegen/templates/models/.

datamodel-code-generator writes stdlib-dataclass code through our `dataclass.jinja2` (which emits
attrs) and `Enum.jinja2` (which emits `OpenEnum`). This module runs it on the bundled spec, swaps
the imports the generator always writes for the ones the templates need, and formats the result.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from .common import HEADER, TEMPLATES, format_python

# Field names that break cattrs' generated functions (their parameters) or shadow a module.
_FIELD_ALIASES = {
    "cl": "cl_",
    "converter": "converter_",
    "attrs": "attrs_",
    "typevar_map": "typevar_map_",
}

_ARGS = [
    "--input-file-type", "openapi",
    "--output-model-type", "dataclasses.dataclass",
    "--custom-template-dir", str(TEMPLATES / "models"),
    "--target-python-version", "3.10",
    "--output-datetime-class", "datetime",
    "--strict-nullable",
    "--snake-case-field",
    "--keyword-only",
    "--capitalise-enum-members",
    "--enum-field-as-literal", "one",
    "--use-one-literal-as-default",
    "--use-union-operator",
    "--use-standard-collections",
    "--use-field-description",
    "--use-schema-description",
    "--naming-strategy", "full-path",
    "--disable-timestamp",
    "--formatters", "builtin",
    "--custom-file-header", HEADER,
]  # fmt: skip

_IMPORTS = (
    "from attrs import define as _attrs_define\n"
    "from attrs import field as _attrs_field\n"
    "from liveops_async._types import UNSET, OpenEnum, Unset\n"
)


def _not_json(value: object) -> object:
    # YAML reads an unquoted 2026-01-01 as a date; JSON (and so OpenAPI) has no such value.
    raise SystemExit(
        f"the spec holds {value!r} ({type(value).__name__}), which is not a JSON value: quote it"
    )


def generate_models(spec: dict[str, Any], filename: str) -> tuple[str, dict[str, str]]:
    """Return (the formatted models.py, {JSON pointer of a schema: generated class name})."""
    with tempfile.TemporaryDirectory(prefix="liveops-codegen-") as tmp:
        work = Path(tmp)
        (work / "spec.json").write_text(json.dumps(spec, default=_not_json), encoding="utf-8")
        (work / "aliases.json").write_text(json.dumps(_FIELD_ALIASES), encoding="utf-8")
        cmd = [
            sys.executable, "-m", "datamodel_code_generator",
            "--input", "spec.json", "--output", "models.py",
            "--aliases", "aliases.json", "--emit-model-metadata", "meta.json",
            *_ARGS,
        ]  # fmt: skip
        proc = subprocess.run(cmd, cwd=work, capture_output=True, text=True, check=False)  # noqa: S603
        if proc.returncode != 0:
            raise SystemExit(f"datamodel-codegen failed:\n{proc.stderr}")
        raw = (work / "models.py").read_text(encoding="utf-8")
        meta = json.loads((work / "meta.json").read_text(encoding="utf-8"))
    class_names = {
        "#/" + "/".join(m["source_path"]): m["class_name"] for m in meta.get("models", [])
    }
    names = sorted(set(class_names.values()))
    exports = "\n__all__ = [" + ", ".join(f'"{name}"' for name in names) + "]\n"
    return format_python(_fix_imports(raw) + exports, filename), class_names


def _fix_imports(source: str) -> str:
    lines = [
        line
        for line in source.splitlines()
        if line not in ("from dataclasses import dataclass", "from enum import Enum")
    ]
    for i, line in enumerate(lines):
        if line == "from __future__ import annotations":
            docstring = '"""API models generated from the OpenAPI spec (attrs, keyword-only)."""'
            lines[i : i + 1] = [docstring, "", line, "", _IMPORTS]
            break
    else:
        raise SystemExit("datamodel-codegen output has no `from __future__` line")
    return "\n".join(lines) + "\n"
