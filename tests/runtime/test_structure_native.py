"""The C structuring functions (`_speedups`, planned by `_structure_native`) against the Python
functions of the same response compiler: the same answer, or both raise, on every spec example
and on mutations of them; plans checked before use; no leaks on success or failure paths."""

from __future__ import annotations

import copy
import gc
import os
import subprocess
import sys
import typing
import weakref
from typing import Any

import attrs
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liveops_async import _serde, _structure, _structure_native
from liveops_async._generated import models
from liveops_async._model import EXTRA_SLOT, LiveOpsModel
from liveops_async._types import UNSET
from tests._json_documents import json_paths, replaced_at

from ._examples import SUCCESS_EXAMPLE_IDS, SUCCESS_EXAMPLES

NATIVE = _structure_native.NATIVE
DISABLED = os.environ.get("LIVEOPS_ASYNC_NO_EXTENSIONS", "") not in ("", "0")

needs_native = pytest.mark.skipif(NATIVE is None, reason="the C extension is not in use")


def _compiler(native: bool) -> _structure.StructureCompiler:
    return _structure.StructureCompiler(
        _serde._converter.get_structure_hook, from_orjson=True, native=native
    )


# Built once: compiling every response type per test would dominate the run.
PYTHON = _compiler(False)
C = _compiler(True) if NATIVE is not None else None


class _Raised:
    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Raised)

    def __repr__(self) -> str:
        return "<raised>"


def _run(compiler: _structure.StructureCompiler, tp: Any, value: Any) -> Any:
    # each gets its own copy: a response compiler owns what it is given
    return _run_hook(compiler.hook(tp), copy.deepcopy(value))


def _identical(a: Any, b: Any, path: str = "$") -> None:
    """The same types and values all the way down, unknown fields (`model_extra`) included."""
    assert type(a) is type(b), (path, a, b)
    if attrs.has(type(a)):
        for field in attrs.fields(type(a)):
            _identical(getattr(a, field.name), getattr(b, field.name), f"{path}.{field.name}")
        assert getattr(a, EXTRA_SLOT, None) == getattr(b, EXTRA_SLOT, None), path
        _identical(getattr(a, EXTRA_SLOT, None), getattr(b, EXTRA_SLOT, None), path + "~")
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for index, (x, y) in enumerate(zip(a, b, strict=True)):
            _identical(x, y, f"{path}[{index}]")
    elif isinstance(a, dict):
        assert list(a) == list(b), path
        for key in a:
            _identical(a[key], b[key], f"{path}.{key}")
    else:
        assert a == b, (path, a, b)


def _assert_same(tp: Any, value: Any) -> None:
    assert C is not None
    _identical(_run(C, tp, value), _run(PYTHON, tp, value))


def test_the_extension_is_built_and_used_unless_turned_off() -> None:
    """`make test` builds it (gcc and the headers are on every machine we test on): a missing
    extension must fail here, not quietly measure the Python functions."""
    if DISABLED:
        assert NATIVE is None  # every compiler then writes Python functions
        assert callable(_serde._compiler.hook(models.CouponList))
        return
    assert NATIVE is not None
    assert type(_serde._compiler.hook(models.CouponList)) is NATIVE.Structurer
    assert type(_serde._copying_compiler.hook(models.CouponList)) is not NATIVE.Structurer


@needs_native
@pytest.mark.parametrize(("op_id", "tp", "example"), SUCCESS_EXAMPLES, ids=SUCCESS_EXAMPLE_IDS)
def test_spec_examples_give_the_same_models(op_id: str, tp: Any, example: Any) -> None:
    assert C is not None
    built = _run(C, tp, example)
    assert not isinstance(built, _Raised), f"{op_id}: the C function refused its own example"
    _identical(built, _run(PYTHON, tp, example))


_SCALARS = (
    st.none()
    | st.booleans()
    | st.sampled_from([0, 1, 2, -1, 2**63, 2**70, 0.0, 1.0, 2.5, -3.0, 1e300, float("nan")])
    | st.sampled_from(["", "x", "5", "true", "2025-01-01T00:00:00Z", "2025-01-01T00:00:00z"])
    | st.sampled_from(["coupon", "standard", "string", "number", "date", "weekly", "en", "é"])
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)


@needs_native
@pytest.mark.parametrize(("op_id", "tp", "example"), SUCCESS_EXAMPLES, ids=SUCCESS_EXAMPLE_IDS)
@settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_mutated_examples_give_the_same_answer_or_both_raise(
    op_id: str, tp: Any, example: Any, data: st.DataObject
) -> None:
    """One value replaced, deleted, or a key added (an unknown field) anywhere in the example."""
    path = data.draw(st.sampled_from(json_paths(example)), label="path")
    action = data.draw(st.sampled_from(["replace", "delete", "add"]), label="action")
    mutated = copy.deepcopy(example)
    parent: Any = mutated
    for step in path[:-1]:
        parent = parent[step]
    if action == "delete" and path:
        del parent[path[-1]]
    elif action == "add" and path and isinstance(parent[path[-1]], dict):
        parent[path[-1]][data.draw(st.text(max_size=8), label="key")] = data.draw(_VALUES)
    else:
        mutated = replaced_at(example, path, data.draw(_VALUES, label="new"))
    _assert_same(tp, mutated)


@needs_native
@pytest.mark.parametrize(
    "coupon",
    [
        {"external_id": "c", "later": {"deep": [1, "x", None, True]}},  # unknown, no float
        {"external_id": "c", "later": [1.5]},  # a float in raw data: may be a rounded integer
        {"external_id": "c", "attribute_conditions": [{"type": "geo", "v": 1}]},  # unknown tag
        {"external_id": "c", "attribute_conditions": [{"type": "geo", "v": 1.0}]},
        {"external_id": "c", "attribute_conditions": [{"value": "x"}]},  # no tag at all
        {"external_id": "c", "attribute_conditions": [{"type": ["list"]}]},  # unhashable tag
        {"external_id": "c", "attribute_conditions": ["not an object"]},
        {"external_id": "c", "is_enabled": 1},  # an integer flag: the converter decides
        {"external_id": "c", "total_codes_count": 5.0},  # a whole float for an int
        {"external_id": "c", "redeem_total_limit": True},  # a bool is not an int
        {"external_id": ["c"]},
        {"external_id": "c", "name": {"en": 5}},  # a map value of the wrong type
        {"external_id": "c", "name": ["en"]},
        {"external_id": "c", "promotion_periods": [{"date_from": "not a date"}]},
        {"external_id": "c", "promotion_periods": [{"date_from": ["2026-01-01T00:00:00Z"]}]},
        {"external_id": "c", "promotion_periods": {"date_from": "2026-01-01T00:00:00Z"}},
        {"external_id": "c", "promotion_periods": [{}]},  # a required key missing
    ],
)
def test_unusual_values_give_the_same_answer_or_both_raise(coupon: dict[str, Any]) -> None:
    _assert_same(models.CouponList, {"items": [{"external_id": "first"}, coupon]})


@needs_native
def test_unknown_enum_values_become_the_same_pseudo_members() -> None:
    body = orjson.loads(
        b'{"items":[{"external_id":"c","attribute_conditions":'
        b'[{"type":"string","attribute":"a","operator":"brand_new_operator","value":"x"}]}]}'
    )
    assert C is not None
    built = C.hook(models.CouponList)(copy.deepcopy(body))
    _identical(built, PYTHON.hook(models.CouponList)(body))
    (condition,) = built.items[0].attribute_conditions
    assert condition.operator == "brand_new_operator"


# Plans are checked before use -------------------------------------------------------------------


@attrs.define(kw_only=True)
class _Plain(LiveOpsModel):
    label: str


class _WithDict:
    label: str


@needs_native
@pytest.mark.parametrize(
    ("plan", "error"),
    [
        ((), "a node is a tuple"),
        ((99,), "unknown kind"),
        ((_structure_native.K_LIST,), "wrong number"),
        ((_structure_native.K_LITERAL, ["a"]), "literal values are a tuple"),
        ((_structure_native.K_HOOK, [1, 2]), "one-item list"),
        ((_structure_native.K_DATETIME, {}, "not callable"), "a dict and a callable"),
    ],
)
def test_a_malformed_plan_is_refused(plan: tuple[Any, ...], error: str) -> None:
    with pytest.raises(ValueError, match=error):
        NATIVE.Structurer(plan, _structure._Mismatch)


def _model_plan(cls: type, descriptor: Any, extra: Any = None) -> tuple[Any, ...]:
    field = ("label", descriptor, _structure_native.F_REQUIRED, None, (_structure_native.K_STR,))
    no_float = _structure._no_float
    return (_structure_native.K_MODEL, cls, (field,), frozenset({"label"}), extra, no_float)


@needs_native
def test_a_plan_writes_only_writable_object_slots_of_its_own_class() -> None:
    good = vars(_Plain)["label"]
    assert NATIVE.Structurer(_model_plan(_Plain, good), _structure._Mismatch)({"label": "x"}) == (
        _Plain(label="x")
    )

    @attrs.define
    class _Other:
        label: str

    refused = [
        (_Plain, property(lambda self: 1), "not a member descriptor"),
        (_Plain, vars(_Other)["label"], "a slot of another class"),
        (_WithDict, good, "not a plain slotted class"),
        (int, good, "not a plain slotted class"),
    ]
    for cls, descriptor, error in refused:
        with pytest.raises(ValueError, match=error):
            NATIVE.Structurer(_model_plan(cls, descriptor), _structure._Mismatch)


@needs_native
def test_a_class_the_c_side_refuses_uses_the_python_function() -> None:
    @attrs.define
    class _OwnNew:
        label: str

        def __new__(cls, *args: Any, **kwargs: Any) -> Any:  # not object.__new__
            return super().__new__(cls)

    compiler = _compiler(True)
    hook = compiler.hook(_OwnNew)
    assert type(hook) is not NATIVE.Structurer
    assert hook({"label": "x"}) == _OwnNew(label="x")


@needs_native
def test_a_structurer_takes_one_positional_argument() -> None:
    hook = C.hook(models.Coupon) if C else None
    with pytest.raises(TypeError):
        hook()  # type: ignore[misc]
    with pytest.raises(TypeError):
        hook({}, {})  # type: ignore[misc]
    with pytest.raises(TypeError):
        hook(value={})  # type: ignore[misc]


# A model that contains itself, and memory ------------------------------------------------------


@attrs.define(kw_only=True)
class _Tree(LiveOpsModel):
    label: str
    children: list[_Tree] | None = None


def _tree(depth: int) -> dict[str, Any]:
    """A `_Tree` body with `depth` levels below the root (one nested call each)."""
    body: dict[str, Any] = {"label": "leaf", "later": 1}
    for _ in range(depth):
        body = {"label": "n", "children": [body]}
    return body


@needs_native
def test_a_model_that_contains_itself_is_refused_past_the_same_depth_both_ways() -> None:
    """Nested calls are counted at the same places in C and in Python, so the fast paths accept
    and refuse the same bodies; a deeper one takes the exact way, also the same both ways."""
    native, python = _compiler(True).hook(_Tree), _compiler(False).hook(_Tree)
    assert native(_tree(1)) == _Tree(label="n", children=[_Tree(label="leaf")])
    limit = _structure.MAX_NESTED_CALLS
    assert limit == NATIVE.MAX_NESTED_CALLS
    for depth in range(limit - 2, limit + 3):
        _identical(_run_hook(native, _tree(depth)), _run_hook(python, _tree(depth)))
    assert isinstance(_run_hook(native, _tree(limit)), _Tree)
    assert isinstance(_run_hook(native, _tree(limit + 1)), _Raised)
    with pytest.raises(_structure._Mismatch):
        native(_tree(100_000))  # nesting no real answer has: refused, never a crash
    assert _structure._nested_calls == 0  # every counted call was given back


def _run_hook(hook: Any, value: Any) -> Any:
    try:
        return hook(value)
    except Exception:
        return _Raised()


_DEEP_BUNDLES = """
import sys
from liveops_async import _serde, _structure_native
from liveops_async._generated import models
depth = int(sys.argv[1])
item = '{"sku": "b", "type": "bundle", "content": [' * depth + '{"sku": "leaf"}' + "]}" * depth
body = '{"items": [{"step_number": 1, "reward": [%s]}]}' % item
def call(frames):  # a caller already this many frames deep
    if frames:
        return call(frames - 1)
    return _serde.loads_response(body.encode(), models.DailyChainUserChain)
try:
    print("model", type(call(int(sys.argv[2]))).__name__)
except Exception as exc:
    print("error", type(exc).__name__, exc)
"""


@needs_native
@pytest.mark.parametrize(
    ("depth", "caller_frames"), [(3, 0), (40, 0), (480, 0), (600, 0), (200, 800)]
)
def test_a_deep_response_gives_the_same_answer_with_and_without_the_extension(
    depth: int, caller_frames: int
) -> None:
    """Through `loads_response`: a model, or the same typed error (never a RecursionError),
    whether the extension is used or turned off."""
    answers = []
    for off in ("", "1"):
        env = {**os.environ, "LIVEOPS_ASYNC_NO_EXTENSIONS": off}
        done = subprocess.run(
            [sys.executable, "-c", _DEEP_BUNDLES, str(depth), str(caller_frames)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        answers.append(done.stdout)
    assert answers[0] == answers[1]
    assert "RecursionError" not in answers[0]


@needs_native
def test_no_reference_is_leaked_on_success_or_failure() -> None:
    """Every object made is freed and every default, class and cached value given back, also
    when a mismatch deep in a page drops a half-built model."""
    page = orjson.loads(
        orjson.dumps(
            {
                "items": [
                    {
                        "external_id": f"c{n}",
                        "name": {"en": "x"},
                        "promotion_periods": [{"date_from": "2026-01-01T00:00:00Z"}],
                        "attribute_conditions": [
                            {"type": "number", "attribute": "a", "operator": "eq", "value": "1"}
                        ],
                        "later": {"n": n},
                    }
                    for n in range(20)
                ]
            }
        )
    )
    broken = copy.deepcopy(page)
    broken["items"][-1]["attribute_conditions"][0]["value"] = 1  # not a string
    hook = C.hook(models.CouponList) if C else None

    def run() -> None:
        for _ in range(200):
            hook(copy.deepcopy(page))
            with pytest.raises(Exception):  # noqa: B017 - any refusal
                hook(copy.deepcopy(broken))

    run()  # warm: the date-time cache and the enum's pseudo-members are filled once
    gc.collect()
    watched = (models.Coupon, models.PromotionPeriod, models.NumberAttributeCondition, UNSET)
    before = [sys.getrefcount(obj) for obj in watched]
    run()
    gc.collect()
    assert [sys.getrefcount(obj) for obj in watched] == before


@needs_native
def test_a_structurer_in_a_reference_cycle_is_collected() -> None:
    @attrs.define(kw_only=True)
    class _Loop(LiveOpsModel):
        label: str
        next: _Loop | None = None  # noqa: F821 - resolved below, from the local name

    attrs.resolve_types(_Loop, localns={"_Loop": _Loop})
    compiler = _compiler(True)
    hook = compiler.hook(_Loop)  # its plan's cell holds its own function: a cycle
    assert hook({"label": "a", "next": {"label": "b"}}).next.label == "b"
    gone = weakref.ref(_Loop)
    del _Loop, hook, compiler
    gc.collect()
    assert gone() is None


def test_the_environment_variable_turns_the_extension_off() -> None:
    code = (
        "from liveops_async import _serde, _structure_native\n"
        "from liveops_async._generated import models\n"
        "assert _structure_native.NATIVE is None\n"
        'body = b\'{"items":[{"external_id":"c"}]}\'\n'
        "page = _serde.loads_response(body, models.CouponList)\n"
        "assert page.items[0].external_id == 'c'\n"
        "print(type(_serde._compiler.hook(models.CouponList)).__name__)\n"
    )
    env = {**os.environ, "LIVEOPS_ASYNC_NO_EXTENSIONS": "1"}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "function"


def test_the_plan_covers_every_kind_the_python_compiler_writes() -> None:
    """A kind added to `_structure._emit` without a plan node would go to a hook: visible here."""
    assert typing.get_args(typing.Literal["a"]) == ("a",)
    planner = _structure_native.Planner(
        _structure._inlinable,
        _structure._checked_only,
        _structure._tagged_variants,
        ({}, str),
        str,
    )
    kinds = {planner.node(tp)[0] for tp in (str, int, bool, float, Any, typing.Literal["a"])}
    assert kinds == {
        _structure_native.K_STR,
        _structure_native.K_INT,
        _structure_native.K_BOOL,
        _structure_native.K_FLOAT,
        _structure_native.K_ANY,
        _structure_native.K_LITERAL,
    }
    plan = planner.top(models.CouponList)
    assert plan[0] == _structure_native.K_MODEL
    assert planner.pending == []  # the whole page is built in C, no Python hook


# Keys are found by their object (orjson hands out the same one), by their text otherwise -----


@needs_native
def test_keys_that_are_new_objects_every_time_are_found_and_not_kept() -> None:
    """A field is found whatever object carries its key (a caller's dict, long keys orjson
    does not cache), and the keys remembered by address stay bounded: a body of ten thousand
    distinct unknown keys leaves at most a table's worth of them referenced."""
    hook = _compiler(True).hook(models.Coupon)
    for _ in range(3):
        key = "".join(["external", "_id"])  # equal to the wire key, another object
        assert hook({key: "c"}).external_id == "c"
    unknown = [f"unknown key {n}" for n in range(10_000)]
    for key in unknown:
        assert hook({"external_id": "c", key: 1}).model_extra == {key: 1}
    untouched = [f"unknown key {n}" for n in range(10_000, 10_010)]  # never structured
    base = max(sys.getrefcount(key) for key in untouched)
    held = sum(1 for key in unknown if sys.getrefcount(key) > base)
    assert held <= 4 * len(attrs.fields(models.Coupon)) + 16
    many = {key: n for n, key in enumerate(unknown)} | {"external_id": "c"}
    built = hook(dict(many))
    assert built.external_id == "c"
    assert built.model_extra == {key: n for n, key in enumerate(unknown)}
    _identical(built, PYTHON.hook(models.Coupon)(dict(many)))


@needs_native
def test_a_plan_with_two_fields_on_one_wire_key_is_refused() -> None:
    descriptor = vars(_Plain)["label"]
    field = ("label", descriptor, _structure_native.F_REQUIRED, None, (_structure_native.K_STR,))
    plan = (
        _structure_native.K_MODEL,
        _Plain,
        (field, field),
        frozenset({"label"}),
        None,
        _structure._no_float,
    )
    with pytest.raises(ValueError, match="two fields with one wire key"):
        NATIVE.Structurer(plan, _structure._Mismatch)


# The private Structurer under hostile plans (found by a review; no body reaches these) ---------


@needs_native
def test_a_function_that_drops_the_running_structurer_does_not_free_it_under_it() -> None:
    @attrs.define
    class _Three:
        a: object = None
        b: object = None
        c: object = None

    outer_cell: list[Any] = [None]

    def drop_the_running_one(value: Any) -> Any:
        outer_cell[0] = None  # the last reference to the Structurer now running
        gc.collect()
        _ = [bytearray(200) for _ in range(10_000)]  # reuse what was freed, if it was
        return value

    def field(name: str) -> tuple[Any, ...]:
        node = (_structure_native.K_HOOK, [drop_the_running_one])
        return (name, vars(_Three)[name], _structure_native.F_OPTIONAL_NONE, None, node)

    inner_plan = (
        _structure_native.K_MODEL,
        _Three,
        tuple(field(name) for name in "abc"),
        frozenset("abc"),
        None,
        _structure._no_float,
    )
    outer = NATIVE.Structurer((_structure_native.K_HOOK, outer_cell), _structure._Mismatch)
    for _ in range(5):
        outer_cell[0] = NATIVE.Structurer(inner_plan, _structure._Mismatch)
        assert outer({"a": 1, "b": 2, "c": 3, "zz": 4}) == _Three(a=1, b=2, c=3)


@needs_native
def test_an_error_inside_a_check_is_raised_not_taken_for_a_pass() -> None:
    class _RaisesOnEq:
        def __eq__(self, other: object) -> bool:
            raise RuntimeError("eq")

        __hash__ = object.__hash__

    literal = (_structure_native.K_LITERAL, (_RaisesOnEq(),))
    plan = (_structure_native.K_LIST, (_structure_native.K_OPTIONAL, literal))
    with pytest.raises(RuntimeError, match="eq"):
        NATIVE.Structurer(plan, _structure._Mismatch)(["x"])


@needs_native
def test_a_stale_build_of_another_plan_format_is_not_used() -> None:
    code = (
        "import sys, types\n"
        "stale = types.ModuleType('liveops_async._speedups')\n"
        "stale.PLAN_VERSION = 1\n"
        "sys.modules['liveops_async._speedups'] = stale\n"
        "from liveops_async import _structure_native\n"
        "print(_structure_native.NATIVE)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "None"
