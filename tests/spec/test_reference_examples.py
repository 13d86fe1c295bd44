"""Every published example of an operation we cover is a test case (issue 11, part 2).

The cases are data in tests/reference_examples/, extracted from the reference material by
scripts/extract_reference_examples.py (re-run it when a reference changes). Here:

* a success response decodes into the operation's model in strict mode, takes the same
  answer on the tolerant path, and survives `to_dict` / `from_dict`;
* an error response gives a status error carrying Xsolla's `errorCode`;
* a request body passes the request validation the client runs before sending.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from liveops_async import APIStatusError, _serde
from liveops_async._engine import _OperationPlan
from liveops_async._exceptions import make_status_error
from liveops_async._generated.operations import OPERATIONS
from liveops_async._model import LiveOpsModel

CORPUS = Path(__file__).resolve().parents[1] / "reference_examples"


def _load() -> list[dict[str, Any]]:
    cases = []
    for path in sorted(CORPUS.glob("*.json")):
        if not path.name.startswith("_"):
            cases.extend(json.loads(path.read_text(encoding="utf-8"))["cases"])
    return cases


CASES = _load()
# Cases that contradict a marked choice of the spec: they must keep failing (strict xfail).
DISAGREEMENTS: dict[str, dict[str, str]] = json.loads(
    (CORPUS / "_disagreements.json").read_text(encoding="utf-8")
)["cases"]


def _params(cases: list[dict[str, Any]]) -> list[Any]:
    return [
        pytest.param(
            c,
            id=c["id"],
            marks=[pytest.mark.xfail(strict=True, reason=str(DISAGREEMENTS[c["id"]]))]
            if c["id"] in DISAGREEMENTS
            else [],
        )
        for c in cases
    ]


SUCCESS = [c for c in CASES if c["kind"] == "response" and (c["status"] or "200")[0] == "2"]
ERRORS = [c for c in CASES if c["kind"] == "response" and c not in SUCCESS]
REQUESTS = [c for c in CASES if c["kind"] == "request"]


def test_the_corpus_is_not_vacuous() -> None:
    sources = {c["id"].split(":", 1)[0] for c in CASES}
    assert {"shop-builder-openapi-2025-05", "doc-page-notes"} <= sources
    assert "OfferChainAdminApi" in sources  # offer-chain-client-docs/OfferChainAdminApi.md
    assert len(SUCCESS) >= 70 and len(REQUESTS) >= 60 and len(ERRORS) >= 200
    assert set(DISAGREEMENTS) <= {c["id"] for c in CASES}, "a disagreement names no case"


def test_the_spec_marks_every_disagreement() -> None:
    bundle = json.loads(
        (CORPUS.parents[1] / "liveops_async" / "testing" / "liveops.openapi.json").read_text(
            encoding="utf-8"
        )
    )
    marked = set(re.findall(r'"x-liveops-choice": \{"finding": "([^"]+)"', json.dumps(bundle)))
    findings = {part for f in marked for part in f.split("/")}
    assert {d["finding"] for d in DISAGREEMENTS.values()} <= findings


@pytest.mark.parametrize("case", _params(SUCCESS))
def test_success_example_decodes_strictly(case: dict[str, Any]) -> None:
    op = OPERATIONS[case["operation_id"]]
    if op.response_type is None:  # we document an empty answer: the example's body is unused
        assert op.success_status == 204, case["id"]
        return
    body = case["body"]
    strict = _serde.decode(body, op.response_type, strict=True, operation=op.operation_id)
    tolerant = _serde.decode(body, op.response_type, strict=False, operation=op.operation_id)
    assert tolerant == strict
    if isinstance(strict, LiveOpsModel):
        again = type(strict).from_dict(strict.to_dict(), strict=True)
        assert again == strict
        assert again.to_dict() == strict.to_dict()


@pytest.mark.parametrize("case", _params(ERRORS))
def test_error_example_gives_a_typed_error(case: dict[str, Any]) -> None:
    op = OPERATIONS[case["operation_id"]]
    body = case["body"]
    status = int(case["status"]) if (case["status"] or "").isdigit() else 400
    error = make_status_error(
        status=status,
        method=op.method,
        route=op.path,
        raw=json.dumps(body).encode(),
        headers={},
        retry_after=None,
        secrets=(),
    )
    assert isinstance(error, APIStatusError)
    assert error.status == status
    if isinstance(body, dict) and isinstance(body.get("errorCode"), int):
        assert error.error_code == body["errorCode"]


@pytest.mark.parametrize("case", _params(REQUESTS))
def test_request_example_passes_request_validation(case: dict[str, Any]) -> None:
    op = OPERATIONS[case["operation_id"]]
    assert op.body_schema is not None, f"{op.operation_id} takes no body in our spec"
    payload = _OperationPlan(op).encode_body(case["body"], True)
    assert json.loads(payload) == case["body"]


def test_the_corpus_is_what_the_script_extracts(tmp_path: Path) -> None:
    """The committed cases are the script's output for the reference folder (re-run
    scripts/extract_reference_examples.py after a reference changes)."""
    import importlib.util

    script = CORPUS.parents[1] / "scripts" / "extract_reference_examples.py"
    spec = importlib.util.spec_from_file_location("extract_reference_examples", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if not module.DEFAULT_REFERENCE.is_dir():
        pytest.skip(f"the reference folder {module.DEFAULT_REFERENCE} is not on this machine")
    assert module.main(["--out", str(tmp_path)]) == 0
    extracted = {p.name: p.read_text(encoding="utf-8") for p in tmp_path.glob("*.json")}
    committed = {
        p.name: p.read_text(encoding="utf-8")
        for p in CORPUS.glob("*.json")
        if not p.name.startswith("_")
    }
    assert extracted == committed
