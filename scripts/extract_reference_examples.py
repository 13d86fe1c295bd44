"""Extract every published request and response example of the operations our spec covers
from the reference material into test data (tests/reference_examples/<source>.json).

    .venv/bin/python scripts/extract_reference_examples.py [--reference DIR] [--out DIR]

Re-run it when a reference file is added or changed: it recognises sources by their form, not
by name, so a new file of a known form adds cases without new code.

* OpenAPI documents (`*.json` with an `openapi` key): for each operation whose operationId our
  spec has, the `example` / `examples` of its request body and of every response, following
  `$ref`s into `components/responses`, `components/requestBodies` and `components/examples`.
* Generated-client API pages (`*.md` with `## \\`phpMethod()\\`` sections): the JSON request
  bodies of their samples (`$var = {...}; // \\Model\\Name`), mapped to operationIds through any
  reference JSON that lists `operations` with `php_method` and `operationId`.
* Field notes (`*.md` bullet lines `- <operation-id>...`): fragments `req {...}`,
  `resp {...}` and `<status> {...}` that are JSON (bare keys allowed). Fragments that are shape
  sketches rather than examples (`{sku,name}`, `|null`, `...`) are listed under `skipped` with
  the reason, so that what was not turned into a case stays visible.

Each output file: `{"source": <path relative to the reference folder>, "cases": [{"id",
"operation_id", "kind": "request"|"response", "status", "location", "body"}], "skipped":
[{"location", "reason"}]}`. The tests in tests/spec/test_reference_examples.py read them.
Files starting with `_` are kept by hand (`_disagreements.json`: cases that contradict a choice
marked `x-liveops-choice` in the spec) and never rewritten.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_REFERENCE = Path("/work/shared/reference")
DEFAULT_OUT = ROOT / "tests" / "reference_examples"
BUNDLE = ROOT / "liveops_async" / "testing" / "liveops.openapi.json"
METHODS = ("get", "put", "post", "patch", "delete")

Case = dict[str, Any]


def our_operation_ids() -> set[str]:
    spec = json.loads(BUNDLE.read_text(encoding="utf-8"))
    return {item[m]["operationId"] for item in spec["paths"].values() for m in METHODS if m in item}


# --- OpenAPI documents ---------------------------------------------------------------------------


def _resolve(doc: dict[str, Any], node: Any) -> Any:
    seen = 0
    while isinstance(node, dict) and "$ref" in node and seen < 20:
        target: Any = doc
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
        seen += 1
    return node


def _media_examples(doc: dict[str, Any], content: Any) -> Iterator[tuple[str, Any]]:
    media = _resolve(doc, (content or {}).get("application/json"))
    if not isinstance(media, dict):
        return
    if "example" in media:
        yield "example", media["example"]
    for name, example in (media.get("examples") or {}).items():
        resolved = _resolve(doc, example)
        if isinstance(resolved, dict) and "value" in resolved:
            yield f"examples/{name}", resolved["value"]


def from_openapi(doc: dict[str, Any], ours: set[str], source: str) -> Iterator[Case]:
    for path, item in doc.get("paths", {}).items():
        for method in METHODS:
            op = item.get(method)
            if not isinstance(op, dict) or op.get("operationId") not in ours:
                continue
            op_id = op["operationId"]
            where = f"paths/{path}/{method}"
            body = _resolve(doc, op.get("requestBody"))
            if isinstance(body, dict):
                for name, value in _media_examples(doc, body.get("content")):
                    yield _case(
                        source, op_id, "request", None, f"{where}/requestBody/{name}", value
                    )
            for status, response in (op.get("responses") or {}).items():
                resolved = _resolve(doc, response)
                if not isinstance(resolved, dict):
                    continue
                for name, value in _media_examples(doc, resolved.get("content")):
                    location = f"{where}/responses/{status}/{name}"
                    yield _case(source, op_id, "response", str(status), location, value)


# --- generated-client API pages ------------------------------------------------------------------

_SECTION = re.compile(r"^## `(\w+)\(\)`", re.M)
_SAMPLE_BODY = re.compile(r"^\$(\w+) = (\{.*\}|\[.*\]); // \\", re.M)


def php_methods(reference: Path) -> dict[str, str]:
    """php_method -> operationId, from every reference JSON that lists operations."""
    found: dict[str, str] = {}
    for path in sorted(reference.rglob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        operations = data.get("operations") if isinstance(data, dict) else None
        if isinstance(operations, list):
            for op in operations:
                if isinstance(op, dict) and op.get("php_method") and op.get("operationId"):
                    found[op["php_method"]] = op["operationId"]
    return found


def from_api_page(
    text: str, methods: dict[str, str], ours: set[str], source: str, skipped: list[dict[str, str]]
) -> Iterator[Case]:
    sections = list(_SECTION.finditer(text))
    for index, section in enumerate(sections):
        end = sections[index + 1].start() if index + 1 < len(sections) else len(text)
        php_method = section.group(1)
        op_id = methods.get(php_method)
        for match in _SAMPLE_BODY.finditer(text, section.end(), end):
            location = f"{php_method}()/${match.group(1)}"
            if op_id is None or op_id not in ours:
                skipped.append({"location": location, "reason": f"no operation of ours: {op_id}"})
                continue
            yield _case(source, op_id, "request", None, location, json.loads(match.group(2)))


# --- field notes ----------------------------------------------------------------------------------

_NOTE = re.compile(r"^- ([a-z][a-z0-9-]+)\b(.*)$", re.M)
_FRAGMENT = re.compile(r"\b(req|resp|[1-5]\d\d)\s+(\{)")
_BARE_KEY = re.compile(r"([{,]\s*)([A-Za-z_][A-Za-z0-9_]*)\s*:")


def _balanced(text: str, start: int) -> str | None:
    depth = 0
    for i in range(start, len(text)):
        if text[i] in "{[":
            depth += 1
        elif text[i] in "}]":
            depth -= 1
            if depth == 0:
                return text[start : i + 1]
    return None


def from_notes(
    text: str, ours: set[str], source: str, skipped: list[dict[str, str]]
) -> Iterator[Case]:
    for line_no, note in enumerate(_NOTE.finditer(text), start=1):
        op_id = note.group(1)
        if op_id not in ours:
            continue
        body_text = note.group(2)
        for n, fragment in enumerate(_FRAGMENT.finditer(body_text)):
            label = fragment.group(1)
            raw = _balanced(body_text, fragment.start(2))
            location = f"note {line_no} ({op_id}) {label} #{n}"
            if raw is None:
                skipped.append({"location": location, "reason": "unbalanced braces"})
                continue
            try:
                value = json.loads(_BARE_KEY.sub(r'\1"\2":', raw))
            except ValueError:
                skipped.append(
                    {"location": location, "reason": f"a shape sketch, not JSON: {raw[:60]}"}
                )
                continue
            kind = "request" if label == "req" else "response"
            status = None if label in ("req", "resp") else label
            yield _case(source, op_id, kind, status, location, value)


# --- output -----------------------------------------------------------------------------------


def _case(source: str, op_id: str, kind: str, status: str | None, location: str, body: Any) -> Case:
    return {
        "id": f"{Path(source).stem}:{location}",
        "operation_id": op_id,
        "kind": kind,
        "status": status,
        "location": location,
        "body": body,
    }


def extract(reference: Path) -> dict[str, dict[str, Any]]:
    ours = our_operation_ids()
    methods = php_methods(reference)
    outputs: dict[str, dict[str, Any]] = {}
    for path in sorted(reference.rglob("*")):
        if not path.is_file() or path.suffix not in (".json", ".md"):
            continue
        source = str(path.relative_to(reference))
        skipped: list[dict[str, str]] = []
        cases: list[Case] = []
        if path.suffix == ".json":
            try:
                doc = json.loads(path.read_text(encoding="utf-8"))
            except ValueError:
                continue
            if isinstance(doc, dict) and "openapi" in doc:
                cases = list(from_openapi(doc, ours, source))
        else:
            text = path.read_text(encoding="utf-8")
            if _SECTION.search(text):
                cases = list(from_api_page(text, methods, ours, source, skipped))
            elif _NOTE.search(text):
                cases = list(from_notes(text, ours, source, skipped))
        if cases or skipped:
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", source.rsplit(".", 1)[0])
            outputs[name] = {"source": source, "cases": cases, "skipped": skipped}
    return outputs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--reference", type=Path, default=DEFAULT_REFERENCE)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    outputs = extract(args.reference)
    args.out.mkdir(parents=True, exist_ok=True)
    for stale in args.out.glob("*.json"):
        if stale.stem not in outputs and not stale.name.startswith("_"):  # _*: hand-kept
            stale.unlink()
    for name, data in outputs.items():
        text = json.dumps(data, indent=1, ensure_ascii=False, sort_keys=False) + "\n"
        (args.out / f"{name}.json").write_text(text, encoding="utf-8")
        print(f"{name}: {len(data['cases'])} cases, {len(data['skipped'])} skipped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
