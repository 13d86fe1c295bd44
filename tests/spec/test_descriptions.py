"""Every component schema is described (issue 14: docstrings on every public class, models
included): the description becomes the model's docstring. Arguments of generated methods are
checked by the generator itself (`codegen/operations.py`, `_check_described`)."""

from __future__ import annotations

import ast
import json
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
BUNDLE = REPO_ROOT / "liveops_async" / "testing" / "liveops.openapi.json"
MODELS = REPO_ROOT / "liveops_async" / "_generated" / "models.py"


def test_every_component_schema_has_a_description() -> None:
    schemas = json.loads(BUNDLE.read_text(encoding="utf-8"))["components"]["schemas"]
    missing = [name for name, schema in schemas.items() if not schema.get("description")]
    assert not missing


def test_every_generated_model_has_a_docstring() -> None:
    tree = ast.parse(MODELS.read_text(encoding="utf-8"))
    classes = [node for node in tree.body if isinstance(node, ast.ClassDef)]
    assert classes
    assert [c.name for c in classes if not ast.get_docstring(c)] == []
