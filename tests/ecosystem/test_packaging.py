"""The sdist and wheel a pip user gets: license, metadata, declared dependencies, README links."""

from __future__ import annotations

import ast
import email
import os
import re
import subprocess
import sys
import tarfile
import zipfile
from email.message import Message
from pathlib import Path

import pytest

import liveops_async

ROOT = Path(__file__).resolve().parents[2]
REPO_URL = "https://github.com/liveops-async/liveops-async"
SUPPORTED_PYTHONS = ("3.10", "3.11", "3.12", "3.13")
# Top-level imports of the package -> the distribution that provides them, and the extra that
# declares it (None: a runtime dependency).
PROVIDERS = {
    "aiohttp": ("aiohttp", None),
    "attrs": ("attrs", None),
    "cattrs": ("cattrs", None),
    "orjson": ("orjson", None),
    "yarl": ("yarl", None),
    "multidict": ("multidict", None),
    "redis": ("redis", "redis"),
    # The mock (testing); the client only for a hand-made schema outside its compiled subset.
    "jsonschema": ("jsonschema", "testing"),
    "referencing": ("jsonschema", "testing"),  # jsonschema's own dependency, used with it
    "jwt": ("pyjwt", "testing"),
    "click": ("click", "cli"),
    "rich": ("rich", "cli"),
    "yaml": ("pyyaml", "cli"),
    "opentelemetry": ("opentelemetry-api", "otel"),
    "pytest": ("pytest", None),  # only by the pytest plugin, which pytest itself loads
    "pytest_asyncio": ("pytest-asyncio", None),  # optional in the plugin (ImportError handled)
    "typing_extensions": ("typing-extensions", None),  # only under TYPE_CHECKING
}
_OPTIONAL_OR_TYPING = {"pytest", "pytest_asyncio", "typing_extensions"}


def _build(kind: str, out: Path, env: dict[str, str] | None = None) -> Path:
    """A wheel or an sdist built by setuptools in its own process, into `out`."""
    build = (
        "import sys; from setuptools import build_meta as b; "
        f"print('DIST', b.build_{kind}(sys.argv[1]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", build, str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    line = next(ln for ln in done.stdout.splitlines() if ln.startswith("DIST "))
    return out / line.split()[1]


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The wheel and the sdist, each built by setuptools in its own process."""
    out = tmp_path_factory.mktemp("dist")
    return {kind: _build(kind, out) for kind in ("wheel", "sdist")}


def _metadata(wheel: Path) -> Message:
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        return email.message_from_bytes(archive.read(name))


def test_license_is_in_the_wheel_and_the_sdist(dists: dict[str, Path]) -> None:
    license_text = (ROOT / "LICENSE").read_text()
    assert license_text.startswith("MIT License")
    with zipfile.ZipFile(dists["wheel"]) as archive:
        names = archive.namelist()
        licenses = [n for n in names if n.endswith(".dist-info/licenses/LICENSE")]
        assert len(licenses) == 1
        assert archive.read(licenses[0]).decode() == license_text
        for data in ("liveops_async/py.typed", "liveops_async/testing/liveops.openapi.json"):
            assert data in names
    with tarfile.open(dists["sdist"]) as archive:
        assert any(n.endswith("/LICENSE") for n in archive.getnames())


def test_metadata(dists: dict[str, Path]) -> None:
    meta = _metadata(dists["wheel"])
    assert meta["Name"] == "liveops-async"
    assert meta["Version"] == liveops_async.__version__  # one place: _version.py
    assert meta["License-Expression"] == "MIT"
    assert meta.get_all("License-File") == ["LICENSE"]
    assert meta["License"] is None  # the deprecated free-text form is gone
    assert meta["Requires-Python"] == ">=3.10"
    classifiers = meta.get_all("Classifier") or []
    versions = tuple(c.rsplit(":: ", 1)[1] for c in classifiers if re.search(r":: 3\.\d+$", c))
    assert versions == SUPPORTED_PYTHONS
    assert "Typing :: Typed" in classifiers
    assert meta["Keywords"] and "xsolla" in meta["Keywords"]
    urls = dict(u.split(", ", 1) for u in meta.get_all("Project-URL") or [])
    assert {"Homepage", "Repository", "Changelog", "Issues"} <= urls.keys()
    assert all(url.startswith(REPO_URL) for url in urls.values())
    assert meta["Description-Content-Type"] == "text/markdown"


def _requirements(meta: Message) -> dict[str, set[str | None]]:
    """Distribution name -> the extras that require it (None: always)."""
    found: dict[str, set[str | None]] = {}
    for line in meta.get_all("Requires-Dist") or []:
        name = re.match(r"[A-Za-z0-9_.\-]+", line)
        assert name is not None
        extra = re.search(r'extra == "([^"]+)"', line)
        found.setdefault(name.group(0).lower(), set()).add(extra.group(1) if extra else None)
    return found


def test_runtime_dependencies_have_lower_bounds(
    dists: dict[str, Path],
) -> None:
    meta = _metadata(dists["wheel"])
    for line in meta.get_all("Requires-Dist") or []:
        assert ">=" in line, line  # make test-matrix installs each lower bound
    required = _requirements(meta)
    assert {n for n, extras in required.items() if None in extras} == {
        "aiohttp", "attrs", "cattrs", "multidict", "orjson", "yarl"
    }  # fmt: skip
    assert required["jsonschema"] == {"testing"}  # the mock; the client and the CLI explain bodies


def _third_party_imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n != "liveops_async"}


def test_every_import_of_the_package_is_declared(dists: dict[str, Path]) -> None:
    required = _requirements(_metadata(dists["wheel"]))
    for module in sorted((ROOT / "liveops_async").rglob("*.py")):
        for name in _third_party_imports(module):
            assert name in PROVIDERS, f"{module.relative_to(ROOT)} imports undeclared {name}"
            if name in _OPTIONAL_OR_TYPING:
                continue
            distribution, extra = PROVIDERS[name]
            assert extra in required.get(distribution, set()), (module, name)


def test_readme_links_work_on_the_package_index() -> None:
    """PyPI shows README.md without the repository around it: no relative links."""
    readme = (ROOT / "README.md").read_text()
    targets = re.findall(r"\]\(([^)\s]+)\)", readme)
    assert targets
    for target in targets:
        assert target.startswith(("https://", "#")), f"relative link in README: {target}"
        if target.startswith((f"{REPO_URL}/blob/main/", f"{REPO_URL}/tree/main/")):
            path = target.split("/main/", 1)[1].split("#")[0]
            assert (ROOT / path).exists(), f"README links to a missing file: {path}"


def test_install_section_names_every_extra() -> None:
    readme = (ROOT / "README.md").read_text()
    install = readme.split("## Install", 1)[1].split("\n## ", 1)[0]
    assert "pip install liveops-async" in install
    pyproject = (ROOT / "pyproject.toml").read_text()
    extras = re.findall(
        r"^(\w+) = \[", pyproject.split("[project.optional-dependencies]")[1].split("\n[")[0], re.M
    )
    assert extras
    for extra in extras:
        assert f"liveops-async[{extra}]" in install, extra


def test_the_c_extension_ships_with_its_source_and_stub(dists: dict[str, Path]) -> None:
    """The wheel built here carries the compiled structuring functions and is tagged for this
    interpreter and platform; the sdist carries their source, so a pip install from it builds
    them (or goes on without, see setup.py); the stub types them for mypy and pyright."""
    with zipfile.ZipFile(dists["wheel"]) as archive:
        names = archive.namelist()
    assert "liveops_async/_speedups.pyi" in names
    assert [n for n in names if n.startswith("liveops_async/_speedups.") and n.endswith(".so")]
    assert "-none-any" not in dists["wheel"].name  # a platform wheel
    with tarfile.open(dists["sdist"]) as archive:
        sources = {n.split("/", 1)[1] for n in archive.getnames() if "/" in n}
    assert {"setup.py", "liveops_async/_speedups.c", "liveops_async/_speedups.pyi"} <= sources


def test_a_wheel_without_the_extension_is_pure_python(tmp_path: Path) -> None:
    """LIVEOPS_ASYNC_NO_EXTENSIONS=1 (or no compiler): a pure wheel, which structures with the
    Python functions (tests/runtime/test_structure_native.py runs that way too)."""
    wheel = _build("wheel", tmp_path, {**os.environ, "LIVEOPS_ASYNC_NO_EXTENSIONS": "1"})
    assert wheel.name.endswith("-py3-none-any.whl")
    with zipfile.ZipFile(wheel) as archive:
        assert not [n for n in archive.namelist() if n.endswith(".so")]
