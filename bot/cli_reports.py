"""CLI command of the reports: `daumoi reports [--unit ID] [--json]`."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import Any

from bot.cli import EXIT_INVALID, CliError, print_json
from bot.cli_text import cli_t


def add_parsers(commands: Any) -> None:
    """Register `reports`."""
    reports = commands.add_parser("reports", help=cli_t("reports.cli_help"))
    reports.add_argument("--unit", metavar="ID", help=cli_t("reports.cli_help_unit"))
    reports.add_argument("--json", action="store_true", help=cli_t("cli.help_json"))
    reports.set_defaults(handler=cmd_reports)


def figure_json(metric: Any, stored: int | None) -> dict[str, Any]:
    """A figure as people count it: 5.5 (not the 550 hundredths stored), its kind and unit."""
    from bot.domain.figures import from_stored
    from bot.services.reporting import format_metric_figure

    if metric is None:
        # A metric the plan no longer asks for: its kind is unknown, so is its step.
        return {"value": stored, "kind": None, "unit": None,
                "text": format_metric_figure(None, stored) if stored is not None else None}
    value = None
    if stored is not None:
        amount = from_stored(metric.kind, stored)
        value = int(amount) if amount == amount.to_integral_value() else float(amount)
    return {
        "value": value,
        "kind": metric.kind.value,
        "unit": metric.unit or None,
        "text": format_metric_figure(metric, stored) if stored is not None else None,
    }


def report_json(report: Any, latest: bool, metrics: Mapping[str, Any]) -> dict[str, Any]:
    """One stored report version as JSON: figures by metric, attachments with their details."""
    return {
        "reference": report.reference,
        "id": report.id,
        "unit_id": report.unit_id,
        "task_id": report.task_id,
        "version": report.version,
        "latest": latest,
        "status": report.status.value,
        "narrative": report.narrative,
        "submitted_by": report.submitted_by_name,
        "submitted_at": report.created_at.isoformat(),
        "figures": {figure.metric_id: figure_json(metrics.get(figure.metric_id), figure.value)
                    for figure in report.figures},
        "attachments": len(report.attachments),
        "files": [
            {
                "kind": item.kind.value,
                "file_name": item.file_name,
                "mime_type": item.mime_type,
                "size": item.size,
                "caption": item.caption,
                "archive_path": item.archive_path,
            }
            for item in report.attachments
        ],
    }


def cmd_reports(args: argparse.Namespace) -> int:
    """List every report version (of one unit with --unit), as lines or JSON."""
    from bot.cli_people import with_runtime
    from bot.presenters.common import format_when
    from bot.services.reporting import format_metric_figure
    from bot.services.summary import plan_metrics

    async def work(runtime: Any) -> tuple[Any, list[Any]]:
        plan = runtime.plan
        if args.unit is not None and args.unit not in {unit.id for unit in plan.units}:
            units = ", ".join(unit.id for unit in plan.units)
            raise CliError(cli_t("reports.cli_unknown_unit", unit=args.unit, units=units),
                           EXIT_INVALID)
        return plan, await runtime.services.reporting.all_reports(args.unit)

    plan, reports = with_runtime(work)
    newest: dict[tuple[str, str], int] = {}
    for report in reports:
        key = (report.unit_id, report.task_id)
        newest[key] = max(newest.get(key, 0), report.version)
    metrics = plan_metrics(plan)
    if args.json:
        print_json({
            "campaign": plan.id,
            "unit": args.unit,
            "reports": [
                report_json(report, report.version == newest[(report.unit_id, report.task_id)],
                            metrics)
                for report in reports
            ],
        })
        return 0
    if not reports:
        print(cli_t("reports.cli_none"))
        return 0
    for report in reports:
        figures = ", ".join(
            f"{figure.metric_id}="
            f"{format_metric_figure(metrics.get(figure.metric_id), figure.value)}"
            for figure in report.figures
        ) or "—"
        print(cli_t(
            "reports.cli_line",
            reference=report.reference, version=report.version, unit=report.unit_id,
            task=report.task_id, status=cli_t(f"reports.status_{report.status.value}"),
            when=format_when(report.created_at, plan.timezone), figures=figures,
            attachments=len(report.attachments),
        ))
    return 0
