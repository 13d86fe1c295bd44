"""How the CLI shows things: Rich tables and colours for people, JSON for scripts."""

from __future__ import annotations

import csv
import itertools
import json
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ._apply import ApplyReport
from ._files import FileProblem
from ._plan import MISSING, Action, Change, Plan, display_path

__all__ = [
    "console",
    "csv_cell",
    "error_console",
    "plain",
    "plan_as_data",
    "print_json",
    "print_plan",
    "print_problems",
    "print_report",
    "print_table",
    "report_as_data",
    "shown",
    "write_csv",
]

# The first characters that make a spreadsheet (Excel, LibreOffice, Google Sheets) read a cell as
# a formula, or as the start of one after it trims a tab or carriage return (OWASP, "CSV
# Injection"): a code or name from the server such as `=HYPERLINK(...)` must stay text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

_SYMBOL = {
    Action.CREATE: ("+", "green"),
    Action.UPDATE: ("~", "yellow"),
    Action.DELETE: ("-", "red"),
}


# Characters a terminal acts on instead of showing: C0 controls but tab and newline (ESC starts
# escape sequences: window title, screen clearing, hyperlinks), DEL, C1 controls (0x9b is an
# 8-bit CSI), and the bidirectional overrides and isolates that reorder the text after them.
_TERMINAL_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def plain(value: object) -> str:
    """`value` as text with every terminal control character written out as an escape
    (`\\x1b`), so that text from a server or a file cannot drive the terminal."""
    return _TERMINAL_CONTROLS.sub(lambda found: ascii(found.group())[1:-1], str(value))


def shown(value: object) -> str:
    """`plain(value)` fit for a Rich print: its markup escaped too (a server's `[/]` must
    neither style the output nor crash it)."""
    return escape(plain(value))


def console() -> Console:
    return Console(file=sys.stdout, highlight=False, soft_wrap=True)


def error_console() -> Console:
    return Console(file=sys.stderr, highlight=False, soft_wrap=True)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def _show(value: Any) -> str:
    if value is MISSING:
        return "(absent)"
    return json.dumps(value, ensure_ascii=False, default=str)


def print_problems(problems: Iterable[FileProblem], root: Path) -> None:
    out = error_console()
    for problem in problems:
        where = display_path(problem.path, root)
        field = f": {problem.field}" if problem.field else ""
        out.print(f"[red]error[/red] {shown(where)}{shown(field)}: {shown(problem.message)}")


def print_plan(
    plan: Plan,
    root: Path,
    *,
    allow_delete: bool | None = None,
    unmanaged: Sequence[str] = (),
) -> None:
    """The changes, field by field; `unmanaged`: kind folders left out of the comparison."""
    out = console()
    if unmanaged:
        out.print(f"Not managed here (no folder): {shown(', '.join(unmanaged))}")
    if not plan.changes:
        out.print("No changes: the project matches the files.")
        return
    for change in plan.changes:
        symbol, colour = _SYMBOL[change.action]
        where = f" ({display_path(change.desired.path, root)})" if change.desired else ""
        out.print(
            f"[{colour}]{symbol} {change.action.value} {shown(change.label)}[/]{shown(where)}"
        )
        for field in change.fields:
            out.print(
                f"    [yellow]~[/] {shown(field.field)}: {shown(_show(field.before))} "
                f"-> {shown(_show(field.after))}"
            )
    summary = (
        f"Plan: {plan.count(Action.CREATE)} to create, {plan.count(Action.UPDATE)} to update, "
        f"{plan.count(Action.DELETE)} to delete."
    )
    if allow_delete is False and plan.count(Action.DELETE):
        summary += " Deletes are skipped without --allow-delete."
    out.print(summary)


def _change_data(change: Change, root: Path) -> dict[str, Any]:
    return {
        "action": change.action.value,
        "kind": change.kind.name,
        "id": change.key,
        "file": display_path(change.desired.path, root) if change.desired else None,
        "fields": [
            {
                "field": f.field,
                "before": None if f.before is MISSING else f.before,
                "after": None if f.after is MISSING else f.after,
            }
            for f in change.fields
        ],
    }


def plan_as_data(plan: Plan, root: Path) -> dict[str, Any]:
    return {
        "changes": [_change_data(change, root) for change in plan.changes],
        "summary": {action.value: plan.count(action) for action in Action},
    }


def report_as_data(report: ApplyReport, root: Path) -> dict[str, Any]:
    failed = None
    if report.failed is not None:
        change, error = report.failed
        failed = {"change": _change_data(change, root), "error": str(error)}
    return {
        "ok": report.ok,
        "applied": report.applied,
        "failed": failed,
        "not_started": [_change_data(c, root) for c in report.not_started],
        "skipped_deletes": [_change_data(c, root) for c in report.skipped_deletes],
    }


def print_report(report: ApplyReport) -> None:
    out = console()
    if report.applied:
        out.print("Applied:")
        for line in report.applied:
            out.print(f"  [green]✓[/] {shown(line)}")
    if report.skipped_deletes:
        out.print(
            f"Skipped {len(report.skipped_deletes)} delete(s): pass --allow-delete to delete."
        )
    if report.failed is not None:
        change, error = report.failed
        out.print(f"[red]Failed:[/] {shown(change.label)}: {shown(str(error))}")
        if report.not_started:
            out.print("Not started:")
            for pending in report.not_started:
                out.print(f"  - {pending.action.value} {shown(pending.label)}")
        out.print("Nothing else was changed. Fix the cause and run `liveops apply` again.")
    else:
        out.print(f"Apply complete: {len(report.applied)} call(s) applied.")


def csv_cell(value: object) -> object:
    """`value` made safe for a CSV cell: a string starting with `=`, `+`, `-`, `@`, a tab or
    a carriage return gets a leading `'` (spreadsheets then show it as text, not a formula);
    anything else, numbers included (a real -5 stays the number -5), is returned unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(stream: TextIO, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """Write `header` and `rows` to `stream` as CSV, every cell through `csv_cell`.

    Lines end in `\\n`; a row with a carriage return in a cell is written with every cell
    quoted, since the csv module quotes only the characters of the line ending it writes and
    a reader would otherwise split the row at the bare `\\r`."""
    minimal = csv.writer(stream, lineterminator="\n")
    quoted = csv.writer(stream, lineterminator="\n", quoting=csv.QUOTE_ALL)
    for row in itertools.chain([header], rows):
        cells = [csv_cell(cell) for cell in row]
        has_return = any(isinstance(cell, str) and "\r" in cell for cell in cells)
        (quoted if has_return else minimal).writerow(cells)


def print_table(title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*(shown("" if cell is None else str(cell)) for cell in row))
    console().print(table)


def localized(name: Any) -> str:
    """One readable text of a localized name map."""
    if isinstance(name, Mapping):
        for locale in ("en-US", "en", *sorted(name)):
            if isinstance(name.get(locale), str):
                return str(name[locale])
        return ""
    return "" if name is None else str(name)
