"""Every Python block of README.md runs: a block under `<!-- snippet: PATH -->` must equal that
file (which a test runs); every other block is executed as it stands (they make no calls)."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import readme_quickstart

import liveops_async
from liveops_async.testing import LiveOpsMock

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
_BLOCK = re.compile(r"(?:<!-- snippet: (?P<path>\S+) -->\n)?```python\n(?P<code>.*?)```", re.DOTALL)
BLOCKS = [(m.group("path"), m.group("code")) for m in _BLOCK.finditer(README)]
INLINE = [code for path, code in BLOCKS if path is None]
_SHELL = re.compile(r"<!-- shell: (?P<name>\S+) -->\n```\n(?P<code>.*?)```", re.DOTALL)
SHELL_BLOCKS = {m.group("name"): m.group("code") for m in _SHELL.finditer(README)}


def test_readme_has_the_expected_blocks() -> None:
    assert [path for path, _ in BLOCKS if path] == [
        "examples/readme_quickstart.py",
        "tests/examples/test_readme_mock_snippet.py",
    ]
    assert len(INLINE) == 6  # 3 more for settling, the retry budget and OpenTelemetry


@pytest.mark.parametrize("path", [p for p, _ in BLOCKS if p])
def test_snippet_block_matches_its_file(path: str) -> None:
    block = next(code for p, code in BLOCKS if p == path)
    assert block == (ROOT / path).read_text(encoding="utf-8")


@pytest.mark.parametrize("code", INLINE, ids=[f"inline-{n}" for n in range(len(INLINE))])
def test_inline_block_runs(code: str) -> None:
    exec(compile(code, "README.md", "exec"), {"__name__": "readme"})


def test_inline_blocks_pass_mypy_strict(tmp_path: Path) -> None:
    # Users paste these into code checked with `mypy --strict`: `Settlement.APPLIED ==
    # "applied"` and a raw value compared with its declared type failed there.
    mypy_api = pytest.importorskip("mypy.api")
    for n, code in enumerate(INLINE):
        (tmp_path / f"readme_inline_{n}.py").write_text(code, encoding="utf-8")
    out, err, status = mypy_api.run(
        ["--strict", "--no-incremental", "--config-file", os.devnull, str(tmp_path)]
    )
    assert status == 0, out + err


async def test_quickstart_block_runs_against_the_mock(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async with LiveOpsMock(project_id=44056, api_key="readme-key") as mock:
        monkeypatch.setenv("LIVEOPS_PROJECT_ID", "44056")
        monkeypatch.setenv("LIVEOPS_API_KEY", "readme-key")
        monkeypatch.setenv("LIVEOPS_BASE_URL", mock.base_url)
        await readme_quickstart.main(mock.issue_jwt("player-1"))
        assert mock.count("redeem-coupon") == 3
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("20 codes, first: ")
    assert lines[1].endswith("got [('gold-coins', 100)]")
    assert "refused, You have reached the coupon redemption limit (the per-user limit)." in lines[2]
    assert "(status 422, code 0401-9804)" in lines[2]
    assert lines[3] == "NO-SUCH-CODE: no such code"
    assert lines[4] == "200 application/json True"


def test_error_table_names_every_public_error() -> None:
    errors = [
        name
        for name in liveops_async.__all__
        if isinstance(getattr(liveops_async, name), type)
        and issubclass(getattr(liveops_async, name), liveops_async.LiveOpsError)
    ]
    section = README.split("## Errors", 1)[1].split("\n## ", 1)[0]
    assert [name for name in errors if f"`{name}`" not in section] == []


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_quickstart_shell_block_runs_twice_against_the_standalone_mock(tmp_path: Path) -> None:
    """The README's commands as written, in a copy of the clone's layout: `.venv-demo/bin/python`
    is this interpreter (which has the same package and extras as `make demo`'s), port 8080 a
    free one. The second run of the example must not hit "already exists"."""
    block = SHELL_BLOCKS["readme-quickstart-against-the-mock"]
    assert "liveops mock" not in block  # the demo venv has no `cli` extra
    (tmp_path / "examples").mkdir()
    shutil.copy(ROOT / "examples" / "readme_quickstart.py", tmp_path / "examples")
    script = block.replace(".venv-demo/bin/python", sys.executable).replace(
        "8080", str(_free_port())
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIVEOPS_")}
    env["PYTHONPATH"] = str(ROOT)
    out_path, err_path = tmp_path / "out.txt", tmp_path / "err.txt"
    # Files, not pipes: the mock in the background inherits them, and a pipe would stay open
    # until it stops. A new session: the mock is stopped with the shell below.
    with out_path.open("w") as out_file, err_path.open("w") as err_file:
        proc = subprocess.Popen(
            ["bash", "-e", "-c", script],
            cwd=tmp_path,
            env=env,
            stdout=out_file,
            stderr=err_file,
            start_new_session=True,
        )
        try:
            proc.wait(timeout=120)
        finally:
            with contextlib.suppress(ProcessLookupError):  # gone if the block reached its kill
                os.killpg(proc.pid, signal.SIGTERM)
    out, err = out_path.read_text(), err_path.read_text()
    assert proc.returncode == 0, err
    assert "already exists" not in out + err
    runs = [line for line in out.splitlines() if line.startswith("20 codes, first: ")]
    assert len(runs) == 2
    assert out.count("got [('gold-coins', 100)]") == 2
