"""Run every generation step on a bundled spec and return the files, as text, by path."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import jinja2

from . import schemas
from .common import HEADER, TEMPLATES, camel, format_python
from .models import generate_models
from .operations import Generated, Op, collect, parameter_constants

VIEW_ACCESS = {"admin": "admin", "user": "user(jwt)", "guest": "guest(unauthorized_id, email)"}
AUTH_SHORT = {"ADMIN": "admin", "USER": "user", "CART": "cart", "ADMIN_OR_USER": "admin or user"}


@dataclass
class Resource:
    name: str
    class_name: str
    view_access: str
    title: str
    ops: list[Op] = field(default_factory=list)


@dataclass
class View:
    access: str
    class_name: str
    resources: list[Resource]


def _quote(value: Any) -> str:
    return "None" if value is None else json.dumps(value, ensure_ascii=False)


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(  # noqa: S701 - renders Python source and Markdown, not HTML
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=False,
    )
    env.filters["q"] = _quote
    return env


def _plain(annotation: str) -> str:
    """An annotation as a reader writes it: without the `models.` / `builtins.` prefixes."""
    return re.sub(r"\b(?:models|builtins)\.", "", annotation)


def _views(spec: dict[str, Any], ops: list[Op]) -> list[View]:
    tag_text = {
        t["name"]: t.get("description", "").strip().rstrip(".") for t in spec.get("tags", [])
    }
    by_view: dict[str, dict[str, Resource]] = {view: {} for view in VIEW_ACCESS}
    for op in ops:
        for view in op.views:
            resources = by_view[view]
            if op.resource not in resources:
                title = tag_text.get(op.tag) or op.resource.replace("_", " ")
                class_name = f"{camel(view)}{camel(op.resource)}Resource"
                resources[op.resource] = Resource(op.resource, class_name, VIEW_ACCESS[view], title)
            resources[op.resource].ops.append(op)
    views = []
    for view, resources in by_view.items():
        ordered = [resources[name] for name in sorted(resources)]
        for res in ordered:
            res.ops.sort(key=lambda o: o.sdk_method)
        views.append(View(VIEW_ACCESS[view], f"{camel(view)}Resources", ordered))
    return views


def _annotate_for_docs(ops: list[Op]) -> None:
    for op in ops:
        params = [p.signature for p in op.path_params]
        if op.keyword_params:
            params += ["*", *op.keyword_params]
        op.doc_params = _plain(", ".join(params))  # type: ignore[attr-defined]
        if op.pagination:
            ret = f"AsyncPaginator[{op.page_item_type}, {op.response_type}]"
        else:
            ret = op.response_type
        op.doc_return = _plain(ret)  # type: ignore[attr-defined]
        op.auth_short = AUTH_SHORT[op.auth]  # type: ignore[attr-defined]


def render(spec: dict[str, Any], package: str, api_doc: str) -> dict[str, str]:
    """Files generated from `spec`: `package` is the folder of the generated modules."""
    models_source, class_names = generate_models(spec, f"{package}/models.py")
    generated = Generated(models_source, class_names)
    ops = collect(spec, generated)
    views = _views(spec, ops)
    _annotate_for_docs(ops)
    init_text = f'{HEADER}\n"""Code generated from openapi/ by `make generate`."""\n'
    roots = set().union(*(op.body_refs for op in ops)) if ops else set()
    constants = [
        (name, schemas.render_literal(value))
        for name, value in [
            *schemas.component_constants(spec, roots),
            *parameter_constants(ops),
        ]
    ]
    env = _environment()
    files = {
        f"{package}/__init__.py": init_text,
        f"{package}/models.py": models_source,
    }
    area_titles: dict[str, str] = {}
    for view in views:
        for res in view.resources:
            area_titles.setdefault(res.name, res.title)
    areas = sorted({op.resource for op in ops})

    def emit(rel: str, text: str) -> None:
        files[f"{package}/{rel}"] = format_python(text, f"{package}/{rel}")

    emit(
        "operations/_schemas.py",
        env.get_template("operation_schemas.py.jinja2").render(
            header=HEADER, schema_constants=constants
        ),
    )
    for area in areas:
        area_ops = [op for op in ops if op.resource == area]
        used = sorted(
            {
                name
                for op in area_ops
                for text in (op.body_schema, op.path_schemas, op.query_schemas)
                for name in re.findall(r"\b_(?:SCHEMA|PARAMETER)_\w+", text)
            }
        )
        emit(
            f"operations/{area}.py",
            env.get_template("operation_area.py.jinja2").render(
                header=HEADER, area=area, ops=area_ops, schema_names=used
            ),
        )
        emit(
            f"resources/{area}.py",
            env.get_template("resource_area.py.jinja2").render(
                header=HEADER, area=area, title=area_titles[area], resources=_area(views, area)
            ),
        )
    area_consts = [(a, sorted(op.const for op in ops if op.resource == a)) for a in areas]
    area_classes = [
        (a, [f"{r.class_name}{raw}" for r in _area(views, a) for raw in ("", "WithRawResponse")])
        for a in areas
    ]
    emit(
        "operations/__init__.py",
        env.get_template("operations_init.py.jinja2").render(
            header=HEADER, ops=ops, area_consts=area_consts
        ),
    )
    emit(
        "resources/__init__.py",
        env.get_template("resources_init.py.jinja2").render(
            header=HEADER,
            views=views,
            area_classes=area_classes,
            public_names=sorted(
                [name for _, names in area_classes for name in names]
                + [view.class_name for view in views]
            ),
        ),
    )
    api = env.get_template("api.md.jinja2").render(views=views)
    files[api_doc] = api.rstrip("\n") + "\n"
    return files


def _area(views: list[View], area: str) -> list[Resource]:
    """The resource classes of one area, in view order (admin, user, guest)."""
    return [res for view in views for res in view.resources if res.name == area]
