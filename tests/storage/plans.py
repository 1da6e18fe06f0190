"""A small test plan built straight from the domain dataclasses."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot.domain.plan import Deadline, DeadlineKind, Metric, Phase, Plan, Task, Unit

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2023, 11, 20, 2, 0, tzinfo=UTC)


def at(day: int, hour: int = 0, month: int = 11) -> datetime:
    """A local (Asia/Ho_Chi_Minh) time in 2023, as the plan loader resolves them."""
    return datetime(2023, month, day, hour, tzinfo=VN)


def build_plan(plan_id: str = "kontum-2023") -> Plan:
    """A small plan in the shape of the Kon Tum one."""
    units = (
        Unit("sotttt", "Sở Thông tin và Truyền thông", "Sở TT&TT", False, is_secretariat=True),
        Unit("bdbp", "Bộ Chỉ huy Bộ đội Biên phòng tỉnh", "BĐBP", True),
        Unit("baokontum", "Báo Kon Tum", "Báo Kon Tum", True),
        Unit("ubnd-ngochoi", "UBND huyện Ngọc Hồi", "Ngọc Hồi", True),
    )
    phases = (
        Phase("before", "Trước giao lưu", at(1), at(4, 23), "Tuyên truyền trước"),
        Phase("during", "Trong giao lưu", at(5, month=12), at(15, 23, month=12), "Đưa tin"),
    )
    deadlines = (
        Deadline(
            "register",
            "Đăng ký đầu mối",
            at(28, 17),
            DeadlineKind.REGISTRATION,
            ("bdbp", "baokontum", "ubnd-ngochoi"),
        ),
        Deadline(
            "report",
            "Báo cáo kết quả",
            at(15, 17, month=12),
            DeadlineKind.REPORT,
            ("bdbp", "baokontum", "ubnd-ngochoi"),
        ),
    )
    tasks = (
        Task(
            "t1",
            "baokontum",
            ("sotttt",),
            ("before", "during"),
            "Mở chuyên trang",
            (Metric("articles", "Số tin, bài"),),
            section="V.3",
            deadline="report",
        ),
        Task(
            "t2",
            "bdbp",
            ("ubnd-ngochoi", "baokontum"),
            ("during",),
            "Treo băng rôn",
            (Metric("banners", "Số băng rôn"), Metric("posters", "Số áp phích")),
            section="V.1",
            deadline="report",
        ),
        Task("t3", "sotttt", (), ("before",), "Tổng hợp báo cáo", (), section="VI.3"),
    )
    return Plan(
        id=plan_id,
        title="Kế hoạch tuyên truyền Giao lưu hữu nghị Quốc phòng biên giới",
        issuing_body="Tiểu ban Tuyên truyền",
        timezone="Asia/Ho_Chi_Minh",
        event_date=date(2023, 12, 7),
        start=at(1),
        end=at(20, 23, month=12),
        focus_start=at(5, month=12),
        focus_end=at(15, month=12),
        secretariat="sotttt",
        head_title="Trưởng Tiểu ban",
        units=units,
        phases=phases,
        agenda=(),
        tasks=tasks,
        deadlines=deadlines,
    )
