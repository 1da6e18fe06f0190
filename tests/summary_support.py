"""Seeding helpers for summary tests: reports with figures, seats and delivered reminders.

Reports are written as ORM rows (the reports flow is built elsewhere); seats go through
`uow.focal_points.add`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.domain.address import Address
from bot.domain.records import FocalPoint, FocalPointRole
from storage.models import OutboxRow, ReportFigureRow, ReportRow
from tests.support import tg


@dataclass
class Seed:
    """What to store: reports (with figures), seats and reminders."""

    campaign_id: str
    reports: list[tuple[ReportRow, dict[str, int | None]]] = field(default_factory=list)
    seats: list[FocalPoint] = field(default_factory=list)
    reminders: list[OutboxRow] = field(default_factory=list)

    def report(
        self,
        unit: str,
        task: str,
        at: datetime,
        status: str = "done",
        *,
        version: int = 1,
        narrative: str = "",
        figures: dict[str, int | None] | None = None,
        period: str | None = None,
    ) -> Seed:
        """Add one report version (`period`: the recurring deadline's period it is for)."""
        row = ReportRow(
            campaign_id=self.campaign_id, unit_id=unit, task_id=task, version=version,
            status=status, narrative=narrative or f"{unit} {task} v{version}",
            submitted_by=Address("telegram", "1"), submitted_by_name="Người báo cáo", created_at=at,
            period=period,
        )
        self.reports.append((row, figures or {}))
        return self

    def seat(
        self,
        unit: str,
        at: datetime,
        user_id: int,
        *,
        role: FocalPointRole = FocalPointRole.FOCAL_POINT,
        name: str = "Nguyễn Văn A",
        phone: str | None = "+84912345678",
    ) -> Seed:
        """Add a current seat holder."""
        self.seats.append(
            FocalPoint(self.campaign_id, unit, role, tg(user_id), tg(user_id), name, "Chuyên viên",
                       phone, "vi", at, at)
        )
        return self

    def reminder(
        self, unit: str, sent_at: datetime, *, kind: str = "deadline.report",
        status: str = "sent",
    ) -> Seed:
        """Add an outbox row addressed to a unit."""
        number = len(self.reminders) + 1
        self.reminders.append(
            OutboxRow(
                key=f"{kind}:{unit}:{number}:{sent_at.isoformat()}", kind=kind,
                campaign_id=self.campaign_id, address=Address("telegram", str(1000 + number)), recipient_unit_id=unit,
                text_key="reminders.deadline", payload={}, locale="vi",
                due_at=sent_at - timedelta(minutes=1), status=status, attempts=1,
                created_at=sent_at - timedelta(minutes=1),
                sent_at=sent_at if status == "sent" else None,
            )
        )
        return self

    async def store(self, uow_factory) -> None:
        """Write everything in one transaction."""
        async with uow_factory() as uow:
            for seat in self.seats:
                await uow.focal_points.add(seat)
            for row, _ in self.reports:
                uow.session.add(row)
            await uow.session.flush()
            for row, figures in self.reports:
                for metric, value in figures.items():
                    uow.session.add(ReportFigureRow(report_id=row.id, metric_id=metric,
                                                    value=value))
            uow.session.add_all(self.reminders)
            await uow.commit()


def kontum_campaign(plan, *, reported_at: datetime | None = None) -> Seed:
    """A scripted Kon Tum campaign: most units report, one corrects, one is late, two are silent.

    Focal points: nine of the eleven units (not Sở Ngoại vụ, not Công an tỉnh). Reports against
    the 15/12/2023 17:00 deadline: Sở VHTTDL and Báo Kon Tum (with a correction) report every
    task done on time; Đài PT-TH reports every task on time but one is a problem (so it stands
    "in progress"); Cổng TTĐT reports its last task done three hours late; BĐBP and UBND Ngọc
    Hồi report half of their tasks, every third one still in progress; UBND Đăk Hà and Công an
    tỉnh stay silent (Đăk Hà was reminded twice).
    """
    report_deadline = next(d for d in plan.deadlines if d.kind.value == "report")
    due = report_deadline.due
    start = reported_at or due - timedelta(days=3)
    seed = Seed(plan.id)
    registered = [u.id for u in plan.focal_point_units if u.id not in ("so-ngoai-vu", "cong-an")]
    for number, unit in enumerate(registered):
        seed.seat(unit, due - timedelta(days=20, hours=number), 700000 + number,
                  name=f"Đầu mối {number + 1}", phone=f"+8491234{number:04d}")
    full = ("so-vhttdl", "bao-kon-tum", "dai-ptth")
    half = ("bdbp", "ubnd-ngoc-hoi")
    for unit in (*full, "cong-ttdt", *half):
        tasks = plan.tasks_of(unit)
        if unit in half:
            tasks = tasks[: len(tasks) // 2]
        for index, task in enumerate(tasks):
            at = start + timedelta(hours=index)
            if unit == "cong-ttdt" and index == len(tasks) - 1:
                at = due + timedelta(hours=3)
            status = "in_progress" if unit in half and index % 3 == 2 else "done"
            narrative = (
                f"Đã triển khai nhiệm vụ {task.section}: tổ chức thực hiện đúng nội dung Kế "
                f"hoạch, phân công cán bộ theo dõi, cập nhật kết quả hằng ngày."
            )
            if unit == "dai-ptth" and index == 1:
                status = "problem"
                narrative = ("Thiết bị phát sóng lưu động bị hỏng, chưa thể truyền hình trực "
                             "tiếp tại cửa khẩu; đề nghị Sở TT&TT hỗ trợ xe truyền hình lưu động.")
            figures = {m.id: 3 + 2 * position + index for position, m in enumerate(task.metrics)}
            if unit == "bao-kon-tum" and index == 0:
                seed.report(unit, task.id, at - timedelta(days=1), "in_progress",
                            narrative="Bản đầu: đang tổng hợp số liệu.",
                            figures=dict.fromkeys(figures, 1))
                seed.report(unit, task.id, at, status, version=2, narrative=narrative,
                            figures=figures)
                continue
            seed.report(unit, task.id, at, status, narrative=narrative, figures=figures)
    for days in (2, 1):
        seed.reminder("ubnd-dak-ha", due - timedelta(days=days, hours=9))
    return seed
