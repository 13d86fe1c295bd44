"""`liveops`: the root command, LiveOps as code (`export`, `plan`, `apply`) and `mock`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from .. import LiveOpsClient
from ._admin import codes, coupons, user_limit
from ._apply import ApplyReport, apply_plan
from ._context import Settings, json_option, run_with_client
from ._export import write_export
from ._files import Desired, FileProblem, load_folder
from ._kinds import KINDS, Kind
from ._output import (
    console,
    plan_as_data,
    print_json,
    print_plan,
    print_problems,
    print_report,
    report_as_data,
    shown,
)
from ._plan import Plan, fetch_project, make_plan, validate_desired

__all__ = ["cli", "main"]

EXIT_NO_CHANGES, EXIT_ERROR, EXIT_CHANGES = 0, 1, 2
_KIND_NAMES = [kind.name for kind in KINDS]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--base-url",
    metavar="URL",
    help="API base URL, e.g. the mock's http://127.0.0.1:8080/api "
    "(default: LIVEOPS_BASE_URL, else Xsolla's).",
)
@click.option(
    "--project-id", type=int, metavar="ID", help="Project id (default: LIVEOPS_PROJECT_ID)."
)
@click.version_option(package_name="liveops-async")
@click.pass_context
def cli(ctx: click.Context, base_url: str | None, project_id: int | None) -> None:
    """Manage a Xsolla LiveOps project from the command line.

    Credentials come from the SDK's environment variables: LIVEOPS_PROJECT_ID and
    LIVEOPS_API_KEY (or LIVEOPS_MERCHANT_ID). The key is never taken as an option.

    LiveOps as code: `export` writes the project's promotions, chains, value points,
    catalog rules and upsell as YAML files, `plan` shows what differs, `apply` makes the
    project match the files.
    """
    ctx.obj = Settings(base_url=base_url, project_id=project_id)


def _kinds(
    only: Sequence[str], exclude: Sequence[str], directory: Path | None = None
) -> list[Kind]:
    """The kinds a command works on: --only, else (for plan and apply) the kinds that have a
    folder in DIRECTORY, else every kind; minus --exclude. A kind without a folder is not
    managed, so a repository that keeps only coupons never plans to delete chains."""
    if only:
        chosen = [kind for kind in KINDS if kind.name in only]
    elif directory is not None:
        chosen = [kind for kind in KINDS if (directory / kind.directory).is_dir()]
    else:
        chosen = list(KINDS)
    return [kind for kind in chosen if kind.name not in exclude]


def _unmanaged(kinds: Sequence[Kind], only: Sequence[str], exclude: Sequence[str]) -> list[str]:
    """Kind folders left out because DIRECTORY lacks them (not those the options named)."""
    if only:
        return []
    return [k.directory for k in KINDS if k not in kinds and k.name not in exclude]


def _kind_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--only and --exclude."""
    command = click.option(
        "--exclude",
        multiple=True,
        metavar="KIND",
        type=click.Choice(_KIND_NAMES),
        help="Leave these kinds out (repeatable), e.g. upsell when the API key may not read it.",
    )(command)
    return click.option(
        "--only",
        multiple=True,
        metavar="KIND",
        type=click.Choice(_KIND_NAMES),
        help="Only these kinds (repeatable; KIND as in a file's `kind:`, e.g. coupon). "
        "Default: export every kind; plan and apply the kinds that have a folder.",
    )(command)


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@_kind_options
@click.pass_obj
def export(
    settings: Settings, directory: Path, only: tuple[str, ...], exclude: tuple[str, ...]
) -> None:
    """Write every entity of the project as one YAML file under DIRECTORY.

    One folder per kind (coupons/, promo_codes/, unique_catalog_offers/, discounts/,
    bonuses/, catalog_rules/, value_points/, reward_chains/, daily_chains/, offer_chains/,
    upsell/). Each file holds `kind`, `id`, `enabled` (where activation is a separate call)
    and `spec`: the fields of the update request. Read-only and computed fields are left
    out. Exporting an unchanged project again rewrites nothing; files of entities the
    project no longer has are removed. A kind the API refuses to the key (403: upsell with a
    project key) is skipped with a note and its files are kept, unless named with --only.
    """
    kinds = _kinds(only, exclude)

    async def work(client: LiveOpsClient) -> None:
        # Unless named with --only, a kind the key may not read (403: the upsell admin calls
        # refuse a project key) is skipped with a note and its files are left as they are.
        project = await fetch_project(client.admin, kinds, skip_refused=not only)
        refused = [kind for kind in kinds if kind.name not in project]
        result = write_export(directory, [k for k in kinds if k not in refused], project)
        out = console()
        for kind in refused:
            out.print(
                f"Skipped {kind.directory}: the API refused this key (403); its files are left "
                f"as they are. Leave it out with --exclude {kind.name}."
            )
        total = sum(len(v) for v in project.values())
        out.print(
            f"Exported {total} entities to {shown(directory)}: {len(result.written)} written, "
            f"{len(result.unchanged)} unchanged, {len(result.removed)} removed."
        )
        for path in result.kept_new:
            out.print(f"Kept {shown(path)}: it has no id (not applied yet).")

    run_with_client(settings, work)


def _load_and_validate(
    directory: Path, kinds: Sequence[Kind]
) -> tuple[list[Desired], list[FileProblem]]:
    desired, problems = load_folder(directory)
    desired = [d for d in desired if d.kind in kinds]
    for entity in desired:
        problems += validate_desired(entity)
    return desired, problems


async def _plan(
    client: LiveOpsClient, directory: Path, kinds: Sequence[Kind], desired: Sequence[Desired]
) -> tuple[Plan, list[FileProblem]]:
    project = await fetch_project(client.admin, kinds)
    return make_plan(kinds, desired, project)


class _PlanCommand(click.Command):
    """`plan`, whose exit status 2 means "changes to apply": a usage error of its own
    arguments (a DIRECTORY that does not exist, an unknown --only kind) exits 1, as its other
    errors do, instead of Click's 2, which a CI script would read as a pending change."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            raise _PlanUsageError(exc.format_message(), exc.ctx) from None


class _PlanUsageError(click.UsageError):
    """A usage error of `plan`: shown as Click shows one, with exit status 1."""

    exit_code = EXIT_ERROR


@cli.command(cls=_PlanCommand)
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@_kind_options
@json_option
@click.pass_obj
def plan(
    settings: Settings,
    directory: Path,
    only: tuple[str, ...],
    exclude: tuple[str, ...],
    as_json: bool,
) -> None:
    """Show what `apply` would create, update (field by field) or delete.

    The files are checked against the API's request schemas first; every problem is
    reported with its file and field, and nothing is read from the project then.

    Exit status: 0 no changes, 2 changes to apply, 1 an error (bad files or arguments, API
    failure).
    """
    kinds = _kinds(only, exclude, directory)
    desired, problems = _load_and_validate(directory, kinds)
    if problems:
        print_problems(problems, directory)
        raise SystemExit(EXIT_ERROR)
    planned, problems = run_with_client(settings, lambda c: _plan(c, directory, kinds, desired))
    if problems:
        print_problems(problems, directory)
        raise SystemExit(EXIT_ERROR)
    if as_json:
        print_json(plan_as_data(planned, directory))
    else:
        print_plan(planned, directory, unmanaged=_unmanaged(kinds, only, exclude))
    raise SystemExit(EXIT_CHANGES if planned.changes else EXIT_NO_CHANGES)


@cli.command()
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@_kind_options
@click.option("--yes", "-y", is_flag=True, help="Apply without asking (for CI).")
@click.option("--allow-delete", is_flag=True, help="Also delete entities that have no file.")
@click.option(
    "--concurrency",
    type=click.IntRange(1, 32),
    default=4,
    show_default=True,
    help="Changes applied at once (within one step of the dependency order).",
)
@json_option
@click.pass_obj
def apply(
    settings: Settings,
    directory: Path,
    only: tuple[str, ...],
    exclude: tuple[str, ...],
    yes: bool,
    allow_delete: bool,
    concurrency: int,
    as_json: bool,
) -> None:
    """Make the project match the files in DIRECTORY.

    Shows the plan, asks for confirmation (unless --yes), then applies it in dependency
    order (value points before reward chains; deletes last, in reverse), a few changes at a
    time, with a progress bar and a summary. Updates send whole objects (PUT replaces).
    Deletes happen only with --allow-delete. The first failure stops further changes and
    the summary says exactly what was applied; running apply again continues from there.
    Ids the server assigns to new entities are written into their files.

    Exit status: 0 applied (or nothing to do), 1 an error or a failure half way.
    """
    kinds = _kinds(only, exclude, directory)
    desired, problems = _load_and_validate(directory, kinds)
    if problems:
        print_problems(problems, directory)
        raise SystemExit(EXIT_ERROR)
    claimed = {(d.kind.name, d.key) for d in desired if d.key is not None}

    async def work(client: LiveOpsClient) -> ApplyReport | None:
        planned, plan_problems = await _plan(client, directory, kinds, desired)
        if plan_problems:
            print_problems(plan_problems, directory)
            raise SystemExit(EXIT_ERROR)
        if not as_json:
            unmanaged = _unmanaged(kinds, only, exclude)
            print_plan(planned, directory, allow_delete=allow_delete, unmanaged=unmanaged)
        if not planned.changes:
            return None
        if not yes and not click.confirm("Apply these changes?", default=False, err=True):
            console().print("Nothing applied.")
            return None
        return await _apply_with_progress(
            client, planned, allow_delete, concurrency, claimed, as_json
        )

    report = run_with_client(settings, work)
    if report is None:
        if as_json:
            print_json(
                {
                    "ok": True,
                    "applied": [],
                    "failed": None,
                    "not_started": [],
                    "skipped_deletes": [],
                }
            )
        return
    if as_json:
        print_json(report_as_data(report, directory))
    else:
        print_report(report)
    if not report.ok:
        raise SystemExit(EXIT_ERROR)


async def _apply_with_progress(
    client: LiveOpsClient,
    planned: Plan,
    allow_delete: bool,
    concurrency: int,
    claimed: set[tuple[str, str]],
    quiet: bool,
) -> ApplyReport:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    changes = planned.changes
    total = sum(1 for c in changes if allow_delete or c.action.value != "delete")
    with Progress(
        TextColumn("Applying"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console(),
        disable=quiet,
    ) as progress:
        task = progress.add_task("apply", total=total)
        return await apply_plan(
            client.admin,
            changes,
            allow_delete=allow_delete,
            concurrency=concurrency,
            on_finished=lambda _: progress.advance(task),
            claimed=lambda kind: {key for name, key in claimed if name == kind.name and key},
        )


@cli.command(
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    add_help_option=False,
)
@click.argument("mock_args", nargs=-1, type=click.UNPROCESSED)
def mock(mock_args: tuple[str, ...]) -> None:
    """Run the embedded LiveOps mock on 127.0.0.1 until Ctrl-C.

    Takes the options of `python -m liveops_async.mock` (--port, --project-id, --api-key,
    --rate-429, --rate-5xx, ...; see `liveops mock --help`). Point the other commands at it
    with `--base-url` and LIVEOPS_API_KEY=mock-api-key.
    """
    try:
        from ..mock.__main__ import main as mock_main
    except ModuleNotFoundError as exc:
        if exc.name not in _MOCK_MODULES:
            raise
        raise click.ClickException(
            f"liveops mock needs the testing extra ({exc.name} is missing): "
            "pip install 'liveops-async[testing]'"
        ) from None
    raise SystemExit(mock_main(list(mock_args), prog="liveops mock"))


# What the mock imports beyond the `cli` extra (the `testing` extra): jsonschema on import;
# PyJWT is asked for, with the same advice, when the mock starts.
_MOCK_MODULES = frozenset({"jsonschema", "jwt"})


cli.add_command(coupons)
cli.add_command(codes)
cli.add_command(user_limit)


def main(argv: Sequence[str] | None = None) -> Any:
    """Console script entry point (`liveops`)."""
    return cli.main(args=list(argv) if argv is not None else None, prog_name="liveops")
