"""CLI commands of the summary: `daumoi summary [--json]` and `daumoi export docx|xlsx -o FILE`."""

from __future__ import annotations

import argparse
import html
import re
from pathlib import Path
from typing import Any

from bot.cli import print_json
from bot.cli_text import cli_t

FORMATS = ("docx", "xlsx")


def add_parsers(commands: Any) -> None:
    """Register `summary` and `export`."""
    summary = commands.add_parser("summary", help=cli_t("summary.cli_help_summary"))
    summary.add_argument("--json", action="store_true", help=cli_t("summary.cli_help_json"))
    summary.add_argument("--unit", metavar="ID", help=cli_t("summary.cli_help_unit"))
    summary.set_defaults(handler=cmd_summary)

    export = commands.add_parser("export", help=cli_t("summary.cli_help_export"))
    export.add_argument("format", choices=FORMATS, help=cli_t("summary.cli_help_format"))
    export.add_argument("-o", "--output", type=Path, required=True, metavar="FILE",
                        help=cli_t("summary.cli_help_output"))
    export.add_argument("--issue", action="store_true", help=cli_t("summary.cli_help_issue"))
    export.set_defaults(handler=cmd_export)


def _plain(text: str) -> str:
    """A chat message as a terminal shows it: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def cmd_summary(args: argparse.Namespace) -> int:
    """Print where the campaign stands (the same summary as /tonghop, or its JSON)."""
    from bot.cli_people import with_runtime
    from bot.presenters.summary import summary_lines

    async def work(runtime: Any) -> tuple[Any, Any]:
        services = runtime.services
        if args.unit is not None and args.unit not in {u.id for u in runtime.plan.units}:
            from bot.cli import EXIT_INVALID, CliError

            raise CliError(cli_t("cli.unknown_unit", unit=args.unit,
                                 units=", ".join(u.id for u in runtime.plan.units)),
                           EXIT_INVALID)
        return runtime.plan, await services.summary.summary(services.clock.now(), args.unit)

    plan, result = with_runtime(work)
    if args.json:
        print_json(result.as_json())
    else:
        from bot.cli import warn_if_past

        # "quá hạn 1099 ngày" reads as negligence unless it is said that the campaign ended.
        warn_if_past(plan, result.now)
        print("\n".join(_plain(line) for line in summary_lines(result, plan, "vi")))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Write the consolidated report (docx) or the spreadsheet (xlsx) to a file."""
    from bot.cli_people import with_runtime

    async def work(runtime: Any) -> bytes:
        services = runtime.services
        now = services.clock.now()
        plan = runtime.plan
        if args.format == "docx":
            from bot.presenters.docx_report import consolidated_docx

            content = consolidated_docx(await services.summary.consolidated(now), plan)
            await services.summary.record_consolidated(
                now, None, {"format": "docx", "bytes": len(content), "via": "cli"}
            )
            if args.issue:
                # The operator says this one is signed and issued: it meets the deadline.
                await services.summary.issue_consolidated(plan.secretariat, now, None)
            return content
        from bot.presenters.xlsx_export import workbook_xlsx

        # The command line is the operator's (the secretariat's) tool: phone numbers included.
        data = await services.summary.workbook(now)
        content = workbook_xlsx(data, plan, "vi", with_phones=True)
        await services.summary.record_export(
            now, None, {"format": "xlsx", "phones": True, "bytes": len(content), "via": "cli"}
        )
        return content

    content = with_runtime(work)
    args.output.write_bytes(content)
    print(cli_t("summary.cli_written", path=str(args.output)))
    return 0
