"""Everyday admin commands, `--json` output, confirmation, `liveops mock` and help texts."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from liveops_async.cli._commands import cli
from liveops_async.cli._output import csv_cell, write_csv

from .conftest import Invoke, MockServer, run_without_jsonschema


def test_coupons_list_json_and_table(server: MockServer, liveops: Invoke) -> None:
    server.seed()
    listed = liveops("coupons", "list", "--json")
    assert listed.exit_code == 0
    coupons = json.loads(listed.stdout)
    assert [c["external_id"] for c in coupons] == ["winter_coupon_2026"]
    assert coupons[0]["is_enabled"] is True
    table = liveops("coupons", "list")
    assert "winter_coupon_2026" in table.output and "Winter gift" in table.output


def test_codes_generate_then_export_csv(server: MockServer, liveops: Invoke) -> None:
    server.seed()
    generated = liveops("codes", "generate", "winter_coupon_2026", "--count", "7", "--json")
    assert generated.exit_code == 0, generated.output
    assert json.loads(generated.stdout) == {"external_id": "winter_coupon_2026", "generated": 7}
    exported = liveops("codes", "export", "winter_coupon_2026", "--csv")
    assert exported.exit_code == 0
    lines = exported.output.splitlines()
    assert lines[0] == "code" and len(lines) == 8 and len(set(lines[1:])) == 7
    promo = liveops("codes", "generate", "spring_sale_2026", "--kind", "promo_code", "--count", "2")
    assert promo.output.strip() == "Generated 2 codes for spring_sale_2026."
    assert (
        len(
            json.loads(
                liveops(
                    "codes", "export", "spring_sale_2026", "--kind", "promo_code", "--json"
                ).output
            )
        )
        == 2
    )


@pytest.mark.parametrize(
    ("status", "raw_body"),
    # A 500 after acting; a success whose body cannot be read (ResponseDecodeError: it acted,
    # only the answer is lost, and the command said nothing of it).
    [(500, None), (200, b"<html>OK</html>"), (200, b"")],
    ids=["500", "200-html", "200-empty"],
)
def test_codes_generate_is_not_resent_after_an_unclear_failure(
    server: MockServer, liveops: Invoke, status: int, raw_body: bytes | None
) -> None:
    server.seed()
    outage = server.fail(
        "PUT", "/code/generate", status, after_handling=True, remaining=1, raw_body=raw_body
    )
    failed = liveops("codes", "generate", "winter_coupon_2026", "--count", "3")
    assert failed.exit_code == 1
    assert "may have reached the API" in failed.output and "Not resent" in failed.output
    assert outage.hits == 1 and server.mock.count("generate-coupon-codes") == 1
    # It did take effect: the message was right to warn.
    codes = json.loads(liveops("codes", "export", "winter_coupon_2026", "--json").stdout)
    assert len(codes) == 3


def test_user_limit_get_and_reset(server: MockServer, liveops: Invoke) -> None:
    server.seed()
    got = liveops("user-limit", "get", "--coupon", "winter_coupon_2026", "--user", "p1", "--json")
    assert got.exit_code == 0, got.output
    assert json.loads(got.stdout)["per_user"] == {"total": 1, "available": 1}
    text = liveops("user-limit", "get", "--promotion", "1", "--user", "p1")
    assert text.exit_code == 0 and text.output.startswith("p1: ")
    reset = liveops("user-limit", "reset", "--promotion", "1", "--all-users", "--json")
    assert reset.exit_code == 0, reset.output
    assert json.loads(reset.stdout) == {"reset": True, "promotion": 1, "user": None}
    assert server.mock.count("reset-user-promotion-limit") == 1
    everything = liveops("user-limit", "reset", "--user", "p1", "--all-promotions")
    assert everything.exit_code == 0 and server.mock.count("reset-all-user-promotions-limit") == 1
    wrong = liveops("user-limit", "get", "--user", "p1")
    assert wrong.exit_code == 2 and "exactly one of" in wrong.output


@pytest.mark.parametrize(
    ("args", "operation_id", "route"),
    [
        (
            ["--promotion", "1", "--all-users"],
            "reset-user-promotion-limit",
            "/admin/user/limit/promotion/id/1/all",
        ),
        (
            ["--user", "p1", "--all-promotions"],
            "reset-all-user-promotions-limit",
            "/admin/user/limit/promotion/all",
        ),
    ],
    ids=["one-promotion", "all-promotions"],
)
def test_user_limit_reset_that_may_have_acted_says_so_and_is_not_resent(
    server: MockServer, liveops: Invoke, args: list[str], operation_id: str, route: str
) -> None:
    """A reset answered 503 after it acted: the command said only "error: 503", and running
    it again would erase every use players made in between."""
    server.seed()
    outage = server.fail("DELETE", route, 503, after_handling=True, remaining=1)
    failed = liveops("user-limit", "reset", *args)
    assert failed.exit_code == 1
    assert "may have reached the API" in failed.output and "Not resent" in failed.output
    assert "liveops user-limit get" in failed.output
    assert outage.hits == 1 and server.mock.count(operation_id) == 1


def test_api_errors_exit_1_with_status_and_code(server: MockServer, liveops: Invoke) -> None:
    missing = liveops("codes", "export", "no-such-coupon", "--csv")
    assert missing.exit_code == 1
    assert "404" in missing.output and "Coupon not found" in missing.output


# What a hostile or broken server might send: Rich markup (an unbalanced closing tag crashed
# the CLI with a MarkupError traceback), terminal escape sequences (set the window title, clear
# the screen, ring the bell) and a right-to-left override that reorders what follows it.
HOSTILE = "[/] [bold]bold?[/bold] \x1b]0;pwned\x07\x1b[2J\x9b31m \u202egnp.exe"
TERMINAL_CONTROLS = ("\x1b", "\x07", "\x9b", "\u202e")


def test_a_servers_error_text_is_shown_as_text_not_as_markup_or_terminal_codes(
    server: MockServer, liveops: Invoke
) -> None:
    server.fail("GET", "/admin/coupon", 422, message=f"[0401-1102]: {HOSTILE}")
    failed = liveops("coupons", "list")
    assert failed.exit_code == 1, failed.output
    assert "Traceback" not in failed.output
    assert "error: 422 [0401-1102] [/] [bold]bold?[/bold]" in failed.stderr
    assert not any(control in failed.output for control in TERMINAL_CONTROLS), failed.output


def test_a_servers_names_in_a_table_are_shown_as_text_not_as_terminal_codes(
    server: MockServer, liveops: Invoke
) -> None:
    server.seed()
    body = server.example("admin-create-coupon")
    body.update(external_id="hostile", name={"en-US": HOSTILE})
    status, answer = server.request("admin-create-coupon", body=body)
    assert status == 201, answer
    table = liveops("coupons", "list")
    assert table.exit_code == 0, table.output
    assert "[bold]bold?[/bold]" in table.output
    assert not any(control in table.output for control in TERMINAL_CONTROLS), table.output


def test_missing_credentials_are_explained(server: MockServer, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        ["--base-url", server.mock.base_url, "coupons", "list"],
        env={"LIVEOPS_PROJECT_ID": "44056", "LIVEOPS_API_KEY": None},
    )
    assert result.exit_code == 1
    assert "LIVEOPS_API_KEY" in result.output
    assert len(server.mock.requests) == 0


def test_apply_asks_before_changing(server: MockServer, liveops: Invoke, tmp_path: Path) -> None:
    (tmp_path / "coupons").mkdir()
    (tmp_path / "coupons/gift.yaml").write_text(
        "kind: coupon\nid: gift\nspec:\n  name: {en-US: G}\n"
    )
    declined = liveops("apply", str(tmp_path), input="n\n")
    assert declined.exit_code == 0 and "Nothing applied." in declined.output
    assert server.mock.count("admin-create-coupon") == 0
    accepted = liveops("apply", str(tmp_path), input="y\n")
    assert accepted.exit_code == 0 and server.mock.count("admin-create-coupon") == 1
    nothing = liveops("apply", str(tmp_path), "--yes")
    assert "No changes" in nothing.output and server.mock.count("admin-create-coupon") == 1


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["export"],
        ["plan"],
        ["apply"],
        ["coupons", "list"],
        ["codes", "export"],
        ["codes", "generate"],
        ["user-limit", "get"],
        ["user-limit", "reset"],
    ],
)
def test_every_command_has_help(command: list[str]) -> None:
    result = CliRunner().invoke(cli, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage: " in result.output
    # A sentence of its own beyond the usage line.
    assert len(result.output.split("Options:")[0].strip().splitlines()) >= 3


def test_liveops_mock_serves_until_stopped(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "liveops_async.cli", "mock", "--port", "0", "--api-key", "k"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("LiveOps mock listening on http://127.0.0.1:")
        base_url = first.rsplit(" ", 1)[1].strip()
        result = CliRunner().invoke(
            cli,
            ["--base-url", base_url, "coupons", "list", "--json"],
            env={"LIVEOPS_PROJECT_ID": "44056", "LIVEOPS_API_KEY": "k"},
        )
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout) == []
    finally:
        process.terminate()  # our own child, by its handle
        process.wait(timeout=30)
        if process.stdout is not None:
            process.stdout.close()


def test_liveops_mock_help_and_errors_name_the_liveops_command() -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "liveops_async.cli", "mock", *args],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    shown = run("--help")
    assert shown.returncode == 0 and shown.stdout.startswith("usage: liveops mock ")
    refused = run("--port", "70000")
    assert refused.returncode == 2
    assert refused.stderr.startswith("liveops mock: error: argument --port: ")


def test_without_the_cli_extra_the_command_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import liveops_async.cli

    for name in [m for m in sys.modules if m.startswith("liveops_async.cli.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "click", None)  # as if it were not installed
    assert liveops_async.cli.main(["--help"]) == 1
    assert "pip install 'liveops-async[cli]'" in capsys.readouterr().err


def test_liveops_mock_without_the_testing_extra_says_how_to_install_it() -> None:
    # The `cli` extra alone has no jsonschema, which the mock validates requests with.
    result = run_without_jsonschema("mock", "--port", "0", env={})
    assert result.returncode == 1
    assert "liveops mock needs the testing extra (jsonschema is missing)" in result.stderr
    assert "pip install 'liveops-async[testing]'" in result.stderr
    assert "Traceback" not in result.stderr


_FORMULAS = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


def test_codes_export_csv_defuses_formula_cells(
    monkeypatch: pytest.MonkeyPatch, liveops: Invoke
) -> None:
    """A code the server returns that a spreadsheet would run as a formula is written with a
    leading quote (OWASP CSV injection); a harmless code is written as it is."""
    from liveops_async.cli import _admin

    monkeypatch.setattr(_admin, "run_with_client", lambda settings, work: ["SAFE1", *_FORMULAS])
    exported = liveops("codes", "export", "winter_coupon_2026", "--csv")
    assert exported.exit_code == 0, exported.output
    rows = list(csv.reader(io.StringIO(exported.stdout, newline="")))
    assert rows == [["code"], ["SAFE1"], *(["'" + formula] for formula in _FORMULAS)]
    # --json is for programs, not spreadsheets: the codes stay exactly as the server sent them.
    as_json = liveops("codes", "export", "winter_coupon_2026", "--json")
    assert json.loads(as_json.stdout) == ["SAFE1", *_FORMULAS]
    assert "formula" in liveops("codes", "export", "--help").output


def test_csv_cells_guard_strings_only() -> None:
    out = io.StringIO()
    write_csv(out, ["name", "delta"], [["-5", -5], ["=1", 2.5], ["ok", None], ["", True]])
    assert out.getvalue().splitlines() == ["name,delta", "'-5,-5", "'=1,2.5", "ok,", ",True"]
    assert csv_cell(-5) == -5 and csv_cell("a=b") == "a=b" and csv_cell("@") == "'@"
    # A carriage return inside a cell must not split the row for a reader.
    out = io.StringIO()
    write_csv(out, ["code"], [["a\rb"], ["c"]])
    assert list(csv.reader(io.StringIO(out.getvalue(), newline=""))) == [["code"], ["a\rb"], ["c"]]


@pytest.mark.parametrize("variable", ["LIVEOPS_PROJECT_ID", "LIVEOPS_MERCHANT_ID"])
def test_a_key_set_in_an_id_variable_is_not_printed(server: MockServer, variable: str) -> None:
    """LIVEOPS_API_KEY and an id variable swapped: the CLI says which setting is wrong, and
    does not print the key it holds."""
    key = "swapped-key-0b7d3e61"
    env = {"LIVEOPS_PROJECT_ID": "44056", "LIVEOPS_API_KEY": "44056", variable: key}
    result = CliRunner().invoke(
        cli, ["--base-url", server.mock.base_url, "coupons", "list"], env=env
    )
    assert result.exit_code == 1
    assert "must be a positive integer" in result.output
    assert key not in result.output
    assert len(server.mock.requests) == 0
