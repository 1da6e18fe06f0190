"""The command line: `daumoi …` or `python -m bot …`."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.cli_text import cli_t, translate_argparse
from bot.errors import StartupError

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_CONFIG = 2


CliError = StartupError


def _event_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected YYYY-MM-DD, got {value!r}") from None


def print_json(data: Any) -> None:
    """Print data as indented UTF-8 JSON."""
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    translate_argparse()
    parser = argparse.ArgumentParser(prog="daumoi", description=cli_t("cli.description"))
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help=cli_t("cli.help_run"))
    run.add_argument("--event-date", type=_event_date, help=cli_t("cli.help_event_date"))
    run.add_argument("--no-sandbox", action="store_true", help=cli_t("cli.help_no_sandbox"))
    run.add_argument("--port", default="8080", help=cli_t("cli.help_port"))
    run.set_defaults(handler=cmd_run)

    sandbox = commands.add_parser("sandbox", help=cli_t("cli.help_sandbox"))
    sandbox.add_argument("--event-date", type=_event_date, help=cli_t("cli.help_event_date"))
    sandbox.add_argument("--port", default="8080", help=cli_t("cli.help_port"))
    sandbox.add_argument("--screenshot", type=Path, metavar="DIR",
                         help=cli_t("cli.help_screenshot"))
    sandbox.set_defaults(handler=cmd_sandbox)

    plan = commands.add_parser("plan", help=cli_t("cli.help_plan"))
    plan_commands = plan.add_subparsers(dest="plan_command", required=True, metavar="ACTION")
    check = plan_commands.add_parser("check", help=cli_t("cli.help_plan_check"))
    check.add_argument("file", type=Path)
    check.add_argument("--event-date", type=_event_date, help=cli_t("cli.help_event_date"))
    check.add_argument("--json", action="store_true", help=cli_t("cli.help_json"))
    check.add_argument("--strict", action="store_true", help=cli_t("cli.help_strict"))
    check.set_defaults(handler=cmd_plan_check)
    schema = plan_commands.add_parser("schema", help=cli_t("cli.help_plan_schema"))
    schema.set_defaults(handler=cmd_plan_schema)
    load = plan_commands.add_parser("load", help=cli_t("cli.help_plan_load"))
    load.add_argument("file", type=Path, nargs="?")
    load.add_argument("--event-date", type=_event_date, help=cli_t("cli.help_event_date"))
    load.add_argument("--json", action="store_true", help=cli_t("cli.help_json"))
    load.set_defaults(handler=cmd_plan_load)

    db = commands.add_parser("db", help=cli_t("cli.help_db"))
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    upgrade = db_commands.add_parser("upgrade", help=cli_t("cli.help_db_upgrade"))
    upgrade.set_defaults(handler=cmd_db_upgrade)
    backup = db_commands.add_parser("backup", help=cli_t("cli.help_db_backup"))
    backup.add_argument("file", type=Path, help=cli_t("cli.help_db_backup_file"))
    backup.set_defaults(handler=cmd_db_backup)

    from bot import cli_people

    cli_people.add_parsers(commands)
    from bot import cli_summary

    cli_summary.add_parsers(commands)
    from bot import cli_reports

    cli_reports.add_parsers(commands)
    from bot import cli_reminders

    cli_reminders.add_parsers(commands)
    return parser


def _load_plan(path: Path, event_date: date | None):  # noqa: ANN202 - Plan, imported lazily
    from bot.plan import PlanError, load_plan

    try:
        return load_plan(path, event_date=event_date)
    except PlanError as exc:
        raise CliError(str(exc), EXIT_INVALID) from None


def cmd_plan_check(args: argparse.Namespace) -> int:
    """Validate a plan file and print its timeline (or JSON); warnings go to stderr."""
    from bot.plan import plan_to_json, timeline_lines

    plan, warnings = _load_plan_warned(args.file, args.event_date)
    if args.json:
        print_json(plan_to_json(plan))
    else:
        print("\n".join(timeline_lines(plan)))
    return _report_warnings(warnings, strict=args.strict)


def _load_plan_warned(path: Path, event_date: date | None):  # noqa: ANN202 - lazy imports
    from bot.plan import PlanError, load_plan_checked

    try:
        return load_plan_checked(path, event_date=event_date)
    except PlanError as exc:
        raise CliError(str(exc), EXIT_INVALID) from None


def _report_warnings(warnings: Sequence[Any], *, strict: bool) -> int:
    """Print plan warnings on stderr; with --strict they fail the check like errors."""
    word = cli_t("plan.warning")
    for warning in warnings:
        print(f"{word}: {warning}", file=sys.stderr)
    return EXIT_INVALID if strict and warnings else EXIT_OK


def cmd_plan_schema(args: argparse.Namespace) -> int:
    """Print the JSON Schema of the plan format."""
    from bot.plan import plan_json_schema

    print_json(plan_json_schema())
    return EXIT_OK


def cmd_plan_load(args: argparse.Namespace) -> int:
    """Load (or reload) a plan into the database, the other campaigns left as they are; FILE
    is remembered so that `daumoi run` serves it too. Without FILE: every PLAN_FILE plan."""
    from bot.app import Runtime

    settings = load_configured_settings()
    event_date = args.event_date or settings.plan_event_date
    files = [args.file] if args.file else plan_files(settings)
    loaded = []
    for file in files:
        plan, warnings = _load_plan_warned(file, event_date)
        _report_warnings(warnings, strict=False)
        loaded.append(plan)
    _refuse_twice(loaded, files)
    source = str(args.file.resolve()) if args.file else None

    async def load() -> list[Any]:
        async with Runtime.open(settings, loaded[0]) as runtime:
            campaign, now = runtime.services.campaign, runtime.services.clock.now()
            return [await campaign.load_plan(plan, now, source) for plan in loaded]

    results = asyncio.run(load())
    if args.json:
        print_json(results[0].as_dict() if len(results) == 1
                   else [result.as_dict() for result in results])
    else:
        for plan, result in zip(loaded, results, strict=True):
            print(cli_t("cli.plan_loaded", campaign=plan.id, summary=result.describe()))
    return EXIT_OK


def plan_files(settings: Any) -> list[Path]:
    """The files PLAN_FILE names, or a one-line error when it names none."""
    files = settings.plan_files
    if not files:
        raise CliError(cli_t("cli.no_plan_files", value=str(settings.plan_file)), EXIT_CONFIG)
    return files


def _refuse_twice(plans: Sequence[Any], files: Sequence[Path]) -> None:
    """Two files of one campaign id would overwrite each other: refuse, naming both."""
    seen: dict[str, Path] = {}
    for plan, file in zip(plans, files, strict=True):
        if plan.id in seen:
            raise CliError(cli_t("cli.plan_twice_files", campaign=plan.id,
                                 first=str(seen[plan.id]), second=str(file)), EXIT_INVALID)
        seen[plan.id] = file


def load_configured_plans(settings: Any, event_date: date | None = None
                          ) -> list[tuple[Any, Path, Sequence[Any]]]:
    """Every PLAN_FILE plan with its file and warnings; the date moves the first one only
    (the campaign being rehearsed)."""
    found = []
    for index, file in enumerate(plan_files(settings)):
        moved = (event_date or settings.plan_event_date) if index == 0 else None
        plan, warnings = _load_plan_warned(file, moved)
        found.append((plan, file, warnings))
    _refuse_twice([plan for plan, _, _ in found], [file for _, file, _ in found])
    return found


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    """Bring the database schema to the newest migration."""
    from bot.app import upgrade_database

    settings = load_configured_settings()
    asyncio.run(upgrade_database(settings.database_url))
    print(cli_t("cli.db_upgraded"))
    return EXIT_OK


def cmd_db_backup(args: argparse.Namespace) -> int:
    """Back up the database while the bot runs (SQLite online backup, or pg_dump)."""
    from storage.backup import BackupError, StorageUnavailable, backup

    settings = load_configured_settings()
    try:
        backup(settings.database_url, args.file)
    except (BackupError, StorageUnavailable) as exc:
        raise CliError(cli_t("cli.db_backup_failed", problem=str(exc)), EXIT_INVALID) from None
    print(cli_t("cli.db_backed_up", file=str(args.file)))
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    """Run the bot: settings, plan, database, then long polling."""
    from bot.app import run_bot

    settings = load_configured_settings()
    if not (settings.telegram_enabled or settings.zalo_enabled):
        print(cli_t("cli.no_token"), file=sys.stderr)
        if args.no_sandbox:
            return EXIT_CONFIG
        # Without a token there is nothing to poll: show the bot working locally instead.
        print(cli_t("cli.sandbox_instead"), file=sys.stderr)
        return cmd_sandbox(argparse.Namespace(event_date=args.event_date, port=args.port,
                                              screenshot=None))
    plans = load_configured_plans(settings, args.event_date)

    def on_started() -> None:
        # Said once the bot is up, so that a startup error stays the one line it is.
        for plan, file, warnings in plans:
            warn_if_past(plan)
            if warnings:  # one line: the details are for `plan check`, not every start
                print(cli_t("cli.plan_has_warnings", count=len(warnings), file=str(file)),
                      file=sys.stderr)

    return run_bot(settings, plans[0][0], on_started, [plan for plan, _, _ in plans[1:]])


def warn_if_past(plan: Any, now: datetime | None = None) -> None:
    """Say in one paragraph that the plan is already over, and how to rehearse it."""
    from bot.domain.timing import past_plan

    now = now or datetime.now(UTC)
    past = past_plan(plan, now)
    if past is None:
        return
    when = past.when.astimezone(ZoneInfo(plan.timezone)).strftime("%d/%m/%Y")
    print(cli_t(f"cli.plan_{past.key}", campaign=plan.title, when=when, days=past.days,
                rehearse_on=past.rehearse_on.isoformat()), file=sys.stderr)


def free_port(value: object) -> int:
    """The sandbox page's port, checked before anything starts: a number, and free."""
    import socket

    text = str(value).strip()
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise CliError(cli_t("cli.port_invalid", port=text[:20]), EXIT_CONFIG)
    port = int(text)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            raise CliError(cli_t("cli.port_busy", port=port), EXIT_CONFIG) from None
    return port


def cmd_sandbox(args: argparse.Namespace) -> int:
    """Run the local sandbox: fake Telegram, the real bot, a web chat and a simulated clock."""
    from bot.sandbox.runner import main_sandbox

    port = free_port(args.port)

    settings = load_configured_settings()
    plans = [plan for plan, _, _ in load_configured_plans(settings, args.event_date)]
    return main_sandbox(settings, plans[0], port, args.screenshot, plans[1:])


def load_configured_settings():  # noqa: ANN201 - Settings, imported lazily to keep --help fast
    """The settings, or a one-line error naming the bad setting (exit 2)."""
    from bot.settings import SettingsError, load_settings

    try:
        return load_settings()
    except SettingsError as exc:
        raise CliError(cli_t("cli.bad_setting", problem=str(exc))) from None


def load_configured_plan(settings: Any, event_date: date | None = None):  # noqa: ANN201
    """The configured plan: CAMPAIGN's among PLAN_FILE's, else the first (moved by
    PLAN_EVENT_DATE or an explicit date)."""
    files = plan_files(settings)
    if not settings.campaign:
        return _load_plan(files[0], event_date or settings.plan_event_date)
    plans = [plan for plan, _, _ in load_configured_plans(settings, event_date)]
    for plan in plans:
        if plan.id == settings.campaign:
            return plan
    raise CliError(cli_t("cli.no_such_campaign", campaign=settings.campaign[:64],
                         campaigns=", ".join(plan.id for plan in plans)), EXIT_CONFIG)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the arguments, run one command, and return its exit code."""
    args = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except CliError as exc:
        print(str(exc), file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        return 130
