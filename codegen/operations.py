"""Step 2: read every operation of the bundled spec into the facts the templates render.

Types of flattened body arguments come from the generated models themselves (imported from the
source just produced), so a method's keyword arguments always match the model it builds.
"""

from __future__ import annotations

import re
import textwrap
import types
from dataclasses import dataclass, field
from typing import Any

import attrs

from liveops_async._exceptions import status_error_class

from . import schemas
from .common import snake, upper_snake

METHODS = ("get", "put", "post", "patch", "delete")
# Supplied by the credentials (GuestCartAuth), not by the caller of a method.
AUTH_HEADERS = frozenset({"x-unauthorized-id", "x-user"})
# Filled by the requester from the client's configuration.
IMPLICIT_PATH_PARAMS = frozenset({"project_id"})

AUTH_TEXT = {
    "ADMIN": "admin (HTTP Basic: project or merchant id and API key)",
    "USER": "user (the player's JWT as a Bearer token)",
    "CART": "cart (the player's JWT, or for a guest the x-unauthorized-id and x-user headers)",
    "ADMIN_OR_USER": "admin or user (HTTP Basic, or a player's JWT)",
}
# Which client views (`client.admin`, `client.user(jwt)`, `client.guest(...)`) get a call.
VIEWS_BY_AUTH = {
    "ADMIN": ("admin",),
    "ADMIN_OR_USER": ("admin",),
    "USER": ("user",),
    "CART": ("user", "guest"),
}
_PRIMITIVES = {"integer": "int", "number": "float", "boolean": "bool"}


@dataclass
class Param:
    wire: str
    name: str
    type: str
    required: bool
    description: str
    value: str  # the expression passed to the requester

    @property
    def signature(self) -> str:
        return f"{self.name}: {self.type}" + ("" if self.required else " = None")


@dataclass
class BodyArg:
    name: str  # keyword argument of the method
    attr: str  # attribute of the request model
    type: str
    default: str | None
    description: str = ""

    @property
    def signature(self) -> str:
        return f"{self.name}: {self.type}" + ("" if self.default is None else f" = {self.default}")


@dataclass
class Op:
    operation_id: str
    const: str
    method: str
    path: str
    summary: str
    description: str
    auth: str
    views: tuple[str, ...]
    resource: str
    sdk_method: str
    tag: str
    retry_safe: bool
    version_confirmed: bool
    success_status: int
    response_type: str  # expression in resources.py ("models.X", "builtins.list[models.X]", "None")
    response_runtime: str  # expression in operations.py
    page_item_type: str | None
    pagination: dict[str, Any] | None
    path_params: list[Param] = field(default_factory=list)
    query_params: list[Param] = field(default_factory=list)
    header_params: list[Param] = field(default_factory=list)
    body_model: str | None = None  # flattened object body: the model class
    body_args: list[BodyArg] = field(default_factory=list)
    body_value: Param | None = None  # non-object body passed as `body=`
    body_schema: str = "None"
    # `{wire name: JSON Schema}` of the path (but the implicit project id) and query parameters,
    # checked before sending (empty when the operation has none); rendered by the generator,
    # which shares each distinct schema as one constant (`parameter_constants`).
    parameter_schemas: dict[str, dict[str, Any]] = field(
        default_factory=lambda: {"path": {}, "query": {}}
    )
    path_schemas: str = "None"
    query_schemas: str = "None"
    body_refs: set[str] = field(default_factory=set)
    errors: list[tuple[str, str]] = field(default_factory=list)

    @property
    def required_query(self) -> str:
        """The wire names of the required query parameters as a sorted list literal ("" when
        there are none)."""
        required = sorted(p.wire for p in self.query_params if p.required)
        return schemas.render_literal(required) if required else ""

    @property
    def sdk_name(self) -> str:
        """`<view>.<resource>.<method>`, how a user reaches the call (`admin.coupons.redeem`,
        `user.coupons.redeem`; a call of both player views `user/guest.promo_codes.redeem`):
        the engine names each call's coroutine after it, for the "never awaited" warning."""
        return f"{'/'.join(self.views)}.{self.resource}.{self.sdk_method}"

    @property
    def keyword_params(self) -> list[str]:
        """Signatures after the `*`: required ones first, then optional ones."""
        sigs: list[tuple[bool, str]] = []
        if self.body_value is not None:
            sigs.append((not self.body_value.required, self.body_value.signature))
        sigs += [(a.default is not None, a.signature) for a in self.body_args]
        sigs += [(not p.required, p.signature) for p in self.query_params + self.header_params]
        return [s for _, s in sorted(sigs, key=lambda item: item[0])]

    @property
    def arg_docs(self) -> list[tuple[str, str]]:
        """(argument, description) for the `Args:` section, in signature order."""
        described: dict[str, str] = {p.name: p.description for p in self.path_params}
        if self.body_value is not None:
            described["body"] = self.body_value.description
        described.update((a.name, a.description) for a in self.body_args)
        described.update((p.name, p.description) for p in self.query_params + self.header_params)
        order = [p.name for p in self.path_params]
        order += [sig.split(":", 1)[0] for sig in self.keyword_params]
        out = [(name, described[name]) for name in order]  # all present: _check_described
        out.append(("options", _OPTIONS_DOC))
        return out

    def doc(self) -> str:
        """The method's docstring."""
        return _docstring(self)


class Generated:
    """What the operations step needs to know about the models it runs beside."""

    def __init__(self, models_source: str, class_names: dict[str, str]) -> None:
        self.class_names = class_names
        self.model_names = frozenset(class_names.values())
        module = types.ModuleType("_liveops_codegen_models")
        exec(compile(models_source, "<generated models>", "exec"), module.__dict__)  # noqa: S102
        self.module = module

    def qualify(self, annotation: str) -> str:
        """A model annotation as written in resources.py (`models.X`, `builtins.list[...]`)."""

        def repl(match: re.Match[str]) -> str:
            name = match.group(0)
            if name in self.model_names:
                return f"models.{name}"
            if name in ("list", "dict"):
                return f"builtins.{name}"
            return name

        return re.sub(r"(?<![\w.])[A-Za-z_]\w*", repl, annotation)

    def model(self, name: str) -> type | None:
        candidate = getattr(self.module, name, None)
        return candidate if isinstance(candidate, type) and attrs.has(candidate) else None


def _resolve(spec: dict[str, Any], node: Any) -> Any:
    """Follow local `$ref`s (`#/components/...`) from the root of the bundled document."""
    while isinstance(node, dict) and "$ref" in node:
        target: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def collect(spec: dict[str, Any], gen: Generated) -> list[Op]:
    ops: list[Op] = []
    for route, item in spec.get("paths", {}).items():
        shared = item.get("parameters", [])
        for method in METHODS:
            if method in item:
                ops.append(_operation(spec, gen, route, method, item[method], shared))
    _check_unique(ops)
    return sorted(ops, key=lambda o: o.operation_id)


def _check_unique(ops: list[Op]) -> None:
    seen: dict[tuple[str, str, str], str] = {}
    for op in ops:
        for view in op.views:
            key = (view, op.resource, op.sdk_method)
            if key in seen:
                raise SystemExit(f"{op.operation_id} and {seen[key]} both map to {key}")
            seen[key] = op.operation_id


def _auth(op_id: str, security: list[dict[str, Any]]) -> str:
    schemes = {name for requirement in security for name in requirement}
    if "cartAuth" in schemes:
        return "CART"
    if schemes == {"basicAuth", "userJWT"}:
        return "ADMIN_OR_USER"
    if schemes == {"basicAuth"}:
        return "ADMIN"
    if schemes == {"userJWT"}:
        return "USER"
    raise SystemExit(f"{op_id}: unsupported security {security}")


def _operation(
    spec: dict[str, Any],
    gen: Generated,
    route: str,
    method: str,
    raw: dict[str, Any],
    shared: list[Any],
) -> Op:
    op_id = raw["operationId"]
    sdk = raw.get("x-liveops-sdk") or {}
    if "resource" not in sdk or "method" not in sdk:
        raise SystemExit(f"{op_id}: x-liveops-sdk {{resource, method}} is required")
    auth = _auth(op_id, raw.get("security") or [])
    status, response_schema = _success(spec, raw)
    response_type = type_expr(spec, gen.class_names, response_schema) if response_schema else "None"
    op = Op(
        operation_id=op_id,
        const=upper_snake(op_id),
        method=method.upper(),
        path=route,
        summary=raw.get("summary", "").strip(),
        description=raw.get("description", "").strip(),
        auth=auth,
        views=VIEWS_BY_AUTH[auth],
        resource=sdk["resource"],
        sdk_method=sdk["method"],
        tag=(raw.get("tags") or [""])[0],
        retry_safe=bool(raw.get("x-liveops-retry-safe", False)),
        version_confirmed=bool((raw.get("x-liveops-version") or {}).get("confirmed", False)),
        success_status=status,
        response_type=response_type,
        response_runtime=response_type.replace("builtins.", ""),
        page_item_type=None,
        pagination=None,
        errors=_errors(spec, raw),
    )
    _parameters(spec, op, [*shared, *raw.get("parameters", [])])
    _body(spec, gen, op, raw.get("requestBody"))
    if "x-liveops-pagination" in raw:
        _pagination(spec, gen, op, raw["x-liveops-pagination"], response_schema)
    _check_described(op)
    return op


def _check_described(op: Op) -> None:
    """Every argument of the generated method gets a line in its `Args:` section, so the spec
    must describe each parameter and request field (on the parameter, the property or the
    schema it refers to)."""
    args = [(p.name, p.description) for p in op.path_params + op.query_params + op.header_params]
    args += [(a.name, a.description) for a in op.body_args]
    if op.body_value is not None:
        args.append(("body", op.body_value.description))
    for name, description in args:
        if not description:
            raise SystemExit(f"{op.operation_id}: argument {name} has no description in the spec")


def _success(spec: dict[str, Any], raw: dict[str, Any]) -> tuple[int, Any]:
    codes = sorted(c for c in raw.get("responses", {}) if str(c).startswith("2"))
    if not codes:
        raise SystemExit(f"{raw['operationId']}: no 2xx response")
    response = _resolve(spec, raw["responses"][codes[0]])
    content = (response.get("content") or {}).get("application/json")
    return int(codes[0]), (content or {}).get("schema")


def _errors(spec: dict[str, Any], raw: dict[str, Any]) -> list[tuple[str, str]]:
    out = []
    for code, response in sorted(raw.get("responses", {}).items()):
        if str(code)[0] in "45":
            text = _resolve(spec, response).get("description", "").strip().rstrip(".")
            out.append((str(code), text[:1].lower() + text[1:]))
    return out


def type_expr(spec: dict[str, Any], class_names: dict[str, str], schema: Any) -> str:
    """The Python type (in resources.py spelling) of a parameter, body or response schema."""
    if not schema:
        return "Any"
    ref = schema.get("$ref")
    if ref is not None and ref in class_names:
        return f"models.{class_names[ref]}"
    schema = _resolve(spec, schema)
    kind = schema.get("type")
    if kind == "array":
        return f"builtins.list[{type_expr(spec, class_names, schema.get('items'))}]"
    if kind == "string":
        return "datetime" if schema.get("format") == "date-time" else "str"
    if kind in _PRIMITIVES:
        return _PRIMITIVES[kind]
    if kind == "object":
        return "builtins.dict[str, Any]"
    return "Any"


def _parameters(spec: dict[str, Any], op: Op, raw_params: list[Any]) -> None:
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for raw in raw_params:
        param = _resolve(spec, raw)
        merged[(param["in"], param["name"])] = param  # operation-level ones win
    path_order = re.findall(r"{([^}]+)}", op.path)
    for (location, wire), param in merged.items():
        if location == "path" and wire in IMPLICIT_PATH_PARAMS:
            continue
        if location == "header" and wire.lower() in AUTH_HEADERS:
            continue
        schema = _resolve(spec, param.get("schema") or {})
        required = location == "path" or bool(param.get("required"))
        ptype = type_expr(spec, {}, schema)  # parameters are primitives or arrays of them
        name = snake(wire)
        value = name
        if schema.get("type") == "integer" and sorted(schema.get("enum", [])) == [0, 1]:
            ptype, value = "bool", f"flag_value({name})"
        elif schema.get("type") == "string" and schema.get("enum"):
            # A request parameter only ever carries a known value: a Literal lets mypy check it.
            ptype = "Literal[" + ", ".join(f'"{v}"' for v in schema["enum"]) + "]"
        if not required:
            ptype += " | None"
        target = {"path": op.path_params, "query": op.query_params, "header": op.header_params}
        if location not in target:
            raise SystemExit(f"{op.operation_id}: unsupported parameter location {location}")
        description = _one_line(param.get("description") or schema.get("description", ""))
        target[location].append(Param(wire, name, ptype, required, description, value))
        if location in op.parameter_schemas:
            op.parameter_schemas[location][wire] = _parameter_schema(op, wire, schema)
    op.path_params.sort(key=lambda p: path_order.index(p.wire))
    op.query_params.sort(key=lambda p: (not p.required, p.name))
    op.header_params.sort(key=lambda p: p.name)
    for p in op.header_params:
        if not p.type.startswith("str"):
            raise SystemExit(f"{op.operation_id}: header parameter {p.wire} must be a string")


def _parameter_schema(op: Op, wire: str, schema: dict[str, Any]) -> Any:
    """The JSON Schema the runtime checks a path or query value against (inline: a parameter
    schema is a primitive or an array of them, never a shared component)."""
    refs: set[str] = set()
    converted = schemas.to_json_schema(schema, refs)
    if refs:
        raise SystemExit(f"{op.operation_id}: parameter {wire} refers to a schema component")
    return converted


def parameter_constants(ops: list[Op]) -> list[tuple[str, Any]]:
    """Share each distinct schema of a parameter name as one constant (`_PARAMETER_<wire
    name>`, numbered when one name has several schemas) and render every operation's
    `path_schemas` and `query_schemas` with their names: an id parameter repeats across most
    operations."""
    names: dict[tuple[str, str], str] = {}  # (wire name, rendered schema) -> constant name
    constants: list[tuple[str, Any]] = []
    for op in ops:
        for location, found in op.parameter_schemas.items():
            if not found:
                continue
            by_wire = {}
            for wire, schema in sorted(found.items()):
                key = (wire, schemas.render_literal(schema))
                name = names.get(key)
                if name is None:
                    base = name = "_PARAMETER_" + re.sub(r"\W", "_", wire)
                    number = 1
                    while name in names.values():
                        number += 1
                        name = f"{base}_{number}"
                    names[key] = name
                    constants.append((name, schema))
                by_wire[wire] = schemas.Ref(name)
            setattr(op, f"{location}_schemas", schemas.render_literal(by_wire))
    return constants


def _body(spec: dict[str, Any], gen: Generated, op: Op, raw: Any) -> None:
    if not raw:
        return
    request = _resolve(spec, raw)
    schema = ((request.get("content") or {}).get("application/json") or {}).get("schema")
    if schema is None:
        raise SystemExit(f"{op.operation_id}: request body without an application/json schema")
    op.body_schema = schemas.render_literal(schemas.to_json_schema(schema, op.body_refs))
    model = gen.model(gen.class_names.get(schema.get("$ref", ""), ""))
    properties = _resolve(spec, schema).get("properties") or {}
    taken = {p.name for p in op.path_params + op.query_params + op.header_params}
    if model is None:
        required = bool(request.get("required"))
        btype = type_expr(spec, gen.class_names, schema) + ("" if required else " | None")
        text = _one_line(_resolve(spec, schema).get("description", ""))
        op.body_value = Param("body", "body", btype, required, text, "body")
        return
    op.body_model = model.__name__
    for a in attrs.fields(model):
        name = f"body_{a.name}" if a.name in taken else a.name
        if a.default is attrs.NOTHING:
            default = None
        elif a.default is None:
            default = "None"
        elif isinstance(a.default, str):
            default = schemas.render_literal(a.default)
        else:
            default = "UNSET"  # the only other default the model template writes
        wire = a.metadata.get("json", a.name)
        text = _one_line(_resolve(spec, properties.get(wire) or {}).get("description", ""))
        op.body_args.append(BodyArg(name, a.name, gen.qualify(str(a.type)), default, text))


def _pagination(
    spec: dict[str, Any], gen: Generated, op: Op, facts: dict[str, Any], schema: Any
) -> None:
    page = gen.model(gen.class_names.get((schema or {}).get("$ref", ""), ""))
    if page is None:
        raise SystemExit(f"{op.operation_id}: a paginated response must be a model")
    attr_by_wire = {a.metadata.get("json", a.name): a for a in attrs.fields(page)}
    info: dict[str, Any] = {"max_limit": facts.get("max_limit")}
    for key in ("items", "total", "has_more"):
        wire = facts.get(key)
        if wire is not None and wire not in attr_by_wire:
            raise SystemExit(f"{op.operation_id}: page model has no field {wire!r}")
        info[key] = wire
        info[f"{key}_attr"] = None if wire is None else attr_by_wire[wire].name
    if info["items"] is None:
        raise SystemExit(f"{op.operation_id}: x-liveops-pagination needs `items`")
    items_type = str(attr_by_wire[info["items"]].type)
    element = re.fullmatch(r"list\[(.+)\](?: \| Unset)?(?: \| None)?", items_type)
    if element is None:
        raise SystemExit(f"{op.operation_id}: page field {info['items']} is not a list")
    op.pagination = info
    op.page_item_type = gen.qualify(element.group(1))


_OPTIONS_DOC = "Per-call settings (timeouts in seconds, retries, headers); see `RequestOptions`."


# What any call may raise besides its documented statuses (the SDK's own checks come first).
_COMMON_ERRORS = (
    "Before sending: RequestValidationError (a bad argument, named) and MissingCredentialsError"
    " (no credentials for this auth). After: APIConnectionError or APITimeoutError (no answer),"
    " RateLimitError (429), InternalServerError (5xx), ResponseDecodeError (an answer that"
    " cannot be read). All derive from LiveOpsError."
)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _args_section(op: Op) -> str:
    lines = ["Args:"]
    for name, text in op.arg_docs:
        lines.append(
            textwrap.fill(
                f"{name}: {text}", 92, initial_indent="    ", subsequent_indent="        "
            )
        )
    return "\n".join(lines)


def _docstring(op: Op) -> str:
    parts = [op.summary.rstrip(".") + "." if op.summary else op.operation_id]
    if op.description:
        parts += [textwrap.fill(p, 92) for p in op.description.split("\n\n") if p.strip()]
    parts.append(_args_section(op))
    facts = [f"Auth: {AUTH_TEXT[op.auth]}."]
    facts.append(f"HTTP: {op.method} {op.path} (operationId {op.operation_id}).")
    if op.pagination is not None:
        facts.append("Returns an async paginator; iterate it for every item across pages.")
    facts.append(
        "Safe to retry." if op.retry_safe else "Not retried once it may have reached the server."
    )
    if op.errors:
        codes = "; ".join(
            f"{status_error_class(int(code)).__name__} ({code}): {text}" for code, text in op.errors
        )
        facts.append(textwrap.fill(f"Raises {codes}.", 92))
    facts.append(textwrap.fill(_COMMON_ERRORS, 92))
    text = "\n\n".join([*parts, "\n".join(facts)])
    return text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
