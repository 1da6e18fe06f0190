"""CLI commands about people: invites (with QR codes), the unit directory, the audit log."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from bot.cli import print_json
from bot.cli_text import cli_t
from bot.errors import StartupError

T = TypeVar("T")


def add_parsers(commands: Any) -> None:
    """Register `invites`, `units` and `audit`."""
    invites = commands.add_parser("invites", help=cli_t("cli.help_invites"))
    invites.add_argument("--unit", action="append", help=cli_t("cli.help_unit"))
    invites.add_argument("--deputy", action="store_true", help=cli_t("cli.help_deputy"))
    invites.add_argument("--json", action="store_true", help=cli_t("cli.help_json"))
    invites.add_argument("--qr", type=Path, metavar="DIR", help=cli_t("cli.help_qr"))
    invites.set_defaults(handler=cmd_invites)
    actions = invites.add_subparsers(dest="invites_action", required=False, metavar="ACTION")
    revoke = actions.add_parser("revoke", help=cli_t("cli.help_revoke"))
    revoke.add_argument("unit")
    revoke.set_defaults(handler=cmd_revoke)

    units = commands.add_parser("units", help=cli_t("cli.help_units"))
    units.add_argument("--json", action="store_true", help=cli_t("cli.help_json"))
    units.set_defaults(handler=cmd_units)

    retention = commands.add_parser("retention", help=cli_t("cli.help_retention"))
    retention.add_argument("--dry-run", action="store_true", help=cli_t("cli.help_dry_run"))
    retention.set_defaults(handler=cmd_retention)

    audit = commands.add_parser("audit", help=cli_t("cli.help_audit"))
    audit.add_argument("--json", action="store_true", help=cli_t("cli.help_json"))
    audit.add_argument("--limit", type=int, default=200)
    audit.set_defaults(handler=cmd_audit)


def with_runtime(work: Callable[[Any], Awaitable[T]], *, bot_username: bool = False) -> T:
    """Open the database for the configured plan, run work(runtime), close everything."""
    from bot.app import Runtime
    from bot.cli import load_configured_plan, load_configured_settings

    settings = load_configured_settings()
    plan = load_configured_plan(settings)

    async def run() -> T:
        # On Zalo alone there is no deep link to build: the code (and ZALO_BOT_URL) suffice.
        zalo_only = settings.zalo_enabled and not settings.telegram_enabled
        if bot_username and not settings.bot_username and not zalo_only:
            settings_with_name = settings.model_copy(
                update={"bot_username": await _ask_username(settings)}
            )
        else:
            settings_with_name = settings
        async with Runtime.open(settings_with_name, plan) as runtime:
            await runtime.load_plan()
            return await work(runtime)

    return asyncio.run(run())


async def _ask_username(settings: Any) -> str:
    """The bot's username from getMe, for invite links (BOT_USERNAME avoids the call)."""
    from telegram import Bot
    from telegram.error import TelegramError

    token = settings.bot_token.get_secret_value()
    if not token:
        raise StartupError(cli_t("cli.need_username"))
    try:
        async with Bot(token, base_url=settings.bot_base_url) as bot:
            return str(bot.username)
    except (TelegramError, OSError) as exc:
        raise StartupError(cli_t("cli.need_username") + f" ({type(exc).__name__})") from None


def cmd_invites(args: argparse.Namespace) -> int:
    """Create one invite per unit (or the units asked for) and print or save them."""
    from bot.domain.records import FocalPointRole

    kind = FocalPointRole.DEPUTY if args.deputy else FocalPointRole.FOCAL_POINT

    async def work(runtime: Any) -> list[Any]:
        known = {unit.id for unit in runtime.plan.units}
        for unit in args.unit or ():
            if unit not in known:
                listing = ", ".join(sorted(known))
                raise StartupError(cli_t("cli.unknown_unit", unit=unit, units=listing), 1)
        registration, now = runtime.services.registration, runtime.services.clock.now()
        units = args.unit
        if units is None and kind is FocalPointRole.FOCAL_POINT and len(
                runtime.settings.plan_files) > 1:
            # Several campaigns share units: invites only where a unit needs a new person.
            units = await registration.needing_invites(now)
        return await registration.issue_invites(units, kind, now)

    issued = with_runtime(work, bot_username=True)
    if args.qr:
        _write_qr_codes(issued, args.qr)
    if args.json:
        print_json([
            {"unit": i.unit_id, "unit_name": i.unit_name, "code": i.code, "link": i.link,
             "kind": i.kind.value, "expires": i.expires.isoformat()}
            for i in issued
        ])
        return 0
    for invite in issued:
        print(cli_t("cli.invite_line", unit=invite.unit_name, link=invite.link, code=invite.code,
                expires=invite.expires.strftime("%d/%m/%Y %H:%M")))
    expired = [invite for invite in issued if invite.expires <= datetime.now(UTC)]
    if expired:
        # Born expired: the plan's dates are past (the shipped plan is from 2023).
        print(cli_t("cli.invites_expired",
                    expires=expired[0].expires.strftime("%d/%m/%Y %H:%M")), file=sys.stderr)
    return 0


def _write_qr_codes(issued: list[Any], folder: Path) -> None:
    import qrcode

    folder.mkdir(parents=True, exist_ok=True)
    for invite in issued:
        suffix = "" if invite.kind.value == "focal_point" else "-deputy"
        # The QR opens a chat with the bot where a link exists; otherwise it holds what to type.
        image = qrcode.make(invite.link or f"dangky {invite.code}", border=2)
        image.save(folder / f"{invite.unit_id}{suffix}.png")


def cmd_revoke(args: argparse.Namespace) -> int:
    """Revoke every unused invite of a unit."""

    async def work(runtime: Any) -> int:
        if args.unit not in {unit.id for unit in runtime.plan.units}:
            raise StartupError(cli_t("cli.unknown_unit", unit=args.unit, units=""), 1)
        return await runtime.services.registration.revoke(
            args.unit, runtime.services.clock.now()
        )

    count = with_runtime(work)
    print(cli_t("cli.revoked", unit=args.unit, count=count))
    return 0


def cmd_units(args: argparse.Namespace) -> int:
    """Print every unit with its focal point (phones included: this is the secretariat's CLI)."""
    from handlers.units import render_directory

    async def work(runtime: Any) -> Any:
        return await runtime.services.directory.units()

    directory = with_runtime(work)
    if args.json:
        print_json(directory.as_json())
        return 0
    import html
    import re

    for text in render_directory(directory, "vi", with_phones=True):
        print(html.unescape(re.sub(r"<[^>]+>", "", text)))
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    """Print the audit log, newest first."""

    async def work(runtime: Any) -> tuple[list[Any], str]:
        async with runtime.uow_factory() as uow:
            return await uow.audit.recent(runtime.plan.id, args.limit), runtime.plan.timezone

    entries, timezone = with_runtime(work)
    if args.json:
        print_json([
            {"at": e.at.isoformat(), "action": e.action,
             "actor": str(e.actor) if e.actor else None, "unit": e.unit_id,
             "detail": dict(e.detail)}
            for e in entries
        ])
        return 0
    zone = ZoneInfo(timezone)
    for entry in entries:
        when = entry.at.astimezone(zone).strftime("%d/%m/%Y %H:%M:%S")
        print(f"{when}  {entry.action:<24} {entry.unit_id or '-':<18} {dict(entry.detail)}",
              file=sys.stdout)
    return 0


def cmd_retention(args: argparse.Namespace) -> int:
    """Erase (or with --dry-run list) the people kept past the retention period."""

    async def work(runtime: Any) -> tuple[list[Any], int, str]:
        retention = runtime.services.retention
        now = runtime.services.clock.now()
        cases = await (retention.due(now) if args.dry_run else retention.erase_due(now))
        return cases, retention.months, runtime.plan.timezone

    cases, months, timezone = with_runtime(work)
    zone = ZoneInfo(timezone)
    for case in cases:
        for seat in case.seats:
            print(cli_t("cli.retention_row", campaign=seat.campaign_id, unit=seat.unit_id,
                        role=seat.role.value, seat=seat.id, name=seat.full_name,
                        until=case.retained_until.astimezone(zone).strftime("%d/%m/%Y")))
    key = "cli.retention_would" if args.dry_run else "cli.retention_done"
    print(cli_t(key, people=len(cases), seats=sum(len(case.seats) for case in cases),
                months=months))
    return 0
