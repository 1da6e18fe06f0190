"""CLI commands of the reminders: `daumoi reminders preview --at DATETIME` and `reminders log`."""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.cli import CliError, print_json
from bot.cli_text import cli_t

LOG_LIMIT = 10_000


def add_parsers(commands: Any) -> None:
    """Register `reminders preview` and `reminders log`."""
    reminders = commands.add_parser("reminders", help=cli_t("reminders.cli_help"))
    actions = reminders.add_subparsers(dest="reminders_command", required=True, metavar="ACTION")
    preview = actions.add_parser("preview", help=cli_t("reminders.cli_help_preview"))
    preview.add_argument("--at", required=True, metavar="DATETIME",
                         help=cli_t("reminders.cli_help_at"))
    preview.add_argument("--json", action="store_true", help=cli_t("cli.help_json"))
    preview.set_defaults(handler=cmd_preview)
    log = actions.add_parser("log", help=cli_t("reminders.cli_help_log"))
    log.add_argument("--json", action="store_true", help=cli_t("cli.help_json"))
    log.set_defaults(handler=cmd_log)


def parse_moment(value: str, timezone: str) -> datetime:
    """An ISO date-time; without an offset it is read in the plan's time zone."""
    try:
        moment = datetime.fromisoformat(value.strip().replace(" ", "T", 1))
    except ValueError:
        raise CliError(cli_t("reminders.cli_bad_at", value=value)) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(timezone))
    return moment


def cmd_preview(args: argparse.Namespace) -> int:
    """Print what a tick at a moment would send, given what the database holds now."""
    from bot.cli_people import with_runtime
    from bot.services.reminders import planned_as_dict

    async def work(runtime: Any) -> tuple[Any, list[Any], datetime]:
        moment = parse_moment(args.at, runtime.plan.timezone)
        return runtime.plan, await runtime.services.reminders.preview(moment), moment

    plan, planned, moment = with_runtime(work)
    if args.json:
        print_json([planned_as_dict(item) for item in planned])
        return 0
    zone = ZoneInfo(plan.timezone)
    if not planned:
        print(cli_t("reminders.cli_preview_none",
                at=moment.astimezone(zone).strftime("%d/%m/%Y %H:%M")))
        return 0
    for item in planned:
        message = item.message
        unit = message.recipient_unit_id
        recipient = plan.unit(unit).short_name if unit else str(message.address)
        if item.units and not unit:
            recipient += " [" + ", ".join(item.units) + "]"
        print(cli_t("reminders.cli_preview_line",
                due=message.due_at.astimezone(zone).strftime("%d/%m/%Y %H:%M"),
                kind=message.kind, recipient=recipient, key=message.key))
    return 0


def cmd_log(args: argparse.Namespace) -> int:
    """Print the outbox: what was sent, failed, skipped or still waits, newest first."""
    from bot.cli_people import with_runtime

    async def work(runtime: Any) -> tuple[Any, list[dict[str, Any]]]:
        return runtime.plan, await runtime.outbox_log(LOG_LIMIT)

    plan, rows = with_runtime(work)
    if args.json:
        print_json(rows)
        return 0
    if not rows:
        print(cli_t("reminders.cli_log_none"))
        return 0
    zone = ZoneInfo(plan.timezone)

    def local(value: str | None) -> str:
        if not value:
            return "-".ljust(16)
        return datetime.fromisoformat(value).astimezone(zone).strftime("%d/%m/%Y %H:%M")

    for row in rows:
        error = f"  ({row['last_error']})" if row["last_error"] else ""
        print(cli_t("reminders.cli_log_line", status=row["status"], due=local(row["due_at"]),
                sent=local(row["sent_at"]), key=row["key"], chat=row["address"], error=error))
    return 0
