"""The gates around the code: pre-commit runs the `make lint` tools, `make test` runs every gate
(format check over the whole tree, mypy --strict over the package, the generator and the
benchmarks, a coverage floor), installs no system package or npm tool unless one is missing, and
says so in one line."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: tomli, which the dev tools pull in
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]


def _recipes() -> dict[str, list[str]]:
    """Makefile target -> its recipe lines."""
    recipes: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in (ROOT / "Makefile").read_text().splitlines():
        target = re.match(r"^([A-Za-z$()_.\-/ ]+):(?!=)", line)
        if target and not line.startswith("\t"):
            current = recipes.setdefault(target.group(1).strip(), [])
        elif line.startswith("\t") and current is not None:
            current.append(line.strip())
    return recipes


def test_pre_commit_runs_the_lint_typecheck_and_generated_code_tools() -> None:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}
    entries = {hook["entry"].split(" --force-exclude")[0] for hook in hooks.values()}
    recipes = _recipes()
    lint = recipes["lint"]
    assert any(line.startswith("$(BIN)/ruff check") for line in lint)
    assert any(line.startswith("$(BIN)/ruff format --check") for line in lint)
    assert any(line.startswith("$(BIN)/bandit -q") for line in lint)
    assert recipes["typecheck"] == ["$(BIN)/mypy"]
    assert recipes["check-generated"] == ["$(PY) -m codegen --check"]
    assert entries == {
        ".venv/bin/ruff check",
        ".venv/bin/ruff format --check",
        ".venv/bin/bandit -q -c pyproject.toml",
        ".venv/bin/mypy",
        ".venv/bin/python -m codegen --check",
    }
    assert all(hook["language"] == "system" for hook in hooks.values())  # the pinned .venv tools


def test_only_make_deps_installs_system_packages_or_npm_tools() -> None:
    recipes = _recipes()
    installers = re.compile(r"apt-get|npm|ensure-\w+\.sh")
    for target, lines in recipes.items():
        if target != "deps":
            assert not any(installers.search(line) for line in lines), target
    assert recipes["tools"] == ["@sh scripts/check-tools.sh || $(MAKE) --no-print-directory deps"]
    assert {"unit", "verifytypes"} <= {t for t, _ in _prerequisites() if "tools" in _}


def _prerequisites() -> list[tuple[str, str]]:
    found = []
    for line in (ROOT / "Makefile").read_text().splitlines():
        match = re.match(r"^([a-z\-]+):\s*(.*)$", line)
        if match and not line.startswith("\t"):
            found.append((match.group(1), match.group(2)))
    return found


def test_check_tools_names_what_is_missing_in_one_line(tmp_path: Path) -> None:
    # A PATH with the basics but no redis-server.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("cmp", "dirname", "sh"):
        found = shutil.which(tool)
        assert found is not None
        (bin_dir / tool).symlink_to(found)
    done = subprocess.run(
        ["sh", str(ROOT / "scripts" / "check-tools.sh")],
        env={**os.environ, "PATH": str(bin_dir)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1
    assert "redis-server" in lines[0] and "running 'make deps'" in lines[0]


def test_make_test_runs_every_gate_over_the_whole_tree() -> None:
    recipes = _recipes()
    # `make test` runs the gates first, then the unit run and the matrix side by side.
    test_needs = dict(_prerequisites())["test"].split()
    assert {"check-generated", "lint", "typecheck", "verifytypes", "docs"} <= set(test_needs)
    assert "$(MAKE) --no-print-directory -j2 unit test-matrix" in recipes["test"]
    # The formatter checks every file, Markdown's Python blocks included, not a list of folders.
    assert "$(BIN)/ruff format --check ." in recipes["lint"]
    # mypy --strict covers the generator and the benchmarks, not only the package.
    mypy = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
    assert mypy["strict"] is True
    assert {"liveops_async", "codegen", "bench"} <= set(mypy["files"])
    # The unit run measures the package's coverage and fails under the floor.
    unit = " ".join(line.rstrip("\\") for line in recipes["unit"])
    assert "--cov=liveops_async" in unit
    floor = re.search(r"--cov-fail-under=(\S+)", unit)
    assert floor is not None
    assert floor.group(1) == "$(COVERAGE_FLOOR)"
    assert float(_variables()["COVERAGE_FLOOR"]) >= 80
    assert not any("--cov" in line for line in recipes["test-matrix"])


def _variables() -> dict[str, str]:
    """Makefile `NAME ?= value` and `NAME := value` assignments."""
    found = {}
    for line in (ROOT / "Makefile").read_text().splitlines():
        match = re.match(r"^([A-Z_]+)\s*[?:]?=\s*(.*)$", line)
        if match:
            found[match.group(1)] = match.group(2).strip()
    return found
