"""Benchmark of the summary and the exports on synthetic campaigns of growing size (SQLite).

Each size is N units x 20 tasks x 3 report versions (N = 3,000: 180,000 reports, 540,000
figures), 90 % of the units with a focal point, 1 in 5 with two delivered reminders. The table
grows 100 -> 300 -> 1,000 -> 3,000 units by default (`--units` sets the top, `--scale` the
sizes). Each measurement runs in a fresh process so that its peak memory is its own: the
summary as `summary --json` computes it (service + JSON), the same with every report version
folded instead of read from the report heads (the baseline: "folded"), the Word export and the
Excel export (reading the data + building the file), and the same Excel rows written by
XlsxWriter in `constant_memory` mode (the hand-written SpreadsheetML writer is kept only while it
is faster).

Targets at 3,000 units on a 2-core machine: summary < 0.5 s, each export < 5 s, peak memory
< 300 MB; growth about linear.

    .venv/bin/python bench/bench_summary.py [--units 3000] [--scale 100,300,1000,3000]
        [--tasks 20] [--versions 3] [--in-time-order] [--cli]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

METRIC_POOL = 10
STATUSES = ("done", "done", "in_progress", "problem", "not_started")


def plan_yaml(units: int, tasks: int) -> str:
    """A plan file: every task led by the first unit, with all the others cooperating."""
    ids = [f"u{n:04d}" for n in range(units)]
    lines = [
        "id: bench", "title: Kế hoạch thử tải", "issuing_body: BAN THỬ TẢI",
        "parent_body: UBND TỈNH THỬ", "place: Kon Tum",
        "timezone: Asia/Ho_Chi_Minh", "event_date: 2023-12-05", 'start: "-34d"',
        'end: "+15d"', f"secretariat: {ids[0]}", "head_title: TRƯỞNG BAN",
        "recipients: [UBND tỉnh (b/c), 'Lưu: BTT']", "units:",
    ]
    for index, unit in enumerate(ids):
        lines += [f"  - id: {unit}", f"    name: Đơn vị thử số {index}",
                  f"    short_name: ĐV {index}", "    focal_point_required: true"]
    lines += ["phases:", "  - id: p", "    name: Giai đoạn", '    start: "-34d"',
              '    end: "+15d"', "    asks: Tuyên truyền", "tasks:"]
    for number in range(tasks):
        metrics = [(number + k) % METRIC_POOL for k in range(3)]
        lines += [f"  - id: t{number:02d}", f"    section: V.{number + 1}",
                  f"    lead: {ids[0]}", f"    cooperating: [{', '.join(ids[1:])}]",
                  f"    text: Nhiệm vụ thử số {number + 1} của kế hoạch", "    metrics:"]
        lines += [f'      - {{id: m{m:02d}, label: "Chỉ tiêu {m}"}}' for m in metrics]
    lines += ["deadlines:",
              "  - {id: dang-ky, title: Cử đầu mối, due: '-7d 17:00', kind: registration, "
              "units: [focal_points]}",
              "  - {id: bao-cao, title: Báo cáo kết quả, due: '+10d 17:00', kind: report, "
              "units: [focal_points]}",
              f"  - {{id: tong-hop, title: Tổng hợp, due: '+15d 17:00', kind: consolidation, "
              f"units: [{ids[0]}]}}"]
    return "\n".join(lines) + "\n"


async def build(db: Path, plan_file: Path, versions: int,
                in_time_order: bool = False) -> dict[str, int]:
    """Migrate, load the plan and insert the synthetic reports in bulk (`in_time_order`: each
    version made after the one before, every report stored in the order it was made, as a
    campaign stores them; otherwise unit by unit, task by task)."""
    from sqlalchemy import insert

    from bot.domain.address import Address
    from bot.plan import load_plan
    from storage.db import create_engine
    from storage.migrate import upgrade_async
    from storage.models import FocalPointRow, OutboxRow, ReportFigureRow, ReportRow
    from storage.uow import make_uow_factory

    plan = load_plan(plan_file)
    url = f"sqlite+aiosqlite:///{db}"
    await upgrade_async(url)
    engine = create_engine(url)
    factory = make_uow_factory(engine)
    due = plan.deadlines[1].due
    rng = random.Random(2023)
    async with factory() as uow:
        await uow.campaigns.sync(plan, due - timedelta(days=40))
        await uow.commit()
    reports, figures, seats, reminders = [], [], [], []
    report_id = 0
    for index, unit in enumerate(plan.units):
        if index % 10:
            seats.append(dict(campaign_id=plan.id, unit_id=unit.id, role="focal_point",
                              user_address=Address("telegram", str(10_000 + index)),
                              chat_address=Address("telegram", str(10_000 + index)),
                              full_name=f"Người {index}", position="Chuyên viên",
                              phone_e164=f"+8491{index:07d}", locale="vi",
                              consent_at=due - timedelta(days=20),
                              registered_at=due - timedelta(days=20)))
        for task in plan.tasks:
            for version in range(1, versions + 1):
                report_id += 1
                # In time order, a version comes within 3 days of its slot, so after the last.
                spread = 4000 if in_time_order else 9000
                at = due - timedelta(days=3 * (versions - version),
                                     minutes=rng.randrange(spread))
                reports.append(dict(id=report_id, campaign_id=plan.id, unit_id=unit.id,
                                    task_id=task.id, version=version,
                                    status=rng.choice(STATUSES),
                                    narrative=f"Đơn vị {index} báo cáo lần {version}: đã thực "
                                              "hiện theo kế hoạch, cập nhật số liệu.",
                                    submitted_by=Address("telegram", str(10_000 + index)),
                                    submitted_by_name=f"Người {index}", created_at=at))
                figures += [dict(report_id=report_id, metric_id=metric.id,
                                 value=rng.randrange(0, 50)) for metric in task.metrics]
        if index % 5 == 0:
            for n in range(2):
                sent = due - timedelta(days=n + 1)
                reminders.append(dict(key=f"deadline:{unit.id}:{n}", kind="deadline.report",
                                      campaign_id=plan.id,
                                      address=Address("telegram", str(10_000 + index)),
                                      recipient_unit_id=unit.id, text_key="x", payload={},
                                      locale="vi", due_at=sent, status="sent", attempts=1,
                                      created_at=sent, sent_at=sent))
    if in_time_order:  # the ids a real campaign gives: in the order the reports came
        reports.sort(key=lambda report: report["created_at"])
        renumbered = {report["id"]: number for number, report in enumerate(reports, start=1)}
        for report in reports:
            report["id"] = renumbered[report["id"]]
        for figure in figures:
            figure["report_id"] = renumbered[figure["report_id"]]
    async with engine.begin() as connection:
        await connection.execute(insert(FocalPointRow.__table__), seats)
        for start in range(0, len(reports), 10_000):
            await connection.execute(insert(ReportRow.__table__), reports[start:start + 10_000])
        for start in range(0, len(figures), 20_000):
            await connection.execute(insert(ReportFigureRow.__table__),
                                     figures[start:start + 20_000])
        await connection.execute(insert(OutboxRow.__table__), reminders)
    await engine.dispose()
    return {"units": len(plan.units), "tasks": len(plan.tasks), "reports": len(reports),
            "figures": len(figures), "focal_points": len(seats), "reminders": len(reminders)}


async def measure(step: str, db: Path, plan_file: Path) -> dict[str, float]:
    """Time one step in this (fresh) process; report its peak memory."""
    from bot.plan import load_plan
    from bot.services.summary import SummaryService
    from storage.db import create_engine
    from storage.uow import make_uow_factory

    plan = load_plan(plan_file)
    if step == "folded":  # the baseline: every version folded, as before the report heads
        import storage.repositories.progress
        import storage.repositories.summary

        async def never(*_args: Any) -> bool:
            return False

        storage.repositories.summary.heads_answer = never  # type: ignore[assignment]
        storage.repositories.progress.heads_answer = never  # type: ignore[assignment]
    engine = create_engine(f"sqlite+aiosqlite:///{db}")
    service = SummaryService(plan, make_uow_factory(engine))
    now = plan.deadlines[1].due + timedelta(days=1)
    if step not in ("summary", "folded"):  # the file libraries imported untimed, like a server
        import bot.presenters.docx_report
        import bot.presenters.xlsx_export  # noqa: F401
        if step == "xlsxwriter":
            import xlsxwriter  # noqa: F401
    async with make_uow_factory(engine)() as uow:  # warm the connection pool
        await uow.campaigns.get(plan.id)
    started = time.perf_counter()
    writer = cells = 0.0
    if step in ("summary", "folded"):
        size = len(json.dumps((await service.summary(now)).as_json(), ensure_ascii=False))
    elif step == "docx":
        from bot.presenters.docx_report import consolidated_docx

        data = await service.consolidated(now)
        written = time.perf_counter()
        size = len(consolidated_docx(data, plan))
        writer = time.perf_counter() - written
    else:
        from bot.presenters.xlsx_export import _Workbook, workbook_xlsx

        data = await service.workbook(now)
        written = time.perf_counter()
        book = _Workbook() if step == "xlsx" else XlsxWriterBook()
        size = len(workbook_xlsx(data, plan, "vi", with_phones=True, book=book))
        writer = time.perf_counter() - written
        cells = sum(sheet.cells for sheet in book.sheets)
    seconds = time.perf_counter() - started
    await engine.dispose()
    return {"seconds": round(seconds, 3), "writer": round(writer, 3),
            "peak_mb": round(_peak_mb(), 1), "bytes": size, "cells": cells}


class XlsxWriterBook:
    """The Excel export's rows written by XlsxWriter (constant_memory), for comparison: same
    sheets, header style, widths, frozen header, filters, date format."""

    def __init__(self) -> None:
        import io

        import xlsxwriter

        self.buffer = io.BytesIO()
        self.book = xlsxwriter.Workbook(self.buffer, {"constant_memory": True})
        self.header = self.book.add_format({"bold": True, "bg_color": "#DDEBF7",
                                            "valign": "vcenter", "text_wrap": True})
        self.date = self.book.add_format({"num_format": "dd/mm/yyyy hh:mm"})
        self.sheets: list[XlsxWriterSheet] = []

    def sheet(self, title: str, columns: Any, unique: Any = ()) -> XlsxWriterSheet:
        """Start the next sheet."""
        sheet = XlsxWriterSheet(self, title, columns)
        self.sheets.append(sheet)
        return sheet

    def finish(self) -> bytes:
        """Close the workbook and return the file."""
        self.book.close()
        return self.buffer.getvalue()


class XlsxWriterSheet:
    """One XlsxWriter worksheet fed row by row, typed as the hand-written writer types cells."""

    def __init__(self, book: XlsxWriterBook, title: str, columns: Any) -> None:
        self.sheet = book.book.add_worksheet(title[:31])
        self.date = book.date
        self.width = len(columns)
        for index, (_name, width) in enumerate(columns):
            self.sheet.set_column(index, index, width)
        self.sheet.freeze_panes(1, 0)
        self.rows = 0
        self.cells = 0
        self.sheet.write_row(0, 0, [name for name, _ in columns], book.header)
        self.rows = 1

    def add(self, values: Any) -> None:
        """Append a row."""
        sheet, row = self.sheet, self.rows
        for column, value in enumerate(values):
            if value is None or value == "":
                continue
            kind = type(value)
            if kind is str:
                sheet.write_string(row, column, value)
            elif kind is int or kind is float:
                sheet.write_number(row, column, value)
            elif isinstance(value, datetime):
                sheet.write_datetime(row, column, value, self.date)
            else:
                sheet.write_string(row, column, str(value))
            self.cells += 1
        self.rows += 1

    def close(self) -> None:
        """Filter buttons on the header."""
        self.sheet.autofilter(0, 0, max(self.rows - 1, 1), self.width - 1)


def _peak_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss it does not carry the
    parent's size over the fork and exec that started the process)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(step: str, db: Path, plan_file: Path) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, __file__, "--step", step, "--db", str(db), "--plan", str(plan_file)],
        check=True, capture_output=True, text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def _cli(db: Path, plan_file: Path) -> float:
    env = dict(os.environ, DATABASE_URL=f"sqlite+aiosqlite:///{db}", PLAN_FILE=str(plan_file),
               BOT_TOKEN="", ADMIN_IDS="", HEAD_IDS="")
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "bot", "summary", "--json"], check=True, env=env,
                   cwd=ROOT, capture_output=True)
    return time.perf_counter() - started


TARGETS = {"summary": 0.5, "docx": 5.0, "xlsx": 5.0}
PEAK_MB = 300
STEPS = ("summary", "folded", "docx", "xlsx", "xlsxwriter")


def _sizes(top: int, scale: str | None) -> list[int]:
    if scale:
        return sorted({int(part) for part in scale.split(",") if part.strip()})
    return [size for size in (100, 300, 1000, 3000) if size < top] + [top]


def main() -> None:
    """Build each campaign size once, then measure each step in its own process."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=3000, help="the largest size measured")
    parser.add_argument("--scale", help="the sizes, e.g. 100,300,1000,3000")
    parser.add_argument("--tasks", type=int, default=20)
    parser.add_argument("--versions", type=int, default=3)
    parser.add_argument("--in-time-order", action="store_true",
                        help="store the reports in the order they were made (each version "
                             "after the one before), not unit by unit")
    parser.add_argument("--cli", action="store_true",
                        help="also time the whole `daumoi summary --json` at the top size")
    parser.add_argument("--step", choices=STEPS)
    parser.add_argument("--db", type=Path)
    parser.add_argument("--plan", type=Path)
    args = parser.parse_args()
    if args.step:
        print(json.dumps(asyncio.run(measure(args.step, args.db, args.plan))))
        return
    sizes = _sizes(args.units, args.scale)
    results: dict[int, dict[str, dict[str, float]]] = {}
    print("reports stored " + ("in the order they were made" if args.in_time_order
                               else "unit by unit, task by task (--in-time-order: as made)"))
    print(f"{'units':>6} {'reports':>8} | " + " | ".join(f"{step:>18}" for step in STEPS))
    print(f"{'':>6} {'':>8} | " + " | ".join(f"{'s':>8} {'peak MB':>9}" for _ in STEPS))
    with tempfile.TemporaryDirectory() as folder:
        for size in sizes:
            db, plan_file = Path(folder) / f"bench{size}.sqlite3", Path(folder) / f"b{size}.yaml"
            plan_file.write_text(plan_yaml(size, args.tasks), encoding="utf-8")
            counts = asyncio.run(build(db, plan_file, args.versions, args.in_time_order))
            results[size] = {step: _child(step, db, plan_file) for step in STEPS}
            print(f"{size:>6} {counts['reports']:>8} | " + " | ".join(
                f"{results[size][step]['seconds']:>8.3f} {results[size][step]['peak_mb']:>9.1f}"
                for step in STEPS), flush=True)
            if args.cli and size == sizes[-1]:
                print(f"daumoi summary --json, whole command: {_cli(db, plan_file):.2f} s "
                      "(interpreter, migrations check and plan sync included)")
            db.unlink()
    top = results[sizes[-1]]
    print(f"\nat {sizes[-1]:,} units (targets: summary < {TARGETS['summary']} s, exports "
          f"< {TARGETS['docx']} s, peak < {PEAK_MB} MB):")
    for step, target in TARGETS.items():
        result = top[step]
        verdict = "ok" if result["seconds"] < target and result["peak_mb"] < PEAK_MB else "SLOW"
        print(f"  {step:8s} {result['seconds']:7.3f} s  peak {result['peak_mb']:6.1f} MB  "
              f"output {result['bytes']:,} bytes  {verdict}")
    if len(sizes) > 1:
        first, last = sizes[0], sizes[-1]
        growth = ", ".join(
            f"{step} x{top[step]['seconds'] / max(results[first][step]['seconds'], 1e-3):.1f}"
            for step in TARGETS)
        print(f"  growth {first} -> {last} units (x{last / first:g}): {growth}")
    print(f"\nthe summary from the report heads {top['summary']['seconds']:.3f} s; folding every "
          f"version instead (the baseline, as before the heads) {top['folded']['seconds']:.3f} s "
          f"(x{top['folded']['seconds'] / max(top['summary']['seconds'], 1e-3):.1f}); the same "
          f"output: {top['summary']['bytes'] == top['folded']['bytes']}")
    ours, theirs = top["xlsx"], top["xlsxwriter"]
    faster = "hand-written" if ours["writer"] <= theirs["writer"] else "XlsxWriter"
    print(f"\nExcel writers on the same {int(ours['cells']):,} cells (writing only, data read "
          f"excluded): hand-written SpreadsheetML {ours['writer']:.2f} s, peak "
          f"{ours['peak_mb']:.0f} MB; XlsxWriter constant_memory {theirs['writer']:.2f} s, peak "
          f"{theirs['peak_mb']:.0f} MB -> {faster} is faster"
          + ("; the hand-written writer stays." if faster == "hand-written"
             else "; SWITCH the export to XlsxWriter."))


if __name__ == "__main__":
    main()
