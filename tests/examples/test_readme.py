"""Every Python block of README.md runs: a block under `<!-- snippet: PATH -->` must equal that
file (which a test runs); every other block is executed as it stands (they make no calls)."""

from __future__ import annotations

import re
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
    assert "refused, The per-user redemption limit is reached. (status 422" in lines[2]
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
