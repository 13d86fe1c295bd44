"""Run a subset of the tests on every supported Python and on the lowest allowed dependencies.

    python scripts/test_matrix.py                 # all: python3.10 .. python3.13 and lowest
    python scripts/test_matrix.py 3.12 lowest     # some of them

`make test` runs the whole suite once, on the .venv interpreter. This adds, in parallel (two at a
time, the machine has two cores):

* `py3.10` .. `py3.13`: a venv per interpreter with the test requirements pinned for it
  (requirements/test.in and the constraints file for that Python), every async test on uvloop.
* `lowest`: Python 3.10 with each runtime dependency, and each extra, at the lower bound that
  pyproject.toml allows (`name>=X` installs `name==X`): a bound nobody tests is a guess. It also
  runs without the C extension (LIVEOPS_ASYNC_NO_EXTENSIONS=1): the pure-Python structuring.

Each run installs only what the tests need (not the dev toolchain) into `.venvs/<name>`, reused
while the requirement files are unchanged, and runs the failure-path, serde, runtime and examples
tests. An interpreter that is not on this machine is reported as SKIPPED, never as passed; with
LIVEOPS_REQUIRE_ALL_PYTHONS=1 a skip fails the run.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import glob
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # a .venv on Python 3.10 has tomli (pulled in by the dev tools)
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
VENVS = ROOT / ".venvs"
PYTHONS = ("3.10", "3.11", "3.12", "3.13")
LOWEST_PYTHON = "3.10"  # the oldest supported Python: lowest versions ship wheels for it
# The failure path (faults, security, echoed secrets: Python 3.10's Task resumes a call inside
# an `except`, which once chained aiohttp's unscrubbed text to every error), the runtime (serde,
# structuring and decoding included), the examples. The response fuzzing, the load tests and the
# multi-process fleet stay in the main run.
SUBSET = (
    "tests/reliability/test_faults.py",
    "tests/reliability/test_security.py",
    "tests/reliability/test_echoed_secrets.py",
    "tests/runtime",
    "tests/examples",
)
LOWEST_EXTRA = ("tests/ratelimit/test_ratelimit_redis.py",)  # redis at its lower bound
# Left to the main run, reported to the owners of tests/reliability: on Python 3.10's asyncio loop
# (the `lowest` run), the TLS 1.2 test leaves a TLS transport unclosed (ResourceWarning),
# whatever the dependency versions.
DESELECT: tuple[str, ...] = ()
LOWEST_DESELECT = ("tests/reliability/test_security.py::test_tls_1_2_server_is_accepted",)
_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9_.\-]+)\s*(?:\[[^\]]*\])?\s*(.*)$")


@dataclass(frozen=True)
class Run:
    name: str
    python: str  # version, e.g. "3.10"


@dataclass
class Outcome:
    name: str
    status: str  # "passed", "FAILED", "SKIPPED"
    detail: str
    seconds: float


def find_python(version: str) -> str | None:
    """The interpreter for `version`: under pyenv (~/.pyenv/versions/3.1x.*), else on PATH.

    A candidate counts only if it runs: a pyenv shim for a version that is not selected exits
    with an error instead.
    """
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates = sorted(glob.glob(str(root / "versions" / f"{version}.*" / "bin" / "python3")))
    on_path = shutil.which(f"python{version}")
    for candidate in [*reversed(candidates), *([on_path] if on_path else [])]:
        probe = [candidate, "-c", f"import sys; assert sys.version.startswith('{version}.')"]
        if subprocess.run(probe, capture_output=True, check=False).returncode == 0:  # noqa: S603
            return candidate
    return None


def constraints_for(version: str) -> Path:
    name = "constraints-py310.txt" if version == "3.10" else "constraints.txt"
    return ROOT / "requirements" / name


def lower_bounds() -> list[str]:
    """`name==X` for every `name>=X` among the runtime dependencies and the extras."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        specs.extend(extra)
    pins = []
    for spec in specs:
        match = _REQUIREMENT.match(spec)
        bound = re.search(r">=\s*([0-9][^,;\s]*)", spec)
        if match is None or bound is None:
            raise SystemExit(f"test_matrix: {spec!r} in pyproject.toml has no '>=' lower bound")
        pins.append(f"{match.group(1)}=={bound.group(1)}")
    return pins


def test_tools(replaced: set[str]) -> list[str]:
    """requirements/test.in without the packages whose versions `lowest` chooses."""
    keep = []
    for line in (ROOT / "requirements" / "test.in").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        match = _REQUIREMENT.match(line)
        if line and match and _canonical(match.group(1)) not in replaced:
            keep.append(line)
    return keep


# Test tools released in lockstep with a dependency: at its lower bound they must match it.
_LOCKSTEP = {"opentelemetry-sdk": "opentelemetry-api"}


def lockstep_pins(bounds: list[str]) -> list[str]:
    """`tool==X` for each test tool that must match a dependency pinned at its lower bound."""
    version = {_canonical(pin.split("==")[0]): pin.split("==")[1] for pin in bounds}
    return [f"{tool}=={version[dep]}" for tool, dep in _LOCKSTEP.items() if dep in version]


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def install_commands(run: Run, python: str) -> list[list[str]]:
    venv_python = str(VENVS / run.name / "bin" / "python")
    pip = [venv_python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    package = [*pip, "--no-deps", "--no-build-isolation", "-e", str(ROOT)]
    if run.name == "lowest":
        bounds = lower_bounds()
        bounds += lockstep_pins(bounds)
        replaced = {_canonical(pin.split("==")[0]) for pin in bounds}
        tools = [t for t in test_tools(replaced) if not t.startswith(("setuptools", "wheel"))]
        build = [t for t in test_tools(set()) if t.startswith(("setuptools", "wheel"))]
        return [[*pip, *bounds, *tools, *build], package]
    constraints = str(constraints_for(run.python))
    return [[*pip, "-r", str(ROOT / "requirements" / "test.in"), "-c", constraints], package]


def _stamp(run: Run, python: str) -> str:
    digest = hashlib.sha256(python.encode())
    for path in ("pyproject.toml", "setup.py", "liveops_async/_speedups.c", "requirements/test.in",
                 "requirements/constraints.txt", "requirements/constraints-py310.txt"):  # fmt: skip
        digest.update((ROOT / path).read_bytes())
    return digest.hexdigest()


def _environment(run: Run, *, installing: bool = False) -> dict[str, str]:
    """`lowest` installs and runs without the C extension: the pure-Python structuring (what a
    machine without a compiler gets) runs the whole subset there. The leg on this script's own
    Python does not build it either: the editable install would rewrite, in place, the
    `_speedups` file of the same name that `.venv` built and the main pytest run has loaded;
    it uses that one. Every other leg builds its own (its file name carries its version)."""
    env = dict(os.environ)
    same_python = run.python == f"{sys.version_info.major}.{sys.version_info.minor}"
    if run.name == "lowest" or (installing and same_python):
        env["LIVEOPS_ASYNC_NO_EXTENSIONS"] = "1"
    return env


def prepare(run: Run, python: str, log: list[str]) -> None:
    venv = VENVS / run.name
    stamp = venv / ".installed"
    wanted = _stamp(run, python)
    if stamp.exists() and stamp.read_text() == wanted:
        return
    shutil.rmtree(venv, ignore_errors=True)
    commands = [[python, "-m", "venv", str(venv)], *install_commands(run, python)]
    env = _environment(run, installing=True)
    for command in commands:
        done = subprocess.run(  # noqa: S603 - our own venv's pip
            command, env=env, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            log.append(done.stdout + done.stderr)
            raise RuntimeError(f"install failed: {' '.join(command[:6])} ...")
    stamp.write_text(wanted)


def execute(run: Run) -> Outcome:
    started = time.monotonic()
    python = find_python(run.python)
    if python is None:
        return Outcome(run.name, "SKIPPED", f"no python{run.python} on PATH or in pyenv", 0.0)
    log: list[str] = []
    try:
        prepare(run, python, log)
    except RuntimeError as exc:
        tail = "\n".join(log)[-3000:]
        return Outcome(run.name, "FAILED", f"{exc}\n{tail}", time.monotonic() - started)
    paths = [*SUBSET, *(LOWEST_EXTRA if run.name == "lowest" else ())]
    env = {**_environment(run), "PYTHONDONTWRITEBYTECODE": "1"}
    if run.name == "lowest":
        options = [f"--deselect={t}" for t in (*DESELECT, *LOWEST_DESELECT)]
    else:
        options = ["-p", "tests._uvloop_plugin", *(f"--deselect={t}" for t in DESELECT)]
    command = [str(VENVS / run.name / "bin" / "python"), "-m", "pytest", "-q", "-p",
               "no:cacheprovider", "-rfE", *options, "-m", "not slow", *paths]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)  # noqa: S603 - our own venv's pytest
    summary = _summary(done.stdout)
    seconds = time.monotonic() - started
    if done.returncode != 0:
        failures = [ln for ln in done.stdout.splitlines() if ln.startswith(("FAILED", "ERROR"))]
        output = "\n".join(failures) or (done.stdout + done.stderr)[-3000:]
        return Outcome(run.name, "FAILED", f"{summary}\n{output}", seconds)
    return Outcome(run.name, "passed", summary, seconds)


def _summary(output: str) -> str:
    lines = [line for line in output.splitlines() if re.search(r"\d+ (passed|failed)", line)]
    return lines[-1].strip("= ") if lines else "(no pytest summary)"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="*", help="3.10 3.11 3.12 3.13 lowest (default: all)")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    every = {f"py{v}": Run(f"py{v}", v) for v in PYTHONS} | {"lowest": Run("lowest", LOWEST_PYTHON)}
    names = [n if n == "lowest" else f"py{n}" for n in args.runs] or list(every)
    unknown = [n for n in names if n not in every]
    if unknown:
        parser.error(f"unknown runs: {unknown}")
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        outcomes = list(pool.map(execute, [every[n] for n in names]))
    for outcome in outcomes:
        print(f"test-matrix {outcome.name:<8} {outcome.status:<8} {outcome.seconds:6.0f} s  "
              f"{outcome.detail}")  # fmt: skip
    print(f"test-matrix: {time.monotonic() - started:.0f} s in all")
    failed = [o for o in outcomes if o.status == "FAILED"]
    skipped = [o for o in outcomes if o.status == "SKIPPED"]
    if skipped and os.environ.get("LIVEOPS_REQUIRE_ALL_PYTHONS") == "1":
        failed += skipped
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
