"""Everyday admin calls: list coupons, export and generate codes, read and reset user limits."""

from __future__ import annotations

import sys
from typing import Any

import click

from .. import LiveOpsClient, models
from .._exceptions import LiveOpsError
from ._apply import may_have_acted
from ._context import Settings, json_option, run_with_client
from ._output import (
    error_console,
    localized,
    plain,
    print_json,
    print_table,
    shown,
    write_csv,
)

__all__ = ["codes", "coupons", "user_limit"]

# Kind names as in the files' `kind:`, and the `client.admin` resource of each.
_CODE_KINDS = {
    "coupon": "coupons",
    "promo_code": "promo_codes",
    "unique_catalog_offer": "unique_catalog_offers",
}
_kind_option = click.option(
    "--kind",
    "code_kind",
    type=click.Choice(sorted(_CODE_KINDS)),
    default="coupon",
    show_default=True,
    help="Which promotion EXTERNAL_ID names.",
)


def _stop_if_it_may_have_acted(exc: LiveOpsError, effect: str, check: str) -> None:
    """A call that is not safe to repeat failed with `exc`: if it may have taken effect, say
    so (`effect`, and the command that shows the state: `check`) and exit 1; the command never
    resends it, and the operator must not simply run it again."""
    if may_have_acted(exc):
        error_console().print(
            f"[red]error[/red]: {shown(exc)}\nThe request may have reached the API: {effect}. "
            f"Not resent; check with `{shown(check)}` before trying again."
        )
        raise SystemExit(1) from None


def _periods(periods: Any) -> str:
    if not periods:
        return "always"
    return ", ".join(f"{p.get('date_from')} .. {p.get('date_until') or 'open'}" for p in periods)


@click.group()
def coupons() -> None:
    """Coupon promotions."""


@coupons.command("list")
@json_option
@click.pass_obj
def coupons_list(settings: Settings, as_json: bool) -> None:
    """List the project's coupons: id, name, enabled, periods, limits, codes."""

    async def work(client: LiveOpsClient) -> list[dict[str, Any]]:
        return [coupon.to_dict() async for coupon in client.admin.coupons.list()]

    found = run_with_client(settings, work)
    if as_json:
        print_json(found)
        return
    print_table(
        "Coupons",
        ["external_id", "name", "enabled", "periods", "per user", "total", "codes"],
        (
            [
                c.get("external_id"),
                localized(c.get("name")),
                "yes" if c.get("is_enabled") else "no",
                _periods(c.get("promotion_periods")),
                c.get("redeem_user_limit"),
                c.get("redeem_total_limit"),
                c.get("total_codes_count"),
            ]
            for c in found
        ),
    )


@click.group()
def codes() -> None:
    """Codes of coupons, promo codes and unique catalog offers."""


@codes.command("export")
@click.argument("external_id")
@_kind_option
@click.option(
    "--csv",
    "as_csv",
    is_flag=True,
    help=(
        "CSV with a `code` header on stdout. A code starting with =, +, -, @, a tab or a "
        "carriage return is written with a leading ' so spreadsheets do not run it as a formula."
    ),
)
@json_option
@click.pass_obj
def codes_export(
    settings: Settings, external_id: str, code_kind: str, as_csv: bool, as_json: bool
) -> None:
    """Print every code of promotion EXTERNAL_ID (all pages)."""

    async def work(client: LiveOpsClient) -> list[str]:
        resource = getattr(client.admin, _CODE_KINDS[code_kind])
        return [code.code async for code in resource.list_codes(external_id) if code.code]

    found = run_with_client(settings, work)
    if as_csv:
        write_csv(sys.stdout, ["code"], ([code] for code in found))
    elif as_json:
        print_json(found)
    else:
        print_table(f"Codes of {external_id}", ["code"], ([code] for code in found))


@codes.command("generate")
@click.argument("external_id")
@_kind_option
@click.option(
    "--count", type=click.IntRange(1, 100_000), required=True, help="How many codes (1-100000)."
)
@json_option
@click.pass_obj
def codes_generate(
    settings: Settings, external_id: str, code_kind: str, count: int, as_json: bool
) -> None:
    """Generate --count random codes for promotion EXTERNAL_ID.

    Generating is not safe to repeat (each call adds codes), so it is sent once: if the
    answer is lost, the command says so instead of trying again. Check with `codes export`.
    """

    async def work(client: LiveOpsClient) -> int:
        resource = getattr(client.admin, _CODE_KINDS[code_kind])
        try:
            result: models.GeneratedCodes = await resource.generate_codes(external_id, count=count)
        except LiveOpsError as exc:
            _stop_if_it_may_have_acted(
                exc, "codes may have been generated", f"liveops codes export {external_id}"
            )
            raise
        return int(result.count or 0)

    generated = run_with_client(settings, work)
    if as_json:
        print_json({"external_id": external_id, "generated": generated})
    else:
        click.echo(f"Generated {generated} codes for {plain(external_id)}.")


@click.group("user-limit")
def user_limit() -> None:
    """Per-player limits of promotions, coupons and promo codes."""


@user_limit.command("get")
@click.option("--user", "user_id", required=True, help="The player's user_external_id.")
@click.option("--coupon", metavar="EXTERNAL_ID", help="A coupon's limit.")
@click.option("--promo-code", metavar="EXTERNAL_ID", help="A promo code's limit.")
@click.option("--promotion", type=int, metavar="ID", help="A discount or bonus promotion's limit.")
@json_option
@click.pass_obj
def user_limit_get(
    settings: Settings,
    user_id: str,
    coupon: str | None,
    promo_code: str | None,
    promotion: int | None,
    as_json: bool,
) -> None:
    """Show how many uses a player has left (give exactly one of --coupon, --promo-code,
    --promotion)."""
    if sum(x is not None for x in (coupon, promo_code, promotion)) != 1:
        raise click.UsageError("give exactly one of --coupon, --promo-code, --promotion")

    async def work(client: LiveOpsClient) -> models.UserLimit:
        admin = client.admin
        targets: list[tuple[Any, str | int | None]] = [
            (admin.coupons, coupon),
            (admin.promo_codes, promo_code),
            (admin.promotion_limits, promotion),
        ]
        resource, key = next((r, k) for r, k in targets if k is not None)
        result: models.UserLimit = await resource.get_user_limit(key, user_external_id=user_id)
        return result

    limit = run_with_client(settings, work)
    data = limit.to_dict()
    per_user = data.get("per_user") or {}
    if as_json:
        print_json(data)
    else:
        available, total = plain(per_user.get("available")), plain(per_user.get("total"))
        click.echo(f"{plain(user_id)}: {available} of {total} left")


@user_limit.command("reset")
@click.option("--promotion", type=int, metavar="ID", help="Reset this promotion's limit.")
@click.option("--user", "user_id", help="Only this player (user_external_id).")
@click.option("--all-users", is_flag=True, help="With --promotion: every player.")
@click.option("--all-promotions", is_flag=True, help="With --user: every promotion.")
@json_option
@click.pass_obj
def user_limit_reset(
    settings: Settings,
    promotion: int | None,
    user_id: str | None,
    all_users: bool,
    all_promotions: bool,
    as_json: bool,
) -> None:
    """Give players their promotion uses back.

    `--promotion ID --user U`: one player, one promotion. `--promotion ID --all-users`:
    everyone, one promotion. `--user U --all-promotions`: one player, every promotion.
    """
    if promotion is not None and (user_id is not None) == all_users:
        raise click.UsageError("with --promotion give either --user or --all-users")
    if promotion is None and not (all_promotions and user_id):
        raise click.UsageError("give --promotion ID, or --user U --all-promotions")
    player = user_id or ""  # checked above: set whenever it is used

    async def work(client: LiveOpsClient) -> None:
        limits = client.admin.promotion_limits
        user = None if all_users else models.PromotionLimitResetUser(user_external_id=player)
        try:
            if promotion is None:
                await limits.reset_all_user_limits(user=models.LimitUser(user_external_id=player))
            else:
                await limits.reset_user_limit(promotion, user=user)
        except LiveOpsError as exc:
            # A second reset would also erase the uses players made since the first one.
            checked = f"--promotion {promotion}" if promotion is not None else "--promotion ID"
            _stop_if_it_may_have_acted(
                exc,
                "the limit may have been reset",
                f"liveops user-limit get {checked} --user {user_id or 'USER'}",
            )
            raise

    run_with_client(settings, work)
    scope = "every player" if all_users else user_id
    what = f"promotion {promotion}" if promotion is not None else "every promotion"
    if as_json:
        print_json({"reset": True, "promotion": promotion, "user": None if all_users else user_id})
    else:
        click.echo(f"Reset the limit of {what} for {plain(scope)}.")
